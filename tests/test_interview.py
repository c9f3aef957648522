"""The 4ท interview, driven by signed LINE events like a volunteer at the door: consent, the member
roster, ท1–ท4, problems, causes, the classification and the family's acknowledgement."""

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select

from bot import create_app, jobs
from core.thai import format_date, format_money, local_date
from core.types import Context, Input
from dialogs import engine
from dialogs.buttons import LABEL_LIMIT
from domain.access import audit
from domain.step1_survey import households
from models import (
    AuditEntry,
    DialogSession,
    Household,
    LineUser,
    Member,
    Problem,
    Staff,
    StaffRole,
    Visit,
    db,
    utcnow,
)
from tests.helpers import (
    HEAD,
    NONE_OF_THESE,
    VILLAGE,
    LiveServer,
    add_target_household,
    base_config,
    database_at,
    latest_session,
    no,
    open_interview,
    person,
    tap,
    th,
    yes,
)

NATIONAL_ID = "3100600445635"


@pytest.fixture
def bot_app(request):
    """The long flows run on the embedded backend; a test that asks for `app` runs on both backends."""
    return request.getfixturevalue("app" if "app" in request.fixturenames else "embedded_app")


@pytest.fixture
def live(bot_app):
    server = LiveServer(bot_app)
    yield server
    server.stop()


@pytest.fixture
def volunteer(bot_app, new_user):
    """A registered door-knock volunteer of village 30060101, in the middle of nothing."""
    chat = new_user("อาสา")
    with bot_app.app_context():
        db.session.add(LineUser(user_id=chat.user_id, following=True, language="th"))
        db.session.add(Staff(name="อาสา ทดสอบ", position="อช.", line_user_id=chat.user_id,
                             roles=[StaffRole(role="volunteer", area_code=VILLAGE)]))
        db.session.commit()
    return chat


# ---- doing what a volunteer does ----------------------------------------------------------------------

def tap_member(chat, name: str) -> str:
    """Tap a member in a list of members (their label is the name and some details)."""
    return chat.tap(next(label for label in chat.buttons() if label.startswith(name[:LABEL_LIMIT])))


def pick(chat, *messages: str) -> str:
    for message in messages:
        tap(chat, message)
    return chat.text if messages[-1] in NONE_OF_THESE else tap(chat, "Done")


def skip(chat) -> str:
    return tap(chat, "Skip")


def enter_member(chat, name, national_id=None, sex="Male", born="15/6/2518", relation="Head of household",
                 education="Primary school", occupation="Farming", income="3,000", flags=("None of these",),
                 can_work=True) -> str:
    chat.say(name)
    chat.say(national_id) if national_id else skip(chat)
    tap(chat, sex)
    chat.say(born) if born else skip(chat)
    tap(chat, relation)
    tap(chat, education)
    tap(chat, occupation)
    chat.say(income)
    pick(chat, *flags)
    return yes(chat) if can_work else no(chat)


def outlook(chat) -> str:
    tap(chat, "Hopeful, wants a better life")
    tap(chat, "Ready to change")
    return chat.say("อยากมีอาชีพเสริมที่บ้าน")


def skills(chat, able: int) -> str:
    for _ in range(able):
        pick(chat, "Farming", "Raising animals")
        tap(chat, "Full time")
        chat.say("เลี้ยงไก่ไข่")
    return chat.text


def resources(chat) -> str:
    """ท3 answered; where the members' incomes add up to something else, the income sources' figure is right."""
    income_sources(chat)
    if th("The income sources") in chat.buttons():
        tap(chat, "The income sources")
    return chat.text


def income_sources(chat) -> str:
    """ท3 up to the income sources' amounts: 5,000 a month."""
    tap(chat, "Own land")
    chat.say("๕ ไร่")
    pick(chat, "Walking tractor")
    pick(chat, "Chickens or ducks")
    chat.say("1,000")
    chat.say("20000 บาท")
    chat.say("5,000")
    pick(chat, "Crops", "Wage labour")
    chat.say("2,000")
    return chat.say("3000")


def way_out(chat) -> str:
    chat.say("ปลูกผักขายและเลี้ยงไก่ไข่")
    return tap(chat, "Develop an occupation")


def problems(chat) -> str:
    pick(chat, "Illness without regular care")  # health
    chat.say("แม่ป่วยเบาหวาน ไม่ได้ไปหาหมอ")  # the dimension's note
    pick(chat, "No problem here")  # living
    pick(chat, "No problem here")  # education
    pick(chat, "Heavy debts")  # income
    skip(chat)
    return pick(chat, "No problem here")  # public services


def causes(chat) -> str:
    pick(chat, "Debts", "Lack of skills or knowledge")
    return chat.say("ขาดทุนจากการทำนา")


def after_the_roster(chat, able: int) -> str:
    """ท1 to the causes, the same answers each time; ends at the classification."""
    outlook(chat)
    skills(chat, able)
    resources(chat)
    way_out(chat)
    problems(chat)
    return causes(chat)


def session(app) -> DialogSession:
    with app.app_context():
        found = db.session.scalar(select(DialogSession).order_by(DialogSession.updated_at.desc()))
        db.session.expunge(found)
        return found


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


# ---- the tests -------------------------------------------------------------------------------------

