"""The menu's "Report" for supervisors (step 5): their area's figures for this period so far, or a frozen period
chosen from the quick replies, as one Flex card; its buttons show the sub-areas, the households not visited, the
file (XLSX) and the page (`bot.report_page`, a LIFF page that checks again who is looking).

Everything is read through `domain.step5_report` for the person's scope: the card shows nothing of another area.
"""

from linebot.v3.messaging import (
    FlexBox,
    FlexBubble,
    FlexButton,
    FlexMessage,
    FlexSeparator,
    FlexText,
    PostbackAction,
    QuickReply,
    TextMessage,
    URIAction,
)

from core.i18n import N_
from core.periods import Period
from core.thai import format_date
from core.types import Context, Outcome
from dialogs import buttons, menu, summaries
from dialogs.buttons import LABEL_LIMIT, QUICK_REPLY_LIMIT, whole
from dialogs.folder_card import HEADER_COLOUR, MUTED_COLOUR, liff_link
from domain.access import scope
from domain.step4_care import checkins
from domain.step4_care import summaries as supervising
from domain.step5_report import figures, reading, snapshots
from models.staff import SUPERVISOR_ROLES

LISTED = 60  # sub-areas in one message


def _period(ctx: Context, data: dict) -> Period:
    """The period asked for (a button's), or the current one; a key that is no period is the current one too."""
    key = whole(data.get("period"), 6)
    try:
        return Period.from_key(key) if key else checkins.period_of(ctx)
    except ValueError:
        return checkins.period_of(ctx)


def _report(ctx: Context, data: dict, within: scope.Scope | None = None) -> snapshots.Report:
    within = within or scope.of(ctx.staff)
    return snapshots.view(_period(ctx, data), reading.area_of(within), within, ctx.now)


def card(ctx: Context, data: dict) -> Outcome:
    """The area's report card for the period."""
    within = scope.of(ctx.staff)
    report = _report(ctx, data, within)
    area, period = report.area_code, report.period
    values = report.figures.get(area, {})
    count = {key: f"{figures.value(values, key):,}" for key in figures.ADDITIVE}
    rate = {key: figures.cell(values, key) for key in figures.RATES}
    state = _state(ctx, report)
    lines = [
        ctx._("Visited: %(actual)s of %(expected)s households (%(rate)s%%); by the %(day)s: %(on_time)s "
              "(%(on_time_rate)s%%).", actual=count["actual"], expected=count["expected"],
              rate=_percent(rate["reporting_rate"]), on_time=count["on_time"],
              on_time_rate=_percent(rate["on_time_rate"]), day=checkins.report_day()),
        ctx._("Households: %(targeted)s targeted, %(with_compass)s with a life compass, %(with_mou)s with a signed "
              "agreement, %(out)s out of poverty.", targeted=count["targeted"], with_compass=count["with_compass"],
              with_mou=count["with_mou"], out=count["out_of_poverty"]),
        ctx._("Income above the จปฐ. line: %(now)s households now, %(survey)s at survey.",
              now=count["above_line_now"], survey=count["above_line_survey"]),
        ctx._("Compass activities done: %(count)s.", count=count["activities_done"]),
    ]
    page = liff_link("report", area=area, period=period.key)
    labels = {"areas": ctx._("By sub-area"), "late": ctx._("Households not visited"),
              "file": ctx._("Download the file (XLSX)"), "page": ctx._("Open the report page")}
    bubble = FlexBubble(
        header=FlexBox(layout="vertical", backgroundColor=HEADER_COLOUR, paddingAll="lg", contents=[
            FlexText(text=ctx._("Monthly report, %(month)s", month=period.label(ctx.locale)), weight="bold",
                     size="lg", color="#FFFFFF", wrap=True),
            FlexText(text=reading.name_of(area, ctx.locale), size="sm", color="#FFFFFF", wrap=True)]),
        body=FlexBox(layout="vertical", spacing="sm", contents=[
            FlexText(text=state, size="xs", color=MUTED_COLOUR, wrap=True), FlexSeparator(margin="md"),
            *[FlexText(text=line, size="sm", wrap=True) for line in lines]]),
        footer=FlexBox(layout="vertical", spacing="sm", contents=[
            *[FlexButton(style="secondary", height="sm", action=PostbackAction(
                label=labels[key][:LABEL_LIMIT], displayText=labels[key], data=f"menu={item}&period={period.key}"))
              for key, item in (("areas", AREAS_ITEM.key), ("late", LATE_ITEM.key))],
            FlexButton(style="secondary", height="sm", action=URIAction(label=labels["file"][:LABEL_LIMIT],
                                                                        uri=f"{page}&file=1")),
            FlexButton(style="primary", color=HEADER_COLOUR, height="sm",
                       action=URIAction(label=labels["page"][:LABEL_LIMIT], uri=page))]))
    alt = ctx._("Monthly report, %(month)s", month=period.label(ctx.locale)) + ": " + lines[0]
    others = [buttons.tap(p.label(ctx.locale), f"menu={MENU_ITEM.key}&period={p.key}")
              for p in reading.frozen_periods(area, within) if p != period]
    current = checkins.period_of(ctx)
    if period != current:
        others.insert(0, buttons.tap(current.label(ctx.locale), f"menu={MENU_ITEM.key}&period={current.key}"))
    items = [*others[:QUICK_REPLY_LIMIT - 1], buttons.tap(ctx._("Main menu"), "cmd=menu")]
    return Outcome(reply=[FlexMessage(altText=alt[:400], contents=bubble, quickReply=QuickReply(items=items))])


