"""Several options of a list: each tap ticks or unticks one (kept in the session as it is made), "Done"
finishes; or the numbers typed at once ("1,3"). "None of these" (the option `none`) is one tap."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from linebot.v3.messaging import QuickReplyItem

from core import validators
from core.i18n import N_
from core.types import Context, Input, Invalid
from dialogs.buttons import postback
from dialogs.kinds.base import PICKED, PICKING
from dialogs.kinds.choice import Choice
from models import DialogSession

DONE = "__done__"
NONE = "none"  # the value of a "none of these" option


@dataclass(frozen=True, kw_only=True)
class MultiChoice(Choice):
    how_to_answer: ClassVar[str] = N_("Tap each option that applies, then tap Done. You can also type the numbers, "
                                      "e.g. 1,3.")

    @property
    def ticks_key(self) -> str:
        return f"{PICKED}{self.name}"

    def ticked(self, answers: dict) -> list[str]:
        """The ticks being made; before the first tap, the earlier answer's (back on a tick list keeps them)."""
        if self.ticks_key in answers:
            return answers[self.ticks_key]
        if self.roster and self.roster.name not in answers:
            return []  # no item answered yet (nor loaded from the records): nothing ticked before
        earlier = self.answers_of(answers).get(self.name)
        return list(earlier) if isinstance(earlier, list) else []

    def closing_buttons(self, ctx: Context, session: DialogSession) -> list[QuickReplyItem]:
        return [postback(session, ctx._("Done"), {"a": DONE})]

    def read_text_or_tap(self, ctx: Context, session: DialogSession, inp: Input) -> Any:
        options = self.choices(ctx, session.answers)
        ticked = list(self.ticked(session.answers))
        tapped = inp.data.get("a")
        if tapped == DONE:
            if not ticked:
                raise Invalid(N_("Please choose at least one option, then tap Done."))
            session.answers = {k: v for k, v in session.answers.items() if k != self.ticks_key}
            return ticked
        if tapped == NONE:  # "none of these" is the whole answer: one tap
            self.tapped(options, tapped)
            session.answers = {k: v for k, v in session.answers.items() if k != self.ticks_key}
            return [NONE]
        if tapped is not None:
            self.tapped(options, tapped)
            ticked = _toggle(ticked, tapped)
            session.answers = {**session.answers, self.ticks_key: ticked}
            return PICKING
        return validators.choices(inp.text or "", options)


def _toggle(ticked: list[str], tapped: str) -> list[str]:
    """A tap unticks a ticked option, or ticks it, and unticks "none of these" (`NONE`, ticked before)."""
    if tapped in ticked:
        return [value for value in ticked if value != tapped]
    return [*(value for value in ticked if value != NONE), tapped]
