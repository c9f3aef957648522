"""Import and search benchmark: target-household lists into SQLite and PostgreSQL, and search at national scale.

    .venv/bin/python -m bench.import [--quick] [--backend all|sqlite|postgresql] [--small 10000] [--rows 100000]
                                     [--households 650000] [--searches 200] [--xlsx] [--explain] [--json FILE]

Targets (from issue 4): importing 100,000 generated rows runs at least 5,000 rows/s on SQLite and on
PostgreSQL, with memory flat in the file's size; searching a household among 650,000 (the national target
count) answers in under 50 ms.

Import: CSV files of --small and --rows rows (10,000 and 100,000) are generated as the template lays them
out (one row per member, 1-6 members per household, valid national IDs, half the households with a house
code, in the 112 villages of district 3006). Each file is imported by `importer.run` as an admin into a
fresh database, in a child process, so its peak RSS (VmHWM) is that import's alone. Rows/s is given by the
wall clock and by CPU time (the importer's process plus its PostgreSQL backends, read from /proc): on a
shared machine the wall clock measures the neighbours too, the CPU figure is the rate with the machine to
itself and is the one judged. "Flat" = the large file's peak RSS within 10% (or 15 MB) of the small one's.
The large file is then imported a second time (every household found unchanged). --xlsx does the same with
XLSX files on SQLite (openpyxl's read-only reader; slower, reported but not judged).

Search: 650,000 households (no members: search doesn't read them) are bulk-inserted (executemany on
SQLite, COPY on PostgreSQL; not through the importer, so each is given here the house-number sort key that
results are ordered by, `models.household.house_order`) into 73,920 villages of 77 provinces x 12 districts
x 8 subdistricts x 10 villages, about 700 households per district as nationally. `domain.step1_survey.households.search`
(a count and the first page) is timed for a district supervisor of 3006: by house number, by part of the
head's name, and by village (no text); --searches times each with varying terms: median and p99 in ms.
The same name search by a nationwide admin (every household in scope) is timed for comparison, and a
nationwide search for a rare surname (10 heads in all, so counting never stops early at the cap).
--explain prints the query plans.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import logging
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # also runnable as `python bench/import.py`
    sys.path.insert(0, str(ROOT))

import openpyxl  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import event, insert, select, text  # noqa: E402

from bench import bot_settings, percentile  # noqa: E402
from bot import create_app, jobs  # noqa: E402
from core.validators import national_id_check_digit  # noqa: E402
from domain.step1_survey import households, importer  # noqa: E402
from domain.step1_survey.importer import COLUMNS  # noqa: E402
from models import Area, Household, Staff, StaffRole, db, utcnow  # noqa: E402
from models.household import house_order  # noqa: E402
from support import servers  # noqa: E402

SECRET = "0123456789abcdef0123456789abcdef"
TOKEN = "bench-channel-access-token"
MIN_ROWS_PER_S = 5_000
MAX_SEARCH_MS = 50.0
FLAT_RATIO, FLAT_MB = 0.10, 15.0
SUPERVISED_DISTRICT = "3006"
CASE_SECONDS, MIN_SEARCHES = 10.0, 20

FIRST_NAMES = ("สมชาย", "สมศรี", "บุญมี", "มาลี", "ประเสริฐ", "วิไล", "สุดา", "สมพร", "ทองดี", "คำปุน", "บัวผัน", "สายทอง",
               "อำนวย", "จันทร์เพ็ญ", "ประยูร", "สุรชัย", "นิตยา", "ชัยวัฒน์", "พิมพา", "เสงี่ยม", "บุญเรือน", "สมหมาย", "ละเอียด",
               "ทองใบ", "วันเพ็ญ", "สำราญ", "อุไร", "ไพโรจน์", "กัญญา", "ธนากร")
SURNAMES = ("ใจดี", "ศรีสุข", "ทองคำ", "แก้วมณี", "รักษ์ถิ่น", "มีสุข", "บุญมา", "พรหมวงศ์", "ศรีจักราช", "โพธิ์ทอง", "สายบุญ",
            "จันทร์หอม", "ดวงแก้ว", "ชัยมงคล", "เพชรรัตน์", "นาคสวัสดิ์", "อินทร์แก้ว", "ภูมิสวัสดิ์", "วงศ์ใหญ่", "คงมั่น",
            "เจริญสุข", "ทองสุข", "พิมพ์ทอง", "หอมจันทร์", "สุขเจริญ", "บุญประเสริฐ", "แสงทอง", "มั่นคง", "ศรีวงศ์", "ปัญญาดี")
RARE_SURNAMES = ("วัฒนากุลชัย", "อุดมศักดิ์", "เกียรติขจร", "ธนพัฒน์พงศ์", "ชุติมาวงศ์", "กิตติวรากร", "เหลืองอร่าม",
                 "ตันติเวชกุล", "อัศวโภคิน", "พึ่งพานิช")  # each head of 1 household in RARE_EVERY
RARE_EVERY = 6_500  # 650,000 households: 10 heads of each rare surname nationwide
RELATIONS = ("หัวหน้าครัวเรือน", "คู่สมรส", "บุตร", "บุตร", "บิดา/มารดา", "หลาน")
SOURCES = ("จปฐ./TPMAP", "ThaiQM", "เวทีประชาคม", "walk-in")
FIELDS = tuple(COLUMNS)  # the template's columns, in its order


# ---- generated data -----------------------------------------------------------------------------

def national_id(serial: int) -> str:
    first12 = f"{1 + serial % 8}{serial:011d}"
    return first12 + str(national_id_check_digit(first12))


def import_villages() -> list[str]:
    """District 3006 as the brief has it: 8 subdistricts, here 14 villages each."""
    return [f"3006{sub:02d}{moo:02d}" for sub in (1, 3, 4, 5, 7, 10, 11, 13) for moo in range(1, 15)]


def member_rows(count: int, seed: int = 1):
    """`count` template rows (one per member), households of 1-6 members, in order."""
    rng = random.Random(seed)
    villages = import_villages()
    serial = household = 0
    while serial < count:
        village = villages[household % len(villages)]
        house_code = f"3006{household:06d}{household % 10}" if household % 2 == 0 else ""
        number = f"{household // len(villages) + 1}" + (f"/{household % 3}" if household % 3 else "")
        surname = rng.choice(SURNAMES)
        source = SOURCES[household % len(SOURCES)]
        for k in range(min(1 + household % 6, count - serial)):
            title = "นาย" if k % 2 == 0 else "นาง"
            values = {"village_code": village, "house_number": number, "house_code": house_code, "source": source,
                      "source_year": "2568", "name": f"{title}{rng.choice(FIRST_NAMES)} {surname}",
                      "national_id": national_id(serial + 1), "sex": "ชาย" if k % 2 == 0 else "หญิง",
                      "birth_date": f"{1 + serial % 28}/{1 + serial % 12}/{2480 + serial % 80}",
                      "relation": RELATIONS[k % len(RELATIONS)], "education": "ประถมศึกษา", "occupation": "เกษตรกร",
                      "monthly_income": f"{rng.randrange(0, 15_000):,}", "disabled": "ไม่", "bedridden": "",
                      "chronic_illness": "ใช่" if serial % 7 == 0 else "", "welfare_card": "ใช่" if serial % 3 else "ไม่",
                      "can_work": "ใช่"}
            yield [values.get(key, "") for key in FIELDS]
            serial += 1
        household += 1


def write_csv(path: Path, count: int) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as file:
        writer = csv.writer(file)
        writer.writerow([COLUMNS[key].header for key in FIELDS])
        writer.writerows(member_rows(count))
    return path


def write_xlsx(path: Path, count: int) -> Path:
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append([COLUMNS[key].header for key in FIELDS])
    for row in member_rows(count):
        sheet.append(row)
    workbook.save(path)
    return path


# ---- databases ----------------------------------------------------------------------------------

def make_app(url: str):
    app = create_app({"LINE_CHANNEL_SECRET": SECRET, "LINE_CHANNEL_ACCESS_TOKEN": TOKEN, "DATABASE_URL": url,
                      "SWEEP_INTERVAL": 0, "TESTING": True, **bot_settings()})
    logging.getLogger().setLevel(logging.WARNING)  # create_app turns INFO on; keep the output readable
    return app


class Databases:
    """Fresh, migrated databases on one backend: SQLite files in a temporary folder, or databases of one
    PostgreSQL server started for the run."""

    def __init__(self, backend: str):
        self.backend, self.count = backend, 0
        self.folder = Path(tempfile.mkdtemp(prefix="bench-import-"))
        self.server = servers.PostgresServer() if backend == "postgresql" else None

    def fresh(self) -> str:
        self.count += 1
        if self.server is None:
            return f"sqlite:///{self.folder / f'db{self.count}.sqlite3'}"
        admin = make_app(self.server.url)
        with admin.app_context(), db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f"CREATE DATABASE bench{self.count}"))
        shutdown(admin)
        return self.server.url.rsplit("/", 1)[0] + f"/bench{self.count}"

    def close(self) -> None:
        if self.server is not None:
            self.server.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


def shutdown(app) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    jobs.runner(app).shutdown()


def prepare(url: str, villages: list[str]) -> int:
    """Migrate, add the villages (and their parents) and an admin; the admin's staff id."""
    app = make_app(url)
    with app.app_context():
        upgrade()
        add_areas(villages)
        admin = Staff(name="bench admin", position="x", roles=[StaffRole(role="admin", area_code="TH")])
        db.session.add(admin)
        db.session.commit()
        staff_id = admin.id
    shutdown(app)
    return staff_id


