"""`flask report export`: a period's report as XLSX (a sheet per level and a households sheet) or CSV files, in
Thai, national IDs masked and formula-like text escaped; a frozen period's with its late visits; the whole
country's written by a background job whose progress the command shows."""

import csv
import io
import os

import openpyxl
import pytest

from bot import report_clock
from core.periods import Period
from models import db
from tests.helpers import REPORT_PERIOD as PERIOD
from tests.helpers import add_household, add_report_example

HEAD_ID = "1100700012345"
FORMULA_HEAD = '=HYPERLINK("http://example.invalid","ดูรายละเอียด")'
LEVEL_HEADER = ["รหัสพื้นที่", "พื้นที่", "ครัวเรือนที่ถึงรอบเยี่ยม", "ครัวเรือนที่เยี่ยมแล้ว", "เยี่ยมทันวันรายงาน",
                "เยี่ยมแล้ว (ร้อยละ)", "เยี่ยมทันวันรายงาน (ร้อยละ)"]
HOUSEHOLD_HEADER = ["รหัสหมู่บ้าน", "หมู่บ้าน", "บ้านเลขที่", "หัวหน้าครัวเรือน", "เลขประจำตัวประชาชน", "การจำแนกกลุ่ม",
                    "สถานะ", "ผู้ดูแลครัวเรือน", "การเยี่ยมบ้านรอบนี้"]


@pytest.fixture
def example(app):
    """The report's example (tests/helpers.py), and a household whose head's name looks like a formula."""
    with app.app_context():
        found = add_report_example()
        add_household("30060102", "9", FORMULA_HEAD, HEAD_ID)
        db.session.commit()
        return found


def read(path) -> dict[str, list[list]]:
    book = openpyxl.load_workbook(path)
    return {sheet.title: [[cell.value for cell in row] for row in sheet.iter_rows()] for sheet in book}


