"""The dialog engine, driven by signed LINE events: every question type, the global commands,
expired buttons, drafts and resuming, and answers surviving a restart."""

import dataclasses
from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import parse_qsl, urlencode

import pytest
from hypothesis import given
from sqlalchemy import select

from bot import DIALOGS, create_app, jobs, outbox
from core import line_json
from core.types import Context, Input, Invalid, Outcome
from dialogs import drafts, engine, menu, registry
from dialogs.flow import Dialog
from dialogs.kinds import (
    AreaChoice,
    BirthDate,
    Choice,
    Date,
    Location,
    Money,
    MultiChoice,
    NationalId,
    Number,
    Phone,
    Text,
    WrongKind,
    YesNo,
)
from dialogs.kinds import Photo as PhotoQuestion
from emulator.driver import TINY_JPEG
from models import DialogSession, LineUser, Photo, Staff, StaffRole, db, utcnow
from tests.helpers import (
    PROPERTY,
    ZONE,
    LiveServer,
    add_villages,
    adversarial_text,
    base_config,
    latest_session,
    within_a_second,
)

NEEDS = [(f"n{i}", f"ความต้องการ {i}") for i in range(1, 16)]
FINISHED = []


def finish(ctx: Context, answers: dict) -> Outcome:
    FINISHED.append(answers)
    return Outcome(reply=[engine.TextMessage(text="บันทึกแบบสำรวจแล้ว")])


SURVEY = Dialog(
    name="survey",
    title="Survey",
    questions=[
        Number("size", "How many people live here?", low=1, high=30,
               help="Count everyone who sleeps here most nights."),
        Money("income", "Monthly income?", high=1_000_000),
        Date("visited", "Visit date?", earliest=date(2020, 1, 1), latest=date(2030, 12, 31)),
        MultiChoice("needs", "What does the household need?", options=NEEDS),
        Location("place", "Where is the house?", optional=True),
        PhotoQuestion("photo", "A photo of the house?", optional=True),
        NationalId("head_id", "National ID of the head?"),
        YesNo("ok", "Save?"),
    ],
    finish=finish,
)
SURVEY_ITEM = menu.Item("survey", "Survey", lambda ctx, data: drafts.start_dialog(ctx, "survey"))


def add_survey(app, monkeypatch) -> None:
    """The test dialog and its menu item, in this app's registry for this test only."""
    monkeypatch.setitem(app.extensions[registry.KEY].dialogs, "survey", SURVEY)
    monkeypatch.setitem(app.extensions[registry.KEY].menu, "survey", SURVEY_ITEM)


@pytest.fixture
def survey(embedded_app, monkeypatch):
    add_survey(embedded_app, monkeypatch)


@pytest.fixture
def live(embedded_app):
    server = LiveServer(embedded_app)
    yield server
    server.stop()


def open_survey(app, chat):
    """Start the test dialog as a menu item would, and read its first question."""
    seen = len(chat.platform.received(chat.user_id))
    with app.app_context():
        line_user = db.session.get(LineUser, chat.user_id)
        outcome = engine.start(Context(line_user, None, None, utcnow(), ZONE), "survey")
        for record in outcome.store:
            db.session.add(record)
        rows = [outbox.queue_push(chat.user_id, [line_json.of(m) for m in outcome.reply])]
        db.session.commit()
        outbox.send_later(rows)
    chat.last = chat.platform.wait_for_messages(chat.user_id, seen + 1)[seen]
    return chat.text


