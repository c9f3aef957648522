"""Cells of the CSV and XLSX files the project writes are never taken for formulas (`core.spreadsheet`)."""

import csv

import openpyxl

from core.spreadsheet import CsvWriter, safe_row
from core.xlsx import Workbook

TYPED = ["=1+1", "+66812345678", "-2+3", "@SUM(A1)", "\t=cmd", "\r=cmd", "＝1+1", "นายสมชาย", "12/3", "", None, -5, 2.5]
ESCAPED = ["'=1+1", "'+66812345678", "'-2+3", "'@SUM(A1)", "'\t=cmd", "'\r=cmd", "'＝1+1", "นายสมชาย", "12/3", "", None,
           -5, 2.5]


def test_text_that_could_start_a_formula_gets_an_apostrophe_and_numbers_stay_numbers():
    assert safe_row(TYPED) == ESCAPED


def test_a_csv_written_through_the_writer_holds_no_formula(tmp_path):
    path = tmp_path / "out.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as file:
        CsvWriter(file).writerows([TYPED])
    with path.open(encoding="utf-8-sig", newline="") as file:
        assert next(csv.reader(file)) == [str(value) if value is not None else "" for value in ESCAPED]


def test_an_xlsx_written_with_safe_rows_stores_text_not_formulas(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.append(safe_row(TYPED))
    workbook.save(tmp_path / "out.xlsx")
    cells = next(openpyxl.load_workbook(tmp_path / "out.xlsx").active.iter_rows())
    assert {cell.data_type for cell in cells if isinstance(cell.value, str)} == {"s"}
    assert cells[0].value == "'=1+1" and cells[-2].value == -5


def test_the_streamed_xlsx_writer_escapes_formulas_and_names_sheets_as_excel_allows(tmp_path):
    with Workbook(tmp_path / "out.xlsx") as book:
        rows = book.sheet("อบต./เทศบาล", widths=(20, 10))
        rows.header(["ชื่อ", "จำนวน"])
        rows.append(TYPED + ["ผัก\x01สด <ดี> & \x1fงาม"])
        book.sheet("อบต.-เทศบาล").append(["second"])  # the same name once made fit: numbered
        book.sheet("สรุป", first=True).append([1])
    workbook = openpyxl.load_workbook(tmp_path / "out.xlsx")
    assert workbook.sheetnames == ["สรุป", "อบต.-เทศบาล", "อบต.-เทศบาล 2"]
    header, cells = workbook["อบต.-เทศบาล"].iter_rows()
    assert [cell.value for cell in header] == ["ชื่อ", "จำนวน", *[None] * (len(TYPED) - 1)] and header[0].font.b
    assert [cell.value for cell in cells] == [*ESCAPED[:9], None, None, -5, 2.5, "ผักสด <ดี> & งาม"]
    assert {cell.data_type for cell in cells if isinstance(cell.value, str)} == {"s"}
    assert workbook["อบต.-เทศบาล"].freeze_panes == "A2"
