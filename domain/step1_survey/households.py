"""Households: national IDs kept as keyed hashes, scoped search.

Every query here takes the person asking and goes through `domain.access.scope`, so nothing outside their
area can be listed, found or opened.
"""

import functools
import hashlib
import hmac

from flask import current_app
from sqlalchemy import ColumnElement, and_, bindparam, column, func, or_, select, table

from core.thai import compact_code
from core.types import Context
from domain.access import scope
from models import Household, Member, Staff, db

MAX_MONTHLY_INCOME = 1_000_000  # baht: a member's monthly income above this is a slip of the keyboard
SEARCH_PAGE = 10
COUNT_CAP = 500  # search() reports "at least this many" beyond it


class NotFound(Exception):
    """No such household within the person's scope (outside it looks the same as missing)."""


def hash_national_id(national_id: str, key_setting: str = "NATIONAL_ID_KEY") -> str:
    """A keyed hash: equal IDs can be found, the ID can't be read back (nor recomputed without the key)."""
    key = current_app.config[key_setting].encode()
    return hmac.new(key, b"nid:" + national_id.encode(), hashlib.sha256).hexdigest()


def national_id_hashes(national_id: str) -> tuple[str, ...]:
    """The hashes a stored ID may have: under the current key, and under the previous one during a rotation."""
    previous = (hash_national_id(national_id, "NATIONAL_ID_KEY_PREVIOUS"),
                ) if current_app.config["NATIONAL_ID_KEY_PREVIOUS"] else ()
    return (hash_national_id(national_id), *previous)


def set_national_id(member: Member, national_id: str | None) -> None:
    """Store a checksum-valid ID as hash + last 4 digits (or clear it)."""
    member.national_id_hash = hash_national_id(national_id) if national_id else None
    member.national_id_last = national_id[-4:] if national_id else None


def masked_national_id(member: Member) -> str:
    """x-xxxx-xxxxx-xx-5: only the last digit shows, in the ID's 1-4-5-2-1 grouping."""
    return masked_last(member.national_id_last)


def masked_last(last_digits: str | None) -> str:
    """The masked ID of the stored last digits (a report reads them without loading the member)."""
    return f"x-xxxx-xxxxx-xx-{last_digits[-1]}" if last_digits else "-"


def visible(viewer: Staff):
    """Households in the viewer's scope (a caretaker's include those in their care): the base of every household
    query."""
    return select(Household).where(scope.of(viewer).households())


@functools.lru_cache(maxsize=1024)
def _one_visible(within: scope.Scope):
    """`visible` narrowed to one household (by the bound "household_id"), built once per scope: every step of a
    dialog about a household runs it (its area check), and building it anew took about as long as running it."""
    return select(Household).where(within.households(), Household.id == bindparam("household_id"))


def get(viewer: Staff, household_id: int) -> Household:
    household = db.session.scalar(_one_visible(scope.of(viewer)), {"household_id": household_id})
    if household is None:
        raise NotFound(household_id)
    return household


def in_scope(ctx: Context, household_id: int) -> Household:
    """`get` for the person talking, queried once while their input is handled (`Context.once`): a dialog's area
    check, its prompts and its option lists all read the household of its answers, and on PostgreSQL each query
    again cost about 0.2 ms of a step. Raises NotFound, like `get`."""
    return ctx.once((in_scope, household_id), lambda: get(ctx.staff, household_id))


HEAD_NAMES_FTS = table("households_fts", column("rowid"), column("head_name"))  # SQLite only (migration 0005)
NAME_INDEX_MAX = 5_000  # SQLite: a name in more households than this is found sooner without its index


def name_matches(words: str) -> ColumnElement[bool]:
    """The head's name contains `words`, as LIKE decides (case-insensitive for ASCII letters on SQLite only), in a
    form answered from an index when that is quicker: without one, a nationwide search for a rare name reads
    every household.

    PostgreSQL: LIKE itself, which the trigram index serves; its planner tells common names from rare ones.
    SQLite: the FTS5 trigram table finds `words` as a phrase (its trigrams in a row: every LIKE match and a few
    more, from the index alone), then LIKE checks. SQLite's planner doesn't know how many names match and takes
    that index even for a common name, reading thousands of households to sort them where a scan in order stops
    at the first page and at COUNT_CAP, or where a district's few hundred households are all there is to read.
    So the index is used only when it finds fewer than NAME_INDEX_MAX names. Under 3 characters there is no
    trigram to look up: LIKE alone."""
    contains = Household.head_name.contains(words, autoescape=True)
    if db.engine.dialect.name != "sqlite" or len(words) < 3:
        return contains
    phrase = '"' + words.replace('"', '""') + '"'
    indexed = select(HEAD_NAMES_FTS.c.rowid).where(HEAD_NAMES_FTS.c.head_name.match(phrase))
    if db.session.scalar(select(func.count()).select_from(indexed.limit(NAME_INDEX_MAX).subquery())) == NAME_INDEX_MAX:
        return contains
    return and_(Household.id.in_(indexed), contains)


def search(viewer: Staff, text: str, village_code: str | None = None, page: int = 0) -> tuple[list[Household], int]:
    """Households whose house number or head's name matches, in scope, a page at a time, by village and then in
    natural house-number order (5, 12, 88/2, 88/10: `Household.house_order`, which the village's index serves); and
    the total (COUNT_CAP when there are at least that many)."""
    query = visible(viewer)
    words = text.strip()
    if words:
        query = query.where(or_(Household.house_number == words, Household.house_code == compact_code(words),
                                name_matches(words)))
    if village_code:
        query = query.where(Household.village_code == village_code)
    # Counting stops at COUNT_CAP: a nationwide search for a common name need not count every match.
    total = db.session.scalar(select(func.count()).select_from(query.limit(COUNT_CAP).subquery()))
    in_order = query.order_by(Household.village_code, Household.house_order, Household.house_number, Household.id)
    rows = db.session.scalars(in_order.offset(page * SEARCH_PAGE).limit(SEARCH_PAGE)).all()
    return list(rows), total
