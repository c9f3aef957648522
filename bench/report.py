"""Monthly report benchmark (issue 15, speed): freezing a national period, a district's report from the snapshot, a
province's live "so far", and the national XLSX, on SQLite and PostgreSQL side by side.

    .venv/bin/python -m bench.report [--quick] [--households 20000] [--periods 12]
                                     [--backend all|sqlite|postgresql]

Targets at 1,000,000 households and 12 periods of check-ins (about 8 million in the issue; 11 million here):
freezing a national period < 60 s on PostgreSQL; a district's page from the snapshot < 300 ms; a province's live
view < 2 s; the national XLSX streamed with flat memory.

The data is generated here and bulk-inserted (not timed): --households households, about 13 a village as in
Thailand (75,000 villages for a million), 10 villages a subdistrict, 8 subdistricts a district, 12 districts a
province (provinces 10, 11, ...). Each household has two members with incomes (the survey's), a consenting 4ท
visit, an open problem in one of TPMAP's dimensions (one in four solved), an accepted life compass of three
activities (one a government agency's) and a caretaker (one for three households), in care since before the first
period; one in twelve is out of poverty, one in fifty has moved away. Then --periods closed periods of check-ins
(each with an income per person per year around the จปฐ. line): most on time, one in twenty late, one in twenty
missing; and the period under way half checked in.

Timed, each in this process unless said: `bot.report_clock.freeze` of the last closed period for the nation (once: a
second run stores nothing, and is timed too); `snapshots.view` of a district of the frozen period (the frozen rows
and the live late-entries count; the median of 5); `counting.count` of a province for the period under way (the
median of 3); and `export.write` of the frozen period as XLSX for the nation and for a district, each in a child
process whose peak RSS (VmHWM) is its own: "flat" = the nation's peak within 15 MB or 10% of a district's.

Measured on this 2-core machine (load average 1.4), 2026-12-04, `--households 100000` (about 7 minutes, most of it
generating; the default 20,000 takes 2):

    100,000 households, 12 periods (1,161,000 check-ins)    sqlite     postgresql
    freeze the nation (8,569 areas stored)                  2.70 s     3.39 s      a second freeze: 1 ms
    a district's view from the snapshot (89 rows)           6.9 ms     9.0 ms
      its whole page: map, trend, HTML                      14.2 ms    20.6 ms
    a province's live view (12,481 households)              0.28 s     0.41 s
    national XLSX (8,569 areas, 100,000 households)         3.45 s     3.62 s
      peak RSS, national / a district's                     197 / 184  186 / 180 MB

Measured at 1,000,000 households on PostgreSQL (`--households 1000000 --backend postgresql`, 2026-12-04, load
average 1.1; 20 minutes, 18 of them generating):

    1,000,000 households, 12 periods (11,610,000 check-ins)   postgresql
    freeze the nation (85,660 areas stored)                     37.02 s    target < 60 s: PASS
    a district's view from the snapshot                         35.5 ms
      its whole page: map, trend, HTML                          47.8 ms    target < 300 ms: PASS
    a province's live view (12,481 households)                  0.48 s     target < 2 s: PASS
    national XLSX (85,660 areas, 1,000,000 households)          36.62 s
      peak RSS, national / a district's                         187 / 180 MB   flat: PASS

A province's live view took 2.67 s at a million before: its count read parts of the whole country's records for
its 12,481 households (EXPLAIN ANALYZE on 300,000 households): the latest income of each household was found by
grouping every check-in of the nation, then hashing all 3.5 million to join back; the current compass, the "with
a compass", "interviewed" and "with a caretaker" counts hashed the nation's compasses, visits and care
assignments. Each is now looked up per household of the area through its index (a correlated subquery or EXISTS,
which the planner probes for an area and hashes once for the nation), and PostgreSQL plans with random_page_cost
1.1 (`bot/postgres.py`): at 300,000 households the view went from 1.72 s to 0.47 s; the nation's count, by the
same random_page_cost, from 7.9 s to 9.0 s (its freeze at a million: 35 s before, 37 s now). At 100,000 the
province's view went from 0.81 s to 0.41 s on PostgreSQL.

Extrapolated to 1,000,000 households (11.6 million check-ins), from the 100,000 run:
- Freezing the nation reads every household and check-in once (hash joins and grouped scans, then a pass over the
  households' incomes in Python): linear, about 10 x 3.4 = 34 s on PostgreSQL (37 s measured; target < 60 s),
  27 s on SQLite.
  At that size hash aggregates larger than PostgreSQL's work_mem spill to disk (the 37 s measured includes it);
  raise work_mem for the freeze's session if it nears the target.
- A district's view reads its 89 snapshot rows and counts its own ~1,000 households' visits through their indexes
  (the late entries): the same at any size of the country, about 10 ms (target < 300 ms).
- A province's live view counts its own households (about 13,000 in any province: a million households over 77
  provinces) through their indexes: measured above, 0.48 s whatever the country's size.
- The national XLSX streams every row (about 90,000 areas and a million households: ~40 s); its memory does not
  grow with the rows: the frozen rows are read 500 at a time and merged with the visits counted per level, the
  households 2,000 at a time (by tracemalloc at 60,000 households: Python's peak 8 MB, reached in the level sheets,
  and 3.4 MB held from the first household to the last); the
  national file's peak RSS stays within 5 MB (PostgreSQL) to 12 MB (SQLite's page cache) of a district's.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # also runnable as `python bench/report.py`
    sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import func, insert, select, text  # noqa: E402

from bench import walk  # noqa: E402
from bench.compass_export import chunks  # noqa: E402
from bench.dialog import ZONE, make_app, note, verdict  # noqa: E402
from bot import jobs, report_clock, report_page  # noqa: E402
from core.periods import Period  # noqa: E402
from core.types import Context  # noqa: E402
from core.xlsx import Workbook  # noqa: E402
from domain.access.scope import EVERYWHERE  # noqa: E402
from domain.step2_compass.choices import AGENCIES  # noqa: E402
from domain.step5_report import counting, export, snapshots  # noqa: E402
from domain.step5_report.counting import Moment  # noqa: E402
from models import (  # noqa: E402
    CareAssignment,
    CheckIn,
    Compass,
    CompassActivity,
    Household,
    LineUser,
    Member,
    Problem,
    ReportSnapshot,
    Staff,
    Visit,
    db,
    utcnow,
)
from models.household import DIMENSIONS, house_order  # noqa: E402

import_bench = __import__("importlib").import_module("bench.import")  # its areas and memory readings

TARGETS = {"freeze": 60.0, "district": 0.300, "province": 2.0}  # seconds, at 1,000,000 households
FLAT_RATIO, FLAT_MB = 0.10, 15.0
PER_VILLAGE, PER_SUBDISTRICT, PER_DISTRICT = 13, 10, 8
DISTRICTS_PER_PROVINCE = 12
SETTINGS = {"POVERTY_LINES": "2560-2580:38000"}
HOUSEHOLDS_EACH = 3  # a caretaker's


def villages(households: int) -> list[str]:
    count = max(households // PER_VILLAGE, 1)
    found = []
    for n in range(count):
        subdistrict, village = divmod(n, PER_SUBDISTRICT)
        district, sub = divmod(subdistrict, PER_DISTRICT)
        province, dist = divmod(district, DISTRICTS_PER_PROVINCE)
        found.append(f"{10 + province:02d}{dist + 1:02d}{sub + 1:02d}{village + 1:02d}")
    return found


def generate(households: int, periods: list[Period], under_way: Period) -> int:
    """Everything, bulk-inserted; how many check-ins."""
    places, now = villages(households), utcnow()
    since = periods[0].previous().cutoff(20, ZONE) - timedelta(days=40)
    import_bench.add_areas(places)
    agencies = [code for code, _ in AGENCIES]
    carers = (households + HOUSEHOLDS_EACH - 1) // HOUSEHOLDS_EACH

    def village_of(h: int) -> str:
        return places[(h - 1) * len(places) // households]

    def status_of(h: int) -> str:
        return "moved" if h % 50 == 0 else "solved" if h % 12 == 0 else "in_progress"

    tables = [
        (Staff, ({"id": c, "name": f"ผู้ดูแล {c}", "position": "อสม.", "active": True, "created_at": now}
                 for c in range(1, carers + 1))),
        (Household, ({"id": h, "house_number": str(h), "house_order": house_order(str(h)),
                      "village_code": village_of(h), "head_name": f"นายหนึ่ง ใจดี {h}", "source": "jpt",
                      "source_year": 2566, "status": status_of(h),
                      "classification": "welfare" if h % 7 == 0 else "self_development", "test_data": False,
                      "created_at": since, "updated_at": since} for h in range(1, households + 1))),
        (Member, ({"household_id": h, "name": f"{name} {h}", "relation": relation,
                   "national_id_last": f"{h % 10000:04d}", "monthly_income": Decimal(income + (h % 9) * 300),
                   "disabled": False, "bedridden": False,
                   "chronic_illness": False, "welfare_card": False, "can_work": True, "test_data": False}
                  for h in range(1, households + 1)
                  for name, relation, income in (("นายหนึ่ง ใจดี", "head", 3500), ("นางสอง ใจดี", "spouse", 1200)))),
        (Visit, ({"household_id": h, "consent": True, "visited_at": since} for h in range(1, households + 1))),
        (Problem, ({"household_id": h, "dimension": DIMENSIONS[h % len(DIMENSIONS)],
                    "status": "solved" if h % 4 == 0 else "open"} for h in range(1, households + 1))),
        (Compass, ({"id": h, "household_id": h, "version": 1, "classification": "self_development", "goals": {},
                    "created_at": since, "accepted_at": since} for h in range(1, households + 1))),
        (CompassActivity, ({"compass_id": h, "part": "government" if k == 0 else "self", "kind": "other",
                            "text": f"กิจกรรมที่ {k + 1}", "who": "x", "target_month": date(2027, 3, 1),
                            "agency": agencies[h % len(agencies)] if k == 0 else None,
                            "status": ("not_started", "under_way", "done")[(h + k) % 3]}
                           for h in range(1, households + 1) for k in range(3))),
        (CareAssignment, ({"household_id": h, "caretaker_id": (h - 1) // HOUSEHOLDS_EACH + 1, "started_at": since}
                          for h in range(1, households + 1))),
    ]
    for model, rows in tables:
        for chunk in chunks(rows):
            db.session.execute(insert(model), chunk)
        db.session.commit()
    check_ins = 0
    for turn, period in enumerate([*periods, under_way]):
        for chunk in chunks(check_in_rows(households, turn, period, period == under_way)):
            db.session.execute(insert(CheckIn), chunk)
            check_ins += len(chunk)
        db.session.commit()
        note(f"period {period.key}: {check_ins:,} check-ins so far")
    if db.engine.dialect.name == "postgresql":
        for table in ("staff", "households", "compasses"):
            db.session.execute(text(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))"))
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    return check_ins


def check_in_rows(households: int, turn: int, period: Period, under_way: bool):
    cutoff = period.cutoff(20, ZONE)
    for h in range(1, households + 1):
        r = (h * 7 + turn) % 20
        if h % 50 == 0 or r == 0 or (under_way and h % 2):  # moved away, missed, or not yet this period
            continue
        late = r == 1 and not under_way
        ppy = Decimal(30_000 + (h % 17) * 1_000 + turn * 200)
        yield {"household_id": h, "period": period.key, "late": late, "staff_id": (h - 1) // HOUSEHOLDS_EACH + 1,
               "at": cutoff + timedelta(days=3) if late else cutoff - timedelta(days=10), "contact": "in_person",
               "monthly_income": ppy / 6, "members": 2, "per_person_year": ppy, "poverty_line": 38_000,
               "activities": [], "solved": [], "new_problems": []}


def median_seconds(action, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
        db.session.rollback()
    return statistics.median(times)


def child_export(url: str, area: str, period_key: int) -> dict:
    """Runs in a child process: one XLSX export into a temporary file, timed, with this process's peak RSS."""
    app = make_app(url, **SETTINGS)
    with app.app_context():
        rss_before = import_bench.vm_kb("VmRSS")
        started = time.perf_counter()
        with tempfile.TemporaryFile() as file:
            with Workbook(file) as book:
                written = export.write(Period.from_key(period_key), area, EVERYWHERE, utcnow(), export.XlsxSheets(book))
            size = file.tell()
        result = {"area": area, "seconds": time.perf_counter() - started, "areas": written.areas,
                  "households": written.households, "file_mb": size / 1e6, "rss_before_mb": rss_before / 1024,
                  "peak_rss_mb": import_bench.vm_kb("VmHWM") / 1024}
    import_bench.shutdown(app)
    return result


