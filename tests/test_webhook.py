"""POST /callback: signatures, bad bodies, exactly-once handling, order, and fast answers."""

import concurrent.futures
import json
import logging
from datetime import timedelta
from functools import reduce
from operator import getitem

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select, update

from bot import create_app, inbox
from bot.recovery import SWEEP_LOCK, SWEEP_LOCK_SECONDS, sweep
from bot.redis_store import get_redis
from core.i18n import gettext
from emulator import LineDriver
from models import InboxEvent, LineUser, OutboxMessage, db, utcnow
from support.servers import free_port
from tests.helpers import PROPERTY, SECRET, LiveServer, adversarial_text, base_config, settle

NOT_AVAILABLE = "รหัสเชิญ"  # a stranger is asked for an invitation code


def texts(deliveries):
    return [m["text"] for d in deliveries for m in d.messages if m["type"] == "text"]


def stored_events(app):
    with app.app_context():
        return db.session.scalars(select(InboxEvent).order_by(InboxEvent.id)).all()


def test_missing_or_wrong_signature_is_refused_and_nothing_stored(app, line, platform):
    user = platform.add_user(platform.new_user_id())["userId"]
    body = line.body(line.text(user, "สวัสดี"))
    assert line.post(body, signature="").status_code == 400
    assert line.post(body, signature=line.sign(body + b" ")).status_code == 400
    impostor = LineDriver(platform, line.webhook_url, "f" * 32)
    assert line.post(body, signature=impostor.sign(body)).status_code == 400
    settle(app)
    assert stored_events(app) == []
    assert platform.received(user) == []


def test_body_over_one_mebibyte_is_refused(app, line):
    body = json.dumps({"destination": "U0", "events": [], "pad": "x" * (1024 * 1024)}).encode()
    assert line.post(body).status_code == 413


def signed_text_event(**changes) -> dict:
    """A text event from a made-up user, with fields changed (None removes one), for bodies that are refused."""
    event = {"type": "message", "mode": "active", "timestamp": 1700000000000,
             "webhookEventId": "01J0000000000000000000000B", "source": {"type": "user", "userId": "U" + "1" * 32},
             "deliveryContext": {"isRedelivery": False},
             "replyToken": "0" * 32, "message": {"type": "text", "id": "1", "text": "สวัสดี", "quoteToken": "q"}}
    for key, value in changes.items():
        if value is None:
            event.pop(key)
        else:
            event[key] = value
    return event


NESTED_16_DEEP = json.loads("[" * 16 + "]" * 16)  # in a message: far deeper than any event LINE sends


def body_of(*events: dict, ensure_ascii: bool = False) -> bytes:
    return json.dumps({"destination": "U0", "events": list(events)}, ensure_ascii=ensure_ascii).encode()


@pytest.mark.parametrize("body", [
    b"{not json",
    b"[]",
    b'{"destination": "U0"}',
    json.dumps({"destination": "U0", "events": [{"type": "message", "timestamp": "soon",
                                                  "webhookEventId": "01J0000000000000000000000A"}]}).encode(),
    b'{"destination": "U0", "events": [' + b"[" * 100_000 + b"]" * 100_000 + b"]}",
    body_of(signed_text_event(message={"type": "text", "id": "1", "text": "x", "more": NESTED_16_DEEP})),
    body_of(signed_text_event(type=None)),
    body_of(signed_text_event(message={"id": "1", "text": "สวัสดี"})),
    body_of(signed_text_event(source="U" + "1" * 32)),
    body_of(signed_text_event(source=["U" + "1" * 32])),
    body_of(signed_text_event(source={"type": "user", "userId": 7})),
    body_of(signed_text_event(webhookEventId="0" * 65)),
    body_of(signed_text_event(type="x" * 33)),
    body_of(signed_text_event(replyToken=12)),
    body_of(signed_text_event(deliveryContext="yes")),
    body_of(signed_text_event(message={"type": "text", "id": "1", "text": "\ud800"}), ensure_ascii=True),
    body_of(signed_text_event(timestamp=float("nan"))),
    body_of(signed_text_event(timestamp=10**20)),
    body_of(signed_text_event(timestamp=-10**16)),
    body_of(signed_text_event(type="\x00")),
    b'{"destination": "U0", "events": [{"webhookEventId": "01J0000000000000000000000C", "type": "x", "n": 1e999}]}',
    b'{"destination": "U0", "events": [{"webhookEventId": "01J0000000000000000000000C", "type": "x", "n": ' +
    b"9" * 5000 + b"}]}",
], ids=["not JSON", "a list", "no events", "a bad timestamp", "nested 100,000 deep", "nested 20 deep",
        "an event without type", "a message without type", "a source that is a string", "a source that is a list",
        "a numeric userId", "a webhookEventId too long", "a type too long", "a numeric replyToken",
        "a deliveryContext that is a string", "an unpaired surrogate", "NaN", "a time far in the future",
        "a time far in the past", "a NUL for a type", "an infinite number", "5,000 digits"])
