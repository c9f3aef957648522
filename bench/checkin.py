"""Check-in throughput benchmark: a month of the nation's check-ins stored through the dialog's domain calls, on
SQLite and PostgreSQL.

    .venv/bin/python -m bench.checkin [--quick] [--households 130000] [--periods 5] [--batch 500]
                                      [--per-event 5000] [--workers N]
                                      [--backend all|sqlite|postgresql]

Target (issue 13): 650,000 check-ins (the national count a month) at 2,000 or more a second on PostgreSQL.

The data is generated here and bulk-inserted (not timed): --households households (130,000), spread over the 3,000
villages of `bench.compass_export`, in the care of one caretaker for three, each a family of two with an open
problem, an accepted life compass of three activities and its sealing key (made at the survey); a third have no
location yet. Then each household is checked in once in each of --periods consecutive closed periods (5: 650,000
check-ins), each at a moment inside its period, as its caretaker: what the dialog's `finish` stores, and nothing
else, i.e. `checkins.record` and the audit entries of its changes (`audit.written`, sealed with the household's
key), as `bot.inbox.apply` stores an outcome. What a check-in says varies by household and period: met at home
(most), by phone or not reached (away); the income, around the จปฐ. line (so the income-line problem is opened,
kept or solved); one in four reports progress on its activities (some stuck, with why, some done), one in ten
solves the open problem, one in fifty adds a new one, a note one in three, the location where there was none.

Batches: a worker stores --batch check-ins (500) in one transaction: the batch's households with their members and
problems, their keys, the compasses with activities of those reporting progress, and caretakers are loaded in a
few queries, each check-in is recorded (no flush in between: a check-in reads only its own household's records),
then the records are flushed together, the audit entries written and committed. The dialog commits once per event
(one check-in, its reply and its session); here the domain's throughput is measured as workers would run it (a bulk
entry, a back-office job), where one commit a check-in would measure the commit. So the per-event figure is
measured too, after the batches: --per-event check-ins of a further period, each loaded, recorded, stored and
committed on its own. --workers: processes side by side on PostgreSQL (default: one a core); SQLite takes one.

Measured (this 2-core machine; cpu = the bench's CPU time per check-in, db = the PostgreSQL server's, from /proc):

    --quick --workers 1              500 a commit                   1 a commit
    sqlite                         1,755/s  (0.57 ms cpu)           443/s  (2.2 ms cpu)
    postgresql                     1,340/s  (0.67 ms cpu, 0.11 db)  214/s  (4.0 ms cpu, 0.58 db)

    20,000 households x 3 periods    500 a commit                   1 a commit
    postgresql, --workers 1        1,518/s  (0.60 ms cpu, 0.09 db)  245/s  (3.3 ms cpu, 0.72 db)

    the target, 650,000 check-ins (130,000 households x 5 periods)
    postgresql, --workers 2        2,177/s  (0.65 ms cpu, 0.10 db): met

A check-in costs about 0.76 ms of CPU in all, so 2,000 a second keeps 1.5 cores busy. It cost 1.4 ms (2.8 cores;
1,187/s with two workers at 20,000 households): the last steps, each measured on 10,000 households over three
periods, in ms of the bench's CPU a check-in:
- psycopg parsed each many-row INSERT's thousands of `%(name)s` parameters again with a regular expression
  (`bot.postgres`: statements now go in PostgreSQL's own `$1` form, through raw cursors): 1.41/1.31/1.15 to
  1.00/0.91/0.82;
- the audit entries are inserted as rows in one statement, with no ORM object made, flushed and expired for each
  (`audit.store`): to 0.87/0.80/0.73;
- the current compass's statement is built once, and a batch's changed activities share one UPDATE (the ORM sent
  one per run of rows changed in the same columns, mostly single rows): to 0.74/0.69/0.73;
- the batch loads the compasses of the households reporting progress only: to 0.71/0.62/0.61.
Not kept: letting the batch's records go without expiring them at commit, and not adding to the session the
records already in it, each within the noise (3-5%). Before, `checkins.record` stopped reading the compass when no
progress is given, and a check-in stopped logging the income line's problem again while it stays open.
"""

