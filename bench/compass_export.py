"""Plans-by-agency benchmark: a province's export, on SQLite and PostgreSQL.

    .venv/bin/python -m bench.compass_export [--quick] [--backend all|sqlite|postgresql] [--households 30000]
                                             [--activities 200000] [--json FILE]

Target (issue 12, speed): the agency export for a province (about 30,000 compasses, 200,000 activities) in under
10 s, with flat memory.

A province (30) of 20 districts x 10 subdistricts x 15 villages gets --households households, each with a current
compass holding its share of --activities government activities, every one of which goes into the file (the
worst case: no self or community activity to skip), spread over the ten agencies, a third with an amount in baht.
One household in ten also has an earlier version (3 activities) and one in twenty a newer version not accepted
(2 activities): the export must leave both out. Rows are bulk-inserted, not made through the dialog.

`domain.step2_compass.plans.write` then writes the province's file, and one district's (a twentieth of the rows),
each in a child process, so that its peak RSS (VmHWM) is that export's alone: "flat" = the province's peak RSS
within 10% (or 15 MB) of the district's. Seconds are by the wall clock (the judged figure) and by CPU (the export's
process plus its PostgreSQL backends), as the machine is shared.
"""

from __future__ import annotations

import argparse
import importlib
import itertools
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # also runnable as `python bench/compass_export.py`
    sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, text  # noqa: E402

from domain.access.scope import Scope  # noqa: E402
from domain.step2_compass import plans  # noqa: E402
from domain.step2_compass.choices import AGENCIES  # noqa: E402
from models import Compass, CompassActivity, Household, db, utcnow  # noqa: E402
from models.compass import ACTIVITY_STATUSES  # noqa: E402
from models.household import house_order  # noqa: E402
from support import servers  # noqa: E402

import_bench = importlib.import_module("bench.import")  # its databases, app and memory readings
MAX_SECONDS = 10.0
FLAT_RATIO, FLAT_MB = 0.10, 15.0
PROVINCE, DISTRICT = "30", "3006"
CHUNK = 20_000


def villages() -> list[str]:
    return [f"{PROVINCE}{d:02d}{s:02d}{v:02d}" for d in range(1, 21) for s in range(1, 11) for v in range(1, 16)]


def generate(households: int, activities: int) -> dict[str, int]:
    """The province's households, compasses and activities, bulk-inserted; how many of each."""
    rng, now, places = random.Random(12), utcnow(), villages()
    agencies = [code for code, _ in AGENCIES]
    counts = {"households": 0, "compasses": 0, "activities": 0, "exported": 0}

    def household_rows():
        for h in range(1, households + 1):
            number = f"{rng.randrange(1, 300)}" + (f"/{rng.randrange(1, 5)}" if rng.random() < 0.2 else "")
            name = (f"{rng.choice(('นาย', 'นาง'))}{rng.choice(import_bench.FIRST_NAMES)} "
                    f"{rng.choice(import_bench.SURNAMES)}")
            yield {"id": h, "house_number": number, "house_order": house_order(number),
                   "village_code": places[h % len(places)], "head_name": name, "source": "jpt", "source_year": 2568,
                   "status": "open", "test_data": False, "created_at": now, "updated_at": now}

    def compass_rows():
        compass_id = 0
        for h in range(1, households + 1):
            versions = [(1, True)] if h % 10 else [(1, True), (2, True)]
            if h % 20 == 0:
                versions.append((len(versions) + 1, False))
            current = max(v for v, accepted in versions if accepted)
            for version, accepted in versions:
                compass_id += 1
                yield ({"id": compass_id, "household_id": h, "version": version, "classification": "self_development",
                        "goals": {}, "created_at": now, "accepted_at": now if accepted else None},
                       activities // households + (h <= activities % households) if version == current
                       else 3 if accepted else 2)

    def activity_rows(compasses):
        for compass, count in compasses:
            for k in range(count):
                baht = Decimal(rng.randrange(5, 500) * 100) if k % 3 == 0 else None
                yield {"compass_id": compass["id"], "part": "government", "kind": "other",
                       "text": f"กิจกรรมที่ {k + 1} ของแผน", "who": "x", "target_month": date(2027, 1 + k % 12, 1),
                       "agency": agencies[(compass["household_id"] + k) % len(agencies)],
                       "support": "ขอรับการสนับสนุนพันธุ์พืชและอบรม", "support_baht": baht,
                       "status": ACTIVITY_STATUSES[k % len(ACTIVITY_STATUSES)]}

    for chunk in chunks(household_rows()):
        db.session.execute(insert(Household), chunk)
        counts["households"] += len(chunk)
    compasses = list(compass_rows())
    for chunk in chunks(row for row, _ in compasses):
        db.session.execute(insert(Compass), chunk)
        counts["compasses"] += len(chunk)
    for chunk in chunks(activity_rows(compasses)):
        db.session.execute(insert(CompassActivity), chunk)
        counts["activities"] += len(chunk)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SELECT setval('households_id_seq', (SELECT max(id) FROM households))"))
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    return counts