def exported(app, tmp_path, area: str = "3006", kind: str = "xlsx", name: str = "report.xlsx"):
    out = tmp_path / name
    result = app.test_cli_runner().invoke(args=["report", "export", "--period", "2569-09", "--area", area,
                                                "--format", kind, "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out, result.output


def row_of(rows: list[list], code: str) -> list:
    return next(row for row in rows if row[0] == code)


def test_a_district_exports_a_sheet_per_level_and_its_households_in_thai(app, example, tmp_path):
    out, output = exported(app, tmp_path)
    sheets = read(out)
    assert list(sheets) == ["อำเภอ", "ตำบล", "หมู่บ้าน", "ครัวเรือน"]
    assert sheets["อำเภอ"][0][:7] == LEVEL_HEADER and "เยี่ยมล่าช้าหลังปิดรายงาน" not in sheets["อำเภอ"][0]
    assert row_of(sheets["หมู่บ้าน"], "30060101")[:7] == ["30060101", "หมู่ 1 บ้านจักราช", 3, 2, 1, 66.7, 33.3]
    assert row_of(sheets["ตำบล"], "300601")[:5] == ["300601", "ต.จักราช", 4, 3, 2]
    assert [row[0] for row in sheets["อำเภอ"][1:]] == ["3006"]
    header = sheets["อำเภอ"][0]
    assert row_of(sheets["อำเภอ"], "3006")[header.index("รายได้มัธยฐาน (บาทต่อคนต่อปี)")] == 38_000
    assert row_of(sheets["อำเภอ"], "3006")[header.index("ปัญหาด้านสุขภาพ ยังไม่ได้แก้ไข")] == 2
    assert row_of(sheets["อำเภอ"], "3006")[header.index("กิจกรรมภาครัฐ: สำนักงานพัฒนาชุมชน")] == 1
    assert "wrote" in output and "counted now, not frozen" in output
    assert oct(os.stat(out).st_mode & 0o777) == "0o600"


def test_the_households_sheet_masks_ids_escapes_formulas_and_says_each_visit(app, example, tmp_path):
    out, _ = exported(app, tmp_path)
    households = read(out)["ครัวเรือน"]
    assert households[0] == HOUSEHOLD_HEADER
    visits = {(row[0], row[2]): row[8] for row in households[1:]}
    assert visits[("30060101", "1")] == "เยี่ยมทันวันรายงาน" and visits[("30060101", "2")] == "เยี่ยมล่าช้า"
    assert visits[("30060101", "3")] == "ยังไม่ได้เยี่ยมรอบนี้"
    assert visits[("30060101", "4")] == visits[("30060101", "5")] == "ไม่อยู่ในรอบ (ยังไม่มีผู้ดูแลเมื่อเริ่มรอบ)"
    formula = next(row for row in households if row[2] == "9")
    assert formula[3] == "'" + FORMULA_HEAD and formula[4] == "x-xxxx-xxxxx-xx-5"
    assert not any(HEAD_ID in str(cell) or "12345" in str(cell) for row in households for cell in row)
    assert {row[0] for row in households[1:]} == {"30060101", "30060102", "30060301"}  # not อ.โชคชัย's


def test_a_frozen_period_exports_the_frozen_figures_with_the_late_visits(app, example, tmp_path):
    with app.app_context():
        report_clock.freeze(PERIOD, "test")
    out, output = exported(app, tmp_path)
    villages = read(out)["หมู่บ้าน"]
    late = villages[0].index("เยี่ยมล่าช้าหลังปิดรายงาน")
    assert row_of(villages, "30060101")[2:5] == [3, 1, 1] and row_of(villages, "30060101")[late] == 1
    assert row_of(villages, "30060102")[late] == 0
    assert "(frozen)" in output


def test_csv_is_a_new_folder_of_one_file_per_sheet(app, example, tmp_path):
    out, _ = exported(app, tmp_path, area="300601", kind="csv", name="report")
    assert sorted(os.listdir(out)) == ["households.csv", "subdistrict.csv", "village.csv"]
    raw = (out / "subdistrict.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # a BOM, so Excel reads the Thai as UTF-8
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:7] == LEVEL_HEADER and rows[1][:5] == ["300601", "ต.จักราช", "4", "3", "2"]
    households = list(csv.reader(io.StringIO((out / "households.csv").read_text("utf-8-sig"))))
    assert next(row for row in households if row[2] == "9")[3] == "'" + FORMULA_HEAD
    again = app.test_cli_runner().invoke(args=["report", "export", "--period", "2569-09", "--area", "300601",
                                               "--format", "csv", "--out", str(out)])
    assert again.exit_code != 0 and "already exists" in again.output


def test_the_whole_country_is_exported_by_a_background_job_showing_progress(app, example, tmp_path):
    out, output = exported(app, tmp_path, area="TH")
    assert "running in the background" in output
    sheets = read(out)
    assert list(sheets) == ["ทั้งประเทศ", "จังหวัด", "อำเภอ", "ตำบล", "หมู่บ้าน", "ครัวเรือน"]
    assert sheets["ทั้งประเทศ"][1][:5] == ["TH", "ทั้งประเทศ", 6, 5, 4]
    assert {row[0] for row in sheets["อำเภอ"][1:]} == {"3006", "3007"}


def test_the_command_refuses_an_unknown_area_or_period(app, example, tmp_path):
    runner = app.test_cli_runner()
    unknown = runner.invoke(args=["report", "export", "--period", "2569-09", "--area", "9999", "--out",
                                  str(tmp_path / "a.xlsx")])
    assert unknown.exit_code != 0 and "no area has the code '9999'" in unknown.output
    assert not (tmp_path / "a.xlsx").exists()
    garbled = runner.invoke(args=["report", "export", "--period", "ธันวา", "--area", "30", "--out",
                                  str(tmp_path / "a.xlsx")])
    assert garbled.exit_code != 0 and "e.g. 2569-12" in garbled.output
    assert Period(2026, 9).label("th") == "กันยายน 2569"
