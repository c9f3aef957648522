"""The template's columns (docs/import-template.md): the headers that name each, and how each cell is read.

Headers and written choices are compared without case, spaces or punctuation ("House Number" is
"house_number"), in Thai or English. Reading a cell gives the value as stored or raises `Invalid` with the
reason in the person's words; nothing here touches the database.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial

from core import validators
from core.i18n import N_
from core.thai import be_year, compact_code, to_ascii_digits
from core.types import Invalid
from domain.step1_survey.households import MAX_MONTHLY_INCOME

FIRST_SOURCE_YEAR = 2530  # BE; the จปฐ. survey is older, but no list we import is
OLDEST_BIRTH = date(1880, 1, 1)


# --- the columns ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str  # also the English header
    thai: tuple[str, ...]  # Thai headers accepted; the first is the template's (and the report's)

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


def folded(text: str) -> str:
    """Headers and choices compared without case, spaces or punctuation: "House Number" = "house_number"."""
    return re.sub(r"[\s._\-/()]", "", text).casefold()


HEADERS = {folded(name): column.key for column in COLUMNS.values() for name in (column.key, *column.thai)}

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
    return {folded(name): value for value, names in table.items() for name in names}


_SOURCES, _SEXES = _lookup(SOURCES), _lookup(SEXES)
_RELATIONS = [(folded(name), value) for value, names in RELATIONS.items() for name in names]


# --- reading one cell -----------------------------------------------------------------------------


def cell_text(cell) -> str:
    """A cell as text: spreadsheets store IDs and codes as numbers (3100600445635.0), CSV as text."""
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, datetime | date):
        return f"{cell.day}/{cell.month}/{cell.year}"  # a BE year stays BE, as typed
    return str(cell).strip()


def _choice(raw: str, table: dict[str, str], names: dict[str, tuple[str, ...]]) -> str:
    value = table.get(folded(raw))
    if value is None:
        raise Invalid(N_("Unknown value %(answer)s: please use one of %(choices)s."), answer=f"“{raw}”",
                      choices=", ".join(shown[0] for shown in names.values()))
    return value


def _relation(raw: str) -> str:
    key = folded(raw)
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


def parse_village_code(raw: str) -> str:
    digits = compact_code(raw)
    if not (digits.isdigit() and len(digits) == 8):
        raise Invalid(N_("A village code has 8 digits (subdistrict code and village number), for example 30060105."))
    return digits


def _source_year(raw: str, today: date) -> int:
    """Buddhist Era; a Christian Era year is converted, since spreadsheets often hold those."""
    year = validators.integer(raw)
    if 1900 <= year < 2400:
        year += 543
    latest = be_year(today) + 1
    if not FIRST_SOURCE_YEAR <= year <= latest:
        raise Invalid(N_("The source year must be a Buddhist Era year from %(min)s to %(max)s (you wrote %(answer)s)."),
                      min=FIRST_SOURCE_YEAR, max=latest, answer=f"“{raw}”")
    return year


def _optional(parse: Callable[[str], object]) -> Callable[[str], object]:
    return lambda raw: parse(raw) if raw else None


def parsers(today: date) -> dict[str, Callable[[str], object]]:
    """How each column's cell is read, on `today` (the import's day in BOT_TIMEZONE: no birth date after it)."""
    return _PARSERS | {"source_year": partial(_source_year, today=today),
                      "birth_date": _optional(lambda raw: validators.date_value(raw, OLDEST_BIRTH, today))}


_PARSERS: dict[str, Callable[[str], object]] = {  # those that do not depend on the day
    "house_number": lambda raw: re.sub(r"\s+", "", to_ascii_digits(validators.text(raw, max_len=30))),
    "house_code": _optional(_house_code),
    "source": lambda raw: _choice(raw, _SOURCES, SOURCES),
    "name": lambda raw: validators.text(raw, max_len=200),
    "national_id": _optional(validators.national_id),
    "sex": _optional(lambda raw: _choice(raw, _SEXES, SEXES)),
    "relation": _optional(_relation),
    "education": _optional(lambda raw: validators.text(raw, max_len=60)),
    "occupation": _optional(lambda raw: validators.text(raw, max_len=100)),
    "monthly_income": _optional(lambda raw: validators.money(raw, 0, MAX_MONTHLY_INCOME)),
} | {flag: partial(_flag, default=default) for flag, default in FLAGS.items()}
MEMBER_FIELDS = tuple(column.key for column in MEMBER_COLUMNS if column.key != "national_id")
HOUSEHOLD_FIELDS = ("house_number", "house_code", "source", "source_year")

