"""Areas: provinces, districts and subdistricts from the `geothai` package (DOPA codes); villages are ours.

Codes nest by prefix: 30 ⊃ 3006 ⊃ 300601 ⊃ 30060105, a village being its subdistrict's code plus a
2-digit หมู่. Villages are added one at a time or imported from CSV; every change is audited.

Finding: `inside` lists the areas of some levels in a scope, `find` those a typed code or part of a name
points to. Both take the scope, so an area outside it is never offered nor taken.

Names: an area's own row is read on every call (so a village renamed by another process, or areas not
loaded at all, show at once), while the names of its parents (provinces, districts, subdistricts) are
cached per process. Those change only when `areas load` brings a new geothai release, which is deployed
with a restart; in this process the cache is dropped when such a change commits.
"""

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

import geothai
from sqlalchemy import event, func, insert, literal, select, update
from sqlalchemy.orm import aliased

from core.i18n import N_
from core.thai import compact_code, to_ascii_digits
from core.types import Invalid
from domain.access import audit
from domain.access.scope import Scope
from models import Area, Staff, db
from models.area import LEVELS

GEOTHAI_LEVELS = ("province", "district", "subdistrict")
BANGKOK = "10"  # subdistricts are แขวง, districts เขต (geothai's names already say it), and no จ./Province
THAI_PREFIXES = {"subdistrict": ("ต.", "แขวง"), "district": ("อ.", ""), "province": ("จ.", "")}
ENGLISH_LEVELS = {"subdistrict": "Subdistrict", "district": "District", "province": "Province"}
NAME_LIMIT = 120  # the column's size
CHUNK = 500  # codes per IN (...) query

# (database, code) → (Thai name, English name) of provinces, districts and subdistricts.
_parents: dict[tuple[str, str], tuple[str, str | None]] = {}
CHANGED = "areas_changed"  # session.info key: the open transaction changed geothai-level names


@event.listens_for(db.session, "after_commit")
def _drop_cache(session) -> None:
    if session.info.pop(CHANGED, False):
        _parents.clear()


@event.listens_for(db.session, "after_rollback")
def _forget_change(session) -> None:
    session.info.pop(CHANGED, None)


# ---- provinces, districts and subdistricts ------------------------------------------------------


def _geothai_rows(within: str | None) -> list[dict]:
    """Every area of geothai as a row; with `within`, only that area, its parents and what it contains."""
    rows = []
    for province in geothai.provinces():
        rows.append({"code": province.code, "level": "province", "name_th": province.name_th,
                     "name_en": province.name_en, "parent_code": None})
        for district in geothai.districts(province.code):
            rows.append({"code": district.code, "level": "district", "name_th": district.name_th,
                         "name_en": district.name_en, "parent_code": province.code})
            rows += [{"code": sub.code, "level": "subdistrict", "name_th": sub.name_th, "name_en": sub.name_en,
                      "parent_code": district.code} for sub in geothai.subdistricts(district.code)]
    if within:
        rows = [row for row in rows if row["code"].startswith(within) or within.startswith(row["code"])]
    return rows


def load_from_geothai(within: str | None = None) -> dict[str, int]:
    """Insert or correct provinces, districts and subdistricts (all, or those of `within`) in bulk.

    Returns how many of each level geothai has and how many rows were added or updated; running it
    again changes nothing. Areas geothai no longer lists are kept: households may point to them.
    """
    rows = _geothai_rows(within)
    columns = (Area.code, Area.level, Area.name_th, Area.name_en, Area.parent_code)
    stored = {row.code: tuple(row) for row in db.session.execute(select(*columns)
                                                                  .where(Area.level.in_(GEOTHAI_LEVELS)))}
    added = [row for row in rows if row["code"] not in stored]
    changed = [row for row in rows if row["code"] in stored and stored[row["code"]] != tuple(row.values())]
    if added:
        db.session.execute(insert(Area), added)
    if changed:
        db.session.execute(update(Area), changed)
    counts = {level: sum(row["level"] == level for row in rows) for level in GEOTHAI_LEVELS}
    counts |= {"added": len(added), "updated": len(changed)}
    if added or changed:
        db.session.info[CHANGED] = True
        db.session.add(audit.entry("areas.load", "area", within,
                                   after=counts | {"geothai_data": geothai.DATA_VERSION}))
    return counts


# ---- villages -----------------------------------------------------------------------------------

_MOO = re.compile(r"(?:หมู่(?:\s*ที่)?|ม\.|moo\.?)?\s*(\d+)", re.IGNORECASE)


