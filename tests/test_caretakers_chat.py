"""Caretakers in the chat (step 4.1): a subdistrict supervisor gives households a caretaker, seeing each caretaker's
load; the caretaker is told in LINE and opens their households from "My households", and nothing else outside
their area."""

import json

import pytest
from sqlalchemy import select

from domain.access import areas
from domain.step4_care import caretakers
from models import AuditEntry, CareAssignment, Compass, Household, LineUser, Staff, db, utcnow
from tests.helpers import OUTSIDE, add_household, add_staff, add_villages, settle, th

VILLAGE_PROMPT = "Which village? Its households without a caretaker are listed next."
HOUSEHOLDS = "%(village)s: %(count)s households without a caretaker. Which one will you assign?"
SAVED = "Saved: %(name)s now looks after house %(number)s (%(head)s), %(village)s: %(count)s households in all."
VILLAGE_1 = "หมู่ 1 บ้านจักราช"


@pytest.fixture
def people(app, new_user):
    """A subdistrict supervisor of ต.จักราช; a caretaker of หมู่ 1 and one of the whole subdistrict; a caretaker of
    another subdistrict; four households in หมู่ 1, one in หมู่ 2 and one in ต.ทองหลาง."""
    chats = {name: new_user(name) for name in ("supervisor", "somchai", "somying", "outsider")}
    with app.app_context():
        add_villages()
        add_staff(chats["supervisor"].user_id, "supervisor_subdistrict", "300601", "ศจพ.ต. จักราช")
        add_staff(chats["somchai"].user_id, "caretaker", "30060101", "สมชาย ดูแลดี")
        add_staff(chats["somying"].user_id, "caretaker", "300601", "สมหญิง ใจงาม")
        add_staff(chats["outsider"].user_id, "caretaker", OUTSIDE, "มานี นอกเขต")
        for number, head in ((10, "บุญมี สิบ"), (2, "บุญมา สอง"), (3, "บุญชู สาม"), (4, "บุญช่วย สี่")):
            add_household("30060101", str(number), head)
        add_household("30060102", "5", "มานะ หมู่สอง")
        add_household(OUTSIDE, "7", "สมชาย นอกเขต")
        db.session.commit()
    return chats


def household(app, head: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Household.id).where(Household.head_name == head))


def staff_id(app, name: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Staff.id).where(Staff.name == name))


def give(app, head: str, caretaker: str) -> None:
    """An assignment made before the test (as the command line would)."""
    taken, person = household(app, head), staff_id(app, caretaker)
    with app.app_context():
        done = caretakers.assign(db.session.get(Household, taken), db.session.get(Staff, person), None, utcnow())
        db.session.add_all(done.records)
        db.session.commit()


def test_a_supervisor_assigns_a_household_in_four_taps_and_the_caretaker_is_told(app, people):
    supervisor, somchai = people["supervisor"], people["somchai"]
    asked = supervisor.postback("menu=assign_caretakers")  # 1: the menu item
    assert th(VILLAGE_PROMPT) in asked and "บ้านทองหลาง" not in asked
    listed = supervisor.tap(VILLAGE_1)  # 2: the village
    assert th(HOUSEHOLDS, village=VILLAGE_1, count=4) in listed
    assert list(supervisor.buttons())[:4] == ["2 บุญมา สอง", "3 บุญชู สาม", "4 บุญช่วย สี่", "10 บุญมี สิบ"]
    assert "มานะ หมู่สอง" not in listed and "นอกเขต" not in listed
    offered = supervisor.tap("3 บุญชู สาม")  # 3: the household
    assert th("Who will look after house %(number)s (%(head)s)? In brackets: how many households each looks after "
              "now; about 3 each is the rule of thumb.", number="3", head="บุญชู สาม") in offered
    assert "1. สมชาย ดูแลดี (0 ครัวเรือน)\n2. สมหญิง ใจงาม (0 ครัวเรือน)" in offered
    assert {"สมชาย ดูแลดี (0)", "สมหญิง ใจงาม (0)"} <= set(supervisor.buttons())
    assert "มานี" not in offered  # a caretaker of another subdistrict
    saved = supervisor.tap("สมชาย ดูแลดี (0)")  # 4: the caretaker
    assert th(SAVED, name="สมชาย ดูแลดี", number="3", head="บุญชู สาม", village=VILLAGE_1, count=1) in saved
    assert th("They have been told in LINE.") in saved

    [told] = people["somchai"].platform.wait_for_messages(somchai.user_id, 1)
    assert th("House %(number)s (%(head)s), %(village)s, is now in your care, assigned by %(by)s. You find it under "
              "“My households” in the menu.", number="3", head="บุญชู สาม", village=VILLAGE_1,
              by="ศจพ.ต. จักราช") == told.messages[0]["text"]
    expected = (household(app, "บุญชู สาม"), staff_id(app, "สมชาย ดูแลดี"), staff_id(app, "ศจพ.ต. จักราช"), None)
    with app.app_context():
        [row] = db.session.scalars(select(CareAssignment)).all()
        assert (row.household_id, row.caretaker_id, row.assigned_by, row.ended_at) == expected
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "care.assign"))
        assert entry.household_id == row.household_id and entry.staff_id == row.assigned_by

    # The next household of the village: one tap to its list, the load shown has grown.
    listed = supervisor.tap(th("Next household"))
    assert th(HOUSEHOLDS, village=VILLAGE_1, count=3) in listed and "บุญชู สาม" not in listed
    supervisor.tap("2 บุญมา สอง")
    assert "สมชาย ดูแลดี (1)" in supervisor.buttons()
    assert th(SAVED, name="สมหญิง ใจงาม", number="2", head="บุญมา สอง", village=VILLAGE_1, count=1) \
        in supervisor.tap("สมหญิง ใจงาม (0)")


