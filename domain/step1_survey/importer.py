"""Importing target-household lists (CSV or XLSX) laid out like the จปฐ./TPMAP lists: one row per member.

`flask --app wsgi households import FILE --as STAFF_ID [--dry-run]`; the columns are in
docs/import-template.md. Why it works the way it does:

- Rows are read as a stream and stored 1,000 households per transaction, and the keys used to spot
  duplicate rows live in a temporary SQLite file, so memory stays flat however long the list is.
- A row is validated completely (and its village and scope checked) before anything of it is written:
  a rejected row is never half-stored, and the others are stored anyway.
- A household is found again by its `import_key` (house code, else village + house number; one added in
  the chat by its village and house number), a member by the hash of their national ID (else by name,
  else, for a corrected name, by birth date, sex and relation).
  Each household keeps a digest of what the file said of it: re-importing a file changes nothing, even
  where a visit has updated the household since; a corrected file updates what it changes, with one
  audit entry per household created or updated.
- Who may import where is decided by `bot.scope` alone; rejected rows go to `<file>.rejected.csv` with
  their line number and the reasons in Thai. A national ID stored for a member of another household is
  refused, and neither that refusal nor a house code registered outside the importer's area says where.
- The report is always a new file (O_EXCL | O_NOFOLLOW): never an existing file, never through a symlink;
  when the name is taken, the next free `<file>.rejected-N.csv` is used and the summary says so. Its cells
  are escaped against formulas (`bot.spreadsheet`).
- Nothing in a file can take the server down or stop the bot: an XLSX archive is inspected before openpyxl
  opens it (see the caps below), a CSV's encoding is decided by reading all of it before any row is stored
  (so an undecodable line can't stop an import half-way), and a cell longer than MAX_CELL_CHARS rejects its
  row. The database is held only for a village look-up and for storing a batch, never while the file is
  read: on SQLite the embedded app has one connection and every transaction takes the write lock
  (`bot.sqlite`), so an import that kept a transaction open while parsing would make LINE's webhook wait
  (and answer 503 after 30 s).
"""

import codecs
import csv
import hashlib
import os
import re
import sqlite3
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property, partial
from pathlib import Path
from types import SimpleNamespace
from typing import TextIO

import click
import openpyxl
from flask.cli import AppGroup
from openpyxl.packaging.manifest import Manifest
from openpyxl.xml.constants import ARC_CONTENT_TYPES, WORKSHEET_TYPE
from openpyxl.xml.functions import fromstring
from psycopg.types.json import Json
from sqlalchemy import JSON, insert, or_, select
from sqlalchemy.orm import selectinload

from core import validators
from core.i18n import DEFAULT_LOCALE, N_, gettext
from core.spreadsheet import CsvWriter, safe_row
from core.thai import be_year, compact_code, local_now, to_ascii_digits
from core.types import Invalid
from domain.access import audit, scope
from domain.step1_survey.households import (
    MAX_MONTHLY_INCOME,
    hash_national_id,
    masked_national_id,
    national_id_hashes,
    set_national_id,
)
from models import Area, AuditEntry, Household, HouseholdKey, Member, Staff, db, utcnow
from models.staff import SUPERVISOR_ROLES

BATCH = 1000  # households per transaction
PROGRESS_EVERY = 500  # rows between progress-bar updates
HEADER_SEARCH_ROWS = 20  # lists often carry a title above the header row
REPORT_SUFFIX = ".rejected.csv"
FIRST_SOURCE_YEAR = 2530  # BE; the จปฐ. survey is older, but no list we import is
OLDEST_BIRTH = date(1880, 1, 1)
MAX_REPORT_NAMES = 100  # FILE.rejected.csv, FILE.rejected-2.csv, … before the import is refused

