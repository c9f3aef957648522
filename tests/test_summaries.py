"""Supervisors' summaries and late lists (issue 14, points 3 and 4), and the whole period ticked by a frozen clock:
exactly the expected messages on exactly the expected days to caretakers and supervisors, none in quiet hours, none
to a caretaker once their visits are done, and a second tick changes nothing."""

import io
import warnings
from datetime import UTC, datetime, time, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
from sqlalchemy import func, select

from bot import reminder_clock
from core.periods import Period
from core.thai import local_date
from domain.access import areas
from domain.step1_survey.income import BELOW_LINE
from models import CareAssignment, CheckIn, OutboxMessage, Problem, Staff, db, utcnow
from tests.helpers import HEAD, add_staff, add_target_household, add_villages, place, settle, th

BANGKOK = ZoneInfo("Asia/Bangkok")
DECEMBER, NOVEMBER = Period(2026, 12), Period(2026, 11)  # 21 November – 20 December; 21 October – 20 November
ASSIGNED = datetime(2026, 11, 1, tzinfo=UTC)  # after October's cut-off: due in November and December, not October
SUB, DISTRICT, PROVINCE = "300601", "3006", "30"


def local(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=BANGKOK)


def caretaker(app, chat, name: str, village: str, houses: tuple[str, ...]) -> list[int]:
    ids = [add_target_household(app, village=village, number=number) for number in houses]
    with app.app_context():
        staff = add_staff(chat.user_id, "caretaker", village, name)
        db.session.add_all([CareAssignment(household_id=i, caretaker_id=staff.id, started_at=ASSIGNED) for i in ids])
        db.session.commit()
    return ids


def supervisor(app, chat, role: str, area: str, name: str, choice: str | None = None) -> None:
    with app.app_context():
        staff = add_staff(chat.user_id, role, area, name)
        staff.summary_choice = choice
        db.session.commit()


def visited(app, household_id: int, period: Period, at: datetime, late: bool = False) -> None:
    with app.app_context():
        care = db.session.scalar(select(CareAssignment).where(CareAssignment.household_id == household_id))
        db.session.add(CheckIn(household_id=household_id, period=period.key, staff_id=care.caretaker_id,
                               contact="in_person", at=at.astimezone(UTC), late=late))
        db.session.commit()


@pytest.fixture
def area(app, new_user):
    """Two subdistricts of อ.จักราช: in ต.จักราช สมชาย (houses 12 and 13 of หมู่ 1) and สมหญิง (14 of หมู่ 2), who
    missed November; in ต.ทองหลาง สมปอง (15), always early. Supervisors of the subdistrict, the district (weekly)
    and the province (only after the cut-off)."""
    with app.app_context():
        add_villages()
        db.session.commit()
    people = {name: new_user(name) for name in ("สมชาย", "สมหญิง", "สมปอง", "ตำบล", "อำเภอ", "จังหวัด")}
    twelve, thirteen = caretaker(app, people["สมชาย"], "สมชาย ดูแลดี", "30060101", ("12", "13"))
    [fourteen] = caretaker(app, people["สมหญิง"], "สมหญิง ใส่ใจ", "30060102", ("14",))
    [fifteen] = caretaker(app, people["สมปอง"], "สมปอง ขยัน", "30060301", ("15",))
    supervisor(app, people["ตำบล"], "supervisor_subdistrict", SUB, "ปลัด ตำบล")
    supervisor(app, people["อำเภอ"], "supervisor_district", DISTRICT, "พัฒนากร อำเภอ", choice="weekly")
    supervisor(app, people["จังหวัด"], "supervisor_province", PROVINCE, "ศจพ.จ. จังหวัด", choice="cutoff")
    for household in (twelve, thirteen, fifteen):
        visited(app, household, NOVEMBER, local(11, 10, 10))
    return people, {"12": twelve, "13": thirteen, "14": fourteen, "15": fifteen}


def named(app, code: str) -> str:
    """An area as a summary's header names it: with the area it is in."""
    with app.app_context():
        return areas.name(code, "th", full=False, parent=True)


def tick(app, at: datetime) -> list:
    with app.app_context():
        return reminder_clock.tick(at.astimezone(UTC))


def pushes(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == "push"))


