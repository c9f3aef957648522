"""A supervisor's summary chart: the households visited in their area's sub-areas in a period, drawn by `bot.charts`.

The summary (`dialogs.summaries`) carries it as an image message, which LINE's servers fetch from a public URL
without anyone's sign-in, so that URL is a link signed for one supervisor, period and language that expires after
a week (`domain.access.signed_links`). It shows counts by area, never a name of a person, and is drawn from the
area as it stands when fetched: a supervisor no longer one (or revoked) gets nothing.
"""

from flask import Blueprint, abort, make_response, request

from bot import charts
from core.periods import Period
from dialogs import summaries as summary_messages
from dialogs.summaries import CHART_PATH, CHART_PURPOSE
from domain.access import signed_links
from domain.step4_care import summaries
from models import Staff, db, utcnow

bp = Blueprint("summary_chart", __name__)


def png(chart: summary_messages.Chart) -> bytes:
    bars = [charts.Bar(label, values) for label, values in chart.bars]
    texts = charts.BarTexts(chart.title, chart.parts, chart.unit, chart.no_data)
    return charts.area_bars(bars, texts, charts.PHONE.for_rows(len(bars)), locale=chart.locale)


@bp.get(CHART_PATH)
def image():
    """The chart a summary's signed link names, in the language it was made for."""
    try:
        (staff_id, period_key, state, locale), _expires = signed_links.read(CHART_PURPOSE, request.args.get("t", ""),
                                                                             utcnow())
        period = Period.from_key(int(period_key))
    except (signed_links.BadLink, signed_links.ExpiredLink, ValueError):
        abort(404)
    staff = db.session.get(Staff, int(staff_id))
    supervisor = summaries.of_staff(staff, locale) if staff is not None else None
    if supervisor is None:
        abort(404)
    summary = summaries.summarise(supervisor, period, closed=state == "closed")
    response = make_response(png(summary_messages.chart(summary_messages.context(supervisor, utcnow()), summary)))
    response.headers["Content-Type"] = "image/png"
    response.headers["Cache-Control"] = "private, max-age=3600"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response
