"""Storing checked rows: a batch of households, their members and audit entries in one transaction.

A household is found again by its `import_key` (house code, else village + house number; one added in the
chat by its village and house number), a member by the hash of their national ID (else by name, else, for
a corrected name, by birth date, sex and relation). Each household keeps a digest of what the file said of
it: re-importing a file changes nothing, even where a visit has updated the household since; a corrected
file updates what it changes, with one audit entry per household created or updated.

A national ID stored for a member of another household is refused, and neither that refusal nor a house
code registered outside the importer's area says where.
"""

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property
from types import SimpleNamespace

from psycopg.types.json import Json
from sqlalchemy import JSON, insert, or_, select
from sqlalchemy.orm import selectinload

from core.i18n import N_, gettext
from domain.access import audit, scope
from domain.step1_survey.households import masked_national_id, national_id_hashes, set_national_id
from domain.step1_survey.importer.columns import FLAGS, HOUSEHOLD_FIELDS, MEMBER_FIELDS
from domain.step1_survey.importer.report import Summary
from models import AuditEntry, Household, HouseholdKey, Member, db
from models.household import house_order


@dataclass(slots=True)
class Row:
    line: int
    shown: tuple[str, ...]  # village, house number, house code, name, masked ID: the report's key fields
    household: dict = field(default_factory=dict)
    member: dict = field(default_factory=dict)
    national_id: str | None = None
    national_id_hash: str | None = None

    @property
    def key(self) -> str:
        """The household's import key: its house code, else its village and house number."""
        if self.household["house_code"]:
            return f"hc:{self.household['house_code']}"
        return self.village_key

    @property
    def village_key(self) -> str:
        return f"v:{self.household['village_code']}:{self.household['house_number']}"


@dataclass
class Group:
    """The rows of one household within a batch."""

    rows: list[Row]

    @property
    def first(self) -> Row:
        return self.rows[0]

    @cached_property
    def digest(self) -> str:
        """What the file says of this household: stored with it, so that the same rows imported again change
        nothing, even where a visit has since updated the household (the visit's answers are newer)."""
        said = [(sorted((k, str(v)) for k, v in row.household.items()),
                 sorted((k, str(v)) for k, v in row.member.items()), row.national_id_hash) for row in self.rows]
        return hashlib.sha256(repr(said).encode()).hexdigest()


Reject = Callable[[Row, list[tuple[str, str]]], None]  # writes a row to the report with its reasons