def test_a_whole_dialog_with_every_question_type(embedded_app, staff_chat, survey, line):
    chat = staff_chat
    FINISHED.clear()
    assert "How many" in open_survey(embedded_app, chat) or "กี่คน" in chat.text
    chat.say("๔ คน")
    chat.say("2,500 บาท")
    chat.say("25 พ.ย. 2569")
    assert "ถัดไป" in " ".join(chat.buttons()) or "More..." in chat.buttons()  # 15 options: paged
    chat.say("1, 3")
    chat.send(line.location(chat.user_id, 15.0167, 102.4333, "บ้านเลขที่ 12"))
    chat.send(line.image(chat.user_id))
    chat.say("3-1006-00445-63-5")
    chat.tap(next(label for label in chat.buttons() if label in ("ใช่", "Yes")))
    assert "บันทึกแบบสำรวจแล้ว" in chat.text
    [answers] = FINISHED
    assert answers["size"] == 4 and Decimal(answers["income"]) == Decimal("2500")
    assert answers["needs"] == ["n1", "n3"] and answers["place"]["title"] == "บ้านเลขที่ 12"
    assert answers["head_id"] == "3100600445635"
    assert latest_session(embedded_app).status == "done"
    with embedded_app.app_context():
        photo = db.session.get(Photo, answers["photo"])
        assert photo.line_user_id == chat.user_id and photo.content == TINY_JPEG  # fetched from LINE, stored


def test_more_than_a_page_of_options_is_paged(embedded_app, staff_chat, survey):
    chat = staff_chat
    open_survey(embedded_app, chat)
    for text in ("4", "1000", "1/1/2569"):
        chat.say(text)
    first_page = [label for label in chat.buttons() if label.startswith("ความต้องการ")]
    assert len(chat.buttons()) <= 13 and "ความต้องการ 15" not in first_page
    chat.tap("ถัดไป")
    assert "ความต้องการ 15" in chat.buttons()
    chat.tap("ความต้องการ 15")
    chat.tap("เสร็จ")
    assert latest_session(embedded_app).answers["needs"] == ["n15"]


def test_back_reasks_the_previous_question_showing_the_old_answer(embedded_app, staff_chat, survey):
    chat = staff_chat
    open_survey(embedded_app, chat)
    chat.say("4")
    chat.say("ย้อนกลับ")
    assert "4" in chat.text and "How many" in chat.text or "กี่คน" in chat.text
    keep = next(label for label in chat.buttons() if label in ("ใช้คำตอบเดิม", "Keep answer"))
    chat.tap(keep)
    assert "income" in chat.text.lower() or "รายได้" in chat.text
    assert latest_session(embedded_app).answers["size"] == 4


def test_wrong_answers_get_the_reason_and_after_three_help_and_skip(embedded_app, staff_chat, survey, line):
    chat = staff_chat
    open_survey(embedded_app, chat)
    assert "ตัวเลข" in chat.say("สี่สิบห้า") and latest_session(embedded_app).state == "size"
    assert "30" in chat.say("99")  # the bound is named
    assert "sleeps here" not in chat.text
    assert "sleeps here" in chat.say("0")  # the third failure brings the question's help
    chat.say("2")
    chat.say("1000")
    chat.say("1/1/2569")
    chat.postback(chat.buttons()["ความต้องการ 2"]["data"])  # tapping picks, Done finishes
    chat.tap(next(label for label in chat.buttons() if label in ("เสร็จ", "Done")))
    assert latest_session(embedded_app).answers["needs"] == ["n2"]
    for _ in range(3):
        chat.say("ไม่ใช่สถานที่")
    assert any(label in chat.buttons() for label in ("ข้าม", "Skip"))
    chat.tap(next(label for label in chat.buttons() if label in ("ข้าม", "Skip")))
    assert latest_session(embedded_app).state == "photo" and latest_session(embedded_app).answers["place"] is None


def test_a_sticker_where_text_is_expected_gets_a_polite_redirect(embedded_app, staff_chat, survey, line):
    chat = staff_chat
    open_survey(embedded_app, chat)
    chat.send(line.sticker(chat.user_id))
    assert latest_session(embedded_app).state == "size" and latest_session(embedded_app).failures == 0


def test_help_explains_the_current_question(embedded_app, staff_chat, survey):
    chat = staff_chat
    open_survey(embedded_app, chat)
    chat.say("4")
    chat.say("1000")
    chat.say("1/1/2569")
    before = latest_session(embedded_app).version
    chat.say("ช่วยเหลือ")
    assert "1,3" in chat.text  # the multiple-choice help shows how to type several numbers
    assert latest_session(embedded_app).state == "needs" and latest_session(embedded_app).version == before + 1


