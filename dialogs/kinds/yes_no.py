"""Yes or no: tapped, or typed in Thai or English ("ใช่", "ไม่", "yes")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from linebot.v3.messaging import QuickReplyItem

from core import validators
from core.i18n import N_
from core.types import Context, Input
from dialogs.buttons import postback
from dialogs.kinds.base import Question
from models import DialogSession


@dataclass(frozen=True, kw_only=True)
class YesNo(Question):
    how_to_answer: ClassVar[str] = N_("Tap Yes or No below.")

    def render(self, ctx: Context, session: DialogSession, text: str, room: int,
               page: int) -> tuple[str, list[QuickReplyItem]]:
        return text, [postback(session, ctx._("Yes"), {"a": "yes"}, display=ctx._("Yes")),
                      postback(session, ctx._("No"), {"a": "no"}, display=ctx._("No"))]

    def read_text_or_tap(self, ctx: Context, session: DialogSession, inp: Input) -> bool:
        return read_yes_no(inp)

    def display(self, value: bool, ctx: Context, answers: dict) -> str:
        return ctx._("Yes") if value else ctx._("No")


def read_yes_no(inp: Input) -> bool:
    """A tapped yes/no button, or yes or no typed; raises Invalid for anything else."""
    tapped = inp.data.get("a")
    return tapped == "yes" if tapped in ("yes", "no") else validators.yes_no(inp.text or "")
