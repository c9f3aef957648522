"""Reading a list safely: the rows of a CSV file or of an XLSX workbook's first sheet, and its header row.

Nothing in a file can take the server down or stop the bot: an XLSX archive is inspected before openpyxl
opens it (see the caps below), and a CSV's encoding is decided by reading all of it before any row is
stored (so an undecodable line can't stop an import half-way). Rows are then read as a stream.
"""

import codecs
import csv
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import openpyxl
from openpyxl.packaging.manifest import Manifest
from openpyxl.xml.constants import ARC_CONTENT_TYPES, WORKSHEET_TYPE
from openpyxl.xml.functions import fromstring

from core.i18n import N_
from core.types import Invalid
from domain.step1_survey.importer.columns import COLUMNS, HEADERS, REQUIRED, VILLAGE_NAMES, cell_text, folded

HEADER_SEARCH_ROWS = 20  # lists often carry a title above the header row

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
BOM_ENCODINGS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
TEXT_ENCODINGS = ("utf-8", "cp874")  # without a BOM, tried in turn; cp874 is TIS-620 plus Windows' few extras


class Refused(Invalid):
    """The whole import is refused (the person, the file or its columns), before any row is read."""


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


def find_header(rows: Iterator[tuple[int, tuple]], headers: dict[str, str], least: int) -> dict[str, int] | None:
    """The first row (among the first HEADER_SEARCH_ROWS) naming at least `least` of the columns `headers` names
    (folded header → column key): column key → its position. None when there is none."""
    for line, cells in rows:
        found = {}
        for position, cell in enumerate(cells):
            key = headers.get(folded(cell_text(cell)))
            if key and key not in found:
                found[key] = position
        if len(found) >= least:
            return found
        if line >= HEADER_SEARCH_ROWS:
            break
    return None


def header(rows: Iterator[tuple[int, tuple]]) -> dict[str, int]:
    """The first row naming at least three template columns: column key → its position."""
    found = find_header(rows, HEADERS, 3)
    if found is None:
        raise Refused(N_("The file has no header row with the template's columns (see docs/import-template.md)."))
    missing = [COLUMNS[key].header for key in REQUIRED if key not in found]
    if "village_code" not in found and not all(name in found for name in VILLAGE_NAMES):
        missing.insert(0, f"{COLUMNS['village_code'].header} / "
                          + ", ".join(COLUMNS[name].header for name in VILLAGE_NAMES))
    if missing:
        raise Refused(N_("The file lacks the required columns: %(columns)s."), columns="; ".join(missing))
    return found