from __future__ import annotations

import argparse
import importlib
import multiprocessing
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import repeat
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import insert, select, text  # noqa: E402
from sqlalchemy.orm import selectinload  # noqa: E402

from bench import walk  # noqa: E402
from bench.compass_export import chunks, villages  # noqa: E402
from bench.dialog import ZONE, make_app, note, user_id, verdict  # noqa: E402
from bot import jobs  # noqa: E402
from core.periods import Period  # noqa: E402
from core.sealing import new_key  # noqa: E402
from core.types import Context, Outcome  # noqa: E402
from domain.step4_care import checkins  # noqa: E402
from domain.step4_care.checkins import Given  # noqa: E402
from models import (  # noqa: E402
    CareAssignment,
    Compass,
    CompassActivity,
    Household,
    HouseholdKey,
    LineUser,
    Member,
    Problem,
    Staff,
    StaffRole,
    db,
    utcnow,
)
from models.household import house_order  # noqa: E402

import_bench = importlib.import_module("bench.import")  # its areas

TARGET_PER_SECOND = 2_000
HOUSEHOLDS_EACH = 3  # a caretaker's
ACTIVITIES = 3  # a compass's
SETTINGS = {"POVERTY_LINES": "2560-2580:38000"}  # a family of two is below it under 6,334 baht a month
PROGRESS = ("under_way", "stuck", "done")


# ---- the data -----------------------------------------------------------------------------------

def generate(households: int) -> None:
    """The households and their caretakers, bulk-inserted: ids are given, so the check-ins can name them."""
    now, places = utcnow(), villages()
    since = now - timedelta(days=400)
    caretakers = (households + HOUSEHOLDS_EACH - 1) // HOUSEHOLDS_EACH
    import_bench.add_areas(places)

    def caretaker_of(h: int) -> int:
        return (h - 1) // HOUSEHOLDS_EACH + 1

    def village_of(h: int) -> str:
        return places[(caretaker_of(h) - 1) % len(places)]  # a caretaker's households are in one village

    tables = [
        (LineUser, ({"user_id": user_id(c), "following": True, "language": "th", "first_seen_at": now}
                    for c in range(1, caretakers + 1))),
        (Staff, ({"id": c, "name": f"ผู้ดูแล {c}", "position": "อสม.", "line_user_id": user_id(c), "active": True,
                  "created_at": now} for c in range(1, caretakers + 1))),
        (StaffRole, ({"staff_id": c, "role": "caretaker", "area_code": village_of(c * HOUSEHOLDS_EACH)}
                     for c in range(1, caretakers + 1))),
        (Household, ({"id": h, "house_number": str(h), "house_order": house_order(str(h)),
                      "village_code": village_of(h), "head_name": f"นายหนึ่ง ใจดี {h}", "source": "jpt",
                      "source_year": 2566, "status": "in_progress", "classification": "self_development",
                      "latitude": None if h % 3 == 0 else 15.0, "longitude": None if h % 3 == 0 else 102.3,
                      "test_data": False, "created_at": since, "updated_at": since} for h in range(1, households + 1))),
        (Member, ({"household_id": h, "name": f"{name} {h}", "relation": relation, "birth_date": born,
                   "monthly_income": Decimal(income), "disabled": False, "bedridden": False,
                   "chronic_illness": False, "welfare_card": False, "can_work": True, "test_data": False}
                  for h in range(1, households + 1)
                  for name, relation, born, income in (("นายหนึ่ง ใจดี", "head", date(1980, 1, 1), 4000),
                                                       ("นางสอง ใจดี", "spouse", date(1982, 1, 1), 1500)))),
        (Problem, ({"id": h, "household_id": h, "dimension": "living", "indicator": "poor_house", "status": "open",
                    "opened_on": since.date()} for h in range(1, households + 1))),
        (Compass, ({"id": h, "household_id": h, "version": 1, "classification": "self_development", "goals": {},
                    "created_at": since, "accepted_at": since} for h in range(1, households + 1))),
        (CompassActivity, ({"id": activity_id(h, k), "compass_id": h, "part": "self", "kind": "other",
                            "text": f"กิจกรรมที่ {k + 1}", "who": "ทั้งครอบครัว", "target_month": date(2027, 3, 1),
                            "status": "not_started"} for h in range(1, households + 1) for k in range(ACTIVITIES))),
        (CareAssignment, ({"household_id": h, "caretaker_id": caretaker_of(h), "started_at": since}
                          for h in range(1, households + 1))),
        (HouseholdKey, ({"household_id": h, "key": new_key()} for h in range(1, households + 1))),
    ]
    for model, rows in tables:
        for chunk in chunks(rows):
            db.session.execute(insert(model), chunk)
        db.session.commit()
    if db.engine.dialect.name == "postgresql":  # the ids given: the sequences go on after them
        for table in ("staff", "households", "problems", "compasses", "compass_activities"):
            db.session.execute(text(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))"))
    db.session.execute(text("ANALYZE"))
    db.session.commit()