def timed_export(url: str, area: str, period: Period) -> dict:
    child = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", url, area, str(period.key)],
                           cwd=ROOT, capture_output=True, text=True, check=False)
    if child.returncode:
        raise RuntimeError(f"export of {area} failed:\n{child.stderr[-3000:]}")
    return json.loads(child.stdout.strip().splitlines()[-1])


def run_backend(name: str, url: str, args) -> dict:
    app = make_app(url, **SETTINGS)
    try:
        with app.app_context():
            upgrade()
            now = utcnow()
            under_way = Period.of_moment(now, 20, ZONE)
            periods = [under_way.previous()]
            while len(periods) < args.periods:
                periods.insert(0, periods[0].previous())
            note(f"{name}: generating {args.households:,} households, {args.periods} periods of check-ins")
            check_ins = generate(args.households, periods, under_way)
            db.session.remove()
            closed, district, province = periods[-1], villages(args.households)[0][:4], villages(args.households)[0][:2]
            note(f"{name}: freezing {closed.key} for the nation")
            started = time.perf_counter()
            stored = report_clock.freeze(closed, "bench", now)
            freeze = time.perf_counter() - started
            started = time.perf_counter()
            assert report_clock.freeze(closed, "bench", now) == 0
            again = time.perf_counter() - started
            note(f"{name}: views")
            district_view = median_seconds(lambda: snapshots.view(closed, district, EVERYWHERE, now), 5)
            reader = Context(LineUser(language="th"), Staff(name="bench"), None, now, ZONE)
            with app.test_request_context():
                district_page = median_seconds(lambda: report_page.html(
                    reader, snapshots.view(closed, district, EVERYWHERE, now), EVERYWHERE, ""), 5)
            province_live = median_seconds(
                lambda: counting.count(Moment.of(under_way, now), province, EVERYWHERE), 3)
            households_in_province = db.session.scalar(select(func.count()).select_from(Household)
                                                       .where(Household.village_code.startswith(province)))
            rows = db.session.scalar(select(func.count()).select_from(ReportSnapshot))
            db.session.remove()
            db.engine.dispose()
        note(f"{name}: exports")
        exports = [timed_export(url, district, closed), timed_export(url, "TH", closed)]
    finally:
        jobs.runner(app).shutdown()
    return {"backend": name, "households": args.households, "check_ins": check_ins, "areas": stored,
            "snapshot_rows": rows, "freeze": freeze, "freeze_again": again, "district_view": district_view,
            "district_page": district_page,
            "province_live": province_live, "province_households": households_in_province, "exports": exports}


