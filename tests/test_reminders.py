"""Reminders to caretakers (issue 14): on a reminder day at its time each caretaker with households still to visit
gets one push listing them, a tap from each check-in; nobody who is done; nothing before the time, in quiet hours or
for a day missed; never twice, whoever ticks; and the reminder's own button turns them off."""

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot import reminder_clock
from core.periods import Period
from core.thai import local_date
from models import CareAssignment, CheckIn, OutboxMessage, SentReminder, Staff, db, utcnow
from tests.helpers import HEAD, add_staff, add_target_household, settle, th

BANGKOK = ZoneInfo("Asia/Bangkok")
DECEMBER = Period(2026, 12)  # 21 November – 20 December 2026
ON_THE_15TH = datetime(2026, 12, 15, 8, 30, tzinfo=BANGKOK)


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=BANGKOK)


def caretaker(app, chat, name: str, houses: tuple[str, ...] = ()) -> list[int]:
    """A caretaker of village 30060101 with these houses in their care: their ids."""
    ids = [add_target_household(app, number=number) for number in houses]
    with app.app_context():
        staff = add_staff(chat.user_id, "caretaker", "30060101", name)
        db.session.add_all([CareAssignment(household_id=i, caretaker_id=staff.id, started_at=utcnow()) for i in ids])
        db.session.commit()
    return ids


def visited(app, household_id: int, chat, period: Period = DECEMBER) -> None:
    with app.app_context():
        staff = db.session.scalar(select(Staff).where(Staff.line_user_id == chat.user_id))
        db.session.add(CheckIn(household_id=household_id, period=period.key, staff_id=staff.id, contact="in_person"))
        db.session.commit()


def tick(app, at: datetime, dry_run: bool = False) -> list:
    with app.app_context():
        queued = reminder_clock.tick(at.astimezone(UTC), dry_run=dry_run)
    settle(app)
    return queued


def pushes(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == "push"))


def reminder(days: int, *numbers: str) -> str:
    """The reminder's text, as a Thai caretaker reads it, of these houses with `days` left."""
    houses = "\n".join(f"• {th('House %(number)s', number=number)} {HEAD}" for number in numbers)
    return th("Reminder: %(count)s households in your care have no visit yet for %(month)s; %(days)s days left to "
              "the %(day)s.\n%(households)s\nTap a household to record its visit.", count=len(numbers),
              month=DECEMBER.label("th"), days=days, day=20, households=houses)


def test_on_a_reminder_day_at_its_time_each_caretaker_with_households_to_visit_gets_one_message(
        app, new_user, platform):
    somchai, somying, idle = new_user("สมชาย"), new_user("สมหญิง"), new_user("ว่าง")
    caretaker(app, somchai, "สมชาย ดูแลดี", ("12", "13"))
    [done] = caretaker(app, somying, "สมหญิง ใส่ใจ", ("14",))
    caretaker(app, idle, "ว่าง ไม่มีบ้าน")
    visited(app, done, somying)

    assert len(tick(app, ON_THE_15TH)) == 1
    [delivery] = platform.received(somchai.user_id)
    [message] = delivery.messages
    assert message["text"] == reminder(6, "12", "13")
    labels = [item["action"]["label"] for item in message["quickReply"]["items"]]
    assert labels == [f"12 {HEAD}"[:20], f"13 {HEAD}"[:20], th("Monthly visits"), th("Not on the %(day)s", day=15),
                      th("Stop reminders")]
    assert platform.received(somying.user_id) == [] and platform.received(idle.user_id) == []


def test_nothing_before_its_time_in_quiet_hours_or_for_a_day_missed_and_a_late_tick_catches_up_that_day(
        app, new_user, platform):
    somchai = new_user("สมชาย")
    caretaker(app, somchai, "สมชาย ดูแลดี", ("12",))
    for at in (local(15, 8, 29), local(14, 9), local(15, 20, 30), local(16, 9), local(16, 6, 59)):
        assert tick(app, at) == [], at
    assert platform.received(somchai.user_id) == []
    assert len(tick(app, local(15, 19, 59))) == 1  # later the same day, before the quiet hours
    assert len(platform.received(somchai.user_id)) == 1