def test_malformed_bodies_are_refused_and_the_server_keeps_working(app, line, platform, body, caplog):
    with caplog.at_level(logging.WARNING, logger="bot.webhook"):
        assert line.post(body).status_code == 400
    assert "webhook refused" in caplog.text
    user = platform.add_user(platform.new_user_id())["userId"]
    assert line.send(line.text(user, "ยังอยู่ไหม")).status_code == 200
    assert NOT_AVAILABLE in " ".join(texts(platform.wait_for_messages(user, 1)))


def test_a_nul_anywhere_in_an_event_is_dropped_before_it_is_stored(app, line, platform):
    """PostgreSQL stores no NUL in text: an id or a text carrying one is stored without it, and answered."""
    user = platform.add_user(platform.new_user_id())["userId"]
    event = line.text(user, "สวัสดี\x00ค่ะ")
    event["webhookEventId"] += "\x00"
    assert line.send(event).status_code == 200
    assert NOT_AVAILABLE in " ".join(texts(platform.wait_for_messages(user, 1)))


def test_verify_request_without_events_answers_200(app, line):
    assert line.send().status_code == 200
    assert stored_events(app) == []


def test_text_from_a_stranger_gets_a_polite_thai_answer(app, line, platform):
    user = platform.add_user(platform.new_user_id())["userId"]
    assert line.send(line.text(user, "สวัสดีครับ")).status_code == 200
    [reply] = platform.wait_for_messages(user, 1)
    assert reply.kind == "reply"
    assert "ยินดีต้อนรับ" in reply.messages[0]["text"] and NOT_AVAILABLE in reply.messages[1]["text"]


def test_follow_greets_by_profile_and_unfollow_is_recorded(app, line, platform):
    user = platform.add_user(platform.new_user_id(), display_name="สมศรี")["userId"]
    line.send(line.follow(user))
    [greeting] = platform.wait_for_messages(user, 1)
    assert "สวัสดี" in greeting.messages[0]["text"]
    line.send(line.unfollow(user))
    settle(app)
    with app.app_context():
        person = db.session.get(LineUser, user)
        assert person.display_name == "สมศรี"
        assert person.following is False and person.unfollowed_at is not None


@pytest.mark.parametrize("kind", ["image", "sticker", "location"])
def test_non_text_messages_where_text_is_expected_get_a_polite_redirect(app, line, platform, kind):
    user = platform.add_user(platform.new_user_id())["userId"]
    line.send(line.text(user, "สวัสดี"))  # the invitation-code question is now open
    event = {"image": lambda: line.image(user), "sticker": lambda: line.sticker(user),
             "location": lambda: line.location(user, 14.97, 102.1, "บ้าน")}[kind]()
    assert line.send(event).status_code == 200
    first, redirect = platform.wait_for_messages(user, 2)
    assert "ขอบคุณ" in redirect.messages[0]["text"] and NOT_AVAILABLE in redirect.messages[0]["text"]


def test_a_postback_from_a_stranger_opens_registration(app, line, platform):
    user = platform.add_user(platform.new_user_id())["userId"]
    assert line.send(line.postback(user, "menu=staff")).status_code == 200
    [reply] = platform.wait_for_messages(user, 1)
    assert NOT_AVAILABLE in " ".join(texts([reply]))