def test_cancel_asks_first_when_answers_would_be_lost(embedded_app, staff_chat, survey):
    chat = staff_chat
    open_survey(embedded_app, chat)
    chat.say("4")
    chat.say("ยกเลิก")
    assert latest_session(embedded_app).status == "active"
    chat.tap(next(label for label in chat.buttons() if label in ("ไม่ใช่ ทำต่อ", "No, continue")))
    assert latest_session(embedded_app).status == "active" and latest_session(embedded_app).state == "income"
    chat.say("cancel")
    chat.tap(next(label for label in chat.buttons() if label in ("ใช่ ยกเลิก", "Yes, cancel")))
    assert latest_session(embedded_app).status == "cancelled"


def test_a_button_from_an_earlier_step_has_expired(embedded_app, staff_chat, survey):
    chat = staff_chat
    open_survey(embedded_app, chat)
    for text in ("4", "1000", "1/1/2569"):
        chat.say(text)
    old_buttons = chat.buttons()
    chat.say("2")
    answers_before = latest_session(embedded_app).answers
    chat.postback(old_buttons["ความต้องการ 1"]["data"])
    assert "หมดอายุ" in chat.text or "expired" in chat.text
    assert latest_session(embedded_app).answers == answers_before


def test_menu_keeps_a_draft_and_offers_to_continue_or_start_over(embedded_app, staff_chat, survey):
    chat = staff_chat
    open_survey(embedded_app, chat)
    chat.say("4")
    chat.say("เมนู")
    assert latest_session(embedded_app).status == "draft"
    chat.postback("menu=survey")
    assert set(chat.buttons()) >= {"ทำต่อ", "เริ่มใหม่"} or set(chat.buttons()) >= {"Continue", "Start over"}
    chat.tap(next(label for label in chat.buttons() if label in ("ทำต่อ", "Continue")))
    assert latest_session(embedded_app).status == "active" and latest_session(embedded_app).answers["size"] == 4


def test_a_menu_with_every_item_drafts_and_an_offer_stays_within_line_s_thirteen_buttons(embedded_app, staff_chat):
    """A district supervisor who is also a caretaker, with three drafts, after a step that offers the next one:
    every menu item shows, then the offer, and the drafts only as room is left (LINE refuses a 14th button)."""
    with embedded_app.app_context():
        staff = db.session.scalar(select(Staff).where(Staff.line_user_id == staff_chat.user_id))
        staff.roles += [StaffRole(role="supervisor_district", area_code="3006"),
                        StaffRole(role="caretaker", area_code="30060101")]
        for n in range(3):
            db.session.add(DialogSession(key=f"draft{n:07d}", line_user_id=staff_chat.user_id, dialog="find_household",
                                         state="how", answers={}, history=[], version=1, failures=0, status="draft",
                                         created_at=utcnow(), updated_at=utcnow()))
        db.session.commit()
        line_user = db.session.get(LineUser, staff_chat.user_id)
        ctx = Context(line_user, staff, None, utcnow(), timezone="Asia/Bangkok")
        items = menu.items_for(ctx)
        shown = menu.show(ctx, offer=(("ต่อไป", "menu=profile"),)).reply[0].quick_reply.items
    labels = [item.action.label for item in shown]
    assert len(items) >= 10 and len(labels) == 13
    assert labels[0] == "ต่อไป" and {f"menu={i.key}" for i in items} <= {b.action.data for b in shown}


def test_leaving_with_a_cancel_unanswered_resumes_at_the_question_not_the_cancel(embedded_app, staff_chat, survey):
    chat = staff_chat
    open_survey(embedded_app, chat)
    chat.say("4")
    chat.say("ยกเลิก")  # "cancel?" asked ...
    chat.say("เมนู")  # ... and left unanswered
    chat.postback("menu=survey")
    chat.tap(next(label for label in chat.buttons() if label in ("ทำต่อ", "Continue")))
    chat.say("2500")  # the income question's answer, not a reply to the old "cancel?"
    stored = latest_session(embedded_app)
    assert stored.status == "active" and Decimal(stored.answers["income"]) == 2500