def _state(ctx: Context, report: snapshots.Report) -> str:
    """Whether these are the figures frozen at the cut-off, or counted now (the period open, or closed not frozen)."""
    period, report_day = report.period, checkins.report_day()
    if report.frozen_at:
        return ctx._("Frozen at the cut-off; visits given late since: %(count)s households.",
                     count=f"{report.late.get(report.area_code, 0):,}")
    if ctx.now >= period.cutoff(report_day, ctx.timezone):
        return ctx._("Counted now, late visits included: the period closed on %(date)s and is not frozen yet.",
                     date=format_date(period.last_day(report_day), ctx.locale))
    return ctx._("So far: %(days)s days left to the %(day)s.", days=period.days_left(ctx.today, report_day),
                 day=report_day)


def by_sub_area(ctx: Context, data: dict) -> Outcome:
    """The sub-areas of the report, each with its visits."""
    report = _report(ctx, data)
    codes = reading.sub_areas(report.figures, report.area_code)
    lines = [ctx._("• %(area)s: visited %(actual)s of %(expected)s (%(rate)s%%), by the report day %(on_time)s",
                   area=reading.name_of(code, ctx.locale), actual=figures.value(report.figures[code], "actual"),
                   expected=figures.value(report.figures[code], "expected"),
                   rate=_percent(figures.cell(report.figures[code], "reporting_rate")),
                   on_time=figures.value(report.figures[code], "on_time")) for code in codes]
    if len(lines) > LISTED:
        lines = [*lines[:LISTED], ctx._("… and %(count)s more", count=len(lines) - LISTED)]
    head = ctx._("Monthly report, %(month)s", month=report.period.label(ctx.locale))
    text = "\n".join([head, reading.name_of(report.area_code, ctx.locale), *lines] if lines
                     else [head, ctx._("No household is due yet.")])
    return Outcome(reply=[TextMessage(text=text, quickReply=QuickReply(items=_back(ctx, report.period)))])


def not_visited(ctx: Context, data: dict) -> Outcome:
    """The households of the area not visited by the report day (so far, in an open period), by caretaker for a
    subdistrict supervisor, counted by sub-area above; the file lists them all for an area wider than a province."""
    period = _period(ctx, data)
    supervisor = supervising.of_staff(ctx.staff, ctx.locale)
    if supervisor is None:
        text = ctx._("The households not visited are listed in the report's file (XLSX).")
        return Outcome(reply=[TextMessage(text=text, quickReply=QuickReply(items=_back(ctx, period)))])
    late = supervising.late_households(supervisor, period)
    closed = ctx.now >= period.cutoff(checkins.report_day(), ctx.timezone)
    push = summaries.late_message(ctx, supervisor, period, late, closed)
    message = push.messages[0]
    message.quick_reply = QuickReply(items=_back(ctx, period))
    return Outcome(reply=[message])


def _back(ctx: Context, period: Period) -> list:
    return [buttons.tap(ctx._("Back to the report"), f"menu={MENU_ITEM.key}&period={period.key}"),
            buttons.tap(ctx._("Main menu"), "cmd=menu")]


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


MENU_ITEM = menu.Item("report", N_("Report"), card, roles=SUPERVISOR_ROLES)
AREAS_ITEM = menu.Item("report_areas", None, by_sub_area, roles=SUPERVISOR_ROLES)
LATE_ITEM = menu.Item("report_late", None, not_visited, roles=SUPERVISOR_ROLES)
