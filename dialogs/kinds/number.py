"""A whole number typed as digits, Thai or Arabic ("๔ คน" is 4)."""

from __future__ import annotations

from dataclasses import dataclass

from core import validators
from core.types import Context
from dialogs.kinds.base import Question


@dataclass(frozen=True, kw_only=True)
class Number(Question):
    low: int | None = None
    high: int | None = None

    def parse(self, raw: str, ctx: Context) -> int:
        return validators.integer(raw, self.low, self.high)
