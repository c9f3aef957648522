"""`flask --app wsgi caretakers assign FILE --as STAFF_ID`: give households their caretakers from a CSV or XLSX file
(`domain.step4_care.assign_file`), and tell each caretaker in LINE which households are now theirs, and each
previous one which are no longer theirs. `flask --app wsgi caretakers loads --area CODE`: who looks after how many
households in an area, those above CARETAKER_MAX_HOUSEHOLDS flagged (`domain.step4_care.workload`)."""

from pathlib import Path

import click
from flask.cli import AppGroup

from bot import outbox
from core import line_json
from core.i18n import DEFAULT_LOCALE, gettext
from dialogs import care_notices
from domain.access import areas
from domain.step1_survey.importer import Refused
from domain.step4_care import assign_file, workload
from models import Staff, db, utcnow

caretakers_group = AppGroup("caretakers", help="Caretakers (step 4): who looks after each household.")


@caretakers_group.command("assign")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as", "staff_id", type=int, required=True,
              help="ID of the person assigning (see `staff list`): an administrator or a subdistrict or district "
                   "supervisor, for households inside their area.")
@click.option("--dry-run", is_flag=True, help="Check the file and write the report of rejected rows; store nothing.")
@click.option(assign_file.OVER_LIMIT_OPTION, "over_limit", is_flag=True,
              help="Confirm loads above CARETAKER_MAX_HOUSEHOLDS (else those rows are rejected).")
def assign_command(file: Path, staff_id: int, dry_run: bool, over_limit: bool) -> None:
    """Assign caretakers: columns รหัสหมู่บ้าน and บ้านเลขที่ (or รหัสประจำบ้าน), and รหัสผู้ดูแล (a staff ID). All rows
    or none: with a rejected row nothing is stored."""
    try:
        staff = assign_file.check_assigner(db.session.get(Staff, staff_id), staff_id)
        plan = assign_file.plan(file, staff, utcnow(), dry_run=dry_run, over_limit=over_limit)
    except Refused as error:
        raise click.ClickException(error.text(DEFAULT_LOCALE)) from None
    if plan.assignments:
        db.session.add_all([record for done in plan.assignments for record in done.records])
        db.session.flush()
        db.session.add_all(plan.audit_entries(staff))
        tell_caretakers(plan, staff)
        db.session.commit()
    else:
        db.session.rollback()
    for line in plan.summary.lines():
        click.echo(line)
    if plan.summary.rejected:
        raise SystemExit(1)


def tell_caretakers(plan: assign_file.Plan, by: Staff) -> None:
    """Tell each caretaker given households which are now theirs, and each previous one which are no longer theirs
    (sent by the app at its next sweep)."""
    for push in care_notices.given(plan.assignments, by) + care_notices.taken(plan.assignments, by):
        outbox.queue_push(push.to, [line_json.of(message) for message in push.messages])


@caretakers_group.command("loads")
@click.option("--area", "area_code", required=True,
              help="A province (2 digits), district (4), subdistrict (6) or village (8).")
def loads_command(area_code: str) -> None:
    """Each caretaker of the area with how many households they look after and where, those above
    CARETAKER_MAX_HOUSEHOLDS flagged, and the area's totals."""
    try:
        area = workload.known_area(area_code.strip())
    except workload.UnknownArea:
        raise click.BadParameter(gettext("No province, district, subdistrict or village has the code %(code)s.",
                                         code=area_code), param_hint="--area") from None
    report = workload.of_area(area)
    click.echo(gettext("Caretakers in %(area)s (at most %(max)s households each):", area=areas.name(area.code),
                       max=report.maximum))
    for load in report.loads:
        villages = ", ".join(areas.name(code, full=False) or code for code in load.villages)
        line = gettext("%(name)s (staff ID %(id)s): %(count)s households in %(villages)s", name=load.caretaker.name,
                       id=load.caretaker.id, count=load.households, villages=villages) if villages else \
            gettext("%(name)s (staff ID %(id)s): no households yet", name=load.caretaker.name, id=load.caretaker.id)
        flags = [gettext("[above the limit]")] * load.above_limit + [gettext("[revoked]")] * (not load.caretaker.active)
        click.echo(" ".join(["•", line, *flags]))
    if not report.loads:
        click.echo(gettext("No caretaker is registered here yet."))
    click.echo(gettext("Total: %(people)s caretakers, %(above)s of them above the limit; households with a caretaker: "
                       "%(cared)s, without one: %(without)s", people=len(report.loads), above=len(report.above_limit),
                       cared=report.with_caretaker, without=report.without_caretaker))
