"""Importing target-household lists: `flask --app wsgi households import FILE --as STAFF_ID [--dry-run]`."""

import csv
import io
import threading
import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from core.validators import national_id_check_digit
from domain.access import audit
from domain.step1_survey import households, importer
from domain.step1_survey.households import hash_national_id
from domain.step1_survey.importer import COLUMNS, report_path, write_template
from emulator import LineDriver
from models import Area, AuditEntry, Household, Member, Staff, StaffRole, db, utcnow
from tests.helpers import SECRET, ZONE, LiveServer

ROOT = Path(__file__).resolve().parent.parent


def national_id(serial: int) -> str:
    first12 = f"3300600{serial:05d}"
    return first12 + str(national_id_check_digit(first12))


WRONG_CHECK_DIGIT = national_id(2)[:-1] + str((int(national_id(2)[-1]) + 1) % 10)
AREAS = [
    ("30", "province", "นครราชสีมา", None, None), ("3006", "district", "จักราช", "30", None),
    ("300601", "subdistrict", "จักราช", "3006", None), ("300603", "subdistrict", "ทองหลาง", "3006", None),
    ("30060101", "village", "บ้านจักราช", "300601", 1), ("30060102", "village", "บ้านหนองบัว", "300601", 2),
    ("30060301", "village", "บ้านทองหลาง", "300603", 1),
]
PEOPLE = {"admin": ("admin", "TH"), "supervisor": ("supervisor_subdistrict", "300601"),
          "volunteer": ("volunteer", "30060101")}


@pytest.fixture
def people(app) -> dict[str, int]:
    return add_people(app)


def add_people(app) -> dict[str, int]:
    """Areas (made directly: the village loader is another command) and an admin, a supervisor of
    subdistrict 300601 and a volunteer; their staff ids by name."""
    with app.app_context():
        db.session.add_all(Area(code=code, level=level, name_th=name, parent_code=parent, moo=moo)
                           for code, level, name, parent, moo in AREAS)
        staff = {name: Staff(name=name, position="x", roles=[StaffRole(role=role, area_code=area)])
                 for name, (role, area) in PEOPLE.items()}
        db.session.add_all(staff.values())
        db.session.commit()
        return {name: person.id for name, person in staff.items()}


HEAD = {"village_code": "30060101", "house_number": "12/3", "house_code": "30060012345", "source": "จปฐ./TPMAP",
        "source_year": "2568", "name": "นายสมชาย ใจดี", "national_id": national_id(1), "sex": "ชาย",
        "birth_date": "12/05/2508", "relation": "หัวหน้าครัวเรือน", "education": "ประถมศึกษา", "occupation": "เกษตรกร",
        "monthly_income": "3,000", "disabled": "ไม่", "bedridden": "", "chronic_illness": "ใช่", "welfare_card": "ใช่",
        "can_work": "ใช่"}
SPOUSE = HEAD | {"name": "นางสมศรี ใจดี", "national_id": national_id(2), "sex": "หญิง", "birth_date": "3 พ.ย. 2512",
                 "relation": "ภรรยา", "occupation": "รับจ้าง", "monthly_income": "2,500 บาท", "chronic_illness": "",
                 "welfare_card": "ไม่"}
CHILD = HEAD | {"name": "เด็กหญิงมาลี ใจดี", "national_id": "", "sex": "หญิง", "birth_date": "20/01/2558",
                "relation": "บุตรสาว", "occupation": "นักเรียน", "monthly_income": "", "chronic_illness": "",
                "welfare_card": "", "can_work": "ไม่"}
OTHER_HOUSE = HEAD | {"village_code": "30060102", "house_number": "45", "house_code": "", "source": "เวทีประชาคม",
                      "source_year": "2567", "name": "นายบุญมี มีสุข", "national_id": national_id(3),
                      "monthly_income": "๔,๐๐๐"}
LIST = [HEAD, SPOUSE, CHILD, OTHER_HOUSE]


def write_csv(path: Path, rows: list[dict], header=lambda key: COLUMNS[key].header) -> Path:
    keys = list(rows[0])
    with path.open("w", encoding="utf-8-sig", newline="") as file:
        writer = csv.writer(file)
        writer.writerow([header(key) for key in keys])
        writer.writerows([row.get(key, "") for key in keys] for row in rows)
    return path


def run(app, path: Path, staff_id: int, *options: str):
    return app.test_cli_runner().invoke(args=["households", "import", str(path), "--as", str(staff_id), *options])


def imported(app, path: Path, staff_id: int, *options: str) -> str:
    result = run(app, path, staff_id, *options)
    assert result.exit_code == 0, result.output
    return result.output


def rejected(path: Path) -> dict[int, list[str]]:
    """The report by line: [village, house number, house code, name, masked ID, reasons]."""
    with report_path(path).open(encoding="utf-8-sig", newline="") as file:
        rows = list(csv.reader(file))
    assert rows[0] == ["แถวที่", "รหัสหมู่บ้าน", "บ้านเลขที่", "รหัสประจำบ้าน", "ชื่อ-นามสกุล", "เลขประจำตัวประชาชน", "เหตุผล"]
    return {int(row[0]): row[1:] for row in rows[1:]}