@dataclass(frozen=True)
class Village:
    """A checked village row: its code is the subdistrict's plus the 2-digit หมู่."""

    subdistrict: str
    moo: int
    name_th: str
    name_en: str | None

    @property
    def code(self) -> str:
        return f"{self.subdistrict}{self.moo:02d}"


def _name(raw: object) -> str:
    value = " ".join(str(raw or "").split())
    if len(value) > NAME_LIMIT:
        raise Invalid(N_("The name is too long: at most %(max)s characters."), max=NAME_LIMIT)
    return value


def check_village(subdistrict_code: object, moo: object, name: object, name_en: object = None,
                  known=lambda code: db.session.get(Area, code) is not None) -> Village:
    """A village from what was typed or read from a file, or `Invalid` with the first problem found.

    `known(code)` says whether the subdistrict exists (an import passes a set lookup instead of a query).
    """
    subdistrict = to_ascii_digits(str(subdistrict_code or "")).strip()
    if not subdistrict:
        raise Invalid(N_("The subdistrict code is missing."))
    if len(subdistrict) != 6 or not subdistrict.isascii() or not subdistrict.isdigit():
        raise Invalid(N_("A subdistrict code has 6 digits, not “%(value)s”."), value=subdistrict)
    if not known(subdistrict):
        raise Invalid(N_("Subdistrict %(code)s is not in the list of areas. Check the code, or load the areas "
                         "first."), code=subdistrict)
    number = to_ascii_digits(str(moo or "")).strip()
    if not number:
        raise Invalid(N_("The village number (Moo) is missing."))
    match = _MOO.fullmatch(number)
    if not match or not 1 <= int(match.group(1)) <= 99:
        raise Invalid(N_("The village number (Moo) must be a whole number from 1 to 99, not “%(value)s”."),
                      value=number)
    name_th = _name(name)
    if not name_th:
        raise Invalid(N_("The village name is missing."))
    return Village(subdistrict, int(match.group(1)), name_th, _name(name_en) or None)


def _save(village: Village, stored: Area | None, by: Staff | None, source: str) -> tuple[Area, str | None]:
    """Create or rename one village with its audit entry; says "added", "updated" or None (unchanged).

    An English name that is not given keeps the one stored.
    """
    name_en = village.name_en or (stored.name_en if stored else None)
    if stored is not None and (stored.name_th, stored.name_en) == (village.name_th, name_en):
        return stored, None
    after = {"name_th": village.name_th, "name_en": name_en, "moo": village.moo, "by": source}
    staff_id = by.id if by else None
    if stored is None:
        area = Area(code=village.code, level="village", name_th=village.name_th, name_en=name_en,
                    parent_code=village.subdistrict, moo=village.moo)
        db.session.add(area)
        db.session.add(audit.entry("area.create", "area", village.code, staff_id=staff_id, after=after))
        return area, "added"
    before = {"name_th": stored.name_th, "name_en": stored.name_en, "moo": stored.moo}
    stored.name_th, stored.name_en = village.name_th, name_en
    db.session.add(audit.entry("area.update", "area", village.code, staff_id=staff_id, before=before, after=after))
    return stored, "updated"


def add_village(subdistrict_code: str, moo: int | str, name: str, by: Staff | None = None,
                name_en: str | None = None, source: str = "cli") -> tuple[Area, str | None]:
    """Add a village to a known subdistrict (or rename it); raises `Invalid` with the reason.

    Returns the village and what happened: "added", "updated" or None (it was already so). `source`
    says in the audit entry where the change came from (cli, chat, demo).
    """
    village = check_village(subdistrict_code, moo, name, name_en)
    return _save(village, db.session.get(Area, village.code), by, source)


@dataclass
class ImportReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[tuple[int, Invalid]] = field(default_factory=list)  # (line number, reason)


# Accepted column headers (compared lower-case with spaces and underscores alike).
HEADERS = {
    "subdistrict": ("subdistrict code", "subdistrict", "รหัสตำบล"),
    "moo": ("moo", "หมู่", "หมู่ที่"),
    "name": ("name", "village name", "ชื่อหมู่บ้าน"),
    "name_en": ("name en", "english name", "ชื่อภาษาอังกฤษ"),
}
REQUIRED = {"subdistrict": "รหัสตำบล", "moo": "หมู่ที่", "name": "ชื่อหมู่บ้าน"}


def _header(text: str) -> str:
    return " ".join(text.replace("_", " ").lower().split())


