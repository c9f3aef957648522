"""Outgoing messages: stored first, sent through the gateway, retried safely, never lost, never twice,
and kept without content once sent."""

import logging
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import event, select, update

from bot import jobs, leases, outbox
from bot.gateway import gateway
from bot.recovery import next_sweep_in, sweep
from models import OutboxMessage, db, utcnow
from tests.helpers import settle


def text(n: int) -> dict:
    return {"type": "text", "text": f"ข้อความที่ {n}"}


def queue(app, make):
    """Store rows in one committed transaction and queue their delivery, as a handler's outcome is."""
    with app.app_context():
        rows = make()
        rows = rows if isinstance(rows, list) else [rows]
        db.session.commit()
        outbox.send_later(rows)
        return [row.id for row in rows]


def row(app, outbox_id):
    with app.app_context():
        found = db.session.get(OutboxMessage, outbox_id)
        db.session.expunge(found)
        return found


def requests_to(platform, path):
    return [r for r in platform.requests if r["path"] == path]


def test_a_used_reply_token_falls_back_to_push(app, platform):
    user = platform.add_user(platform.new_user_id())["userId"]
    token = platform.issue_reply_token(user)
    with app.app_context():
        gateway().reply(token, [text(0)], until=time.time() + 30)  # the token is now used up
    [outbox_id] = queue(app, lambda: outbox.queue_reply(token, user, [text(1)], None))
    first, second = platform.wait_for_messages(user, 2)
    assert first.kind == "reply"
    assert second.kind == "push" and second.retry_key and second.messages == [text(1)]
    settle(app)
    assert row(app, outbox_id).status == "sent"


def test_a_reply_too_old_for_its_token_goes_as_push(embedded_app, platform):
    user = platform.add_user(platform.new_user_id())["userId"]
    token = platform.issue_reply_token(user)
    with embedded_app.app_context():
        # The event waited two minutes (LINE retrying, a backlog): its token's minute counts from the event.
        message = outbox.queue_reply(token, user, [text(1)], None, event_time=utcnow() - timedelta(minutes=2))
        db.session.commit()
        outbox.deliver(message.id)
    [delivery] = platform.received(user)
    assert delivery.kind == "push"
    assert requests_to(platform, "/v2/bot/message/reply") == []


@pytest.mark.parametrize("status", [500, 503, 429])
def test_push_is_retried_on_5xx_and_429_with_the_same_retry_key(app, platform, status):
    user = platform.add_user(platform.new_user_id())["userId"]
    platform.fail_next("/v2/bot/message/push", status=status, count=2)
    queue(app, lambda: outbox.queue_push(user, [text(1)]))
    [delivery] = platform.wait_for_messages(user, 1)
    settle(app)
    pushes = requests_to(platform, "/v2/bot/message/push")
    assert [p["status"] for p in pushes] == [status, status, 200]
    assert len({p["headers"]["X-Line-Retry-Key"] for p in pushes}) == 1
    assert delivery.retry_key == pushes[0]["headers"]["X-Line-Retry-Key"]


def test_a_timed_out_push_that_did_arrive_is_not_sent_twice(embedded_app, platform):
    user = platform.add_user(platform.new_user_id())["userId"]
    # LINE takes longer than our timeout, then accepts the message anyway.
    platform.fail_next("/v2/bot/message/push", status=None, delay=embedded_app.config["LINE_TIMEOUT"] + 0.5)
    [outbox_id] = queue(embedded_app, lambda: outbox.queue_push(user, [text(1)]))
    settle(embedded_app)
    assert len(platform.received(user)) == 1
    statuses = [p["status"] for p in requests_to(platform, "/v2/bot/message/push")]
    assert sorted(statuses) == [200, 409]
    assert row(embedded_app, outbox_id).status == "sent"


def test_other_4xx_is_recorded_as_failed_with_lines_message(app, platform):
    user = platform.add_user(platform.new_user_id())["userId"]
    [outbox_id] = queue(app, lambda: outbox.queue_push(user, [{"type": "text", "text": "ก" * 5001}]))
    settle(app)
    failed = row(app, outbox_id)
    assert failed.status == "failed"
    assert "400" in failed.error and "5000" in failed.error
    assert len(requests_to(platform, "/v2/bot/message/push")) == 1