def stored(app) -> tuple:
    """Everything an import writes, to compare before and after."""
    with app.app_context():
        households = db.session.execute(select(
            Household.id, Household.import_key, Household.house_code, Household.house_number, Household.village_code,
            Household.head_name, Household.source, Household.source_year, Household.updated_at)
            .order_by(Household.id)).all()
        members = db.session.execute(select(
            Member.id, Member.household_id, Member.name, Member.national_id_hash, Member.sex, Member.birth_date,
            Member.relation, Member.monthly_income, Member.can_work).order_by(Member.id)).all()
        audits = db.session.scalar(select(func.count()).select_from(AuditEntry))
        return households, members, audits


def test_a_csv_list_with_thai_headers_is_stored(app, people, tmp_path):
    output = imported(app, write_csv(tmp_path / "list.csv", LIST), people["admin"])
    assert "จำนวนแถวที่อ่าน: 4 แถว" in output
    assert "ครัวเรือนที่เพิ่มใหม่: 2 ปรับปรุง: 0" in output and "สมาชิกที่เพิ่มใหม่: 4" in output
    assert "แถวที่ไม่ผ่านการตรวจสอบ: 0 แถว" in output and "list.csv.rejected.csv" in output
    assert rejected(tmp_path / "list.csv") == {}
    with app.app_context():
        first, second = db.session.scalars(select(Household).order_by(Household.id))
        assert (first.import_key, first.house_code, first.village_code, first.house_number) == (
            "hc:30060012345", "30060012345", "30060101", "12/3")
        assert (first.head_name, first.source, first.source_year, first.status) == ("นายสมชาย ใจดี", "jpt", 2568, "open")
        assert first.created_by == people["admin"]
        head, spouse, child = first.members
        assert (head.relation, head.chronic_illness, head.welfare_card, head.disabled) == ("head", True, True, False)
        assert (spouse.sex, spouse.birth_date, spouse.relation, spouse.monthly_income) == (
            "female", date(1969, 11, 3), "spouse", Decimal("2500"))
        assert (child.relation, child.can_work, child.national_id_hash, child.monthly_income) == (
            "child", False, None, None)
        assert (second.import_key, second.source, second.source_year) == ("v:30060102:45", "forum", 2567)
        assert second.members[0].monthly_income == Decimal("4000")
        entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        assert [(e.action, e.entity_id, e.staff_id) for e in entries] == [
            ("household.create", str(first.id), people["admin"]), ("household.create", str(second.id), people["admin"])]
        assert audit.read(entries[0]).after["members"] == 3 and audit.read(entries[0]).after["file"] == "list.csv"


