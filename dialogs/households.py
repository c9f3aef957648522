"""Households in the chat: find one in your area, add one found at a community forum, open its folder.

Every lookup goes through `domain.step1_survey.households` (scoped to the person asking), and a household outside the
person's area answers exactly like one that doesn't exist.
"""

import re
from functools import partial

from linebot.v3.messaging import QuickReply, TextMessage
from sqlalchemy import and_, or_, select

from core import validators
from core.i18n import N_
from core.thai import compact_code, fiscal_year, to_ascii_digits
from core.types import Context, Invalid, Later, Outcome
from dialogs import buttons, drafts, folder_card, household_list, menu
from dialogs.flow import Dialog, When
from dialogs.kinds import AreaChoice, Choice, NationalId, Text, YesNo
from domain.access import areas, audit, scope
from domain.labels import area_label
from domain.step1_survey import households
from models import Household, Member, db
from models.staff import ROLES

FORUM = "forum"

# ---- villages --------------------------------------------------------------------------------------


def show_village(code: str, ctx: Context) -> str:
    """A village's short name ("หมู่ 1 บ้านโนนสูง"), where the full area name would crowd a list."""
    return areas.name(code, ctx.locale, full=False) or area_label(code, ctx)


def village_question(then: str) -> AreaChoice:
    """Which village: tapped from those in the person's area, or typed as part of its name or its code."""
    return AreaChoice("village", N_("Which village?"), levels=("village",), shown=show_village, next=then)


# ---- finding ---------------------------------------------------------------------------------------

SEARCH_BY = [("number", N_("House number")), ("name", N_("Head's name")), ("village", N_("Village"))]


def search_text(raw: str) -> str:
    return validators.text(to_ascii_digits(raw), min_len=1, max_len=30)


def by(kind: str):
    def chosen(ctx: Context, answers: dict) -> bool:
        return answers.get("how") == kind
    chosen.__name__ = f"by_{kind}"
    return chosen


def finish_search(ctx: Context, answers: dict) -> Outcome:
    text = answers.get("number") if answers["how"] == "number" else answers.get("name")
    village = answers["village"] if answers["how"] == "village" else ""
    return results(ctx, {"q": text or "", "v": village, "page": "0"})


FIND = Dialog(
    name="find_household",
    title=N_("Find household"),
    questions=[
        Choice("how", N_("Find a household in your area by:"), options=SEARCH_BY,
               next=[When(by("number"), "number"), When(by("name"), "name"), "village"]),
        Text("number", N_("Type the house number (for example 12/3) or the 11-digit house code."),
             parser=search_text, next="done"),
        Text("name", N_("Type the head's name, or part of it."), min_len=2, max_len=60,  # it goes in "More..." data
             next="done"),
        village_question(then="done"),
    ],
    finish=finish_search,
)


def open_search(ctx: Context, data: dict) -> Outcome:
    return drafts.start_dialog(ctx, "find_household")


def _pack(**fields: str) -> str:
    """Postback data keeping Thai letters as they are: percent-escaped, each would take 9 of LINE's 300 characters."""
    escape = {"%": "%25", "&": "%26", "=": "%3D", "+": "%2B"}
    return "&".join(f"{key}={''.join(escape.get(ch, ch) for ch in str(value))}" for key, value in fields.items())


def results(ctx: Context, data: dict) -> Outcome:
    """One page of search results as a Flex list (the search is in the postback data, so "More..." needs no
    state), with chips to the next page, a new search and the menu."""
    text, village, page = data.get("q", ""), data.get("v", ""), buttons.whole(data.get("page"), 5) or 0
    found, total = households.search(ctx.staff, text, village_code=village or None, page=page)
    if not found:
        note = (ctx._("No more results.") if total else
                ctx._("No household in your area matches %(what)s.",
                      what=f"“{text}”" if text else show_village(village, ctx)))
        return menu.show(ctx, note=note)
    more = "+" if total >= households.COUNT_CAP else ""
    intro = ctx._("Households found: %(total)s (page %(page)s of %(pages)s). Tap one to open its folder.",
                  total=f"{total:,}{more}", page=page + 1, pages=f"{-(-total // households.SEARCH_PAGE)}{more}")
    items = []
    if page * households.SEARCH_PAGE + len(found) < total:
        items.append(buttons.tap(ctx._("More..."), _pack(menu="household_results", q=text, v=village, page=page + 1)))
    items += [buttons.tap(ctx._("New search"), "menu=find_household"), buttons.tap(ctx._("Main menu"), "cmd=menu")]
    return Outcome(reply=[household_list.listing(ctx, intro, found, QuickReply(items=items))])



