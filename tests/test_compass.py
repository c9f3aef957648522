"""The life compass at the door (steps 2–3): goals toward 3พ, costs, the way out, the activities of step 3's
three parts, the target and the MOU, walked through the chat as a volunteer would, counting the taps."""

import json
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from core.thai import format_month, local_date
from domain.access import audit
from models import AuditEntry, Compass, CompassActivity, DialogSession, Household, Photo, StaffRole, Visit, db, utcnow
from tests.helpers import HEAD, LIFF_ID, Counted, add_staff, add_target_household, person, th

SPOUSE = "นางสมศรี ใจดี"


def interviewed(app, classification: str) -> int:
    """A household the 4ท interview classified, with debts and a way out recorded."""
    household_id = add_target_household(app, [
        person(HEAD, date(1980, 1, 1), "head", monthly_income=Decimal(3000)),
        person(SPOUSE, date(1982, 1, 1), "spouse", sex="female", monthly_income=Decimal(1000))])
    with app.app_context():
        household = db.session.get(Household, household_id)
        household.classification = classification
        db.session.add(Visit(household_id=household_id, consent=True, visited_at=utcnow(),
                             classification=classification, resources={"debt_formal": "20000", "debt_informal": "5000"},
                             way_out={"words": "ปลูกผักขายและเลี้ยงไก่ไข่", "category": "occupation"}))
        db.session.commit()
    return household_id


def next_month(chat_today: date, ahead: int) -> str:
    month = (chat_today.month - 1 + ahead) % 12 + 1
    return format_month(date(chat_today.year + (chat_today.month - 1 + ahead) // 12, month, 1))


def test_a_self_development_compass_with_three_goals_and_five_activities_fits_in_45_taps(app, volunteer):
    household_id = interviewed(app, "self_development")
    chat, today = Counted(volunteer), local_date(utcnow())
    assert th("The team members present (names)?") in chat.postback(f"menu=compass&household={household_id}")
    assert th("Goal %(number)s of 3: %(goal)s", number=1, goal=th("A sufficiency-economy way of life")) in chat.say(
        "อาสา ทดสอบ, พัฒนากร ดีงาม")
    chat.tap("A steady income")
    chat.tap("Good health")
    assert th("Please type the goal, in the family's words.") in chat.tap("Something else (type it)")
    assert th("Please type at least %(min)s characters (you typed %(count)s).", min=3, count=2) in chat.say("ดี")
    costs = chat.say("กินข้าวเย็นพร้อมหน้ากันทุกวัน")  # what ท3 recorded is shown with the costs, not asked again
    assert th("What does the household spend on each month? Tap each, then Done.") in costs
    assert "20,000 บาท" in costs and "5,000 บาท" in costs
    chat.pick("Food", "Debt repayment", "Farming inputs")
    for amount in ("4,000", "1,500"):
        chat.say(amount)
    assert "ปลูกผักขายและเลี้ยงไก่ไข่" in chat.say("800")  # the way out agreed at ท4; the debts' repayment given
    chat.tap("Yes, this one")
    chat.say("3,000")
    chat.pick("Keep household accounts", "Save every month")
    chat.pick("Join the savings group")
    chat.pick("Occupational training", "Seedlings, animals or tools")
    for who in ("The whole family", HEAD, SPOUSE):  # the family's and the community's activities
        chat.tap(who) if who == "The whole family" else chat.tap_label(who)
        chat.tap_label(next_month(today, 2))
    for agency, asked in (("Agriculture Office", "อบรมการปลูกผักปลอดสาร"), ("Livestock Office", "ไก่ไข่ 20 ตัว")):
        assert th("Which agency is asked?") in volunteer.text
        chat.tap(agency)
        chat.tap_label(next_month(today, 3))
        chat.say(asked)
    assert th("Target: the household's income per person per year to reach, in baht? Today it is %(today)s; the "
              "basic-needs (จปฐ.) line is %(line)s.", today="24,000 บาท", line=th("not set for this year")) \
        in volunteer.text
    chat.say("40,000")
    chat.tap_label(list(volunteer.buttons())[1])  # in a year
    chat.tap_label(HEAD)
    assert "16,000 บาท" in volunteer.text  # the gap to the target, on the summary read to the family
    chat.tap("Yes")
    assert th("The compass of house no. %(number)s is saved (version %(version)s), with %(count)s activities. The "
              "family's commitment is recorded.", number="12", version=1, count=5) in volunteer.text
    assert chat.sent <= 45, f"{chat.sent} taps and messages"
    volunteer.postback(f"menu=household&id={household_id}")  # the Family Folder card shows the compass
    card = json.dumps(volunteer.last.messages[0], ensure_ascii=False)
    assert th("Life compass (version %(version)s)", version=1) in card and "กินข้าวเย็นพร้อมหน้ากันทุกวัน" in card
    assert f"{th('Keep household accounts')}: {th('Not started')}" in card and "24,000" in card

    with app.app_context():
        compass = db.session.scalar(select(Compass))
        assert (compass.household_id, compass.version, compass.classification) == (household_id, 1,
                                                                                    "self_development")
        assert compass.goals == {"economy": th("A steady income"), "happiness": th("Good health"),
                                 "family": "กินข้าวเย็นพร้อมหน้ากันทุกวัน"}
        assert compass.spending == {"food": "4000", "debt": "1500", "farming": "800"}
        assert compass.debt_repayment == 1500 and compass.way_out["extra_income"] == "3000"
        assert compass.target_per_person_year == 40_000 and compass.target_date is not None
        assert (compass.representative, compass.team) == (HEAD, "อาสา ทดสอบ, พัฒนากร ดีงาม")
        assert compass.accepted_at and compass.accepted_by
        assert [(a.part, a.who, a.status) for a in compass.activities] == [
            ("self", th("The whole family"), "not_started"), ("self", HEAD, "not_started"),
            ("community", SPOUSE, "not_started"), ("government", th("Agriculture Office"), "not_started"),
            ("government", th("Livestock Office"), "not_started")]
        assert compass.activities[0].sign == th("The household account book")  # how progress is seen
        assert compass.activities[3].support == "อบรมการปลูกผักปลอดสาร"
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "compass.create"))
        assert audit.read(entry).after["version"] == 1