def test_long_replies_are_split_into_requests_of_five_in_order(app, platform):
    user = platform.add_user(platform.new_user_id())["userId"]
    token = platform.issue_reply_token(user)
    queue(app, lambda: outbox.queue_reply(token, user, [text(n) for n in range(12)], None))
    deliveries = platform.wait_for_messages(user, 3)
    assert [d.kind for d in deliveries] == ["reply", "push", "push"]
    assert [len(d.messages) for d in deliveries] == [5, 5, 2]
    assert [m["text"] for d in deliveries for m in d.messages] == [f"ข้อความที่ {n}" for n in range(12)]


def test_multicast_is_split_at_500_recipients(app, platform):
    users = [platform.new_user_id() for _ in range(1201)]
    queue(app, lambda: outbox.queue_multicast(users, [text(1)]))
    settle(app)
    calls = requests_to(platform, "/v2/bot/message/multicast")
    assert sorted(len(c["json"]["to"]) for c in calls) == [201, 500, 500]
    assert len({c["headers"]["X-Line-Retry-Key"] for c in calls}) == 3
    assert all(len(platform.received(u)) == 1 for u in users)


def test_a_row_stored_before_a_crash_is_sent_after_restart(app, platform):
    user = platform.add_user(platform.new_user_id())["userId"]
    with app.app_context():
        message = outbox.queue_push(user, [text(n) for n in range(7)])
        message.next_attempt_at = utcnow() - timedelta(minutes=1)
        db.session.commit()  # stored; the process dies before it sends anything
        outbox_id = message.id
    assert platform.received(user) == []
    with app.app_context():
        assert sweep() == (0, 1)  # what a restarted process does first
    assert len(platform.wait_for_messages(user, 2)) == 2
    settle(app)
    assert row(app, outbox_id).status == "sent"


def test_a_half_sent_row_resumes_with_the_rest_only(embedded_app, platform):
    user = platform.add_user(platform.new_user_id())["userId"]
    with embedded_app.app_context():
        message = outbox.queue_push(user, [text(n) for n in range(7)])
        db.session.commit()
        first = outbox.plan(message)[0]
        gateway().push(user, first.messages, first.retry_key)  # sent, then the crash
        db.session.execute(update(OutboxMessage).values(claimed_until=utcnow() - timedelta(seconds=1)))
        db.session.commit()
        outbox.deliver(message.id)  # the first request is re-sent with its key, LINE answers 409
    texts = [m["text"] for d in platform.received(user) for m in d.messages]
    assert texts == [f"ข้อความที่ {n}" for n in range(7)]


def test_line_down_for_long_leaves_the_row_pending_for_later(embedded_app, platform):
    user = platform.add_user(platform.new_user_id())["userId"]
    platform.fail_next("/v2/bot/message/push", status=503, count=100)
    with embedded_app.app_context():
        message = outbox.queue_push(user, [text(1)])
        db.session.commit()
        outbox.deliver(message.id)
        db.session.refresh(message)
        assert message.status == "pending" and "503" in message.error
        assert message.next_attempt_at > utcnow()
        assert outbox.due() == []
        platform.reset()
        message.next_attempt_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
        assert sweep() == (0, 1)
    platform.wait_for_messages(user, 1)


def test_two_deliveries_of_the_same_row_at_once_send_it_once(embedded_app, platform):
    import concurrent.futures

    user = platform.add_user(platform.new_user_id())["userId"]
    with embedded_app.app_context():
        message = outbox.queue_push(user, [text(1)])
        db.session.commit()
        outbox_id = message.id

    def deliver():
        with embedded_app.app_context():
            outbox.deliver(outbox_id)

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda _: deliver(), range(4)))
    assert len(platform.received(user)) == 1
    assert len(requests_to(platform, "/v2/bot/message/push")) == 1


def test_an_empty_message_is_refused_before_it_is_stored(embedded_app):
    with embedded_app.app_context():
        with pytest.raises(ValueError):
            outbox.queue_push("U" + "0" * 32, [])
        assert db.session.scalars(select(OutboxMessage)).all() == []


def test_one_persons_messages_arrive_in_the_order_they_were_made(app, platform):
    user, other = (platform.add_user(platform.new_user_id())["userId"] for _ in range(2))
    gate = platform.hold("/v2/bot/message/push")
    try:
        queue(app, lambda: [outbox.queue_push(user, [text(n)]) for n in range(5)])
        assert gate.wait_until_held(10)  # the first is stuck at LINE; the others must wait behind it
    finally:
        gate.release()
    queue(app, lambda: outbox.queue_push(other, [text(9)]))
    deliveries = platform.wait_for_messages(user, 5)
    assert [d.messages[0]["text"] for d in deliveries] == [f"ข้อความที่ {n}" for n in range(5)]
    platform.wait_for_messages(other, 1)