# ---- opening one ------------------------------------------------------------------------------------

def open_household(ctx: Context, data: dict) -> Outcome:
    """`menu=household&id=42`: the Family Folder card; unknown and out-of-area ids answer alike."""
    household_id = buttons.whole(data.get("id"), 9)  # ids fit a 32-bit integer column
    try:
        household = households.get(ctx.staff, household_id) if household_id else None
    except households.NotFound:
        household = None
    if household is None:
        return menu.show(ctx, note=ctx._("That household was not found in your area."))
    return Outcome(reply=[folder_card.card(ctx, household)]).extend(menu.show(ctx))


# ---- adding one found at a community forum ------------------------------------------------------------

def house_number(raw: str) -> str:
    value = re.sub(r"\s+", "", to_ascii_digits(raw))
    if not re.fullmatch(r"\d[\d/\-]{0,19}", value):
        raise Invalid(N_("Please type the house number in digits, for example 12 or 45/1."))
    return value


def house_code(raw: str) -> str:
    digits = compact_code(raw)
    if not digits.isascii() or not digits.isdigit():
        raise Invalid(N_("A house code has digits only. Please type its 11 digits."))
    if len(digits) != 11:
        raise Invalid(N_("A house code has 11 digits, but you typed %(count)s. Please check it."),
                                 count=len(digits))
    return digits


def refuse_duplicate(ctx: Context, village: str, number: str | None = None, code: str | None = None) -> None:
    """Refuse a household that is already registered, naming it (or, outside the area, only saying so)."""
    same = [Household.house_code == code] if code else []
    if number:
        same.append(and_(Household.village_code == village, Household.house_number == number))
    existing = db.session.scalar(select(Household).where(or_(*same)).limit(1))
    if existing is None:
        return
    if not scope.of(ctx.staff).contains(existing.village_code):
        raise Invalid(N_("House code %(code)s is already registered in another area. Please check the code, or "
                         "ask the district office."), code=code)
    raise Invalid(N_("This household is already registered: house %(number)s, %(village)s, head %(head)s. "
                     "Open it with \"Find household\" instead of adding it again."),
                  number=existing.house_number, village=area_label(existing.village_code, ctx),
                  head=existing.head_name)


def check_house_number(value: str, ctx: Context, answers: dict) -> str:
    refuse_duplicate(ctx, answers["village"], number=value)
    return value


def check_house_code(value: str, ctx: Context, answers: dict) -> str:
    refuse_duplicate(ctx, answers["village"], code=value)
    return value


def seal_national_id(value: str, ctx: Context, answers: dict) -> dict:
    """Only the stored form is kept in the session, so a draft never holds a readable ID."""
    head = Member()
    households.set_national_id(head, value)
    return {"hash": head.national_id_hash, "last": head.national_id_last}


def show_sealed(value: dict, ctx: Context) -> str:
    return validators.mask_national_id(value["last"])


def source_years(ctx: Context, answers: dict) -> list[tuple[str, str]]:
    """This fiscal year first (the default), then next year's and last year's."""
    year = current_year(ctx)
    return [(str(y), str(y)) for y in (year, year + 1, year - 1)]


def current_year(ctx: Context) -> int:
    return fiscal_year(ctx.today)


def year_prompt(ctx: Context, answers: dict) -> str:
    return ctx._("For which fiscal year (B.E.) did the forum name this household? This fiscal year is %(year)s.",
                 year=current_year(ctx))