def welfare_compass(app, chat) -> int:
    """A welfare household's compass, agreed: no occupation and no income target asked, one government
    activity; the household id."""
    household_id = interviewed(app, "welfare")
    chat.postback(f"menu=compass&household={household_id}")
    chat.say("อาสา ทดสอบ")
    for goal in ("Savings every month", "Good health", "Care for the elderly"):
        chat.tap(th(goal)[:20])
    assert th("The household's debts at the 4T interview: %(debts)s. How much is repaid a month, in baht?",
              debts="25,000 บาท") in chat.tap(th("Nothing to note")[:20])  # recorded at ท3: shown, not asked again
    assert th("Step 3, the family itself: what will it do? Tap each, then Done.") in chat.say("500")  # no occupation
    chat.tap(th("None for now"))
    chat.tap(th("None for now"))
    chat.tap(th("Register for state welfare")[:20])
    chat.tap(th("Done"))
    chat.tap(th("Social Development and Human Security")[:20])
    chat.tap(next_month(local_date(utcnow()), 0))
    assert th("Who commits to the compass for the family?") in chat.say("ลงทะเบียนเบี้ยผู้พิการ")  # no target
    chat.tap(SPOUSE)
    chat.tap(th("Yes"))
    return household_id


def test_a_welfare_compass_asks_for_support_not_an_occupation_or_an_income_target(app, volunteer):
    welfare_compass(app, volunteer)
    with app.app_context():
        compass = db.session.scalar(select(Compass))
        assert (compass.classification, compass.way_out, compass.target_per_person_year) == ("welfare", None, None)
        assert compass.debt_repayment == 500 and compass.representative == SPOUSE
        assert [(a.part, a.kind, a.who) for a in compass.activities] == [
            ("government", "welfare_registration", th("Social Development and Human Security"))]