def test_unknown_event_types_are_accepted_and_ignored(app, line, platform):
    user = platform.add_user(platform.new_user_id())["userId"]
    odd = line.text(user, "x") | {"type": "somethingNew", "somethingNew": {"level": 1}}
    odd.pop("message")
    known = line.text(user, "ทดสอบ")
    assert line.send(odd, known).status_code == 200
    assert len(platform.wait_for_messages(user, 1)) == 1
    settle(app)
    assert [e.status for e in stored_events(app)] == ["done", "done"]
    assert len(platform.received(user)) == 1


def test_same_event_twice_at_once_and_redelivered_has_effect_once(app, line, platform):
    user = platform.add_user(platform.new_user_id())["userId"]
    event = line.text(user, "ซ้ำ")
    body = line.body(event)
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: line.post(body).status_code, range(8)))
    assert answers == [200] * 8
    line.send(line.redeliver(event))
    platform.wait_for_messages(user, 1)
    settle(app)
    assert len(platform.received(user)) == 1
    assert len(stored_events(app)) == 1
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(OutboxMessage)) == 1


def test_one_users_events_are_handled_in_the_order_received(app, line, platform):
    users = [platform.add_user(platform.new_user_id())["userId"] for _ in range(3)]
    for i in range(8):
        for user in users:
            line.send(line.text(user, f"ข้อความ {i}"))
    for user in users:
        platform.wait_for_messages(user, 8)
    settle(app)
    with app.app_context():
        for user in users:
            events = db.session.scalars(select(InboxEvent).where(InboxEvent.user_key == user)
                                        .order_by(InboxEvent.id)).all()
            handled = [e.processed_at for e in events]
            assert handled == sorted(handled)
            ids = [e.webhook_event_id for e in events]
            replies = db.session.scalars(select(OutboxMessage.source_event_id)
                                         .where(OutboxMessage.source_event_id.in_(ids))
                                         .order_by(OutboxMessage.id)).all()
            assert replies == ids


def test_a_slow_user_does_not_hold_up_another(app, line, platform):
    slow, quick = (platform.add_user(platform.new_user_id())["userId"] for _ in range(2))
    gate = platform.hold("/v2/bot/profile")
    try:
        line.send(line.follow(slow))  # its handler waits on the held profile call
        assert gate.wait_until_held(10)
        line.send(line.text(quick, "ด่วน"))
        platform.wait_for_messages(quick, 1)
        assert platform.received(slow) == []
    finally:
        gate.release()
    platform.wait_for_messages(slow, 1)


def test_a_message_waits_for_the_same_persons_earlier_event(app, line, platform):
    """A text is handled on arrival only when its sender has nothing waiting: here the follow
    before it waits on LINE for the profile, so the text is answered after the greeting."""
    user = platform.add_user(platform.new_user_id())["userId"]
    gate = platform.hold("/v2/bot/profile")
    try:
        assert line.send(line.follow(user)).status_code == 200
        assert gate.wait_until_held(10)
        assert line.send(line.text(user, "มีใครอยู่ไหม")).status_code == 200
    finally:
        gate.release()
    greeting, answer = platform.wait_for_messages(user, 2)
    assert "สวัสดี" in greeting.messages[0]["text"] and "สวัสดี" not in " ".join(texts([answer]))


def test_replies_to_different_people_are_sent_together_while_line_is_slow(app, line, platform):
    """Sending waits on LINE's network; in every deployment the calls run side by side, so one slow
    call does not hold up the others (nor let their reply tokens expire in a queue)."""
    users = [platform.add_user(platform.new_user_id())["userId"] for _ in range(3)]
    gate = platform.hold("/v2/bot/message/reply")
    try:
        for user in users:
            assert line.send(line.text(user, "พร้อมกัน")).status_code == 200
        assert gate.wait_until_held(10, calls=3)
    finally:
        gate.release()
    for user in users:
        platform.wait_for_messages(user, 1)