def test_a_household_with_a_caretaker_can_be_given_to_another_keeping_the_history(app, people):
    supervisor, somchai, somying = people["supervisor"], people["somchai"], people["somying"]
    give(app, "บุญมี สิบ", "สมชาย ดูแลดี")
    with app.app_context():  # the previous caretaker reads the bot in English
        db.session.get(LineUser, somchai.user_id).language = "en"
        db.session.commit()
        village_en = areas.name("30060101", "en", full=False)
    supervisor.postback("menu=assign_caretakers")
    supervisor.tap(VILLAGE_1)
    asked = supervisor.tap(th("Households with a caretaker"))
    assert "10 บุญมี สิบ (สมชาย ดูแลดี)" in asked
    offered = supervisor.tap("10 บุญมี สิบ")
    assert "1. สมชาย ดูแลดี (ดูแลอยู่)" in offered and "สมชาย ดูแลดี ✓" in supervisor.buttons()
    saved = supervisor.tap("สมหญิง ใจงาม (0)")
    assert th(SAVED, name="สมหญิง ใจงาม", number="10", head="บุญมี สิบ", village=VILLAGE_1, count=1) in saved

    # Both are told in LINE, each in their own language: the new one which is now theirs, the previous one which is
    # no longer theirs and who has it now.
    [given] = somying.platform.wait_for_messages(somying.user_id, 1)
    assert th("House %(number)s (%(head)s), %(village)s, is now in your care, assigned by %(by)s. You find it under "
              "“My households” in the menu.", number="10", head="บุญมี สิบ", village=VILLAGE_1,
              by="ศจพ.ต. จักราช") == given.messages[0]["text"]
    [taken_away] = somchai.platform.wait_for_messages(somchai.user_id, 1)
    assert taken_away.messages[0]["text"] == (
        "No longer in your care (given to another caretaker by ศจพ.ต. จักราช):\n"
        f"• House 10 (บุญมี สิบ), {village_en}: now in the care of สมหญิง ใจงาม")
    assert taken_away.messages[0]["quickReply"]["items"][0]["action"]["data"] == "menu=my_households"

    taken, supervisor_id = household(app, "บุญมี สิบ"), staff_id(app, "ศจพ.ต. จักราช")
    with app.app_context():
        rows = caretakers.history(taken)
        assert [(r.caretaker.name, r.ended_at is None) for r in rows] == [("สมชาย ดูแลดี", False),
                                                                          ("สมหญิง ใจงาม", True)]
        assert rows[0].ended_by == supervisor_id and rows[0].ended_at == rows[1].started_at


