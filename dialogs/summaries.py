"""What a supervisor is pushed (`domain.step4_care.summaries`): their area's summary of a period as a Flex card and
its bar chart by sub-area as an image at a signed, expiring link (`bot.summary_chart` draws it; one push, so one
message of the quota), a button to the area's report and taps
choosing how often it comes; and, the day after the cut-off, the households late in their area (a district or province
supervisor: counted by subdistrict or district), flagging the caretakers late two periods running."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from flask import current_app
from linebot.v3.messaging import (
    FlexBox,
    FlexBubble,
    FlexButton,
    FlexMessage,
    FlexSeparator,
    FlexText,
    ImageMessage,
    PostbackAction,
    QuickReply,
    TextMessage,
)

from core.i18n import N_
from core.types import Context, Outcome, Push
from dialogs import buttons, menu
from dialogs.buttons import LABEL_LIMIT
from dialogs.folder_card import CHART_LINK_DAYS, HEADER_COLOUR, MUTED_COLOUR, images_reachable
from domain.access import areas, signed_links
from domain.step4_care import checkins, summaries
from domain.step4_care.summaries import Late, Summary, Supervisor
from models import LineUser
from models.staff import SUMMARY_CHOICES

CHART_PATH, CHART_PURPOSE = "/charts/summary", "summary_chart"
HOUSEHOLDS = "menu=household_results&page=0"  # the late list's button: the households in the supervisor's area
REPORT = "menu=report&period={period}"  # the card's: the area's report of the period (`dialogs.report`)
CHOICE = "summary_choice"  # the menu key of the taps choosing how often summaries come
ENDS = 5  # sub-areas listed best and lowest when there are more than twice as many
CHART_BARS = 30  # sub-areas on the chart at most (the best and the lowest half each): it stays readable on a phone
LISTED = 60  # late households listed in one message (LINE's text holds 5,000 characters)
SUB_AREAS = {8: N_("By village"), 6: N_("By subdistrict"), 4: N_("By district")}
CHOICES = {None: N_("Every reminder day"), "weekly": N_("Once a week"),
           "cutoff": N_("Only at the cut-off")}
CHOSEN = {None: N_("This summary comes on every reminder day and after the cut-off."),
          "weekly": N_("This summary comes at most once a week, and after the cut-off."),
          "cutoff": N_("This summary comes only after the cut-off.")}


def context(supervisor: Supervisor, now: datetime) -> Context:
    """A context to write to the supervisor in their language, outside any conversation."""
    return Context(line_user=LineUser(language=supervisor.locale), staff=supervisor.staff, event_id=None, now=now,
                   timezone=current_app.config["BOT_TIMEZONE"])


def summary_card(ctx: Context, supervisor: Supervisor, s: Summary) -> Push:
    """The area's summary of the period as one Flex bubble."""
    month, total = s.period.label(ctx.locale), s.total
    if s.closed:
        visits = ctx._("Visited on time: %(on_time)s of %(due)s households; late: %(late)s.", on_time=total.on_time,
                       due=total.due, late=total.late)
    else:
        days = s.period.days_left(ctx.today, checkins.report_day())
        visits = ctx._("Visited: %(done)s of %(due)s households; %(left)s still to visit, %(days)s days left to the "
                       "%(day)s.", done=total.done, due=total.due, left=total.due - total.done, days=days,
                       day=checkins.report_day())
    body = [FlexText(text=visits, size="sm", wrap=True),
            *_by_area(ctx, s),
            FlexSeparator(margin="md"),
            FlexText(text=ctx._("Income above the จปฐ. line: %(now)s households now, %(survey)s at survey.",
                                now=s.above_now, survey=s.above_at_survey), size="sm", wrap=True, margin="md"),
            FlexText(text=ctx._("Compass activities done this period: %(count)s.", count=s.activities_done),
                     size="sm", wrap=True),
            FlexText(text=ctx._(CHOSEN[supervisor.staff.summary_choice]), size="xs", color=MUTED_COLOUR, wrap=True,
                     margin="md")]
    report = ctx._("Report")
    choices = [FlexButton(style="secondary", height="sm", action=PostbackAction(
        label=ctx._(label)[:LABEL_LIMIT], displayText=ctx._(label), data=f"menu={CHOICE}&every={choice or 'day'}"))
        for choice, label in CHOICES.items() if choice != supervisor.staff.summary_choice]
    bubble = FlexBubble(
        header=FlexBox(layout="vertical", backgroundColor=HEADER_COLOUR, paddingAll="lg", contents=[
            FlexText(text=ctx._("Monthly visits, %(month)s", month=month), weight="bold", size="lg", color="#FFFFFF",
                     wrap=True),
            FlexText(text=_areas(ctx, supervisor), size="sm", color="#FFFFFF", wrap=True)]),
        body=FlexBox(layout="vertical", spacing="sm", contents=body),
        footer=FlexBox(layout="vertical", spacing="sm", contents=[
            FlexButton(style="primary", color=HEADER_COLOUR, height="sm", action=PostbackAction(
                label=report[:LABEL_LIMIT], displayText=report, data=REPORT.format(period=s.period.key))),
            *choices]))
    alt = ctx._("Monthly visits, %(month)s: %(done)s of %(due)s households visited.", month=month, done=total.done,
                due=total.due)
    messages = [FlexMessage(altText=alt[:400], contents=bubble)]
    if images_reachable() and len(s.by_area) > 1:  # the chart as an image message: as tall as its bars need
        link = chart_link(ctx, supervisor, s)
        messages.append(ImageMessage(originalContentUrl=link, previewImageUrl=link))
    return Push(to=supervisor.staff.line_user_id, messages=messages)