# Limits on what a file may make the importer hold, checked before anything is parsed. A legitimate list is
# far below each: the generated 100,000-member list of bench/import.py is a 10 MB XLSX whose worksheet
# unpacks to 119 MB at a ratio of 12:1, and Excel's shared strings for such a list (names, IDs as text) are
# about 16 MB. A "zip bomb" of 1.5 MB unpacking to gigabytes is refused by the first three.
MAX_XLSX_BYTES = 256 << 20
"""Unpacked size of the whole workbook: over 200,000 members written as openpyxl does, more with Excel's
shared strings. Worksheets are streamed (read-only mode), so for them this bounds the time spent."""
MAX_XLSX_PART_BYTES = 32 << 20
"""Unpacked size of each part openpyxl reads whole (shared strings, styles, workbook, content types: all
but the worksheets). 32 MB of the smallest possible shared strings took 200 MB of memory to load."""
MAX_XLSX_RATIO = 100
"""Unpacked ÷ packed size of a part, as Apache POI's ZipSecureFile allows by default; spreadsheet XML packs
10–20:1, a bomb 1,000:1."""
XLSX_RATIO_GRACE = 100 << 10  # parts up to this size are not judged by their ratio (POI's grace too)
MAX_XLSX_PARTS = 1_000  # a workbook has about 10 parts, a few hundred with many sheets and pictures
MAX_CELL_CHARS = 1_000
"""A cell the import reads: the longest value stored is 200 characters (a name); longer rejects the row,
and the report shows only the first MAX_CELL_CHARS characters."""
BOM_ENCODINGS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
TEXT_ENCODINGS = ("utf-8", "cp874")  # without a BOM, tried in turn; cp874 is TIS-620 plus Windows' few extras


class Refused(Invalid):
    """The whole import is refused (the person, the file or its columns), before any row is read."""


# --- the template's columns ----------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str  # also the English header
    thai: tuple[str, ...]  # Thai headers accepted; the first is the template's (and the report's)
    example: tuple[str, ...] = ()

    @property
    def header(self) -> str:
        return self.thai[0]


HOUSEHOLD_COLUMNS = (
    Column("village_code", ("รหัสหมู่บ้าน",)),
    Column("province", ("จังหวัด",)),
    Column("district", ("อำเภอ",)),
    Column("subdistrict", ("ตำบล",)),
    Column("moo", ("หมู่ที่", "หมู่", "ม.", "village_no")),
    Column("house_number", ("บ้านเลขที่",)),
    Column("house_code", ("รหัสประจำบ้าน", "รหัสบ้าน")),
    Column("source", ("แหล่งข้อมูล", "ที่มา")),
    Column("source_year", ("ปีข้อมูล", "ปีที่สำรวจ", "ปี พ.ศ.")),
)
MEMBER_COLUMNS = (
    Column("name", ("ชื่อ-นามสกุล", "ชื่อ-สกุล", "ชื่อ นามสกุล")),
    Column("national_id", ("เลขประจำตัวประชาชน", "เลขบัตรประชาชน", "เลขบัตรประจำตัวประชาชน")),
    Column("sex", ("เพศ",)),
    Column("birth_date", ("วันเดือนปีเกิด", "วันเกิด")),
    Column("relation", ("ความสัมพันธ์กับหัวหน้าครัวเรือน", "ความสัมพันธ์")),
    Column("education", ("การศึกษา", "ระดับการศึกษา")),
    Column("occupation", ("อาชีพ",)),
    Column("monthly_income", ("รายได้ต่อเดือน", "รายได้เฉลี่ยต่อเดือน", "รายได้ (บาท/เดือน)")),
    Column("disabled", ("พิการ", "ความพิการ", "คนพิการ")),
    Column("bedridden", ("ติดเตียง", "ผู้ป่วยติดเตียง")),
    Column("chronic_illness", ("โรคเรื้อรัง", "ป่วยเรื้อรัง")),
    Column("welfare_card", ("บัตรสวัสดิการแห่งรัฐ", "บัตรสวัสดิการ")),
    Column("can_work", ("ทำงานได้", "สามารถทำงานได้")),
)
COLUMNS = {column.key: column for column in HOUSEHOLD_COLUMNS + MEMBER_COLUMNS}
VILLAGE_NAMES = ("province", "district", "subdistrict", "moo")
REQUIRED = ("house_number", "source", "source_year", "name")
FLAGS = {"disabled": False, "bedridden": False, "chronic_illness": False, "welfare_card": False, "can_work": True}


