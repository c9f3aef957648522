"""Crash benchmark: kill -9 the serving process in the middle of a burst, restart it, count what was lost
or doubled.

    .venv/bin/python -m bench.chaos [--deployment embedded|servers|both] [--kill gunicorn|worker] [--quick] [--seed N]

A bounded burst of signed text events (default 2,000 from 200 strangers, each answered with one message
by the registration dialog) is posted at --rate events/s to the bot under gunicorn, with the LINE emulator
in its own process answering after --latency-ms, so replies are in flight at any moment. At a random point
of the burst the gunicorn master and its worker are killed with SIGKILL and gunicorn is started again on
the same database, as a supervisor would. Like LINE with redelivery turned on, an event whose post got no
200 (refused while the bot is down, or cut off by the kill) is posted again, flagged as a redelivery, with
its original reply token and timestamp, until it is accepted. Then the bench waits for the bot to settle
(nothing pending in the inbox or the outbox) and counts, from the database and from the emulator's record
of what each user received:

- events lost: posted but never handled (no `done` row in the inbox);
- effects doubled: an event with more than one outgoing message row;
- deliveries lost / doubled: a user who received fewer / more messages than the events they sent;
- how the answers went: by reply token, or as a push (the token was too old, or the outcome of a reply
  was unknown when its minute ended: the one window in which a push may be a second copy), and how many
  replies were tried again after the crash and refused by LINE as used (they had landed: not sent twice).

`--deployment embedded` serves the bot on the embedded defaults (SQLite, thread pools in the one gunicorn
worker); `servers` over PostgreSQL, Redis and --rq-workers RQ workers, where only gunicorn is killed (the
workers' sweepers take over what it was sending). `--kill worker` (servers only) kills one RQ worker instead,
in the middle of the events and messages it holds, and starts it again 2 s later, as systemd does
(docs/deploy); the other worker takes over its lapsed leases and its events. A run passes when nothing is
lost, failed or doubled and everything is handled and sent within CATCH_UP seconds of the burst's end.
Loopback only; every process is the bench's own.
"""

from __future__ import annotations

import argparse
import collections
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import requests
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # also runnable as `python bench/chaos.py`
    sys.path.insert(0, str(ROOT))

from bench.webhook import REPLY_PATH, Gunicorn, ProcessLine, Servers, bot_env, child_pids  # noqa: E402
from bot.config import Config  # noqa: E402
from emulator import LineDriver, Platform  # noqa: E402

REDELIVERY_DELAY = 0.5  # seconds between LINE's tries of an event the bot did not accept
SETTLE_TIMEOUT = 180.0  # after the burst, how long the bot may take to handle and answer everything
CATCH_UP = 30.0  # the target: everything handled and sent this many seconds after the burst at most
WORKER_RESTART_DELAY = 2.0  # RestartSec of docs/deploy/frontline-bot-worker@.service
GUNICORN_THREADS = 32


@dataclass
class Figures:
    deployment: str
    killed: str  # gunicorn | worker
    events: int
    posts: int
    refused_posts: int
    killed_at: float  # seconds into the burst
    accepted_before_kill: int
    down_seconds: float  # from the kill until the new process answered
    settle_seconds: float  # from the end of the burst until nothing was pending
    handled: int
    failed: int
    lost_events: int
    doubled_effects: int
    deliveries_expected: int
    delivered: int
    lost_deliveries: int
    doubled_deliveries: int
    by_reply: int
    by_push: int
    used_token_retries: int  # replies tried again after the crash that LINE refused as used: not sent twice
    unknown_outcome_pushes: int  # reported by the web process's log

    @property
    def passed(self) -> bool:
        return not (self.lost_events or self.doubled_effects or self.lost_deliveries or self.doubled_deliveries
                    or self.failed) and self.settle_seconds <= CATCH_UP


