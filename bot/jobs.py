"""Background work: thread pools in one process by default, RQ workers when REDIS_URL is set.

Three kinds of job: `events` (handle webhook events, per-user order kept by `bot.inbox`),
`delivery` (send outbox messages to LINE) and `reports` (freezing and exporting the monthly report, which take
long enough to hold up events). Events and reports go to RQ workers when there is a Redis.
Deliveries always run on threads of the process that queued them: a LINE call mostly waits on
the network, and an RQ worker runs one job at a time, so RQ would cap sending at (workers ÷
LINE's latency) messages a second, and reply tokens would expire in the queue. A sweeper
re-queues what a crash or an outage left behind, so nothing waits forever.
"""

import collections
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from flask import Flask, current_app
from rq import Queue, SimpleWorker
from rq.exceptions import InvalidJobOperation

log = logging.getLogger(__name__)

QUEUES = ("events", "reports")  # the RQ queues; `delivery` is always this process's threads
REPORT_THREADS = 1  # embedded mode: long report jobs (a national freeze or export) one at a time
_thread = threading.local()


def in_background() -> bool:
    """Whether this thread runs background jobs of the embedded mode (not a web request)."""
    return getattr(_thread, "background", False)


def _mark_background() -> None:
    _thread.background = True


class JobRunner:
    """Runs a function later, inside an app context: on a thread pool of this process, or on RQ."""

    def __init__(self, app: Flask, sweep: Callable[[], object], next_sweep_in: Callable[[float], float]):
        self.app = app
        self._sweep, self._next_sweep_in = sweep, next_sweep_in  # bot.recovery's, given by create_app
        self.embedded = not app.config["REDIS_URL"]
        pools = {"delivery": app.config["DELIVERY_THREADS"]} | (
            {"events": app.config["EVENT_THREADS"], "reports": REPORT_THREADS} if self.embedded else {})
        self._pools = {name: ThreadPoolExecutor(threads, thread_name_prefix=name, initializer=_mark_background)
                       for name, threads in pools.items()}
        if not self.embedded:
            self._queues = {name: Queue(name, connection=app.extensions["redis"]) for name in QUEUES}
        self._sweeper: threading.Thread | None = None
        self._lock = threading.Lock()
        self._in_flight = collections.Counter()  # jobs queued on this process's threads and not finished
        self._waiting: set[tuple] = set()  # of those, not yet started
        self._idle = threading.Condition()

    def enqueue(self, queue: str, func: Callable, *args) -> None:
        """Every job reads what there is to do when it starts (a user's pending events, a message's
        state), so in one process a job already waiting to start is not queued again: under a backlog
        each webhook request and each sweep would otherwise add copies that find nothing left to do."""
        if queue in self._pools:
            with self._idle:
                if (func, args) in self._waiting:
                    return
                self._waiting.add((func, args))
                self._in_flight[queue] += 1
            self._pools[queue].submit(self._run_counted, queue, func, args)
        else:
            self._queues[queue].enqueue(func, *args, result_ttl=0, failure_ttl=86400)

    def _run_counted(self, queue: str, func: Callable, args: tuple) -> None:
        with self._idle:
            self._waiting.discard((func, args))
        try:
            self._run(func, args)
        finally:
            with self._idle:
                self._in_flight[queue] -= 1
                self._idle.notify_all()

    def busy(self, queue: str) -> bool:
        """Whether this process's threads have jobs of `queue` queued or running (False for RQ's queues)."""
        return self._in_flight[queue] > 0

    def _run(self, func: Callable, args: tuple):
        with self.app.app_context():
            try:
                return func(*args)
            except Exception:
                log.exception("background job %s%r failed", func.__name__, args)
                return None

    def start_sweeper(self) -> None:
        """Start the periodic sweep once per process (embedded mode and RQ workers)."""
        interval = self.app.config["SWEEP_INTERVAL"]
        with self._lock:
            if self._sweeper or not interval:
                return
            self._sweeper = threading.Thread(target=self._sweep_forever, args=(interval,),
                                             name="sweeper", daemon=True)
            self._sweeper.start()

    def _sweep_forever(self, interval: float) -> None:
        _mark_background()
        stop = threading.Event()
        while True:
            self._run(self._sweep, ())
            stop.wait(self._run(self._next_sweep_in, (interval,)) or interval)

    def sweep_now(self) -> None:
        """Sweep at once, in this thread (a sweep is cheap, and only one process sweeps at a time)."""
        self._run(self._sweep, ())

    def shutdown(self) -> None:
        """Finish the jobs queued on this process's threads and stop them."""
        for pool in self._pools.values():
            pool.shutdown(wait=True)

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Block until every job queued on this process's threads, and the jobs it queued, has finished."""
        with self._idle:
            return self._idle.wait_for(lambda: not any(self._in_flight.values()), timeout)