def test_a_whole_period_sends_exactly_the_expected_messages_on_the_expected_days(app, area, platform):
    people, houses = area
    visits = {local(12, 10, 9): houses["15"], local(12, 16, 10): houses["12"], local(12, 19, 17): houses["13"]}
    sent = []
    at = local(11, 21, 0)
    while at < local(12, 23, 0):  # every half hour from the first day of December's period to after its cut-off
        for moment in [moment for moment in visits if moment <= at]:
            visited(app, visits.pop(moment), DECEMBER, moment)
        if at == local(12, 21, 8, 30):  # what a second process finds due before the first one commits
            with app.app_context():
                seen = reminder_clock.planned(at.astimezone(UTC))
        sent += [(at.strftime("%m-%d %H:%M"), one.kind, one.name, one.households) for one in tick(app, at)]
        at += timedelta(minutes=30)
    settle(app)
    with app.app_context():
        assert len(seen) == 6 and reminder_clock.queue_all(seen) == []  # refused by the key

    late, summary, due = "supervisor_late", "supervisor_summary", "caretaker_due"
    assert sent == [
        # November's cut-off: its summary to all three (closed), สมหญิง's house late (not flagged: new in November)
        ("11-21 08:30", summary, "ปลัด ตำบล", 3), ("11-21 08:30", summary, "พัฒนากร อำเภอ", 4),
        ("11-21 08:30", summary, "ศจพ.จ. จังหวัด", 4),
        ("11-21 08:30", late, "ปลัด ตำบล", 1), ("11-21 08:30", late, "พัฒนากร อำเภอ", 1),
        ("11-21 08:30", late, "ศจพ.จ. จังหวัด", 1),
        # December's reminder days: caretakers with households still to visit; the weekly one on the 15th only
        ("12-15 08:30", due, "สมชาย ดูแลดี", 2), ("12-15 08:30", due, "สมหญิง ใส่ใจ", 1),
        ("12-15 08:30", summary, "ปลัด ตำบล", 3), ("12-15 08:30", summary, "พัฒนากร อำเภอ", 4),
        ("12-18 08:30", due, "สมชาย ดูแลดี", 1), ("12-18 08:30", due, "สมหญิง ใส่ใจ", 1),
        ("12-18 08:30", summary, "ปลัด ตำบล", 3),
        ("12-20 08:30", due, "สมหญิง ใส่ใจ", 1),
        ("12-20 08:30", summary, "ปลัด ตำบล", 3),
        # December's cut-off: สมหญิง late again, flagged
        ("12-21 08:30", summary, "ปลัด ตำบล", 3), ("12-21 08:30", summary, "พัฒนากร อำเภอ", 4),
        ("12-21 08:30", summary, "ศจพ.จ. จังหวัด", 4),
        ("12-21 08:30", late, "ปลัด ตำบล", 1), ("12-21 08:30", late, "พัฒนากร อำเภอ", 1),
        ("12-21 08:30", late, "ศจพ.จ. จังหวัด", 1),
    ]
    assert pushes(app) == len(sent)
    assert len(platform.received(people["สมปอง"].user_id)) == 0  # done before any reminder

    again = [one for moment in ("12-15 08:30", "12-18 08:30", "12-20 08:30", "12-21 08:30", "12-21 19:30")
             for one in tick(app, datetime.strptime(f"2026-{moment}", "%Y-%m-%d %H:%M").replace(tzinfo=BANGKOK))]
    assert again == [] and pushes(app) == len(sent)  # a second tick, a restart: nothing more

    [*_, last] = platform.received(people["ตำบล"].user_id)
    flagged = th("%(name)s (%(count)s households)", name="สมหญิง ใส่ใจ", count=1) + " " + th(
        "⚠ late two periods running")
    assert last.messages[0]["text"] == "\n".join([
        th("Late visits, %(month)s: %(count)s households had no monthly visit by the %(day)s.",
           month=DECEMBER.label("th"), count=1, day=20),
        flagged, f"  – {th('House %(number)s', number='14')} {HEAD}"])
    november = platform.received(people["ตำบล"].user_id)[1].messages[0]["text"]
    assert th("%(name)s (%(count)s households)", name="สมหญิง ใส่ใจ", count=1) + "\n" in november
    assert th("⚠ late two periods running") not in november
    [*_, rolled_up] = platform.received(people["อำเภอ"].user_id)
    assert rolled_up.messages[0]["text"].splitlines()[1] == th(
        "• %(area)s: %(households)s households, %(caretakers)s caretakers", area=place(app, SUB, full=False),
        households=1, caretakers=1) + " " + th("(%(count)s late two periods running)", count=1)