def test_an_xlsx_list_with_area_names_and_spreadsheet_cells(app, people, tmp_path):
    """A title above the header, header variants, area names instead of a village code, and cells Excel
    typed itself: IDs and house numbers as numbers, a BE birth date as a date, income as a decimal."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["บัญชีรายชื่อครัวเรือนเป้าหมาย ปี 2568"])
    sheet.append(["จังหวัด", "อำเภอ", "ตำบล", "หมู่", "บ้านเลขที่", "แหล่งข้อมูล", "ปีข้อมูล", "ชื่อ-สกุล",
                  "เลขบัตรประชาชน", "วันเกิด", "ความสัมพันธ์", "รายได้เฉลี่ยต่อเดือน", "ติดเตียง", "ทำงานได้"])
    sheet.append(["จ.นครราชสีมา", "อ.จักราช", "ต.จักราช", 2, 7, "TPMAP", 2025, "นางบัวผัน ศรีสุข", int(national_id(4)),
                  datetime(2508, 5, 12), "หัวหน้า", 2500.5, "✓", None])
    sheet.append([])
    sheet.append(["นครราชสีมา", "จักราช", "จักราช", "หมู่ที่ 2", 7, "TPMAP", 2025, "นายมา ศรีสุข", None, None, "บุตร",
                  None, "/", "-"])
    workbook.save(tmp_path / "list.xlsx")
    output = imported(app, tmp_path / "list.xlsx", people["supervisor"])
    assert "ครัวเรือนที่เพิ่มใหม่: 1" in output and "สมาชิกที่เพิ่มใหม่: 2" in output
    with app.app_context():
        household = db.session.scalar(select(Household))
        assert (household.village_code, household.house_number, household.source_year) == ("30060102", "7", 2568)
        head, son = household.members
        assert (head.birth_date, head.monthly_income, head.bedridden, head.can_work) == (
            date(1965, 5, 12), Decimal("2500.50"), True, True)
        assert head.national_id_hash == hash_national_id(national_id(4))
        assert (son.relation, son.bedridden, son.can_work) == ("child", True, False)


def test_every_rejected_row_is_reported_in_thai_with_its_line_and_nothing_of_it_is_stored(app, people, tmp_path):
    rows = [
        HEAD,                                                                      # 2 stored
        SPOUSE | {"national_id": WRONG_CHECK_DIGIT},                               # 3 check digit
        HEAD | {"house_code": "3006001234", "house_number": "99", "name": "ก"},     # 4 house code of 10 digits
        HEAD | {"village_code": "30060199", "house_code": "", "name": "ข"},        # 5 no such village
        CHILD | {"name": ""},                                                      # 6 required
        HEAD,                                                                      # 7 the same row again
        HEAD | {"village_code": "30060301", "house_code": "", "name": "ค"},        # 8 outside the supervisor's area
        CHILD | {"birth_date": "31/02/2510"},                                      # 9 no such date
        CHILD | {"name": "ง", "monthly_income": "สองพันบาท"},                       # 10 not an amount
        SPOUSE,                                                                    # 11 stored
        CHILD | {"source": "ThaiQM", "name": "จ"},                                  # 12 the household differs from 2
        OTHER_HOUSE | {"house_code": "31010012345"},                               # 13 another province's office
        OTHER_HOUSE | {"name": "ฉ", "national_id": "", "can_work": "บางที"},        # 14 not yes or no
        CHILD | {"name": "ช", "monthly_income": "3100600445635"},                  # 15 an ID in the income column
    ]
    output = imported(app, write_csv(tmp_path / "list.csv", rows), people["supervisor"])
    assert "จำนวนแถวที่อ่าน: 14 แถว" in output and "แถวที่ไม่ผ่านการตรวจสอบ: 12 แถว" in output
    report = rejected(tmp_path / "list.csv")
    reasons = {line: row[-1] for line, row in report.items()}
    assert sorted(reasons) == list(range(3, 10)) + [10, 12, 13, 14, 15]
    assert reasons[3].startswith("เลขประจำตัวประชาชน: เลขตรวจสอบไม่ถูกต้อง")
    assert reasons[4] == "รหัสประจำบ้าน: รหัสประจำบ้านต้องมี 11 หลัก แต่ที่กรอกมี 10 หลัก"
    assert reasons[5] == "หมู่บ้าน: ไม่พบหมู่บ้านรหัส 30060199 ในระบบ กรุณาแจ้งผู้ดูแลระบบให้เพิ่มหมู่บ้านก่อน"
    assert reasons[6] == "ชื่อ-นามสกุล: ต้องกรอกช่องนี้"
    assert reasons[7] == "เลขประจำตัวประชาชน: เลขประจำตัวประชาชนนี้ซ้ำกับแถวที่ 2"
    assert reasons[8] == "หมู่บ้าน: หมู่บ้าน 30060301 อยู่นอกพื้นที่รับผิดชอบของท่าน (300601)"
    assert reasons[9].startswith("วันเดือนปีเกิด: ไม่มีวันที่ 31 ในเดือนกุมภาพันธ์")
    assert reasons[10].startswith("รายได้ต่อเดือน: กรุณาพิมพ์จำนวนเงินเป็นตัวเลขเท่านั้น")
    assert reasons[12] == "บ้านเลขที่: ข้อมูลครัวเรือนไม่ตรงกับแถวที่ 2 ของครัวเรือนเดียวกัน"
    assert reasons[13] == "รหัสประจำบ้าน: สำนักทะเบียน 3101 ของรหัสประจำบ้านไม่อยู่ในจังหวัดเดียวกับหมู่บ้าน (30)"
    assert reasons[14] == "ทำงานได้: กรุณากรอก ใช่ หรือ ไม่ (ที่กรอก: “บางที”)"
    assert reasons[15] == "รายได้ต่อเดือน: จำนวนเงินต้องไม่เกิน 1,000,000 บาท"
    masked = "x-xxxx-xxxxx-xx-" + WRONG_CHECK_DIGIT[-1]
    assert report[3][:5] == ["30060101", "12/3", "30060012345", "นางสมศรี ใจดี", masked]
    assert report_path(tmp_path / "list.csv").read_bytes().startswith(b"\xef\xbb\xbf")  # so Excel reads Thai
    with app.app_context():
        household = db.session.scalar(select(Household))
        assert [m.name for m in household.members] == ["นายสมชาย ใจดี", "นางสมศรี ใจดี"]
        assert db.session.scalar(select(func.count()).select_from(Household)) == 1
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 1


def test_imported_households_are_found_by_part_of_the_heads_name(app, people, tmp_path):
    """Imports insert many rows at once: the name index takes them all (on SQLite, through its triggers)."""
    imported(app, write_csv(tmp_path / "list.csv", LIST), people["admin"])
    with app.app_context():
        admin = db.session.get(Staff, people["admin"])
        assert [h.head_name for h in households.search(admin, "ชาย ใจ")[0]] == ["นายสมชาย ใจดี"]
        assert [h.head_name for h in households.search(admin, "บุญมี")[0]] == ["นายบุญมี มีสุข"]


def test_imported_households_are_listed_in_house_number_order_also_after_a_number_is_corrected(app, people, tmp_path):
    numbered = [HEAD | {"house_number": number, "house_code": f"300600{n:05d}", "name": f"นายบ้าน {number}",
                        "national_id": national_id(20 + n)} for n, number in enumerate(["88/10", "12", "88/2", "5"])]
    imported(app, write_csv(tmp_path / "list.csv", numbered), people["admin"])

    def listed() -> list[str]:
        with app.app_context():
            admin = db.session.get(Staff, people["admin"])
            return [h.house_number for h in households.search(admin, "", village_code="30060101")[0]]

    assert listed() == ["5", "12", "88/2", "88/10"]
    numbered[0] |= {"house_number": "3"}  # the same house code: the household stored is updated
    assert "ปรับปรุง: 1" in imported(app, write_csv(tmp_path / "corrected.csv", numbered), people["admin"])
    assert listed() == ["3", "5", "12", "88/2"]


def test_reimporting_changes_nothing_and_a_corrected_file_updates(app, people, tmp_path):
    path = write_csv(tmp_path / "list.csv", LIST)
    imported(app, path, people["admin"])
    before = stored(app)
    output = imported(app, path, people["admin"])
    assert "ครัวเรือนที่เพิ่มใหม่: 0 ปรับปรุง: 0 ไม่เปลี่ยนแปลง: 2" in output
    assert "สมาชิกที่เพิ่มใหม่: 0 ปรับปรุง: 0" in output
    assert stored(app) == before

    corrected = [HEAD, SPOUSE | {"monthly_income": "3,200"}, CHILD | {"national_id": national_id(5)},
                 OTHER_HOUSE, OTHER_HOUSE | {"name": "นางคำ มีสุข", "national_id": national_id(6), "relation": "ภรรยา"}]
    path = write_csv(tmp_path / "list.csv", corrected)
    output = imported(app, path, people["admin"])
    assert "ครัวเรือนที่เพิ่มใหม่: 0 ปรับปรุง: 2 ไม่เปลี่ยนแปลง: 0" in output
    assert "สมาชิกที่เพิ่มใหม่: 1 ปรับปรุง: 2" in output
    with app.app_context():
        first, second = db.session.scalars(select(Household).order_by(Household.id))
        assert first.members[1].monthly_income == Decimal("3200")
        assert first.members[2].national_id_last == national_id(5)[-4:]
        assert [m.name for m in second.members] == ["นายบุญมี มีสุข", "นางคำ มีสุข"]
        updates = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "household.update")
                                     .order_by(AuditEntry.id)).all()
        assert [(e.entity_id, e.staff_id) for e in updates] == [(str(first.id), people["admin"]),
                                                                (str(second.id), people["admin"])]
        first_update, second_update = audit.read(updates[0]), audit.read(updates[1])
        assert first_update.before["members"]["นางสมศรี ใจดี"] == {"monthly_income": "2500.00"}
        assert first_update.after["members"]["นางสมศรี ใจดี"] == {"monthly_income": "3200"}
        masked = "x-xxxx-xxxxx-xx-" + national_id(5)[-1]
        assert first_update.after["members"]["เด็กหญิงมาลี ใจดี"] == {"national_id": masked}
        assert second_update.after["members_added"] == ["นางคำ มีสุข"]
    again = stored(app)
    assert "ไม่เปลี่ยนแปลง: 2" in imported(app, path, people["admin"])
    assert stored(app) == again


def test_the_same_file_again_keeps_what_a_visit_changed_since(app, people, tmp_path):
    path = write_csv(tmp_path / "list.csv", LIST)
    imported(app, path, people["admin"])
    with app.app_context():  # at the visit: the spouse's income went up, the child moved away
        household = db.session.scalar(select(Household).where(Household.house_number == "12/3"))
        household.members[1].monthly_income = Decimal("4000")
        household.members.remove(household.members[2])
        db.session.commit()
    visited = stored(app)
    output = imported(app, path, people["admin"])
    assert "ครัวเรือนที่เพิ่มใหม่: 0 ปรับปรุง: 0 ไม่เปลี่ยนแปลง: 2" in output
    assert stored(app) == visited


def test_a_name_corrected_for_a_member_without_national_id_renames_that_member(app, people, tmp_path):
    imported(app, write_csv(tmp_path / "list.csv", [HEAD, SPOUSE, CHILD | {"name": "เด็กหญิงมาลี ใจดืี"}]),
             people["admin"])
    output = imported(app, write_csv(tmp_path / "list.csv", LIST[:3]), people["admin"])  # the typo fixed
    assert "สมาชิกที่เพิ่มใหม่: 0 ปรับปรุง: 1" in output
    with app.app_context():
        household = db.session.scalar(select(Household))
        assert [m.name for m in household.members] == ["นายสมชาย ใจดี", "นางสมศรี ใจดี", "เด็กหญิงมาลี ใจดี"]


def test_a_household_added_in_the_chat_is_found_by_village_and_house_number(app, people, tmp_path):
    with app.app_context():  # added at a community forum, without a house code
        db.session.add(Household(village_code="30060102", house_number="45", head_name="นายบุญมี มีสุข",
                                 source="forum", source_year=2569))
        db.session.commit()
    output = imported(app, write_csv(tmp_path / "list.csv", [OTHER_HOUSE]), people["admin"])
    assert "ครัวเรือนที่เพิ่มใหม่: 0 ปรับปรุง: 1" in output
    with app.app_context():
        [household] = db.session.scalars(select(Household)).all()
        assert [m.name for m in household.members] == ["นายบุญมี มีสุข"]


def test_a_dry_run_validates_and_reports_but_stores_nothing(app, people, tmp_path):
    path = write_csv(tmp_path / "list.csv", [*LIST, HEAD | {"national_id": "1234567890123"}])
    output = imported(app, path, people["admin"], "--dry-run")
    assert "ครัวเรือนที่เพิ่มใหม่: 2" in output and "แถวที่ไม่ผ่านการตรวจสอบ: 1 แถว" in output
    assert "ยังไม่ได้บันทึกข้อมูลใด ๆ" in output
    assert list(rejected(path)) == [6]
    assert stored(app) == ([], [], 0)


def test_national_ids_are_stored_only_as_a_keyed_hash_and_last_digits(app, people, tmp_path):
    imported(app, write_csv(tmp_path / "list.csv", LIST), people["admin"])
    with app.app_context():
        everything = " ".join(str(value) for table in db.metadata.sorted_tables
                              for row in db.session.execute(select(table)) for value in row)
        for serial in (1, 2, 3):
            assert national_id(serial) not in everything
            assert national_id(serial)[:12] not in everything
        head = db.session.scalar(select(Member).where(Member.name == "นายสมชาย ใจดี"))
        assert (head.national_id_hash, head.national_id_last) == (hash_national_id(national_id(1)), national_id(1)[-4:])


def test_after_a_national_id_key_rotation_the_list_imported_again_finds_its_members(app, people, tmp_path):
    """NATIONAL_ID_KEY changed, the old one kept as NATIONAL_ID_KEY_PREVIOUS: members are still found by their
    IDs (no one is added twice) and take the new key's hash, so the old key can then be dropped."""
    path = write_csv(tmp_path / "list.csv", LIST)
    imported(app, path, people["admin"])
    old_key = app.config["NATIONAL_ID_KEY"]
    app.config |= {"NATIONAL_ID_KEY": "a-new-national-id-key-0123456789abcdef", "NATIONAL_ID_KEY_PREVIOUS": old_key}
    output = imported(app, path, people["admin"])
    assert "สมาชิกที่เพิ่มใหม่: 0" in output
    with app.app_context():
        members = db.session.scalars(select(Member).order_by(Member.id)).all()
        assert [m.name for m in members] == [row["name"] for row in LIST]
        assert [m.national_id_hash for m in members if m.national_id_hash] == [
            hash_national_id(row["national_id"]) for row in LIST if row["national_id"]]
    app.config["NATIONAL_ID_KEY_PREVIOUS"] = None
    assert "สมาชิกที่เพิ่มใหม่: 0 ปรับปรุง: 0" in imported(app, path, people["admin"])


