"""The Family Folder in the chat: one household's summary as a Flex card, with buttons to start a home visit
and to open the printable folder (a LIFF page, `bot.folder`: the link itself grants nothing)."""

from datetime import timedelta
from urllib.parse import urlencode

from flask import current_app
from linebot.v3.messaging import (
    FlexBox,
    FlexBubble,
    FlexButton,
    FlexImage,
    FlexMessage,
    FlexSeparator,
    FlexText,
    PostbackAction,
    URIAction,
)

from core.types import Context
from dialogs.buttons import LABEL_LIMIT
from domain.access import signed_links
from domain.step1_survey.folder import PAGE_TEXT, Interview, Summary, summary
from domain.step2_compass import compasses
from domain.step4_care import checkins
from models import Household

CARD_MEMBERS = 8  # members listed on the card; the page lists them all
CARD_PROBLEMS = 3  # problems listed per dimension on the card
CHART_PATH, CHART_PURPOSE = "/charts/income", "income_chart"
CHART_LINK_DAYS = 7  # LINE fetches a card's image when it is shown; a week covers a card scrolled back to
CARD_WORDS = 80  # characters of the way out, in the family's words, on the card
COMPASS_COLOUR, CHECKIN_COLOUR = "#1565C0", "#6A1B9A"
HEADER_COLOUR, BELOW_COLOUR, ABOVE_COLOUR, MUTED_COLOUR = "#1B5E20", "#C62828", "#2E7D32", "#757575"


def card(ctx: Context, household: Household) -> FlexMessage:
    """The household's Family Folder as one Flex bubble, with buttons to visit and to print it."""
    s = summary(ctx, household)
    body = [
        _section(ctx._("Members: %(count)s", count=len(s.members)),
                 [f"• {name}  {masked}" for name, masked in s.members[:CARD_MEMBERS]]
                 + _more(ctx, len(s.members) - CARD_MEMBERS)),
        _section(ctx._("Classification"), [s.classification] + ([s.reason] if s.reason else [])),
        _section(*_interview(ctx, s.interview)),
        *_compass(ctx, household),
        _section(ctx._("Problems by dimension"), _problem_lines(ctx, s)),
        _section(ctx._("Income"), [s.income],
                 colour=None if s.below_line is None else BELOW_COLOUR if s.below_line else ABOVE_COLOUR),
        FlexText(text=s.visit, size="sm", color=MUTED_COLOUR, wrap=True, margin="lg"),
    ]
    visit_label, print_label, compass_label = ctx._("Home visit (4T)"), ctx._("Print folder"), ctx._("Life compass")
    mou_label, checkin_label = ctx._("Print the MOU"), ctx._("Monthly visit")
    printable = liff_link("folder", household=household.id)
    bubble = FlexBubble(
        hero=(FlexImage(url=chart_link(household, ctx), size="full", aspectRatio="4:3", aspectMode="fit")
              if images_reachable() and checkins.has_income(household) else None),
        header=FlexBox(layout="vertical", backgroundColor=HEADER_COLOUR, paddingAll="lg", contents=[
            FlexText(text=s.title, weight="bold", size="lg", color="#FFFFFF", wrap=True),
            FlexText(text=s.village, size="sm", color="#FFFFFF", wrap=True),
            FlexText(text=s.head, size="sm", color="#FFFFFF", wrap=True),
        ]),
        body=FlexBox(layout="vertical", spacing="md", contents=body),
        footer=FlexBox(layout="vertical", spacing="sm", contents=[
            FlexButton(style="primary", color=HEADER_COLOUR, height="sm",
                       action=PostbackAction(label=visit_label[:LABEL_LIMIT], displayText=visit_label,
                                             data=f"menu=interview&household={household.id}")),
            *([FlexButton(style="primary", color=COMPASS_COLOUR, height="sm",
                          action=PostbackAction(label=compass_label[:LABEL_LIMIT], displayText=compass_label,
                                                data=f"menu=compass&household={household.id}"))]
              if household.classification else []),
            *([FlexButton(style="primary", color=CHECKIN_COLOUR, height="sm",
                          action=PostbackAction(label=checkin_label[:LABEL_LIMIT], displayText=checkin_label,
                                                data=f"menu=checkin&household={household.id}"))]
              if household.classification and checkins.followed(household) else []),
            FlexButton(style="secondary", height="sm",
                       action=URIAction(label=print_label[:LABEL_LIMIT], uri=printable)),
            *([FlexButton(style="secondary", height="sm", action=URIAction(
                label=mou_label[:LABEL_LIMIT], uri=liff_link("mou", household=household.id)))]
              if compasses.current(household) else []),
        ]),
    )
    alt = ctx._("Family folder: %(title)s, %(village)s", title=s.title, village=s.village)
    return FlexMessage(altText=alt[:400], contents=bubble)