def test_consent_refused_stores_only_the_refusal(app, volunteer):
    household_id = add_target_household(app, [person(HEAD, date(1970, 3, 1), "head", occupation="farmer")])
    assert "กฎหมายคุ้มครองข้อมูลส่วนบุคคล" in open_interview(volunteer, household_id) and HEAD in volunteer.text
    assert th("The household does not agree: only the refusal will be recorded and the visit ends. Is that "
              "right?") in no(volunteer)
    assert "กฎหมายคุ้มครองข้อมูลส่วนบุคคล" in no(volunteer)  # a slip: the consent question again
    no(volunteer)
    yes(volunteer)
    assert th("The household did not consent. Only the refusal is recorded; no personal data from this visit "
              "is kept.") in volunteer.text
    with app.app_context():
        [visit] = db.session.scalars(select(Visit)).all()
        assert (visit.household_id, visit.consent, visit.staff_id) == (household_id, False,
                                                                       db.session.scalar(select(Staff.id)))
        assert [visit.outlook, visit.skills, visit.resources, visit.way_out, visit.causes, visit.classification,
                visit.suggested_classification, visit.acknowledged_by, visit.acknowledged_at] == [None] * 9
        household = db.session.get(Household, household_id)
        assert household.consent is False and household.classification is None and household.status == "open"
        assert [m.name for m in household.members] == [HEAD] and household.members[0].occupation == "farmer"
        assert db.session.scalar(select(func.count()).select_from(Problem)) == 0
        actions = [a.action for a in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
        assert actions == ["visit.create", "household.update"]
    assert session(app).answers == {"@household": household_id} and session(app).status == "done"


def test_nothing_personal_is_kept_when_consent_is_withdrawn_part_way(embedded_app, volunteer):
    household_id = add_target_household(embedded_app)
    open_interview(volunteer, household_id)
    yes(volunteer)
    volunteer.say("2")
    volunteer.say("นางมาลี ทองดี")
    volunteer.say(NATIONAL_ID)
    assert "นางมาลี ทองดี" in str(session(embedded_app).answers)
    for _ in range(4):
        volunteer.say("ย้อนกลับ")  # back to the consent question: the family changed its mind
    no(volunteer)
    yes(volunteer)  # the refusal confirmed
    stored = session(embedded_app)
    assert stored.answers == {"@household": household_id} and stored.history == []
    with embedded_app.app_context():
        assert db.session.scalar(select(Visit)).consent is False
        assert db.session.scalar(select(func.count()).select_from(Member)) == 0
        audit_text = str([audit.read(a) for a in db.session.scalars(select(AuditEntry))])
        assert "มาลี" not in audit_text and NATIONAL_ID[-4:] not in audit_text


def test_a_whole_interview_through_every_section(embedded_app, volunteer):
    household_id = add_target_household(embedded_app, [
        person(HEAD, date(1970, 3, 1), "head", occupation="farmer", monthly_income=3000, can_work=True),
        person("นางสมศรี ใจดี", date(1972, 8, 9), "spouse", sex="female", education="primary", occupation="ทอผ้า",
               monthly_income=1500, can_work=True),
        person("นางบุญมา ใจดี", date(1940, 1, 1), "parent", sex="female", bedridden=True, can_work=False),
    ])
    chat = volunteer
    open_interview(chat, household_id)
    assert HEAD in yes(chat) and th("Member %(number)s of %(count)s on record", number=1, count=3) in chat.text
    tap(chat, "Correct, no change")
    assert "นางสมศรี ใจดี" in chat.text
    tap(chat, "Edit details")
    # Each stored value is offered again; only the income changes.
    assert "นางสมศรี ใจดี" in chat.text and th("Keep answer") in chat.buttons()
    for _ in range(2):  # name; the national ID was never recorded: skip it
        tap(chat, "Keep answer") if th("Keep answer") in chat.buttons() else skip(chat)
    for _ in range(6):  # sex, birth date, relation, education, occupation: "other", ทอผ้า (as imported)
        tap(chat, "Keep answer")
    assert "1,500" in chat.text
    chat.say("4,500")
    tap(chat, "Keep answer")  # no condition
    tap(chat, "Keep answer")  # can work
    assert "นางบุญมา ใจดี" in chat.text
    tap(chat, "Remove: moved or died")
    assert "นางบุญมา" not in chat.text and "0" in chat.text  # how many more: the list shows who is left
    chat.say("1")
    assert th("New member %(number)s of %(count)s", number=1, count=1) in chat.text
    enter_member(chat, "เด็กชายสมหวัง ใจดี", national_id="3-1006-00445-63-5", born="2555", relation="Child",
                 occupation="Student", income="0", can_work=False)
    assert "เด็กชายสมหวัง ใจดี" in chat.text and th("Correct, continue")[:LABEL_LIMIT] in chat.buttons()
    tap(chat, "Add a member")
    enter_member(chat, "นายสมปอง ใจดี", relation="Brother or sister", born="1/1/1980")
    tap(chat, "Edit or remove")
    tap_member(chat, "นายสมปอง ใจดี")
    tap(chat, "Remove: moved or died")
    assert th("[removed]") not in chat.text and "สมปอง" not in chat.text
    tap(chat, "Correct, continue")

    assert th("T1 Outlook: how does the family see its life and work now?") in chat.text
    outlook(chat)
    assert HEAD in chat.text and th("Skills and work: %(name)s (%(number)s of %(count)s who can work)", name=HEAD,
                                     number=1, count=2) in chat.text
    skills(chat, able=2)
    assert th("T3 Resources: farm land?") in chat.text
    income_sources(chat)  # the sources give 5,000 a month; the members' incomes add up to 7,500
    assert th("The household's income comes out two ways: the members' incomes add up to %(members)s a month, the "
              "income sources to %(sources)s a month. Which is right?", members=format_money(7500),
              sources=format_money(5000)) in chat.text
    tap(chat, "The members' incomes")
    assert th("T4 Way out: the way out agreed with the family, in the family's own words?") in chat.text
    way_out(chat)
    assert th("Health") in chat.text
    problems(chat)
    causes(chat)
    assert th("Self-development") in chat.text and HEAD in chat.text  # suggested, and why: who can work
    tap(chat, "Self-development")
    assert th("Debts") in chat.text and "ขาดทุนจากการทำนา" in chat.text  # the causes, read to the family
    tap(chat, HEAD)
    assert HEAD in chat.text
    yes(chat)
    assert th("The visit to house no. %(number)s is saved: %(members)s members, %(problems)s problems recorded, "
              "classified as %(classification)s.", number="12", members=3, problems=2,
              classification=th("Self-development")) in chat.text
    assert list(chat.buttons())[0] == th("Life compass")  # the next step, one tap away
    chat.postback(f"menu=household&id={household_id}")  # the Family Folder names the problems found
    card = json.dumps(chat.last.messages[0], ensure_ascii=False)
    assert th("Illness without regular care") in card and th("Heavy debts") in card
    assert "untreated_illness" not in card and "heavy_debt" not in card

    with embedded_app.app_context():
        household = db.session.get(Household, household_id)
        assert (household.classification, household.consent, household.status, household.head_name) == (
            "self_development", True, "in_progress", HEAD)
        assert HEAD in household.classification_reason
        members = {m.name: m for m in household.members}
        assert set(members) == {HEAD, "นางสมศรี ใจดี", "เด็กชายสมหวัง ใจดี"}
        assert members["นางสมศรี ใจดี"].monthly_income == 4500 and members["นางสมศรี ใจดี"].occupation == "ทอผ้า"
        child = members["เด็กชายสมหวัง ใจดี"]
        assert child.national_id_hash == households.hash_national_id(NATIONAL_ID)
        assert (child.national_id_last, child.birth_date, child.relation, child.occupation, child.can_work) == (
            "5635", date(2012, 1, 1), "child", "student", False)
        assert sorted((p.dimension, p.indicator, p.description, p.status) for p in household.problems) == [
            ("health", "untreated_illness", None, "open"), ("income", "heavy_debt", None, "open")]
        assert (household.monthly_income, household.income_basis, household.income_on) == (
            7500, "members", local_date(utcnow()))
        visit = db.session.scalar(select(Visit))
        assert visit.consent and visit.staff_id == 1 and visit.acknowledged_by == HEAD and visit.acknowledged_at
        assert visit.outlook == {"outlook": "hopeful", "willingness": "ready", "note": "อยากมีอาชีพเสริมที่บ้าน"}
        assert [(s["name"], s["skills"], s["labour"]) for s in visit.skills["members"]] == [
            (HEAD, ["farming", "livestock"], "full_time"), ("นางสมศรี ใจดี", ["farming", "livestock"], "full_time")]
        assert visit.resources == {
            "land": "owned", "rai": "5", "tools": ["walking_tractor"], "livestock": ["poultry"], "savings": "1000",
            "debt_formal": "20000", "debt_informal": "5000",
            "incomes": [{"source": "crops", "monthly": "2000"}, {"source": "wages", "monthly": "3000"}]}
        assert visit.way_out == {"words": "ปลูกผักขายและเลี้ยงไก่ไข่", "category": "occupation",
                                 "causes": ["debt", "no_skills"]}
        assert visit.problem_notes == {"health": "แม่ป่วยเบาหวาน ไม่ได้ไปหาหมอ"}  # once, not on each problem
        assert visit.causes.endswith("ขาดทุนจากการทำนา")
        assert (visit.suggested_classification, visit.classification, visit.override_reason) == (
            "self_development", "self_development", None)
        entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        assert sorted(a.action for a in entries) == sorted([
            "member.update", "member.delete", "member.create", "problem.record", "problem.record", "visit.create",
            "household.update"])
        update = audit.read(next(a for a in entries if a.action == "member.update"))
        assert (update.before["monthly_income"], update.after["monthly_income"]) == ("1500.00", "4500.00")
        assert all(a.event_id and a.entity_id and a.staff_id == 1 for a in entries)
        assert NATIONAL_ID not in str([audit.read(a) for a in entries])
    assert session(embedded_app).answers == {"@household": household_id}  # the answers live in the records now


def elderly_couple_up_to_the_classification(app, chat) -> int:
    """An elderly couple (one of them disabled), the visit answered up to the classification; the household id."""
    household_id = add_target_household(app, [
        person("นายมา ยากจน", date(1945, 1, 1), "head", can_work=True),
        person("นางมี ยากจน", date(1950, 1, 1), "spouse", sex="female", disabled=True, can_work=False),
    ])
    open_interview(chat, household_id)
    yes(chat)
    tap(chat, "Correct, no change")
    tap(chat, "Correct, no change")
    chat.say("0")
    tap(chat, "Correct, continue")
    after_the_roster(chat, able=1)
    return household_id


def test_an_elderly_household_is_suggested_welfare_and_saying_why(embedded_app, volunteer):
    household_id = elderly_couple_up_to_the_classification(embedded_app, volunteer)
    assert th("Welfare") in volunteer.text
    assert th("Every member is elderly (60 or older), disabled or bedridden.") in volunteer.text
    tap(volunteer, "Welfare")
    tap(volunteer, "นายมา ยากจน")
    yes(volunteer)
    with embedded_app.app_context():
        household = db.session.get(Household, household_id)
        assert household.classification == "welfare"
        assert household.classification_reason == th("Every member is elderly (60 or older), disabled or bedridden.")
        visit = db.session.scalar(select(Visit))
        assert (visit.suggested_classification, visit.classification, visit.override_reason) == (
            "welfare", "welfare", None)


def test_a_visit_whose_suggestion_changed_since_it_was_classified_is_still_saved(embedded_app, volunteer):
    household_id = elderly_couple_up_to_the_classification(embedded_app, volunteer)
    tap(volunteer, "Welfare")  # as suggested: no reason asked
    tap(volunteer, "นายมา ยากจน")
    with embedded_app.app_context():  # meanwhile (a draft resumed later) the suggestion would be otherwise
        stored = db.session.scalar(select(DialogSession).where(DialogSession.status == "active"))
        members = [dict(item, m_birth="1990-01-01") for item in stored.answers["members"]]
        stored.answers = {**stored.answers, "members": members}
        db.session.commit()
    yes(volunteer)
    assert th("The visit to house no. %(number)s is saved: %(members)s members, %(problems)s problems recorded, "
              "classified as %(classification)s.", number="12", members=2, problems=2,
              classification=th("Welfare")) in volunteer.text
    with embedded_app.app_context():
        household = db.session.get(Household, household_id)
        assert household.classification == "welfare" and household.classification_reason


@pytest.mark.parametrize(("zone", "day"), [("UTC", date(2026, 12, 31)), ("Asia/Bangkok", date(2027, 1, 1))])
def test_the_day_a_visit_records_is_the_day_in_the_bots_time_zone(embedded_app, volunteer, monkeypatch, zone, day):
    """At 23:30 UTC on 31 December it is already 1 January in Bangkok: the problems a visit finds are dated by
    BOT_TIMEZONE, and the visit's moment is stored in UTC either way."""
    embedded_app.config["BOT_TIMEZONE"] = zone
    moment = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    monkeypatch.setattr("bot.events.utcnow", lambda: moment)
    elderly_couple_up_to_the_classification(embedded_app, volunteer)
    tap(volunteer, "Welfare")
    tap(volunteer, "นายมา ยากจน")
    yes(volunteer)
    with embedded_app.app_context():
        assert {problem.opened_on for problem in db.session.scalars(select(Problem))} == {day}
        assert db.session.scalar(select(Visit)).visited_at.replace(tzinfo=UTC) == moment


def test_no_working_age_member_able_to_work_is_welfare_and_an_override_needs_a_reason(embedded_app, volunteer):
    household_id = add_target_household(embedded_app)
    open_interview(volunteer, household_id)
    yes(volunteer)
    volunteer.say("2")
    enter_member(volunteer, "นางแดง ใจงาม", sex="Female", born="1/1/2530", can_work=False,
                 flags=("Chronic illness",))
    enter_member(volunteer, "เด็กหญิงดาว ใจงาม", sex="Female", born="2560", relation="Child", can_work=False)
    tap(volunteer, "Correct, continue")
    after_the_roster(volunteer, able=0)
    assert th("No member of working age (15-59) is able to work.") in volunteer.text
    tap(volunteer, "Self-development")
    assert th("Why do you choose differently from the suggestion?") in volunteer.text
    assert th("Please type at least %(min)s characters (you typed %(count)s).", min=2, count=1) in volunteer.say(
        "ภ")
    volunteer.say("ภาระ")  # a reason can be one short Thai word
    tap(volunteer, "Someone else")
    volunteer.say("นายดำ ใจงาม (น้องชาย)")
    assert "นายดำ ใจงาม" in volunteer.text
    no(volunteer)  # not acknowledged: back to the causes
    assert th("The causes of the household's poverty? Tap each, then Done.") in volunteer.text
    tap(volunteer, "Keep answer")
    tap(volunteer, "Keep answer")
    tap(volunteer, "Keep answer")
    tap(volunteer, "Keep answer")
    tap(volunteer, "Keep answer")
    tap(volunteer, "Keep answer")
    yes(volunteer)
    with embedded_app.app_context():
        visit = db.session.scalar(select(Visit))
        assert (visit.suggested_classification, visit.classification) == ("welfare", "self_development")
        assert visit.override_reason == "ภาระ"
        assert visit.acknowledged_by == "นายดำ ใจงาม (น้องชาย)" and visit.skills == {"members": []}
        household = db.session.get(Household, household_id)
        assert household.classification == "self_development"
        assert household.classification_reason == "ภาระ"
        assert household.head_name == "นางแดง ใจงาม"


def test_members_of_the_same_name_are_told_apart_by_age_on_their_buttons(embedded_app, volunteer):
    today = local_date(utcnow())
    father, son = date(today.year - 71, 1, 1), date(today.year - 41, 1, 1)
    household_id = add_target_household(embedded_app, [person(HEAD, father, "head", can_work=False),
                                                        person(HEAD, son, "child", can_work=False)])
    open_interview(volunteer, household_id)
    yes(volunteer)
    tap(volunteer, "Correct, no change")
    tap(volunteer, "Correct, no change")
    volunteer.say("0")
    tap(volunteer, "Edit or remove")
    older, younger = (th("%(age)s years", age=age) + " · " + HEAD for age in (71, 41))
    assert {label[:10] for label in volunteer.buttons()} >= {older[:10], younger[:10]}  # apart within 20 characters
    volunteer.say("ย้อนกลับ")
    tap(volunteer, "Correct, continue")
    after_the_roster(volunteer, able=0)
    tap(volunteer, "Welfare")
    assert {older[:20], younger[:20]} <= set(volunteer.buttons())  # who acknowledges
    volunteer.tap(younger[:20])
    yes(volunteer)
    with embedded_app.app_context():
        assert db.session.scalar(select(Visit)).acknowledged_by == HEAD


def test_a_visit_left_for_the_menu_is_resumed_from_the_menu_in_one_tap(embedded_app, volunteer):
    open_interview(volunteer, add_target_household(embedded_app))
    yes(volunteer)
    volunteer.say("1")
    asked = volunteer.say("นางมาลี ทองดี")
    resume = th("Continue: %(title)s", title=th("4T interview"))
    assert volunteer.say("เมนู").startswith(th("Your answers so far are kept. To go on, tap \"%(button)s\" in the "
                                               "menu.", button=resume))
    assert list(volunteer.buttons())[0] == resume  # first, above the menu's items
    assert asked in volunteer.tap(resume) and session(embedded_app).state == "m_national_id"  # one tap


CHANGED = ("This form has changed since you started it, so it was closed. Nothing was saved; please start it again "
           "from the menu.")


def at_a_question_since_dropped(app) -> None:
    """The visit's session stands at a question a new version of the interview no longer has."""
    with app.app_context():
        stored = db.session.scalar(select(DialogSession).order_by(DialogSession.updated_at.desc()))
        stored.state = "t3_dropped"
        db.session.commit()


def test_a_visit_at_a_question_since_dropped_is_closed_with_a_word_not_an_error(embedded_app, volunteer):
    open_interview(volunteer, add_target_household(embedded_app))
    yes(volunteer)
    at_a_question_since_dropped(embedded_app)
    assert th(CHANGED) in volunteer.say("นางมาลี ทองดี")
    assert session(embedded_app).status == "cancelled" and th("My details") in volunteer.buttons()  # the menu
    open_interview(volunteer, add_target_household(embedded_app, number="13"))  # the same as a draft resumed
    yes(volunteer)
    volunteer.say("เมนู")
    at_a_question_since_dropped(embedded_app)
    assert th(CHANGED) in volunteer.tap(th("Continue: %(title)s", title=th("4T interview")))
    assert session(embedded_app).status == "cancelled"


def test_an_interrupted_visit_resumes_at_the_same_question_after_menu_and_after_a_restart(embedded_app, volunteer,
                                                                                          emulator):
    first = add_target_household(embedded_app)
    other = add_target_household(embedded_app, number="99")
    chat = volunteer
    open_interview(chat, first)
    yes(chat)
    chat.say("1")
    chat.say("นางมาลี ทองดี")
    asked = chat.text
    chat.say("เมนู")
    assert session(embedded_app).status == "draft"
    open_interview(chat, other)  # another house in between: its own, new interview
    assert "99" in chat.text and th("Continue") not in chat.buttons()
    chat.say("เมนู")
    open_interview(chat, first)
    tap(chat, "Continue")
    assert asked in chat.text and session(embedded_app).state == "m_national_id"
    skip(chat)
    tap(chat, "Female")

    jobs.runner(embedded_app).shutdown()  # the process goes away; a new one starts on the same database
    restarted = create_app(base_config(emulator.url) | {"DATABASE_URL": embedded_app.config["DATABASE_URL"]})
    server = LiveServer(restarted)
    try:
        chat.line.webhook_url = server.url + "/callback"
        assert th("Date of birth, e.g. 25/11/2510, or only the year of birth (B.E. or A.D.)? Tap Skip if not "
                  "known.") in chat.say("ช่วยเหลือ")
        chat.say("2520")
        with restarted.app_context():
            stored = db.session.scalar(select(DialogSession).where(DialogSession.status == "active"))
            assert stored.state == "m_relation" and stored.answers["@household"] == first
            assert stored.answers["members"] == [{"m_name": "นางมาลี ทองดี", "m_national_id": None, "m_sex": "female",
                                                  "m_birth": "1977-01-01"}]
    finally:
        server.stop()
        jobs.runner(restarted).shutdown()


def move_volunteer(app, village: str) -> None:
    with app.app_context():
        role = db.session.scalar(select(StaffRole).where(StaffRole.role == "volunteer"))
        role.area_code = village
        db.session.commit()


NO_LONGER = "This is no longer within your area, so it was closed. Nothing was saved."


def test_a_volunteer_moved_to_another_area_can_not_go_on_with_a_visit_there(embedded_app, volunteer):
    household_id = add_target_household(embedded_app)
    add_target_household(embedded_app, village="30060202")  # the area the volunteer moves to
    chat = volunteer
    open_interview(chat, household_id)
    yes(chat)
    move_volunteer(embedded_app, "30060202")
    chat.say("1")
    assert th(NO_LONGER) in chat.text and session(embedded_app).status == "cancelled"
    assert session(embedded_app).answers == {"@household": household_id}  # nothing personal kept


def test_a_draft_of_a_household_no_longer_in_the_area_is_not_resumed(embedded_app, volunteer):
    household_id = add_target_household(embedded_app)
    add_target_household(embedded_app, village="30060202")
    chat = volunteer
    open_interview(chat, household_id)
    yes(chat)
    chat.say("เมนู")
    open_interview(chat, household_id)  # offers the draft: Continue / Start over
    move_volunteer(embedded_app, "30060202")
    tap(chat, "Continue")
    assert th(NO_LONGER) in chat.text and HEAD not in chat.text
    assert session(embedded_app).status == "cancelled"


def test_a_household_outside_the_area_is_refused_politely(embedded_app, volunteer):
    outside = add_target_household(embedded_app, village="30060202")
    not_found = th("This household was not found in your area.")
    assert not_found in open_interview(volunteer, outside)
    assert not_found in volunteer.postback("menu=interview&household=999")
    assert not_found in volunteer.postback("menu=interview&household=abc")
    assert count(embedded_app, DialogSession) == 0 and count(embedded_app, Visit) == 0


def test_going_back_shows_an_earlier_amount_in_baht(embedded_app, volunteer):
    household_id = add_target_household(embedded_app, [person(HEAD, date(1970, 3, 1), "head", monthly_income=3000)])
    open_interview(volunteer, household_id)
    yes(volunteer)
    tap(volunteer, "Correct, no change")
    volunteer.say("0")
    tap(volunteer, "Correct, continue")
    outlook(volunteer)
    skills(volunteer, 1)
    tap(volunteer, "Own land")
    volunteer.say("5")
    pick(volunteer, "Walking tractor")
    pick(volunteer, "Chickens or ducks")
    volunteer.say("2500.5")  # savings
    volunteer.say("ย้อนกลับ")
    assert th("Your earlier answer: %(answer)s", answer=format_money(Decimal("2500.50"))) in volunteer.text


def test_going_back_to_a_tick_list_keeps_the_earlier_ticks(embedded_app, volunteer):
    household_id = add_target_household(embedded_app)
    open_interview(volunteer, household_id)
    yes(volunteer)
    volunteer.say("1")  # one member, new
    volunteer.say(HEAD)
    skip(volunteer)
    tap(volunteer, "Male")
    skip(volunteer)
    tap(volunteer, "Head of household")
    tap(volunteer, "Primary school")
    tap(volunteer, "Farming")
    volunteer.say("0")
    pick(volunteer, "Disability")
    assert volunteer.say("ย้อนกลับ").startswith(th("Your earlier answer: %(answer)s", answer=th("Disability")))
    assert f"✓ {th('Disability')}" in volunteer.text  # shown ticked
    tap(volunteer, "State welfare card")
    assert f"✓ {th('Disability')}" in volunteer.text and f"✓ {th('State welfare card')}" in volunteer.text
    tap(volunteer, "Done")
    assert latest_session(embedded_app).answers["members"][0]["m_flags"] == ["disabled", "welfare_card"]
    volunteer.say("ย้อนกลับ")
    assert th("Is this person able to work?") in tap(volunteer, "None of these")  # one tap, and on
    assert latest_session(embedded_app).answers["members"][0]["m_flags"] == ["none"]


def test_wrong_roster_answers_get_specific_messages(embedded_app, volunteer):
    household_id = add_target_household(embedded_app)
    chat = volunteer
    open_interview(chat, household_id)
    yes(chat)
    assert th("A household has at least one member. Please type how many people live here.") in chat.say("0")
    assert th("Please type a number from %(min)s to %(max)s.", min=0, max=30) in chat.say("45")
    chat.say("2")
    assert th("Please type at least %(min)s characters (you typed %(count)s).", min=2, count=1) in chat.say("ก")
    chat.say("นายหนึ่ง ทดลอง")
    assert th("The check digit (the last digit) is wrong. Please check the number again.") in chat.say(
        "3100600445636")
    assert th("A national ID number has 13 digits, but you typed %(count)s. Please type all 13 digits (with or "
              "without dashes).", count=5) in chat.say("12345")
    chat.say(NATIONAL_ID)
    tap(chat, "Male")
    today = format_date(local_date(utcnow()), "th")
    assert th("Please type a date from %(min)s to %(max)s.", min=format_date(date(1900, 1, 1), "th"),
              max=today) in chat.say("1/1/2600")
    chat.say("1/1/2520")
    tap(chat, "Head of household")
    tap(chat, "Primary school")
    tap(chat, "Other")
    assert th("Please type the occupation.") in chat.text
    chat.say("ขายลอตเตอรี่")
    assert th("Please type the amount in digits only, for example 2,500 or 2,500 baht (you typed %(answer)s).",
              answer="“สามพัน”") in chat.say("สามพัน")
    chat.say("3000")
    pick(chat, "None of these")
    yes(chat)
    chat.say("นายสอง ทดลอง")
    assert th("This national ID number is already given for %(name)s. Please check the number.",
              name="นายหนึ่ง ทดลอง") in chat.say(NATIONAL_ID)
    skip(chat)
    tap(chat, "Male")
    skip(chat)
    assert th("%(name)s is already the head of this household. Please choose another relation, or change "
              "%(name)s first.", name="นายหนึ่ง ทดลอง") in tap(chat, "Head of household")
    tap(chat, "Child")
    tap(chat, "No schooling")
    tap(chat, "No occupation")
    chat.say("0")
    pick(chat, "None of these")
    no(chat)
    # Removing the head leaves the list without one: it can't be confirmed until someone is the head.
    tap(chat, "Edit or remove")
    tap_member(chat, "นายสอง ทดลอง")
    chat.say("ย้อนกลับ")  # not that one
    tap_member(chat, "นายหนึ่ง ทดลอง")
    tap(chat, "Remove: moved or died")
    assert th("A household has exactly one head, but the list has %(count)s. Please edit the members' relation "
              "to the head.", count=0) in tap(chat, "Correct, continue")
    assert session(embedded_app).state == "roster_check"
    with embedded_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Member)) == 0  # nothing stored before the end


