"""The import template: the Thai header row and one example household (synthetic IDs), as CSV or XLSX."""

from pathlib import Path

import openpyxl

from core import validators
from core.spreadsheet import CsvWriter, safe_row
from domain.step1_survey.importer.columns import COLUMNS


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