class Webhook:
    """LINE's side of the webhook: posts events to whichever process serves now, and posts again
    (as a redelivery) each event that was not answered 200."""

    def __init__(self, line: ProcessLine, url: str):
        self.tokens = line.tokens
        self.url = url
        self.posts = 0
        self.refused = 0
        self._lock = threading.Lock()
        self._retry: collections.deque[tuple[float, dict]] = collections.deque()
        self._local = threading.local()

    def _driver(self) -> LineDriver:
        driver = getattr(self._local, "driver", None)
        if driver is None or driver.webhook_url != self.url + "/callback":
            driver = self._local.driver = LineDriver(self.tokens, self.url + "/callback")
        return driver

    def post(self, event: dict) -> bool:
        """One delivery of the event; a failed one is queued for redelivery."""
        try:
            accepted = self._driver().send(event).status_code == 200
        except requests.RequestException:
            accepted = False
        with self._lock:
            self.posts += 1
            if not accepted:
                self.refused += 1
                self._retry.append((time.monotonic() + REDELIVERY_DELAY, LineDriver.redeliver(event)))
        return accepted

    def redeliver(self, stop: threading.Event) -> None:
        """Thread: post queued events again until `stop` is set and none is left."""
        while not (stop.is_set() and not self._retry):
            with self._lock:
                due = self._retry.popleft() if self._retry and self._retry[0][0] <= time.monotonic() else None
            if due is None:
                time.sleep(0.05)
                continue
            self.post(due[1])

    @property
    def waiting(self) -> int:
        return len(self._retry)


