"""The LINE gateway's read calls, and an event raced for by several workers, on each backend."""

import concurrent.futures

import pytest
from sqlalchemy import func, select

from bot import inbox
from bot.gateway import LineError, gateway
from models import InboxEvent, OutboxMessage, db
from tests.helpers import settle


def test_profile_loading_animation_and_content_go_through_the_gateway(embedded_app, platform):
    user = platform.add_user(platform.new_user_id(), display_name="บุญมี", language="th")["userId"]
    platform.store_content("m-1", b"\xff\xd8photo", "image/jpeg")
    with embedded_app.app_context():
        line = gateway()
        assert line.get_profile(user).display_name == "บุญมี"
        with pytest.raises(LineError) as missing:
            line.get_profile(platform.new_user_id())
        assert missing.value.status == 404 and not missing.value.transient
        line.show_loading(user, 20)
        assert line.get_content("m-1") == b"\xff\xd8photo"
    calls = [(r["method"], r["path"]) for r in platform.requests]
    assert ("POST", "/v2/bot/chat/loading/start") in calls
    assert all(r["headers"].get("Authorization") == f"Bearer {embedded_app.config['LINE_CHANNEL_ACCESS_TOKEN']}"
               for r in platform.requests)


def test_no_answer_from_line_is_a_transient_error(embedded_app, platform):
    with embedded_app.app_context():
        line = gateway()
        line.retries = 0
        platform.fail_next("/v2/bot/message/push", status=None, delay=embedded_app.config["LINE_TIMEOUT"] + 0.5)
        with pytest.raises(LineError) as timeout:
            line.push(platform.new_user_id(), [{"type": "text", "text": "x"}], "6f1c5a7e-0000-4000-8000-000000000001")
        assert timeout.value.transient and timeout.value.status is None


def test_two_workers_handling_the_same_event_at_once_handle_it_once(app, line, platform):
    user = platform.add_user(platform.new_user_id())["userId"]
    with app.app_context():
        inbox.store([line.text(user, "พร้อมกัน")])  # stored, not queued: the workers below race for it
        [event] = inbox.pending(user)
        event_id = event.id

    def work():
        with app.app_context():
            inbox.process(event)

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda _: work(), range(4)))
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1
        assert db.session.get(InboxEvent, event_id).attempts == 1
    platform.wait_for_messages(user, 1)
    settle(app)
    assert len(platform.received(user)) == 1
