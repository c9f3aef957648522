"""A typed text answer: a name, a note, or a format of its own (a house number, land in rai)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from core import validators
from core.types import Context
from dialogs.kinds.base import Question


@dataclass(frozen=True, kw_only=True)
class Text(Question):
    """Text of `min_len` to `max_len` characters, or what `parser` makes of it (raw text → value, or raises
    Invalid) for an answer with a format of its own."""

    min_len: int = 1
    max_len: int = 500
    parser: Callable[[str], Any] | None = None

    def parse(self, raw: str, ctx: Context) -> Any:
        if self.parser:
            return self.parser(raw)
        return validators.text(raw, min_len=self.min_len, max_len=self.max_len)
