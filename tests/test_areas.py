"""Areas: loading geothai, villages added and imported, names in Thai and English, and names in the chat."""


import geothai
import pytest
from sqlalchemy import func, select

from bot.seed import seed_demo
from domain.access import areas, scope
from models import Area, AuditEntry, Staff, StaffRole, db
from tests.helpers import invite, register

HEADER = "รหัสตำบล,หมู่ที่,ชื่อหมู่บ้าน\n"
DISTRICT = scope.Scope(("3006",))  # อ.จักราช


@pytest.fixture
def loaded(embedded_app):
    """The app with อ.จักราช's province, district and subdistricts loaded."""
    with embedded_app.app_context():
        areas.load_from_geothai("3006")
        db.session.commit()
    return embedded_app


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def area_count(level=None):
    query = select(func.count()).select_from(Area)
    return db.session.scalar(query.where(Area.level == level) if level else query)


def audit_actions():
    return [entry.action for entry in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


# ---- geothai ------------------------------------------------------------------------------------


def test_load_stores_every_province_district_and_subdistrict_of_geothai_once(embedded_app):
    provinces = geothai.provinces()
    districts = [d for p in provinces for d in geothai.districts(p.code)]
    subdistricts = [s for d in districts for s in geothai.subdistricts(d.code)]
    result = run(embedded_app, "areas", "load")
    assert result.exit_code == 0, result.output
    assert (f"{len(provinces)} provinces, {len(districts):,} districts, {len(subdistricts):,} subdistricts; "
            f"{len(provinces) + len(districts) + len(subdistricts):,} added, 0 updated") in result.output
    with embedded_app.app_context():
        assert area_count("province") == len(provinces) and area_count("district") == len(districts)
        assert area_count("subdistrict") == len(subdistricts)
        chakkarat = db.session.get(Area, "300601")
        assert (chakkarat.level, chakkarat.name_th, chakkarat.name_en, chakkarat.parent_code) == (
            "subdistrict", "จักราช", "Chakkarat", "3006")
        assert db.session.get(Area, "3006").parent_code == "30" and db.session.get(Area, "30").parent_code is None
        assert audit_actions() == ["areas.load"]

    again = run(embedded_app, "areas", "load")
    assert again.exit_code == 0 and "0 added, 0 updated" in again.output
    with embedded_app.app_context():
        assert area_count() == len(provinces) + len(districts) + len(subdistricts)
        assert audit_actions() == ["areas.load"]  # nothing changed, nothing to audit


def test_load_corrects_a_changed_name(loaded):
    with loaded.app_context():
        assert areas.name("30060101") is None  # no villages yet
        db.session.get(Area, "3006").name_th = "ผิด"
        db.session.commit()
        assert areas.load_from_geothai("3006") == {"province": 1, "district": 1, "subdistrict": 8,
                                                         "added": 0, "updated": 1}
        db.session.commit()
        assert areas.name("3006") == "อ.จักราช จ.นครราชสีมา"


# ---- names --------------------------------------------------------------------------------------


def test_names_in_thai_and_english_full_and_short(loaded):
    with loaded.app_context():
        areas.add_village("300601", 5, "บ้านโนนสูง", name_en="Ban Non Sung")
        areas.add_village("300603", 2, "บ้านหนองแวง")  # no English name: the Thai one is used
        db.session.commit()
        assert areas.name("30060105") == "หมู่ 5 บ้านโนนสูง ต.จักราช อ.จักราช จ.นครราชสีมา"
        assert areas.name("30060105", "en") == "Moo 5 Ban Non Sung, Chakkarat, Chakkarat, Nakhon Ratchasima"
        assert areas.name("30060105", full=False) == "หมู่ 5 บ้านโนนสูง"
        assert areas.name("30060302", "en") == "Moo 2 บ้านหนองแวง, Thonglang, Chakkarat, Nakhon Ratchasima"
        assert areas.name("300603") == "ต.ทองหลาง อ.จักราช จ.นครราชสีมา"
        assert areas.name("300603", "en", full=False) == "Thonglang Subdistrict"
        assert areas.name("3006", "en") == "Chakkarat District, Nakhon Ratchasima"
        assert areas.name("30", full=False) == "จ.นครราชสีมา"
        assert areas.name("31") is None and areas.name("30069999") is None  # not loaded
        assert areas.name("30060105", parent=True, full=False) == "หมู่ 5 บ้านโนนสูง ต.จักราช"
        assert areas.name("30060105", "en", parent=True, full=False) == "Moo 5 Ban Non Sung, Chakkarat"


def test_areas_are_found_by_code_or_part_of_a_name_inside_a_scope_only(loaded):
    with loaded.app_context():
        areas.add_village("300601", 5, "บ้านโนนสูง", name_en="Ban Non Sung")
        areas.add_village("300603", 2, "หนองไผ่", name_en="Nong Phai")
        areas.add_village("300603", 3, "บ้านหนองไผ่ ใต้")

        def found(text, levels=("village",), within=DISTRICT):
            return [area.code for area in areas.find(text, within, levels, 10)]

        assert found("non sung") == found("๓๐๐๖-๐๑๐๕") == found("หมู่ที่ 5") == ["30060105"]
        assert found("บ้านหนองไผ่") == found("หนอง ไผ่") == ["30060302", "30060303"]  # บ้าน and spaces aside
        assert found("หนองไผ่ ม.3") == found("ไผ่ใต้") == ["30060303"]
        assert found("หนองไผ่ ต.จักราช") == [] and found("โนนสูง ตำบลจักราช") == ["30060105"]
        assert found("Moo 2 Nong Phai, Thonglang") == ["30060302"]  # as the English list shows it
        assert found("จักราช", ("district", "subdistrict")) == ["3006", "300601"]
        assert found("อ.จักราช", ("district", "subdistrict")) == ["3006"]
        assert found("ต.จักราช", ("district",)) == found("ม.5", ("subdistrict",)) == []
        assert found("โนนสูง", within=scope.Scope(("300603",))) == found("โนนสูง", within=scope.NOTHING) == []
        assert found("%") == found("_") == found("ต.") == []  # not patterns; a level word alone names nothing
        assert found("30060105", ("subdistrict",)) == [] and found("300601", ("subdistrict",)) == ["300601"]


def test_bangkok_is_named_as_bangkok_names_its_areas(embedded_app):
    with embedded_app.app_context():
        areas.load_from_geothai("1001")
        db.session.commit()
        assert areas.name("100101") == "แขวงพระบรมมหาราชวัง เขตพระนคร กรุงเทพมหานคร"
        assert areas.name("10", "en") == "Bangkok"


# ---- villages one at a time ---------------------------------------------------------------------


def test_a_village_is_added_renamed_and_audited(loaded):
    added = run(loaded, "areas", "village", "add", "--subdistrict", "๓๐๐๖๐๑", "--moo", "5", "--name", "บ้านโนนสูง")
    assert added.exit_code == 0, added.output
    assert "30060105 added: หมู่ 5 บ้านโนนสูง ต.จักราช อ.จักราช จ.นครราชสีมา" in added.output
    same = run(loaded, "areas", "village", "add", "--subdistrict", "300601", "--moo", "05", "--name", "บ้านโนนสูง")
    assert "30060105 unchanged" in same.output
    renamed = run(loaded, "areas", "village", "add", "--subdistrict", "300601", "--moo", "หมู่ 5",
                  "--name", "บ้านโนนสูงใหม่", "--name-en", "Ban Non Sung Mai")
    assert "30060105 updated: หมู่ 5 บ้านโนนสูงใหม่" in renamed.output
    with loaded.app_context():
        village = db.session.get(Area, "30060105")
        assert (village.level, village.parent_code, village.moo, village.name_en) == (
            "village", "300601", 5, "Ban Non Sung Mai")
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.entity == "area")
                                     .order_by(AuditEntry.id)).all()
        assert [(e.action, e.entity_id) for e in entries][1:] == [("area.create", "30060105"),
                                                                  ("area.update", "30060105")]
        assert entries[-1].before["name_th"] == "บ้านโนนสูง" and entries[-1].after["name_th"] == "บ้านโนนสูงใหม่"

        person = Staff(name="ผู้ดูแลระบบ", position="x", roles=[StaffRole(role="admin", area_code="TH")])
        db.session.add(person)
        db.session.flush()
        areas.add_village("300601", 6, "บ้านหนองบัว", by=person, source="chat")
        db.session.commit()
        last = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert (last.staff_id, last.after["by"]) == (person.id, "chat")