def test_a_session_untouched_for_three_days_becomes_a_draft_and_is_offered(embedded_app, staff_chat, survey):
    chat = staff_chat
    open_survey(embedded_app, chat)
    chat.say("4")
    with embedded_app.app_context():
        stored = db.session.scalar(select(DialogSession))
        stored.updated_at = utcnow() - timedelta(days=4)
        db.session.commit()
    chat.say("2500")
    assert latest_session(embedded_app).status == "draft" and latest_session(embedded_app).answers["size"] == 4
    assert "2500" not in str(latest_session(embedded_app).answers)
    chat.tap(next(label for label in chat.buttons() if label in ("ทำต่อ", "Continue")))
    assert latest_session(embedded_app).state == "income"


def test_language_switches_mid_question_and_back(embedded_app, staff_chat, survey):
    chat = staff_chat
    open_survey(embedded_app, chat)
    chat.say("ภาษา")
    chat.tap("English")
    assert "Language set to English" in chat.text and "How many people" in chat.text
    assert "Back" not in chat.buttons() and "Cancel" in chat.buttons()
    chat.say("language")
    chat.tap("ภาษาไทย")
    assert "ยกเลิก" in chat.buttons()


def test_answers_survive_a_restart(embedded_app, staff_chat, survey, platform, emulator, monkeypatch):
    chat = staff_chat
    open_survey(embedded_app, chat)
    chat.say("4")
    chat.say("2500")
    jobs.runner(embedded_app).shutdown()  # the process goes away; a new one starts on the same database
    restarted = create_app(base_config(emulator.url) | {"DATABASE_URL": embedded_app.config["DATABASE_URL"]})
    add_survey(restarted, monkeypatch)
    server = LiveServer(restarted)
    try:
        chat.line.webhook_url = server.url + "/callback"
        chat.say("1/1/2569")
        with restarted.app_context():
            assert db.session.scalar(select(DialogSession)).answers["income"] == "2500"
            assert db.session.scalar(select(DialogSession)).state == "needs"
    finally:
        server.stop()
        jobs.runner(restarted).shutdown()


# ---- hostile input ----------------------------------------------------------------------------------

def at_needs(app, chat) -> None:
    """Open the survey and answer up to its tick list (15 options, paged)."""
    open_survey(app, chat)
    for text in ("4", "1000", "1/1/2569"):
        chat.say(text)


@pytest.mark.parametrize(("answered", "text", "message"), [
    ((), "5" * 5000, "ไม่เกิน 100 ตัวอักษร (ที่พิมพ์มามี 5,000 ตัวอักษร)"),  # raised ValueError: no reply at all
    (("4", "1000"), "1" + " " * 2000 + "x", "ไม่เกิน 100 ตัวอักษร (ที่พิมพ์มามี 2,002 ตัวอักษร)"),  # 25 s
    (("4", "1000", "1/1/2569"), "1" * 30 + "x", "ไม่มีตัวเลือก “" + "1" * 29 + "…”"),  # 67 s
    (("4", "1000", "1/1/2569"), "1,000" * 10 + "x", "ไม่มีตัวเลือก"),  # 92 s
], ids=["5000 digits for a number", "a date of spaces", "digits then a letter", "thousands then a letter"])
def test_the_answers_that_froze_the_bot_get_a_thai_message_and_the_question_again(embedded_app, staff_chat, survey,
                                                                                   answered, text, message):
    chat = staff_chat
    open_survey(embedded_app, chat)
    for earlier in answered:
        chat.say(earlier)
    asked = latest_session(embedded_app).state
    reply = chat.say(text)
    assert message in reply
    question = SURVEY.questions[asked].prompt
    assert reply.index(message) < reply.index(question)  # the reason, then the same question again
    assert latest_session(embedded_app).state == asked and latest_session(embedded_app).failures == 1


