"""The monthly check-in (step 4), walked through the chat as a caretaker would at the door, taps counted: the
common path, progress and problems, a family that could not be reached, a late visit for the closed month, a
second visit that amends the first, and what a caretaker may not do."""

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.periods import Period
from core.thai import format_date, format_money, local_date
from core.types import Context
from domain.step4_care import checkins
from models import (
    AuditEntry,
    CareAssignment,
    CheckIn,
    Compass,
    CompassActivity,
    Household,
    LineUser,
    Photo,
    Problem,
    Staff,
    db,
    utcnow,
)
from tests.helpers import HEAD, Counted, add_staff, add_target_household, person, th

SPOUSE = "นางสมศรี ใจดี"
ACTIVITIES = ("ทำบัญชีครัวเรือน", "ออมเงินทุกเดือน", "อบรมปลูกผักปลอดสาร")
OUTSIDE_VILLAGE = "30060201"


def cared_for(app, caretaker_user: str, *, since: datetime | None = None, located: bool = True,
              problems: tuple[str, ...] = ("poor_house",), village: str = "30060101") -> int:
    """A classified household of two with a life compass of three activities, in the caretaker's care."""
    household_id = add_target_household(app, [
        person(HEAD, date(1980, 1, 1), "head", monthly_income=Decimal(3000)),
        person(SPOUSE, date(1982, 1, 1), "spouse", sex="female", monthly_income=Decimal(1000))], village=village)
    with app.app_context():
        household = db.session.get(Household, household_id)
        household.classification, household.status = "self_development", "in_progress"
        if located:
            household.latitude, household.longitude = 15.0, 102.3
        household.problems = [Problem(dimension="living", indicator=code, status="open") for code in problems]
        compass = Compass(household_id=household_id, version=1, classification="self_development", goals={},
                          created_at=utcnow(), accepted_at=utcnow(), activities=[
                              CompassActivity(part="self", kind="other", text=text, who="ทั้งครอบครัว",
                                              target_month=date(2027, 3, 1)) for text in ACTIVITIES])
        caretaker = db.session.scalar(select(Staff).where(Staff.line_user_id == caretaker_user))
        db.session.add_all([compass, CareAssignment(household_id=household_id, caretaker_id=caretaker.id,
                                                    started_at=since or utcnow())])
        db.session.commit()
    return household_id


def nothing_new(chat, income: str, note: str | None = None) -> str:
    """Answer a visit's questions from "How did you follow up" as for a family met at home with nothing new: the
    summary."""
    chat.tap(th("Met at home"))
    chat.say(income)
    chat.tap(th("No change on any"))
    chat.tap(th("Nothing changed"))
    chat.tap(th("Skip"))
    return chat.say(note) if note else chat.tap(th("Skip"))


def checked_in(app, household_id: int, period: Period, income: int, staff_user: str) -> None:
    with app.app_context():
        staff = db.session.scalar(select(Staff).where(Staff.line_user_id == staff_user))
        db.session.add(CheckIn(household_id=household_id, period=period.key, staff_id=staff.id, contact="in_person",
                               monthly_income=Decimal(income), at=utcnow() - timedelta(days=30)))
        db.session.commit()


def this_period(app) -> Period:
    with app.app_context():
        return Period.of_day(local_date(utcnow()), app.config["REPORT_DAY"])


@pytest.fixture
def caretaker(app, new_user):
    """A caretaker of village 30060101, with the จปฐ. line of 38,000 set for the years the tests' periods fall in."""
    year = local_date(utcnow()).year + 543
    app.config["POVERTY_LINES"] = {**app.config["POVERTY_LINES"], year - 1: 38000, year: 38000, year + 1: 38000}
    chat = new_user("ผู้ดูแล")
    with app.app_context():
        add_staff(chat.user_id, "caretaker", "30060101", "สมชาย ดูแลดี")
        db.session.commit()
    return chat