def test_a_reminder_whose_time_is_in_quiet_hours_goes_at_their_end(app, new_user, platform):
    app.config["REMINDER_SCHEDULE"] = {15: time(21, 0)}
    somchai = new_user("สมชาย")
    caretaker(app, somchai, "สมชาย ดูแลดี", ("12",))
    assert tick(app, local(15, 21, 30)) == [] and tick(app, local(16, 6, 59)) == []
    [sent] = tick(app, local(16, 7))
    assert sent.day.day == 15 and len(platform.received(somchai.user_id)) == 1
    assert platform.received(somchai.user_id)[0].messages[0]["text"] == reminder(5, "12")


def test_a_second_tick_and_a_second_process_ticking_at_once_send_nothing_more(app, new_user, platform):
    somchai, somying = new_user("สมชาย"), new_user("สมหญิง")
    caretaker(app, somchai, "สมชาย ดูแลดี", ("12",))
    caretaker(app, somying, "สมหญิง ใส่ใจ", ("13",))
    with app.app_context():  # what a second process found due before the first one committed
        seen = reminder_clock.planned(ON_THE_15TH.astimezone(UTC))
    assert len(seen) == 2
    assert len(tick(app, ON_THE_15TH)) == 2
    assert tick(app, ON_THE_15TH) == [] and tick(app, local(15, 12)) == []  # the tick run again, a restart
    with app.app_context():
        assert reminder_clock.queue_all(seen) == []  # the rows' unique key refuses them
    settle(app)
    assert pushes(app) == 2
    assert len(platform.received(somchai.user_id)) == 1 and len(platform.received(somying.user_id)) == 1


def test_reminders_of_which_another_process_queued_some_are_each_sent_once(app, new_user, platform):
    somchai, somying = new_user("สมชาย"), new_user("สมหญิง")
    caretaker(app, somchai, "สมชาย ดูแลดี", ("12",))
    caretaker(app, somying, "สมหญิง ใส่ใจ", ("13",))
    with app.app_context():
        seen = reminder_clock.planned(ON_THE_15TH.astimezone(UTC))
        assert reminder_clock.queue_all(seen[:1]) == seen[:1]  # another process got to the first one
        assert reminder_clock.queue_all(seen) == seen[1:]  # the batch is refused, then stored one by one
    settle(app)
    assert pushes(app) == 2
    assert len(platform.received(somchai.user_id)) == 1 and len(platform.received(somying.user_id)) == 1


def test_a_dry_run_lists_what_it_would_send_and_sends_nothing(app, new_user, platform):
    somchai = new_user("สมชาย")
    caretaker(app, somchai, "สมชาย ดูแลดี", ("12", "13"))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["reminders", "run", "--now", "2026-12-15T08:30", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "would send: สมชาย ดูแลดี" in result.output
    assert "2 households, period 202612, day 2026-12-15, caretaker_due" in result.output
    assert "1 reminders due" in result.output
    settle(app)
    assert pushes(app) == 0 and platform.received(somchai.user_id) == []
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SentReminder)) == 0
    result = runner.invoke(args=["reminders", "run", "--now", "2026-12-15T08:30"])
    assert result.exit_code == 0 and "1 reminders sent" in result.output
    settle(app)
    assert len(platform.received(somchai.user_id)) == 1


def test_a_household_button_opens_its_check_in(app, new_user, platform):
    somchai = new_user("สมชาย")
    caretaker(app, somchai, "สมชาย ดูแลดี", ("12",))
    tick(app, ON_THE_15TH)
    somchai.last = platform.received(somchai.user_id)[-1]
    now = Period.of_day(local_date(utcnow()), 20)
    assert th("Monthly visit, %(period)s: house %(number)s (%(head)s)", period=now.label("th"), number="12",
              head=HEAD) in somchai.tap(f"12 {HEAD}"[:20])