def _by_area(ctx: Context, s: Summary) -> list:
    """The sub-areas, best first: all of them, or the best and the lowest five when there are more."""
    if len(s.by_area) < 2:
        return []
    level = len(s.by_area[0][0])
    parts = [FlexSeparator(margin="md"),
             FlexText(text=ctx._(SUB_AREAS[level]), weight="bold", size="sm", margin="md")]
    if len(s.by_area) <= 2 * ENDS:
        return parts + [_area_line(ctx, code, tally, s.closed) for code, tally in s.by_area]
    return parts + [FlexText(text=ctx._("Best five"), size="xs", color=MUTED_COLOUR)] \
        + [_area_line(ctx, code, tally, s.closed) for code, tally in s.by_area[:ENDS]] \
        + [FlexText(text=ctx._("Lowest five"), size="xs", color=MUTED_COLOUR)] \
        + [_area_line(ctx, code, tally, s.closed) for code, tally in s.by_area[-ENDS:]]


def _area_line(ctx: Context, code: str, tally: summaries.Tally, closed: bool) -> FlexText:
    done = tally.on_time if closed else tally.done
    text = f"• {area_name(code, ctx.locale)}: {done}/{tally.due} ({round(100 * tally.share(closed))}%)"
    return FlexText(text=text, size="sm", wrap=True)


def area_name(code: str, locale: str) -> str:
    return areas.name(code, locale, full=False) or code


def _areas(ctx: Context, supervisor: Supervisor) -> str:
    return ", ".join(areas.name(code, ctx.locale, full=False, parent=True) or code for code in supervisor.areas)


def chart_link(ctx: Context, supervisor: Supervisor, s: Summary) -> str:
    """The signed, expiring address of the summary's chart (`bot.summary_chart`), which LINE fetches: it names the
    supervisor, the period and the language; the chart is drawn from their area as it stands when fetched."""
    expires_at = ctx.now + timedelta(days=CHART_LINK_DAYS)
    fields = (str(supervisor.staff.id), str(s.period.key), "closed" if s.closed else "open", ctx.locale)
    signed = signed_links.token(CHART_PURPOSE, fields, expires_at)
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}{CHART_PATH}?{urlencode({'t': signed})}"


@dataclass(frozen=True)
class Chart:
    """A summary's bar chart as words and numbers (`bot.summary_chart` draws it): a bar per sub-area."""

    locale: str
    title: str
    parts: tuple[str, str]
    unit: str
    no_data: str
    bars: list[tuple[str, tuple[int, int]]]