def _compass(ctx: Context, household: Household) -> list[FlexBox]:
    """The household's compass, once it has one: its version, goals, target and activities."""
    compass = compasses.current(household)
    if compass is None:
        return []
    title = ctx._("Life compass (version %(version)s)", version=compass.version)
    return [_section(title, compasses.card_lines(ctx, compass, household))]


def _section(title: str, lines: list[str], colour: str | None = None) -> FlexBox:
    texts = [FlexText(text=line, size="sm", wrap=True, **({"color": colour} if colour else {})) for line in lines]
    return FlexBox(layout="vertical", spacing="xs", contents=[
        FlexSeparator(), FlexText(text=title, weight="bold", size="sm", margin="md", wrap=True), *texts])


def _interview(ctx: Context, a: Interview | None) -> tuple[str, list[str]]:
    """The 4ท answers in a few lines: the page has them all."""
    t = {key: ctx._(text) for key, text in PAGE_TEXT.items()}
    if a is None:
        return t["interview"], [t["not_interviewed"]]
    skills = "; ".join(f"{m.name} ({m.skills})" for m in a.skills) or t["nobody_works"]
    incomes = ", ".join(f"{source} {amount}" for source, amount in a.incomes) or t["none"]
    words = a.way_out if len(a.way_out) <= CARD_WORDS else a.way_out[:CARD_WORDS - 1] + "…"
    return a.heading, [
        f"{t['t1']}: {a.outlook}, {a.willingness}",
        f"{t['t2']}: {skills}",
        f"{t['t3']}: {a.land}",
        f"  {t['savings']} {a.savings} · {t['debt_formal']} {a.debt_formal} · {t['debt_informal']} {a.debt_informal}",
        f"  {t['income_sources']}: {incomes}",
        f"{t['t4']}: {a.way_out_kind}",
        f"  “{words}”",
    ]


def _problem_lines(ctx: Context, s: Summary) -> list[str]:
    """The dimensions with problems, the first few of each; then those without, saying why they have none."""
    lines, without = [], []
    for dimension, found in s.problems:
        if found:
            lines.append(f"{dimension} ({len(found)})")
            lines += [f"  • {problem}: {status}" for problem, status in found[:CARD_PROBLEMS]]
            lines += _more(ctx, len(found) - CARD_PROBLEMS)
        else:
            without.append(dimension)
    if not lines:
        return [s.no_problem]
    return lines + ([f"{s.no_problem}: {', '.join(without)}"] if without else [])


def _more(ctx: Context, hidden: int) -> list[str]:
    return [ctx._("… and %(count)s more in the printable folder", count=hidden)] if hidden > 0 else []



def images_reachable() -> bool:
    """Whether LINE can fetch an image from PUBLIC_BASE_URL: only over HTTPS (a message naming an http image is
    refused whole), except the emulator's (LINE_API_BASE set), which takes the local address."""
    config = current_app.config
    return config["PUBLIC_BASE_URL"].startswith("https://") or bool(config.get("LINE_API_BASE"))


def chart_link(household: Household, ctx: Context) -> str:
    """The signed, expiring address of the household's income chart (`bot.income_chart`), which LINE fetches."""
    expires_at = ctx.now + timedelta(days=CHART_LINK_DAYS)
    signed = signed_links.token(CHART_PURPOSE, (str(household.id), ctx.locale), expires_at)
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}{CHART_PATH}?{urlencode({'t': signed})}"


def liff_link(page: str, **params) -> str:
    """The LIFF link to one of the pages, e.g. liff_link("folder", household=12)."""
    return f"https://liff.line.me/{current_app.config['LIFF_ID']}/{page}?{urlencode(params)}"