def test_stop_reminders_mutes_the_next_days_and_monthly_visits_turns_them_on(app, new_user, platform):
    somchai = new_user("สมชาย")
    caretaker(app, somchai, "สมชาย ดูแลดี", ("12",))
    tick(app, ON_THE_15TH)
    somchai.last = platform.received(somchai.user_id)[-1]
    assert th("Reminders are off: none will come until you turn them on again under “Monthly visits”.") \
        in somchai.tap(th("Stop reminders"))
    before = len(platform.received(somchai.user_id))
    assert tick(app, local(18, 8, 30)) == []
    assert len(platform.received(somchai.user_id)) == before

    somchai.postback("menu=monthly_visits")
    assert th("Reminders are on: one comes on each reminder day while households are still to visit.") \
        in somchai.tap(th("Turn reminders on"))
    assert len(tick(app, local(20, 8, 30))) == 1
    assert platform.received(somchai.user_id)[-1].messages[0]["text"] == reminder(1, "12")


def test_not_on_the_15th_mutes_that_day_every_month_the_other_days_still_come(app, new_user, platform):
    somchai = new_user("สมชาย")
    caretaker(app, somchai, "สมชาย ดูแลดี", ("12",))
    tick(app, ON_THE_15TH)
    somchai.last = platform.received(somchai.user_id)[-1]
    assert th("No more reminders on the %(day)s of the month; those of the other reminder days still come. Turn them "
              "all on again under “Monthly visits”.", day=15) in somchai.tap(th("Not on the %(day)s", day=15))
    assert len(tick(app, local(18, 8, 30))) == 1  # the 18th still comes
    assert platform.received(somchai.user_id)[-1].messages[0]["text"] == reminder(3, "12")
    before = len(platform.received(somchai.user_id))
    assert tick(app, datetime(2027, 1, 15, 8, 30, tzinfo=BANGKOK)) == []  # next month's 15th: off
    assert len(tick(app, datetime(2027, 1, 18, 8, 30, tzinfo=BANGKOK))) == 1
    assert len(platform.received(somchai.user_id)) == before + 1

    somchai.postback("menu=monthly_visits")  # "Turn reminders on" turns the day on again too
    assert th("Reminders are on: one comes on each reminder day while households are still to visit.") \
        in somchai.tap(th("Turn reminders on"))
    assert len(tick(app, datetime(2027, 2, 15, 8, 30, tzinfo=BANGKOK))) == 1


def test_a_day_off_that_is_no_reminder_day_is_refused_and_changes_nothing(app, new_user, platform):
    somchai = new_user("สมชาย")
    caretaker(app, somchai, "สมชาย ดูแลดี", ("12",))
    assert th("That day has no reminder any more: nothing was changed.") \
        in somchai.postback("menu=reminder_day_off&day=16")
    assert th("That day has no reminder any more: nothing was changed.") \
        in somchai.postback("menu=reminder_day_off&day=x")
    assert len(tick(app, ON_THE_15TH)) == 1


def test_the_database_is_free_for_others_while_the_reminders_messages_are_built(app, new_user, monkeypatch):
    somchai = new_user("สมชาย")
    caretaker(app, somchai, "สมชาย ดูแลดี", ("12", "13"))
    connections_held = []

    def building(*args):  # a webhook request or the sweep needs the connection meanwhile (SQLite has one)
        connections_held.append(db.engine.pool.checkedout())
        return build(*args)

    build = reminder_clock.reminder
    monkeypatch.setattr(reminder_clock, "reminder", building)
    [sent] = tick(app, ON_THE_15TH)
    assert sent.households == 2 and connections_held == [0]