def test_a_visit_with_three_activities_and_nothing_new_takes_at_most_12_taps(app, caretaker):
    household_id = cared_for(app, caretaker.user_id)
    period = this_period(app)
    checked_in(app, household_id, period.previous(), 6000, caretaker.user_id)
    chat = Counted(caretaker)

    listing = chat.postback("menu=monthly_visits")  # the rich menu's "เยี่ยมบ้านประจำเดือน"
    assert th("Monthly visits, %(month)s: %(done)s of %(count)s done; %(days)s days left to the %(day)s. Tap a "
              "household to record its visit.", month=period.label("th"), done=0, count=1,
              days=period.days_left(local_date(utcnow()), 20), day=20) in listing
    assert th("Not yet visited") in json.dumps(caretaker.last.messages[0], ensure_ascii=False)
    asked = chat.postback(f"menu=checkin&household={household_id}")  # the household's row
    assert th("Monthly visit, %(period)s: house %(number)s (%(head)s)", period=period.label("th"), number="12",
              head=HEAD) in asked
    assert th("Last time (%(month)s): %(amount)s. Tap “Same” if it has not changed.",
              month=period.previous().label("th"), amount="6,000 บาท") in chat.tap("Met at home")
    activities = chat.tap("Same: %(amount)s", amount="6,000 บาท")
    assert all(text in activities for text in ACTIVITIES)
    assert th("Problems still open: tap those solved this month, and “New problem” if there is one, then Done. If "
              "nothing changed, tap “Nothing changed”.") in chat.tap("No change on any")
    assert th("A photo of the visit, as evidence? (optional)") in chat.tap("Nothing changed")
    assert th("A note about this month? (optional)") in chat.tap("Skip")
    summary = chat.tap("Skip")
    assert th("Income: %(amount)s this month", amount="6,000 บาท") in summary
    assert "36,000 บาท" in summary and th("below it") in summary  # 6,000 × 12 ÷ 2 against the line of 38,000
    assert th("Saved: the visit of house %(number)s for %(month)s.", number="12", month=period.label("th")) \
        in chat.tap("Save")
    assert chat.sent <= 12, f"{chat.sent} taps and messages"
    assert th("Revise the compass")[:20] in caretaker.buttons()

    caretaker.postback("menu=monthly_visits")
    assert th("✓ Visited on %(date)s", date=format_date(local_date(utcnow()), style="short")) in json.dumps(
        caretaker.last.messages[0], ensure_ascii=False)
    with app.app_context():
        stored = db.session.scalar(select(CheckIn).where(CheckIn.period == period.key))
        assert (stored.contact, stored.monthly_income, stored.members, stored.per_person_year, stored.late) == (
            "in_person", 6000, 2, 36000, False)
        household = db.session.get(Household, household_id)
        assert (household.monthly_income, household.income_basis) == (6000, "check_in")
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "check_in.create")) is not None


def test_progress_solved_and_new_problems_the_location_and_a_photo_are_kept(app, caretaker, platform):
    household_id = cared_for(app, caretaker.user_id, located=False)
    caretaker.postback(f"menu=checkin&household={household_id}")
    caretaker.tap(th("By phone"))
    assert th("The household's income this month, all members together, in baht?") in caretaker.say("ไม่ทราบ")
    caretaker.say("9,500")
    caretaker.tap(th("Report progress"))
    assert th("Activity %(number)s of %(count)s: %(activity)s", number=1, count=3, activity=ACTIVITIES[0]) \
        in caretaker.text
    caretaker.tap(th("Done")[:20])
    assert th("Why is it dropped? One line.") in caretaker.tap(th("Given up"))
    caretaker.say("ไม่มีเงินออม")
    assert th("What is it stuck on? One line.") in caretaker.tap(th("Stuck"))
    caretaker.say("รออบรมรอบหน้า")
    with app.app_context():
        problem = db.session.scalar(select(Problem).where(Problem.household_id == household_id))
    caretaker.tap(th("House in poor condition")[:20])
    caretaker.tap(th("New problem"))
    caretaker.tap(th("Done"))
    caretaker.tap(th("Health"))
    caretaker.tap(th("Done"))
    caretaker.tap(th("Something else (type it)")[:20])
    assert th("The house has no location yet: at the house, tap “Share location” and send it (asked once).") \
        in caretaker.say("ปวดหลังเรื้อรัง")
    assert th("Please share a location: tap \"Share location\" below.") in caretaker.say("ที่บ้าน")
    caretaker.send(caretaker.line.location(caretaker.user_id, 15.01, 102.31, title="บ้านเลขที่ 12"))
    image = caretaker.line.image(caretaker.user_id)
    platform.forget_content(image["message"]["id"])  # LINE keeps what is sent only a while
    assert th("The photo could not be received from LINE. Please send it again.") in caretaker.send(image)
    caretaker.send(caretaker.line.image(caretaker.user_id))
    summary = caretaker.say("ครอบครัวตั้งใจดี")
    assert th("solved: %(problem)s", problem=th("House in poor condition")) in summary
    assert th("new: %(problem)s", problem="ปวดหลังเรื้อรัง") in summary and th("Photo: attached") in summary
    caretaker.tap(th("Save"))

    with app.app_context():
        stored = db.session.scalar(select(CheckIn))
        assert stored.contact == "phone" and stored.photo_id is not None and stored.note == "ครอบครัวตั้งใจดี"
        assert db.session.get(Photo, stored.photo_id).size > 0
        assert stored.solved == [problem.id] and stored.new_problems[0]["description"] == "ปวดหลังเรื้อรัง"
        statuses = {a.text: (a.status, a.status_reason) for a in db.session.scalars(select(CompassActivity))}
        assert statuses == {ACTIVITIES[0]: ("done", None), ACTIVITIES[1]: ("dropped", "ไม่มีเงินออม"),
                            ACTIVITIES[2]: ("under_way", "รออบรมรอบหน้า")}
        household = db.session.get(Household, household_id)
        assert (household.latitude, household.longitude) == (15.01, 102.31)
        assert {(p.dimension, p.status) for p in household.problems} >= {("living", "solved"), ("health", "open")}
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "compass_activity.update")) is not None


