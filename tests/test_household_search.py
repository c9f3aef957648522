"""Finding households by part of the head's name at national scale, where the name index answers (a trigram
index on PostgreSQL, an FTS5 trigram table kept by triggers on SQLite): the same households LIKE finds,
kept in step with every change, and never outside the viewer's area."""

import pytest
from flask_migrate import upgrade
from sqlalchemy import select, text

from domain.step1_survey import households
from models import Area, Household, Staff, StaffRole, db
from models.household import house_order
from tests.helpers import database_at

VILLAGES = ("30060101", "31010101")  # district 3006 (นครราชสีมา) and another province (บุรีรัมย์)
HEADS = {
    "นายสมชาย ใจดี": "30060101",
    "นางสมศรี ศรีสุข": "31010101",
    "นางมาลี มีสุข": "30060101",
    "นายทองดี_ศรีสุข": "31010101",  # an underscore, as typed in a list
    "ร้าน 100% ดีมาก": "31010101",
    "ร้าน 1000 ดีมาก": "31010101",
    "John Smith": "30060101",
    'ร้าน "เจ๊หมวย"': "31010101",
}


@pytest.fixture
def staff(app) -> dict[str, int]:
    """Two villages, the households above (house number 5 in each village), a nationwide admin and a
    supervisor of district 3006; the staff ids by role."""
    with app.app_context():
        for code in VILLAGES:
            for length, level in ((2, "province"), (4, "district"), (6, "subdistrict"), (8, "village")):
                if db.session.get(Area, code[:length]) is None:
                    db.session.add(Area(code=code[:length], level=level, name_th=code[:length],
                                        parent_code=code[:length - 2] or None))
            db.session.flush()
        for n, (head, village) in enumerate(HEADS.items(), 1):
            db.session.add(Household(village_code=village, house_number="5" if n <= 2 else str(10 + n), head_name=head,
                                     source="jpt", source_year=2568))
        people = {role: Staff(name=role, position="x", roles=[StaffRole(role=role, area_code=area)])
                  for role, area in (("admin", "TH"), ("supervisor_district", "3006"))}
        db.session.add_all(people.values())
        db.session.commit()
        return {role: person.id for role, person in people.items()}


def found(role_id: int, words: str) -> set[str]:
    viewer = db.session.get(Staff, role_id)
    matches, total = households.search(viewer, words)
    assert total == len(matches)
    return {household.head_name for household in matches}


def test_a_nationwide_admin_finds_heads_by_any_part_of_a_thai_name(app, staff):
    with app.app_context():
        admin = staff["admin"]
        assert found(admin, "ใจดี") == {"นายสมชาย ใจดี"}
        assert found(admin, "ศรีสุข") == {"นางสมศรี ศรีสุข", "นายทองดี_ศรีสุข"}
        assert found(admin, "มาลี มี") == {"นางมาลี มีสุข"}  # across the space
        assert found(admin, "สุข") == {"นางสมศรี ศรีสุข", "นายทองดี_ศรีสุข", "นางมาลี มีสุข"}
        assert found(admin, "สม") == {"นายสมชาย ใจดี", "นางสมศรี ศรีสุข"}  # 1-2 characters: no trigram
        assert found(admin, "ุข") == {"นางสมศรี ศรีสุข", "นายทองดี_ศรีสุข", "นางมาลี มีสุข"}  # a vowel sign
        assert found(admin, "ศ") == {"นางสมศรี ศรีสุข", "นายทองดี_ศรีสุข"}
        assert found(admin, "สมชายใจดี") == set() and found(admin, "สมหญิง") == set()


def test_percent_underscore_and_quotes_are_letters_not_wildcards(app, staff):
    with app.app_context():
        admin = staff["admin"]
        assert found(admin, "100% ดี") == {"ร้าน 100% ดีมาก"}
        assert found(admin, "ดี_ศรี") == {"นายทองดี_ศรีสุข"}
        assert found(admin, "%") == {"ร้าน 100% ดีมาก"}
        assert found(admin, "_") == {"นายทองดี_ศรีสุข"}
        assert found(admin, "ดี%") == set() and found(admin, "ดี*") == set()
        assert found(admin, 'น "เจ๊') == found(admin, '"เจ๊หมวย"') == {'ร้าน "เจ๊หมวย"'}
        assert found(admin, "John OR Smith") == set() and found(admin, "NEAR(") == set()


def test_a_name_too_common_for_the_index_is_found_the_same(app, staff, monkeypatch):
    """On SQLite the name index is left out for a name in very many households (here 2 stands for 5,000)."""
    monkeypatch.setattr(households, "NAME_INDEX_MAX", 2)
    with app.app_context():
        admin, supervisor = staff["admin"], staff["supervisor_district"]
        assert found(admin, "ศรีสุข") == {"นางสมศรี ศรีสุข", "นายทองดี_ศรีสุข"}
        assert found(admin, "ใจดี") == {"นายสมชาย ใจดี"} and found(supervisor, "ศรีสุข") == set()


def test_latin_letters_match_case_as_each_database_always_has(app, staff):
    """LIKE: case-insensitive for ASCII letters on SQLite, case-sensitive on PostgreSQL."""
    with app.app_context():
        admin = staff["admin"]
        assert found(admin, "John Sm") == {"John Smith"}
        assert found(admin, "JOHN SM") == ({"John Smith"} if app.backend == "embedded" else set())