def chart(ctx: Context, s: Summary) -> Chart:
    """The bars: done (on time, once closed) and the rest, by sub-area best first (the best and the lowest
    CHART_BARS / 2 when there are more)."""
    shown = s.by_area if len(s.by_area) <= CHART_BARS else s.by_area[:CHART_BARS // 2] + s.by_area[-CHART_BARS // 2:]
    if s.closed:
        parts = (ctx._("On time"), ctx._("Late"))
        bars = [(area_name(code, ctx.locale), (t.on_time, t.late)) for code, t in shown]
    else:
        parts = (ctx._("Visited"), ctx._("Not yet visited"))
        bars = [(area_name(code, ctx.locale), (t.done, t.due - t.done)) for code, t in shown]
    return Chart(ctx.locale, ctx._("Monthly visits, %(month)s", month=s.period.label(ctx.locale)), parts,
                 ctx._("households"), ctx._("No household is due yet."), bars)


def late_message(ctx: Context, supervisor: Supervisor, period, late: list[Late], closed: bool = True) -> Push:
    """The households late in the closed period (or, not `closed`, not visited yet): listed by caretaker for a
    subdistrict supervisor, counted by sub-area for a district or province one; a caretaker late two periods running
    is flagged."""
    if closed:
        head = ctx._("Late visits, %(month)s: %(count)s households had no monthly visit by the %(day)s.",
                     month=period.label(ctx.locale), count=len(late), day=checkins.report_day())
    else:
        head = ctx._("Not visited yet, %(month)s: %(count)s households; %(days)s days left to the %(day)s.",
                     month=period.label(ctx.locale), count=len(late), day=checkins.report_day(),
                     days=period.days_left(ctx.today, checkins.report_day()))
    lines = _by_caretaker(ctx, late) if supervisor.lists_households else _rolled_up(ctx, supervisor, late)
    if len(lines) > LISTED:
        lines = [*lines[:LISTED], ctx._("… and %(count)s more", count=len(lines) - LISTED)]
    items = [buttons.tap(ctx._("Household list"), HOUSEHOLDS), buttons.tap(ctx._("Main menu"), "cmd=menu")]
    return Push(to=supervisor.staff.line_user_id,
                messages=[TextMessage(text="\n".join([head, *lines]), quickReply=QuickReply(items=items))])


def _by_caretaker(ctx: Context, late: list[Late]) -> list[str]:
    grouped: dict[tuple[int, str, bool], list[Late]] = defaultdict(list)
    for one in late:
        grouped[(one.caretaker_id, one.caretaker, one.again)].append(one)
    lines = []
    for (_id, name, again), theirs in sorted(grouped.items(), key=lambda item: (not item[0][2], item[0][1])):
        flag = " " + ctx._("⚠ late two periods running") if again else ""
        lines.append(ctx._("%(name)s (%(count)s households)", name=name, count=len(theirs)) + flag)
        lines += [f"  – {ctx._('House %(number)s', number=one.house_number)} {one.head_name}" for one in theirs]
    return lines


def _rolled_up(ctx: Context, supervisor: Supervisor, late: list[Late]) -> list[str]:
    by_area: dict[str, list[Late]] = defaultdict(list)
    for one in late:
        by_area[supervisor.sub_area(one.village_code)].append(one)
    lines = []
    for code, theirs in sorted(by_area.items(), key=lambda item: (-len(item[1]), item[0])):
        caretakers = {one.caretaker_id for one in theirs}
        again = {one.caretaker_id for one in theirs if one.again}
        line = ctx._("• %(area)s: %(households)s households, %(caretakers)s caretakers",
                     area=area_name(code, ctx.locale), households=len(theirs), caretakers=len(caretakers))
        if again:
            line += " " + ctx._("(%(count)s late two periods running)", count=len(again))
        lines.append(line)
    return lines


def choose(ctx: Context, data: dict) -> Outcome:
    """A supervisor's tap choosing how often summaries come."""
    every = data.get("every")
    choice = None if every == "day" else every
    if choice is not None and choice not in SUMMARY_CHOICES:
        return menu.show(ctx, note=ctx._("That choice is no longer offered: nothing was changed."))
    summaries.choose(ctx.staff, choice)
    return Outcome(store=[ctx.staff]).extend(menu.show(ctx, note=ctx._(CHOSEN[choice])))


CHOICE_ITEM = menu.Item(CHOICE, None, choose, roles=tuple(summaries.LEVELS))
