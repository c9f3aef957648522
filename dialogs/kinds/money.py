"""An amount of baht ("2,500 บาท"), kept as a decimal string and shown as money."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from core import validators
from core.thai import format_money
from core.types import Context
from dialogs.kinds.base import Question


@dataclass(frozen=True, kw_only=True)
class Money(Question):
    low: int = 0
    high: int | None = None

    def parse(self, raw: str, ctx: Context) -> Decimal:
        return validators.money(raw, self.low, self.high)

    def display(self, value: str, ctx: Context, answers: dict) -> str:
        return format_money(Decimal(value), ctx.locale)
