"""Background jobs: in one process a job waiting to start is not queued again; an RQ worker stops when asked, and
carries on after Redis is flushed under it."""

import logging
import shutil
import signal
import threading
from datetime import timedelta

import pytest
from rq import Queue
from rq.registry import FailedJobRegistry
from sqlalchemy import update

from bot import create_app, inbox, jobs
from bot.redis_store import get_redis
from emulator import LineDriver
from models import InboxEvent, db, utcnow
from support import servers
from tests.helpers import SECRET, base_config, wait_until

started: list[str] = []
release = threading.Event()


def hold(_slot: int) -> None:
    release.wait(10)


def note(name: str) -> None:
    started.append(name)


def test_a_job_already_waiting_to_start_is_not_queued_twice(embedded_app):
    runner = jobs.runner(embedded_app)
    started.clear()
    release.clear()
    for slot in range(embedded_app.config["EVENT_THREADS"]):  # every events thread busy
        runner.enqueue("events", hold, slot)
    runner.enqueue("events", note, "drain user A")
    runner.enqueue("events", note, "drain user A")  # e.g. a second message while the first job waits
    runner.enqueue("events", note, "drain user B")
    release.set()
    assert runner.wait_idle(10)
    assert sorted(started) == ["drain user A", "drain user B"]

    runner.enqueue("events", note, "drain user A")  # started and done: it may be queued again
    assert runner.wait_idle(10)
    assert started.count("drain user A") == 2


def test_a_worker_asked_to_stop_stops_at_once(real_servers):
    """Stopping a worker ends its command listener. A listener that has already seen the unsubscription
    waits for a new subscription: for a minute at a time, it was, and the worker with it."""
    connection = create_app(real_servers).extensions["redis"]
    worker = jobs.AppWorker([Queue("events", connection=connection)], connection=connection)
    worker.subscribe()
    worker.pubsub.unsubscribe()  # how stopping begins
    wait_until(lambda: not worker.pubsub.subscribed, message="the listener did not see the unsubscription")
    stopping = threading.Thread(target=worker.unsubscribe, daemon=True)
    stopping.start()
    stopping.join(10)
    assert not stopping.is_alive(), "the worker is still waiting for its command listener"


def drain_after_a_flush(key: str) -> None:
    """An operator's FLUSHALL lands while a worker handles a user's events."""
    get_redis().flushall()
    inbox.drain(key)


@pytest.fixture
def own_redis():
    """A Redis of this test's own: it is flushed."""
    if not servers.redis_binary():
        pytest.skip("redis-server not installed")
    with servers.RedisServer() as redis_server:
        yield redis_server.url


def test_a_worker_carries_on_after_redis_is_flushed_and_what_was_queued_is_handled(
        own_redis, emulator, platform, sqlite_template, tmp_path, caplog):
    """RQ found the job it had just run gone from Redis, logged it as failed with a traceback and stored it as
    failed; now that is one warning, and a sweep queues again the other user's job the flush took."""
    platform.reset()
    path = tmp_path / "bot.sqlite3"
    shutil.copy(sqlite_template, path)
    app = create_app(base_config(emulator.url) | {"DATABASE_URL": f"sqlite:///{path}", "REDIS_URL": own_redis})
    line = LineDriver(platform, emulator.url + "/callback", SECRET)
    first, second = (platform.add_user(platform.new_user_id())["userId"] for _ in range(2))
    with app.app_context():
        inbox.store([line.text(first, "สวัสดี"), line.text(second, "สวัสดี")])
        # Stored a while ago, as a sweep finds them (a fresh event is left to its own job).
        db.session.execute(update(InboxEvent).values(received_at=utcnow() - timedelta(minutes=1)))
        db.session.commit()
    connection = app.extensions["redis"]
    events = Queue("events", connection=connection)
    events.enqueue(drain_after_a_flush, first, result_ttl=0, failure_ttl=86400)
    events.enqueue(inbox.drain, second, result_ttl=0, failure_ttl=86400)  # taken by the flush
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with caplog.at_level(logging.INFO):
            jobs.run_worker(app, ["events"], burst=True)
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    try:
        assert len(platform.wait_for_messages(first, 1)) == 1
        assert len(platform.wait_for_messages(second, 1)) == 1
        assert "Redis no longer knows it (flushed?)" in caplog.text
        assert not [record for record in caplog.records if record.exc_info], "a traceback was logged"
        assert FailedJobRegistry("events", connection=connection).count == 0
    finally:
        jobs.runner(app).shutdown()
        with app.app_context():
            db.engine.dispose()


def test_a_worker_whose_loop_ends_on_an_unexpected_error_exits_with_a_failure(own_redis, emulator, sqlite_template,
                                                                            tmp_path, monkeypatch):
    """RQ ends its loop on an error it did not expect and returns as if asked to stop; the worker command then
    exits with status 1, so that systemd (Restart=on-failure) starts it again instead of leaving it dead."""
    path = tmp_path / "bot.sqlite3"
    shutil.copy(sqlite_template, path)
    app = create_app(base_config(emulator.url) | {"DATABASE_URL": f"sqlite:///{path}", "REDIS_URL": own_redis})

    def broken(*_args, **_kwargs):
        raise ValueError("something RQ did not expect")

    monkeypatch.setattr(jobs.AppWorker, "dequeue_job_and_maintain_ttl", broken)
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with pytest.raises(SystemExit) as exited:
            jobs.run_worker(app, ["events"])
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
        jobs.runner(app).shutdown()
        with app.app_context():
            db.engine.dispose()
    assert exited.value.code != 0