def test_a_batch_sends_each_persons_messages_in_order_and_one_refused_does_not_hold_back_the_others(app, platform):
    first, second, blocked = (platform.add_user(platform.new_user_id())["userId"] for _ in range(3))
    platform.block(blocked)
    with app.app_context():
        rows = [outbox.queue_push(to, [text(n)]) for n, to in enumerate((first, blocked, first, second, first))]
        db.session.commit()
        ids = [message.id for message in rows]
        outbox.deliver(*ids)  # one job: the first person's later messages wait behind their first, then follow it
    settle(app)
    assert [d.messages[0]["text"] for d in platform.received(first)] == [text(n)["text"] for n in (0, 2, 4)]
    assert [d.messages[0]["text"] for d in platform.received(second)] == [text(3)["text"]]
    assert [row(app, outbox_id).status for outbox_id in ids] == ["sent", "failed", "sent", "sent", "sent"]


def test_a_message_made_while_the_previous_one_is_being_marked_sent_is_sent_too(app, platform):
    """The next message is stored, and its own job finds the previous one still pending, in the moment
    between the previous one reaching LINE and its "sent" being committed."""
    if app.backend == "embedded":
        pytest.skip("SQLite admits one writer at a time: nothing is stored while a row is being marked sent")
    user = platform.add_user(platform.new_user_id())["userId"]
    with app.app_context():
        first = outbox.queue_push(user, [text(1)])
        db.session.commit()
        first_id = first.id
        engine = db.engine
    marking, resume = threading.Event(), threading.Event()

    def deliver_first():
        with app.app_context():
            outbox.deliver(first_id)

    deliverer = threading.Thread(target=deliver_first)

    def note_marking(_conn, _cursor, _statement, _parameters, context, _executemany):
        if threading.current_thread() is deliverer and any(
                parameters.get("new_status") == "sent" for parameters in context.compiled_parameters):
            marking.set()

    def hold_commit(_conn):
        if threading.current_thread() is deliverer and marking.is_set():
            resume.wait(10)

    event.listen(engine, "after_cursor_execute", note_marking)
    event.listen(engine, "commit", hold_commit)
    try:
        deliverer.start()
        assert marking.wait(10)  # the first is at LINE's and being marked sent, not yet committed
        queue(app, lambda: outbox.queue_push(user, [text(2)]))
        assert jobs.runner(app).wait_idle(10)  # the second's own job ran and found the first pending
    finally:
        resume.set()
        deliverer.join(10)
        event.remove(engine, "after_cursor_execute", note_marking)
        event.remove(engine, "commit", hold_commit)
    deliveries = platform.wait_for_messages(user, 2)
    assert [d.messages[0]["text"] for d in deliveries] == ["ข้อความที่ 1", "ข้อความที่ 2"]


def reply_calls(platform):
    return requests_to(platform, "/v2/bot/message/reply")


def test_a_reply_line_carried_out_but_answered_too_late_arrives_once(app, platform):
    user = platform.add_user(platform.new_user_id())["userId"]
    token = platform.issue_reply_token(user)
    # LINE delivers the reply but answers after our timeout: the outcome is unknown to the bot.
    platform.fail_next("/v2/bot/message/reply", status=None, delay=app.config["LINE_TIMEOUT"] + 0.5)
    [outbox_id] = queue(app, lambda: outbox.queue_reply(token, user, [text(1)], None))
    platform.wait_for_messages(user, 1)
    settle(app)
    [delivery] = platform.received(user)
    assert delivery.kind == "reply"
    # The retry with the same token was refused as used: the first call had delivered it.
    assert sorted(r["status"] for r in reply_calls(platform)) == [200, 400]
    assert requests_to(platform, "/v2/bot/message/push") == []
    assert row(app, outbox_id).status == "sent"


def test_a_reply_being_retried_stays_its_senders_until_it_is_done(app, platform, monkeypatch):
    """LINE answers 500 twice: before each retry the short claim on the reply is renewed, so no other
    delivery attempt (a sweep in another process) takes the row over while this one is still trying."""
    user = platform.add_user(platform.new_user_id())["userId"]
    token = platform.issue_reply_token(user)
    platform.fail_next("/v2/bot/message/reply", status=500, count=2)
    claims_between_tries = []
    backoff = time.sleep

    def wait_before_retry(seconds):  # time.sleep is shared: only the delivery's back-off is looked into
        if threading.current_thread().name.startswith("delivery"):
            claims_between_tries.append(db.session.scalar(select(OutboxMessage.claimed_until)))
            db.session.rollback()
        backoff(seconds)

    monkeypatch.setattr("bot.gateway.time.sleep", wait_before_retry)
    [outbox_id] = queue(app, lambda: outbox.queue_reply(token, user, [text(1)], None))
    platform.wait_for_messages(user, 1)
    settle(app)
    first, second = claims_between_tries
    assert second > first  # renewed at each retry, not left to run out
    assert row(app, outbox_id).attempts == 1 and row(app, outbox_id).status == "sent"
    assert platform.received(user)[0].kind == "reply"


