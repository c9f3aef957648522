"""GET /healthz (ready or not, the queue) and GET /metrics (Prometheus), as a load balancer and a scraper see them."""

import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import delete

from bot import create_app, inbox, jobs, outbox
from core.i18n import gettext
from models import InboxEvent, OutboxMessage, db, utcnow
from support.servers import free_port
from tests.helpers import base_config, settle

ROOT = Path(__file__).resolve().parent.parent
NOT_AVAILABLE = "รหัสเชิญ"  # a stranger is asked for an invitation code
SORRY = gettext("Sorry, the system could not process that message. Please try again.", "th")


def stop(app) -> None:
    jobs.runner(app).shutdown()
    with app.app_context():
        db.engine.dispose()


def grown(before: dict, after: dict, name: str, **labels) -> float:
    key = (name, tuple(sorted(labels.items())))
    return after.get(key, 0) - before.get(key, 0)


def scrape(client) -> dict[tuple, float]:
    """Every sample of /metrics, by its name and labels."""
    answer = client.get("/metrics")
    assert answer.status_code == 200
    assert answer.content_type.startswith("text/plain")
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(answer.get_data(as_text=True)) for sample in family.samples}


def test_healthz_says_ready_with_the_queue(app):
    client = app.test_client()
    answer = client.get("/healthz")
    assert answer.status_code == 200
    assert answer.json == {"status": "ok", "database": "ok", "redis": "ok",
                           "queue": {"pending_events": 0, "pending_messages": 0, "oldest_pending_event_seconds": None}}

    with app.app_context():  # an event waiting 30 s and a message not yet sent
        db.session.add(InboxEvent(webhook_event_id="01HEALTHZ", user_key="U" + "9" * 32, event_type="message",
                                  payload={}, received_at=utcnow() - timedelta(seconds=30)))
        db.session.add(OutboxMessage(kind="push", recipients=["U" + "9" * 32], user_key="U" + "9" * 32,
                                     messages=[{"type": "text", "text": "x"}], retry_key="0" * 36,
                                     next_attempt_at=utcnow() + timedelta(hours=1)))
        db.session.commit()
    try:
        queue = client.get("/healthz").json["queue"]
        assert queue["pending_events"] == 1
        assert queue["pending_messages"] == 1
        assert 30 <= queue["oldest_pending_event_seconds"] < 60
        samples = scrape(client)
        assert samples[("queue_pending_events", ())] == 1
        assert samples[("queue_pending_messages", ())] == 1
        assert samples[("queue_oldest_pending_event_seconds", ())] >= 30
    finally:
        with app.app_context():  # nothing left for the teardown to wait on
            db.session.execute(delete(InboxEvent))
            db.session.execute(delete(OutboxMessage))
            db.session.commit()


def test_healthz_is_503_naming_the_database_when_it_is_unreachable(emulator):
    url = f"postgresql://bot:bot@127.0.0.1:{free_port()}/bot?connect_timeout=2"
    app = create_app(base_config(emulator.url) | {"DATABASE_URL": url})
    try:
        answer = app.test_client().get("/healthz")
        assert answer.status_code == 503
        assert answer.json["status"] == "unavailable"
        assert answer.json["database"] == "unreachable"
        assert answer.json["redis"] == "ok"
        assert "database unreachable" in answer.json["error"]
        assert "queue" not in answer.json
        metrics = app.test_client().get("/metrics")  # the counters still, without the queue
        assert metrics.status_code == 200
        assert "queue_pending_events" not in metrics.get_data(as_text=True)
    finally:
        stop(app)


def test_healthz_is_503_naming_redis_when_it_is_unreachable(emulator, tmp_path, sqlite_template):
    path = tmp_path / "bot.sqlite3"
    shutil.copy(sqlite_template, path)
    app = create_app(base_config(emulator.url) | {"DATABASE_URL": f"sqlite:///{path}",
                                                   "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"})
    try:
        answer = app.test_client().get("/healthz")
        assert answer.status_code == 503
        assert answer.json["database"] == "ok"
        assert answer.json["redis"] == "unreachable"
        assert "redis unreachable" in answer.json["error"]
        assert answer.json["queue"]["pending_events"] == 0
    finally:
        stop(app)


def test_metrics_count_a_chat_message_handled_and_its_reply_sent(app, new_user):
    client = app.test_client()
    before = scrape(client)
    stranger = new_user()
    assert NOT_AVAILABLE in stranger.say("สวัสดี")
    settle(app)
    after = scrape(client)

    assert after[("events_handled_total", ())] >= 1
    assert grown(before, after, "events_received_total") >= 1
    assert grown(before, after, "events_handled_total") >= 1
    assert grown(before, after, "event_handled_seconds_count") >= 1
    assert grown(before, after, "outbox_sent_total", kind="reply") >= 1
    assert grown(before, after, "outbox_delivered_seconds_count", kind="reply") >= 1
    assert grown(before, after, "line_api_calls_total", status="2xx") >= 1
    assert after[("queue_pending_events", ())] == 0


def test_metrics_count_a_message_line_refuses_as_failed_by_its_kind(app, platform):
    client = app.test_client()
    before = scrape(client)
    user = platform.add_user(platform.new_user_id())["userId"]
    with app.app_context():
        rows = [outbox.queue_push(user, [{"type": "text", "text": "ก" * 5001}])]  # over LINE's 5,000 characters
        db.session.commit()
        outbox.send_later(rows)
    settle(app)
    after = scrape(client)
    assert grown(before, after, "outbox_failed_total", kind="push") == 1
    assert grown(before, after, "outbox_sent_total", kind="push") == 0
    assert grown(before, after, "line_api_calls_total", status="400") == 1


def test_metrics_count_an_event_that_failed(embedded_app, staff_chat, monkeypatch):
    def broken(event, fetched):
        raise ValueError("a handler's bug")

    monkeypatch.setattr(inbox, "handle", broken)
    client = embedded_app.test_client()
    before = scrape(client)
    assert staff_chat.say("สวัสดี") == SORRY
    settle(embedded_app)
    after = scrape(client)
    assert grown(before, after, "events_failed_total") == 1
    assert grown(before, after, "events_handled_total") == 0
    assert grown(before, after, "outbox_sent_total", kind="reply") == 1  # the apology


def test_metrics_add_up_what_other_processes_counted_in_multiprocess_mode(embedded_app, tmp_path, monkeypatch):
    """A worker process counts into PROMETHEUS_MULTIPROC_DIR; a web process's /metrics shows its figures."""
    shared = tmp_path / "prometheus"
    shared.mkdir()
    worker = "from bot import metrics; metrics.event_handled(0.2); metrics.message_sent('push', 1.5)"
    subprocess.run([sys.executable, "-c", worker], cwd=ROOT, check=True,
                   env={"PROMETHEUS_MULTIPROC_DIR": str(shared), "PATH": "/usr/bin:/bin"})
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(shared))
    samples = scrape(embedded_app.test_client())
    assert samples[("events_handled_total", ())] == 1
    assert samples[("outbox_sent_total", (("kind", "push"),))] == 1
    assert samples[("outbox_delivered_seconds_bucket", (("kind", "push"), ("le", "2.5")))] == 1
    assert samples[("queue_pending_events", ())] == 0
