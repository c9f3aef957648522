"""A date of birth, or only the year of birth (kept as 1 January of that year), up to today."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from core.thai import to_ascii_digits
from core.types import Context
from dialogs.kinds.date import Date


@dataclass(frozen=True, kw_only=True)
class BirthDate(Date):
    earliest: date | None = date(1900, 1, 1)

    def parse(self, raw: str, ctx: Context) -> date:
        text = to_ascii_digits(raw).strip()
        return super().parse(f"1/1/{text}" if re.fullmatch(r"\d{4}", text) else text, ctx)