@pytest.mark.parametrize("page", ["abc", "-5", "1e3", ""])
@pytest.mark.parametrize("of_the_session", [True, False])
def test_a_paging_button_with_a_bad_page_gets_a_message_and_the_question_again(embedded_app, staff_chat, survey, page,
                                                                               of_the_session):
    chat = staff_chat
    at_needs(embedded_app, chat)
    more = dict(parse_qsl(chat.buttons()["ถัดไป"]["data"]))
    data = urlencode(more | {"page": page}) if of_the_session else f"page={page}"
    reply = chat.postback(data)
    assert "ปุ่มนั้นใช้ไม่ได้" in reply and "What does the household need?" in reply
    assert "ความต้องการ 1" in chat.buttons() and "ถัดไป" in chat.buttons()  # the first page, paging still there
    assert latest_session(embedded_app).state == "needs" and latest_session(embedded_app).answers.get("needs") is None
    chat.tap("ถัดไป")
    assert "ความต้องการ 15" in chat.buttons()


def test_a_nul_or_a_zero_width_space_in_a_text_is_dropped_before_the_dialog_reads_it(embedded_app, staff_chat, survey):
    chat = staff_chat
    open_survey(embedded_app, chat)
    chat.say("\u200b4\x00 คน\r\n")
    assert latest_session(embedded_app).answers["size"] == 4


MANY = [(f"v{i}", label) for i, label in enumerate(["ผู้สูงอายุ", "1", "1,000", "อื่น ๆ", "and", "x 1"] * 3, 1)]
# One plain question of each kind.
PLAIN = [Text("text", "text"), Number("number", "number"), Money("money", "money"), Date("date", "date"),
         BirthDate("birth_date", "birth_date"), Phone("phone", "phone"), NationalId("national_id", "national_id"),
         Choice("choice", "choice", options=MANY), MultiChoice("multi", "multi", options=MANY),
         YesNo("yes_no", "yes_no"), Location("location", "location"), PhotoQuestion("photo", "photo")]


def every_question() -> list:
    """Each question of every dialog (options that need the database replaced by a fixed list), and one
    plain question of each kind; an area's question reads the database, and has a test of its own below."""
    questions = [dataclasses.replace(question, options=MANY) if callable(getattr(question, "options", None))
                 else question for dialog in DIALOGS for question in dialog.questions.values()
                 if not isinstance(question, AreaChoice)]
    assert {type(question) for question in PLAIN} >= {type(question) for question in questions}
    return questions + PLAIN


def answer_or_reason(question, ctx: Context, state: DialogSession, typed: Input) -> None:
    """What a question makes of the text: a value, a reason to re-ask (its Thai written out), or "not this kind of
    answer" (also an answer, as the person is told what to send)."""
    try:
        question.read(ctx, state, typed)
    except Invalid as invalid:
        invalid.text("th")
    except WrongKind as wrong:
        assert str(wrong)


@PROPERTY
@given(adversarial_text)
def test_every_question_reads_any_typed_text_at_once(raw):
    """Each question of each kind, given hostile text, answers (a value, or a reason to re-ask) within a second."""
    ctx = Context(LineUser(user_id="U" + "0" * 32, language="th"), None, None, utcnow(), ZONE)
    typed = Input("text", text=raw)
    for question in every_question():
        state = DialogSession(dialog="survey", state="size", answers={}, history=[], version=1, failures=0)
        with within_a_second(f"{question.name} ({type(question).__name__}) reading {raw[:40]!r}…, "
                             f"{len(raw)} characters"):
            answer_or_reason(question, ctx, state, typed)


def test_an_area_question_reads_any_typed_text_at_once(embedded_app):
    """The same for a question of an area, which looks the text up among the areas of the person's scope."""
    with embedded_app.app_context():
        add_villages()
        staff = Staff(name="ศจพ.อ.", active=True, roles=[StaffRole(role="supervisor_district", area_code="3006")])
        ctx = Context(LineUser(user_id="U" + "0" * 32, language="th"), staff, None, utcnow(), ZONE)
        question = AreaChoice("area", "area", levels=("village", "subdistrict"))

        @PROPERTY
        @given(adversarial_text)
        def reads(raw):
            state = DialogSession(dialog="invite", state="area", answers={}, history=[], version=1, failures=0)
            with within_a_second(f"an area reading {raw[:40]!r}…, {len(raw)} characters"):
                answer_or_reason(question, ctx, state, Input("text", text=raw))

        reads()
