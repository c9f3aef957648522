"""Compass-step benchmark: one step of the life compass dialog (load the person and the session, check the
household is still in their area, validate, transition, save) on SQLite and PostgreSQL.

    .venv/bin/python -m bench.compass [--quick] [--steps 50000] [--users 2000] [--backend all]

Target (issue 12): a median step under 2 ms on SQLite and on PostgreSQL, as for the other dialogs
(`bench.dialog`).

Each user is a volunteer with one classified household of their village, whose compass they write again and
again: at the MOU they answer "no", which goes back to the goals, and from then on every earlier answer is
kept ("Keep answer") but the month of each activity, which is answered afresh. So the steps cover the
roster loops (goals, spending, activities), tick lists, money, the area check of every step and the long
summary. Steps go round-robin over the users. What one timed step is:

    line_user = db.session.get(LineUser, uid)                     # load: DB
    staff = <the active staff member of that LINE account>       #
    session = dialogs.sessions.active(uid)                        #
    outcome = engine.step(Context(..., staff, ...), session, inp) # engine (its area check is a query too)
    db.session.add(...); db.session.commit()                      # save: DB
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from array import array
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import select  # noqa: E402

from bench.dialog import ZONE, Timing, make_app, note, summarise, verdict  # noqa: E402
from bot import jobs  # noqa: E402
from core.types import Context, Input  # noqa: E402
from dialogs import buttons, compass, engine, sessions  # noqa: E402
from dialogs.kinds import MultiChoice  # noqa: E402
from dialogs.kinds.multi_choice import DONE  # noqa: E402
from domain.access import staff as staff_service  # noqa: E402
from models import Area, DialogSession, Household, LineUser, Member, Staff, StaffRole, Visit, db, utcnow  # noqa: E402
from support import servers  # noqa: E402

MAX_MEDIAN_MS = 2.0
VILLAGE = "30060101"
SETUP_BATCH = 500
TYPED = {"m_team": "อาสา ทดสอบ, พัฒนากร ดีงาม", "s_amount": "3,000", "d_repay": "1,000", "o_extra": "2,000",
         "a_support": "อบรมอาชีพ", "t_income": "40,000", "g_text": "ครอบครัวอบอุ่น", "o_text": "ปลูกผัก",
         "a_text": "ทำปุ๋ยหมัก", "a_sign": "ปุ๋ยที่ได้", "m_rep_other": "ญาติ", "r_reason": "ทบทวน"}


def user_id(i: int) -> str:
    return f"U{i:032x}"


def _tap(session: DialogSession, data: dict) -> Input:
    return Input("postback", data=buttons.decode(buttons.encode(session, data)))


def next_input(ctx: Context, session: DialogSession) -> Input:
    """What the volunteer answers the question the session is at: an earlier answer kept where there is one
    (but the month), else the first option, one tick then "Done", or a typical typed answer."""
    question = engine.question_of(session)
    if session.state == "m_accept":
        return _tap(session, {"a": "no"})  # back to the goals: the compass is written again
    if session.state != "a_month" and question.keepable(ctx, session.answers):
        return _tap(session, {"keep": "1"})
    if session.state in TYPED:
        return Input("text", text=TYPED[session.state])
    options = question.choices(ctx, session.answers)
    if isinstance(question, MultiChoice):
        ticked = question.ticked(session.answers)
        return _tap(session, {"a": DONE} if ticked else {"a": options[0][0]})
    return _tap(session, {"a": options[0][0]})


def seed(users: int) -> None:
    """Per user: a LINE account, a volunteer of the village, a classified household visited with consent, and
    the compass opened on it (not timed)."""
    now = utcnow()
    db.session.add(Area(code=VILLAGE, level="village", name_th="บ้านจักราช", parent_code=VILLAGE[:6], moo=1))
    for start in range(0, users, SETUP_BATCH):
        for i in range(start, min(users, start + SETUP_BATCH)):
            person = LineUser(user_id=user_id(i), following=True, language="th", first_seen_at=now)
            staff = Staff(name=f"อาสา {i}", position="อช.", line_user_id=person.user_id,
                          roles=[StaffRole(role="volunteer", area_code=VILLAGE)])
            household = Household(house_number=str(i + 1), village_code=VILLAGE, head_name=f"นายหนึ่ง {i}",
                                  source="jpt", source_year=2566, classification="self_development", members=[
                                      Member(name=f"นายหนึ่ง {i}", relation="head", birth_date=date(1980, 1, 1),
                                             monthly_income=Decimal(3000)),
                                      Member(name=f"นางสอง {i}", relation="spouse", birth_date=date(1982, 1, 1))])
            db.session.add_all([person, staff, household])
            db.session.flush()
            db.session.add(Visit(household_id=household.id, staff_id=staff.id, consent=True, visited_at=now,
                                 resources={"debt_formal": "20000"}, way_out={"words": "ปลูกผักขาย"}))
            ctx = Context(person, staff, None, now, ZONE)
            for record in compass.open_compass(ctx, {"household": str(household.id)}).store:
                db.session.add(record)
        db.session.commit()


def db_loop(steps: int, users: int) -> Timing:
    uids = [user_id(i) for i in range(users)]
    totals, loads, engines, saves = (array("d", bytes(8 * steps)) for _ in range(4))
    clock = time.perf_counter
    started, started_cpu = clock(), time.process_time()
    for n in range(steps):
        uid = uids[n % users]
        t0 = clock()
        line_user, staff = staff_service.account(uid)
        session = sessions.active(uid)
        t1 = clock()
        ctx = Context(line_user=line_user, staff=staff, event_id=None, now=utcnow(), timezone=ZONE)
        outcome = engine.step(ctx, session, next_input(ctx, session))
        t2 = clock()
        for record in outcome.store:
            db.session.add(record)
        db.session.commit()
        t3 = clock()
        totals[n], loads[n], engines[n], saves[n] = t3 - t0, t1 - t0, t2 - t1, t3 - t2
    return summarise(totals, [loads, engines, saves], clock() - started, time.process_time() - started_cpu)


def run_backend(name: str, url: str, args) -> tuple[str, Timing, dict]:
    app = make_app(url)
    try:
        with app.app_context():
            upgrade()
            note(f"{name}: seeding {args.users:,} volunteers and households")
            seed(args.users)
            db.session.remove()
            note(f"{name}: timed pass, {args.steps:,} steps")
            timing = db_loop(args.steps, args.users)
            states: dict[str, int] = {}
            for state in db.session.scalars(select(DialogSession.state).where(DialogSession.dialog == "compass")):
                states[state] = states.get(state, 0) + 1
            db.session.remove()
            db.engine.dispose()
    finally:
        jobs.runner(app).shutdown()
    return name, timing, states


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=50_000)
    parser.add_argument("--users", type=int, default=2_000)
    parser.add_argument("--quick", action="store_true", help="smoke run: 3,000 steps from 100 users")
    parser.add_argument("--backend", choices=["all", "sqlite", "postgresql"], default="all")
    args = parser.parse_args(argv)
    if args.quick:
        args.steps, args.users = 3_000, 100
    results = []
    if args.backend in ("all", "sqlite"):
        folder = Path(tempfile.mkdtemp(prefix="bench-compass-"))
        try:
            results.append(run_backend("sqlite", f"sqlite:///{folder / 'bench.sqlite3'}", args))
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    if args.backend in ("all", "postgresql"):
        if servers.postgres_bin_dir() is None:
            note("postgresql: skipped, binaries not found")
        else:
            server = servers.PostgresServer()
            try:
                results.append(run_backend("postgresql", server.url, args))
            finally:
                server.stop()
    print(f"Compass step benchmark: {args.steps:,} steps from {args.users:,} volunteers, round-robin")
    print(f"{'backend':<12}{'median':>8}{'p90':>8}{'p99':>8}{'steps/s':>9}{'load':>7}{'engine':>8}{'save':>7}"
          f"{'cpu':>7}  target")
    for name, t, states in results:
        print(f"{name:<12}{t.median_ms:>8.3f}{t.p90_ms:>8.3f}{t.p99_ms:>8.3f}{t.steps_per_second:>9,.0f}"
              f"{t.load_ms:>7.3f}{t.engine_ms:>8.3f}{t.save_ms:>7.3f}{t.cpu_ms:>7.3f}  "
              f"median < {MAX_MEDIAN_MS} ms: {verdict(t.median_ms < MAX_MEDIAN_MS)}")
        print(f"{'':<12}sessions at the end, by question: {dict(sorted(states.items()))}")
    print("(times in ms; load = LineUser + staff + active session, engine = input + Context + engine.step "
          "(its area check included), save = add + commit; cpu = this process's CPU time per step)")
    return 1 if any(t.median_ms >= MAX_MEDIAN_MS for _n, t, _s in results) else 0


if __name__ == "__main__":
    sys.exit(main())