def test_giving_a_household_to_its_own_caretaker_changes_nothing_and_tells_nobody(app, people):
    supervisor, somchai = people["supervisor"], people["somchai"]
    give(app, "บุญมี สิบ", "สมชาย ดูแลดี")
    supervisor.postback("menu=assign_caretakers")
    supervisor.tap(VILLAGE_1)
    supervisor.tap(th("Households with a caretaker"))
    supervisor.tap("10 บุญมี สิบ")
    answer = supervisor.tap("สมชาย ดูแลดี ✓")
    assert th("%(name)s already looks after house %(number)s.", name="สมชาย ดูแลดี", number="10") in answer
    assert th("They have been told in LINE.") not in answer
    settle(app)
    assert somchai.platform.received(somchai.user_id) == []
    assert somchai.platform.received(people["somying"].user_id) == []
    with app.app_context():
        assert len(caretakers.history(household(app, "บุญมี สิบ"))) == 1


def test_caretaker_buttons_show_the_name_and_load_whatever_the_language_or_brackets_in_the_name(app, people):
    supervisor = people["supervisor"]
    with app.app_context():
        db.session.get(LineUser, supervisor.user_id).language = "en"
        add_staff("U-teacher", "caretaker", "30060101", "ครูสมศักดิ์ (ร.ร. 2) รักถิ่นฐานบ้านเกิด")
        db.session.commit()
    give(app, "บุญมี สิบ", "ครูสมศักดิ์ (ร.ร. 2) รักถิ่นฐานบ้านเกิด")
    give(app, "บุญมา สอง", "สมชาย ดูแลดี")
    supervisor.postback("menu=assign_caretakers")
    supervisor.say("1")  # the list's first village, หมู่ 1
    offered = supervisor.tap("3 บุญชู สาม")
    assert "ครูสมศักดิ์ (ร.ร. 2) รักถิ่นฐานบ้านเกิด (1 households)" in offered
    assert {"ครูสมศักดิ์ (ร.… (1)", "สมชาย ดูแลดี (1)", "สมหญิง ใจงาม (0)"} <= set(supervisor.buttons())
    supervisor.tap("Back")
    supervisor.tap("Households with a ca")  # "Households with a caretaker", cut to a button's 20 characters
    offered = supervisor.tap("10 บุญมี สิบ")
    assert "ครูสมศักดิ์ (ร.ร. 2) รักถิ่นฐานบ้านเกิด (now theirs)" in offered
    assert {"ครูสมศักดิ์ (ร.ร.… ✓", "สมชาย ดูแลดี (1)"} <= set(supervisor.buttons())


def test_a_load_above_the_limit_needs_a_confirmation(app, people):
    supervisor = people["supervisor"]
    with app.app_context():
        for number in range(20, 25):  # five households already: the most CARETAKER_MAX_HOUSEHOLDS allows
            add_household("30060102", str(number), f"ครอบครัว {number}")
        db.session.commit()
    for number in range(20, 25):
        give(app, f"ครอบครัว {number}", "สมชาย ดูแลดี")
    supervisor.postback("menu=assign_caretakers")
    supervisor.tap(VILLAGE_1)
    supervisor.tap("4 บุญช่วย สี่")
    confirm = th("%(name)s would then look after %(count)s households, more than the %(max)s set as the most. Assign "
                 "this household to them anyway?", name="สมชาย ดูแลดี", count=6, max=5)
    assert confirm in supervisor.tap("สมชาย ดูแลดี (5)")
    assert "สมชาย ดูแลดี (5 ครัวเรือน)" in supervisor.tap(th("Choose another caretaker"))
    supervisor.tap("สมชาย ดูแลดี (5)")
    assert th(SAVED, name="สมชาย ดูแลดี", number="4", head="บุญช่วย สี่", village=VILLAGE_1, count=6) \
        in supervisor.tap(th("Assign anyway"))


