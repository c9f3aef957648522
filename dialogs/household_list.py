"""A page of households as a Flex list: one bubble, a row per household with the head's full name, the house
number, the village and the head's masked national ID (when on record), and a line of its state when the list has
one (e.g. this month's visit). Tapping a row opens that household's Family Folder, or what the list opens.

Nothing is cut to fit a button: names wrap. A page is at most `households.SEARCH_PAGE` rows: about 21 KB of JSON
with ten 200-character Thai names and whole addresses, inside LINE's 30 KB a bubble.
"""

from collections.abc import Callable

from linebot.v3.messaging import FlexBox, FlexBubble, FlexMessage, FlexSeparator, FlexText, PostbackAction, QuickReply
from sqlalchemy import select

from core.types import Context
from dialogs.buttons import LABEL_LIMIT
from dialogs.folder_card import HEADER_COLOUR, MUTED_COLOUR
from domain.access import areas, scope
from domain.labels import area_label
from domain.step1_survey.households import masked_national_id
from models import Household, Member, db

ALT_TEXT_LIMIT = 400  # characters LINE shows of a message's altText in notifications and the chat list
DISPLAY_LIMIT = 300  # characters of a postback's displayText
NAME_COLOUR = "#111111"


State = Callable[[Household], tuple[str, str]]  # a household's state line and its colour


def folder_of(household: Household) -> str:
    return f"menu=household&id={household.id}"


def listing(ctx: Context, intro: str, found: list[Household], navigation: QuickReply,
            opens: Callable[[Household], str] = folder_of, state: State | None = None) -> FlexMessage:
    """`found` as one bubble under `intro` (which is also what notifications show), with `navigation` as its quick
    replies; a tap on a row sends `opens(household)`, and `state` adds a line to each."""
    heads = _head_ids(found)
    rows = []
    for household in found:
        rows += [FlexSeparator()] if rows else []
        line = state(household) if state else None
        rows.append(_row(ctx, household, heads.get(household.id), opens(household), line))
    bubble = FlexBubble(
        size="giga",
        header=FlexBox(layout="vertical", backgroundColor=HEADER_COLOUR, paddingAll="lg", contents=[
            FlexText(text=intro, size="sm", color="#FFFFFF", wrap=True)]),
        body=FlexBox(layout="vertical", paddingAll="none", contents=rows),
    )
    return FlexMessage(altText=intro[:ALT_TEXT_LIMIT], contents=bubble, quickReply=navigation)


def _row(ctx: Context, household: Household, masked_id: str | None, data: str,
         state: tuple[str, str] | None) -> FlexBox:
    number = ctx._("House %(number)s", number=household.house_number)
    opens = PostbackAction(label=f"{household.house_number} {household.head_name}"[:LABEL_LIMIT], data=data,
                           displayText=f"{number} {household.head_name}"[:DISPLAY_LIMIT])
    return FlexBox(layout="horizontal", paddingAll="md", paddingStart="lg", spacing="md", action=opens, contents=[
        FlexBox(layout="vertical", flex=1, spacing="xs", contents=[
            FlexText(text=household.head_name, weight="bold", color=NAME_COLOUR, wrap=True),
            FlexText(text=f"{number} · {village_name(ctx, household.village_code)}", size="sm", wrap=True),
            *([FlexText(text=masked_id, size="xs", color=MUTED_COLOUR)] if masked_id else []),
            *([FlexText(text=state[0], size="sm", weight="bold", color=state[1], wrap=True)] if state else []),
        ]),
        FlexText(text="›", flex=0, size="xl", color=MUTED_COLOUR, gravity="center"),
    ])


def village_name(ctx: Context, code: str) -> str:
    """The village, with as much of the address as the viewer's area needs to tell it from a same-named one: a
    volunteer or a subdistrict's staff read "หมู่ 1 บ้านจักราช", a district supervisor "หมู่ 1 บ้านจักราช ต.จักราช",
    wider areas the whole address. While the names aren't loaded, its code (`area_label`)."""
    widest = min(map(len, scope.of(ctx.staff).prefixes), default=len(code))  # 0: nationwide
    return areas.name(code, ctx.locale, full=widest < 4, parent=widest == 4) or area_label(code, ctx)


def _head_ids(found: list[Household]) -> dict[int, str]:
    """The masked national ID of each household's head whose ID is on record, in one query."""
    heads = db.session.scalars(select(Member).where(Member.household_id.in_([h.id for h in found]),
                                                   Member.relation == "head", Member.national_id_last.is_not(None)))
    return {m.household_id: masked_national_id(m) for m in heads}