def test_events_arriving_while_the_process_is_busy_are_handled_in_the_background(app, line, platform,
                                                                                    monkeypatch):
    """Under a burst the webhook stores events and answers at once; they are still handled, in order."""
    monkeypatch.setattr(inbox, "_handling_slots", inbox.threading.BoundedSemaphore(1))
    inbox._handling_slots.acquire()  # every slot taken by other requests
    user = platform.add_user(platform.new_user_id())["userId"]
    for text in ("หนึ่ง", "สอง"):
        assert line.send(line.text(user, text)).status_code == 200
    platform.wait_for_messages(user, 2)
    settle(app)
    assert [e.status for e in stored_events(app)] == ["done", "done"]


def test_answer_does_not_wait_for_a_slow_line_api(app, line, platform):
    user = platform.add_user(platform.new_user_id())["userId"]
    gate = platform.hold("/v2/bot/message/reply")
    try:
        assert line.send(line.text(user, "เร็วไหม")).status_code == 200
        assert gate.wait_until_held(10)  # the reply is still stuck at LINE, yet LINE had its 200
        assert platform.received(user) == []
    finally:
        gate.release()
    platform.wait_for_messages(user, 1)


def test_a_failing_event_does_not_lose_the_others(embedded_app, platform, monkeypatch, caplog):
    from bot import events

    real_handle = events.handle

    def handle(event, fetched):
        if getattr(getattr(event, "message", None), "text", "") == "พัง":
            raise RuntimeError("handler bug")
        return real_handle(event, fetched)

    monkeypatch.setattr(inbox, "handle", handle)
    server = LiveServer(embedded_app)
    try:
        line = LineDriver(platform, server.url + "/callback", SECRET)
        first, second = (platform.add_user(platform.new_user_id())["userId"] for _ in range(2))
        bad = line.text(first, "พัง")
        with caplog.at_level(logging.ERROR, logger="bot.inbox"):
            assert line.send(line.text(first, "ก่อน"), bad, line.text(first, "หลัง"),
                             line.text(second, "อื่น")).status_code == 200
            before, apology, after = platform.wait_for_messages(first, 3)
            platform.wait_for_messages(second, 1)
            settle(embedded_app)
        assert texts([apology]) == [gettext("Sorry, the system could not process that message. Please try again.")]
        assert len(platform.received(first)) == 3
        assert bad["webhookEventId"] in caplog.text
        statuses = {e.webhook_event_id: e.status for e in stored_events(embedded_app)}
        assert statuses[bad["webhookEventId"]] == "failed"
        assert sorted(statuses.values()) == ["done", "done", "done", "failed"]
    finally:
        server.stop()


def test_unreachable_database_answers_503_and_the_redelivery_is_handled_once(app, line, platform, emulator):

    broken = create_app(base_config(emulator.url) | {
        "DATABASE_URL": f"postgresql://nobody@127.0.0.1:{free_port()}/none"})
    server = LiveServer(broken)
    try:
        user = platform.add_user(platform.new_user_id())["userId"]
        event = line.text(user, "ฐานข้อมูลล่ม")
        outage = LineDriver(platform, server.url + "/callback", SECRET)
        assert outage.send(event).status_code == 503
    finally:
        server.stop()
    assert line.send(line.redeliver(event)).status_code == 200
    platform.wait_for_messages(user, 1)
    settle(app)
    assert len(platform.received(user)) == 1


def test_events_whose_job_was_lost_are_picked_up_by_the_sweeper(app, line, platform):
    user = platform.add_user(platform.new_user_id())["userId"]
    event = line.text(user, "ค้าง")
    with app.app_context():
        inbox.store([event])  # stored, then the process died before queueing it
        db.session.execute(update(InboxEvent).values(received_at=utcnow() - timedelta(minutes=1)))
        db.session.commit()
        assert platform.received(user) == []
        assert sweep()[0] == 1
    platform.wait_for_messages(user, 1)


