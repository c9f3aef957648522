"""A household's income chart: its income per person per year over the last 12 monthly periods, against the จปฐ.
line and the target of its life compass (step 4), drawn by `bot.charts`.

The printable Family Folder embeds it in the page it serves to the staff member LINE vouches for. The chat's card
shows it as an image, which LINE's servers fetch from a public URL without anyone's sign-in, so that URL is a link
signed for that one household and language that expires after IMAGE_LINK_DAYS (`domain.access.signed_links`): it
shows incomes, never a name, and an erased household's link shows nothing. A chart costs about 0.1 s to draw.
"""

import base64
from datetime import date

from flask import Blueprint, abort, current_app, make_response, request

from bot import charts
from core.types import Context
from dialogs.folder_card import CHART_PATH, CHART_PURPOSE
from domain.access import signed_links
from domain.step2_compass import compasses
from domain.step4_care import checkins
from models import Household, LineUser, db, utcnow

bp = Blueprint("income_chart", __name__)


def png(ctx: Context, household: Household, size: charts.Size = charts.PHONE) -> bytes:
    points = checkins.trend(household, checkins.period_of(ctx))
    compass = compasses.current(household)
    texts = charts.IncomeTexts(
        title=ctx._("Income per person per year, last %(count)s periods", count=len(points)),
        income=ctx._("Income"), line=ctx._("จปฐ. line"), target=ctx._("Target"),
        unit=ctx._("baht a person a year"), no_data=ctx._("No monthly visit has given an income yet."))
    periods = [charts.IncomePeriod(month=date(p.period.year, p.period.month, 1), income=p.per_person_year, line=p.line)
               for p in points]
    return charts.income_trend(periods, compass.target_per_person_year if compass else None, texts, size,
                               locale=ctx.locale)


def data_uri(ctx: Context, household: Household) -> str:
    """The chart at the printed page's size, to put in an <img> of a page served to a verified viewer."""
    return "data:image/png;base64," + base64.b64encode(png(ctx, household, charts.A4)).decode()


@bp.get(CHART_PATH)
def image():
    """The chart a card's signed link names, in the language it was made for."""
    try:
        (household_id, locale), _expires = signed_links.read(CHART_PURPOSE, request.args.get("t", ""), utcnow())
    except (signed_links.BadLink, signed_links.ExpiredLink, ValueError):
        abort(404)
    household = db.session.get(Household, int(household_id))
    if household is None:
        abort(404)
    ctx = Context(line_user=LineUser(language=locale), staff=None, event_id=None, now=utcnow(),
                  timezone=current_app.config["BOT_TIMEZONE"])
    response = make_response(png(ctx, household))
    response.headers["Content-Type"] = "image/png"
    response.headers["Cache-Control"] = "private, max-age=3600"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response