def test_a_supervisor_cannot_take_over_a_household_outside_their_area(app, people, tmp_path):
    elsewhere = HEAD | {"village_code": "30060301"}
    imported(app, write_csv(tmp_path / "admin.csv", [elsewhere]), people["admin"])
    output = imported(app, write_csv(tmp_path / "list.csv", [HEAD | {"name": "นายอื่น", "national_id": ""}]),
                      people["supervisor"])
    assert "แถวที่ไม่ผ่านการตรวจสอบ: 1 แถว" in output
    assert rejected(tmp_path / "list.csv")[2][-1] == (
        "รหัสประจำบ้าน: รหัสประจำบ้านนี้เป็นของครัวเรือนที่อยู่นอกพื้นที่รับผิดชอบของท่าน")  # not where it is
    with app.app_context():
        household = db.session.scalar(select(Household))
        assert household.village_code == "30060301" and [m.name for m in household.members] == ["นายสมชาย ใจดี"]


def test_only_admins_and_supervisors_import(app, people, tmp_path):
    path = write_csv(tmp_path / "list.csv", LIST)
    result = run(app, path, people["volunteer"])
    assert result.exit_code != 0 and "ผู้ดูแลระบบและ ศจพ. ทุกระดับเท่านั้นที่นำเข้ารายชื่อครัวเรือนได้" in result.output
    result = run(app, path, 999)
    assert result.exit_code != 0 and "ไม่พบเจ้าหน้าที่รหัส 999" in result.output
    assert "--as" in app.test_cli_runner().invoke(args=["households", "import", str(path)]).output
    assert stored(app) == ([], [], 0)


