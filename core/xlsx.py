"""A streamed XLSX writer: rows go straight into the zip file as they come, so a file of any size is written in
the same small memory, and fast enough for a province's plans (200,000 rows in a few seconds).

openpyxl's write-only mode and xlsxwriter's constant-memory mode stream too, but spend 40–60 µs of CPU on a row
of nine cells (measured here: 200,000 rows in 8–12 s) building each cell as an object and an XML element; this
writes each row as one string of SpreadsheetML, about 20 times less. It writes only what the project's reports
need: text (inline strings, so nothing is held for a shared-string table), numbers, a bold header row frozen at the
top, column widths, and several sheets, each written whole before the next (a zip holds one entry at a time),
listed in the workbook in any order. Every cell goes through `core.spreadsheet.safe_cell`, so text that could start
a formula is escaped, and characters XML can't hold (control characters) are dropped.
"""

import re
import zipfile
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import IO, Any
from xml.sax.saxutils import escape, quoteattr

from core.spreadsheet import safe_cell

SHEET_NAME_LIMIT = 31  # Excel's
_NOT_IN_SHEET_NAMES = re.compile(r"[\[\]:*?/\\]")
_KEPT_AS_TYPED = {"\r": "&#13;"}  # a parser would read a bare carriage return as a line feed
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
# Cell formats (cellXfs): 0 plain, 1 bold (headers), 2 a number with thousands separators and up to 2 decimals.
_STYLES = (f'{_HEAD}<styleSheet xmlns="{_MAIN}"><numFmts count="1"><numFmt numFmtId="164" formatCode="#,##0.##"/>'
           '</numFmts><fonts count="2"><font><sz val="11"/><name val="Tahoma"/></font><font><b/><sz val="11"/>'
           '<name val="Tahoma"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill>'
           '<patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/>'
           '<bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" '
           'borderId="0"/></cellStyleXfs><cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" '
           'xfId="0"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/><xf numFmtId="164" '
           'fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs><cellStyles count="1">'
           '<cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>')
BOLD, NUMBER = 1, 2
ROWS_PER_WRITE = 500


def sheet_name(text: str, taken: Iterable[str] = ()) -> str:
    """`text` as a sheet's name Excel accepts: without []:*?/\\, at most 31 characters, unlike those `taken`."""
    base = _NOT_IN_SHEET_NAMES.sub("-", text).strip("'") or "-"
    name, number = base[:SHEET_NAME_LIMIT], 1
    taken = {t.lower() for t in taken}
    while name.lower() in taken:
        number += 1
        name = f"{base[:SHEET_NAME_LIMIT - len(str(number)) - 1]} {number}"
    return name


def _cell(value: Any, style: int = 0) -> str:
    styled = f' s="{style}"' if style else ""
    if value is None or value == "":
        return "<c/>"
    if isinstance(value, bool):
        value = str(value)
    if isinstance(value, int | float | Decimal):
        return f'<c s="{style or NUMBER}"><v>{format(value, "f") if isinstance(value, Decimal) else value}</v></c>'
    text = escape(_NOT_IN_XML.sub("", str(safe_cell(value))), _KEPT_AS_TYPED)
    return f'<c{styled} t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


class Sheet:
    """One sheet being written: a header row, then `append` row after row."""

    def __init__(self, stream: IO[bytes], widths: Sequence[float]):
        self._stream, self._pending = stream, []
        cols = "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>' for i, w in enumerate(widths, 1))
        self._stream.write((f'{_HEAD}<worksheet xmlns="{_MAIN}"><sheetViews><sheetView workbookViewId="0">'
                            '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView>'
                            f'</sheetViews>{f"<cols>{cols}</cols>" if cols else ""}<sheetData>').encode())

    def header(self, values: Iterable[Any]) -> None:
        self._pending.append("<row>" + "".join(_cell(value, BOLD) for value in values) + "</row>")

    def append(self, values: Iterable[Any]) -> None:
        self._pending.append("<row>" + "".join(map(_cell, values)) + "</row>")
        if len(self._pending) >= ROWS_PER_WRITE:
            self._flush()

    def _flush(self) -> None:
        self._stream.write("".join(self._pending).encode())
        self._pending.clear()

    def close(self) -> None:
        self._flush()
        self._stream.write(b"</sheetData></worksheet>")
        self._stream.close()


class Workbook:
    """An XLSX file written into `file` (a path or a binary file, which needn't be seekable). Use as a context
    manager; `sheet` opens the next sheet (closing the one before)."""

    def __init__(self, file):
        self._zip = zipfile.ZipFile(file, "w", zipfile.ZIP_DEFLATED, compresslevel=1)
        self._names: list[tuple[bool, int, str]] = []  # (listed after the first, number, name), as written
        self._sheet: Sheet | None = None

    def sheet(self, name: str, widths: Sequence[float] = (), first: bool = False) -> Sheet:
        """A new sheet called `name` (made fit by `sheet_name`), listed after the others, or before them if `first` (a
        summary written last, once the rows are counted, and shown first)."""
        self._close_sheet()
        number = len(self._names) + 1
        self._names.append((not first, number, sheet_name(name, (taken for _, _, taken in self._names))))
        self._sheet = Sheet(self._zip.open(f"xl/worksheets/sheet{number}.xml", "w", force_zip64=True), widths)
        return self._sheet

    def _close_sheet(self) -> None:
        if self._sheet is not None:
            self._sheet.close()
            self._sheet = None

    def close(self) -> None:
        self._close_sheet()
        sheets = "".join(f'<sheet name={quoteattr(name)} sheetId="{number}" r:id="rId{number}"/>'
                         for _, number, name in sorted(self._names))
        relations = "".join(f'<Relationship Id="rId{i}" Type="{_RELATIONSHIPS}/worksheet" '
                            f'Target="worksheets/sheet{i}.xml"/>' for i in range(1, len(self._names) + 1))
        overrides = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
                            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                            for i in range(1, len(self._names) + 1))
        styles = len(self._names) + 1
        self._zip.writestr("xl/workbook.xml", f'{_HEAD}<workbook xmlns="{_MAIN}" xmlns:r="{_RELATIONSHIPS}">'
                                              f"<bookViews><workbookView/></bookViews><sheets>{sheets}</sheets></workbook>")
        self._zip.writestr("xl/_rels/workbook.xml.rels",
                           f'{_HEAD}<Relationships xmlns="{_PACKAGE_RELATIONSHIPS}">{relations}<Relationship '
                           f'Id="rId{styles}" Type="{_RELATIONSHIPS}/styles" Target="styles.xml"/></Relationships>')
        self._zip.writestr("xl/styles.xml", _STYLES)
        self._zip.writestr("_rels/.rels", f'{_HEAD}<Relationships xmlns="{_PACKAGE_RELATIONSHIPS}"><Relationship '
                                          f'Id="rId1" Type="{_RELATIONSHIPS}/officeDocument" '
                                          'Target="xl/workbook.xml"/></Relationships>')
        self._zip.writestr("[Content_Types].xml", (
            f'{_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" '
            f'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>{overrides}'
            "</Types>"))
        self._zip.close()

    def __enter__(self) -> "Workbook":
        return self

    def __exit__(self, kind, error, traceback) -> None:
        if kind is None:
            self.close()
        else:  # the caller drops the file: only let go of it
            self._close_sheet()
            self._zip.close()
