"""Checking rows as they come: each row alone (its cells, its village, the importer's area), then against the
rest of the file (repeated rows, one household's rows that disagree); batches of households go to `saving`.

Rows are read as a stream and stored 1,000 households per transaction, and the keys used to spot duplicate
rows live in a temporary SQLite file, so memory stays flat however long the list is. A row is checked
completely (and its village and scope) before anything of it is written: a rejected row is never
half-stored, and the others are stored anyway. Who may import where is decided by `domain.access.scope`
alone; rejected rows go to the report with their line number and the reasons in Thai. A cell longer than
MAX_CELL_CHARS rejects its row.
"""

import hashlib
import re
import sqlite3
from datetime import date, datetime

from sqlalchemy import or_, select

from core import validators
from core.i18n import DEFAULT_LOCALE, N_, gettext
from core.spreadsheet import CsvWriter
from core.thai import compact_code
from core.types import Invalid
from domain.access import scope
from domain.step1_survey.households import hash_national_id
from domain.step1_survey.importer.columns import (
    AREA_PREFIXES,
    HOUSEHOLD_FIELDS,
    MEMBER_FIELDS,
    MOO_PREFIX,
    REQUIRED,
    VILLAGE_NAMES,
    cell_text,
    parse_village_code,
    parsers,
)
from domain.step1_survey.importer.report import Summary, reasons
from domain.step1_survey.importer.saving import Group, Row, Saver
from models import Area, db

BATCH = 1000  # households per transaction
MAX_CELL_CHARS = 1_000
"""A cell the import reads: the longest value stored is 200 characters (a name); longer rejects the row,
and the report shows only the first MAX_CELL_CHARS characters."""


class Importer:
    """Checks rows as they come, groups them by household and stores a batch of households at a time."""

    def __init__(self, staff_id: int, area: scope.Scope, columns: dict[str, int], report: CsvWriter, *,
                 dry_run: bool, file_name: str, now: datetime, today: date):
        self.scope, self.columns, self.report = area, columns, report
        self.parsers = parsers(today)
        self.summary = Summary(dry_run=dry_run)
        self.saver = Saver(staff_id, area, self.summary, self._reject, dry_run=dry_run, file_name=file_name, now=now)
        self.villages, self.seen = Villages(), FirstSeen()
        self.batch: dict[str, Group] = {}

    # checking: nothing here writes to the database

    def add(self, line: int, cells: tuple) -> None:
        values = {key: cell_text(cells[position]) if position < len(cells) else ""
                  for key, position in self.columns.items()}
        if not any(values.values()):
            return
        self.summary.rows += 1
        too_long = [key for key, value in values.items() if len(value) > MAX_CELL_CHARS]
        if too_long:
            values = {key: value[:MAX_CELL_CHARS] for key, value in values.items()}
        row, errors = self._parse(line, values)
        errors = [(key, gettext(N_("The cell is longer than %(max)s characters."), max=f"{MAX_CELL_CHARS:,}"))
                  for key in too_long] + errors
        if not errors:
            errors = self._check_against_file(row)
        if errors:
            self._reject(row, errors)
            return
        self.batch.setdefault(row.key, Group([])).rows.append(row)

    def _parse(self, line: int, values: dict[str, str]) -> tuple[Row, list[tuple[str, str]]]:
        errors: list[tuple[str, str]] = []

        def parsed(key: str):
            if key in REQUIRED and not values.get(key):
                errors.append((key, gettext("This column is required.")))
                return None
            try:
                return self.parsers[key](values[key])
            except Invalid as error:
                errors.append((key, error.text(DEFAULT_LOCALE)))
                return None

        raw_id = values.get("national_id", "")
        shown_id = validators.mask_national_id(raw_id) if re.search(r"\d", compact_code(raw_id)) else ""
        shown_village = values.get("village_code") or " ".join(values.get(name, "") for name in VILLAGE_NAMES).strip()
        row = Row(line, (shown_village, values.get("house_number", ""), values.get("house_code", ""),
                         values.get("name", ""), shown_id))
        row.household = {key: parsed(key) if key in values else None for key in HOUSEHOLD_FIELDS}
        row.member = {key: parsed(key) for key in MEMBER_FIELDS if key in values}
        row.national_id = parsed("national_id") if "national_id" in values else None
        try:
            village = row.household["village_code"] = self.villages.resolve(values)
        except Invalid as error:
            errors.append(("village", error.text(DEFAULT_LOCALE)))
            return row, errors
        if not self.scope.contains(village):
            errors.append(("village", gettext(N_("Village %(code)s is outside your area (%(area)s)."), code=village,
                                              area=", ".join(self.scope.prefixes) or "-")))
        code = row.household["house_code"]
        if code and code[:2] != village[:2]:
            errors.append(("house_code", gettext(
                N_("The house code's registration office %(office)s is not in the village's province (%(province)s)."),
                office=code[:4], province=village[:2])))
        return row, errors

    def _check_against_file(self, row: Row) -> list[tuple[str, str]]:
        """Rows repeated in the file, and rows of one household that disagree about the household."""
        group = self.batch.get(row.key)
        if group is None and len(self.batch) >= BATCH:
            self.flush()
        elif group is not None and group.first.household != row.household:
            return [("house_number", gettext(N_("The household's details differ from line %(line)s of the same "
                                               "household."), line=group.first.line))]
        if row.national_id:
            row.national_id_hash = hash_national_id(row.national_id)
            first = self.seen.first_line(f"id:{row.national_id_hash}", row.line)
            if first is not None:
                return [("national_id", gettext(N_("This national ID is already on line %(line)s."), line=first))]
        else:
            first = self.seen.first_line(f"name:{row.key}:{row.member['name']}", row.line)
            if first is not None:
                return [("name", gettext(N_("This member is already on line %(line)s."), line=first))]
        return []

    def _reject(self, row: Row, errors: list[tuple[str, str]]) -> None:
        self.summary.rejected += 1
        self.report.writerow((row.line, *row.shown, reasons(errors)))

    def flush(self) -> None:
        """Store the households of the batch (one transaction)."""
        groups, self.batch = list(self.batch.values()), {}
        self.saver.save(groups)

