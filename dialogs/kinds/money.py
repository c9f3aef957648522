"""An amount of baht ("2,500 บาท"), kept as a decimal string and shown as money; typed, or tapped when the question
offers likely amounts (e.g. "same as last month: 5,000 บาท")."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from linebot.v3.messaging import QuickReplyItem

from core import validators
from core.thai import format_money
from core.types import Context, Input
from dialogs.buttons import postback
from dialogs.kinds.base import Question
from models import DialogSession


@dataclass(frozen=True, kw_only=True)
class Money(Question):
    """`offer`: (amount, button label) pairs of the answers so far, tapped as answers."""

    low: int = 0
    high: int | None = None
    offer: Callable[[Context, dict], list[tuple[Decimal, str]]] | None = None

    def render(self, ctx: Context, session: DialogSession, text: str, room: int,
               page: int) -> tuple[str, list[QuickReplyItem]]:
        offered = self.offer(ctx, session.answers) if self.offer else []
        return text, [postback(session, label, {"a": str(amount)}) for amount, label in offered[:room]]

    def read_text_or_tap(self, ctx: Context, session: DialogSession, inp: Input) -> Any:
        tapped = inp.data.get("a")
        return self.parse(tapped, ctx) if tapped is not None else super().read_text_or_tap(ctx, session, inp)

    def parse(self, raw: str, ctx: Context) -> Decimal:
        return validators.money(raw, self.low, self.high)

    def display(self, value: str, ctx: Context, answers: dict) -> str:
        return format_money(Decimal(value), ctx.locale)