class Saver:
    """Stores batches of households as `staff_id` (inside `area`) from the file `file_name`, counting in
    `summary`; rows refused here (another area's household, another household's national ID) go to `reject`."""

    def __init__(self, staff_id: int, area: scope.Scope, summary: Summary, reject: Reject, *, dry_run: bool,
                 file_name: str, now: datetime):
        self.staff_id, self.scope, self.summary, self.reject = staff_id, area, summary, reject
        self.dry_run, self.file_name, self.now = dry_run, file_name, now

    def save(self, groups: list[Group]) -> None:
        """One transaction (rolled back on a dry run)."""
        if not groups:
            return
        existing = self._existing(groups)
        found = [(group, self._find(existing, group.first)) for group in groups]
        holders = self._national_id_holders(groups)
        new = []
        for group, household in found:
            if household is not None and not self.scope.contains(household.village_code):
                reason = gettext(N_("This house code belongs to a household outside your area."))
                for row in group.rows:
                    self.reject(row, [("house_code", reason)])
                continue
            group = self._without_ids_of_others(group, household, holders)
            if group is None:
                continue
            if household is None:
                new.append(group)
            else:
                self._update(household, group)
        db.session.flush()
        self._create(new)
        if self.dry_run:
            db.session.rollback()
        else:
            db.session.commit()  # the batch's households are no longer referenced: the session lets them go

    @staticmethod
    def _national_id_holders(groups: list[Group]) -> dict[str, set[int]]:
        """The households (anywhere, in anyone's area) holding a member with a national ID of this batch, by the
        ID's current hash; a member still stored under the previous key (during a rotation) is found too."""
        current = {stored: row.national_id_hash for group in groups for row in group.rows if row.national_id_hash
                   for stored in national_id_hashes(row.national_id)}
        holders: dict[str, set[int]] = {}
        for national_id_hash, household_id in db.session.execute(
                select(Member.national_id_hash, Member.household_id).where(Member.national_id_hash.in_(current))):
            holders.setdefault(current[national_id_hash], set()).add(household_id)
        return holders

    def _without_ids_of_others(self, group: Group, household: Household | None,
                               holders: dict[str, set[int]]) -> Group | None:
        """The group without the rows whose national ID a member of another household already has (each
        rejected, without saying where: it may be outside the importer's area); None when no row is left."""
        own = household.id if household is not None else None
        kept = []
        for row in group.rows:
            if holders.get(row.national_id_hash, set()) - {own}:
                self.reject(row, [("national_id", gettext(
                    N_("This national ID is already registered to a member of another household.")))])
            else:
                kept.append(row)
        if len(kept) == len(group.rows):
            return group
        return Group(kept) if kept else None

    @staticmethod
    def _existing(groups: list[Group]) -> dict[str, Household]:
        """Households already stored that rows of this batch may be: by import key and by house code."""
        keys = {key for group in groups for key in (group.first.key, group.first.village_key)}
        codes = {group.first.household["house_code"] for group in groups} - {None}
        villages = {group.first.household["village_code"] for group in groups}
        query = (select(Household).options(selectinload(Household.members))
                 .where(or_(Household.import_key.in_(keys), Household.house_code.in_(codes))))
        # Added in the chat without a house code: few, found by village (house numbers are compared below).
        from_chat = (select(Household).options(selectinload(Household.members))
                     .where(Household.village_code.in_(villages), Household.import_key.is_(None),
                            Household.house_code.is_(None)))
        found = {}
        for household in db.session.scalars(query):
            if household.house_code:
                found[f"code:{household.house_code}"] = household
            if household.import_key:
                found[household.import_key] = household
        for household in db.session.scalars(from_chat):
            found[f"house:{household.village_code}:{household.house_number}"] = household
        return found

    @staticmethod
    def _find(existing: dict[str, Household], row: Row) -> Household | None:
        """By import key; a house code also finds a household stored without import key (e.g. from the chat)
        or imported earlier without its house code; village and house number find one added in the chat
        without a house code (the chat refuses a second household there too)."""
        code = row.household["house_code"]
        house = existing.get(f"house:{row.household['village_code']}:{row.household['house_number']}")
        if not code:
            return existing.get(row.key) or house
        return existing.get(row.key) or existing.get(f"code:{code}") or existing.get(row.village_key) or house

    @staticmethod
    def _household_values(group: Group) -> dict:
        values = {key: value for key, value in group.first.household.items() if value is not None}
        return values | {"import_key": group.first.key, "import_digest": group.digest}

    def _create(self, groups: list[Group]) -> None:
        """New households, their members and audit entries inserted in bulk, the new ids read back by import key
        (the ORM, or INSERT ... RETURNING, inserts row by row on SQLite to read each new id). Bypassing the ORM, a
        household's `house_order` is set here; an update goes through the ORM, which keeps it."""
        if not groups:
            return
        now = self.now
        households = [{"house_code": None, "created_by": self.staff_id, "status": "open", "test_data": False,
                       "created_at": now, "updated_at": now, **self._household_values(group),
                       "house_order": house_order(group.first.household["house_number"]),
                       "head_name": _head_name((row.member.get("relation"), row.member["name"]) for row in group.rows)}
                      for group in groups]
        _insert(Household, households)
        ids = dict(db.session.execute(select(Household.import_key, Household.id)
                                      .where(Household.import_key.in_([values["import_key"] for values in households])))
                   .all())
        _insert(Member, [_member_values(row) | {"household_id": ids[group.first.key]}
                         for group in groups for row in group.rows])
        keys = {household_id: audit.new_key() for household_id in ids.values()}
        _insert(HouseholdKey, [{"household_id": household_id, "key": key, "created_at": now}
                               for household_id, key in keys.items()])
        _insert(AuditEntry, [audit.row("household.create", "household", household_id, staff_id=self.staff_id,
                                       household=household_id, key=keys[household_id], at=now,
                                       after={"via": "import", "file": self.file_name, "members": len(group.rows),
                                              **{name: values[name] for name in (*HOUSEHOLD_FIELDS, "village_code",
                                                                                 "import_key", "head_name")}})
                             for group, values in zip(groups, households, strict=True)
                             for household_id in [ids[values["import_key"]]]])
        self.summary.households_created += len(groups)
        self.summary.members_created += sum(len(group.rows) for group in groups)

    def _update(self, household: Household, group: Group) -> None:
        if household.import_digest == group.digest:
            self.summary.households_unchanged += 1
            return
        before, after = {}, {}
        for key, value in self._household_values(group).items():
            if key == "import_digest":
                household.import_digest = value  # not a change of the household's own: no audit of it
                continue
            if getattr(household, key) != value:
                before[key], after[key] = getattr(household, key), value
                setattr(household, key, value)
        added = []
        names_in_file = {row.member["name"] for row in group.rows}
        for row in group.rows:
            member = _match(household, row, names_in_file)
            if member is None:
                household.members.append(Member(**_member_values(row)))
                self.summary.members_created += 1
                added.append(row.member["name"])
                continue
            changed_before, changed_after = self._update_member(member, row)
            if changed_after:
                self.summary.members_updated += 1
                before.setdefault("members", {})[member.name] = changed_before
                after.setdefault("members", {})[member.name] = changed_after
        if added:
            after["members_added"] = added
        head_name = _head_name((member.relation, member.name) for member in household.members)
        if household.head_name != head_name:
            before["head_name"], after["head_name"] = household.head_name, head_name
            household.head_name = head_name
        if not after:
            self.summary.households_unchanged += 1
            return
        household.updated_at = self.now
        self.summary.households_updated += 1
        db.session.add(audit.entry("household.update", "household", household.id, staff_id=self.staff_id,
                                   household=household.id, at=self.now,
                                   before={key: _jsonable(value) for key, value in before.items()},
                                   after={"via": "import", "file": self.file_name,
                                          **{key: _jsonable(value) for key, value in after.items()}}))

    @staticmethod
    def _update_member(member: Member, row: Row) -> tuple[dict, dict]:
        before, after = {}, {}
        for key, value in row.member.items():
            if getattr(member, key) != value:
                before[key], after[key] = _jsonable(getattr(member, key)), _jsonable(value)
                setattr(member, key, value)
        if row.national_id_hash and member.national_id_hash != row.national_id_hash:
            before["national_id"] = masked_national_id(member)
            set_national_id(member, row.national_id)
            after["national_id"] = masked_national_id(member)
        return before, after


