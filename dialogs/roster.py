"""Rosters: a list of like items (a household's members, its income sources) answered with the same
questions, one item at a time.

A roster lives in the answers: `answers[name]` is the list of items (dicts of answers) and a few
bookkeeping keys (starting with "_", so "back" restores them as they were) say which item is current
and which loop over the roster is running. The loops themselves are declared with `flow.ForEach`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from core.types import Context


@dataclass(frozen=True)
class Roster:
    """`heading` says which item a question is about; it is shown above each of the roster's questions.
    `load` gives the items a roster starts with when the answers have none yet (e.g. the members on
    record), read when a loop over it starts."""

    name: str
    heading: Callable[[Context, dict], str] | None = None
    load: Callable[[dict], list[dict]] | None = None

    @property
    def cursor(self) -> str:
        return f"_{self.name}_at"

    @property
    def loop_key(self) -> str:
        return f"_{self.name}_loop"

    @property
    def visits_key(self) -> str:
        return f"_{self.name}_visits"

    def items(self, answers: dict) -> list[dict]:
        if self.name not in answers and self.load is not None:
            return self.load(answers)
        return answers.get(self.name) or []

    def index(self, answers: dict) -> int:
        return answers.get(self.cursor, 0)

    def current(self, answers: dict) -> dict:
        items, index = self.items(answers), self.index(answers)
        return items[index] if index < len(items) else {}

    def loop(self, answers: dict) -> str | None:
        """The name of the loop over this roster that runs (or ran last)."""
        return answers.get(self.loop_key)

    def position(self, answers: dict) -> tuple[int, int]:
        """The current item's number among those the running loop visits, and how many it visits."""
        visits = answers.get(self.visits_key) or []
        index = self.index(answers)
        return (visits.index(index) + 1 if index in visits else 0), len(visits)

    def put(self, answers: dict, key: str, value: Any) -> None:
        items, index = list(self.items(answers)), self.index(answers)
        items += [{} for _ in range(index + 1 - len(items))]
        items[index] = {**items[index], key: value}
        answers[self.name] = items