def confirm_prompt(ctx: Context, answers: dict) -> str:
    head_id = answers.get("head_id")
    return ctx._("Add this household?\nVillage: %(village)s\nHouse number: %(number)s\nHouse code: %(code)s\n"
                 "Head: %(head)s\nHead's national ID: %(id)s\nSource: community forum, fiscal year %(year)s",
                 village=area_label(answers["village"], ctx), number=answers["house_number"],
                 code=answers.get("house_code") or "-", head=answers["head_name"],
                 id=show_sealed(head_id, ctx) if head_id else "-", year=answers["source_year"])


def not_confirmed(ctx: Context, answers: dict) -> bool:
    return answers.get("confirm") is False


def finish_add(ctx: Context, answers: dict) -> Outcome:
    village = answers["village"]
    try:
        scope.of(ctx.staff).require(village)
        refuse_duplicate(ctx, village, number=answers["house_number"], code=answers.get("house_code"))
    except scope.OutOfScope:
        return menu.show(ctx, note=ctx._("There is no village %(code)s in your area. Please check the code.",
                                         code=village))
    except Invalid as refused:  # registered by someone else while this dialog was open
        return menu.show(ctx, note=refused.text(ctx.locale))
    head = Member(name=answers["head_name"], relation="head")
    if answers.get("head_id"):
        head.national_id_hash, head.national_id_last = answers["head_id"]["hash"], answers["head_id"]["last"]
    household = Household(village_code=village, house_number=answers["house_number"],
                          house_code=answers.get("house_code"), head_name=answers["head_name"], source=FORUM,
                          source_year=int(answers["source_year"]), status="open", created_by=ctx.staff.id,
                          created_at=ctx.now, updated_at=ctx.now, members=[head])
    created = audit.change(ctx, "household.create", "household", household, household=household,
                           after={"village": village, "house_number": household.house_number,
                                  "house_code": household.house_code, "head_name": household.head_name,
                                  "source": FORUM, "source_year": household.source_year,
                                  "head_national_id": bool(answers.get("head_id"))})
    saved = TextMessage(text=ctx._("Household saved: house %(number)s, %(village)s.",
                                   number=household.house_number, village=show_village(village, ctx)))
    return Outcome(reply=[saved, Later(partial(folder_card.card, ctx, household))], store=[household],
                   audit=[created]).extend(menu.show(ctx))


ADD = Dialog(
    name="add_household",
    title=N_("Add household"),
    questions=[
        village_question(then="house_number"),
        Text("house_number", N_("House number? (for example 12 or 45/1)"), parser=house_number,
             check=check_house_number),
        Text("house_code", N_("The 11-digit house code from the house registration (optional; tap Skip if you "
                              "don't have it)."), parser=house_code, check=check_house_code, optional=True),
        Text("head_name", N_("The head of household's full name?"), min_len=2, max_len=200),
        NationalId("head_id", N_("The head's 13-digit national ID number (optional; tap Skip if you don't have "
                                 "it). It is stored protected and shown masked."),
                   check=seal_national_id, optional=True),
        Choice("source_year", year_prompt, options=source_years),
        YesNo("confirm", confirm_prompt, next=[When(not_confirmed, "village"), "done"]),
    ],
    finish=finish_add,
)


def open_add(ctx: Context, data: dict) -> Outcome:
    if not areas.inside(scope.of(ctx.staff), ("village",), limit=1):
        return menu.show(ctx, note=ctx._("No villages are set up in your area yet. Please ask the district office."))
    return drafts.start_dialog(ctx, "add_household")


FIND_ITEM = menu.Item("find_household", N_("Find household"), open_search, roles=ROLES)
ADD_ITEM = menu.Item("add_household", N_("Add household"), open_add, roles=ROLES)
RESULTS_ITEM = menu.Item("household_results", None, results, roles=ROLES)
OPEN_ITEM = menu.Item("household", None, open_household, roles=ROLES)
