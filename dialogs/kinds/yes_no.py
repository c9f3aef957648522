"""Yes or no: tapped, or typed in Thai or English ("ใช่", "ไม่", "yes"), or the words of its buttons.

A question names its two answers so they fit it: "ได้"/"ไม่ได้" for "is this person able to work?",
"ยินยอม"/"ไม่ยินยอม" for consent; "ใช่"/"ไม่ใช่" otherwise."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from linebot.v3.messaging import QuickReplyItem

from core import validators
from core.i18n import N_
from core.types import Context, Input, Invalid
from dialogs.buttons import postback
from dialogs.kinds.base import Question
from models import DialogSession


@dataclass(frozen=True, kw_only=True)
class YesNo(Question):
    labels: tuple[str, str] = (N_("Yes"), N_("No"))  # the buttons' message ids: the agreeing one first
    how_to_answer: ClassVar[str] = N_("Tap \"%(yes)s\" or \"%(no)s\" below.")

    def words(self, ctx: Context) -> tuple[str, str]:
        yes, no = self.labels
        return ctx._(yes), ctx._(no)

    def render(self, ctx: Context, session: DialogSession, text: str, room: int,
               page: int) -> tuple[str, list[QuickReplyItem]]:
        yes, no = self.words(ctx)
        return text, [postback(session, yes, {"a": "yes"}), postback(session, no, {"a": "no"})]

    def read_text_or_tap(self, ctx: Context, session: DialogSession, inp: Input) -> bool:
        yes, no = self.words(ctx)
        try:
            return read_yes_no(inp, yes, no)
        except Invalid:
            raise Invalid(N_("Please tap \"%(yes)s\" or \"%(no)s\"."), yes=yes, no=no) from None

    def display(self, value: bool, ctx: Context, answers: dict) -> str:
        yes, no = self.words(ctx)
        return yes if value else no

    def explain(self, ctx: Context) -> str:
        yes, no = self.words(ctx)
        return ctx._(self.help) if self.help else ctx._(self.how_to_answer, yes=yes, no=no)


def read_yes_no(inp: Input, yes: str = "", no: str = "") -> bool:
    """A tapped yes/no button, or yes or no typed (or `yes`/`no`, the buttons' words); raises Invalid otherwise."""
    tapped = inp.data.get("a")
    return tapped == "yes" if tapped in ("yes", "no") else validators.yes_no(inp.text or "", yes=yes, no=no)