REFUSALS = [
    ("", "5", "บ้านนา", "ไม่มีรหัสตำบล"),
    ("30060", "5", "บ้านนา", "รหัสตำบลต้องเป็นตัวเลข 6 หลัก ไม่ใช่ “30060”"),
    ("30060a", "5", "บ้านนา", "รหัสตำบลต้องเป็นตัวเลข 6 หลัก ไม่ใช่ “30060a”"),
    ("300602", "5", "บ้านนา", "ไม่พบตำบลรหัส 300602 ในทะเบียนพื้นที่ กรุณาตรวจสอบรหัส หรือนำเข้าข้อมูลพื้นที่ก่อน"),
    ("300601", "", "บ้านนา", "ไม่มีหมู่ที่"),
    ("300601", "0", "บ้านนา", "หมู่ที่ต้องเป็นเลขจำนวนเต็มตั้งแต่ 1 ถึง 99 ไม่ใช่ “0”"),
    ("300601", "100", "บ้านนา", "หมู่ที่ต้องเป็นเลขจำนวนเต็มตั้งแต่ 1 ถึง 99 ไม่ใช่ “100”"),
    ("300601", "ห้า", "บ้านนา", "หมู่ที่ต้องเป็นเลขจำนวนเต็มตั้งแต่ 1 ถึง 99 ไม่ใช่ “ห้า”"),
    ("300601", "5", "  ", "ไม่มีชื่อหมู่บ้าน"),
    ("300601", "5", "บ้าน" + "ก" * 120, "ชื่อยาวเกินไป ใส่ได้ไม่เกิน 120 ตัวอักษร"),
]