def test_a_file_without_the_template_columns_is_refused(app, people, tmp_path):
    result = run(app, write_csv(tmp_path / "other.csv", [{"a": "1", "b": "2"}], header=str), people["admin"])
    assert result.exit_code != 0 and "ไม่พบแถวหัวตารางที่มีคอลัมน์ตามแบบฟอร์ม" in result.output
    no_name = [{key: value for key, value in HEAD.items() if key != "name"}]
    result = run(app, write_csv(tmp_path / "no-name.csv", no_name), people["admin"])
    assert result.exit_code != 0 and "ไฟล์ไม่มีคอลัมน์ที่จำเป็น: ชื่อ-นามสกุล" in result.output
    (tmp_path / "list.txt").write_text("x")
    result = run(app, tmp_path / "list.txt", people["admin"])
    assert result.exit_code != 0 and "ไม่รองรับไฟล์ชนิด .txt" in result.output


def test_english_headers_are_accepted_too(app, people, tmp_path):
    output = imported(app, write_csv(tmp_path / "list.csv", LIST, header=str), people["admin"])
    assert "ครัวเรือนที่เพิ่มใหม่: 2" in output and "สมาชิกที่เพิ่มใหม่: 4" in output


def test_the_documented_template_is_what_the_writer_makes_and_imports(app, people, tmp_path):
    write_template(tmp_path / "template.csv")
    assert (tmp_path / "template.csv").read_bytes() == (ROOT / "docs/import-template.csv").read_bytes()
    for name in ("import-template.csv", "import-template.xlsx"):
        copy = tmp_path / name
        copy.write_bytes((ROOT / "docs" / name).read_bytes())
        output = imported(app, copy, people["admin"], "--dry-run")
        assert "ครัวเรือนที่เพิ่มใหม่: 1" in output and "สมาชิกที่เพิ่มใหม่: 3" in output, output
        assert "แถวที่ไม่ผ่านการตรวจสอบ: 0 แถว" in output


