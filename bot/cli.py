"""`flask --app wsgi ...` commands for operators (besides `db`, which Flask-Migrate adds)."""

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import or_, select

from bot import jobs, privacy, reminder_cost, richmenu
from bot.cli_areas import areas_group
from bot.cli_caretakers import caretakers_group
from bot.cli_compass import compass_group
from bot.cli_households import households_group
from bot.cli_report import report_group
from bot.demo import demo_group
from bot.recovery import sweep
from bot.reminder_clock import reminders_group
from bot.richmenu import richmenu_group
from bot.translations import translate
from dialogs.diagrams import write_all
from domain.access import audit
from domain.access import staff as staff_service
from models import AuditEntry, Staff, db, utcnow
from models.staff import ROLES


def init_app(app: Flask) -> None:
    app.cli.add_command(worker)
    app.cli.add_command(sweep_command)
    app.cli.add_command(translate)
    app.cli.add_command(staff_group)
    app.cli.add_command(richmenu_group)
    app.cli.add_command(demo_group)
    app.cli.add_command(areas_group)
    app.cli.add_command(dialogs_group)
    app.cli.add_command(households_group)
    app.cli.add_command(caretakers_group)
    app.cli.add_command(privacy_group)
    app.cli.add_command(audit_group)
    app.cli.add_command(compass_group)
    reminders_group.add_command(reminder_cost.cost_command)
    app.cli.add_command(reminders_group)
    app.cli.add_command(report_group)


@click.command("worker")
@click.option("--queues", default=",".join(jobs.QUEUES), show_default=True,
              help="Comma-separated queues this worker takes jobs from.")
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
def worker(queues: str, burst: bool) -> None:
    """Run a background worker (needs REDIS_URL; without it the web process does the work)."""
    if not current_app.config["REDIS_URL"]:
        raise click.UsageError("REDIS_URL is not set: without Redis the web process runs jobs itself")
    jobs.run_worker(current_app._get_current_object(), [q for q in queues.split(",") if q], burst=burst)


@click.command("sweep")
def sweep_command() -> None:
    """Queue pending events and unsent messages now (the workers also do this every few seconds)."""
    users, messages = sweep()
    jobs.runner().wait_idle(timeout=120)  # what runs on this process's threads (all of it without Redis)
    click.echo(f"re-queued events of {users} users and {messages} outgoing messages")


staff_group = AppGroup("staff", help="Invite, list and revoke staff.")


@staff_group.command("invite")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--area", "area_code", required=True, help="Area code: village 8 digits, subdistrict 6, district 4, "
              "province 2, or TH (admin only).")
@click.option("--name", default=None, help="Who the code is for (shown to supervisors).")
def staff_invite(role: str, area_code: str, name: str | None) -> None:
    """Print a one-time invitation code (valid 7 days)."""
    try:
        invite, code = staff_service.create_invite(role, area_code.upper(), name, None, utcnow())
    except ValueError as error:
        raise click.BadParameter(str(error)) from None
    db.session.add(invite)
    db.session.flush()
    db.session.add(audit.entry("invite.create", "invite", invite.id,
                               after={"role": role, "area": invite.area_code, "name": name, "by": "cli"}))
    db.session.commit()
    click.echo(f"Invitation code: {code}  (role {role}, area {invite.area_code}, valid until "
               f"{invite.expires_at:%Y-%m-%d %H:%M} UTC)")


@staff_group.command("list")
def staff_list() -> None:
    """Every staff member with roles, areas and status."""
    for person in db.session.scalars(select(Staff).order_by(Staff.id)):
        roles = ", ".join(f"{r.role}@{r.area_code}" for r in person.roles)
        status = "active" if person.active else "revoked"
        click.echo(f"{person.id}\t{person.name}\t{person.position}\t{roles}\t{status}")


@staff_group.command("revoke")
@click.argument("staff_id", type=int)
def staff_revoke(staff_id: int) -> None:
    """Take away a staff member's access (their records and history stay)."""
    person = db.session.get(Staff, staff_id)
    if person is None:
        raise click.BadParameter(f"no staff member with id {staff_id}")
    line_user_id = person.line_user_id
    db.session.add(privacy.revoke(person, None))
    db.session.commit()
    richmenu.follow_access([line_user_id])
    click.echo(f"Revoked {person.name} (id {person.id}). Their unfinished interviews went to a supervisor (told by "
               "LINE at the next sweep) or were deleted.")


dialogs_group = AppGroup("dialogs", help="About the conversation dialogs.")


@dialogs_group.command("diagrams")
def dialog_diagrams() -> None:
    """Write a Mermaid diagram of each dialog into docs/dialogs/."""
    for path in write_all():
        click.echo(f"wrote {path}")


privacy_group = AppGroup("privacy", help="Retention of personal data.")


@privacy_group.command("purge")
def privacy_purge() -> None:
    """Delete now what is past its retention (the workers also do this hourly)."""
    purged = privacy.purge(utcnow())
    click.echo(f"Deleted {purged.sessions} conversations, {purged.photos} photos and {purged.messages} sent "
               f"messages; stripped {purged.events} failed events.")


audit_group = AppGroup("audit", help="Read the audit log.")


@audit_group.command("household")
@click.argument("household_id", type=int)
def audit_household(household_id: int) -> None:
    """A household's history: who did what and when, with the values, or "erased"."""
    about = or_(AuditEntry.household_id == household_id,
                (AuditEntry.entity == "household") & (AuditEntry.entity_id == str(household_id)))
    for entry in db.session.scalars(select(AuditEntry).where(about).order_by(AuditEntry.id)):
        values = audit.read(entry)
        shown = "erased: " + ", ".join(entry.fields or ()) if values.erased else f"{values.before} -> {values.after}"
        click.echo(f"{entry.at:%Y-%m-%d %H:%M:%S}Z\t{entry.action}\t{entry.entity} {entry.entity_id}\t"
                   f"staff {entry.staff_id or '-'}\t{shown}")
