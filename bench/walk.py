"""Walking one of the app's real dialogs, step by step, as its users would, timed on SQLite and PostgreSQL: the
harness `bench.compass` and `bench.checkin_dialog` share (each says who its users are and what they answer).

What one timed step is (what `bot.inbox.process` does around the engine, minus the inbox claim, the webhook and
the outbox), inside one app context:

    line_user, staff, session = dialogs.sessions.account(uid)     # load: DB, one query (the account, its staff
                                                                  #   member, their roles, the active dialog)
    outcome = <the walk's answer>(Context(...), session)          # engine: engine.step (its area check included),
                                                                  #   or a menu tap when no session is active
    db.session.add_all(outcome.store); flush; audit entries       # save: DB, as bot.inbox.apply stores an outcome
    db.session.commit()

Steps go round-robin over the users. The target of every dialog (issue 10, then 12 and 13): a median step under
2 ms on each backend.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from array import array
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask_migrate import upgrade
from sqlalchemy import select

from bench.dialog import ZONE, Timing, make_app, note, summarise, user_id, verdict
from bot import jobs
from core.types import Context, Input, Outcome
from dialogs import buttons, sessions
from domain.access import audit
from models import DialogSession, db, utcnow
from support import servers

MAX_MEDIAN_MS = 2.0


@dataclass(frozen=True)
class Walk:
    """A dialog walked by the bench's users. `seed(users)` makes them (not timed) and returns each one's plan (by
    LINE user id), which `answer(ctx, session, plan)` gets with the person's active session, or None once a
    session finished: it returns the step's outcome."""

    dialog: str
    title: str  # "Compass step benchmark"
    users_are: str  # "volunteers"
    seed: Callable[[int], dict[str, Any]]
    answer: Callable[[Context, DialogSession | None, Any], Outcome]
    steps: int = 50_000
    users: int = 2_000
    quick: tuple[int, int] = (3_000, 100)  # steps, users
    settings: dict = field(default_factory=dict)  # the bot's, besides the bench's (`bench.dialog.make_app`)


def tap(session: DialogSession, data: dict) -> Input:
    """A button of the session's current question, as the webhook decodes it."""
    return Input("postback", data=buttons.decode(buttons.encode(session, data)))


def save(outcome: Outcome) -> None:
    """The outcome's records and audit entries, committed as `bot.inbox.apply` and the inbox store them."""
    db.session.add_all(outcome.store)
    if outcome.audit:
        db.session.flush()
        audit.store([audit.written(change) for change in outcome.audit])
    db.session.commit()


def db_loop(walk: Walk, steps: int, users: int, plans: dict[str, Any]) -> tuple[Timing, int]:
    """The timed steps, and how many of them finished a dialog."""
    uids = [user_id(i) for i in range(users)]
    totals, loads, engines, saves = (array("d", bytes(8 * steps)) for _ in range(4))
    finished = 0
    clock = time.perf_counter
    started, started_cpu = clock(), time.process_time()
    for n in range(steps):
        uid = uids[n % users]
        t0 = clock()
        line_user, staff, session = sessions.account(uid)
        t1 = clock()
        ctx = Context(line_user=line_user, staff=staff, event_id=None, now=utcnow(), timezone=ZONE)
        outcome = walk.answer(ctx, session, plans[uid])
        t2 = clock()
        finished += session is not None and session.status == "done"
        save(outcome)
        t3 = clock()
        totals[n], loads[n], engines[n], saves[n] = t3 - t0, t1 - t0, t2 - t1, t3 - t2
    return summarise(totals, [loads, engines, saves], clock() - started, time.process_time() - started_cpu), finished


@dataclass
class Run:
    backend: str
    timing: Timing
    finished: int
    states: dict[str, int]  # the walk's sessions at the end, by question (finished ones: "done")


def run_backend(walk: Walk, name: str, url: str, args) -> Run:
    app = make_app(url, **walk.settings)
    try:
        with app.app_context():
            upgrade()
            note(f"{name}: seeding {args.users:,} {walk.users_are}")
            plans = walk.seed(args.users)
            db.session.remove()
            note(f"{name}: timed pass, {args.steps:,} steps")
            timing, finished = db_loop(walk, args.steps, args.users, plans)
            states = Counter(db.session.scalars(select(DialogSession.state)
                                                .where(DialogSession.dialog == walk.dialog,
                                                       DialogSession.status == "active")))
            db.session.remove()
            db.engine.dispose()
    finally:
        jobs.runner(app).shutdown()
    return Run(name, timing, finished, dict(sorted(states.items())))


def databases(backend: str) -> Iterator[tuple[str, str]]:
    """A new database of each backend asked for ("all", "sqlite" or "postgresql"), by name and URL, each gone once
    the next is asked for: a file in a temporary folder, a PostgreSQL server started for it (skipped, and said,
    where its binaries are missing)."""
    if backend in ("all", "sqlite"):
        folder = Path(tempfile.mkdtemp(prefix="bench-"))
        try:
            yield "sqlite", f"sqlite:///{folder / 'bench.sqlite3'}"
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    if backend in ("all", "postgresql"):
        if servers.postgres_bin_dir() is None:
            note("postgresql: skipped, binaries not found")
            return
        server = servers.PostgresServer()
        try:
            yield "postgresql", server.url
        finally:
            server.stop()


def main(walk: Walk, argv: list[str] | None, description: str) -> int:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--steps", type=int, default=walk.steps)
    parser.add_argument("--users", type=int, default=walk.users)
    parser.add_argument("--quick", action="store_true",
                        help=f"smoke run: {walk.quick[0]:,} steps from {walk.quick[1]:,} users")
    parser.add_argument("--backend", choices=["all", "sqlite", "postgresql"], default="all")
    args = parser.parse_args(argv)
    if args.quick:
        args.steps, args.users = walk.quick
    runs = [run_backend(walk, name, url, args) for name, url in databases(args.backend)]
    print(f"{walk.title}: {args.steps:,} steps from {args.users:,} {walk.users_are}, round-robin")
    print(f"{'backend':<12}{'median':>8}{'p90':>8}{'p99':>8}{'steps/s':>9}{'load':>7}{'engine':>8}{'save':>7}"
          f"{'cpu':>7}  target")
    for run in runs:
        t = run.timing
        print(f"{run.backend:<12}{t.median_ms:>8.3f}{t.p90_ms:>8.3f}{t.p99_ms:>8.3f}{t.steps_per_second:>9,.0f}"
              f"{t.load_ms:>7.3f}{t.engine_ms:>8.3f}{t.save_ms:>7.3f}{t.cpu_ms:>7.3f}  "
              f"median < {MAX_MEDIAN_MS} ms: {verdict(t.median_ms < MAX_MEDIAN_MS)}")
        print(f"{'':<12}{run.finished:,} steps finished the dialog; active sessions at the end, by question: "
              f"{run.states}")
    print("(times in ms; load = LineUser + staff + active session, engine = input + Context + the step (its area "
          "check included), save = add + commit, audit entries included; cpu = this process's CPU time per step)")
    return 1 if any(run.timing.median_ms >= MAX_MEDIAN_MS for run in runs) else 0
