"""What every question has, whatever it asks for: a name, a prompt, an optional further check, help,
"Skip", how an earlier answer is shown, the roster it belongs to and where the dialog goes next.

A kind of question (text, a choice, a photo...) is a subclass in its own module: it renders its
buttons, reads an input (refusing the wrong kind of input with its message), shows an earlier answer
on "back" and explains itself. The engine only calls these methods, so a new kind touches no other file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass
from typing import Any, ClassVar

from linebot.v3.messaging import QuickReplyItem

from core.i18n import N_
from core.types import Context, Input, Invalid
from dialogs.roster import Roster
from models import DialogSession

Prompt = str | Callable[[Context, dict], str]  # a message id, or a function of the answers so far
PICKED = "_picked_"  # prefix of the answers keeping a multiple choice's ticks while it is being made
PICKING = object()  # read() of a tap that changed a multiple choice's ticks without finishing it


class WrongKind(Exception):
    """The input is of another kind than the question takes (a sticker where text is expected)."""


class Refused(Invalid):
    """An answer refused by a check that also has something to record (e.g. a wrong invite code)."""

    def __init__(self, message: str, store: list | None = None, **values):
        super().__init__(message, **values)
        self.store = list(store or [])


@dataclass(frozen=True)
class Question:
    """One state of a dialog. `next` says where the dialog goes once it is answered (see `dialogs.flow`);
    without it, to the following question in the dialog's list."""

    name: str
    prompt: Prompt
    _: KW_ONLY
    check: Callable[[Any, Context, dict], Any] | None = None  # a further check needing the database or answers
    help: str | None = None
    optional: bool = False
    shown: Callable[[Any, Context], str] | None = None  # how an earlier answer is shown on "back"
    roster: Roster | None = None  # asked once per item: the answer goes into the roster's current item
    next: Any = None  # a destination or a list of them (dialogs.flow)

    how_to_answer: ClassVar[str] = N_("Type your answer as a message and send it.")  # help, unless `help` is set

    def text(self, ctx: Context, answers: dict) -> str:
        """The prompt, under the heading of the roster item it is about."""
        text = self.prompt(ctx, answers) if callable(self.prompt) else ctx._(self.prompt)
        if self.roster and self.roster.heading:
            text = f"{self.roster.heading(ctx, answers)}\n{text}"
        return text

    def render(self, ctx: Context, session: DialogSession, text: str, room: int,
               page: int) -> tuple[str, list[QuickReplyItem]]:
        """The message text and the kind's own buttons (at most `room`; the page of a long list)."""
        return text, []

    def read(self, ctx: Context, session: DialogSession, inp: Input) -> Any:
        """The answer in `inp`; raises WrongKind for another kind of input, Invalid for a bad answer."""
        if inp.kind in ("sticker", "image", "location", "other"):
            raise WrongKind(ctx._("Thank you! For this question please type your answer as text, or tap a button."))
        return self.read_text_or_tap(ctx, session, inp)

    def read_text_or_tap(self, ctx: Context, session: DialogSession, inp: Input) -> Any:
        if inp.kind != "text":
            raise WrongKind(ctx._("Please type your answer."))
        return self.parse(inp.text, ctx)

    def parse(self, raw: str, ctx: Context) -> Any:
        """A typed answer's value, or raises Invalid. Every kind read from typed text defines it; a kind that reads
        otherwise (a tap, a photo) overrides `read_text_or_tap` or `read` instead and never gets here."""
        raise NotImplementedError(f"{type(self).__name__} reads no typed text")

    def show(self, value: Any, ctx: Context, answers: dict) -> str:
        """An earlier answer, as shown above the question on "back"."""
        return self.shown(value, ctx) if self.shown else self.display(value, ctx, answers)

    def display(self, value: Any, ctx: Context, answers: dict) -> str:
        return str(value)

    def explain(self, ctx: Context) -> str:
        return ctx._(self.help or self.how_to_answer)

    def answers_of(self, answers: dict) -> dict:
        """Where this question's answer is kept: the answers, or its roster's current item."""
        return self.roster.current(answers) if self.roster else answers

    def keepable(self, ctx: Context, answers: dict) -> bool:
        """An earlier answer can be kept: one given (a skip only where skipping is allowed) that still fits the
        answers changed since (e.g. an area of another level than the role now chosen needs)."""
        earlier = self.answers_of(answers)
        if self.name not in earlier:
            return False
        value = earlier[self.name]
        return self.optional if value is None else self.fits(value, ctx, answers)

    def fits(self, value: Any, ctx: Context, answers: dict) -> bool:
        """Whether an earlier answer is still one this question would take (options can follow other answers)."""
        return True