def _key(text: str) -> str:
    """Headers and choices compared without case, spaces or punctuation: "House Number" = "house_number"."""
    return re.sub(r"[\s._\-/()]", "", text).casefold()


HEADERS = {_key(name): column.key for column in COLUMNS.values() for name in (column.key, *column.thai)}

# Values people write, by their `_key`, and how each is stored. The first name of each is the template's.
SOURCES = {"jpt": ("จปฐ./TPMAP", "จปฐ.", "TPMAP", "jpt"), "thaiqm": ("ThaiQM",),
           "forum": ("เวทีประชาคม", "ประชาคม", "forum"), "walk_in": ("walk-in", "มาเอง", "walk_in")}
SEXES = {"male": ("ชาย", "ช", "male", "m"), "female": ("หญิง", "ญ", "female", "f")}
# Relations are matched by their beginning ("บุตรสาว" is a child), in this order.
RELATIONS = {"head": ("หัวหน้าครัวเรือน", "หัวหน้า", "เจ้าบ้าน", "head"),
             "spouse": ("คู่สมรส", "สามี", "ภรรยา", "ภริยา", "spouse"),
             "child_in_law": ("บุตรเขย/สะใภ้", "บุตรเขย", "บุตรสะใภ้", "ลูกเขย", "ลูกสะใภ้", "child_in_law"),
             "child": ("บุตร", "ลูก", "child"), "grandchild": ("หลาน", "grandchild"),
             "parent": ("บิดา/มารดา", "บิดา", "มารดา", "พ่อ", "แม่", "parent"),
             "sibling": ("พี่/น้อง", "พี่", "น้อง", "sibling"),
             "relative": ("ญาติ", "relative"), "other": ("ผู้อาศัย", "อื่น", "other")}
TICKS = {"1", "/", "✓", "✔", "true"}  # marks that mean yes in a list
CROSSES = {"0", "-", "false"}
AREA_PREFIXES = re.compile(r"^(?:จังหวัด|จ\.|อำเภอ|อ\.|เขต|ตำบล|ต\.|แขวง)\s*")
MOO_PREFIX = re.compile(r"^(?:หมู่ที่|หมู่|ม\.)\s*")


def _lookup(table: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {_key(name): value for value, names in table.items() for name in names}


_SOURCES, _SEXES = _lookup(SOURCES), _lookup(SEXES)
_RELATIONS = [(_key(name), value) for value, names in RELATIONS.items() for name in names]


# --- reading one value ---------------------------------------------------------------------------


def _text(cell) -> str:
    """A cell as text: spreadsheets store IDs and codes as numbers (3100600445635.0), CSV as text."""
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, datetime | date):
        return f"{cell.day}/{cell.month}/{cell.year}"  # a BE year stays BE, as typed
    return str(cell).strip()


def _choice(raw: str, table: dict[str, str], names: dict[str, tuple[str, ...]]) -> str:
    value = table.get(_key(raw))
    if value is None:
        raise Invalid(N_("Unknown value %(answer)s: please use one of %(choices)s."), answer=f"“{raw}”",
                      choices=", ".join(shown[0] for shown in names.values()))
    return value


def _relation(raw: str) -> str:
    key = _key(raw)
    for prefix, value in _RELATIONS:
        if key.startswith(prefix):
            return value
    return _choice(raw, {}, RELATIONS)


def _flag(raw: str, default: bool) -> bool:
    """Yes/no as people mark it in a list: ใช่/ไม่, มี/ไม่มี, 1/0, ✓ or /; blank is the usual case."""
    answer = raw.strip().casefold()
    if not answer:
        return default
    if answer in TICKS:
        return True
    if answer in CROSSES:
        return False
    try:
        return validators.yes_no(raw)
    except Invalid:
        raise Invalid(N_("Please write yes or no (you wrote %(answer)s)."), answer=f"“{raw}”") from None