def test_batches_are_stored_one_after_another(app, people, tmp_path, monkeypatch):
    """One household per transaction here, and a household's member on a later line: stored as with one batch
    (the later member updates the household stored by an earlier batch)."""
    monkeypatch.setattr(importer.checking, "BATCH", 1)
    son = HEAD | {"name": "นายมานะ ใจดี", "national_id": "", "relation": "บุตร"}
    path = write_csv(tmp_path / "list.csv", [*LIST, son])
    output = imported(app, path, people["supervisor"])
    assert "ครัวเรือนที่เพิ่มใหม่: 2 ปรับปรุง: 1" in output and "สมาชิกที่เพิ่มใหม่: 5" in output
    households, members, audits = stored(app)
    assert len(households) == 2 and len(members) == 5 and audits == 3
    assert "ปรับปรุง: 0 ไม่เปลี่ยนแปลง: 3" in imported(app, path, people["supervisor"])
    assert stored(app) == (households, members, audits)


# --- hardening: what a file may do to the report, the server and the data ------------------------


def test_no_cell_of_the_report_can_be_taken_for_a_formula(app, people, tmp_path):
    """Names typed as formulas (one behind a tab the importer trims) come back in the report as text."""
    names = ['=HYPERLINK("http://example.com","ดูข้อมูล")', "\t=cmd|' /C calc'!A0", "+66 81 234 5678", "@SUM(1,2)",
             "-2+3", "＝1+1"]
    rows = [HEAD | {"name": name, "national_id": WRONG_CHECK_DIGIT, "house_number": f"{n}"}
            for n, name in enumerate(names, start=1)]
    imported(app, write_csv(tmp_path / "list.csv", rows), people["admin"])
    report = rejected(tmp_path / "list.csv")
    assert [report[line][3] for line in sorted(report)] == [
        '\'=HYPERLINK("http://example.com","ดูข้อมูล")', "'=cmd|' /C calc'!A0", "'+66 81 234 5678", "'@SUM(1,2)",
        "'-2+3", "'＝1+1"]
    assert all(reasons.startswith("เลขประจำตัวประชาชน:") for *_, reasons in report.values())


def workbook_with(path: Path, parts: dict[str, bytes], content_types: bytes = b"") -> Path:
    """The template workbook with `parts` added or replaced, and overrides added to [Content_Types].xml."""
    write_template(path)
    with zipfile.ZipFile(path) as archive:
        contents = {info.filename: archive.read(info) for info in archive.infolist()}
    contents.update(parts)
    contents["[Content_Types].xml"] = contents["[Content_Types].xml"].replace(b"</Types>", content_types + b"</Types>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in contents.items():
            archive.writestr(name, data)
    return path


SHARED_STRINGS_TYPE = (b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
                       b'officedocument.spreadsheetml.sharedStrings+xml"/>')


def shared_strings(count: int, text=lambda n: b"A") -> bytes:
    body = b"".join(b"<si><t>" + text(n) + b"</t></si>" for n in range(count))
    return (b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">'
            % (count, count) + body + b"</sst>")


def test_a_zip_bomb_is_refused_before_it_is_unpacked(app, people, tmp_path, monkeypatch):
    """A small XLSX whose shared strings unpack a thousandfold, one whose parts are too large once unpacked, and
    one of too many parts: each refused with its reason, before openpyxl reads anything and before any row."""
    def unread(*args, **kwargs):
        raise AssertionError("openpyxl opened a workbook that should have been refused")

    bomb = workbook_with(tmp_path / "bomb.xlsx", {"xl/sharedStrings.xml": shared_strings(1_500_000)},
                         SHARED_STRINGS_TYPE)
    assert bomb.stat().st_size < 100_000
    with monkeypatch.context() as patch:
        patch.setattr(openpyxl, "load_workbook", unread)
        result = run(app, bomb, people["admin"])
    assert result.exit_code != 0
    assert "ไฟล์นี้เมื่อคลายออกจะใหญ่กว่าขนาดไฟล์เกิน 100 เท่า" in result.output

    # Shared strings that pack as poorly as real ones (distinct values) but are larger than the cap.
    monkeypatch.setattr(importer.sheet, "MAX_XLSX_PART_BYTES", 1 << 20)
    large = workbook_with(tmp_path / "large.xlsx", {"xl/sharedStrings.xml": shared_strings(
        60_000, lambda n: national_id(n).encode())}, SHARED_STRINGS_TYPE)
    result = run(app, large, people["admin"])
    assert result.exit_code != 0 and "ไฟล์นี้ใหญ่เกินกว่าจะอ่านได้อย่างปลอดภัย เพราะเมื่อคลายออกแล้วเกิน 1 เมกะไบต์" in result.output

    # The worksheet itself is streamed: only the whole workbook's size limits it.
    template = tmp_path / "template.xlsx"
    write_template(template)
    monkeypatch.setattr(importer.sheet, "MAX_XLSX_PART_BYTES", 1)
    monkeypatch.setattr(importer.sheet, "MAX_XLSX_BYTES", 1)
    result = run(app, template, people["admin"], "--dry-run")
    assert result.exit_code != 0 and "เมื่อคลายออกแล้วเกิน 0 เมกะไบต์" in result.output

    many = workbook_with(tmp_path / "many.xlsx", {f"xl/media/image{n}.png": b"" for n in range(1_001)})
    result = run(app, many, people["admin"])
    assert result.exit_code != 0 and "ไฟล์นี้มีส่วนประกอบ 1,010 ส่วน มากกว่า 1,000 ส่วน" in result.output
    assert stored(app) == ([], [], 0)


def test_a_cell_too_long_rejects_its_row_and_is_cut_in_the_report(app, people, tmp_path):
    long_name = "ก" * 5_000
    path = write_csv(tmp_path / "list.csv", [HEAD | {"name": long_name}, SPOUSE])
    output = imported(app, path, people["admin"])
    assert "แถวที่ไม่ผ่านการตรวจสอบ: 1 แถว" in output and "สมาชิกที่เพิ่มใหม่: 1" in output
    report = rejected(path)
    assert report[2][3] == "ก" * 1_000
    assert report[2][-1].startswith("ชื่อ-นามสกุล: ข้อมูลในช่องนี้ยาวเกิน 1,000 ตัวอักษร")

    # Past what the CSV reader takes at all: the file is refused before anything is stored.
    huge = write_csv(tmp_path / "huge.csv", [OTHER_HOUSE, OTHER_HOUSE | {"name": "ข" * 200_000}])
    result = run(app, huge, people["admin"])
    assert result.exit_code != 0 and "แถวที่ 3 ของไฟล์มีช่องที่ยาวเกิน 131,072 ตัวอักษร" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Household)) == 1