class Villages:
    """Villages named in the file, looked up once each: by code, or by province/district/subdistrict + หมู่."""

    def __init__(self):
        self.found: dict[tuple, str | Invalid] = {}

    def resolve(self, values: dict[str, str]) -> str:
        key = (values.get("village_code", ""), *(values.get(name, "") for name in VILLAGE_NAMES))
        if key not in self.found:
            try:
                self.found[key] = self._resolve(values)
            except Invalid as error:
                self.found[key] = error
            finally:
                release()
        result = self.found[key]
        if isinstance(result, Invalid):
            raise result
        return result

    def _resolve(self, values: dict[str, str]) -> str:
        if values.get("village_code"):
            code = parse_village_code(values["village_code"])
            if not self._exists(code):
                raise Invalid(N_("There is no village %(code)s in the system. "
                                 "Please ask the administrator to add it first."), code=code)
            return code
        if not all(values.get(name) for name in VILLAGE_NAMES):
            raise Invalid(N_("Please give the village code, or the province, district, subdistrict "
                             "and village number."))
        subdistrict = self._subdistrict(values)
        moo = validators.integer(MOO_PREFIX.sub("", values["moo"]), 1, 99)
        code = f"{subdistrict.code}{moo:02d}"
        if not self._exists(code):
            raise Invalid(N_("There is no village no. %(moo)s in subdistrict %(subdistrict)s. "
                             "Please ask the administrator to add it first."), moo=moo, subdistrict=subdistrict.name_th)
        return code

    @staticmethod
    def _exists(code: str) -> bool:
        return db.session.scalar(select(Area.code).where(Area.code == code, Area.level == "village")) is not None

    @staticmethod
    def _area(level: str, name: str, parent: Area | None) -> Area | None:
        names = {name, AREA_PREFIXES.sub("", name)}
        query = select(Area).where(Area.level == level, or_(Area.code.in_(names), Area.name_th.in_(names)))
        if parent is not None:
            query = query.where(Area.parent_code == parent.code)
        return db.session.scalars(query).first()

    def _subdistrict(self, values: dict[str, str]) -> Area:
        province = self._area("province", values["province"], None)
        if province is None:
            raise Invalid(N_("Unknown province %(name)s."), name=values["province"])
        district = self._area("district", values["district"], province)
        if district is None:
            raise Invalid(N_("Unknown district %(name)s in province %(province)s."), name=values["district"],
                          province=province.name_th)
        subdistrict = self._area("subdistrict", values["subdistrict"], district)
        if subdistrict is None:
            raise Invalid(N_("Unknown subdistrict %(name)s in district %(district)s."), name=values["subdistrict"],
                          district=district.name_th)
        return subdistrict


def release() -> None:
    """End the session's transaction (it only read): on SQLite it holds the one connection and the write
    lock, which the webhook must not wait for while the file is read."""
    db.session.rollback()


class FirstSeen:
    """The line each row key was first seen on, in a private temporary SQLite file (so memory stays
    flat however long the list). Keys are stored as digests: no national ID is written to disk."""

    def __init__(self):
        self.db = sqlite3.connect("", isolation_level=None)  # "": a temporary file, deleted on close
        self.db.execute("PRAGMA journal_mode=OFF")
        self.db.execute("CREATE TABLE seen (key BLOB PRIMARY KEY, line INTEGER) WITHOUT ROWID")

    def first_line(self, key: str, line: int) -> int | None:
        """None when `key` is new (and now remembered at `line`), else the line it was first on."""
        digest = hashlib.blake2b(key.encode(), digest_size=16).digest()
        if self.db.execute("INSERT OR IGNORE INTO seen VALUES (?, ?)", (digest, line)).rowcount:
            return None
        return self.db.execute("SELECT line FROM seen WHERE key = ?", (digest,)).fetchone()[0]

    def close(self) -> None:
        self.db.close()