def crash_after_claiming(app, reply_lands: bool, event_age: timedelta = timedelta(0)):
    """A process claims a reply row and is killed -9 before marking it sent; LINE may have delivered it."""
    user = app.platform.add_user(app.platform.new_user_id())["userId"]
    token = app.platform.issue_reply_token(user)
    with app.app_context():
        message = outbox.queue_reply(token, user, [text(1)], None, event_time=utcnow() - event_age)
        db.session.commit()
        assert outbox.claim(message.id)
        if reply_lands:
            gateway().reply(token, [text(1)], until=time.time() + 30)
        return user, message.id


def restart_and_sweep(app, monkeypatch, after: timedelta):
    """The restarted process sweeps `after` the claim was taken (its clock moved on; LINE's did not)."""
    later = utcnow() + after
    monkeypatch.setattr(outbox, "utcnow", lambda: later)
    with app.app_context():
        swept = sweep()
    assert jobs.runner(app).wait_idle(30)
    return swept


@pytest.mark.parametrize("reply_lands", [True, False], ids=["reply-landed", "reply-lost"])
def test_a_reply_claimed_before_a_crash_is_retried_with_its_token_inside_its_minute(
        embedded_app, platform, monkeypatch, reply_lands):
    embedded_app.platform = platform
    user, outbox_id = crash_after_claiming(embedded_app, reply_lands)
    with embedded_app.app_context():
        # The restarted process's sweeper wakes when the dead process's lease runs out, not a minute later.
        assert next_sweep_in(60) <= leases.LEASE.total_seconds() + 1
    assert restart_and_sweep(embedded_app, monkeypatch, leases.LEASE + timedelta(seconds=1)) == (0, 1)
    [delivery] = platform.received(user)
    assert delivery.kind == "reply"
    assert requests_to(platform, "/v2/bot/message/push") == []
    assert row(embedded_app, outbox_id).status == "sent"


def test_a_reply_of_unknown_outcome_past_its_token_minute_is_pushed_once(embedded_app, platform, monkeypatch):
    embedded_app.platform = platform
    user, outbox_id = crash_after_claiming(embedded_app, reply_lands=False, event_age=timedelta(seconds=40))
    restart_and_sweep(embedded_app, monkeypatch, leases.LEASE + timedelta(seconds=1))
    [delivery] = platform.received(user)
    assert delivery.kind == "push" and delivery.retry_key
    assert reply_calls(platform) == []  # a token that may be expired is not tried: a refusal would prove nothing
    assert row(embedded_app, outbox_id).status == "sent"


def test_messages_claimed_by_a_killed_process_are_taken_over_when_its_lease_runs_out(app, platform, monkeypatch,
                                                                                       caplog):
    """A worker claimed two pushes to one person and was killed -9 before sending: nobody renews its lease. The
    sweeper wakes as the lease runs out, seconds later, names the dead worker and takes over; both arrive once,
    in order."""
    user = platform.add_user(platform.new_user_id())["userId"]
    with app.app_context():
        first = outbox.queue_push(user, [text(1)])
        outbox.queue_push(user, [text(2)])
        db.session.commit()
        first_id = first.id
        assert outbox.claim(first_id)
        # The claim as the killed worker made it: in its name, and nothing renews it.
        db.session.execute(update(OutboxMessage).where(OutboxMessage.id == first_id)
                           .values(claimed_by="worker-2.example:4242"))
        db.session.commit()
        assert next_sweep_in(60) <= leases.LEASE.total_seconds() + 1
    lapsed = leases.LEASE + timedelta(seconds=1)
    assert lapsed < timedelta(seconds=15)
    with caplog.at_level(logging.WARNING, logger="bot.recovery"):
        assert restart_and_sweep(app, monkeypatch, lapsed) == (0, 1)  # the first; the second follows it
    assert "the lease of worker-2.example:4242 on 1 outgoing messages ran out" in caplog.text
    deliveries = platform.wait_for_messages(user, 2)
    assert [d.messages[0]["text"] for d in deliveries] == ["ข้อความที่ 1", "ข้อความที่ 2"]
    settle(app)
    assert row(app, first_id).status == "sent" and row(app, first_id).claimed_by is None