def test_the_webhook_is_answered_while_a_file_is_being_read(embedded_app, platform, tmp_path, monkeypatch):
    """An import on the embedded defaults holds the one SQLite connection only to look up a village or to store
    a batch: while it reads its file, a webhook is stored and answered (not 503 after 30 s)."""
    people = add_people(embedded_app)
    rows = [OTHER_HOUSE | {"village_code": f"300601{1 + n % 2:02d}", "house_number": str(n), "name": f"นาย{n}",
                           "national_id": national_id(100 + n)} for n in range(1_500)]
    path = write_csv(tmp_path / "list.csv", rows)
    paused, resume = threading.Event(), threading.Event()
    add = importer.Importer.add

    def add_pausing(self, line, cells):
        if line == 700:  # in the middle of the first batch: households read and checked, none stored yet
            paused.set()
            assert resume.wait(60)
        add(self, line, cells)

    monkeypatch.setattr(importer.Importer, "add", add_pausing)
    summaries = []

    def import_file():
        with embedded_app.app_context():
            staff = importer.check_importer(db.session.get(Staff, people["admin"]), people["admin"])
            summaries.append(importer.run(path, staff, now=utcnow(), timezone=ZONE))

    server = LiveServer(embedded_app)
    worker = threading.Thread(target=import_file)
    try:
        worker.start()
        assert paused.wait(60)
        line = LineDriver(platform, server.url + "/callback", SECRET)
        user_id = platform.add_user(platform.new_user_id(), display_name="ผู้ใช้ทดสอบ")["userId"]
        assert line.send(line.text(user_id, "สวัสดี")).status_code == 200
        assert platform.wait_for_messages(user_id, 1)
    finally:
        resume.set()
        worker.join(60)
        server.stop()
    assert summaries[0].households_created == 1_500 and summaries[0].rejected == 0


def english_rows(count: int) -> list[dict]:
    return [OTHER_HOUSE | {"house_number": str(n), "name": f"Mr Somchai {n}", "national_id": national_id(100 + n),
                           "source": "forum", "monthly_income": "4000", "birth_date": "12/05/2508", "sex": "male",
                           "relation": "head", "education": "primary", "occupation": "farmer", "disabled": "no",
                           "chronic_illness": "no", "welfare_card": "yes", "can_work": "yes"}
            for n in range(count)]


def write_bytes_csv(path: Path, rows: list[dict], encoding: str, tail: bytes = b"") -> Path:
    """Rows with English headers (ASCII), written in `encoding`; `tail`: raw bytes added at the end."""
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(list(rows[0]))
    writer.writerows(row.values() for row in rows)
    path.write_bytes(text.getvalue().encode(encoding) + tail)
    return path


def test_a_windows_thai_row_after_64_kb_of_ascii_is_read_as_windows_thai(app, people, tmp_path):
    rows = english_rows(1_200)  # the first 1,000 households are a batch stored before the last row is read
    thai = OTHER_HOUSE | {"house_number": "9999", "national_id": national_id(9999)}
    path = write_bytes_csv(tmp_path / "list.csv", [*rows, thai], "cp874")
    assert path.read_bytes().index("บุญมี".encode("cp874")) > 1 << 16
    output = imported(app, path, people["admin"])
    assert "ครัวเรือนที่เพิ่มใหม่: 1201" in output and "แถวที่ไม่ผ่านการตรวจสอบ: 0 แถว" in output
    with app.app_context():
        assert db.session.scalar(select(Household.head_name).where(Household.house_number == "9999")) == "นายบุญมี มีสุข"