def test_bad_input_is_refused_with_a_reason_and_asked_again(app, people):
    supervisor = people["supervisor"]
    supervisor.postback("menu=assign_caretakers")
    assert th("%(area)s is outside your area. You can only choose a place inside it.", area="“ทองหลาง”") \
        in supervisor.say("ทองหลาง")
    with app.app_context():
        add_villages({"30060103": (3, "บ้านว่างเปล่า")})
        db.session.commit()
    assert th("There are no target households in %(village)s yet. Please choose another village.",
              village="หมู่ 3 บ้านว่างเปล่า") in supervisor.say("ว่างเปล่า")
    somying = staff_id(app, "สมหญิง ใจงาม")
    with app.app_context():
        add_household("30060103", "1", "ไม่มี ผู้ดูแล")
        db.session.get(Staff, somying).active = False  # the subdistrict's caretaker revoked: none for หมู่ 3
        db.session.commit()
    assert th("No caretaker is registered for %(village)s yet. Invite one first (menu “Invite staff”, role "
              "caretaker), or choose another village.", village="หมู่ 3 บ้านว่างเปล่า") in supervisor.say("ว่างเปล่า")
    supervisor.say("1")  # the list's first village, หมู่ 1
    assert th("There is no option %(number)s. Please type a number from 1 to %(count)s.", number=9, count=4) \
        in supervisor.say("9")
    forged = supervisor.postback(supervisor.buttons()["2 บุญมา สอง"]["data"].replace(
        f"a={household(app, 'บุญมา สอง')}", f"a={household(app, 'สมชาย นอกเขต')}"))  # another area's household
    assert th("That option is no longer available. Please choose again.") in forged
    old = supervisor.buttons()
    assert "บุญมา สอง" in supervisor.say("1")
    expired = supervisor.postback(old["3 บุญชู สาม"]["data"])  # a button of the question before: stale
    assert th("This button has expired. Here is the current question again.") in expired
    with app.app_context():
        assert db.session.scalar(select(CareAssignment)) is None


def test_the_caretaker_opens_their_households_and_nothing_outside_their_area(app, people):
    somchai = people["somchai"]
    assert th("No household is in your care yet. Your supervisor assigns them.") \
        in somchai.postback("menu=my_households")
    assert th("My households") in somchai.buttons()  # in a caretaker's main menu
    give(app, "บุญชู สาม", "สมชาย ดูแลดี")
    give(app, "สมชาย นอกเขต", "สมชาย ดูแลดี")  # outside their role's area, but in their care
    with_compass = household(app, "บุญชู สาม")
    with app.app_context():  # one has an agreed life compass, in its second version
        db.session.add(Compass(household_id=with_compass, version=2, classification="self_development",
                               goals={}, accepted_at=utcnow()))
        db.session.commit()
    mine = somchai.postback("menu=my_households")
    assert th("Households in your care: %(count)s. Tap one to open its folder.", count=2) in mine
    assert f"บุญชู สาม · {th('Life compass (version %(version)s)', version=2)}" in mine
    assert f"สมชาย นอกเขต · {th('no life compass yet')}" in mine
    assert list(somchai.buttons())[:2] == ["1. 3 บุญชู สาม", "2. 7 สมชาย นอกเขต"]
    somchai.tap("2. 7 สมชาย นอกเขต")
    card = somchai.last.messages[0]
    assert card["type"] == "flex" and "สมชาย นอกเขต" in json.dumps(card, ensure_ascii=False)
    somchai.postback(f"menu=household&id={household(app, 'บุญมา สอง')}")  # in their role's area, not theirs
    assert somchai.last.messages[0]["type"] == "flex"


def test_a_caretaker_cannot_open_a_household_not_theirs_outside_their_area(app, people):
    somchai, outsider = people["somchai"], people["outsider"]
    give(app, "บุญชู สาม", "สมชาย ดูแลดี")
    not_found = th("That household was not found in your area.")
    assert not_found in outsider.postback(f"menu=household&id={household(app, 'บุญชู สาม')}")
    assert not_found in somchai.postback(f"menu=household&id={household(app, 'สมชาย นอกเขต')}")
    assert not_found in somchai.postback(f"menu=household&id={household(app, 'มานะ หมู่สอง')}")  # หมู่ 2
    give(app, "บุญชู สาม", "มานี นอกเขต")  # given to someone else: no longer in สมชาย's care, still in his area
    assert th("Households in your care: %(count)s. Tap one to open its folder.", count=1) \
        in outsider.postback("menu=my_households")
    assert th("No household is in your care yet. Your supervisor assigns them.") \
        in somchai.postback("menu=my_households")


def test_only_supervisors_assign(app, people):
    assert th("That option is not available to you.") in people["somchai"].postback("menu=assign_caretakers")
    people["supervisor"].postback("cmd=menu")
    assert th("Assign caretakers") in people["supervisor"].buttons()
    people["somchai"].postback("cmd=menu")
    assert th("Assign caretakers") not in people["somchai"].buttons()
