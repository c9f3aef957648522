"""One option of a list: tapped, or typed as its number or its label. A list longer than the quick-reply
buttons allow is paged ("More..."); the message numbers every option, so any can be typed."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from linebot.v3.messaging import QuickReplyItem

from core import validators
from core.i18n import N_
from core.types import Context, Input, Invalid
from dialogs.buttons import LABEL_LIMIT, postback
from dialogs.kinds.base import Question
from models import DialogSession

Options = Sequence[tuple[str, str]] | Callable[[Context, dict], Sequence[tuple[str, str]]]


@dataclass(frozen=True, kw_only=True)
class Choice(Question):
    """`options`: (value, label message id) pairs, or a function of the answers giving them. `short`: an option's
    button label, from its value, label and the answers, when the label in the list is longer than a button holds,
    e.g. "สมชาย ใจดี (3)" for "สมชาย ใจดี (3 ครัวเรือน)"."""

    options: Options
    short: Callable[[str, str, Context, dict], str] | None = None
    how_to_answer: ClassVar[str] = N_("Tap one of the buttons below, or type the number in front of your choice.")

    def choices(self, ctx: Context, answers: dict) -> list[tuple[str, str]]:
        options = self.options(ctx, answers) if callable(self.options) else self.options
        return [(value, ctx._(label)) for value, label in options or ()]

    def ticked(self, answers: dict) -> list[str]:
        """The options ticked so far (only a multiple choice has any)."""
        return []

    def button(self, value: str, label: str, ctx: Context, answers: dict) -> str:
        """An option's button label: the label, cut to LINE's limit when sent, unless a kind or `short` shortens it
        better."""
        return self.short(value, label, ctx, answers) if self.short and len(label) > LABEL_LIMIT else label

    def closing_buttons(self, ctx: Context, session: DialogSession) -> list[QuickReplyItem]:
        """Buttons after the options (a multiple choice's "Done")."""
        return []

    def render(self, ctx: Context, session: DialogSession, text: str, room: int,
               page: int) -> tuple[str, list[QuickReplyItem]]:
        options = self.choices(ctx, session.answers)
        ticked = self.ticked(session.answers)
        closing = self.closing_buttons(ctx, session)
        pages = _pages(options, room - len(closing))
        page = min(page, len(pages) - 1)
        numbered = "\n".join(f"{i}. {'✓ ' if value in ticked else ''}{label}"
                             for i, (value, label) in enumerate(options, 1))
        items = [postback(session, self.button(value, label, ctx, session.answers), {"a": value}, display=label)
                 for value, label in pages[page]]
        items += closing
        if page + 1 < len(pages):
            items.append(postback(session, ctx._("More..."), {"page": str(page + 1)}))
        return f"{text}\n{numbered}", items

    def read_text_or_tap(self, ctx: Context, session: DialogSession, inp: Input) -> Any:
        options = self.choices(ctx, session.answers)
        tapped = inp.data.get("a")
        if tapped is not None:
            return self.tapped(options, tapped)
        return validators.choice(inp.text or "", options)

    def fits(self, value: Any, ctx: Context, answers: dict) -> bool:
        values = dict(self.choices(ctx, answers))
        return all(v in values for v in (value if isinstance(value, list) else [value]))

    def tapped(self, options: list[tuple[str, str]], value: str) -> str:
        if value not in dict(options):
            raise Invalid(N_("That option is no longer available. Please choose again."))
        return value

    def display(self, value: Any, ctx: Context, answers: dict) -> str:
        labels = dict(self.choices(ctx, answers))
        picked = value if isinstance(value, list) else [value]
        return ", ".join(labels.get(v, str(v)) for v in picked)


def _pages(options: list, size: int) -> list[list]:
    """Options split into pages that fit the quick-reply limit, leaving room for "More..."."""
    if len(options) <= size:
        return [options]
    size -= 1
    return [options[i:i + size] for i in range(0, len(options), size)]
