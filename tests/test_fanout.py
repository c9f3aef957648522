"""Fan-out at LINE's limits (issue 14, points 5 and 6): one announcement to many goes by multicast in batches of 500;
pushes and multicasts stay under LINE's rate limits whichever process makes them; a reminder run fits the month's
message quota, the latest-due caretakers first, and the admins hear of it once; a user who blocked the bot is
skipped from then on; a crash between sending and marking sends nothing twice; and `reminders cost` says what a
period's reminders have cost and will cost."""

import threading
import uuid
from bisect import bisect_left
from datetime import UTC, timedelta
from types import SimpleNamespace

from sqlalchemy import select, update

from bot import outbox, pacing, reminder_clock
from bot.gateway import LineGateway, gateway
from bot.recovery import sweep
from models import LineUser, OutboxMessage, db, utcnow
from tests.helpers import TOKEN, add_staff, settle, th
from tests.test_health import grown, scrape
from tests.test_reminders import ON_THE_15TH, caretaker, local, reminder, tick, visited

PUSH = "/v2/bot/message/push"
MULTICAST = "/v2/bot/message/multicast"


def calls(platform, path: str) -> list[dict]:
    return [r for r in platform.requests if r["path"] == path]


def busiest_second(times: list[float]) -> int:
    """The most calls any one-second window holds."""
    times = sorted(times)
    return max(bisect_left(times, start + 1.0) - i for i, start in enumerate(times))


def admin(app, chat, name: str = "ผู้ดูแลระบบ ทดสอบ") -> None:
    with app.app_context():
        add_staff(chat.user_id, "admin", "TH", name)
        db.session.commit()


def quota_warning(left: int, held: int) -> str:
    return th("LINE's monthly message quota is nearly used up: %(left)s messages were left, so %(held)s reminders "
              "were not sent; the caretakers with the most households still to visit were reminded first. The rest "
              "go out once the quota is raised in LINE Official Account Manager.", left=left, held=held)


def test_an_announcement_to_many_goes_in_multicasts_of_500_each_with_its_own_retry_key(app, platform):
    platform.rate_limits = {MULTICAST: 200}  # LINE's own
    users = [platform.new_user_id() for _ in range(2_501)]
    with app.app_context():
        rows = outbox.queue_multicast(users, [{"type": "text", "text": "ประกาศ"}])
        db.session.commit()
        outbox.send_later(rows)
    settle(app)
    sent = calls(platform, MULTICAST)
    assert sorted(len(call["json"]["to"]) for call in sent) == [1, 500, 500, 500, 500, 500]
    assert {call["status"] for call in sent} == {200}
    assert len({call["headers"]["X-Line-Retry-Key"] for call in sent}) == 6
    assert all(len(platform.received(user)) == 1 for user in users)


