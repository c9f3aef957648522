"""The monthly report's page, a LIFF page (`bot.liff`): a period's figures for the reader's area, by sub-area, with a
chart per section, the income trend over the periods and a map of the households, printable on A4.

It shows only to the staff member LINE vouches for, while active, and only areas in their scope: the figures, the
trend and the map all go through `domain.access.scope` (`snapshots.view`, `reading`, `map_points`). The link grants
nothing. The charts are drawn by the browser (bars in CSS, the trend in SVG) with the page's Thai font, and the map
with Leaflet served by the app: nothing comes from the internet but the map's background, when there is one.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, make_response, render_template, request

from bot import jobs, liff, report_files
from core.i18n import N_, gettext
from core.periods import Period
from core.thai import format_date, format_datetime
from core.types import Context
from core.xlsx import Workbook
from dialogs.buttons import whole
from domain.access import audit, scope
from domain.labels import DIMENSION_LABELS
from domain.step4_care import checkins
from domain.step5_report import export, figures, file_links, map_points, reading, snapshots
from domain.step5_report.counting import Moment
from domain.step5_report.figures import LATE, NATION
from models import db, utcnow
from models.household import DIMENSIONS

bp = Blueprint("report_page", __name__)

VISITS = ("expected", "actual", "on_time", "reporting_rate", "on_time_rate")
HOUSEHOLDS = ("targeted", "interviewed", "welfare", "self_development", "with_compass", "with_mou",
              "with_caretaker", "out_of_poverty")
INCOME = ("income_known", "median_income", "above_line_now", "survey_known", "above_line_survey")
CARE = ("caretakers", "caretakers_above_limit")
STATE_COLOURS = {"done": "#2e7d32", "late": "#f9a825", "missing": "#c62828", "out_of_poverty": "#1565c0",
                 "not_due": "#9e9e9e"}
STATE_LABELS = {"done": export.VISITS["on_time"], "late": export.VISITS["late"], "missing": export.VISITS["missing"],
                "out_of_poverty": figures.LABELS["out_of_poverty"], "not_due": export.VISITS["not_due"]}
PAGE_TEXT = {
    "title": N_("Monthly report"), "so_far": N_("So far: the period closes on %(date)s."),
    "closed": N_("Counted now, late visits included: the period closed on %(date)s and is not frozen yet."),
    "frozen": N_("As it stood at the cut-off, frozen on %(date)s."), "other_periods": N_("Other periods"),
    "visits": N_("Monthly visits"), "households": N_("Households in the process"), "income": N_("Income"),
    "problems": N_("Problems by TPMAP dimension"), "activities": N_("Life compass activities"),
    "by_agency": N_("Government activities by agency"), "care": N_("Caretakers"), "map": N_("Map"),
    "area": N_("Area"), "all": N_("All"), "open": N_("Not yet solved"), "solved": N_("Solved"),
    "dimension": N_("Dimension"), "count": N_("Number"), "status": N_("Status"), "agency": N_("Agency"),
    "period": N_("Period"), "trend": N_("Median income per person per year, by period"),
    "not_located": N_("Not yet located: %(count)s households (a location is recorded at a visit or a check-in)."),
    "left_out": N_("%(count)s more located households are not drawn: open the report of a smaller area."),
    "no_points": N_("No household of this area is located yet."), "print": N_("Print"),
    "printed": N_("Printed by %(name)s on %(time)s"), "none": N_("None"),
    "visited_rate": N_("Visited (%) by sub-area"), "download": N_("Download the file (XLSX)"),
}


@bp.post("/liff/api/report")
def page():
    """The report of `?area=` (the reader's own area by default) for `?period=` (the current one by default)."""
    staff = liff.viewer()
    within = scope.of(staff)
    area_code = request.args.get("area") or reading.area_of(within)
    if not within.contains(area_code):
        raise liff.Refused(403, file_links.OUTSIDE)
    ctx = liff.reader(staff)
    period = _period(request.args.get("period"), ctx)
    download = file_links.make(staff.id, area_code, period, ctx.now)
    body = html(ctx, snapshots.view(period, area_code, within, ctx.now), within, download,
                start_download=request.args.get("file") == "1")
    db.session.add(audit.entry("report.view", "area", area_code, staff_id=staff.id, line_user_id=staff.line_user_id,
                               after={"period": period.key}))
    db.session.commit()
    title = f"{ctx._(PAGE_TEXT['title'])} · {reading.name_of(area_code, ctx.locale)}"
    return liff.private(jsonify(lang=ctx.locale, title=title, html=body))


def html(ctx: Context, report: snapshots.Report, within: scope.Scope, download: str,
         start_download: bool = False) -> str:
    """The page's body for a report the reader may read (`bench.report` times it for a district)."""
    t = {key: ctx._(text) for key, text in PAGE_TEXT.items()}
    return render_template("report.html", t=t, download=download, start_download=start_download,
                           **_sections(ctx, report, within))


@bp.get(file_links.PATH)
def download():
    """The report file of a signed link: one sheet per level and the households, for its signer if still allowed."""
    now = utcnow()
    link, staff, within = liff.signed_download(file_links.read, request.args.get(file_links.PARAMETER, ""),
                                               report_files.REFUSALS, now)
    if link.area_code == NATION:  # minutes of work: a job makes it and pushes its link in LINE
        jobs.enqueue("reports", report_files.prepare, staff.id, link.period.key)
        response = make_response(gettext(N_("The whole country's file takes a few minutes: its link will come to you "
                                            "in the LINE chat when it is ready.")), 202)
        response.mimetype = "text/plain"
        return liff.private(response)
    file, exported = liff.written_file(lambda into: _report_file(into, link, within, now))
    db.session.add(audit.entry("report.export", "area", link.area_code, staff_id=staff.id,
                               line_user_id=staff.line_user_id,
                               after={"period": link.period.key, "households": exported.households}))
    db.session.commit()
    return liff.attachment(file, f"report-{link.period.key}-{link.area_code}.xlsx")


def _report_file(into, link: file_links.Link, within: scope.Scope, now) -> export.Exported:
    with Workbook(into) as book:
        return export.write(link.period, link.area_code, within, now, export.XlsxSheets(book))



def _period(asked: str | None, ctx: Context) -> Period:
    key = whole(asked, 6)
    try:
        return Period.from_key(key) if key else checkins.period_of(ctx)
    except ValueError:
        raise liff.Refused(404, N_("There is no such period.")) from None


def _sections(ctx: Context, report: snapshots.Report, within: scope.Scope) -> dict:
    """Everything the template shows, as plain values in the reader's language."""
    area, zone = report.area_code, current_app.config["BOT_TIMEZONE"]
    whole_area = report.figures.get(area, {})
    subs = reading.sub_areas(report.figures, area)
    rows = [(reading.name_of(code, ctx.locale), report.figures[code], report.late.get(code)) for code in subs]

    def table(keys: tuple[str, ...]) -> dict:
        return {"head": [figures.label(key, ctx._) for key in keys],
                "rows": [(name, [_shown(figures.cell(values, key, late)) for key in keys])
                         for name, values, late in rows],
                "total": [_shown(figures.cell(whole_area, key, report.late.get(area))) for key in keys]}

    visits = VISITS + ((LATE,) if report.frozen_at else ())
    moment = Moment.of(report.period, ctx.now)
    found = map_points.of(moment, area, within)
    return {
        "area_name": reading.name_of(area, ctx.locale), "period_label": report.period.label(ctx.locale),
        "state": _state(ctx, report),
        "periods": [(p.label(ctx.locale), p.key) for p in reading.frozen_periods(area, within)
                    if p != report.period],
        "area_code": area,
        "visits": table(visits), "households": table(HOUSEHOLDS), "income": table(INCOME), "care": table(CARE),
        "bars": [(name, figures.cell(values, "reporting_rate") or 0.0, _shown(figures.cell(values, "reporting_rate")))
                 for name, values, _ in rows],
        "problems": [(ctx._(DIMENSION_LABELS[d]), figures.value(whole_area, f"problems_{d}_open"),
                      figures.value(whole_area, f"problems_{d}_solved")) for d in DIMENSIONS],
        "activities": [(figures.label(key, ctx._), figures.value(whole_area, key)) for key in figures.ACTIVITIES],
        "agencies": [(figures.label(key, ctx._), figures.value(whole_area, key)) for key in figures.BY_AGENCY
                     if figures.value(whole_area, key)],
        "trend": _trend(reading.income_trend(area, within, report.period, whole_area), ctx),
        "map": {"points": found.points, "tiles": current_app.config["MAP_TILES_URL"] or None,
                "attribution": current_app.config["MAP_TILES_ATTRIBUTION"], "centre": [13.7, 100.5],
                "states": {state: {"colour": STATE_COLOURS[state], "label": ctx._(STATE_LABELS[state])}
                           for state in map_points.STATES}},
        "legend": [(STATE_COLOURS[state], ctx._(STATE_LABELS[state]), found.counts[state])
                   for state in map_points.STATES],
        "not_located": ctx._(PAGE_TEXT["not_located"], count=f"{found.not_located:,}"),
        "left_out": ctx._(PAGE_TEXT["left_out"], count=f"{found.left_out:,}") if found.left_out else None,
        "printed": ctx._(PAGE_TEXT["printed"], name=ctx.staff.name,
                         time=format_datetime(ctx.now, ctx.locale, zone)),
    }


def _state(ctx: Context, report: snapshots.Report) -> str:
    """Whether the figures are the frozen ones, or counted now (the period still open, or closed and not frozen)."""
    zone, report_day = current_app.config["BOT_TIMEZONE"], checkins.report_day()
    if report.frozen_at:
        return ctx._(PAGE_TEXT["frozen"], date=format_datetime(report.frozen_at, ctx.locale, zone))
    last_day = format_date(report.period.last_day(report_day), ctx.locale)
    closed = ctx.now >= report.period.cutoff(report_day, zone)
    return ctx._(PAGE_TEXT["closed" if closed else "so_far"], date=last_day)


def _shown(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.1f}"
    return f"{value:,}"


def _trend(points: list[reading.TrendPoint], ctx: Context) -> dict | None:
    """The median income by period as an SVG line: its points in a 100 x 40 box, and the labels under it."""
    known = [(p.period.label(ctx.locale, short=True), p.median_income) for p in points if p.median_income]
    if len(known) < 2:  # a line needs two periods; the table says the one
        return None
    top = max(value for _, value in known) * 1.15
    step = 100 / max(len(known) - 1, 1)
    return {"points": " ".join(f"{i * step:.1f},{40 - 40 * value / top:.1f}" for i, (_, value) in enumerate(known)),
            "labels": [(label, f"{value:,}") for label, value in known]}