def report(results: list[dict], args) -> tuple[str, bool]:
    scale = 1_000_000 / args.households
    lines = [f"Monthly report: {args.households:,} households, {args.periods} closed periods and one under way "
             f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)",
             f"{'':<44}" + "".join(f"{r['backend']:>14}" for r in results)]

    def row(title: str, cells) -> None:
        lines.append(f"{title:<44}" + "".join(f"{cell:>14}" for cell in cells))

    row("check-ins", [f"{r['check_ins']:,}" for r in results])
    row("freeze the nation (s)", [f"{r['freeze']:.2f}" for r in results])
    row("  areas stored; a second freeze (s)", [f"{r['areas']:,}; {r['freeze_again']:.3f}" for r in results])
    row("a district's view from the snapshot (ms)", [f"{r['district_view'] * 1000:.1f}" for r in results])
    row("  its whole page: map, trend, HTML (ms)", [f"{r['district_page'] * 1000:.1f}" for r in results])
    row("a province's live view (s)", [f"{r['province_live']:.3f}" for r in results])
    row("  households in that province", [f"{r['province_households']:,}" for r in results])
    for i, what in ((1, "national"), (0, "a district's")):
        row(f"{what} XLSX (s)", [f"{r['exports'][i]['seconds']:.2f}" for r in results])
        row(f"  {what} peak RSS (MB)", [f"{r['exports'][i]['peak_rss_mb']:.0f}" for r in results])
    ok = True
    lines.append(f"At 1,000,000 households (x{scale:,.0f}, linear in the rows each reads):")
    for r in results:
        national, district = r["exports"][1], r["exports"][0]
        flat = national["peak_rss_mb"] - district["peak_rss_mb"] <= max(FLAT_MB, FLAT_RATIO * district["peak_rss_mb"])
        freeze = r["freeze"] * scale
        province = r["province_live"] * min(scale, 1_000_000 / 77 / max(r["province_households"], 1))
        checks = {"freeze": freeze < TARGETS["freeze"], "district": r["district_page"] < TARGETS["district"],
                  "province": province < TARGETS["province"]}
        if r["backend"] == "postgresql":
            ok &= all(checks.values()) and flat
        lines.append(f"  {r['backend']}: freeze ~{freeze:.0f} s ({verdict(checks['freeze'])} < 60 s); a district "
                     f"page from the snapshot {r['district_page'] * 1000:.0f} ms, a district's rows at any size "
                     f"({verdict(checks['district'])} < 300 ms); a province of ~13,000 households live "
                     f"~{province:.2f} s "
                     f"({verdict(checks['province'])} < 2 s); national XLSX memory {verdict(flat)} (flat)")
    return "\n".join(lines), ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=20_000)
    parser.add_argument("--periods", type=int, default=12)
    parser.add_argument("--quick", action="store_true", help="smoke run: 2,000 households, 3 periods")
    parser.add_argument("--backend", choices=["all", "sqlite", "postgresql"], default="all")
    parser.add_argument("--child", nargs=3, metavar=("URL", "AREA", "PERIOD"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child_export(args.child[0], args.child[1], int(args.child[2]))))
        return 0
    if args.quick:
        args.households, args.periods = 2_000, 3
    results = [run_backend(name, url, args) for name, url in walk.databases(args.backend)]
    text_, ok = report(results, args)
    print(text_)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
