"""Background jobs in one process: a job waiting to start is not queued again."""

import threading

from bot import jobs

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
