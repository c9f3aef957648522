"""Dialog-step benchmark: one step (load session, validate, transition, save) on SQLite and PostgreSQL.

    .venv/bin/python -m bench.dialog [--quick] [--steps 100000] [--users 10000] [--backend all]
                                     [--tracemalloc] [--profile] [--json bench/results/dialog.json]

Targets (from the issue): a step costs under 2 ms median on SQLite and on PostgreSQL; a stored
session takes under 4 KB; the process's memory does not grow over 100,000 steps from 10,000 users.

What one timed step is (what `bot.inbox.process` does around the engine, minus the inbox claim,
the staff lookup, the webhook and the outbox), inside one app context:

    line_user = db.session.get(LineUser, uid)          # "load": DB
    session = dialogs.sessions.active(uid)             #
    inp = <the user's next input>; ctx = Context(...)  # "engine"
    outcome = engine.step(ctx, session, inp)           #   validate, transition, build the reply
    for record in outcome.store: db.session.add(...)   # "save": DB
    db.session.commit()

The dialog is `bench_loop`, added here to the app's registry: text, number, choice (tapped), phone and yes/no
(tapped) questions whose last one loops back, so every step stays in progress. Each user's inputs
repeat a 10-step script that also takes the reject path (a wrong answer), "back", "keep answer" and
"help", and steps go round-robin over the users (user 1, 2, ..., N, 1, 2, ...).

Also timed: the same loop with the engine only (sessions kept in memory, no database), to show
how the step time splits between the database and the engine.

Memory, at 10%, 50% and 100% of the steps (10k, 50k, 100k by default), after a gc.collect(): the
process's RSS (VmRSS from /proc/self/status), the blocks Python's allocator holds
(sys.getallocatedblocks) and the objects the garbage collector tracks. The criterion for "no growth"
is RSS growing by less than 5 MB between 50% and 100% of the steps. tracemalloc makes these steps
about 4 times slower, so its figures come from a second pass, after the timed one, that continues
the same sessions with tracemalloc on: --tracemalloc (a full run then takes about twice as long).
The harness preallocates its per-step arrays, so it allocates nothing per step itself.

Stored bytes per session: SQLite from the `dbstat` virtual table (the table's pages and its
indexes' pages, divided by the sessions), PostgreSQL from pg_total_relation_size('dialog_sessions')
/ count(*) as left by the run (dead row versions included), plus the average pg_column_size of a row.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import logging
import os
import pstats
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from array import array
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # also runnable as `python bench/dialog.py`
    sys.path.insert(0, str(ROOT))

from flask import Flask  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import func, select, text  # noqa: E402

from bench import bot_settings, percentile  # noqa: E402
from bot import create_app, jobs  # noqa: E402
from bot.config import Config  # noqa: E402
from core.types import Context, Input, Outcome  # noqa: E402
from dialogs import buttons, engine, registry, sessions  # noqa: E402
from dialogs.flow import Dialog, When  # noqa: E402
from dialogs.kinds import Choice, Number, Phone, Text, YesNo  # noqa: E402
from domain.labels import POSITIONS  # noqa: E402
from models import DialogSession, LineUser, db, utcnow  # noqa: E402
from support import servers  # noqa: E402

SECRET = "0123456789abcdef0123456789abcdef"
TOKEN = "bench-channel-access-token"

# Targets from the issue, and the growth criterion chosen for "no growth".
MAX_MEDIAN_MS = 2.0
MAX_BYTES_PER_SESSION = 4096
MAX_RSS_GROWTH_MB = 5.0

ZONE = Config.BOT_TIMEZONE
DIALOG = "bench_loop"
SETUP_BATCH = 1000


# ---- the dialog ---------------------------------------------------------------------------------

def _finish(ctx: Context, answers: dict) -> Outcome:  # never reached: the dialog loops
    raise AssertionError("bench_loop finished")


def _confirmed(ctx: Context, answers: dict) -> bool:
    return answers.get("ok") is True


def _corrected(ctx: Context, answers: dict) -> bool:
    return answers.get("ok") is False


# Both answers to the last question stay in the dialog: yes starts over, no re-asks the size. (A dialog must
# have a way to its end; this one's is never taken, as "ok" is always yes or no.)
BENCH_LOOP = Dialog(
    name=DIALOG,
    title="Benchmark loop",
    questions=[
        Text("name", "Your first name and surname?", min_len=2, max_len=100),
        Number("size", "How many people live here?", low=1, high=30),
        Choice("position", "Your position?", options=POSITIONS),
        Phone("phone", "Your mobile phone number?"),
        YesNo("ok", "Is this correct?", next=[When(_confirmed, "name"), When(_corrected, "size"), "done"]),
    ],
    finish=_finish,
)


VALID = {"name": "สมชาย ใจดี", "size": "๔ คน", "phone": "081-234-5678"}
WRONG = {"name": "ก", "size": "สี่สิบห้า", "position": "ผู้ใหญ่บ้านใหม่", "phone": "12345", "ok": "อาจจะ"}


def next_input(session: DialogSession, k: int) -> Input:
    """The k-th input of a user's 10-step script, fitted to the question the session is at."""
    state, turn = session.state, k % 10
    if turn == 3:
        return Input("text", text=WRONG[state])  # rejected: the reason and the question again
    if turn == 5:
        return Input("text", text="ย้อนกลับ")  # back
    if turn == 6 and state in session.answers:
        return _tap(session, {"keep": "1"})  # keep the earlier answer
    if turn == 8:
        return Input("text", text="ช่วยเหลือ")  # help
    if state == "position":
        return _tap(session, {"a": POSITIONS[k % (len(POSITIONS) - 1)][0]})
    if state == "ok":
        return _tap(session, {"a": "yes" if k % 20 < 10 else "no"})
    return Input("text", text=VALID[state])


