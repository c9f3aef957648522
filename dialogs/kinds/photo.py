"""A photo taken with the camera or chosen from the phone; the answer is the stored photo's id (the
event handler fetches the image from LINE before the step, as it sees the question is a photo). A photo LINE could
not give (it keeps content only a while, or did not answer) is asked again, never taken as a skip."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from linebot.v3.messaging import CameraAction, CameraRollAction, QuickReplyItem

from core.i18n import N_
from core.types import Context, Input, Invalid
from dialogs.buttons import LABEL_LIMIT
from dialogs.kinds.base import Question, WrongKind
from models import DialogSession


@dataclass(frozen=True, kw_only=True)
class Photo(Question):
    how_to_answer: ClassVar[str] = N_("Tap \"Camera\" to take a photo, or \"Photos\" to choose one, and send it.")

    def render(self, ctx: Context, session: DialogSession, text: str, room: int,
               page: int) -> tuple[str, list[QuickReplyItem]]:
        return text, [QuickReplyItem(action=CameraAction(label=ctx._("Camera")[:LABEL_LIMIT])),
                      QuickReplyItem(action=CameraRollAction(label=ctx._("Photos")[:LABEL_LIMIT]))]

    def read(self, ctx: Context, session: DialogSession, inp: Input) -> int:
        if inp.kind != "image":
            raise WrongKind(ctx._("Please send a photo: tap \"Camera\" or \"Photos\" below."))
        if inp.value is None:  # LINE no longer had it, or could not be reached
            raise Invalid(N_("The photo could not be received from LINE. Please send it again."))
        return inp.value

    def display(self, value: int, ctx: Context, answers: dict) -> str:
        return ctx._("a photo")
