"""The monthly report through the area scope: for each role, the figures (counted now or frozen) and the export
hold nothing outside the person's area, and an area beyond it is refused."""

import io

import openpyxl
import pytest

from bot import report_clock
from core.xlsx import Workbook
from domain.access import scope
from domain.access.scope import OutOfScope
from domain.step5_report import export, snapshots
from models import Staff, db, utcnow
from tests.helpers import REPORT_AFTER as AFTER
from tests.helpers import REPORT_PERIOD as PERIOD
from tests.helpers import add_report_example, add_staff

# (role, its area, an area just beyond it)
ROLES = [("volunteer", "30060101", "300601"), ("supervisor_subdistrict", "300601", "3006"),
         ("supervisor_district", "3006", "30"), ("supervisor_province", "30", "TH"), ("admin", "TH", None)]


@pytest.fixture
def example(app):
    with app.app_context():
        return add_report_example()


def inside(code: str, area: str) -> bool:
    return area == "TH" or code.startswith(area)


@pytest.mark.parametrize(("role", "area", "beyond"), ROLES)
@pytest.mark.parametrize("frozen", [False, True], ids=["live", "frozen"])
def test_each_role_reads_only_its_own_area(app, example, role, area, beyond, frozen):
    with app.app_context():
        if frozen:
            report_clock.freeze(PERIOD, "test", AFTER)
        person = add_staff(f"U-{role}", role, area, "ผู้อ่าน รายงาน")
        db.session.commit()
        within = scope.of(db.session.get(Staff, person.id))
        report = snapshots.view(PERIOD, area, within, AFTER)
        assert (report.frozen_at is not None) == frozen
        assert report.figures and all(inside(code, area) for code in report.figures), sorted(report.figures)
        assert area in report.figures  # their own total is there
        assert ("3007" in report.figures) == (area in ("30", "TH"))  # อ.โชคชัย only for its province and the nation
        if beyond is not None:
            with pytest.raises(OutOfScope):
                snapshots.view(PERIOD, beyond, within, AFTER)
        if area != "TH":
            with pytest.raises(OutOfScope):  # a neighbour: อ.โชคชัย, or another province
                snapshots.view(PERIOD, "31" if area == "30" else "3007", within, AFTER)


@pytest.mark.parametrize(("role", "area", "beyond"), ROLES)
def test_each_roles_export_holds_only_its_own_area(app, example, role, area, beyond):
    with app.app_context():
        person = add_staff(f"U-{role}", role, area, "ผู้อ่าน รายงาน")
        db.session.commit()
        within = scope.of(db.session.get(Staff, person.id))
        file = io.BytesIO()
        with Workbook(file) as book:
            written = export.write(PERIOD, area, within, utcnow(), export.XlsxSheets(book))
        sheets = {sheet.title: [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
                  for sheet in openpyxl.load_workbook(io.BytesIO(file.getvalue()))}
        codes = [row[0] for title, rows in sheets.items() for row in rows]
        assert written.households and codes and all(inside(code, area) for code in codes), codes
        if beyond is not None:
            with pytest.raises(OutOfScope):
                export.write(PERIOD, beyond, within, utcnow(), export.XlsxSheets(Workbook(io.BytesIO())))