def test_the_compass_waits_for_the_interview_and_stays_in_the_area(app, volunteer):
    unclassified = add_target_household(app)
    assert th("Please run the 4T interview first: the compass builds on it.") in volunteer.postback(
        f"menu=compass&household={unclassified}")
    outside = add_target_household(app, village="30060202", number="99")
    assert th("This household was not found in your area.") in volunteer.postback(
        f"menu=compass&household={outside}")


def test_every_step_checks_the_household_is_still_in_the_area(app, volunteer):
    household_id = interviewed(app, "self_development")
    volunteer.postback(f"menu=compass&household={household_id}")
    assert th("A steady income") in volunteer.say("อาสา ทดสอบ, พัฒนากร ดีงาม")
    with app.app_context():
        db.session.scalar(select(StaffRole).where(StaffRole.role == "volunteer")).area_code = "30060202"
        db.session.commit()
    reply = volunteer.say("1")
    assert th("This is no longer within your area, so it was closed. Nothing was saved.") in reply
    assert th("A steady income") not in reply and HEAD not in reply
    with app.app_context():
        assert db.session.scalar(select(Compass)) is None
        assert db.session.scalar(select(DialogSession.status)) == "cancelled"


def test_the_folder_card_of_a_classified_household_opens_its_compass(app, volunteer):
    household_id = interviewed(app, "self_development")
    volunteer.postback(f"menu=household&id={household_id}")
    card = json.dumps(volunteer.last.messages[0], ensure_ascii=False)
    assert th("Life compass") in card and f"menu=compass&household={household_id}" in card




def open_mou(app, household: int, headers: dict, version: int | None = None):
    query = f"household={household}" + (f"&version={version}" if version else "")
    return app.test_client().post(f"/liff/api/mou?{query}", headers=headers)


def test_the_mou_page_shows_the_compass_to_staff_of_the_area_only(app, volunteer, platform):
    household_id = interviewed(app, "self_development")
    with app.app_context():
        compass = Compass(household_id=household_id, version=1, classification="self_development",
                          goals={"economy": "มีรายได้สม่ำเสมอ", "happiness": "สุขภาพดี", "family": "กินข้าวพร้อมหน้า"},
                          way_out={"plan": "ปลูกผักขาย", "extra_income": "3000"},
                          target_per_person_year=Decimal(40_000), target_date=date(2027, 12, 31),
                          representative=HEAD, team="อาสา ทดสอบ, พัฒนากร ดีงาม", created_at=utcnow(),
                          accepted_at=utcnow(), activities=[CompassActivity(
                              part="government", kind="training", text="ฝึกอาชีพ", who="สำนักงานเกษตร",
                              target_month=date(2027, 3, 1), sign="เข้ารับการอบรมแล้ว", support="อบรมปลูกผัก")])
        db.session.add(compass)
        add_staff("U-outside", "volunteer", "30060301", "อาสา ทองหลาง")
        db.session.commit()
    token = {"Authorization": f"Bearer {platform.issue_id_token(volunteer.user_id, LIFF_ID)}"}
    page = open_mou(app, household_id, token)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    html = page.json["html"]
    for shown in (th("Memorandum of understanding: life compass"), "มีรายได้สม่ำเสมอ", "ปลูกผักขาย", "อบรมปลูกผัก",
                  "สำนักงานเกษตร", format_month(date(2027, 3, 1)), "40,000 บาท", HEAD, "พัฒนากร ดีงาม",
                  th("(signed)"), th("Government and local government")):
        assert shown in html, shown
    assert open_mou(app, household_id, token, version=2).status_code == 404  # no such version
    outside = {"Authorization": f"Bearer {platform.issue_id_token('U-outside', LIFF_ID)}"}
    assert open_mou(app, household_id, outside).status_code == 403
    assert open_mou(app, household_id, {}).status_code == 401
    volunteer.postback(f"menu=household&id={household_id}")
    assert f"/mou?household={household_id}" in json.dumps(volunteer.last.messages[0])