def _house_code(raw: str) -> str:
    """รหัสประจำบ้าน: 11 digits, the first 4 the registration office (checked against the village later)."""
    digits = compact_code(raw)
    if not digits.isdigit():
        raise Invalid(N_("A house code has digits only (you wrote %(answer)s)."), answer=f"“{raw}”")
    if len(digits) != 11:
        raise Invalid(N_("A house code has 11 digits; this one has %(count)s."), count=len(digits))
    return digits


def _village_code(raw: str) -> str:
    digits = compact_code(raw)
    if not (digits.isdigit() and len(digits) == 8):
        raise Invalid(N_("A village code has 8 digits (subdistrict code and village number), for example 30060105."))
    return digits


def _source_year(raw: str) -> int:
    """Buddhist Era; a Christian Era year is converted, since spreadsheets often hold those."""
    year = validators.integer(raw)
    if 1900 <= year < 2400:
        year += 543
    latest = be_year(local_now().date()) + 1
    if not FIRST_SOURCE_YEAR <= year <= latest:
        raise Invalid(N_("The source year must be a Buddhist Era year from %(min)s to %(max)s (you wrote %(answer)s)."),
                      min=FIRST_SOURCE_YEAR, max=latest, answer=f"“{raw}”")
    return year


def _optional(parse: Callable[[str], object]) -> Callable[[str], object]:
    return lambda raw: parse(raw) if raw else None


PARSERS: dict[str, Callable[[str], object]] = {
    "house_number": lambda raw: re.sub(r"\s+", "", to_ascii_digits(validators.text(raw, max_len=30))),
    "house_code": _optional(_house_code),
    "source": lambda raw: _choice(raw, _SOURCES, SOURCES),
    "source_year": _source_year,
    "name": lambda raw: validators.text(raw, max_len=200),
    "national_id": _optional(validators.national_id),
    "sex": _optional(lambda raw: _choice(raw, _SEXES, SEXES)),
    "birth_date": _optional(lambda raw: validators.date_value(raw, OLDEST_BIRTH, local_now().date())),
    "relation": _optional(_relation),
    "education": _optional(lambda raw: validators.text(raw, max_len=60)),
    "occupation": _optional(lambda raw: validators.text(raw, max_len=100)),
    "monthly_income": _optional(lambda raw: validators.money(raw, 0, MAX_MONTHLY_INCOME)),
} | {flag: partial(_flag, default=default) for flag, default in FLAGS.items()}
MEMBER_FIELDS = tuple(column.key for column in MEMBER_COLUMNS if column.key != "national_id")
HOUSEHOLD_FIELDS = ("house_number", "house_code", "source", "source_year")


# --- villages ------------------------------------------------------------------------------------


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
                _release()
        result = self.found[key]
        if isinstance(result, Invalid):
            raise result
        return result

    def _resolve(self, values: dict[str, str]) -> str:
        if values.get("village_code"):
            code = _village_code(values["village_code"])
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


def _release() -> None:
    """End the session's transaction (it only read): on SQLite it holds the one connection and the write
    lock, which the webhook must not wait for while the file is read."""
    db.session.rollback()


# --- reading the file ----------------------------------------------------------------------------


@dataclass
class Sheet:
    rows: Iterator[tuple[int, tuple]]  # (line number as a spreadsheet shows it, cells)
    total: int  # rows in the file, for the progress bar