def test_a_family_that_moved_away_is_closed_after_a_confirmation_and_leaves_the_list(app, caretaker):
    household_id = cared_for(app, caretaker.user_id)
    caretaker.postback(f"menu=checkin&household={household_id}")
    caretaker.tap(th("Could not reach"))
    prompt = caretaker.tap(th("Moved away"))
    assert th("House %(number)s will be marked “%(status)s” and no longer be visited monthly. Is that right?",
              number="12", status=th("Moved away")) in prompt
    caretaker.tap(th("Yes, mark it"))
    summary = caretaker.tap(th("Skip"))
    assert th("Status: %(status)s", status=th("Moved away")) in summary
    caretaker.tap(th("Save"))
    with app.app_context():
        assert db.session.get(Household, household_id).status == "moved"
        assert db.session.scalar(select(CheckIn)).unreached_reason == "moved"
    assert th("No household is in your care yet. Your supervisor assigns them.") in caretaker.postback(
        "menu=monthly_visits")
    assert th("House %(number)s is marked “%(status)s”: no monthly visit is due.", number="12",
              status=th("Moved away")) in caretaker.postback(f"menu=checkin&household={household_id}")


def test_a_death_not_confirmed_leaves_the_household_followed(app, caretaker):
    household_id = cared_for(app, caretaker.user_id)
    caretaker.postback(f"menu=checkin&household={household_id}")
    caretaker.tap(th("Could not reach"))
    caretaker.tap(th("Deceased"))
    caretaker.tap(th("No, keep visiting"))
    caretaker.tap(th("Skip"))
    caretaker.tap(th("Save"))
    with app.app_context():
        assert db.session.get(Household, household_id).status == "in_progress"


def test_a_household_missed_last_month_may_be_visited_late_for_it(app, caretaker):
    period = this_period(app)
    household_id = cared_for(app, caretaker.user_id, since=utcnow() - timedelta(days=80))
    listing = json.dumps(caretaker.postback("menu=monthly_visits") and caretaker.last.messages[0], ensure_ascii=False)
    assert th("Late: no visit for %(month)s", month=period.previous().label("th")) in listing
    asked = caretaker.postback(f"menu=checkin&household={household_id}")
    assert th("House %(number)s (%(head)s) has no visit for %(month)s, which closed on the %(day)s. Which month is "
              "this visit for? One for %(month)s is recorded as late.", number="12", head=HEAD,
              month=period.previous().label("th"), day=20) in asked
    caretaker.tap(th("%(month)s (late)", month=period.previous().label("th", short=True)))
    assert th("Monthly visit, %(period)s: house %(number)s (%(head)s)", period=period.previous().label("th"),
              number="12", head=HEAD) in caretaker.text
    nothing_new(caretaker, "5000")
    assert th("It is recorded as late for that month.") in caretaker.tap(th("Save"))
    with app.app_context():
        stored = db.session.scalar(select(CheckIn))
        assert (stored.period, stored.late) == (period.previous().key, True)
    # now the closed month has its visit: the next one is this month's, asked no more
    assert th("How did you follow up the family this month?") in caretaker.postback(
        f"menu=checkin&household={household_id}")


