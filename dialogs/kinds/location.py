"""A place shared from LINE's map ("Share location"): its title or its coordinates."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from linebot.v3.messaging import LocationAction, QuickReplyItem

from core.i18n import N_
from core.types import Context, Input
from dialogs.buttons import LABEL_LIMIT
from dialogs.kinds.base import Question, WrongKind
from models import DialogSession


@dataclass(frozen=True, kw_only=True)
class Location(Question):
    how_to_answer: ClassVar[str] = N_("Tap \"Share location\" below, then pick the place on the map and send it.")

    def render(self, ctx: Context, session: DialogSession, text: str, room: int,
               page: int) -> tuple[str, list[QuickReplyItem]]:
        return text, [QuickReplyItem(action=LocationAction(label=ctx._("Share location")[:LABEL_LIMIT]))]

    def read(self, ctx: Context, session: DialogSession, inp: Input) -> dict:
        if inp.kind != "location":
            raise WrongKind(ctx._("Please share a location: tap \"Share location\" below."))
        return inp.value

    def display(self, value: dict, ctx: Context, answers: dict) -> str:
        return value.get("title") or f"{value['latitude']:.5f}, {value['longitude']:.5f}"