def parts(delivery, kind: str) -> list[dict]:
    """The parts of a kind ("text", "button") of a summary's Flex card, top to bottom."""
    def walk(node):
        if isinstance(node, dict):
            if node.get("type") == kind:
                yield node
            for key in ("header", "hero", "body", "footer", "contents"):
                yield from walk(node.get(key))
        elif isinstance(node, list):
            for item in node:
                yield from walk(item)
    return list(walk(delivery.messages[0]["contents"]))


def card_texts(delivery) -> list[str]:
    return [part["text"] for part in parts(delivery, "text")]


def tap_card(chat, delivery, label: str) -> str:
    """Tap a button of a summary's card."""
    [action] = [part["action"] for part in parts(delivery, "button") if part["action"]["label"] == label]
    return chat.postback(action["data"])


def test_the_summary_counts_the_area_by_sub_area_with_income_and_compass_progress(app, area, platform):
    people, houses = area
    visited(app, houses["12"], DECEMBER, local(12, 16, 10))
    with app.app_context():  # 12 was below the line at survey and rose above it; 13 still below; 14 never was
        for number, opened, status in (("12", "2026-10-01", "solved"), ("13", "2026-10-01", "open")):
            db.session.add(Problem(household_id=houses[number], dimension="income", indicator=BELOW_LINE,
                                   status=status, opened_on=datetime.fromisoformat(opened).date()))
        check_in = db.session.scalar(select(CheckIn).where(CheckIn.household_id == houses["12"],
                                                           CheckIn.period == DECEMBER.key))
        check_in.activities = [{"activity": 7, "status": "done", "reason": None},
                               {"activity": 8, "status": "under_way", "reason": None}]
        db.session.commit()
    tick(app, local(12, 18, 8, 30))
    settle(app)
    [card, chart] = platform.received(people["ตำบล"].user_id)[-1].messages
    assert card["altText"] == th("Monthly visits, %(month)s: %(done)s of %(due)s households visited.",
                                 month=DECEMBER.label("th"), done=1, due=3)
    assert card_texts(platform.received(people["ตำบล"].user_id)[-1]) == [
        th("Monthly visits, %(month)s", month=DECEMBER.label("th")), named(app, SUB),
        th("Visited: %(done)s of %(due)s households; %(left)s still to visit, %(days)s days left to the %(day)s.",
           done=1, due=3, left=2, days=3, day=20),
        th("By village"), f"• {place(app, '30060101', full=False)}: 1/2 (50%)",
        f"• {place(app, '30060102', full=False)}: 0/1 (0%)",
        th("Income above the จปฐ. line: %(now)s households now, %(survey)s at survey.", now=2, survey=1),
        th("Compass activities done this period: %(count)s.", count=1),
        th("This summary comes on every reminder day and after the cut-off.")]
    assert chart["type"] == "image" and chart["originalContentUrl"].startswith(app.config["PUBLIC_BASE_URL"])


def test_the_chart_is_drawn_with_thai_names_from_its_signed_link_and_only_while_it_is_valid(app, area, platform):
    people, _ = area
    coming = Period.of_day(local_date(utcnow()), 20).next()  # a reminder day to come: its link is still valid
    tick(app, datetime(coming.year, coming.month, 15, 8, 30, tzinfo=BANGKOK))
    settle(app)
    link = urlsplit(platform.received(people["อำเภอ"].user_id)[-1].messages[1]["originalContentUrl"])
    client = app.test_client()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        response = client.get(f"{link.path}?{link.query}")
    assert response.status_code == 200 and response.headers["Content-Type"] == "image/png"
    assert not [str(w.message) for w in caught if "missing from font" in str(w.message)]  # no tofu in "ต.จักราช"
    assert Image.open(io.BytesIO(response.data)).size[0] == 1040
    assert client.get(f"{link.path}?{link.query}x").status_code == 404  # altered
    with app.app_context():
        db.session.scalar(select(Staff).where(Staff.line_user_id == people["อำเภอ"].user_id)).active = False
        db.session.commit()
    assert client.get(f"{link.path}?{link.query}").status_code == 404  # no longer a supervisor