def _read_csv(path: Path) -> tuple[dict[str, int], list[tuple[int, list[str]]]]:
    """Where each known column is, and the non-blank rows with their line numbers."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as file:
            reader = csv.reader(file)
            header = next(reader, None)
            rows = [(reader.line_num, row) for row in reader if any(cell.strip() for cell in row)]
    except UnicodeDecodeError:
        raise Invalid(N_("The file is not UTF-8 text. In Excel, save it as “CSV UTF-8”.")) from None
    if header is None:
        raise Invalid(N_("The file is empty."))
    names = [_header(cell) for cell in header]
    columns = {key: names.index(alias) for key, aliases in HEADERS.items() for alias in aliases if alias in names}
    for key, thai in REQUIRED.items():
        if key not in columns:
            raise Invalid(N_("The file has no “%(column)s” column. Its first line must name the columns: "
                             "รหัสตำบล, หมู่ที่, ชื่อหมู่บ้าน."), column=thai)
    return columns, rows


def import_villages(path: Path | str, by: Staff | None = None) -> ImportReport:
    """Add and rename villages from a CSV file; each bad row is reported with its line and left out whole.

    Raises `Invalid` when the file itself can't be read. Importing the same file again changes nothing.
    """
    path = Path(path)
    columns, rows = _read_csv(path)

    def cell(row: list[str], key: str) -> str:
        return row[columns[key]] if key in columns and columns[key] < len(row) else ""

    codes = {to_ascii_digits(cell(row, "subdistrict")).strip() for _, row in rows}
    subdistricts, stored = set(), {}
    for chunk in _chunks(sorted(codes)):
        subdistricts |= set(db.session.scalars(select(Area.code).where(Area.code.in_(chunk),
                                                                       Area.level == "subdistrict")))
        stored |= {area.code: area for area in db.session.scalars(
            select(Area).where(Area.parent_code.in_(chunk), Area.level == "village"))}
    report, first_line = ImportReport(), {}
    for line, row in rows:
        try:
            village = check_village(cell(row, "subdistrict"), cell(row, "moo"), cell(row, "name"),
                                    cell(row, "name_en"), known=subdistricts.__contains__)
            if village.code in first_line:
                raise Invalid(N_("The same subdistrict and village number as line %(line)s."),
                              line=first_line[village.code])
        except Invalid as reason:
            report.rejected.append((line, reason))
            continue
        first_line[village.code] = line
        _, action = _save(village, stored.get(village.code), by, f"import:{path.name}")
        if action == "added":
            report.added += 1
        elif action == "updated":
            report.updated += 1
        else:
            report.unchanged += 1
    return report


def _chunks(items: list[str]):
    for start in range(0, len(items), CHUNK):
        yield items[start:start + CHUNK]


# ---- finding ----------------------------------------------------------------------------------

_LEVEL_WORDS = {"subdistrict": r"ตำบล|ต\.|แขวง", "district": r"อำเภอ|อ\.|เขต", "province": r"จังหวัด|จ\.",
                "village": r"หมู่บ้าน"}
# A level word in front of a name ("ต.จักราช", "อำเภอจักราช") keeps that level; one after it, or a comma, names
# the area it is in ("หนองไผ่ ต.จักราช", "Nong Phai, Thonglang"); "หมู่ 3" or "ม.3" keeps villages with that number.
_LEVEL_FIRST = re.compile("^(?:" + "|".join(f"(?P<{level}>{words})" for level, words in _LEVEL_WORDS.items())
                          + r")\s*")
_IN_PLACE = re.compile(r",\s*|\s(?:" + "|".join(_LEVEL_WORDS.values()) + r")\s*")
_MOO_IN_NAME = re.compile(r"(?:หมู่(?:\s*ที่)?|ม\.|moo\.?)\s*(\d{1,2})(?!\d)", re.IGNORECASE)


def inside(within: Scope, levels: tuple[str, ...], limit: int) -> list[Area]:
    """The areas of `levels` inside `within`, in code order, at most `limit`."""
    query = select(Area).where(Area.level.in_(levels), within.condition(Area.code))
    return list(db.session.scalars(query.order_by(Area.code).limit(limit)))


def find(text: str, within: Scope, levels: tuple[str, ...], limit: int) -> list[Area]:
    """The areas of `levels` inside `within` that `text` points to, in code order, at most `limit`.

    A code ("30060105", "๓๐๐๖-๐๑๐๕") names one area. Anything else is part of a name, Thai or English,
    spaces aside: "หนองไผ่" finds บ้านหนองไผ่ ("บ้าน" typed or not), "ต.จักราช" the subdistrict, "หนองไผ่
    ต.จักราช" the หนองไผ่ in ต.จักราช, and "หมู่ 3" or "ม.3" narrows to villages with that number.
    """
    code = compact_code(text)
    query = select(Area).where(within.condition(Area.code))
    if code.isascii() and code.isdigit():
        return list(db.session.scalars(query.where(Area.code == code, Area.level.in_(levels))))
    words = " ".join(to_ascii_digits(text).split())
    moo = _MOO_IN_NAME.search(words)
    if moo:
        levels = tuple(level for level in levels if level == "village")
        query = query.where(Area.moo == int(moo.group(1)))
        words = " ".join(f"{words[:moo.start()]} {words[moo.end():]}".split())
    first = _LEVEL_FIRST.match(words)
    if first:
        levels = tuple(level for level in levels if level == first.lastgroup)
        words = words[first.end():]
    words, *places = _IN_PLACE.split(words)
    if places:
        above = aliased(Area)
        query = query.where(Area.parent_code.in_(select(above.code).where(_named(above, places[0]))))
    if not levels or not (words or moo or places):
        return []
    if words:
        query = query.where(_named(Area, words))
    return list(db.session.scalars(query.where(Area.level.in_(levels)).order_by(Area.code).limit(limit)))


def _named(area, words: str):
    """`area`'s Thai name (with or without "บ้าน" in front, spaces aside) contains `words`, or its English name
    does when they are 3 letters or more ("TH" is the whole country's code, not a part of "Thong Lang")."""
    named = func.replace(literal("บ้าน") + area.name_th, " ", "").contains(words.replace(" ", ""), autoescape=True)
    if len(words) < 3:
        return named
    return named | func.lower(area.name_en).contains(words.lower(), autoescape=True)


# ---- names --------------------------------------------------------------------------------------


def _parent(code: str) -> tuple[str, str | None] | None:
    key = (str(db.engine.url), code)
    if key not in _parents:
        area = db.session.get(Area, code)
        if area is None:
            return None
        _parents[key] = (area.name_th, area.name_en)
    return _parents[key]


def _part(level: str, code: str, name_th: str, name_en: str | None, moo: int | None, locale: str,
          alone: bool) -> str:
    """One area's name in an address: หมู่ 5 บ้านโนนสูง, ต.จักราช, อ.จักราช, จ.นครราชสีมา (เขต/แขวง in Bangkok);
    in English the level is named only when the area stands alone."""
    if locale == "en":
        if level == "village":
            return f"Moo {moo} {name_en or name_th}"
        named = alone and code != BANGKOK
        return f"{name_en or name_th} {ENGLISH_LEVELS[level]}" if named else name_en or name_th
    if level == "village":
        return f"หมู่ {moo} {name_th}"
    return THAI_PREFIXES[level][code.startswith(BANGKOK)] + name_th


def short_names(within: Scope, levels: tuple[str, ...], locale: str = "th") -> dict[str, str]:
    """The short names (as `name(full=False)`) of the areas of `levels` inside `within`, read in one query: for a
    report that names thousands of villages."""
    query = select(Area.code, Area.level, Area.name_th, Area.name_en, Area.moo).where(Area.level.in_(levels),
                                                                                      within.condition(Area.code))
    return {row.code: short_name(row, locale) for row in db.session.execute(query)}


def short_name(row, locale: str = "th") -> str:
    """The short name of an area read as a row (code, level, name_th, name_en, moo), as `short_names` gives it:
    for a report that streams its rows."""
    return _part(row.level, row.code, row.name_th, row.name_en, row.moo, locale, alone=True)


def name(code: str, locale: str = "th", full: bool = True, parent: bool = False) -> str | None:
    """An area's name for people, or None when it isn't loaded.

    Full: "หมู่ 5 บ้านโนนสูง ต.จักราช อ.จักราช จ.นครราชสีมา" / "Moo 5 Ban Non Sung, Chakkarat, Chakkarat,
    Nakhon Ratchasima". Short: the area alone ("หมู่ 5 บ้านโนนสูง", "ต.จักราช", "Chakkarat District"), or
    with `parent` the area and the one it is in ("หมู่ 5 บ้านโนนสูง ต.จักราช"), to tell same-named ones apart.
    """
    area = db.session.get(Area, code)
    if area is None:
        return None
    parts = [_part(area.level, code, area.name_th, area.name_en, area.moo, locale, alone=True)]
    above = [length for length in (6, 4, 2) if length < len(code)]
    for length in above if full else above[:1] if parent else ():
        names = _parent(code[:length])
        if names:
            parts.append(_part(LEVELS[length], code[:length], *names, None, locale, alone=False))
    return (", " if locale == "en" else " ").join(parts)
