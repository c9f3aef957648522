"""The engine's rosters: a group of questions asked once per item, loops as transitions back with a
condition, "back" and "Keep answer" across items, checks on tapped answers, and dialogs that forget
their answers once closed. Driven by signed LINE events."""

import pytest

from bot import outbox
from core import validators
from core.types import Context, Invalid, Outcome
from dialogs import engine
from dialogs.engine import Dialog, Question, Roster
from models import LineUser, db, utcnow
from tests.helpers import LiveServer, latest_session


@pytest.fixture
def live(embedded_app):
    """The embedded app served over HTTP: the rosters' chats run on that backend only."""
    server = LiveServer(embedded_app)
    yield server
    server.stop()


FINISHED = []


def heading(ctx: Context, answers: dict) -> str:
    return f"สัตว์ตัวที่ {PETS.index(answers) + 1} จาก {answers['count']}"


PETS = Roster("pets", heading=heading)
KINDS = [("dog", "สุนัข"), ("cat", "แมว"), ("cow", "วัว")]


def no_cows_indoors(kind: str, ctx: Context, answers: dict) -> str:
    if kind == "cow" and answers.get("indoors"):
        raise Invalid("วัวเลี้ยงในบ้านไม่ได้")
    return kind


def start_pets(answers: dict) -> None:
    PETS.move(answers, 0)


def more_pets(answers: dict) -> bool:
    return PETS.index(answers) + 1 < answers["count"]


def next_pet(answers: dict) -> None:
    PETS.move(answers, PETS.index(answers) + 1)


def finish(ctx: Context, answers: dict) -> Outcome:
    FINISHED.append(answers)
    return Outcome(reply=[engine.TextMessage(text="บันทึกสัตว์เลี้ยงแล้ว")])


@pytest.fixture(params=[False, True], ids=["keeps", "forgets"])
def pets(request, embedded_app):
    """The test dialog, registered only for the test (the committed diagrams are of the real dialogs)."""
    FINISHED.clear()
    engine.register(Dialog(
        name="pets",
        title="Pets",
        questions=[
            Question("indoors", "เลี้ยงในบ้านไหม", kind="yes_no"),
            Question("count", "มีสัตว์เลี้ยงกี่ตัว", parse=lambda raw: validators.integer(raw, 1, 5)),
            Question("name", "ชื่อสัตว์", roster=PETS),
            Question("kind", "เป็นสัตว์อะไร", kind="choice", options=KINDS, check=no_cows_indoors, roster=PETS),
            Question("ok", "บันทึกไหม", kind="yes_no"),
        ],
        branches=[
            {"trigger": "advance", "source": "count", "dest": "name", "after": [start_pets]},
            {"trigger": "advance", "source": "kind", "dest": "name", "conditions": [more_pets], "after": [next_pet]},
        ],
        finish=finish,
        forget_answers=request.param,
    ))
    yield request.param
    del engine.DIALOGS["pets"]


def open_pets(app, chat, answers: dict | None = None) -> str:
    """Start the dialog as a menu item would, and read its first question."""
    seen = len(chat.platform.received(chat.user_id))
    with app.app_context():
        line_user = db.session.get(LineUser, chat.user_id)
        outcome = engine.start(Context(line_user, None, None, utcnow()), "pets", answers=answers)
        db.session.add_all(outcome.store)
        rows = [outbox.queue_push(chat.user_id, [m.to_dict() for m in outcome.reply])]
        db.session.commit()
        outbox.send_later(rows)
    chat.last = chat.platform.wait_for_messages(chat.user_id, seen + 1)[seen]
    return chat.text


def test_a_roster_asks_each_item_in_turn_and_keeps_each_items_answers(embedded_app, staff_chat, pets):
    chat = staff_chat
    open_pets(embedded_app, chat)
    chat.tap("ไม่ใช่")
    chat.say("2")
    assert chat.text.startswith("สัตว์ตัวที่ 1 จาก 2\nชื่อสัตว์")
    chat.say("ด่าง")
    chat.tap("สุนัข")
    assert chat.text.startswith("สัตว์ตัวที่ 2 จาก 2\nชื่อสัตว์") and "ใช้คำตอบเดิม" not in chat.buttons()
    chat.say("เหมียว")
    chat.tap("แมว")
    chat.tap("ใช่")
    [answers] = FINISHED
    assert answers["pets"] == [{"name": "ด่าง", "kind": "dog"}, {"name": "เหมียว", "kind": "cat"}]
    stored = latest_session(embedded_app)
    assert stored.status == "done"
    assert stored.answers == ({} if pets else answers) and (stored.history == []) == pets


def test_back_across_items_returns_to_the_earlier_item_with_its_answer(embedded_app, staff_chat, pets):
    chat = staff_chat
    open_pets(embedded_app, chat)
    chat.tap("ไม่ใช่")
    chat.say("2")
    chat.say("ด่าง")
    chat.tap("สุนัข")
    chat.say("ย้อนกลับ")  # from the second pet's name to the first pet's kind
    assert "สุนัข" in chat.text.split("\n\n")[0]  # the earlier answer, above the question
    assert "สัตว์ตัวที่ 1 จาก 2" in chat.text
    chat.say("ย้อนกลับ")
    assert "ด่าง" in chat.text and "สัตว์ตัวที่ 1 จาก 2" in chat.text
    chat.tap("ใช้คำตอบเดิม")
    chat.tap("แมว")  # the first pet is a cat after all
    assert "สัตว์ตัวที่ 2 จาก 2" in chat.text
    assert latest_session(embedded_app).answers["pets"] == [{"name": "ด่าง", "kind": "cat"}]


def test_a_check_refuses_a_tapped_choice_with_its_message(embedded_app, staff_chat, pets):
    chat = staff_chat
    open_pets(embedded_app, chat)
    chat.tap("ใช่")
    chat.say("1")
    chat.say("แดง")
    assert chat.tap("วัว").startswith("วัวเลี้ยงในบ้านไม่ได้")
    stored = latest_session(embedded_app)
    assert stored.state == "kind" and "kind" not in stored.answers["pets"][0]
    chat.say("2")  # typed as the option's number
    assert latest_session(embedded_app).state == "ok"


def test_cancel_with_only_the_opening_context_needs_no_confirmation(embedded_app, staff_chat, pets):
    chat = staff_chat
    open_pets(embedded_app, chat, answers={"@household": 7})
    chat.say("ยกเลิก")
    stored = latest_session(embedded_app)
    assert stored.status == "cancelled" and stored.answers == {"@household": 7}


def test_a_dialog_that_forgets_keeps_nothing_of_a_cancelled_session(embedded_app, staff_chat, pets):
    chat = staff_chat
    open_pets(embedded_app, chat)
    chat.tap("ไม่ใช่")
    chat.say("1")
    chat.say("ด่าง")
    chat.say("ยกเลิก")
    chat.tap("ใช่ ยกเลิก")
    stored = latest_session(embedded_app)
    assert stored.status == "cancelled"
    assert (stored.answers == {}) == pets and ("ด่าง" in str(stored.answers)) != pets