def _csv_encoding(path: Path) -> tuple[str, int]:
    """The file's encoding and its number of rows, decided by reading all of it before anything is stored.

    A BOM names UTF-8 or UTF-16 (what Excel's "CSV UTF-8" and "Unicode Text" write); without one, the whole
    file must be UTF-8, else Windows Thai (cp874, a superset of TIS-620, what Excel's plain "CSV" writes).
    A NUL is no text in any of them (UTF-16 without its BOM, a binary file)."""
    with path.open("rb") as file:
        head = file.read(len(codecs.BOM_UTF8))
    encodings = next(((encoding,) for bom, encoding in BOM_ENCODINGS if head.startswith(bom)), TEXT_ENCODINGS)
    for encoding in encodings:
        try:
            with path.open(encoding=encoding, newline="") as file:
                return encoding, _count_rows(file)
        except UnicodeError:
            continue
    raise Refused(N_("The file's text is not in UTF-8, UTF-16 or Thai (TIS-620) encoding, so nothing was imported. "
                     "In Excel, save it as “CSV UTF-8”."))


def _count_rows(file: TextIO) -> int:
    rows = 0
    try:
        for _ in csv.reader(_text_lines(file)):
            rows += 1
    except csv.Error:  # the only error the default dialect raises: a field over csv.field_size_limit()
        raise Refused(N_("Line %(line)s of the file has a cell longer than %(max)s characters."),
                      line=rows + 1, max=f"{csv.field_size_limit():,}") from None
    return rows


def _text_lines(file: TextIO) -> Iterator[str]:
    for line in file:
        if "\0" in line:
            raise UnicodeError("NUL in text")
        yield line


def _check_archive(path: Path) -> None:
    """Refuse a workbook that would make openpyxl unpack more than the caps above (see MAX_XLSX_BYTES).

    The sizes come from the archive's directory: zipfile stops a part at its declared size (and the CRC
    check then fails), so a part can't unpack to more than it declares. In read-only mode openpyxl streams
    the worksheets and reads every other part whole (shared strings, workbook, styles…), so each part but
    the worksheets has its own cap; a worksheet is a part under xl/worksheets/ that [Content_Types].xml
    declares as one (so no other part openpyxl finds by its content type or its fixed name is taken for one).
    A crafted workbook making openpyxl read a worksheet part whole under another role is still bounded by
    MAX_XLSX_BYTES."""
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
            if len(parts) > MAX_XLSX_PARTS:
                raise Refused(N_("The workbook has %(count)s parts, more than the %(max)s a spreadsheet has; it was "
                                 "not read. Please save it again as a new XLSX or CSV file."),
                              count=f"{len(parts):,}", max=f"{MAX_XLSX_PARTS:,}")
            for part in parts:
                if part.file_size > XLSX_RATIO_GRACE and part.file_size > MAX_XLSX_RATIO * max(part.compress_size, 1):
                    raise Refused(N_("The workbook would unpack to more than %(ratio)s times its size, unlike a "
                                     "spreadsheet; it was not read. Please save it again as a new XLSX or CSV file."),
                                  ratio=MAX_XLSX_RATIO)
            _check_size(sum(part.file_size for part in parts), MAX_XLSX_BYTES)
            sizes = {part.filename: part.file_size for part in parts}
            _check_size(sizes.get(ARC_CONTENT_TYPES, 0), MAX_XLSX_PART_BYTES)
            manifest = _manifest(archive)
    except zipfile.BadZipFile as error:
        raise Refused(N_("The file could not be read: %(error)s"), error=error) from None
    worksheets = {name for name in (item.PartName.lstrip("/") for item in manifest.findall(WORKSHEET_TYPE))
                  if name.startswith("xl/worksheets/")}
    for name, size in sizes.items():
        if name not in worksheets:
            _check_size(size, MAX_XLSX_PART_BYTES)


def _manifest(archive: zipfile.ZipFile) -> Manifest:
    """[Content_Types].xml, which names each part's content type."""
    try:
        return Manifest.from_tree(fromstring(archive.read(ARC_CONTENT_TYPES)))
    except (KeyError, SyntaxError, TypeError, ValueError) as error:  # missing, not XML, not a manifest
        raise Refused(N_("The file could not be read: %(error)s"), error=error) from None


def _check_size(size: int, cap: int) -> None:
    if size > cap:
        raise Refused(N_("The workbook is too large to read safely (over %(max)s MB unpacked). Please split the "
                         "list into smaller files, or save it as CSV."), max=cap >> 20)