def test_one_process_sweeps_at_a_time(app, line, platform):
    user = platform.add_user(platform.new_user_id())["userId"]
    with app.app_context():
        inbox.store([line.text(user, "ค้าง")])
        db.session.execute(update(InboxEvent).values(received_at=utcnow() - timedelta(minutes=1)))
        db.session.commit()
        other = get_redis().lock(SWEEP_LOCK, timeout=SWEEP_LOCK_SECONDS)  # another process is sweeping
        assert other.acquire(blocking=False)
        assert sweep() == (0, 0) and platform.received(user) == []  # this one skips its turn
        other.release()
        assert sweep()[0] == 1
    platform.wait_for_messages(user, 1)


def test_a_handled_event_keeps_nothing_the_person_typed(app, line, platform):
    user = platform.add_user(platform.new_user_id())["userId"]
    line.send(line.text(user, "3100600445635"))
    platform.wait_for_messages(user, 1)
    settle(app)
    [event] = stored_events(app)
    assert event.status == "done" and "3100600445635" not in str(event.payload)
    assert event.payload["message"]["type"] == "text" and event.payload["source"]["userId"] == user


# ---- any signed body --------------------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20) | adversarial_text,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3),
    max_leaves=8)
ONE_MEBIBYTE = 1024 * 1024  # the largest body the webhook reads
DEEP = "\x00deep"  # a placeholder, replaced in the JSON text by arrays nested `depth` levels deep


def _paths(value, path=()):
    """Every place in an event: the keys and indexes that lead there."""
    yield path
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        yield from _paths(item, (*path, key))


def _mutated(data, event: dict) -> dict:
    """The event with up to three fields removed, replaced by any JSON value, or nested deeply."""
    for _ in range(data.draw(st.integers(0, 3), label="changes")):
        places = list(_paths(event))[1:]
        if not places:
            break
        path = data.draw(st.sampled_from(places), label="where")
        parent, key = reduce(getitem, path[:-1], event), path[-1]
        change = data.draw(st.sampled_from(["remove", "replace", "nest"]), label="change")
        if change == "remove":
            del parent[key]
        else:
            parent[key] = data.draw(JSON_VALUES, label="value") if change == "replace" else DEEP
    return event


def _signed_body(data, line, user: str) -> bytes:
    if data.draw(st.integers(0, 9), label="raw bytes?") == 0:
        return data.draw(st.binary(max_size=300), label="bytes")
    make = data.draw(st.sampled_from([
        lambda: line.text(user, data.draw(adversarial_text, label="text")),
        lambda: line.postback(user, data.draw(adversarial_text, label="data")[:300]),
        lambda: line.follow(user), lambda: line.unfollow(user), lambda: line.sticker(user),
        lambda: line.location(user, 14.97, 102.1, "บ้าน"),
    ]), label="event")
    event = _mutated(data, make())
    payload = {"destination": line.destination, "events": [event]}
    try:
        text = json.dumps(payload, ensure_ascii=False)
        text.encode()
    except UnicodeEncodeError:  # an unpaired surrogate can only travel escaped
        text = json.dumps(payload)
    depth = data.draw(st.sampled_from([5, 20, 2_000, 200_000]), label="depth")
    return text.replace(json.dumps(DEEP), "[" * depth + "]" * depth).encode()


def test_every_signed_body_gets_200_or_400_and_every_accepted_event_is_handled(app, line, platform):
    """Events with fields removed, of the wrong type, nested deep, hostile text, or plain bytes, all signed:
    never a 500, and nothing accepted fails when handled."""
    user = platform.add_user(platform.new_user_id())["userId"]
    answers = {}

    @PROPERTY
    @given(st.data())
    def post_any_signed_body(data):
        body = _signed_body(data, line, user)
        status = line.post(body).status_code
        assert status in ((200, 400) if len(body) <= ONE_MEBIBYTE else (413,))
        answers[status] = answers.get(status, 0) + 1

    post_any_signed_body()
    assert answers.get(200) and answers.get(400)  # both ways were tried: events handled, bodies refused
    settle(app)
    assert [(event.event_type, event.error) for event in stored_events(app) if event.status != "done"] == []
