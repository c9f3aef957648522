"""The embedded database: one SQLite file shared by the web requests and the background threads.

SQLite lets one writer in at a time, and every transaction here takes the write lock up front
(BEGIN IMMEDIATE), so the app keeps a single connection: threads queue for it in the pool and are
woken when it is free, instead of napping in SQLite's busy handler (up to 100 ms a try) while the
lock sits unused. The queue puts webhook requests first: LINE is waiting on those; a job can wait.
"""

import threading
from collections import deque

from sqlalchemy import event, exc
from sqlalchemy.pool import QueuePool

from bot import jobs


class RequestsFirstPool(QueuePool):
    """The one connection, requests first: a job takes its place in the queue only when no request is
    waiting and no other job is in it, so a request finds at most one job ahead of it, however many
    are waiting. (A plain queue lets the thread that just gave the connection back take it again
    before the woken waiter runs: one busy job thread could keep every request waiting for seconds.)
    Jobs go in the order they asked: a bare condition wakes one at random, so under a backlog of 32
    delivery threads a job (the sweep) could be passed over again and again."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._turn = threading.Condition()  # only jobs wait on it
        self._requests_waiting = 0
        self._job_in = False  # a job waits for the connection or holds it
        self._jobs_waiting: deque[object] = deque()  # in the order they asked
        self._thread = threading.local()

    def _job_may_enter(self, job: object | None = None) -> bool:
        """Whether the connection is free for a job: for `job`, when it is also first in line."""
        return (not self._requests_waiting and not self._job_in
                and (job is None or (bool(self._jobs_waiting) and self._jobs_waiting[0] is job)))

    def _do_get(self):
        if jobs.in_background():
            job = object()
            with self._turn:
                self._jobs_waiting.append(job)
                entered = self._turn.wait_for(lambda: self._job_may_enter(job), timeout=self._timeout)
                self._jobs_waiting.remove(job)
                if not entered:
                    self._turn.notify_all()  # the next in line may be free to go
                    raise exc.TimeoutError(f"a background job waited {self._timeout}s for the database")
                self._job_in = self._thread.job_in = True
            try:
                return super()._do_get()
            except BaseException:
                self._job_leaves()
                raise
        with self._turn:
            self._requests_waiting += 1
        try:
            return super()._do_get()
        finally:
            with self._turn:
                self._requests_waiting -= 1
                if self._job_may_enter():
                    self._turn.notify_all()

    def _do_return_conn(self, record) -> None:
        super()._do_return_conn(record)
        if getattr(self._thread, "job_in", False):
            self._job_leaves()

    def _job_leaves(self) -> None:
        with self._turn:
            self._job_in = self._thread.job_in = False
            if self._job_may_enter():
                self._turn.notify_all()


# The timeout matches busy_timeout below.
ENGINE_OPTIONS = {"poolclass": RequestsFirstPool, "pool_size": 1, "max_overflow": 0, "pool_timeout": 30}


def tune(engine) -> None:
    """SQLite for many threads: WAL so readers don't wait, and every transaction takes the
    write lock up front (BEGIN IMMEDIATE) so two writers queue instead of failing mid-way."""

    @event.listens_for(engine, "connect")
    def on_connect(connection, _record):
        connection.isolation_level = None  # let the "begin" hook below issue BEGIN
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")