def test_a_supervisor_chooses_weekly_or_only_after_the_cut_off_from_the_summary(app, area, platform):
    people, _ = area
    chat = people["ตำบล"]
    tick(app, local(12, 15, 8, 30))
    settle(app)
    card = platform.received(chat.user_id)[-1]
    assert [part["action"]["label"] for part in parts(card, "button")] == [
        th("Report"), th("Once a week"), th("Only at the cut-off")]
    assert th("This summary comes only after the cut-off.") \
        in tap_card(chat, card, th("Only at the cut-off"))
    assert [one.name for one in tick(app, local(12, 18, 8, 30)) if one.kind == "supervisor_summary"] \
        == []  # the district's weekly one was on the 15th, the province's is after the cut-off
    assert th("This summary comes on every reminder day and after the cut-off.") \
        in chat.postback("menu=summary_choice&every=day")
    assert [one.name for one in tick(app, local(12, 20, 8, 30)) if one.kind == "supervisor_summary"] == ["ปลัด ตำบล"]
    settle(app)
    assert th("That choice is no longer offered: nothing was changed.") \
        in chat.postback("menu=summary_choice&every=daily")


def test_the_report_button_opens_the_areas_report_of_the_period(app, area, platform):
    people, _ = area
    tick(app, local(12, 15, 8, 30))
    settle(app)
    chat = people["ตำบล"]
    tap_card(chat, platform.received(chat.user_id)[-1], th("Report"))
    header = chat.last.messages[-1]["contents"]["header"]["contents"]
    assert header[0]["text"] == th("Monthly report, %(month)s", month=DECEMBER.label("th"))


def test_what_follows_the_cut_off_waits_for_the_end_of_quiet_hours_and_a_reminder_moved_past_it_is_dropped(
        app, area, platform):
    app.config["REMINDER_SCHEDULE"] = {15: time(21, 0), 20: time(21, 0)}
    people, _ = area
    for at in (local(12, 21, 7, 0), local(12, 21, 21, 30), local(12, 22, 6, 59)):  # the 20th's, at the 21st's 07:00
        assert tick(app, at) == [], at
    sent = tick(app, local(12, 22, 7, 0))
    assert {(one.kind, one.day.day, one.period) for one in sent} \
        == {("supervisor_summary", 21, DECEMBER.key), ("supervisor_late", 21, DECEMBER.key)}
    settle(app)
    assert len(platform.received(people["ตำบล"].user_id)) == 2


def test_more_than_ten_sub_areas_list_the_best_and_the_lowest_five(app, new_user, platform):
    with app.app_context():
        add_villages()
        db.session.commit()
    villages = [f"300601{moo:02d}" for moo in range(1, 13)]
    for moo, village in enumerate(villages, 1):  # หมู่ n: n households, the first n // 3 of them visited
        ids = caretaker(app, new_user(f"ผู้ดูแล {moo}"), f"ผู้ดูแล {moo}", village,
                        tuple(str(number) for number in range(1, moo + 1)))
        for household in ids[:moo // 3]:
            visited(app, household, DECEMBER, local(12, 1, 9))
    chief = new_user("ตำบล")
    supervisor(app, chief, "supervisor_subdistrict", SUB, "ปลัด ตำบล")
    tick(app, local(12, 15, 8, 30))
    settle(app)
    texts = card_texts(platform.received(chief.user_id)[-1])
    best, lowest = texts.index(th("Best five")), texts.index(th("Lowest five"))

    def line(moo: int) -> str:
        done = moo // 3
        return f"• {place(app, villages[moo - 1], full=False)}: {done}/{moo} ({round(100 * done / moo)}%)"

    assert texts[best + 1:lowest] == [line(moo) for moo in (3, 6, 9, 12, 10)]  # 33% ×4, then 30%
    assert texts[lowest + 1:lowest + 6] == [line(moo) for moo in (4, 8, 5, 1, 2)]  # 25% ×2, 20%, 0% ×2