def test_an_interview_left_in_a_loop_before_the_loops_were_declared_goes_on_after_the_upgrade(emulator, tmp_path):
    """Interviews unfinished when the loops' bookkeeping changed (migration 0010) go on where they were."""
    member = {"m_status": "keep", "m_sex": "male", "m_relation": "head", "m_can_work": True, "m_flags": ["none"],
              "m_income": "1500"}  # the two add up to the sources' amounts: no question about which is right
    with database_at(emulator.url, tmp_path / "old.sqlite3", "0009", 7, HEAD):
        people = [LineUser(user_id=f"U{n:032d}", following=True, language="th") for n in (1, 2)]
        reviewing = {"@household": 7, "consent": True, "_members_mode": "review", "_members_at": 1,
                     "members": [{"id": 1, "m_name": HEAD, **member}, {"id": 2, "m_name": "นางมี ใจดี", **member}]}
        amounts = {"@household": 7, "consent": True, "members": reviewing["members"], "t3_incomes": ["crops", "wages"],
                   "incomes": [{"source": "crops"}, {"source": "wages"}], "_incomes_at": 0}
        for person, state, answers in ((people[0], "m_status", reviewing), (people[1], "i_amount", amounts)):
            db.session.add(DialogSession(key=person.user_id[-12:], line_user_id=person.user_id, dialog="interview",
                                         state=state, answers=answers, history=["consent"], version=1,
                                         failures=0, status="active", created_at=utcnow(), updated_at=utcnow()))
        db.session.add_all(people)
        db.session.commit()

        upgrade()
        staff = Staff(name="อาสา", position="อช.", roles=[StaffRole(role="volunteer", area_code=VILLAGE)])
        db.session.add(staff)  # the staff table as the upgrade leaves it; the old sessions are what is tested
        db.session.commit()

        def answer(person, inp) -> DialogSession:
            session = db.session.scalar(select(DialogSession).where(DialogSession.line_user_id == person.user_id))
            engine.step(Context(person, staff, None, utcnow(), timezone="Asia/Bangkok"), session, inp)
            return session

        assert answer(people[0], Input("postback", data={"a": "keep"})).state == "add_count"  # the last on record
        assert answer(people[1], Input("text", text="1,000")).state == "i_amount"  # the second source
        after = answer(people[1], Input("text", text="2,000"))
        assert after.state == "t4_words" and [item["i_amount"] for item in after.answers["incomes"]] == [
            "1000", "2000"]


