"""The printable Family Folder, a LIFF page (`bot.liff`): the chat's card links to one household, and the page
shows it only to the staff member LINE vouches for, while they are active and the household is in their
area (`households.get` goes through `domain.access.scope`); the link itself grants nothing, so a forwarded
one shows nothing to anyone else. National IDs only ever appear masked.
"""

import base64
import io

from flask import Blueprint, current_app, jsonify, render_template, request
from PIL import Image

from bot import income_chart, liff
from core.i18n import N_
from core.thai import format_datetime
from core.types import Context
from dialogs.buttons import whole
from domain.access import audit
from domain.step1_survey import households
from domain.step1_survey.folder import (
    PAGE_TEXT,
    detail_rows,
    member_rows,
    problem_notes,
    problem_rows,
    summary,
    visit_history,
)
from domain.step2_compass import compasses, mou
from domain.step4_care import checkins
from models import Household, Photo, db, utcnow

bp = Blueprint("folder", __name__)


@bp.post("/liff/api/folder")
def page():
    """The printable Family Folder of `?household=`, for the staff member LINE vouches for, if it is in their area."""
    staff = liff.viewer()
    try:
        household_id = whole(request.args.get("household"), 9)  # any size of number would overflow the column
        if household_id is None:
            raise households.NotFound
        household = households.get(staff, household_id)
    except households.NotFound:
        raise liff.Refused(403, N_("You do not have access to this household's folder.")) from None
    ctx = liff.reader(staff)
    t = {key: ctx._(text) for key, text in PAGE_TEXT.items()}
    s = summary(ctx, household)
    printed = t["printed"] % {"name": staff.name,
                              "time": format_datetime(utcnow(), ctx.locale, current_app.config["BOT_TIMEZONE"])}
    body = render_template("folder.html", t=t, s=s, printed=printed,
                           details=detail_rows(ctx, t, household, s), members=member_rows(ctx, t, household),
                           problems=problem_rows(ctx, household),
                           notes=problem_notes(ctx, household), visits=visit_history(ctx, t, household),
                           compass=_compass(ctx, household), visits_monthly=_monthly(ctx, household))
    db.session.add(audit.entry("folder.view", "household", household.id, staff_id=staff.id,
                               line_user_id=staff.line_user_id, household=household.id))
    db.session.commit()
    return liff.private(jsonify(lang=ctx.locale, title=f"{t['title']} · {s.title}", html=body))


def _monthly(ctx: Context, household: Household) -> dict | None:
    """The monthly visits: the income chart over the last periods and the latest visits, with their photos."""
    rows = checkins.history(ctx, household)
    if not rows:
        return None
    for row in rows:
        row["photo"] = _thumbnail(row.pop("photo_id"))
    return {"title": ctx._("Monthly visits"), "chart": income_chart.data_uri(ctx, household),
            "chart_alt": ctx._("Income per person per year, last %(count)s periods", count=checkins.TREND_PERIODS),
            "rows": rows, "t": {key: ctx._(text) for key, text in MONTHLY_TEXT.items()}}


MONTHLY_TEXT = {"period": N_("Period"), "date": N_("Date"), "by": N_("Recorded by"), "how": N_("How"),
                "income": N_("Income"), "note": N_("Note"), "photo": N_("Photo")}
THUMBNAIL = (480, 480)  # pixels: a photo on the page, small enough that a year of them loads on a phone


def _thumbnail(photo_id: int | None) -> str | None:
    """A visit's photo, scaled down, as a data URI inside the verified page (a separate URL would need its own
    check)."""
    photo = db.session.get(Photo, photo_id) if photo_id else None
    if photo is None:
        return None
    try:
        with Image.open(io.BytesIO(photo.content)) as image:
            image.thumbnail(THUMBNAIL)
            out = io.BytesIO()
            image.convert("RGB").save(out, "JPEG", quality=70)
    except (OSError, ValueError):  # not an image Pillow can read: the row says there is no photo
        return None
    return "data:image/jpeg;base64," + base64.b64encode(out.getvalue()).decode()


def _compass(ctx: Context, household: Household) -> dict | None:
    """The current compass as its MOU shows it, and every version of it."""
    current = compasses.current(household)
    if current is None:
        return None
    return {"current": mou.page(ctx, household, current), "versions": compasses.history(ctx, household),
            "title": ctx._("Life compass (version %(version)s)", version=current.version),
            "versions_title": ctx._("Versions of the compass"), "reason": ctx._("Why revised"),
            "by": ctx._("Recorded by")}