def _tap(session: DialogSession, data: dict) -> Input:
    """A button of the session's current step, as the webhook decodes it."""
    return Input("postback", data=buttons.decode(buttons.encode(session, data)))


def user_id(i: int) -> str:
    return f"U{i:032x}"


# ---- measuring ----------------------------------------------------------------------------------

def rss_kb() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


@dataclass
class Checkpoint:
    steps: int
    rss_mb: float
    blocks: int  # sys.getallocatedblocks()
    objects: int  # len(gc.get_objects())
    traced_mb: float | None = None  # tracemalloc's current size (tracemalloc pass only)


@dataclass
class Timing:
    steps: int
    seconds: float
    median_ms: float
    p90_ms: float
    p99_ms: float
    steps_per_second: float
    load_ms: float  # mean per step of each part
    engine_ms: float
    save_ms: float
    cpu_ms: float  # this process's CPU time per step (mean); below the wall time when it waits or is preempted

    @property
    def db_share(self) -> float:
        return (self.load_ms + self.save_ms) / (self.load_ms + self.engine_ms + self.save_ms)


@dataclass
class Result:
    backend: str
    users: int
    timing: Timing | None = None
    bytes_per_session: float | None = None
    storage: dict = field(default_factory=dict)
    checkpoints: list[Checkpoint] = field(default_factory=list)  # the timed pass
    traced: list[Checkpoint] = field(default_factory=list)  # the tracemalloc pass, if any
    skipped: str | None = None

    @property
    def rss_growth_mb(self) -> float | None:
        """RSS growth over the second half of the timed pass: the "no growth" criterion."""
        if len(self.checkpoints) < 2:
            return None
        return self.checkpoints[-1].rss_mb - self.checkpoints[-2].rss_mb


def summarise(totals: array, parts: list[array], seconds: float, cpu_seconds: float) -> Timing:
    ordered = sorted(totals)
    load, eng, save = (sum(p) / len(p) * 1000 for p in parts)
    return Timing(steps=len(totals), seconds=seconds, median_ms=statistics.median(ordered) * 1000,
                  p90_ms=percentile(ordered, 90) * 1000, p99_ms=percentile(ordered, 99) * 1000,
                  steps_per_second=len(totals) / seconds, load_ms=load, engine_ms=eng, save_ms=save,
                  cpu_ms=cpu_seconds / len(totals) * 1000)


