"""Cells of the CSV and XLSX files the project writes, safe to open in a spreadsheet program.

A text cell that begins with = + - @, a tab or a carriage return may be taken for a formula by Excel,
LibreOffice or Google Sheets ("CSV injection", OWASP): a name typed as `=HYPERLINK("http://…","ดูรายละเอียด")`
in an imported list would become a live link, or worse, in the rejected-rows report a supervisor opens. The
full-width forms (＝ ＋ － ＠) are included, as Excel's East Asian input turns them into the ASCII ones. Such a
cell is written with an apostrophe in front, as OWASP recommends: shown as text, never evaluated.
openpyxl would even store a string beginning with "=" as a formula; the apostrophe stops that too.

Only text is escaped. The project writes Thai text and codes as text and its own numbers (line numbers,
counts, amounts) as numbers, so a negative number is never text here; a "-" that someone typed at the start
of a text cell gains an apostrophe, which keeps what they typed visible.

Values are escaped as they are written, after any trimming: trimming "\\t=cmd" gives "=cmd", which is then
escaped like any other.
"""

import csv
from collections.abc import Iterable
from typing import Any, TextIO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def safe_cell(value: Any) -> Any:
    """`value` as a spreadsheet must store it: text that could start a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    return [safe_cell(value) for value in values]


class CsvWriter:
    """`csv.writer` whose every cell goes through `safe_cell`."""

    def __init__(self, file: TextIO):
        self._writer = csv.writer(file)

    def writerow(self, values: Iterable[Any]) -> None:
        self._writer.writerow(safe_row(values))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for values in rows:
            self.writerow(values)