@contextmanager
def open_sheet(path: Path) -> Iterator[Sheet]:
    """The rows of a CSV file or of an XLSX workbook's first sheet, read as a stream once the file is checked."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        encoding, rows = _csv_encoding(path)
        with path.open(encoding=encoding, newline="") as file:
            yield Sheet(enumerate((tuple(row) for row in csv.reader(file)), start=1), rows)
    elif suffix in (".xlsx", ".xlsm"):
        _check_archive(path)
        try:
            workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as error:  # openpyxl raises many kinds for a damaged or mislabelled file
            raise Refused(N_("The file could not be read: %(error)s"), error=error) from None
        try:
            sheet = workbook.worksheets[0]
            yield Sheet(enumerate(sheet.iter_rows(values_only=True), start=1), sheet.max_row or 0)
        finally:
            workbook.close()
    else:
        raise Refused(N_("Unsupported file type %(suffix)s: please use a .csv or .xlsx file."), suffix=suffix or "-")


def _header(rows: Iterator[tuple[int, tuple]]) -> dict[str, int]:
    """The first row naming at least three template columns: column key → its position."""
    for line, cells in rows:
        found = {}
        for position, cell in enumerate(cells):
            key = HEADERS.get(_key(_text(cell)))
            if key and key not in found:
                found[key] = position
        if len(found) >= 3:
            missing = [COLUMNS[key].header for key in REQUIRED if key not in found]
            if "village_code" not in found and not all(name in found for name in VILLAGE_NAMES):
                missing.insert(0, f"{COLUMNS['village_code'].header} / "
                                  + ", ".join(COLUMNS[name].header for name in VILLAGE_NAMES))
            if missing:
                raise Refused(N_("The file lacks the required columns: %(columns)s."), columns="; ".join(missing))
            return found
        if line >= HEADER_SEARCH_ROWS:
            break
    raise Refused(N_("The file has no header row with the template's columns (see docs/import-template.md)."))


# --- rows, households, the report ----------------------------------------------------------------


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


@dataclass
class Summary:
    rows: int = 0
    rejected: int = 0
    households_created: int = 0
    households_updated: int = 0
    households_unchanged: int = 0
    members_created: int = 0
    members_updated: int = 0
    dry_run: bool = False
    report: Path | None = None
    report_name_taken: Path | None = None  # FILE.rejected.csv when it existed and the report went elsewhere

    def lines(self, locale: str = DEFAULT_LOCALE) -> list[str]:
        lines = [
            gettext("Rows read: %(count)s", locale, count=self.rows),
            gettext("Households created: %(count)s, updated: %(updated)s, unchanged: %(unchanged)s", locale,
                    count=self.households_created, updated=self.households_updated,
                    unchanged=self.households_unchanged),
            gettext("Members created: %(count)s, updated: %(updated)s", locale, count=self.members_created,
                    updated=self.members_updated),
            gettext("Rows rejected: %(count)s (reasons in %(report)s)", locale, count=self.rejected,
                    report=self.report),
        ]
        if self.report_name_taken:
            lines.append(gettext("%(taken)s already exists, so the report was written to a new file.", locale,
                                 taken=self.report_name_taken))
        if self.dry_run:
            lines.append(gettext("Dry run: nothing was stored.", locale))
        return lines


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


def _label(key: str) -> str:
    """A reason's column as the report names it; "village" stands for the village code or its names."""
    return gettext("Village") if key == "village" else COLUMNS[key].header


def report_path(path: Path, number: int = 1) -> Path:
    """FILE.rejected.csv; the `number`th choice when that is taken: FILE.rejected-2.csv, …"""
    suffix = REPORT_SUFFIX if number == 1 else REPORT_SUFFIX.replace(".csv", f"-{number}.csv")
    return path.with_name(path.name + suffix)