class Bot:
    """The bot under gunicorn on one deployment, killed and restarted on the same database."""

    def __init__(self, deployment: str, line: ProcessLine, workdir: Path, rq_workers: int):
        self.deployment, self.workdir = deployment, workdir
        self.servers = None
        if deployment == "servers":
            self.servers = Servers(line.url, rq_workers, 1, 32)
            self.env, self.database_url = self.servers.env, self.servers.postgres.url
        else:
            self.database_url = f"sqlite:///{workdir / 'bot.sqlite3'}"
            self.env = bot_env(line.url, self.database_url, 1, 32)
        self.starts = 0
        self.logs: list[Path] = []
        self.server = self._start(line)

    def _start(self, line: ProcessLine) -> Gunicorn:
        self.starts += 1
        log = self.workdir / f"bot-{self.starts}.log"
        self.logs.append(log)
        server = Gunicorn("wsgi:app", self.env, 1, GUNICORN_THREADS, log)
        server.wait_ready(LineDriver(line.tokens, server.url + "/callback"))  # also starts the sweeper
        return server

    def kill_and_restart(self, line: ProcessLine, webhook: Webhook, what: str) -> float:
        """SIGKILL gunicorn's worker and master, or one RQ worker (nothing gets to finish), start it again; seconds
        down."""
        if what == "worker":
            return self._kill_and_restart_worker()
        began = time.monotonic()
        for pid in [*child_pids(self.server.process.pid), self.server.process.pid]:
            os.kill(pid, signal.SIGKILL)
        self.server.stop()  # reaps the dead master, closes its log
        self.server = self._start(line)
        webhook.url = self.server.url
        return time.monotonic() - began

    def _kill_and_restart_worker(self) -> float:
        began = time.monotonic()
        worker = self.servers.workers[0]
        worker.kill()
        worker.wait()
        time.sleep(WORKER_RESTART_DELAY)
        self.servers.workers[0] = subprocess.Popen(worker.args, cwd=ROOT, env=self.servers.env,
                                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return time.monotonic() - began

    def unknown_outcome_pushes(self) -> int:
        return sum(log.read_text(errors="replace").count("no known outcome of its reply") for log in self.logs)

    def stop(self) -> None:
        self.server.stop()
        if self.servers:
            self.servers.stop()


def burst(webhook: Webhook, users: list[str], per_user: int, rate: float, clients: int,
          on_sent: collections.Counter) -> float:
    """Post per_user events for each user, round-robin, paced at `rate`/s; returns the seconds it took."""
    plan = [(user, k) for k in range(per_user) for user in users]
    counter = iter(range(len(plan)))
    lock = threading.Lock()
    start = time.monotonic() + 0.05

    def client() -> None:
        driver = LineDriver(webhook.tokens, "unused")
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            if (wait := start + i / rate - time.monotonic()) > 0:
                time.sleep(wait)
            user, k = plan[i]
            event = driver.text(user, f"ขอความช่วยเหลือ ครั้งที่ {k + 1}")  # a token minted as LINE sends it
            with lock:
                on_sent[event["webhookEventId"]] += 1
            webhook.post(event)

    threads = [threading.Thread(target=client, name=f"client-{n}") for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.monotonic() - start


def database_counts(url: str) -> dict:
    engine = create_engine(Config(DATABASE_URL=url).sqlalchemy_url)
    with engine.connect() as connection:
        inbox = dict(connection.execute(text("SELECT webhook_event_id, status FROM inbox_events")).all())
        outbox_status = dict(connection.execute(text("SELECT status, count(*) FROM outbox_messages GROUP BY status"))
                             .all())
        per_event = connection.execute(text("SELECT source_event_id, count(*) FROM outbox_messages "
                                            "GROUP BY source_event_id")).all()
    engine.dispose()
    return {"inbox": inbox, "outbox_status": outbox_status, "rows_per_event": dict(per_event)}


def settled(url: str) -> bool:
    counts = database_counts(url)
    return "pending" not in set(counts["inbox"].values()) and not counts["outbox_status"].get("pending")


def deliveries(line: ProcessLine) -> list[dict]:
    response = line.session.get(line.url + "/_emulator/messages", timeout=60)
    response.raise_for_status()
    return response.json()["deliveries"]


def run(deployment: str, args: argparse.Namespace, seed: int) -> Figures:
    rng = random.Random(seed)
    workdir = Path(tempfile.mkdtemp(prefix=f"bench-chaos-{deployment}-"))
    line = ProcessLine()
    bot = None
    try:
        line.set_latency(args.latency_ms)
        bot = Bot(deployment, line, workdir, args.rq_workers)
        webhook = Webhook(line, bot.server.url)
        users = [Platform.new_user_id() for _ in range(args.users)]
        sent: collections.Counter = collections.Counter()
        duration = args.users * args.per_user / args.rate
        kill_at = rng.uniform(0.2, 0.8) * duration
        stop_redelivery = threading.Event()
        redeliverer = threading.Thread(target=webhook.redeliver, args=(stop_redelivery,), name="redelivery")
        redeliverer.start()
        crash: dict = {}

        def chaos() -> None:
            time.sleep(kill_at)
            crash["accepted"] = webhook.posts - webhook.refused
            crash["down"] = bot.kill_and_restart(line, webhook, args.kill)

        killer = threading.Thread(target=chaos, name="chaos")
        killer.start()
        burst(webhook, users, args.per_user, args.rate, args.clients, sent)
        killer.join()
        stop_redelivery.set()
        redeliverer.join()
        burst_end = time.monotonic()
        deadline = burst_end + SETTLE_TIMEOUT
        while not settled(bot.database_url) and time.monotonic() < deadline:
            time.sleep(0.5)
        settle_seconds = time.monotonic() - burst_end
        counts = database_counts(bot.database_url)
        received = deliveries(line)
        refused_replies = sum(1 for call in line.calls() if call["path"] == REPLY_PATH and call["status"] == 400)
        unknown_pushes = bot.unknown_outcome_pushes()
    finally:
        if bot:
            bot.stop()
        line.close()
        shutil.rmtree(workdir, ignore_errors=True)

    inbox = counts["inbox"]
    per_user = collections.Counter(d["user_id"] for d in received)
    expected = {user: args.per_user for user in users}
    statuses = collections.Counter(inbox.get(event_id) for event_id in sent)
    return Figures(
        deployment=deployment, killed=args.kill, events=len(sent), posts=webhook.posts, refused_posts=webhook.refused,
        killed_at=round(kill_at, 1), accepted_before_kill=crash["accepted"], down_seconds=round(crash["down"], 1),
        settle_seconds=round(settle_seconds, 1), handled=statuses["done"], failed=statuses["failed"],
        lost_events=len(sent) - statuses["done"] - statuses["failed"],
        doubled_effects=sum(count - 1 for event_id, count in counts["rows_per_event"].items()
                            if event_id in sent and count > 1),
        deliveries_expected=sum(expected.values()), delivered=sum(per_user[user] for user in users),
        lost_deliveries=sum(max(0, n - per_user[user]) for user, n in expected.items()),
        doubled_deliveries=sum(max(0, per_user[user] - n) for user, n in expected.items()),
        by_reply=sum(1 for d in received if d["kind"] == "reply"),
        by_push=sum(1 for d in received if d["kind"] == "push"),
        used_token_retries=refused_replies, unknown_outcome_pushes=unknown_pushes,
    )


def table(results: list[Figures]) -> str:
    columns = [("deployment", "deployment", 10), ("killed", "killed", 8), ("events", "events", 6),
               ("posts", "posts", 6), ("refused", "refused_posts", 7), ("kill s", "killed_at", 6),
               ("down s", "down_seconds", 6),
               ("settle s", "settle_seconds", 8), ("handled", "handled", 7), ("lost ev", "lost_events", 7),
               ("2x eff", "doubled_effects", 6), ("delivered", "delivered", 9), ("lost", "lost_deliveries", 5),
               ("2x", "doubled_deliveries", 4), ("reply", "by_reply", 6), ("push", "by_push", 5),
               ("used retried", "used_token_retries", 12), ("unknown", "unknown_outcome_pushes", 7)]
    head = " ".join(f"{title:>{width}}" for title, _, width in columns)
    rows = [" ".join(f"{getattr(r, field)!s:>{width}}" for _, field, width in columns) for r in results]
    return "\n".join([head, "-" * len(head), *rows])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.chaos", description=__doc__.split("\n\n")[0])
    parser.add_argument("--deployment", choices=("embedded", "servers", "both"), default="both")
    parser.add_argument("--quick", action="store_true", help="200 events from 50 users")
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--per-user", type=int, default=10)
    parser.add_argument("--rate", type=float, default=80.0, help="events posted per second")
    parser.add_argument("--clients", type=int, default=16, help="threads posting events")
    parser.add_argument("--latency-ms", type=float, default=100.0, help="the emulator's answer time")
    parser.add_argument("--rq-workers", type=int, default=2)
    parser.add_argument("--kill", choices=("gunicorn", "worker"), default="gunicorn",
                        help="what is killed: gunicorn, or one RQ worker (--deployment servers)")
    parser.add_argument("--seed", type=int, help="the random kill point (default: a fresh one, printed)")
    args = parser.parse_args(argv)
    if args.quick:
        args.users, args.per_user = 50, 4
    if args.kill == "worker" and args.deployment != "servers":
        parser.error("--kill worker needs --deployment servers (the embedded mode has no workers)")
    seed = args.seed if args.seed is not None else random.randrange(10**6)
    deployments = ["embedded", "servers"] if args.deployment == "both" else [args.deployment]
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; {args.users} users x {args.per_user} "
          f"events at {args.rate:g}/s, LINE latency {args.latency_ms:g} ms; gunicorn 1 worker x {GUNICORN_THREADS} "
          f"threads; {'gunicorn' if args.kill == 'gunicorn' else 'an RQ worker'} killed with SIGKILL once at a "
          f"random point (seed {seed}) and restarted", flush=True)
    results = []
    for deployment in deployments:
        figures = run(deployment, args, seed)
        results.append(figures)
        print(f"  {deployment}: killed at {figures.killed_at} s, down {figures.down_seconds} s; "
              f"{figures.lost_events} events lost, {figures.doubled_deliveries} deliveries doubled", flush=True)
    print()
    print(table(results))
    print()
    for r in results:
        print(f"{'PASS' if r.passed else 'FAIL'}  {r.deployment}: {r.lost_events} events lost, {r.failed} failed, "
              f"{r.doubled_effects} effects doubled, {r.lost_deliveries} deliveries lost, "
              f"{r.doubled_deliveries} doubled (target 0 each); caught up {r.settle_seconds} s after the burst "
              f"(target {CATCH_UP:g})")
    return 0 if all(r.passed for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