def test_a_second_visit_in_the_period_amends_the_first_and_both_are_kept(app, caretaker):
    household_id = cared_for(app, caretaker.user_id)
    period = this_period(app)
    for amount, note in (("4000", None), ("7000", "ขายผักได้มากขึ้น")):
        asked = caretaker.postback(f"menu=checkin&household={household_id}")
        if note:
            assert th("Already recorded on %(date)s by %(name)s; this visit will replace it.",
                      date=format_date(local_date(utcnow())), name="สมชาย ดูแลดี") in asked
        nothing_new(caretaker, amount, note)
        caretaker.tap(th("Save"))
    with app.app_context():
        assert len(db.session.scalars(select(CheckIn)).all()) == 2
        assert checkins.counted([household_id], period)[household_id].monthly_income == 7000
        assert db.session.get(Household, household_id).monthly_income == 7000


def test_no_for_the_summary_goes_back_with_every_answer_kept(app, caretaker):
    household_id = cared_for(app, caretaker.user_id)
    caretaker.postback(f"menu=checkin&household={household_id}")
    nothing_new(caretaker, "4000")
    assert th("How did you follow up the family this month?") in caretaker.tap(th("Change answers"))
    caretaker.tap(th("Keep answer"))
    assert format_money(4000) in caretaker.text
    with app.app_context():
        assert db.session.scalar(select(CheckIn)) is None


def test_a_caretaker_cannot_visit_a_household_outside_their_area_and_old_buttons_expire(app, caretaker, new_user):
    other = new_user("ผู้ดูแลอื่น")
    with app.app_context():
        add_staff(other.user_id, "caretaker", OUTSIDE_VILLAGE, "มานี นอกเขต")
        db.session.commit()
    outside = cared_for(app, other.user_id, village=OUTSIDE_VILLAGE)
    assert th("That household was not found in your area.") in caretaker.postback(f"menu=checkin&household={outside}")
    mine = cared_for(app, caretaker.user_id)
    caretaker.postback(f"menu=checkin&household={mine}")
    old = caretaker.buttons()[th("Met at home")]
    caretaker.tap(th("By phone"))
    assert th("This button has expired. Here is the current question again.") in caretaker.postback(old["data"])


def test_a_supervisor_checks_in_from_the_card_and_the_record_says_who(app, caretaker, new_user):
    household_id = cared_for(app, caretaker.user_id)
    supervisor = new_user("ปลัด")
    with app.app_context():
        add_staff(supervisor.user_id, "supervisor_subdistrict", "300601", "ปลัดอำเภอ ตรวจงาน")
        db.session.commit()
    supervisor.postback(f"menu=household&id={household_id}")
    card = json.dumps(supervisor.last.messages[0], ensure_ascii=False)
    assert f"menu=checkin&household={household_id}" in card and th("Monthly visit") in card
    supervisor.postback(f"menu=checkin&household={household_id}")
    nothing_new(supervisor, "4000")
    supervisor.tap(th("Save"))
    with app.app_context():
        stored = db.session.scalar(select(CheckIn))
        assert db.session.get(Staff, stored.staff_id).name == "ปลัดอำเภอ ตรวจงาน"


@pytest.mark.parametrize(("utc", "period"), [
    (datetime(2026, 12, 20, 16, 59, 59, tzinfo=UTC), 202612),  # 23:59:59 on the 20th in Bangkok
    (datetime(2026, 12, 20, 17, 0, 0, tzinfo=UTC), 202701),  # 00:00 on the 21st: the next period
    (datetime(2026, 11, 20, 17, 0, 0, tzinfo=UTC), 202612),
    (datetime(2027, 1, 20, 17, 0, 0, tzinfo=UTC), 202702),
])
def test_a_period_ends_at_midnight_after_the_20th_in_bangkok_whatever_the_server_zone(utc, period):
    assert Period.of_moment(utc, 20, "Asia/Bangkok").key == period
    assert Period.from_key(period).cutoff(20, "Asia/Bangkok") > utc


def test_a_check_in_just_after_the_cut_off_for_the_closed_period_is_late(embedded_app):
    household_id = add_target_household(embedded_app, [person(HEAD, date(1980, 1, 1), "head")])
    with embedded_app.app_context():
        staff = add_staff("U" + "c" * 32, "caretaker", "30060101")
        household = db.session.get(Household, household_id)
        december = Period(2026, 12)
        for moment, late in ((datetime(2026, 12, 20, 16, 59, 59, tzinfo=UTC), False),
                             (datetime(2026, 12, 20, 17, 0, 0, tzinfo=UTC), True)):
            ctx = Context(line_user=db.session.get(LineUser, staff.line_user_id), staff=staff, event_id=None,
                          now=moment, timezone="Asia/Bangkok")
            assert checkins.period_of(ctx).key == (202612 if not late else 202701)
            written = checkins.record(ctx, household, checkins.Given(period=december, contact="in_person",
                                                                     monthly_income=Decimal(5000)))
            assert written.check_in.late is late


