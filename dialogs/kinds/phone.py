"""A Thai phone number ("081 234 5678"), kept as digits and dashes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from core import validators
from core.i18n import N_
from core.types import Context
from dialogs.kinds.base import Question


@dataclass(frozen=True, kw_only=True)
class Phone(Question):
    how_to_answer: ClassVar[str] = N_("Type a Thai phone number, e.g. 081 234 5678.")

    def parse(self, raw: str, ctx: Context) -> str:
        return validators.phone(raw)