def checkpoint_at(steps: int) -> list[int]:
    return sorted({max(1, steps // 10), max(1, steps // 2), steps})


def take_checkpoint(done: int, tracing: bool) -> Checkpoint:
    gc.collect()
    traced = tracemalloc.get_traced_memory()[0] / 2**20 if tracing else None
    return Checkpoint(steps=done, rss_mb=rss_kb() / 1024, blocks=sys.getallocatedblocks(),
                      objects=len(gc.get_objects()), traced_mb=traced)


# ---- the step loops -----------------------------------------------------------------------------

def db_loop(steps: int, users: int, tracing: bool = False, memory: bool = True,
            profiler: cProfile.Profile | None = None, first_k: int = 0) -> tuple[Timing, list[Checkpoint]]:
    """`steps` real steps round-robin over `users`, against the database of the current app context."""
    uids = [user_id(i) for i in range(users)]
    marks = set(checkpoint_at(steps)) if memory else set()
    # Preallocated, so the harness itself allocates nothing per step (tracemalloc would count it).
    totals, loads, engines, saves = (array("d", bytes(8 * steps)) for _ in range(4))
    checkpoints: list[Checkpoint] = []
    clock = time.perf_counter
    paused = paused_cpu = 0.0
    if tracing:
        tracemalloc.start()
    if profiler:
        profiler.enable()
    started, started_cpu = clock(), time.process_time()
    for n in range(steps):
        uid = uids[n % users]
        k = first_k + n // users
        t0 = clock()
        line_user = db.session.get(LineUser, uid)
        session = sessions.active(uid)
        t1 = clock()
        inp = next_input(session, k)
        ctx = Context(line_user=line_user, staff=None, event_id=None, now=utcnow(), timezone=ZONE)
        outcome = engine.step(ctx, session, inp)
        t2 = clock()
        for record in outcome.store:
            db.session.add(record)
        db.session.commit()
        t3 = clock()
        totals[n] = t3 - t0
        loads[n] = t1 - t0
        engines[n] = t2 - t1
        saves[n] = t3 - t2
        if n + 1 in marks:
            pause, pause_cpu = clock(), time.process_time()
            checkpoints.append(take_checkpoint(n + 1, tracing))
            paused += clock() - pause
            paused_cpu += time.process_time() - pause_cpu
    seconds = clock() - started - paused
    cpu_seconds = time.process_time() - started_cpu - paused_cpu
    if profiler:
        profiler.disable()
    if tracing:
        tracemalloc.stop()
    return summarise(totals, [loads, engines, saves], seconds, cpu_seconds), checkpoints


def engine_loop(steps: int, users: int) -> Timing:
    """The same inputs and order with the engine only: sessions live in memory, nothing is stored."""
    now = utcnow()
    people = [LineUser(user_id=user_id(i), following=True, language="th") for i in range(users)]
    only_the_registry = Flask(__name__)
    only_the_registry.extensions[registry.KEY] = registry.Registry([BENCH_LOOP], [])
    with only_the_registry.app_context():
        open_sessions = [engine.start(Context(person, None, None, now, ZONE), DIALOG).store[0] for person in people]
        totals = array("d", bytes(8 * steps))
        clock = time.perf_counter
        started, started_cpu = clock(), time.process_time()
        for n in range(steps):
            i = n % users
            session = open_sessions[i]
            t0 = clock()
            inp = next_input(session, n // users)
            ctx = Context(line_user=people[i], staff=None, event_id=None, now=utcnow(), timezone=ZONE)
            engine.step(ctx, session, inp)
            totals[n] = clock() - t0
        seconds, cpu_seconds = clock() - started, time.process_time() - started_cpu
    nothing = array("d", bytes(8 * steps))
    return summarise(totals, [nothing, totals, nothing], seconds, cpu_seconds)


# ---- backends -----------------------------------------------------------------------------------

def make_app(url: str, **settings):
    """The bot on the database at `url`, with these settings besides the bench's."""
    app = create_app({"LINE_CHANNEL_SECRET": SECRET, "LINE_CHANNEL_ACCESS_TOKEN": TOKEN, "DATABASE_URL": url,
                      "SWEEP_INTERVAL": 0, "TESTING": True, **bot_settings(), **settings})
    logging.getLogger().setLevel(logging.WARNING)  # create_app turns INFO on; keep the table readable
    app.extensions[registry.KEY].dialogs[DIALOG] = BENCH_LOOP
    return app


def seed(users: int) -> None:
    """A LINE user and an active `bench_loop` session at its first question for each user (not timed)."""
    now = utcnow()
    for start in range(0, users, SETUP_BATCH):
        for i in range(start, min(users, start + SETUP_BATCH)):
            person = LineUser(user_id=user_id(i), following=True, language="th", first_seen_at=now)
            db.session.add(person)
            for record in engine.start(Context(person, None, None, now, ZONE), DIALOG).store:
                db.session.add(record)
        db.session.commit()


def sqlite_storage(users: int) -> tuple[float, dict]:
    names = db.session.scalars(select(text("name")).select_from(text("sqlite_master"))
                               .where(text("tbl_name = 'dialog_sessions'"))).all()
    try:
        rows = db.session.execute(text(
            f"SELECT name, sum(pgsize), sum(payload), count(*) FROM dbstat "
            f"WHERE name IN ({', '.join(repr(n) for n in names)}) GROUP BY name")).all()
    except Exception:  # no dbstat: fall back to the whole file (every table) over the sessions
        db.session.rollback()
        db.session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        path = db.engine.url.database
        size = os.path.getsize(path)
        return size / users, {"method": "file size / sessions (no dbstat)", "file_bytes": size}
    count = db.session.scalar(select(func.count()).select_from(DialogSession))
    row_bytes = db.session.scalar(text(
        "SELECT avg(length(key) + length(line_user_id) + length(dialog) + length(state) + length(answers)"
        " + length(history) + length(status) + length(created_at) + length(updated_at) + 8 + 8 + 8)"
        " FROM dialog_sessions"))
    total = sum(r[1] for r in rows)
    db.session.rollback()
    return total / count, {
        "method": "dbstat pages of dialog_sessions and its indexes / sessions",
        "sessions": count,
        "pages_bytes": {r[0]: r[1] for r in rows},
        "payload_bytes_per_session": sum(r[2] for r in rows) / count,
        "avg_row_bytes": round(row_bytes, 1),
    }


def postgres_storage(users: int) -> tuple[float, dict]:
    count = db.session.scalar(select(func.count()).select_from(DialogSession))
    total = db.session.scalar(text("SELECT pg_total_relation_size('dialog_sessions')"))
    heap = db.session.scalar(text("SELECT pg_relation_size('dialog_sessions')"))
    row = db.session.scalar(text("SELECT avg(pg_column_size(t.*)) FROM dialog_sessions t"))
    db.session.rollback()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM FULL dialog_sessions"))
        compact = conn.scalar(text("SELECT pg_total_relation_size('dialog_sessions')"))
    return total / count, {
        "method": "pg_total_relation_size('dialog_sessions') / count(*), as left by the run",
        "sessions": count,
        "total_bytes": total,
        "heap_bytes": heap,
        "avg_pg_column_size_row": round(float(row), 1),
        "after_vacuum_full_bytes_per_session": round(compact / count, 1),
    }


_T0 = time.monotonic()


def note(message: str) -> None:
    """Progress on stderr, with the seconds since start."""
    print(f"[{time.monotonic() - _T0:6.1f}s] {message}", file=sys.stderr, flush=True)


def run_backend(name: str, url: str, args, profile_out: dict) -> Result:
    result = Result(backend=name, users=args.users)
    app = make_app(url)
    try:
        with app.app_context():
            upgrade()
            note(f"{name}: seeding {args.users:,} users")
            seed(args.users)
            db.session.remove()
            profiler = cProfile.Profile() if args.profile else None
            note(f"{name}: timed pass, {args.steps:,} steps")
            result.timing, result.checkpoints = db_loop(args.steps, args.users, profiler=profiler)
            if profiler:
                profile_out[name] = profile_text(profiler)
            db.session.remove()
            note(f"{name}: storage")
            measure = sqlite_storage if name == "sqlite" else postgres_storage
            result.bytes_per_session, result.storage = measure(args.users)
            db.session.remove()
            if args.tracemalloc:
                note(f"{name}: tracemalloc pass, {args.steps:,} steps")
                _, result.traced = db_loop(args.steps, args.users, tracing=True,
                                           first_k=args.steps // args.users + 1)
                db.session.remove()
            db.engine.dispose()
    finally:
        jobs.runner(app).shutdown()
    return result


def profile_text(profiler: cProfile.Profile, top: int = 30) -> str:
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.strip_dirs().sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return out.getvalue()


# ---- report -------------------------------------------------------------------------------------

def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("PASS" if ok else "FAIL")


def report(results: list[Result], engine_only: Timing, args) -> str:
    lines = [f"Dialog step benchmark: {args.steps:,} steps from {args.users:,} users "
             f"({args.steps // args.users} each, round-robin), Python {sys.version.split()[0]}, "
             f"{os.cpu_count()} CPUs, load average at the end {' '.join(f'{x:.1f}' for x in os.getloadavg())}", ""]
    header = (f"{'backend':<12}{'median':>8}{'p90':>8}{'p99':>8}{'steps/s':>9}{'load':>7}{'engine':>8}"
              f"{'save':>7}{'DB%':>6}{'cpu':>7}{'B/session':>11}")
    lines += [header, "-" * len(header)]
    for r in results:
        if r.skipped:
            lines.append(f"{r.backend:<12}skipped: {r.skipped}")
            continue
        t = r.timing
        lines.append(f"{r.backend:<12}{t.median_ms:>8.3f}{t.p90_ms:>8.3f}{t.p99_ms:>8.3f}{t.steps_per_second:>9,.0f}"
                     f"{t.load_ms:>7.3f}{t.engine_ms:>8.3f}{t.save_ms:>7.3f}{t.db_share:>6.0%}{t.cpu_ms:>7.3f}"
                     f"{r.bytes_per_session:>11,.0f}")
    e = engine_only
    lines.append(f"{'engine only':<12}{e.median_ms:>8.3f}{e.p90_ms:>8.3f}{e.p99_ms:>8.3f}{e.steps_per_second:>9,.0f}"
                 f"{'':>7}{e.engine_ms:>8.3f}{'':>7}{'0%':>6}{e.cpu_ms:>7.3f}{'-':>11}")
    lines += ["(times in ms; load/engine/save are wall-clock means per step: load = LineUser + active session, "
              "engine = input + Context + engine.step, save = add + commit; DB% = (load + save) / step; cpu = this "
              "process's CPU time per step, excluding the database server's)", ""]

    lines.append("Memory of this process (gc.collect() before each reading; blocks = sys.getallocatedblocks(), "
                 "objects = gc-tracked):")
    mem = f"  {'backend':<11}{'pass':<20}{'steps':>9}{'RSS MB':>9}{'blocks':>10}{'objects':>10}{'traced MB':>11}"
    lines += [mem, "  " + "-" * (len(mem) - 2)]
    for r in results:
        if r.skipped:
            continue
        for label, marks in (("timed", r.checkpoints), ("tracemalloc", r.traced)):
            for c in marks:
                traced = f"{c.traced_mb:>11.3f}" if c.traced_mb is not None else f"{'-':>11}"
                lines.append(f"  {r.backend:<11}{label:<20}{c.steps:>9,}{c.rss_mb:>9.1f}{c.blocks:>10,}"
                             f"{c.objects:>10,}{traced}")
            if len(marks) >= 2:
                a, b = marks[-2], marks[-1]
                traced = (f"{b.traced_mb - a.traced_mb:>+11.3f}" if b.traced_mb is not None else f"{'-':>11}")
                lines.append(f"  {r.backend:<11}{label + ' growth':<20}{'+' + format(b.steps - a.steps, ','):>9}"
                             f"{b.rss_mb - a.rss_mb:>+9.2f}{b.blocks - a.blocks:>+10,}{b.objects - a.objects:>+10,}"
                             f"{traced}")
    lines.append("")
    lines.append("Storage:")
    for r in results:
        if r.skipped:
            continue
        details = ", ".join(f"{k}={v}" for k, v in r.storage.items() if k != "method")
        lines.append(f"  {r.backend:<10} {r.bytes_per_session:,.0f} B/session ({r.storage['method']}); {details}")
    lines.append("")
    lines.append(f"Targets (median < {MAX_MEDIAN_MS} ms; < {MAX_BYTES_PER_SESSION} B/session; RSS growth "
                 f"< {MAX_RSS_GROWTH_MB} MB between {checkpoint_at(args.steps)[-2]:,} and {args.steps:,} steps):")
    for r in results:
        if r.skipped:
            lines.append(f"  {r.backend:<10} skipped")
            continue
        growth = r.rss_growth_mb
        lines.append(f"  {r.backend:<10} median {verdict(r.timing.median_ms < MAX_MEDIAN_MS)}   "
                     f"size {verdict(r.bytes_per_session < MAX_BYTES_PER_SESSION)}   "
                     f"memory {verdict(None if growth is None else growth < MAX_RSS_GROWTH_MB)}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--quick", action="store_true", help="smoke run: 5,000 steps from 500 users")
    parser.add_argument("--backend", choices=["all", "sqlite", "postgresql"], default="all")
    parser.add_argument("--profile", action="store_true", help="cProfile the timed DB loops (inflates times)")
    parser.add_argument("--tracemalloc", action="store_true",
                        help="a second pass per backend with tracemalloc on, for its figures (about 4x slower)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    if args.quick:
        args.steps, args.users = 5_000, 500
    if args.users < 1 or args.steps < args.users:
        parser.error("--steps must be at least --users, and --users at least 1")

    note(f"engine only: {args.steps:,} steps")
    engine_only = engine_loop(args.steps, args.users)
    results: list[Result] = []
    profiles: dict[str, str] = {}
    if args.backend in ("all", "sqlite"):
        note("sqlite: migrating")
        folder = Path(tempfile.mkdtemp(prefix="bench-dialog-"))
        try:
            results.append(run_backend("sqlite", f"sqlite:///{folder / 'bench.sqlite3'}", args, profiles))
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    if args.backend in ("all", "postgresql"):
        if servers.postgres_bin_dir() is None:
            results.append(Result(backend="postgresql", users=args.users, skipped="PostgreSQL binaries not found"))
        else:
            note("postgresql: starting the server")
            server = servers.PostgresServer()
            try:
                results.append(run_backend("postgresql", server.url, args, profiles))
            finally:
                server.stop()

    note("done")
    print(report(results, engine_only, args))
    for name, text_ in profiles.items():
        print(f"\n==== cProfile, {name} (timed pass) ====\n{text_}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        payload = {"steps": args.steps, "users": args.users, "engine_only": asdict(engine_only),
                   "results": [asdict(r) | {"rss_growth_mb": r.rss_growth_mb} for r in results]}
        args.json.write_text(json.dumps(payload, indent=2, default=str))
    failed = any(not r.skipped and (r.timing.median_ms >= MAX_MEDIAN_MS or r.bytes_per_session >= MAX_BYTES_PER_SESSION
                                    or (r.rss_growth_mb or 0) >= MAX_RSS_GROWTH_MB) for r in results)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