def activity_id(h: int, k: int) -> int:
    return (h - 1) * ACTIVITIES + k + 1


def given(h: int, turn: int, period: Period) -> Given:
    """What the caretaker of household `h` says at its `turn`-th check-in (one a period)."""
    r = (h * 7 + turn) % 20
    if r == 0:
        return Given(period, "unreached", unreached_reason="away", note="ไปทำงานต่างจังหวัด")
    progress = {}
    if (h + turn) % 4 == 0:
        progress = {activity_id(h, k): (PROGRESS[(h + k + turn) % 3], "รอน้ำฝน") for k in range(ACTIVITIES)}
    return Given(
        period, "phone" if r < 4 else "in_person", monthly_income=Decimal(3000 + (h % 13) * 500 + turn * 250),
        progress=progress, solved=(h,) if (h + turn) % 10 == 0 else (),
        new_problems=(("health", None, "ปวดหลังเรื้อรัง"),) if (h + turn) % 50 == 0 else (),
        location=(15.0012, 102.3021) if h % 3 == 0 and turn == 0 else None,
        note="ครอบครัวสบายดี" if h % 3 == 1 else None)


# ---- storing ------------------------------------------------------------------------------------

def moment_in(period: Period) -> datetime:
    """Ten days before the period's cut-off: inside it, so no check-in is late."""
    return period.cutoff(checkins.report_day(), ZONE) - timedelta(days=10)