def _match(household: Household, row: Row, names_in_file: set[str]) -> Member | None:
    """The member a row is about: same national ID, else same name (and no other ID on record), else, for a
    name corrected in the file, the one member without an ID, no longer named in the file, born the same
    day with the same sex and relation."""
    if row.national_id_hash:
        hashes = national_id_hashes(row.national_id)  # an ID hashed before a key rotation is found too
        for member in household.members:
            if member.national_id_hash in hashes:
                return member
    for member in household.members:
        if member.name == row.member["name"] and (member.national_id_hash is None or not row.national_id_hash):
            return member
    fits = [member for member in household.members
            if member.national_id_hash is None and member.name not in names_in_file and member.birth_date
            and (member.birth_date, member.sex, member.relation)
            == (row.member.get("birth_date"), row.member.get("sex"), row.member.get("relation"))]
    return fits[0] if len(fits) == 1 else None


def _head_name(members: Iterable[tuple[str | None, str]]) -> str:
    """The name of the member whose relation is head, else the first member's: (relation, name) pairs."""
    members = list(members)
    return next((name for relation, name in members if relation == "head"), members[0][1])


def _member_values(row: Row) -> dict:
    """Every column of a new member, the same keys for each (one multi-row INSERT): what the file has, else the
    model's defaults; the national ID as `set_national_id` keeps it."""
    national_id = SimpleNamespace()
    set_national_id(national_id, row.national_id)
    return {key: None for key in MEMBER_FIELDS} | FLAGS | row.member | vars(national_id) | {"test_data": False}


def _insert(model, rows: list[dict]) -> None:
    """Many rows (each with the same keys) at once: COPY on PostgreSQL (an executemany there costs a statement
    per row), SQLite's own executemany there. In the session's transaction either way."""
    table = model.__table__
    if db.engine.dialect.name != "postgresql":
        db.session.execute(insert(table), rows)
        return
    columns = list(rows[0])
    json = {column.key for column in table.columns if isinstance(column.type, JSON)}
    cursor = db.session.connection().connection.driver_connection.cursor()
    with cursor, cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([Json(row[key]) if key in json and row[key] is not None else row[key] for key in columns])


def _jsonable(value):
    return value.isoformat() if isinstance(value, date) else str(value) if isinstance(value, Decimal) else value