# How long the thread listening for RQ's commands (shutdown, stop job) waits for one at a time.
COMMAND_POLL_SECONDS = 1.0


class AppWorker(SimpleWorker):
    """An RQ worker that runs each job in a fresh app context of its Flask app (no fork per job)."""

    app: Flask
    asked_to_stop = False

    def request_stop(self, signum, frame):
        self.asked_to_stop = True
        super().request_stop(signum, frame)

    def execute_job(self, job, queue):
        with self.app.app_context():
            return super().execute_job(job, queue)

    def handle_job_success(self, job, queue, started_job_registry, execution):
        """RQ's own, except when Redis lost the job's record while it ran (a FLUSHALL, a failover to an empty
        replica): RQ then raises InvalidJobOperation, logs the job, which did its work, as failed with a
        traceback, and stores it as failed. Here it is one warning and a sweep, which queues again from the
        database whatever else the flush took (the jobs that were waiting in the queues)."""
        try:
            super().handle_job_success(job, queue, started_job_registry, execution)
        except InvalidJobOperation:
            log.warning("job %s is done, but Redis no longer knows it (flushed?); sweeping to queue again what "
                        "Redis lost", job.id)
            runner(self.app).sweep_now()

    def subscribe(self):
        """RQ's own, except that the command listener waits a second at a time, not a minute. Stopping
        (SIGTERM) unsubscribes and then waits for that thread (redis-py 8 joins it); a listener that had
        already seen the unsubscription waited out its whole minute before exiting, so a worker asked
        to stop took up to 60 s to do so."""
        self.pubsub = self.connection.pubsub()
        self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
        self.pubsub_thread = self.pubsub.run_in_thread(sleep_time=COMMAND_POLL_SECONDS, daemon=True,
                                                       exception_handler=self._pubsub_exception_handler)


def run_worker(app: Flask, queues: list[str], burst: bool = False) -> None:
    AppWorker.app = app
    connection = app.extensions["redis"]
    worker = AppWorker([Queue(name, connection=connection) for name in queues], connection=connection)
    runner(app).start_sweeper()
    worker.work(burst=burst, with_scheduler=False)
    if not burst and not worker.asked_to_stop:
        # RQ's loop ends by itself on an error it did not expect (it logs it): fail, so that a supervisor
        # restarting on failure (docs/deploy) starts the worker again.
        raise SystemExit("the worker stopped without being asked to; exiting with status 1")


def init_app(app: Flask, sweep: Callable[[], object], next_sweep_in: Callable[[float], float]) -> None:
    """`sweep` finds and queues work left behind; `next_sweep_in(interval)` says when to look again."""
    app.extensions["jobs"] = JobRunner(app, sweep, next_sweep_in)


def runner(app: Flask | None = None) -> JobRunner:
    return (app or current_app).extensions["jobs"]


def enqueue(queue: str, func: Callable, *args) -> None:
    runner().enqueue(queue, func, *args)