def test_the_card_and_the_printable_folder_show_the_income_trend_and_the_visits(app, caretaker, platform):
    household_id = cared_for(app, caretaker.user_id)
    period = this_period(app)
    checked_in(app, household_id, period.previous().previous(), 5000, caretaker.user_id)
    caretaker.postback(f"menu=checkin&household={household_id}")
    caretaker.tap(th("Met at home"))
    caretaker.say("7000")
    caretaker.tap(th("No change on any"))
    caretaker.tap(th("Nothing changed"))
    caretaker.send(caretaker.line.image(caretaker.user_id))
    caretaker.say("ขายผักได้")
    caretaker.tap(th("Save"))

    caretaker.postback(f"menu=household&id={household_id}")
    card = caretaker.last.messages[0]["contents"]
    chart_url = card["hero"]["url"]
    assert chart_url.startswith(app.config["PUBLIC_BASE_URL"] + "/charts/income?t=")
    client = app.test_client()
    chart = client.get(chart_url.removeprefix(app.config["PUBLIC_BASE_URL"]))
    assert chart.status_code == 200 and chart.mimetype == "image/png" and chart.data[:8] == b"\x89PNG\r\n\x1a\n"
    forged = chart_url.replace(f"t={household_id}.", f"t={household_id + 1}.")
    assert client.get(forged.removeprefix(app.config["PUBLIC_BASE_URL"])).status_code == 404

    token = platform.issue_id_token(caretaker.user_id, app.config["LIFF_ID"])
    page = client.post(f"/liff/api/folder?household={household_id}", headers={"Authorization": f"Bearer {token}"})
    html = page.json["html"]
    assert f"<h2>{th('Monthly visits')} (2)</h2>" in html
    assert 'img class="chart" src="data:image/png;base64,' in html and 'class="photo" src="data:image/jpeg' in html
    assert "ขายผักได้" in html and "7,000 บาท" in html and th("%(amount)s per person per year",
                                                               amount="42,000 บาท") in html


def test_a_visit_left_half_way_is_resumed_from_monthly_visits(app, caretaker):
    household_id = cared_for(app, caretaker.user_id)
    caretaker.postback(f"menu=checkin&household={household_id}")
    caretaker.tap(th("Met at home"))
    caretaker.say("4500")
    caretaker.postback("cmd=menu")  # called away: the visit is kept as a draft
    asked = caretaker.postback(f"menu=checkin&household={household_id}")
    assert th("Continue") in caretaker.buttons()
    assert th("Monthly visit") in asked
    caretaker.tap(th("Continue"))
    assert all(text in caretaker.text for text in ACTIVITIES)  # where it was left: the activities, the income kept
    caretaker.tap(th("No change on any"))
    caretaker.tap(th("Nothing changed"))
    caretaker.tap(th("Skip"))
    assert "4,500 บาท" in caretaker.tap(th("Skip"))


def test_a_check_in_records_the_income_line_problem_only_when_it_opens_or_closes(embedded_app):
    household_id = add_target_household(embedded_app, [person(HEAD, date(1980, 1, 1), "head"),
                                                        person(SPOUSE, date(1982, 1, 1), "spouse", sex="female")])
    with embedded_app.app_context():
        embedded_app.config["POVERTY_LINES"] = {2569: 38000}
        staff = add_staff("U" + "d" * 32, "caretaker", "30060101")
        household = db.session.get(Household, household_id)
        ctx = Context(line_user=db.session.get(LineUser, staff.line_user_id), staff=staff, event_id=None,
                      now=datetime(2026, 12, 1, 3, 0, tzinfo=UTC), timezone="Asia/Bangkok")

        def visit(monthly: int) -> list[str]:
            written = checkins.record(ctx, household, checkins.Given(period=Period(2026, 12), contact="in_person",
                                                                     monthly_income=Decimal(monthly)))
            db.session.add_all(written.store)
            db.session.flush()
            return [change.action for change in written.audit]

        assert visit(2000) == ["problem.record", "check_in.create"]  # 12,000 a person a year: below, opened
        assert visit(2500) == ["check_in.create"]  # still below: nothing new to record about the problem
        assert visit(7000) == ["problem.update", "check_in.create"]  # 42,000: above the line, solved