def add_areas(villages: list[str]) -> None:
    rows, seen = [], set()
    for code in villages:
        for length, level in ((2, "province"), (4, "district"), (6, "subdistrict"), (8, "village")):
            part = code[:length]
            if part not in seen:
                seen.add(part)
                rows.append({"code": part, "level": level, "name_th": f"{level} {part}", "name_en": None,
                             "parent_code": code[:length - 2] or None, "moo": int(part[-2:]) if length == 8 else None})
    db.session.execute(insert(Area), rows)
    db.session.commit()


# ---- import -------------------------------------------------------------------------------------

def vm_kb(key: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def server_cpu() -> dict[int, float]:
    """CPU seconds used so far by each PostgreSQL backend serving this database (none on SQLite)."""
    if db.engine.dialect.name != "postgresql":
        return {}
    pids = db.session.scalars(text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")).all()
    db.session.rollback()
    ticks = os.sysconf("SC_CLK_TCK")
    used = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # another host, or gone
            continue
        used[pid] = (int(fields[11]) + int(fields[12])) / ticks  # utime + stime
    return used


def child_import(url: str, path: Path, staff_id: int) -> dict:
    """Runs in a child process: one import, timed (wall clock, and CPU of this process and of the database
    server's backends, since other work on the machine inflates the wall clock), with this process's memory
    before and at its peak."""
    app = make_app(url)
    with app.app_context():
        staff = db.session.get(Staff, staff_id)
        rss_before, server_before = vm_kb("VmRSS"), server_cpu()
        started, cpu_started = time.perf_counter(), time.process_time()
        summary = importer.run(path, staff, now=utcnow(), timezone=app.config["BOT_TIMEZONE"])
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        server = sum(used - server_before.get(pid, 0.0) for pid, used in server_cpu().items())
        result = {"rows": summary.rows, "seconds": seconds, "cpu_seconds": cpu + server, "server_cpu_seconds": server,
                  "rejected": summary.rejected, "created": summary.households_created,
                  "unchanged": summary.households_unchanged, "members": summary.members_created,
                  "rss_before_mb": rss_before / 1024, "peak_rss_mb": vm_kb("VmHWM") / 1024}
    shutdown(app)
    return result


def timed_import(url: str, path: Path, staff_id: int) -> dict:
    child = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", url, str(path), str(staff_id)],
                           cwd=ROOT, capture_output=True, text=True, check=False)
    if child.returncode:
        raise RuntimeError(f"import of {path.name} failed:\n{child.stderr[-3000:]}")
    return json.loads(child.stdout.strip().splitlines()[-1])


@dataclass
class ImportResult:
    backend: str
    kind: str
    runs: list[tuple[str, dict]] = field(default_factory=list)  # (label, child result)


def import_runs(dbs: Databases, files: dict[str, Path], kind: str) -> ImportResult:
    result = ImportResult(dbs.backend, kind)
    villages = import_villages()
    for label, path in files.items():
        url = dbs.fresh()
        staff_id = prepare(url, villages)
        note(f"{dbs.backend}: importing {label} ({kind})")
        result.runs.append((label, timed_import(url, path, staff_id)))
        if label == list(files)[-1]:
            note(f"{dbs.backend}: importing {label} again ({kind})")
            result.runs.append((f"{label} again", timed_import(url, path, staff_id)))
    return result


# ---- search -------------------------------------------------------------------------------------

def search_villages() -> list[str]:
    return [f"{province}{district:02d}{sub:02d}{moo:02d}" for province in range(10, 87) for district in range(1, 13)
            for sub in range(1, 9) for moo in range(1, 11)]


def household_rows(count: int, villages: list[str], seed: int = 2):
    rng, now = random.Random(seed), utcnow()
    for h in range(count):
        village = villages[h % len(villages)]
        number = f"{rng.randrange(1, 300)}" + (f"/{rng.randrange(1, 5)}" if rng.random() < 0.2 else "")
        code = f"{village[:2]}{h:08d}{h % 10}"
        name = f"{rng.choice(('นาย', 'นาง', 'นางสาว'))}{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}"
        if h % RARE_EVERY == 0:  # after the draws, so the other households stay as they were
            name = f"{name.rsplit(' ', 1)[0]} {RARE_SURNAMES[h // RARE_EVERY % len(RARE_SURNAMES)]}"
        yield (code, number, house_order(number), village, name, "jpt", 2568, "open", f"hc:{code}", False, now, now)


COLUMNS_BULK = ("house_code", "house_number", "house_order", "village_code", "head_name", "source", "source_year",
                "status", "import_key", "test_data", "created_at", "updated_at")


def bulk_households(count: int, villages: list[str]) -> None:
    """Households straight into the table: COPY on PostgreSQL, executemany on SQLite."""
    if db.engine.dialect.name == "postgresql":
        connection = db.session.connection().connection.driver_connection
        with connection.cursor() as cursor, cursor.copy(
                f"COPY households ({', '.join(COLUMNS_BULK)}) FROM STDIN") as copy:
            for row in household_rows(count, villages):
                copy.write_row(row)
        db.session.commit()
        db.session.execute(text("ANALYZE"))
    else:
        rows = (dict(zip(COLUMNS_BULK, row, strict=True)) for row in household_rows(count, villages))
        while chunk := list(itertools.islice(rows, 50_000)):
            db.session.execute(insert(Household), chunk)
        db.session.commit()
        db.session.execute(text("ANALYZE"))
    db.session.commit()


@dataclass
class SearchResult:
    backend: str
    households: int
    in_scope: int = 0
    cases: dict[str, dict] = field(default_factory=dict)  # name → {median_ms, p99_ms, hits}
    plans: dict[str, str] = field(default_factory=dict)


def search_run(dbs: Databases, count: int, repeats: int, explain: bool) -> SearchResult:
    url = dbs.fresh()
    villages = search_villages()
    prepare(url, villages)
    result = SearchResult(dbs.backend, count)
    app = make_app(url)
    with app.app_context():
        note(f"{dbs.backend}: bulk-inserting {count:,} households")
        started = time.perf_counter()
        bulk_households(count, villages)
        note(f"{dbs.backend}: inserted in {time.perf_counter() - started:.1f}s; timing searches")
        supervisor = Staff(name="bench district", position="x",
                           roles=[StaffRole(role="supervisor_district", area_code=SUPERVISED_DISTRICT)])
        admin = db.session.scalar(select(Staff).where(Staff.name == "bench admin"))
        db.session.add(supervisor)
        db.session.commit()
        mine = [v for v in villages if v.startswith(SUPERVISED_DISTRICT)]
        numbers = db.session.scalars(select(Household.house_number).where(Household.village_code.in_(mine[:20]))
                                     .limit(repeats)).all()
        rng = random.Random(3)
        result.in_scope = households.search(supervisor, "")[1]
        cases = {
            "district: house number": (supervisor, [(numbers[i % len(numbers)], None) for i in range(repeats)]),
            "district: head's name": (supervisor, [(rng.choice(SURNAMES if i % 2 else FIRST_NAMES), None)
                                                   for i in range(repeats)]),
            "district: village": (supervisor, [("", mine[i % len(mine)]) for i in range(repeats)]),
            "admin (nationwide): head's name": (admin, [(rng.choice(SURNAMES), None)
                                                        for i in range(max(10, repeats // 10))]),
            "admin (nationwide): rare name": (admin, [(rng.choice(RARE_SURNAMES), None)
                                                      for i in range(max(10, repeats // 10))]),
        }
        for name, (viewer, terms) in cases.items():
            result.cases[name] = time_searches(viewer, terms)
            if explain:
                result.plans[name] = plan(viewer, *terms[0])
    shutdown(app)
    return result


def time_searches(viewer: Staff, terms: list[tuple[str, str | None]]) -> dict:
    """Each search as the bot runs it (the count and the first page), the viewer already loaded; a slow case
    stops after CASE_SECONDS (at least MIN_SEARCHES searches) to keep the run short."""
    times, hits = [], 0
    households.search(viewer, *terms[0])  # warm the statement cache and load the viewer's roles
    case_started = time.perf_counter()
    for words, village in terms:
        started = time.perf_counter()
        _, total = households.search(viewer, words, village)
        times.append((time.perf_counter() - started) * 1000)
        hits += total
        if len(times) >= MIN_SEARCHES and time.perf_counter() - case_started > CASE_SECONDS:
            break
    db.session.rollback()
    return {"median_ms": statistics.median(times), "p99_ms": percentile(times, 99), "searches": len(times),
            "avg_hits": hits / len(times)}


def plan(viewer: Staff, words: str, village: str | None) -> str:
    """The database's plans for the statements one search runs (the count, then the page)."""
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if "FROM households" in statement:
            statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        households.search(viewer, words, village)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    prefix = "EXPLAIN QUERY PLAN " if db.engine.dialect.name == "sqlite" else "EXPLAIN ANALYZE "
    connection = db.session.connection()
    plans = ["\n".join(" | ".join(str(v) for v in row) for row in connection.exec_driver_sql(prefix + sql, params))
             for sql, params in statements]
    db.session.rollback()
    return "\n--\n".join(plans)


# ---- report -------------------------------------------------------------------------------------

_T0 = time.monotonic()


def note(message: str) -> None:
    print(f"[{time.monotonic() - _T0:6.1f}s] {message}", file=sys.stderr, flush=True)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def report(imports: list[ImportResult], searches: list[SearchResult]) -> tuple[str, bool]:
    lines, ok = [], True
    lines.append(f"Import (target >= {MIN_ROWS_PER_S:,} rows/s; memory flat: peak RSS of the largest file within "
                 f"{FLAT_RATIO:.0%} or {FLAT_MB:.0f} MB of the smallest's). Load average {os.getloadavg()[0]:.1f} on "
                 f"{os.cpu_count()} CPUs: wall-clock rates are those of a shared machine; 'CPU rows/s' divides by the "
                 f"CPU time of the importer and of its database backends, the rate with the machine to itself.")
    header = (f"{'backend':<12}{'file':<6}{'run':<14}{'rows':>9}{'wall s':>8}{'rows/s':>9}{'CPU s':>7}"
              f"{'CPU rows/s':>11}{'RSS before':>12}{'peak RSS':>10}")
    lines += [header, "-" * len(header)]
    for result in imports:
        for label, run in result.runs:
            lines.append(f"{result.backend:<12}{result.kind:<6}{label:<14}{run['rows']:>9,}{run['seconds']:>8.1f}"
                         f"{run['rows'] / run['seconds']:>9,.0f}{run['cpu_seconds']:>7.1f}"
                         f"{run['rows'] / run['cpu_seconds']:>11,.0f}{run['rss_before_mb']:>10.0f}MB"
                         f"{run['peak_rss_mb']:>8.0f}MB")
        first, largest = result.runs[0][1], result.runs[-2][1]
        growth = largest["peak_rss_mb"] - first["peak_rss_mb"]
        flat = growth <= max(FLAT_MB, FLAT_RATIO * first["peak_rss_mb"])
        fast = all(run["rows"] / run["cpu_seconds"] >= MIN_ROWS_PER_S for _, run in result.runs)
        ok &= flat and (fast or result.kind != "csv")
        lines.append(f"{'':<12}{result.kind:<6}peak RSS {result.runs[0][0]} → {result.runs[-2][0]}: {growth:+.1f} MB "
                     f"({verdict(flat)}); CPU rows/s {verdict(fast)}")
    lines.append("")
    for result in searches:
        lines.append(f"Search among {result.households:,} households on {result.backend} "
                     f"(district {SUPERVISED_DISTRICT} holds {result.in_scope:,}; target median and p99 < "
                     f"{MAX_SEARCH_MS:.0f} ms for the district supervisor)")
        header = f"{'case':<42}{'searches':>9}{'median ms':>11}{'p99 ms':>9}{'avg hits':>10}"
        lines += [header, "-" * len(header)]
        for name, case in result.cases.items():
            lines.append(f"{name:<42}{case['searches']:>9}{case['median_ms']:>11.2f}{case['p99_ms']:>9.2f}"
                         f"{case['avg_hits']:>10.1f}")
            if name.startswith("district"):
                ok &= case["p99_ms"] < MAX_SEARCH_MS
        for name, text_ in result.plans.items():
            lines.append(f"  plan, {name}:\n    " + text_.replace("\n", "\n    "))
        lines.append("")
    return "\n".join(lines), ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000, help="rows of the large import file")
    parser.add_argument("--small", type=int, default=10_000, help="rows of the small import file")
    parser.add_argument("--households", type=int, default=650_000)
    parser.add_argument("--searches", type=int, default=200, help="timed searches per case")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: files of 5,000 and 20,000 rows, 65,000 households, 50 searches")
    parser.add_argument("--backend", choices=["all", "sqlite", "postgresql"], default="all")
    parser.add_argument("--xlsx", action="store_true", help="also import XLSX files (on SQLite)")
    parser.add_argument("--explain", action="store_true", help="print the search query plans")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--child", nargs=3, metavar=("URL", "FILE", "STAFF_ID"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child_import(args.child[0], Path(args.child[1]), int(args.child[2]))))
        return 0
    if args.quick:
        args.small, args.rows, args.households, args.searches = 5_000, 20_000, 65_000, 50

    backends = ["sqlite", "postgresql"] if args.backend == "all" else [args.backend]
    if "postgresql" in backends and servers.postgres_bin_dir() is None:
        note("PostgreSQL binaries not found: skipping PostgreSQL")
        backends.remove("postgresql")
    folder = Path(tempfile.mkdtemp(prefix="bench-import-files-"))
    imports, searches = [], []
    try:
        sizes = {f"{args.small // 1000}k": args.small, f"{args.rows // 1000}k": args.rows}
        note(f"writing CSV files of {', '.join(f'{n:,}' for n in sizes.values())} rows")
        csv_files = {label: write_csv(folder / f"{label}.csv", n) for label, n in sizes.items()}
        for backend in backends:
            dbs = Databases(backend)
            try:
                imports.append(import_runs(dbs, csv_files, "csv"))
                if args.xlsx and backend == "sqlite":
                    note("writing XLSX files")
                    xlsx_files = {label: write_xlsx(folder / f"{label}.xlsx", n) for label, n in sizes.items()}
                    imports.append(import_runs(dbs, xlsx_files, "xlsx"))
                searches.append(search_run(dbs, args.households, args.searches, args.explain))
            finally:
                dbs.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    note("done")
    text_, ok = report(imports, searches)
    print(text_)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        results = {"imports": [vars(r) for r in imports], "searches": [vars(r) for r in searches]}
        args.json.write_text(json.dumps(results, indent=2, default=str))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
