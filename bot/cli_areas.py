"""`flask --app wsgi areas ...`: load provinces, districts and subdistricts from geothai, import and add villages,
show an area. Messages about a file or a village are in Thai, the operators' language."""

from pathlib import Path

import click
import geothai
from flask.cli import AppGroup
from sqlalchemy import select

from core.thai import format_number, to_ascii_digits
from core.types import Invalid
from domain.access.areas import add_village, import_villages, load_from_geothai, name
from models import Area, db

areas_group = AppGroup("areas", help="Provinces, districts, subdistricts (from geothai) and villages.")
villages_group = AppGroup("villages", help="Villages in bulk.")
village_group = AppGroup("village", help="One village.")
areas_group.add_command(villages_group)
areas_group.add_command(village_group)


def _fail(reason: Invalid):
    """Stop a command with the reason in Thai (the operators' language), exit status 1."""
    raise click.ClickException(reason.text("th"))


@areas_group.command("load")
def load_command() -> None:
    """Load or correct every province, district and subdistrict from geothai (safe to run again)."""
    counts = load_from_geothai()
    db.session.commit()
    click.echo(f"geothai {geothai.DATA_VERSION}: {format_number(counts['province'], 'en')} provinces, "
               f"{format_number(counts['district'], 'en')} districts, "
               f"{format_number(counts['subdistrict'], 'en')} subdistricts; "
               f"{format_number(counts['added'], 'en')} added, {format_number(counts['updated'], 'en')} updated.")


@villages_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(file: Path) -> None:
    """Add or rename villages from a UTF-8 CSV file with the columns รหัสตำบล, หมู่ที่, ชื่อหมู่บ้าน (or
    subdistrict_code, moo, name; optionally name_en). Rows with a problem are listed and left out; the exit
    status is 1 if there were any."""
    try:
        report = import_villages(file)
    except Invalid as reason:
        _fail(reason)
    db.session.commit()
    for line, reason in report.rejected:
        click.echo(f"line {line}: {reason.text('th')}", err=True)
    click.echo(f"villages: {report.added} added, {report.updated} updated, {report.unchanged} unchanged, "
               f"{len(report.rejected)} rejected.")
    if report.rejected:
        raise SystemExit(1)


@village_group.command("add")
@click.option("--subdistrict", "subdistrict_code", required=True, help="The subdistrict's 6-digit code.")
@click.option("--moo", required=True, help="The village number (หมู่ที่), 1 to 99.")
@click.option("--name", "village_name", required=True, help="The village's name in Thai, e.g. บ้านโนนสูง.")
@click.option("--name-en", default=None, help="Its name in English (optional).")
def add_command(subdistrict_code: str, moo: str, village_name: str, name_en: str | None) -> None:
    """Add a village to a subdistrict, or rename it."""
    try:
        village, action = add_village(subdistrict_code, moo, village_name, name_en=name_en)
    except Invalid as reason:
        _fail(reason)
    db.session.commit()
    click.echo(f"{village.code} {action or 'unchanged'}: {name(village.code)}")


@areas_group.command("show")
@click.argument("code")
def show_command(code: str) -> None:
    """An area's names in Thai and English, and the areas inside it."""
    code = to_ascii_digits(code).strip()
    area = db.session.get(Area, code)
    if area is None:
        raise click.ClickException(f"no area with code {code} (is it loaded? `flask --app wsgi areas load`)")
    click.echo(f"{area.code} ({area.level})\n{name(code)}\n{name(code, 'en')}")
    children = db.session.scalars(select(Area).where(Area.parent_code == code).order_by(Area.code)).all()
    if children:
        click.echo(f"{len(children)} inside:")
    for child in children:
        click.echo(f"  {child.code}  {name(child.code, full=False)}")

