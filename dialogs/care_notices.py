"""What caretakers are told in LINE when households change hands (step 4.1), each in their own language: the new
caretaker which households are now theirs, the previous one which are no longer theirs and who has each now. The
chat (`dialogs.caretakers`) and the command line (`bot/cli_caretakers.py`) both send these; a household that stays
with its caretaker tells nobody, and a revoked caretaker is told nothing."""

from linebot.v3.messaging import QuickReply, TextMessage

from core.i18n import DEFAULT_LOCALE, gettext
from core.types import Push
from dialogs import buttons
from domain.access import areas
from domain.step4_care.caretakers import Assignment
from models import Household, LineUser, Staff, db


def given_one(caretaker: Staff, household: Household, by: Staff) -> list[Push]:
    """The caretaker's message when one household is given to them in the chat: which, and where to find it."""
    if not caretaker.line_user_id:
        return []
    locale = locale_of(caretaker)
    text = gettext("House %(number)s (%(head)s), %(village)s, is now in your care, assigned by %(by)s. You find it "
                   "under “My households” in the menu.", locale, number=household.house_number,
                   head=household.head_name, by=by.name, village=_village(household, locale))
    return [_push(caretaker, text, locale)]


def given(assignments: list[Assignment], by: Staff) -> list[Push]:
    """One message to each caretaker given households, listing them (a file's assignments)."""
    pushes = []
    for caretaker, done in _by_person([(a.caretaker, a) for a in assignments if a.started is not None]):
        locale = locale_of(caretaker)
        listed = "\n".join("• " + gettext("House %(number)s (%(head)s), %(village)s", locale,
                                          number=a.household.house_number, head=a.household.head_name,
                                          village=_village(a.household, locale)) for a in done)
        pushes.append(_push(caretaker, gettext("These households are now in your care, assigned by %(by)s:\n"
                                               "%(households)s\nYou find them under “My households” in the menu.",
                                               locale, by=by.name, households=listed), locale))
    return pushes


def taken(assignments: list[Assignment], by: Staff) -> list[Push]:
    """One message to each previous caretaker whose households went to someone else: which, and who has each now."""
    pushes = []
    for previous, done in _by_person([(a.ended.caretaker, a) for a in assignments if a.ended is not None]):
        locale = locale_of(previous)
        listed = "\n".join("• " + gettext("House %(number)s (%(head)s), %(village)s: now in the care of %(name)s",
                                          locale, number=a.household.house_number, head=a.household.head_name,
                                          village=_village(a.household, locale), name=a.caretaker.name)
                           for a in done)
        pushes.append(_push(previous, gettext("No longer in your care (given to another caretaker by %(by)s):\n"
                                              "%(households)s", locale, by=by.name, households=listed), locale))
    return pushes


def locale_of(person: Staff) -> str:
    """The language the person reads the bot in."""
    reader = db.session.get(LineUser, person.line_user_id) if person.line_user_id else None
    return reader.language if reader and reader.language else DEFAULT_LOCALE


def _by_person(pairs: list[tuple[Staff, Assignment]]) -> list[tuple[Staff, list[Assignment]]]:
    """The assignments grouped by the person to tell, in the order first met; those not active or without LINE left
    out."""
    grouped: dict[int, tuple[Staff, list[Assignment]]] = {}
    for person, done in pairs:
        if person.active and person.line_user_id:
            grouped.setdefault(person.id, (person, []))[1].append(done)
    return list(grouped.values())


def _village(household: Household, locale: str) -> str:
    return areas.name(household.village_code, locale, full=False) or household.village_code


def _push(person: Staff, text: str, locale: str) -> Push:
    """The message with one button: "My households"."""
    mine = gettext("My households", locale)
    return Push(person.line_user_id, [TextMessage(text=text, quickReply=QuickReply(items=[
        buttons.tap(mine, "menu=my_households")]))])
