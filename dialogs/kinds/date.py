"""A date typed in Thai or English, B.E. or A.D. ("25 พ.ย. 2569", "25/11/2026"), kept as an ISO date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from core import validators
from core.thai import format_date
from core.types import Context
from dialogs.kinds.base import Question


@dataclass(frozen=True, kw_only=True)
class Date(Question):
    """A date from `earliest` to `latest`; `latest` None is today, in the bot's time zone."""

    earliest: date | None = None
    latest: date | None = None

    def parse(self, raw: str, ctx: Context) -> date:
        return validators.date_value(raw, self.earliest, self.latest or ctx.today)

    def display(self, value: str, ctx: Context, answers: dict) -> str:
        return format_date(date.fromisoformat(value), ctx.locale)
