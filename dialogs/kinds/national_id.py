"""A 13-digit national ID, its check digit checked; shown masked, whether kept as typed or sealed
(a question's check may keep only its keyed hash and last digit)."""

from __future__ import annotations

from dataclasses import dataclass

from core import validators
from core.types import Context
from dialogs.kinds.base import Question


@dataclass(frozen=True, kw_only=True)
class NationalId(Question):
    def parse(self, raw: str, ctx: Context) -> str:
        return validators.national_id(raw)

    def display(self, value: str | dict, ctx: Context, answers: dict) -> str:
        return validators.mask_national_id(value["last"] if isinstance(value, dict) else value)
