"""`flask --app wsgi compass ...`: the plans by agency of an area (step 3.2), as the chat's link gives them."""

import getpass
import os
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from domain.access import audit
from domain.access.scope import Scope
from domain.step2_compass import plans
from models import db, utcnow

compass_group = AppGroup("compass", help="Life compasses: export the plans by agency.")


@compass_group.command("export")
@click.option("--area", "area_code", required=True, help="A province (2 digits), district (4) or subdistrict (6).")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The XLSX file to write: a new file (an existing one, or a link, is never written over).")
def export_command(area_code: str, out: Path) -> None:
    """Write the government and local government activities of the current compasses in an area, one sheet per
    agency and a summary, to a new XLSX file (it holds names: readable by its owner only)."""
    try:
        area = plans.known_area(area_code.strip())
    except plans.UnknownArea:
        raise click.BadParameter(f"no province, district or subdistrict has the code {area_code!r} "
                                 "(see `areas load`)", param_hint="--area") from None
    try:
        descriptor = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except FileExistsError:
        raise click.ClickException(f"{out} already exists (or is a link): choose a new file name") from None
    except OSError as error:
        raise click.ClickException(f"{out} can't be created: {error.strerror}") from None
    try:
        with open(descriptor, "wb") as file:
            exported = plans.write(Scope((area.code,)), area.code, file, utcnow(), current_app.config["BOT_TIMEZONE"])
    except BaseException:
        out.unlink(missing_ok=True)
        raise
    db.session.add(audit.entry("plans.export", "area", area.code,
                               after=exported.counts() | {"by": f"cli:{getpass.getuser()}"}))
    db.session.commit()
    total = exported.total
    click.echo(f"wrote {out}: {total.activities} activities of {total.households} households for "
               f"{len(exported.agencies)} agencies; support asked for {total.baht:,} baht "
               f"({total.priced} activities with an amount)")