def test_a_live_process_renews_its_lease_and_keeps_its_message(embedded_app, platform, monkeypatch):
    """A delivery waiting long on LINE is not taken over: its process renews the lease before it runs out."""
    user = platform.add_user(platform.new_user_id())["userId"]
    with embedded_app.app_context():
        message = outbox.queue_push(user, [text(1)])
        db.session.commit()
        assert outbox.claim(message.id)
        claimed_at = utcnow()
        renewal = claimed_at + leases.LEASE - timedelta(seconds=2)
        monkeypatch.setattr(leases, "utcnow", lambda: renewal)
        assert leases.renew([message.id]) == 1
        with monkeypatch.context() as elsewhere:  # a process renews its own leases only
            elsewhere.setattr(leases, "claimant", lambda: "web-1.example:99")
            assert leases.renew([message.id]) == 0
    assert restart_and_sweep(embedded_app, monkeypatch, leases.LEASE + timedelta(seconds=1)) == (0, 0)
    assert platform.received(user) == []


def test_a_delivery_under_way_has_its_lease_renewed_until_it_is_done(embedded_app, platform, monkeypatch):
    user = platform.add_user(platform.new_user_id())["userId"]
    monkeypatch.setattr(leases, "RENEW_EVERY", timedelta(milliseconds=50))
    renewed = []
    renew = leases.renew
    monkeypatch.setattr(leases, "renew", lambda ids: renewed.append(renew(ids)) or renewed[-1])
    platform.fail_next("/v2/bot/message/push", status=None, delay=1.0)  # LINE takes a second to answer
    queue(embedded_app, lambda: outbox.queue_push(user, [text(1)]))
    platform.wait_for_messages(user, 1)
    settle(embedded_app)
    assert 1 in renewed  # renewed while LINE was answering
    assert len(platform.received(user)) == 1


def test_sent_and_failed_messages_keep_no_content(app, platform):
    user = platform.add_user(platform.new_user_id())["userId"]
    personal = {"type": "text", "text": "ครัวเรือนของนางบุญมี มีสุข บ้านเลขที่ 12 รายได้ 24,000 บาทต่อปี"}
    too_long = {"type": "text", "text": "นางบุญมี มีสุข " + "ก" * 5000}
    sent, failed = queue(app, lambda: [outbox.queue_push(user, [personal, text(2)]),
                                       outbox.queue_push(user, [too_long])])
    platform.wait_for_messages(user, 1)
    settle(app)
    assert platform.received(user)[0].messages == [personal, text(2)]
    assert row(app, sent).status == "sent" and row(app, failed).status == "failed"
    for outbox_id in (sent, failed):
        kept = row(app, outbox_id)
        assert "บุญมี" not in repr(kept.messages) and "บุญมี" not in (kept.error or "")
        assert kept.sealed is None
    assert row(app, sent).messages == [{"type": "text"}, {"type": "text"}]


def test_a_secret_message_is_stored_sealed_and_sent_readable(embedded_app, platform):
    user = platform.add_user(platform.new_user_id())["userId"]
    secret = {"type": "text", "text": "รหัสเชิญ: 4821 9937"}
    with embedded_app.app_context():
        message = outbox.queue_push(user, [secret], secret=True)
        db.session.commit()
        stored = db.session.execute(select(OutboxMessage.messages, OutboxMessage.sealed)).one()
        assert "4821" not in repr(stored.messages) and b"4821" not in stored.sealed
        outbox_id = message.id
        outbox.deliver(outbox_id)
    assert platform.received(user)[0].messages == [secret]
    assert row(embedded_app, outbox_id).sealed is None


def test_a_secret_message_sealed_under_another_key_fails_without_retrying_forever(embedded_app, platform):
    user = platform.add_user(platform.new_user_id())["userId"]
    with embedded_app.app_context():
        message = outbox.queue_push(user, [text(1)], secret=True)
        db.session.commit()
        embedded_app.config["OUTBOX_KEY"] = "another outbox key, set since the message was queued"
        outbox_id = message.id
        outbox.deliver(outbox_id)
    assert platform.received(user) == []
    failed = row(embedded_app, outbox_id)
    assert failed.status == "failed" and "OUTBOX_KEY" in failed.error
