"""A dialog's flow, declared next to its questions, compiled into one static `transitions` Machine.

Each question says where the dialog goes once it is answered, in its `next`: a question's name, "done",
a `ForEach` loop, `NEXT_ITEM` (inside a loop: the loop's next item, or on past the loop after the last),
or a list of `When(condition, destination)` tried in order, ending in an unconditional destination.
Without `next`, the following question in the list (after the last one: "done").

    Choice("position", N_("Your position?"), options=POSITIONS,
           next=[When(other_position, "position_other"), "phone"]),

A `ForEach` asks a group of questions once for each item of a roster it visits, then goes on:
"for each member on record, from m_status, then add_count". Its `start` and `then` may branch like a `next`
(a list of `When`), e.g. a known problem's item starts at its own question. The engine compiles these declarations into
the `advance` transitions of one Machine per dialog, built at import, and refuses a flow with a question
never reached or one from which the dialog cannot end (`DialogError`), so inserting a question cannot
silently reroute the flow. Conditions are plain functions `(ctx, answers) -> bool`; their names and the
loops' appear in the dialog's diagram.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from transitions import Machine

from core.types import Context, Outcome
from dialogs.roster import Roster

DONE = "done"
Condition = Callable[[Context, dict], bool]


class DialogError(ValueError):
    """A dialog whose flow cannot work: a destination that doesn't exist, a question never reached, or one
    from which the dialog cannot end."""


class _NextItem:
    def __repr__(self) -> str:
        return "NEXT_ITEM"


NEXT_ITEM = _NextItem()  # inside a loop: the next item it visits, or where the loop goes after its last


def every(items: list[dict], answers: dict) -> list[int]:
    return list(range(len(items)))


@dataclass(frozen=True)
class ForEach:
    """Ask the questions from `start` (those of `roster`, up to each one going on to `NEXT_ITEM`) for each
    item `visit` picks (indexes into the roster's items), then go to `then`. Both are a question's name, or a
    list of `When(condition, question)` ending in a question's name, tried once the item (or the loop's end)
    is reached.

    When the loop starts, `fill` (if given) makes the roster's items from the answers (e.g. one per income
    source picked); the answers named in `forget` only chose this way and are dropped, so they are not
    offered again as an earlier answer. With no item to visit, the dialog goes straight to `then`.
    """

    name: str
    roster: Roster
    start: str | list
    then: str | list
    visit: Callable[[list[dict], dict], list[int]] = every
    fill: Callable[[dict], list[dict]] | None = None
    forget: tuple[str, ...] = ()
    conditions: dict[str, Condition] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        # Named functions, so the diagram says which loop a transition belongs to.
        named = {"any": self._any, "running": self._running, "more": self._more}
        labels = {"any": f"any_{self.name}", "running": f"in_{self.name}", "more": f"more_{self.name}"}
        object.__setattr__(self, "conditions", {key: _named(labels[key], func) for key, func in named.items()})

    def _items(self, answers: dict) -> list[dict]:
        return self.fill(answers) if self.fill else self.roster.items(answers)

    def _any(self, ctx: Context, answers: dict) -> bool:
        return bool(self.visit(self._items(answers), answers))

    def _running(self, ctx: Context, answers: dict) -> bool:
        return self.roster.loop(answers) == self.name

    def _more(self, ctx: Context, answers: dict) -> bool:
        number, count = self.roster.position(answers)
        return number < count

    def begin(self, ctx: Context, answers: dict) -> None:
        items = self._items(answers)
        visits = self.visit(items, answers)
        answers[self.roster.name] = items
        answers[self.roster.loop_key], answers[self.roster.visits_key] = self.name, list(visits)
        if visits:
            answers[self.roster.cursor] = visits[0]
        for key in self.forget:
            answers.pop(key, None)

    def step(self, ctx: Context, answers: dict) -> None:
        number, _count = self.roster.position(answers)
        answers[self.roster.cursor] = answers[self.roster.visits_key][number]


def _named(name: str, func: Callable) -> Callable:
    def condition(ctx: Context, answers: dict) -> bool:
        return func(ctx, answers)
    condition.__name__ = condition.__qualname__ = name
    return condition


@dataclass(frozen=True)
class When:
    """Go to `then` when `condition(ctx, answers)` holds; otherwise try the next destination in the list."""

    condition: Condition
    then: Any  # a question's name, DONE, a ForEach or NEXT_ITEM


class Dialog:
    """A conversation as data: its questions (each with where it goes next) and what to do with the answers."""

    def __init__(self, name: str, title: str, questions: Sequence, finish: Callable[[Context, dict], Outcome],
                 forget_answers: bool = False, allowed: Callable[[Context, dict], bool] | None = None):
        self.name = name
        self.title = title
        # Whether the person may still work on these answers (e.g. the household is still in their area):
        # checked at every step and when a draft is resumed, as a person's area can change in between.
        self.allowed = allowed
        # Personal data: once finished (stored in its own records) or cancelled, the session keeps only the
        # context it was opened with.
        self.forget_answers = forget_answers
        self.questions = {q.name: q for q in questions}
        if len(self.questions) != len(questions):
            raise DialogError(f"dialog {name!r}: two questions have the same name")
        self.first = questions[0].name
        self.finish = finish
        self.transitions = _compile(name, list(questions))
        self.machine = Machine(model=None, states=[*self.questions, DONE], transitions=self.transitions,
                               initial=self.first, auto_transitions=False)

    def next_state(self, state: str, ctx: Context, answers: dict) -> str:
        """Where the dialog goes from `state` with these answers (a loop's bookkeeping is updated in them)."""
        turn = _Turn(state)
        if not self.machine.events["advance"].trigger(turn, ctx, answers):
            raise DialogError(f"dialog {self.name!r}: no way on from {state!r} with these answers")
        return turn.state


class _Turn:
    """The lightweight model the static Machine moves: just a state."""

    __slots__ = ("state",)

    def __init__(self, state: str):
        self.state = state


# ---- compiling -----------------------------------------------------------------------------------

def _compile(name: str, questions: list) -> list[dict]:
    """The `advance` transitions of a dialog's questions; raises DialogError for a flow that cannot work."""
    names = {q.name for q in questions}
    following = {q.name: after.name for q, after in zip(questions, questions[1:], strict=False)}
    exits = {q.name: _destinations(name, q.name, q.next if q.next is not None else following.get(q.name, DONE))
             for q in questions}
    loops = {dest.name: dest for routes in exits.values() for _cond, dest in routes if isinstance(dest, ForEach)}
    ends = {loop.name: (_loop_routes(name, loop, "start"), _loop_routes(name, loop, "then")) for loop in loops.values()}
    for where in [d for routes in exits.values() for _c, d in routes] + [d for both in ends.values()
                                                                          for routes in both for _c, d in routes]:
        if isinstance(where, str) and where != DONE and where not in names:
            raise DialogError(f"dialog {name!r}: there is no question {where!r} to go to")
    rosters = {q.name: q.roster for q in questions}
    in_loops = {q: [loop for loop in loops.values() if q in _body(loop, ends[loop.name][0], exits, rosters)]
                for q in names}
    transitions = []
    for q in questions:
        for conditions, dest in exits[q.name]:
            transitions += _transitions(name, q.name, conditions, dest, in_loops[q.name], ends)
    _refuse_broken(name, questions[0].name, names, transitions)
    return transitions


def _destinations(name: str, question: str, next_: Any) -> list[tuple[list[Condition], Any]]:
    """A question's `next` as (conditions, destination) pairs, in the order they are tried; the last one
    unconditional, so there is always a way on."""
    routes = next_ if isinstance(next_, list) else [next_]
    if not routes or isinstance(routes[-1], When):
        raise DialogError(f"dialog {name!r}: {question!r} has no way on when none of its conditions holds")
    return [([route.condition], route.then) if isinstance(route, When) else ([], route) for route in routes]


def _loop_routes(name: str, loop: ForEach, end: str) -> list[tuple[list[Condition], str]]:
    """A loop's `start` or `then` as (conditions, question) pairs: only questions, never another loop."""
    routes = _destinations(name, f"loop {loop.name}'s {end}", getattr(loop, end))
    if any(not isinstance(dest, str) for _c, dest in routes):
        raise DialogError(f"dialog {name!r}: loop {loop.name!r}'s {end} must name questions")
    return routes


def _body(loop: ForEach, starts: list, exits: dict, rosters: dict) -> set[str]:
    """The questions a loop asks for each item: those of its roster reached from its start (`starts`: its routes)."""
    seen, waiting = set(), [dest for _conditions, dest in starts]
    while waiting:
        current = waiting.pop()
        if current in seen:
            continue
        seen.add(current)
        waiting += [dest for _c, dest in exits[current] if isinstance(dest, str) and rosters.get(dest) == loop.roster]
    return seen


def _transitions(name: str, source: str, conditions: list, dest: Any, loops: list[ForEach], ends: dict) -> list[dict]:
    def move(to: str, more: list, after: Callable | None = None, routed: tuple = ()) -> dict:
        found = {"trigger": "advance", "source": source, "dest": to}
        if conditions + more or routed:
            found["conditions"] = conditions + more + [_after(after, c) if after else c for c in routed]
        if after:
            found["after"] = [after]
        return found

    if isinstance(dest, ForEach):  # the loop starts: its first item, or past it when there is none
        start, then = ends[dest.name]
        return [*(move(to, [dest.conditions["any"]], dest.begin, routed) for routed, to in start),
                *(move(to, [], dest.begin, routed) for routed, to in then)]
    if dest is NEXT_ITEM:
        if not loops:
            raise DialogError(f"dialog {name!r}: {source!r} goes to the next item, but no loop asks it")
        return [t for loop in loops for t in (
            *(move(to, [loop.conditions["running"], loop.conditions["more"]], loop.step, routed)
              for routed, to in ends[loop.name][0]),
            *(move(to, [loop.conditions["running"]], None, routed) for routed, to in ends[loop.name][1]))]
    return [move(dest, [])]


def _after(step: Callable, condition: Condition) -> Condition:
    """`condition` asked of the answers as they will be once `step` (a loop's start or next item) has run:
    a loop's branch depends on the item it is about to ask."""
    def ahead(ctx: Context, answers: dict) -> bool:
        peek = dict(answers)
        step(ctx, peek)
        return condition(ctx, peek)
    return _named(condition.__name__, ahead)


def _refuse_broken(name: str, first: str, names: set[str], transitions: list[dict]) -> None:
    """Every question is reached from the first, and from every question the dialog can end."""
    onward: dict[str, set[str]] = {}
    for t in transitions:
        onward.setdefault(t["source"], set()).add(t["dest"])
    reached = _reachable(first, onward)
    never = sorted(names - reached)
    if never:
        raise DialogError(f"dialog {name!r}: question {never[0]!r} is never reached")
    backward: dict[str, set[str]] = {}
    for source, dests in onward.items():
        for dest in dests:
            backward.setdefault(dest, set()).add(source)
    stuck = sorted(names - _reachable(DONE, backward))
    if stuck:
        raise DialogError(f"dialog {name!r}: from question {stuck[0]!r} the dialog can never end")


def _reachable(start: str, edges: dict[str, set[str]]) -> set[str]:
    seen, waiting = set(), [start]
    while waiting:
        current = waiting.pop()
        if current not in seen:
            seen.add(current)
            waiting += edges.get(current, ())
    return seen
