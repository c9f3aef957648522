"""The printable MOU of a household's life compass, a LIFF page (`bot.liff`) like the Family Folder's: shown only
to the staff member LINE vouches for, while they are active and the household is in their area; the link names a
household (and a version) and grants nothing."""

from flask import Blueprint, jsonify, render_template, request
from sqlalchemy import select

from bot import liff
from core.i18n import N_
from dialogs.buttons import whole
from domain.access import audit
from domain.step1_survey import households
from domain.step2_compass import compasses, mou
from models import Compass, db

bp = Blueprint("mou", __name__)


@bp.post("/liff/api/mou")
def page():
    """The MOU of `?household=` (its current compass, or `&version=`), for the staff member LINE vouches for."""
    staff = liff.viewer()
    try:
        household = households.get(staff, whole(request.args.get("household"), 9) or 0)
    except households.NotFound:
        raise liff.Refused(403, N_("You do not have access to this household's folder.")) from None
    version = whole(request.args.get("version"), 4)
    compass = (db.session.scalar(select(Compass).where(Compass.household_id == household.id,
                                                       Compass.version == version))
               if version else compasses.current(household))
    if compass is None:
        raise liff.Refused(404, N_("This household has no life compass yet."))
    ctx = liff.reader(staff)
    shown = mou.page(ctx, household, compass)
    db.session.add(audit.entry("mou.view", "compass", compass.id, staff_id=staff.id,
                               line_user_id=staff.line_user_id, household=household.id))
    db.session.commit()
    return liff.private(jsonify(lang=ctx.locale, title=shown["t"]["title"],
                                html=render_template("mou.html", t=shown["t"], p=shown)))
