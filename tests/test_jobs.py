"""Background jobs: in one process a job waiting to start is not queued again; an RQ worker stops when asked."""

import threading

from rq import Queue

from bot import create_app, jobs
from tests.helpers import wait_until

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