def test_a_revision_is_a_new_version_with_why_keeping_earlier_answers_and_progress(app, volunteer):
    household_id = welfare_compass(app, volunteer)
    with app.app_context():
        db.session.scalar(select(Compass)).activities[0].status = "under_way"  # a check-in's update
        db.session.commit()
    keep = th("Keep answer")
    volunteer.postback(f"menu=compass&household={household_id}")
    for _ in range(9):  # the team, three goals, spending, the repayment, the three parts: all as before
        assert keep in volunteer.buttons()
        volunteer.tap(keep)
    volunteer.tap(keep)  # the agency
    volunteer.tap(keep)  # the month
    volunteer.say("ลงทะเบียนเบี้ยผู้พิการและบัตรสวัสดิการ")  # the support asked for, changed
    volunteer.tap(keep)  # who commits
    assert th("Why is the compass revised?") in volunteer.text
    volunteer.say("ขอบัตรสวัสดิการเพิ่ม")
    volunteer.tap(th("Yes"))
    assert th("The compass of house no. %(number)s is saved (version %(version)s), with %(count)s activities. The "
              "family's commitment is recorded.", number="12", version=2, count=1) in volunteer.text
    with app.app_context():
        first, second = db.session.scalars(select(Compass).order_by(Compass.version)).all()
        assert first.activities[0].support == "ลงทะเบียนเบี้ยผู้พิการ"  # the earlier version stays as it was
        assert (second.reason, second.goals, second.representative) == ("ขอบัตรสวัสดิการเพิ่ม", first.goals, SPOUSE)
        assert second.activities[0].support == "ลงทะเบียนเบี้ยผู้พิการและบัตรสวัสดิการ"
        assert second.activities[0].status == "under_way"  # the same activity: its progress goes on
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "compass.revise")) is not None
    volunteer.postback(f"menu=household&id={household_id}")
    card = json.dumps(volunteer.last.messages[0], ensure_ascii=False)
    assert th("Life compass (version %(version)s)", version=2) in card
    assert th("Revised %(count)s times", count=1) in card


def test_the_folder_page_shows_the_compass_and_each_version_with_its_mou(app, volunteer, platform):
    household_id = welfare_compass(app, volunteer)
    token = {"Authorization": f"Bearer {platform.issue_id_token(volunteer.user_id, LIFF_ID)}"}
    html = app.test_client().post(f"/liff/api/folder?household={household_id}", headers=token).json["html"]
    for shown in (th("Life compass (version %(version)s)", version=1), th("Versions of the compass"),
                  "ลงทะเบียนเบี้ยผู้พิการ", th("Care for the elderly"), "อาสา ทดสอบ",
                  f'href="/liff/mou?household={household_id}&amp;version=1"'):
        assert shown in html, shown


def test_the_signed_mous_photo_is_kept_with_its_compass(app, volunteer):
    welfare_compass(app, volunteer)
    offered = th("Send the signed MOU's photo")[:20]
    assert list(volunteer.buttons())[0] == offered  # offered once the compass is agreed
    assert th("Please send a photo of the signed MOU, the whole page in view.") in volunteer.tap(offered)
    assert th("Please send a photo: tap \"Camera\" or \"Photos\" below.") in volunteer.say("ส่งแล้ว")  # not a photo
    volunteer.send(volunteer.line.image(volunteer.user_id))
    assert th("The photo of the signed MOU is kept with version %(version)s of the compass.", version=1) \
        in volunteer.text
    with app.app_context():
        compass = db.session.scalar(select(Compass))
        photo = db.session.get(Photo, compass.photo_id)
        assert photo is not None and photo.size > 0
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "compass.photo")) is not None
    outside = add_target_household(app, village="30060202", number="99")
    assert th("This household was not found in your area.") in volunteer.postback(
        f"menu=mou_photo&household={outside}")