def chunks(rows):
    rows = iter(rows)
    while chunk := list(itertools.islice(rows, CHUNK)):
        yield chunk


def child_export(url: str, area: str) -> dict:
    """Runs in a child process: one export into a temporary file, timed, with this process's memory at its peak."""
    app = import_bench.make_app(url)
    with app.app_context():
        rss_before, server_before = import_bench.vm_kb("VmRSS"), import_bench.server_cpu()
        started, cpu_started = time.perf_counter(), time.process_time()
        with tempfile.TemporaryFile() as file:
            exported = plans.write(Scope((area,)), area, file, utcnow(), app.config["BOT_TIMEZONE"])
            size = file.tell()
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        server = sum(used - server_before.get(pid, 0.0) for pid, used in import_bench.server_cpu().items())
        result = {"area": area, "rows": exported.total.activities, "households": exported.total.households,
                  "sheets": len(exported.agencies) + 1, "seconds": seconds, "cpu_seconds": cpu + server,
                  "file_mb": size / 1e6, "rss_before_mb": rss_before / 1024,
                  "peak_rss_mb": import_bench.vm_kb("VmHWM") / 1024}
    import_bench.shutdown(app)
    return result


def timed_export(url: str, area: str) -> dict:
    child = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", url, area], cwd=ROOT,
                           capture_output=True, text=True, check=False)
    if child.returncode:
        raise RuntimeError(f"export of {area} failed:\n{child.stderr[-3000:]}")
    return json.loads(child.stdout.strip().splitlines()[-1])


def run(backend: str, households: int, activities: int) -> dict:
    dbs = import_bench.Databases(backend)
    try:
        url = dbs.fresh()
        import_bench.prepare(url, villages())
        app = import_bench.make_app(url)
        with app.app_context():
            import_bench.note(f"{backend}: generating {households:,} households and {activities:,} activities")
            started = time.perf_counter()
            counts = generate(households, activities)
            import_bench.note(f"{backend}: generated in {time.perf_counter() - started:.1f}s; exporting")
        import_bench.shutdown(app)
        exports = [timed_export(url, DISTRICT), timed_export(url, PROVINCE)]
        return {"backend": backend, "generated": counts, "exports": exports}
    finally:
        dbs.close()


def report(results: list[dict]) -> tuple[str, bool]:
    lines, ok = [], True
    lines.append(f"Plans by agency (target: a province in < {MAX_SECONDS:.0f} s; memory flat: the province's peak RSS "
                 f"within {FLAT_RATIO:.0%} or {FLAT_MB:.0f} MB of a district's). Load average "
                 f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs.")
    header = (f"{'backend':<12}{'area':<6}{'rows':>9}{'households':>11}{'sheets':>7}{'wall s':>8}{'rows/s':>9}"
              f"{'CPU s':>7}{'file MB':>8}{'RSS before':>12}{'peak RSS':>10}")
    lines += [header, "-" * len(header)]
    for result in results:
        generated = result["generated"]
        for run_ in result["exports"]:
            lines.append(f"{result['backend']:<12}{run_['area']:<6}{run_['rows']:>9,}{run_['households']:>11,}"
                         f"{run_['sheets']:>7}{run_['seconds']:>8.2f}{run_['rows'] / run_['seconds']:>9,.0f}"
                         f"{run_['cpu_seconds']:>7.2f}{run_['file_mb']:>8.1f}{run_['rss_before_mb']:>10.0f}MB"
                         f"{run_['peak_rss_mb']:>8.0f}MB")
        district, province = result["exports"]
        growth = province["peak_rss_mb"] - district["peak_rss_mb"]
        flat = growth <= max(FLAT_MB, FLAT_RATIO * district["peak_rss_mb"])
        fast = province["seconds"] < MAX_SECONDS
        ok &= flat and fast
        lines.append(f"{'':<12}in the database: {generated['households']:,} households, {generated['compasses']:,} "
                     f"compasses, {generated['activities']:,} activities; province {verdict(fast)} in time, peak RSS "
                     f"district → province {growth:+.1f} MB ({verdict(flat)})")
    return "\n".join(lines), ok


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=30_000)
    parser.add_argument("--activities", type=int, default=200_000)
    parser.add_argument("--quick", action="store_true", help="smoke run: 3,000 households, 20,000 activities")
    parser.add_argument("--backend", choices=["all", "sqlite", "postgresql"], default="all")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--child", nargs=2, metavar=("URL", "AREA"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child_export(*args.child)))
        return 0
    if args.quick:
        args.households, args.activities = 3_000, 20_000
    backends = ["sqlite", "postgresql"] if args.backend == "all" else [args.backend]
    if "postgresql" in backends and servers.postgres_bin_dir() is None:
        import_bench.note("PostgreSQL binaries not found: skipping PostgreSQL")
        backends.remove("postgresql")
    results = [run(backend, args.households, args.activities) for backend in backends]
    import_bench.note("done")
    text_, ok = report(results)
    print(text_)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2, default=str))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
