"""The embedded database: one SQLite file shared by the web requests and the background threads.

SQLite lets one writer in at a time, and every transaction here takes the write lock up front
(BEGIN IMMEDIATE), so the app keeps a single connection: threads queue for it in the pool and are
woken when it is free, instead of napping in SQLite's busy handler (up to 100 ms a try) while the
lock sits unused. The queue puts webhook requests first: LINE is waiting on those; a job can wait.
"""

import threading

from sqlalchemy import event, exc
from sqlalchemy.pool import QueuePool

from bot import jobs


class RequestsFirstPool(QueuePool):
    """The one connection, requests first: a job takes its place in the queue only when no request is
    waiting and no other job is in it, so a request finds at most one job ahead of it, however many
    are waiting. (A plain queue lets the thread that just gave the connection back take it again
    before the woken waiter runs: one busy job thread could keep every request waiting for seconds.)"""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._turn = threading.Condition()  # only jobs wait on it
        self._requests_waiting = 0
        self._job_in = False  # a job waits for the connection or holds it
        self._thread = threading.local()

    def _job_may_enter(self) -> bool:
        return not self._requests_waiting and not self._job_in

    def _do_get(self):
        if jobs.in_background():
            with self._turn:
                if not self._turn.wait_for(self._job_may_enter, timeout=self._timeout):
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
                    self._turn.notify()

    def _do_return_conn(self, record) -> None:
        super()._do_return_conn(record)
        if getattr(self._thread, "job_in", False):
            self._job_leaves()

    def _job_leaves(self) -> None:
        with self._turn:
            self._job_in = self._thread.job_in = False
            if self._job_may_enter():
                self._turn.notify()


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