def create_report(path: Path) -> tuple[Path, TextIO]:
    """A new report file beside `path`, opened for writing: created exclusively and never through a symlink
    (an existing file or link there is left alone, the next name tried), readable by its owner only (it
    holds names)."""
    for number in range(1, MAX_REPORT_NAMES + 1):
        candidate = report_path(path, number)
        try:
            descriptor = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        except FileExistsError:
            continue
        return candidate, open(descriptor, "w", encoding="utf-8-sig", newline="")
    raise Refused(N_("There are already %(count)s reports beside the file (%(name)s): please move them away."),
                  count=MAX_REPORT_NAMES, name=report_path(path).name)


def _jsonable(value):
    return value.isoformat() if isinstance(value, date) else str(value) if isinstance(value, Decimal) else value


class Importer:
    """Validates rows as they come, groups them by household and stores a batch of households at a time."""

    def __init__(self, staff_id: int, area: scope.Scope, columns: dict[str, int], report: CsvWriter, *,
                 dry_run: bool, file_name: str):
        self.staff_id, self.scope = staff_id, area
        self.columns, self.report, self.dry_run, self.file_name = columns, report, dry_run, file_name
        self.summary = Summary(dry_run=dry_run)
        self.villages, self.seen = Villages(), FirstSeen()
        self.batch: dict[str, Group] = {}

    # validation: nothing here writes to the database

    def add(self, line: int, cells: tuple) -> None:
        values = {key: _text(cells[position]) if position < len(cells) else ""
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
                return PARSERS[key](values[key])
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
        self.report.writerow((row.line, *row.shown, "; ".join(f"{_label(key)}: {text}" for key, text in errors)))

    # storing a batch: one transaction

    def flush(self) -> None:
        groups, self.batch = list(self.batch.values()), {}
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
                    self._reject(row, [("house_code", reason)])
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
                self._reject(row, [("national_id", gettext(
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
        (the ORM, or INSERT ... RETURNING, inserts row by row on SQLite to read each new id)."""
        if not groups:
            return
        now = utcnow()
        households = [{"house_code": None, "created_by": self.staff_id, "status": "open", "test_data": False,
                       "created_at": now, "updated_at": now, **self._household_values(group),
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
        entries = [audit.entry("household.create", "household", household_id, staff_id=self.staff_id,
                               household=household_id, key=keys[household_id],
                               after={"via": "import", "file": self.file_name, "members": len(group.rows),
                                      **{name: values[name] for name in (*HOUSEHOLD_FIELDS, "village_code",
                                                                         "import_key", "head_name")}})
                   for group, values in zip(groups, households, strict=True)
                   for household_id in [ids[values["import_key"]]]]
        _insert(AuditEntry, [_columns(entry) for entry in entries])
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
        household.updated_at = utcnow()
        self.summary.households_updated += 1
        db.session.add(audit.entry("household.update", "household", household.id, staff_id=self.staff_id,
                                   household=household.id,
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


def _columns(record) -> dict:
    """A model instance as the column values of an INSERT."""
    return {column.key: getattr(record, column.key) for column in record.__table__.columns if column.key != "id"}


# --- running an import ---------------------------------------------------------------------------


def _hidden_bar(total: int):
    return click.progressbar(length=total, hidden=True)


def check_importer(staff: Staff | None, staff_id: int) -> Staff:
    """Admins and supervisors import; anyone else (or no one) is refused."""
    if staff is None:
        raise Refused(N_("There is no staff member with ID %(id)s."), id=staff_id)
    if not staff.active or not staff.role_names() & set(SUPERVISOR_ROLES):
        raise Refused(N_("Only administrators and supervisors may import household lists."))
    return staff


def run(path: Path, staff: Staff, *, dry_run: bool = False, progress=None) -> Summary:
    """Import `path` as `staff`; `progress(total)` gives a context manager with `update(rows)` (a click bar;
    by default a hidden one, for imports nobody watches)."""
    staff_id, area = staff.id, scope.of(staff)
    _release()  # finding the person was a transaction: none is open while the file is checked and read
    with open_sheet(path) as sheet:
        columns = _header(sheet.rows)
        report_file, out = create_report(path)
        with out:
            report = CsvWriter(out)
            report.writerow((gettext("Line"), *(COLUMNS[key].header for key in ("village_code", "house_number",
                                                                                  "house_code", "name",
                                                                                  "national_id")),
                             gettext("Reasons")))
            importer = Importer(staff_id, area, columns, report, dry_run=dry_run, file_name=path.name)
            with (progress or _hidden_bar)(sheet.total) as bar, closing(importer.seen):
                done = 0
                for line, cells in sheet.rows:
                    importer.add(line, cells)
                    if line - done >= PROGRESS_EVERY:
                        bar.update(line - done)
                        done = line
                importer.flush()
                bar.update(max(sheet.total - done, 0))
    importer.summary.report = report_file
    if report_file != report_path(path):
        importer.summary.report_name_taken = report_path(path)
    return importer.summary


# --- the template --------------------------------------------------------------------------------


def _example_id(serial: int) -> str:
    first12 = f"1300600{serial:05d}"
    return first12 + str(validators.national_id_check_digit(first12))


def template_rows() -> list[tuple]:
    """The template's Thai header row and one example household of three members (synthetic IDs)."""
    household = ("30060101", "นครราชสีมา", "จักราช", "จักราช", "1", "12/3", "30060012345", "จปฐ./TPMAP", "2568")
    members = [
        ("นายสมชาย ใจดี", _example_id(1), "ชาย", "12/05/2508", "หัวหน้าครัวเรือน", "ประถมศึกษา", "เกษตรกร", "3,000",
         "ไม่", "ไม่", "ใช่", "ใช่", "ใช่"),
        ("นางสมศรี ใจดี", _example_id(2), "หญิง", "03/11/2512", "คู่สมรส", "ประถมศึกษา", "รับจ้างทั่วไป", "2,500",
         "ไม่", "ไม่", "ไม่", "ใช่", "ใช่"),
        ("เด็กหญิงมาลี ใจดี", _example_id(3), "หญิง", "20/01/2558", "บุตร", "ประถมศึกษา", "นักเรียน", "",
         "", "", "", "", "ไม่"),
    ]
    header = tuple(column.header for column in COLUMNS.values())
    return [header, *((*household, *member) for member in members)]


def write_template(path: Path) -> None:
    rows = template_rows()
    if path.suffix.lower() == ".xlsx":
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.title = "households"
        for row in rows:
            sheet.append(safe_row(row))
        for cells in sheet.iter_cols():
            for cell in cells:
                cell.number_format = "@"  # text: keeps IDs, codes and leading zeros as typed
        workbook.save(path)
    else:
        with path.open("w", encoding="utf-8-sig", newline="") as file:
            CsvWriter(file).writerows(rows)


# --- commands ------------------------------------------------------------------------------------

households_group = AppGroup("households", help="Target households: import lists, write the import template.")


@households_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as", "staff_id", type=int, required=True,
              help="ID of the person importing (see `staff list`): an admin imports anywhere, a supervisor only "
                   "inside their area.")
@click.option("--dry-run", is_flag=True, help="Validate and write the report of rejected rows; store nothing.")
def import_command(file: Path, staff_id: int, dry_run: bool) -> None:
    """Import a target-household list (CSV or XLSX; columns in docs/import-template.md)."""
    try:
        staff = check_importer(db.session.get(Staff, staff_id), staff_id)
        summary = run(file, staff, dry_run=dry_run,
                      progress=lambda total: click.progressbar(length=total, label=gettext("Importing")))
    except Refused as error:
        raise click.ClickException(error.text(DEFAULT_LOCALE)) from None
    for line in summary.lines():
        click.echo(line)


@households_group.command("template")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def template_command(file: Path) -> None:
    """Write the import template (.csv or .xlsx) with its Thai headers and an example household."""
    write_template(file)
    click.echo(f"wrote {file}")