# ---- problems on record, and the household's one income figure -----------------------------------------------

def on_record_household(app, *problems: Problem) -> int:
    """The head alone, earning 3,000 a month, with problems on record (as a จปฐ. import leaves them); the line
    for this year is 40,000 baht per person per year."""
    app.config["POVERTY_LINES"] = {local_date(utcnow()).year + 543: 40_000}
    household_id = add_target_household(app, [person(HEAD, date(1980, 1, 1), "head", monthly_income=3000)])
    with app.app_context():
        household = db.session.get(Household, household_id)
        household.problems.extend(problems)
        db.session.commit()
    return household_id


def up_to_the_problems(chat, household_id: int, *incomes: str) -> str:
    """The visit answered up to the problems; the household's income sources give `incomes` a month."""
    open_interview(chat, household_id)
    yes(chat)
    tap(chat, "Correct, no change")
    chat.say("0")
    tap(chat, "Correct, continue")
    outlook(chat)
    skills(chat, able=1)
    tap(chat, "No farm land")
    pick(chat, "None")
    pick(chat, "None")
    for amount in ("0", "0", "0"):  # savings, debts in and outside the system
        chat.say(amount)
    pick(chat, *("Crops", "Wage labour")[:len(incomes)])
    for amount in incomes:
        chat.say(amount)
    return chat.text