def test_utf16_files_are_read(app, people, tmp_path):
    for encoding in ("utf-16", "utf-16-be"):  # Excel's "Unicode Text" (little-endian, with BOM); big-endian too
        path = tmp_path / f"{encoding}.csv"
        path.write_bytes((b"\xfe\xff" if encoding == "utf-16-be" else b"")
                         + write_csv(tmp_path / "list.csv", LIST).read_text(encoding="utf-8-sig").encode(encoding))
        output = imported(app, path, people["admin"])
        assert "แถวที่ไม่ผ่านการตรวจสอบ: 0 แถว" in output and "สมาชิกที่เพิ่มใหม่:" in output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Member)) == 4
        assert db.session.scalar(select(Household.head_name).where(Household.house_number == "45")) == "นายบุญมี มีสุข"


def test_a_file_in_no_accepted_encoding_is_refused_before_anything_is_stored(app, people, tmp_path, monkeypatch):
    monkeypatch.setattr(importer.checking, "BATCH", 10)  # the first rows would be stored by then
    undecodable = write_bytes_csv(tmp_path / "list.csv", english_rows(500), "ascii",
                                  tail=b"3006010245,x,\xff\xfe\xfd\r\n")  # bytes neither UTF-8 nor Windows Thai has
    no_bom = tmp_path / "utf16.csv"  # UTF-16 without its BOM: NUL bytes, no text in any encoding accepted
    no_bom.write_bytes(write_csv(tmp_path / "utf8.csv", LIST).read_text(encoding="utf-8-sig").encode("utf-16-le"))
    for path in (undecodable, no_bom):
        result = run(app, path, people["admin"])
        assert result.exit_code != 0, result.output
        assert "ไฟล์นี้ไม่ได้เข้ารหัสแบบ UTF-8, UTF-16 หรือภาษาไทย (TIS-620) จึงยังไม่ได้นำเข้าข้อมูลใด ๆ" in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
    assert stored(app) == ([], [], 0)


def test_a_national_id_stored_in_another_household_is_refused_without_saying_where(app, people, tmp_path):
    imported(app, write_csv(tmp_path / "admin.csv", [HEAD | {"village_code": "30060301"}]), people["admin"])
    same_id = OTHER_HOUSE | {"national_id": national_id(1)}  # the head of house 30060012345, in บ้านทองหลาง
    output = imported(app, write_csv(tmp_path / "list.csv", [same_id, CHILD | {"house_code": "", "house_number": "8"}]),
                      people["supervisor"])
    assert "แถวที่ไม่ผ่านการตรวจสอบ: 1 แถว" in output and "ครัวเรือนที่เพิ่มใหม่: 1" in output
    reason = rejected(tmp_path / "list.csv")[2][-1]
    assert reason == "เลขประจำตัวประชาชน: เลขประจำตัวประชาชนนี้ลงทะเบียนไว้แล้วกับสมาชิกของครัวเรือนอื่น"
    # An admin can't give one person to two households either; the household's own members are found again.
    output = imported(app, write_csv(tmp_path / "again.csv", [same_id | {"house_number": "46"}]), people["admin"])
    assert "แถวที่ไม่ผ่านการตรวจสอบ: 1 แถว" in output and "ครัวเรือนที่เพิ่มใหม่: 0" in output
    output = imported(app, tmp_path / "admin.csv", people["admin"])
    assert "แถวที่ไม่ผ่านการตรวจสอบ: 0 แถว" in output and "ไม่เปลี่ยนแปลง: 1" in output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Member)
                                 .where(Member.national_id_hash == hash_national_id(national_id(1)))) == 1


def test_during_a_key_rotation_an_id_stored_under_the_previous_key_is_still_refused_elsewhere(app, people, tmp_path):
    imported(app, write_csv(tmp_path / "admin.csv", [HEAD | {"village_code": "30060301"}]), people["admin"])
    old_key = app.config["NATIONAL_ID_KEY"]
    app.config |= {"NATIONAL_ID_KEY": "a-new-national-id-key-0123456789abcdef", "NATIONAL_ID_KEY_PREVIOUS": old_key}
    same_id = OTHER_HOUSE | {"national_id": national_id(1)}  # stored above, hashed with the previous key
    output = imported(app, write_csv(tmp_path / "list.csv", [same_id]), people["supervisor"])
    assert "แถวที่ไม่ผ่านการตรวจสอบ: 1 แถว" in output and "ครัวเรือนที่เพิ่มใหม่: 0" in output


def test_the_report_is_always_a_new_file_never_through_a_symlink(app, people, tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    path = write_csv(tmp_path / "list.csv", [HEAD, HEAD])
    report_path(path).symlink_to(victim)
    output = imported(app, path, people["admin"])
    assert victim.read_text() == "keep me" and report_path(path).is_symlink()
    second = tmp_path / "list.csv.rejected-2.csv"
    assert f"มีไฟล์ {report_path(path)} อยู่แล้ว จึงบันทึกรายงานลงในไฟล์ใหม่แทน" in output
    assert f"(ดูเหตุผลใน {second})" in output
    assert list(csv.reader(second.open(encoding="utf-8-sig")))[1][0] == "3"
    output = imported(app, path, people["admin"])  # an earlier report is kept too
    assert f"(ดูเหตุผลใน {tmp_path / 'list.csv.rejected-3.csv'})" in output and second.stat().st_size > 0
