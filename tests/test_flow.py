"""Dialog flows: every dialog of the bot reaches each of its questions and can end from each, and a flow
that cannot work is refused when the dialog is built, with a message naming the question."""

from datetime import datetime

import pytest

from bot import DIALOGS
from core.types import Context, Invalid
from dialogs.flow import DONE, NEXT_ITEM, Dialog, DialogError, ForEach, When
from dialogs.kinds import BirthDate, Text
from dialogs.roster import Roster
from models import LineUser


def never(ctx, answers) -> bool:
    return False


def toy(*questions) -> Dialog:
    return Dialog(name="toy", title="Toy", questions=list(questions), finish=lambda ctx, answers: None)


def closure(start: str, step) -> set[str]:
    """`start` and every state `step` leads to, again and again."""
    found = {start}
    while more := {after for state in found for after in step(state)} - found:
        found |= more
    return found


@pytest.mark.parametrize("dialog", DIALOGS, ids=lambda dialog: dialog.name)
def test_every_question_is_reached_and_every_question_can_end_the_dialog(dialog):
    """Read from the built Machine itself, so a question inserted in the wrong place cannot go unnoticed."""
    onward = {source: {t.dest for t in transitions}
              for source, transitions in dialog.machine.events["advance"].transitions.items()}
    states = set(dialog.questions)
    assert states <= closure(dialog.first, lambda state: onward.get(state, ())), "a question no answer leads to"
    assert states <= closure(DONE, lambda state: {s for s, dests in onward.items() if state in dests}), \
        "a question from which the dialog never ends"


def test_a_question_never_reached_is_refused():
    with pytest.raises(DialogError, match="'c' is never reached"):
        toy(Text("a", "A?"), Text("b", "B?", next=DONE), Text("c", "C?"))


def test_a_dead_end_is_refused():
    with pytest.raises(DialogError, match="from question 'b' the dialog can never end"):
        toy(Text("a", "A?", next=[When(never, "b"), DONE]), Text("b", "B?", next="c"), Text("c", "C?", next="b"))


def test_a_question_without_a_way_on_when_no_condition_holds_is_refused():
    with pytest.raises(DialogError, match="'a' has no way on"):
        toy(Text("a", "A?", next=[When(never, "b")]), Text("b", "B?"))


def test_a_destination_that_does_not_exist_is_refused():
    with pytest.raises(DialogError, match="no question 'nowhere'"):
        toy(Text("a", "A?", next=[When(never, "nowhere"), DONE]))


def test_the_next_item_outside_a_loop_is_refused():
    with pytest.raises(DialogError, match="'a' goes to the next item, but no loop asks it"):
        toy(Text("a", "A?", next=NEXT_ITEM))


def test_a_question_inserted_after_one_that_branches_is_refused_not_skipped():
    with pytest.raises(DialogError, match="'inserted' is never reached"):
        toy(Text("a", "A?", next=[When(never, "c"), "b"]), Text("inserted", "New?"), Text("b", "B?", next=DONE),
            Text("c", "C?"))


THINGS = Roster("things")


def known_thing(ctx, answers) -> bool:
    return THINGS.current(answers).get("known", False)


def something_new(ctx, answers) -> bool:
    return any(item.get("new") == "yes" for item in THINGS.items(answers))


def walk(dialog: Dialog, answers: dict, say) -> list[str]:
    """The questions a dialog asks, answering each with `say(question, answers)`, up to the end."""
    state, asked = dialog.first, []
    while state != DONE:
        asked.append(state)
        say(state, answers)
        state = dialog.next_state(state, None, answers)
    return asked


def test_a_loop_starts_each_item_at_the_question_its_item_calls_for_and_ends_where_its_answers_lead():
    """A known problem is asked "still a problem?", the dimension's new ones "which?", item by item in order;
    after the last, the loop goes where the answers lead."""
    loop = ForEach("each", THINGS, start=[When(known_thing, "still"), "new"], then=[When(something_new, "note"), DONE])
    dialog = toy(Text("intro", "Intro?", next=loop), Text("still", "Still?", roster=THINGS, next=NEXT_ITEM),
                 Text("new", "New?", roster=THINGS, next=NEXT_ITEM), Text("note", "Note?", next=DONE))
    items = [{"known": True}, {"known": True}, {}, {"known": True}, {}]

    def answer(new: str):
        def say(question, answers):
            if question == "intro":
                answers["things"] = [dict(item) for item in items]
            elif question == "new":
                THINGS.put(answers, "new", new)
        return say

    assert walk(dialog, {}, answer("no")) == ["intro", "still", "still", "new", "still", "new"]
    assert walk(dialog, {}, answer("yes")) == ["intro", "still", "still", "new", "still", "new", "note"]
    assert walk(dialog, {}, lambda question, answers: None) == ["intro"]  # no items: straight past the loop


def test_a_loop_whose_start_names_no_question_is_refused():
    loop = ForEach("each", THINGS, start=[When(known_thing, "nowhere"), "new"], then=DONE)
    with pytest.raises(DialogError, match="no question 'nowhere'"):
        toy(Text("intro", "Intro?", next=loop), Text("new", "New?", roster=THINGS, next=NEXT_ITEM))


@pytest.mark.parametrize(("zone", "accepted"), [("Asia/Bangkok", True), ("UTC", False)])
def test_a_birth_date_can_be_today_in_the_bots_time_zone_not_later(zone, accepted):
    late_evening_utc = datetime(2026, 1, 1, 23, 30)  # stored times are UTC; 2 January in Bangkok
    ctx = Context(LineUser(user_id="U" + "0" * 32, language="th"), None, None, late_evening_utc, timezone=zone)
    born = BirthDate("m_birth", "Born?")
    if accepted:
        assert born.parse("2/1/2026", ctx).isoformat() == "2026-01-02"
    else:
        with pytest.raises(Invalid):
            born.parse("2/1/2026", ctx)