def test_pushes_from_two_processes_share_one_bucket_and_stay_under_lines_rate_limit(app, platform, emulator):
    platform.rate_limits = {PUSH: 20}
    users = [platform.new_user_id() for _ in range(30)]
    # Two processes' gateways, one bucket (in Redis with REDIS_URL, else the process's): each paces against it.
    lines = [LineGateway(TOKEN, emulator.url, timeout=5, retries=0, backoff=0.1, pool_size=2,
                         pacer=pacing.Pacer(pacing.bucket(app), {"push": 20})) for _ in range(2)]

    def push_half(line: LineGateway, half: list[str]) -> None:
        for user in half:
            line.push(user, [{"type": "text", "text": "เตือน"}], str(uuid.uuid4()))

    threads = [threading.Thread(target=push_half, args=(line, users[i::2])) for i, line in enumerate(lines)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sent = calls(platform, PUSH)
    assert len(sent) == 30 and {call["status"] for call in sent} == {200}  # not one 429
    times = [call["time"] for call in sent]
    assert busiest_second(times) <= 20
    # One at once (a burst of 5% of 20 is one call), then 18 a second (90% of the limit): the other 29 take 29/18 s.
    assert max(times) - min(times) >= 29 / 18 * 0.9


def test_pushes_taken_from_the_bucket_several_at_a_time_still_stay_under_lines_rate_limit(app, platform, emulator):
    """At 600 a second a process takes three pushes from the shared bucket at once, each sent at its own moment."""
    limit, count = 600, 1_200
    platform.rate_limits = {PUSH: limit}
    users = [platform.new_user_id() for _ in range(count)]
    lines = [LineGateway(TOKEN, emulator.url, timeout=5, retries=0, backoff=0.1, pool_size=4,
                         pacer=pacing.Pacer(pacing.bucket(app), {"push": limit})) for _ in range(2)]
    assert round(limit * pacing.RESERVED_SECONDS) == 3

    def push_share(line: LineGateway, share: list[str]) -> None:
        for user in share:
            line.push(user, [{"type": "text", "text": "เตือน"}], str(uuid.uuid4()))

    threads = [threading.Thread(target=push_share, args=(lines[i % 2], users[i::8])) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sent = calls(platform, PUSH)
    assert len(sent) == count and {call["status"] for call in sent} == {200}  # not one 429
    times = [call["time"] for call in sent]
    assert busiest_second(times) <= limit
    # A burst of 5% of the limit, then 90% of it a second.
    assert max(times) - min(times) >= (count - limit * 0.05) / (limit * 0.9) * 0.9


def test_when_the_quota_is_short_the_latest_due_go_first_and_admins_are_warned_once(app, new_user, platform):
    behind, ahead, middle, also_ahead = new_user("ช้า"), new_user("เร็ว"), new_user("กลาง"), new_user("ทัน")
    boss = new_user("ผู้ดูแลระบบ")
    caretaker(app, behind, "ช้า ค้างมาก", ("12", "13", "14"))
    caretaker(app, ahead, "เร็ว ค้างน้อย", ("15",))
    caretaker(app, middle, "กลาง ค้างสอง", ("16", "17"))
    caretaker(app, also_ahead, "ทัน ค้างหนึ่ง", ("18",))
    admin(app, boss)
    platform.message_quota = 3  # four reminders due: room for the warning and two of them

    assert {(one.name, one.kind) for one in tick(app, ON_THE_15TH)} == {
        ("ช้า ค้างมาก", "caretaker_due"), ("กลาง ค้างสอง", "caretaker_due"), ("ผู้ดูแลระบบ ทดสอบ", "quota_warning")}
    assert platform.received(ahead.user_id) == [] and platform.received(also_ahead.user_id) == []
    [warning] = platform.received(boss.user_id)
    assert warning.messages[0]["text"] == quota_warning(left=3, held=2)

    assert tick(app, local(15, 12)) == []  # nothing left: still held back, and no second warning
    assert len(platform.received(boss.user_id)) == 1
    platform.message_quota = 10  # raised by the admin
    assert {one.name for one in tick(app, local(15, 13))} == {"เร็ว ค้างน้อย", "ทัน ค้างหนึ่ง"}
    assert platform.received(ahead.user_id)[0].messages[0]["text"] == reminder(6, "15")
    assert len(platform.received(boss.user_id)) == 1


def test_when_line_cannot_say_the_quota_the_reminders_go_as_usual(app, new_user, platform):
    somchai = new_user("สมชาย")
    caretaker(app, somchai, "สมชาย ดูแลดี", ("12",))
    platform.message_quota = 0
    platform.fail_next("/v2/bot/message/quota", status=500)
    assert len(tick(app, ON_THE_15TH)) == 1
    with app.app_context():
        [row] = db.session.scalars(select(OutboxMessage)).all()
        assert row.kind == "push"  # queued: LINE itself refuses what is past the quota


def test_a_caretaker_who_blocked_the_bot_is_marked_and_skipped_next_time(app, new_user, platform):
    somchai, somying = new_user("สมชาย"), new_user("สมหญิง")
    caretaker(app, somchai, "สมชาย ดูแลดี", ("12",))
    caretaker(app, somying, "สมหญิง ใส่ใจ", ("13",))
    platform.block(somchai.user_id)
    assert len(tick(app, ON_THE_15TH)) == 2
    assert platform.received(somchai.user_id) == [] and len(platform.received(somying.user_id)) == 1
    with app.app_context():
        assert db.session.get(LineUser, somchai.user_id).following is False
        assert db.session.get(LineUser, somying.user_id).following is True
    [sent] = tick(app, local(18, 8, 30))
    assert sent.name == "สมหญิง ใส่ใจ"
    assert [call["json"]["to"] for call in calls(platform, PUSH)].count(somchai.user_id) == 1


def test_a_crash_between_sending_a_reminder_and_marking_it_sends_nothing_twice(app, new_user, platform, monkeypatch):
    somchai = new_user("สมชาย")
    caretaker(app, somchai, "สมชาย ดูแลดี", ("12",))
    monkeypatch.setattr(outbox, "send_ids", lambda outbox_ids: None)  # the process dies once the reminder is queued...
    with app.app_context():
        [queued] = reminder_clock.tick(ON_THE_15TH.astimezone(UTC))
        row = db.session.scalars(select(OutboxMessage)).one()
        [request] = outbox.plan(row)
        gateway().push(request.to, request.messages, request.retry_key)  # ...after LINE took it, before marking
        db.session.execute(update(OutboxMessage).values(claimed_until=utcnow() - timedelta(seconds=1),
                                                        next_attempt_at=utcnow() - timedelta(minutes=1)))
        db.session.commit()
    monkeypatch.undo()
    with app.app_context():
        sweep()  # the restarted process sends what is pending: LINE answers 409 to its retry key
    settle(app)
    assert tick(app, local(15, 12)) == []
    assert len(platform.received(somchai.user_id)) == 1
    assert sorted(call["status"] for call in calls(platform, PUSH)) == [200, 409]
    with app.app_context():
        assert db.session.scalars(select(OutboxMessage.status)).all() == ["sent"]


def test_reminders_cost_shows_what_was_sent_what_is_to_come_and_the_quota_left(app, new_user, platform):
    somchai, somying = new_user("สมชาย"), new_user("สมหญิง")
    caretaker(app, somchai, "สมชาย ดูแลดี", ("12",))
    [done] = caretaker(app, somying, "สมหญิง ใส่ใจ", ("13",))
    platform.message_quota = 100
    tick(app, ON_THE_15TH)
    visited(app, done, somying)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["reminders", "cost", "--period", "2569-12", "--now", "2026-12-15T09:00"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "Reminders of December 2026 (period 202612)",
        "sent: 2",
        "  caretaker_due: 2",
        "to be sent if nobody checks in: 2",
        "  caretaker_due: 2 (2026-12-18: 1, 2026-12-20: 1)",
        "quota left: 98 messages this month",
    ]
    platform.fail_next("/v2/bot/message/quota", status=500)
    result = runner.invoke(args=["reminders", "cost", "--period", "2569-12", "--now", "2026-12-19T09:00"])
    assert "  caretaker_due: 1 (2026-12-20: 1)" in result.output
    assert "quota left: unknown" in result.output
    assert runner.invoke(args=["reminders", "cost", "--period", "12-2569"]).exit_code == 2


def test_metrics_count_reminders_by_kind_pushed_messages_and_the_quota_left(embedded_app, platform):
    somchai = SimpleNamespace(user_id=platform.add_user(platform.new_user_id())["userId"])
    caretaker(embedded_app, somchai, "สมชาย ดูแลดี", ("12", "13"))
    platform.message_quota = 50
    client = embedded_app.test_client()
    before = scrape(client)
    tick(embedded_app, ON_THE_15TH)
    after = scrape(client)
    assert grown(before, after, "reminders_sent_total", kind="caretaker_due") == 1
    assert grown(before, after, "messages_pushed_total", kind="push") == 1
    assert after[("line_message_quota_left", ())] == 50  # asked before the reminder went
