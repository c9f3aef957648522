"""`flask --app wsgi households ...`: import a target-household list, write the import template, erase a
household for a data-subject request."""

import getpass
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from bot import privacy
from core.i18n import DEFAULT_LOCALE, gettext
from domain.step1_survey import importer
from models import Household, Staff, db, utcnow

households_group = AppGroup("households", help="Target households: import lists, write the import template.")


@households_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as", "staff_id", type=int, required=True,
              help="ID of the person importing (see `staff list`): an admin imports anywhere, a supervisor only "
                   "inside their area.")
@click.option("--dry-run", is_flag=True, help="Validate and write the report of rejected rows; store nothing.")
def import_command(file: Path, staff_id: int, dry_run: bool) -> None:
    """Import a target-household list (CSV or XLSX; columns in docs/import-template.md)."""
    try:
        staff = importer.check_importer(db.session.get(Staff, staff_id), staff_id)
        summary = importer.run(file, staff, now=utcnow(), timezone=current_app.config["BOT_TIMEZONE"], dry_run=dry_run,
                               progress=lambda total: click.progressbar(length=total, label=gettext("Importing")))
    except importer.Refused as error:
        raise click.ClickException(error.text(DEFAULT_LOCALE)) from None
    for line in summary.lines():
        click.echo(line)


@households_group.command("template")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def template_command(file: Path) -> None:
    """Write the import template (.csv or .xlsx) with its Thai headers and an example household."""
    importer.write_template(file)
    click.echo(f"wrote {file}")


@households_group.command("erase")
@click.argument("household_id", type=int)
@click.option("--reason", required=True, help="Why, e.g. the request's reference (no personal details: it is "
              "kept in the audit log in clear).")
@click.option("--yes", "confirmed", is_flag=True, help="Do not ask for confirmation.")
def households_erase(household_id: int, reason: str, confirmed: bool) -> None:
    """Erase a household for a data-subject request: its members, visits, problems, conversations and key go;
    its audit entries stay but can no longer be read."""
    household = db.session.get(Household, household_id)
    if household is None:
        raise click.BadParameter(f"no household with id {household_id}")
    if not confirmed:
        click.confirm(f"Erase household {household.id} (house {household.house_number}, village "
                      f"{household.village_code}, {len(household.members)} members)? This cannot be undone",
                      abort=True)
    erased = privacy.erase(household_id, reason, operator=f"cli:{getpass.getuser()}")
    db.session.commit()
    click.echo(f"Erased household {household_id}: {erased.members} members, {erased.problems} problems, "
               f"{erased.visits} visits, {erased.compasses} compasses, {erased.check_ins} monthly visits, "
               f"{erased.sessions} conversations; its audit entries can no longer be read.")

