"""`flask --app wsgi report ...`: freeze a period's report, and export it as XLSX or CSV.

An export of the whole country (`--area TH`) runs as a background job on the `reports` queue (a worker with
REDIS_URL, else this process's own thread), which reports its progress in Redis; the command shows it as it goes.
"""

import contextlib
import getpass
import os
import time
import uuid
from pathlib import Path

import click
from flask.cli import AppGroup

from bot import jobs, report_clock
from bot.redis_store import get_redis
from core.periods import Period
from core.thai import BE_OFFSET
from core.xlsx import Workbook
from domain.access import audit
from domain.access.scope import EVERYWHERE
from domain.step5_report import export, snapshots
from domain.step5_report.figures import NATION
from models import db, utcnow

report_group = AppGroup("report", help="The monthly report (step 5): freeze a period, export it.")
PROGRESS_KEY = "report-export:{}"
PROGRESS_SECONDS = 86_400  # how long a finished job's progress is kept
POLL_SECONDS = 0.5


class PeriodType(click.ParamType):
    """A period as people name it: the Buddhist Era year and the month of its report day, e.g. 2569-12."""

    name = "period"

    def convert(self, value, param, ctx) -> Period:
        if isinstance(value, Period):
            return value
        year, _, month = str(value).strip().partition("-")
        try:
            return Period.from_key((int(year) - BE_OFFSET) * 100 + int(month))
        except ValueError:
            self.fail(f"{value!r} is not a period: write the Buddhist Era year and the month, e.g. 2569-12", param,
                      ctx)


PERIOD = PeriodType()


@report_group.command("freeze")
@click.option("--period", type=PERIOD, help="The period (B.E. year-month, e.g. 2569-12); default: the last closed.")
def freeze_command(period: Period | None) -> None:
    """Freeze a closed period's report for every area (a second run changes nothing)."""
    period = period or report_clock.last_closed(utcnow())
    label = period.label("th")
    try:
        stored = report_clock.freeze(period, f"cli:{getpass.getuser()}")
    except snapshots.NotClosed:
        raise click.ClickException(f"the period {label} has not ended yet: freeze it after its report day") from None
    if stored:
        click.echo(f"froze {label}: {stored} areas")
    else:
        click.echo(f"{label} is already frozen (on {snapshots.frozen_at(period):%Y-%m-%d %H:%M} UTC): "
                   "nothing changed" if snapshots.is_frozen(period) else f"{label}: no household to report")


@report_group.command("export")
@click.option("--period", type=PERIOD, required=True, help="The period (B.E. year-month, e.g. 2569-12).")
@click.option("--area", "area_code", required=True,
              help="A province (2 digits), district (4), subdistrict (6), village (8), or TH for the whole country.")
@click.option("--format", "kind", type=click.Choice(["xlsx", "csv"]), default="xlsx", show_default=True)
@click.option("--out", "out", required=True, type=click.Path(path_type=Path),
              help="XLSX: a new file. CSV: a new folder, one file per sheet. Never written over, nor through a link.")
def export_command(period: Period, area_code: str, kind: str, out: Path) -> None:
    """Write a period's report of an area: a sheet per level down to the villages and a households sheet (national
    IDs masked), in Thai; the whole country's as a background job, its progress shown here."""
    try:
        area = export.known_area(area_code.strip())
    except export.UnknownArea:
        raise click.BadParameter(f"no area has the code {area_code!r} (see `areas load`), nor is it TH",
                                 param_hint="--area") from None
    target = _create(out, kind)
    db.session.rollback()
    if area != NATION:
        done = write_export(period.key, area, kind, str(target), None)
    else:
        done = _in_background(period, kind, target)
    click.echo(f"wrote {out}: {done['areas']} areas and {done['households']} households of {period.label('th')}"
               f" ({'frozen' if done['frozen'] else 'counted now, not frozen'})")


def _create(out: Path, kind: str) -> Path:
    """The new, empty file (XLSX) or folder (CSV) the export goes into, readable by its owner only."""
    try:
        if kind == "csv":
            os.mkdir(out, 0o700)
        else:
            os.close(os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600))
    except FileExistsError:
        raise click.ClickException(f"{out} already exists (or is a link): choose a new name") from None
    except OSError as error:
        raise click.ClickException(f"{out} can't be created: {error.strerror}") from None
    return out


def write_export(period_key: int, area: str, kind: str, out: str, token: str | None) -> dict:
    """Write the export into the new file or folder `out` (made by the command); with `token`, report progress
    under it. Runs in the command, or as the background job. Returns the counts."""
    period, path = Period.from_key(period_key), Path(out)

    def progress(exported: export.Exported, state: str = "running") -> None:
        if token:
            get_redis().hset(PROGRESS_KEY.format(token), mapping={
                "state": state, "areas": exported.areas, "households": exported.households,
                "frozen": int(exported.frozen)})
            get_redis().expire(PROGRESS_KEY.format(token), PROGRESS_SECONDS)

    try:
        if kind == "csv":
            with contextlib.ExitStack() as files:

                def open_file(name: str):
                    descriptor = os.open(path / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
                    return files.enter_context(open(descriptor, "w", encoding="utf-8-sig", newline=""))

                done = export.write(period, area, EVERYWHERE, utcnow(), export.CsvSheets(open_file), progress)
        else:
            with open(path, "wb") as file, Workbook(file) as book:
                done = export.write(period, area, EVERYWHERE, utcnow(), export.XlsxSheets(book), progress)
    except BaseException:
        progress(export.Exported(), "failed")
        raise
    db.session.add(audit.entry("report.export", "area", area, after={
        "period": period_key, "areas": done.areas, "households": done.households, "format": kind,
        "by": f"cli:{getpass.getuser()}"}))
    db.session.commit()
    progress(done, "done")
    return {"areas": done.areas, "households": done.households, "frozen": done.frozen}


def _in_background(period: Period, kind: str, target: Path) -> dict:
    token = uuid.uuid4().hex
    key = PROGRESS_KEY.format(token)
    get_redis().hset(key, mapping={"state": "queued", "areas": 0, "households": 0, "frozen": 0})
    get_redis().expire(key, PROGRESS_SECONDS)
    jobs.enqueue("reports", write_export, period.key, NATION, kind, str(target.resolve()), token)
    click.echo("the whole country's export is running in the background")
    shown = None
    while True:
        now = {name.decode(): value.decode() for name, value in get_redis().hgetall(key).items()}
        if now.get("state") == "failed":
            raise click.ClickException("the export failed: see the worker's log")
        if now.get("state") == "done":
            return {"areas": int(now["areas"]), "households": int(now["households"]), "frozen": now["frozen"] == "1"}
        if now.get("households") != shown and now.get("state") == "running":
            shown = now["households"]
            click.echo(f"... {int(shown):,} households written")
        time.sleep(POLL_SECONDS)