def test_a_renamed_head_is_found_by_the_new_name_only_and_a_deleted_household_not_at_all(app, staff):
    with app.app_context():
        admin = staff["admin"]
        household = db.session.scalar(select(Household).where(Household.head_name == "นายสมชาย ใจดี"))
        household.head_name = "นายสมชาย ใจงาม"
        db.session.commit()
        assert found(admin, "ใจดี") == set() and found(admin, "ใจงาม") == {"นายสมชาย ใจงาม"}
        db.session.delete(household)
        db.session.commit()
        assert found(admin, "ใจงาม") == set() and found(admin, "สมชาย") == set()
        db.session.add(Household(village_code="31010101", house_number="77", head_name="นางใหม่ ใจงาม", source="walk_in",
                                 source_year=2568))
        db.session.commit()
        assert found(admin, "ใจงาม") == {"นางใหม่ ใจงาม"}
        if app.backend == "embedded":  # SQLite's full-text table indexes exactly the names stored, no stale ones
            db.session.execute(text("INSERT INTO households_fts(households_fts, rank) VALUES ('integrity-check', 1)"))


def test_a_supervisor_finds_names_and_numbers_only_in_their_district(app, staff):
    with app.app_context():
        supervisor, admin = staff["supervisor_district"], staff["admin"]
        assert found(supervisor, "สม") == {"นายสมชาย ใจดี"}
        assert found(supervisor, "ศรีสุข") == set() and found(supervisor, "100%") == set()
        assert found(supervisor, "5") == {"นายสมชาย ใจดี"}
        assert found(admin, "5") == {"นายสมชาย ใจดี", "นางสมศรี ศรีสุข"}  # house number 5 in either village


def test_households_stored_before_the_name_index_are_found(emulator, tmp_path):
    """The SQLite migration that adds the index indexes the households already there."""
    with database_at(emulator.url, tmp_path / "old.sqlite3", "0004", 1, "นายเก่า ก่อนดัชนี"):
        db.session.commit()
        upgrade()
        admin = Staff(name="admin", position="x", roles=[StaffRole(role="admin", area_code="TH")])
        db.session.add(admin)
        db.session.commit()
        assert found(admin.id, "ก่อนดัชนี") == {"นายเก่า ก่อนดัชนี"}
        db.session.remove()
        db.engine.dispose()


def test_a_house_code_is_found_as_printed_with_dashes_or_thai_digits(app, staff):
    with app.app_context():
        household = db.session.scalar(select(Household).where(Household.head_name == "นายสมชาย ใจดี"))
        household.house_code = "30060012345"
        db.session.commit()
        for typed in ("30060012345", "3006-001234-5", "3006 001234 5", "๓๐๐๖-๐๐๑๒๓๔-๕"):
            assert found(staff["supervisor_district"], typed) == {"นายสมชาย ใจดี"}, typed


def test_house_numbers_sort_in_natural_order_by_their_key():
    typed = ["88/10", "12", "5", "19", "88/2", "88", "3/1", "3", "100", "12-1", "012", "ไม่มีเลข", "2/10/1", "2/9"]
    assert sorted(typed, key=lambda number: (house_order(number), number)) == [
        "ไม่มีเลข", "2/9", "2/10/1", "3", "3/1", "5", "012", "12", "12-1", "19", "88", "88/2", "88/10", "100"]
    assert house_order("9" * 30) == "30" + "9" * 30 and len(house_order("1/" * 14 + "1")) == 45  # within 64


def test_households_stored_before_the_house_order_come_in_natural_order(emulator, tmp_path):
    """The migration that adds the sort key gives one to the households already there."""
    with database_at(emulator.url, tmp_path / "old.sqlite3", "0012", 1, "นายหนึ่ง"):
        for household_id, number in ((2, "88/10"), (3, "12"), (4, "88/2"), (5, "5"), (6, "12")):
            db.session.execute(text("INSERT INTO households (id, house_number, village_code, head_name, source, "
                                    "source_year, status, test_data, created_at, updated_at) VALUES (:id, :number, "
                                    "'30060101', 'นายเก่า', 'jpt', 2568, 'open', 0, '2026-01-01', '2026-01-01')"),
                               {"id": household_id, "number": number})
        db.session.commit()
        upgrade()
        admin = Staff(name="admin", position="x", roles=[StaffRole(role="admin", area_code="TH")])
        db.session.add(admin)
        db.session.commit()
        matches, _ = households.search(admin, "")
        assert [(h.id, h.house_number) for h in matches] == [(1, "1"), (5, "5"), (3, "12"), (6, "12"), (4, "88/2"),
                                                             (2, "88/10")]
        db.session.remove()
        db.engine.dispose()


def test_a_changed_house_number_moves_the_household_to_its_place(app, staff):
    with app.app_context():
        admin = db.session.get(Staff, staff["admin"])

        def numbers() -> list[str]:
            return [h.house_number for h in households.search(admin, "", village_code="30060101")[0]]

        assert numbers() == ["5", "13", "17"]
        household = db.session.scalar(select(Household).where(Household.head_name == "John Smith"))
        household.house_number = "3"
        db.session.commit()
        assert numbers() == ["3", "5", "13"]