def store_batch(ids: list[int], turn: int, period: Period, now) -> int:
    """The check-ins of these households, recorded and stored in one transaction; how many audit entries."""
    said = {h: given(h, turn, period) for h in ids}
    households = db.session.scalars(select(Household).where(Household.id.in_(ids))
                                    .options(selectinload(Household.members), selectinload(Household.problems))).all()
    # Held while the batch is recorded, so that record's reads find them in the session: the keys (audit.key_for),
    # and the compasses with their activities of the households reporting progress (the current one is still
    # queried, but not its activities).
    progress = [h for h in ids if said[h].progress]
    held = [*db.session.scalars(select(HouseholdKey).where(HouseholdKey.household_id.in_(ids))),
            *db.session.scalars(select(Compass).where(Compass.household_id.in_(progress),
                                                      Compass.accepted_at.is_not(None))
                                .options(selectinload(Compass.activities)))]
    people = {staff.id: (line_user, staff) for staff, line_user in db.session.execute(
        select(Staff, LineUser).join(LineUser, LineUser.user_id == Staff.line_user_id)
        .where(Staff.id.in_({(h - 1) // HOUSEHOLDS_EACH + 1 for h in ids})))}
    outcome = Outcome()
    with db.session.no_autoflush:  # one flush for the batch: a check-in's reads see no other household's changes
        for household in households:
            line_user, staff = people[(household.id - 1) // HOUSEHOLDS_EACH + 1]
            ctx = Context(line_user, staff, None, now, ZONE)
            written = checkins.record(ctx, household, said[household.id])
            outcome.store += written.store
            outcome.audit += written.audit
    walk.save(outcome)
    held.clear()
    return len(outcome.audit)


@dataclass
class Pass:
    check_ins: int
    audit_entries: int
    seconds: float
    cpu_seconds: float  # the bench's processes'
    server_cpu_seconds: float | None  # PostgreSQL's processes' (None: SQLite, in the bench's own)

    @property
    def per_second(self) -> float:
        return self.check_ins / self.seconds


def store(households: range, periods: list[Period], batch: int, first_turn: int = 0, workers: int = 1,
          server: int | None = None) -> Pass:
    """Each period's check-ins, its households shared out among `workers` processes (forked from this one, each
    with connections of its own), a period finished by all before the next starts. `server`: PostgreSQL's
    postmaster, whose processes' CPU time is counted too."""
    count = entries = 0
    cpu, server_cpu_before = 0.0, server_cpu(server)
    started = time.perf_counter()
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) if workers > 1 else None
    try:
        for turn, period in enumerate(periods, first_turn):
            shares = [households[k::workers] for k in range(workers)]
            done = (pool.map(_store_share, shares, repeat(turn), repeat(period), repeat(batch)) if pool
                    else [_store_share(households, turn, period, batch)])
            for share_entries, share_cpu in done:
                entries, cpu = entries + share_entries, cpu + share_cpu
            count += len(households)
            note(f"period {period.key}: {count:,} check-ins, {count / (time.perf_counter() - started):,.0f}/s")
        seconds = time.perf_counter() - started
        server_cpu_used = None if server is None else server_cpu(server) - server_cpu_before  # workers still connected
    finally:
        if pool:
            pool.shutdown()
    return Pass(count, entries, seconds, cpu, server_cpu_used)


def postmaster() -> int | None:
    """The PostgreSQL server's process id (None on SQLite): the bench started it, so its data folder is readable."""
    if db.engine.dialect.name != "postgresql":
        return None
    data = db.session.scalar(text("SHOW data_directory"))
    db.session.remove()
    return int((Path(data) / "postmaster.pid").read_text().split()[0])


def server_cpu(postmaster_pid: int | None) -> float:
    """CPU seconds used so far by the server and its processes (each connection's backend, the WAL writer...),
    those that ended included."""
    if postmaster_pid is None:
        return 0.0
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            pid, rest = stat.read_text().split(" (", 1)
        except OSError:  # the process ended meanwhile
            continue
        fields = rest.rsplit(") ", 1)[1].split()  # from the state (field 3) on: ppid 4, utime 14, stime 15, ...
        if int(fields[1]) == postmaster_pid:  # a live backend or helper process
            ticks += int(fields[11]) + int(fields[12])
        elif int(pid) == postmaster_pid:  # and the ended ones, reaped by the postmaster (cutime 16, cstime 17)
            ticks += sum(int(field) for field in fields[11:15])
    return ticks / os.sysconf("SC_CLK_TCK")


def _store_share(households: range, turn: int, period: Period, batch: int) -> tuple[int, float]:
    """A worker's share of a period, in batches: the audit entries written and the CPU time spent."""
    started_cpu, entries, now = time.process_time(), 0, moment_in(period)
    if multiprocessing.parent_process() is not None:  # a forked worker: the parent's connections are not its own
        db.engine.dispose(close=False)
    for start in range(0, len(households), batch):
        entries += store_batch(list(households[start:start + batch]), turn, period, now)
    return entries, time.process_time() - started_cpu


@dataclass
class Run:
    backend: str
    batched: Pass
    per_event: Pass


def run_backend(name: str, url: str, args) -> Run:
    app = make_app(url, **SETTINGS)
    try:
        with app.app_context():
            upgrade()
            note(f"{name}: generating {args.households:,} households")
            generate(args.households)
            db.session.remove()
            last = checkins.period_of(Context(None, None, None, utcnow(), ZONE)).previous()
            periods = [last]
            for _ in range(args.periods):
                periods.insert(0, periods[0].previous())
            note(f"{name}: {args.periods} periods of {args.households:,} check-ins, {args.batch} a transaction")
            server = postmaster()  # and the workers fork with no connection checked out
            workers = args.workers if name == "postgresql" else 1
            batched = store(range(1, args.households + 1), periods[:-1], args.batch, workers=workers, server=server)
            note(f"{name}: {args.per_event:,} check-ins, one a transaction")
            per_event = store(range(1, args.per_event + 1), periods[-1:], 1, first_turn=args.periods, server=server)
            db.session.remove()
            db.engine.dispose()
    finally:
        jobs.runner(app).shutdown()
    return Run(name, batched, per_event)


def server_ms(done: Pass) -> str:
    return "" if done.server_cpu_seconds is None else f"{done.server_cpu_seconds / done.check_ins * 1000:.3f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=130_000)
    parser.add_argument("--periods", type=int, default=5)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--per-event", type=int, default=5_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count(),
                        help="processes storing the batches side by side (PostgreSQL; SQLite takes one writer)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 3,000 households, 2 periods, 500 one by one")
    parser.add_argument("--backend", choices=["all", "sqlite", "postgresql"], default="all")
    args = parser.parse_args(argv)
    if args.quick:
        args.households, args.periods, args.per_event = 3_000, 2, 500
    args.per_event = min(args.per_event, args.households)
    runs = [run_backend(name, url, args) for name, url in walk.databases(args.backend)]
    print(f"Check-in throughput: {args.households:,} households x {args.periods} periods, "
          f"{args.batch} check-ins a transaction; then {args.per_event:,} one a transaction")
    print(f"Workers: {args.workers} on PostgreSQL, one on SQLite (batches); this machine has {os.cpu_count()} cores")
    print(f"{'backend':<12}{'how':<18}{'check-ins':>11}{'audit':>10}{'seconds':>9}{'per s':>8}{'cpu ms':>8}"
          f"{'db ms':>7}  target")
    for run in runs:
        for how, done in ((f"{args.batch} a commit", run.batched), ("1 a commit", run.per_event)):
            print(f"{run.backend:<12}{how:<18}{done.check_ins:>11,}{done.audit_entries:>10,}{done.seconds:>9.1f}"
                  f"{done.per_second:>8,.0f}{done.cpu_seconds / done.check_ins * 1000:>8.3f}{server_ms(done):>7}  "
                  f">= {TARGET_PER_SECOND:,}/s: {verdict(done.per_second >= TARGET_PER_SECOND)}")
        print(f"{'':<12}per-event / batched: {run.per_event.per_second / run.batched.per_second:.2f}")
    print("(audit = entries written; cpu ms = the bench's CPU time per check-in, its workers' summed; db ms = the "
          "PostgreSQL server's)")
    for run in runs:
        if run.batched.server_cpu_seconds is not None:
            per_check_in = (run.batched.cpu_seconds + run.batched.server_cpu_seconds) / run.batched.check_ins
            print(f"{run.backend}: {per_check_in * 1000:.2f} ms of CPU a check-in in all: {TARGET_PER_SECOND:,}/s "
                  f"takes {per_check_in * TARGET_PER_SECOND:.1f} cores busy")
    return 1 if any(run.batched.per_second < TARGET_PER_SECOND for run in runs if run.backend == "postgresql") else 0


if __name__ == "__main__":
    sys.exit(main())