@pytest.mark.parametrize(("subdistrict", "moo", "name", "reason"), REFUSALS)
def test_a_village_that_is_not_right_is_refused_with_the_reason(loaded, subdistrict, moo, name, reason):
    result = run(loaded, "areas", "village", "add", "--subdistrict", subdistrict, "--moo", moo, "--name", name)
    assert result.exit_code == 1 and reason in result.output
    with loaded.app_context():
        assert area_count("village") == 0 and "area.create" not in audit_actions()


def test_show_prints_names_and_what_an_area_contains(loaded):
    run(loaded, "areas", "village", "add", "--subdistrict", "300601", "--moo", "1", "--name", "บ้านจักราช")
    shown = run(loaded, "areas", "show", "300601").output
    assert "ต.จักราช อ.จักราช จ.นครราชสีมา" in shown and "Chakkarat Subdistrict, Chakkarat, Nakhon Ratchasima" in shown
    assert "30060101  หมู่ 1 บ้านจักราช" in shown
    missing = run(loaded, "areas", "show", "31")
    assert missing.exit_code == 1 and "no area with code 31" in missing.output


# ---- villages from CSV --------------------------------------------------------------------------


def write(tmp_path, text: str, name="villages.csv", encoding="utf-8-sig") -> str:
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return str(path)