def finish_the_visit(chat) -> str:
    causes(chat)
    tap(chat, "Self-development")
    tap(chat, HEAD)
    return yes(chat)


def still(problem: str, since: str) -> str:
    return th("%(problem)s (%(since)s)\n\nIs it still a problem?", problem=problem, since=since)


def test_problems_on_record_are_asked_first_and_never_entered_twice(embedded_app, volunteer):
    household_id = on_record_household(
        embedded_app,
        Problem(dimension="health", indicator="malnutrition", status="open"),
        Problem(dimension="health", description="ปวดหลังเรื้อรัง", status="open"),
        Problem(dimension="living", indicator="no_clean_water", status="open", opened_on=date(2023, 6, 1)),
        Problem(dimension="income", indicator="below_line", status="open"))
    up_to_the_problems(volunteer, household_id, "3,000")
    way_out(volunteer)

    assert still(th("Poor nutrition"), th("on record")) in volunteer.text
    assert [th(label)[:LABEL_LIMIT] for label in ("Still a problem", "Solved now", "Not a problem")] == [
        label for label in volunteer.buttons() if label in {th(x)[:LABEL_LIMIT] for x in (
            "Still a problem", "Solved now", "Not a problem")}]
    assert still("ปวดหลังเรื้อรัง", th("on record")) in tap(volunteer, "Solved now")
    assert th("Any other problem in this dimension? Tap each, then Done.") in tap(volunteer, "Not a problem")
    assert th("Poor nutrition")[:LABEL_LIMIT] not in volunteer.buttons()  # asked already: not offered again
    assert still(th("No clean drinking water"), th("on record since %(date)s", date=format_date(date(2023, 6, 1)))) \
        in pick(volunteer, "No other problem")  # nothing left in health: no note asked
    tap(volunteer, "Still a problem")
    assert th("No clean drinking water")[:LABEL_LIMIT] not in volunteer.buttons()
    pick(volunteer, "No other problem")
    volunteer.say("บ่อน้ำตื้นแห้งหน้าแล้ง")  # the dimension's note: it still has a problem
    pick(volunteer, "No problem here")  # education
    assert th("Income below the poverty line")[:LABEL_LIMIT] not in volunteer.buttons()  # the figure decides it
    pick(volunteer, "No problem here")  # income
    pick(volunteer, "No problem here")  # public services
    assert th("The visit to house no. %(number)s is saved: %(members)s members, %(problems)s problems recorded, "
              "classified as %(classification)s.", number="12", members=1, problems=2,
              classification=th("Self-development")) in finish_the_visit(volunteer)

    today = local_date(utcnow())
    with embedded_app.app_context():
        household = db.session.get(Household, household_id)
        assert sorted((p.dimension, p.indicator or p.description, p.status, p.solved_on)
                      for p in household.problems) == [
            ("health", "malnutrition", "solved", today), ("health", "ปวดหลังเรื้อรัง", "not_a_problem", None),
            ("income", "below_line", "open", None),  # 3,000 a month is 36,000 a year: below 40,000
            ("living", "no_clean_water", "open", None)]
        assert db.session.scalar(select(Visit)).problem_notes == {"living": "บ่อน้ำตื้นแห้งหน้าแล้ง"}
        updates = [audit.read(a) for a in db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "problem.update"))]
        assert sorted(u.after["status"] for u in updates) == ["not_a_problem", "solved"]
    volunteer.postback(f"menu=household&id={household_id}")
    card = json.dumps(volunteer.last.messages[0], ensure_ascii=False)
    assert th("No clean drinking water") in card and "ปวดหลังเรื้อรัง" not in card  # never a problem: off the card
    assert th("below the line") in card and th("at or above the line") not in card


def test_an_income_the_volunteer_confirms_above_the_line_solves_the_problem_on_record(embedded_app, volunteer):
    household_id = on_record_household(embedded_app, Problem(dimension="income", indicator="below_line",
                                                              status="open"))
    up_to_the_problems(volunteer, household_id, "2,000", "2,500")  # 4,500 against the member's 3,000
    tap(volunteer, "Type the right figure")
    assert th("The household's income in all, in baht a month?") in volunteer.text
    assert th("The household's income in all, in baht a month?") in volunteer.say("ห้าพัน")  # asked again
    assert th("T4 Way out: the way out agreed with the family, in the family's own words?") in volunteer.say("5,000")
    way_out(volunteer)
    for _ in range(5):
        pick(volunteer, "No problem here")
    finish_the_visit(volunteer)

    with embedded_app.app_context():
        household = db.session.get(Household, household_id)
        assert (household.monthly_income, household.income_basis) == (5000, "typed")
        assert [(p.indicator, p.status) for p in household.problems] == [("below_line", "solved")]
    volunteer.postback(f"menu=household&id={household_id}")
    card = json.dumps(volunteer.last.messages[0], ensure_ascii=False)
    assert th("at or above the line") in card and format_money(5000) in card