def test_import_stores_valid_rows_and_lists_each_bad_one_with_its_line(loaded, tmp_path):
    rows = [
        "300601,1,บ้านจักราช",
        "๓๐๐๖๐๑,หมู่ ๒,บ้านโนนสูง",  # Thai digits and "หมู่ 2"
        "300603,3,  บ้านหนองแวง  ",
        "",  # blank lines are skipped
        *(",".join(refusal[:3]) for refusal in REFUSALS),
        "300601,01,บ้านจักราชซ้ำ",
        "300601,4",  # a short row: the name is missing
    ]
    path = write(tmp_path, HEADER + "\n".join(rows) + "\n")
    result = run(loaded, "areas", "villages", "import", path)
    assert result.exit_code == 1
    assert "villages: 3 added, 0 updated, 0 unchanged, 12 rejected." in result.output
    for line, (*_, reason) in enumerate(REFUSALS, 6):
        assert f"line {line}: {reason}" in result.output
    assert "line 16: ซ้ำกับแถวที่ 2 (รหัสตำบลและหมู่ที่เดียวกัน)" in result.output
    assert "line 17: ไม่มีชื่อหมู่บ้าน" in result.output
    with loaded.app_context():
        stored = {a.code: a.name_th for a in db.session.scalars(select(Area).where(Area.level == "village"))}
        assert stored == {"30060101": "บ้านจักราช", "30060102": "บ้านโนนสูง", "30060303": "บ้านหนองแวง"}
        assert audit_actions().count("area.create") == 3

    again = run(loaded, "areas", "villages", "import", path)
    assert "villages: 0 added, 0 updated, 3 unchanged, 12 rejected." in again.output
    with loaded.app_context():
        assert audit_actions().count("area.create") == 3 and "area.update" not in audit_actions()


def test_a_corrected_file_updates_names(loaded, tmp_path):
    first = write(tmp_path, "subdistrict_code,moo,name\n300601,1,บ้านจักราช\n300601,2,บ้านโนนสุง\n", encoding="utf-8")
    assert "2 added" in run(loaded, "areas", "villages", "import", first).output
    fixed = write(tmp_path, "Subdistrict Code,Moo,Name,Name_EN\n300601,1,บ้านจักราช,\n300601,2,บ้านโนนสูง,Ban Non Sung\n",
                  name="fixed.csv")
    result = run(loaded, "areas", "villages", "import", fixed)
    assert result.exit_code == 0 and "0 added, 1 updated, 1 unchanged, 0 rejected" in result.output
    with loaded.app_context():
        assert areas.name("30060102", "en").startswith("Moo 2 Ban Non Sung, Chakkarat")
        update = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "area.update"))
        assert update.before["name_th"] == "บ้านโนนสุง" and update.after["by"] == "import:fixed.csv"


@pytest.mark.parametrize(("content", "encoding", "reason"), [
    (HEADER + "300601,1,บ้านจักราช\n", "cp874", "ไฟล์นี้ไม่ได้เข้ารหัสแบบ UTF-8 กรุณาบันทึกจาก Excel เป็นชนิด “CSV UTF-8”"),
    ("", "utf-8", "ไฟล์ว่างเปล่า ไม่มีข้อมูล"),
    ("รหัสตำบล,ชื่อหมู่บ้าน\n300601,บ้านจักราช\n", "utf-8",
     "ไฟล์ไม่มีคอลัมน์ “หมู่ที่” แถวแรกของไฟล์ต้องเป็นชื่อคอลัมน์: รหัสตำบล, หมู่ที่, ชื่อหมู่บ้าน"),
])
def test_a_file_that_cannot_be_read_is_refused_whole(loaded, tmp_path, content, encoding, reason):
    result = run(loaded, "areas", "villages", "import", write(tmp_path, content, encoding=encoding))
    assert result.exit_code == 1 and reason in result.output
    with loaded.app_context():
        assert area_count("village") == 0


# ---- in the chat --------------------------------------------------------------------------------


def test_messages_name_the_area_once_areas_are_loaded(app, new_user):
    with app.app_context():
        seed_demo()
        db.session.commit()
        thai, english = areas.name("30060101"), areas.name("30060101", "en")
    assert thai.startswith("หมู่ 1 บ้าน") and thai.endswith(" ต.จักราช อ.จักราช จ.นครราชสีมา")
    chat = new_user()
    welcome = register(chat, invite(app, "volunteer", "30060101"))
    assert thai in welcome and "หมู่บ้าน 30060101" not in welcome
    chat.say("ภาษา")
    chat.tap("English")
    assert f"Door-knock team: {english}" in chat.postback("menu=profile")
