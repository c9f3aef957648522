"""Caretakers (step 4.1) below the chat: assignments keep their history, loads are counted, a caretaker's scope holds
their area and their own households; and `flask --app wsgi caretakers assign FILE`, all rows or none."""

import csv
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot import outbox, privacy
from domain.step1_survey import households
from domain.step1_survey.importer import report_path
from domain.step4_care import caretakers
from models import AuditEntry, CareAssignment, Household, OutboxMessage, Staff, db, utcnow
from tests.helpers import OUTSIDE, add_household, add_staff, add_villages, place, th


@pytest.fixture
def area(app, new_user) -> dict:
    """A district supervisor of อ.จักราช, a volunteer; caretakers of หมู่ 1 (two) and of ต.ทองหลาง; households
    1–7 in หมู่ 1, one in หมู่ 2 and one in ต.ทองหลาง. Their ids by name, and the caretakers' chats. The messages
    the commands queue are sent at the end, as the app's sweep would."""
    chats = {name: new_user(name) for name in ("somchai", "somying", "outsider")}
    with app.app_context():
        add_villages()
        ids = {"district": add_staff("U-district", "supervisor_district", "3006", "ศจพ.อ. จักราช").id,
               "volunteer": add_staff("U-volunteer", "volunteer", "30060101", "อาสา").id,
               "province": add_staff("U-province", "supervisor_province", "30", "ศจพ.จ.").id,
               "somchai": add_staff(chats["somchai"].user_id, "caretaker", "30060101", "สมชาย ดูแลดี").id,
               "somying": add_staff(chats["somying"].user_id, "caretaker", "30060101", "สมหญิง ใจงาม").id,
               "outsider": add_staff(chats["outsider"].user_id, "caretaker", OUTSIDE, "มานี นอกเขต").id}
        for number in range(1, 8):
            ids[f"house {number}"] = add_household("30060101", str(number), f"ครอบครัว {number}",
                                                   house_code=f"3006000{number:04d}").id
        ids["moo 2"] = add_household("30060102", "5", "มานะ หมู่สอง").id
        ids["outside"] = add_household(OUTSIDE, "7", "สมชาย นอกเขต").id
        db.session.commit()
    yield ids | {"chats": chats}
    send_pushes(app)


def assign(house: int, caretaker: int, by: int | None = None) -> caretakers.Assignment:
    done = caretakers.assign(db.session.get(Household, house), db.session.get(Staff, caretaker),
                             db.session.get(Staff, by) if by else None, utcnow())
    db.session.add_all(done.records)
    db.session.commit()
    return done


# ---- the domain ---------------------------------------------------------------------------------------

def test_a_reassignment_ends_the_one_in_force_and_keeps_the_history(app, area):
    with app.app_context():
        assign(area["house 1"], area["somchai"], area["district"])
        assign(area["house 2"], area["somchai"], area["district"])
        assert caretakers.loads([area["somchai"], area["somying"]]) == {area["somchai"]: 2, area["somying"]: 0}
        assign(area["house 1"], area["somying"], area["district"])
        assert assign(area["house 1"], area["somying"]).started is None  # theirs already: nothing changes
        first, second = caretakers.history(area["house 1"])
        assert (first.caretaker_id, first.assigned_by, first.ended_by) == (area["somchai"], area["district"],
                                                                           area["district"])
        assert first.ended_at == second.started_at and second.ended_at is None
        assert second.caretaker_id == area["somying"]
        assert caretakers.loads([area["somchai"], area["somying"]]) == {area["somchai"]: 1, area["somying"]: 1}
        assert [h.house_number for h in caretakers.in_care_of(db.session.get(Staff, area["somchai"]))] == ["2"]


def test_households_of_a_village_with_and_without_a_caretaker_in_house_number_order(app, area):
    with app.app_context():
        assign(area["house 3"], area["somchai"])
        district = db.session.get(Staff, area["district"])
        without, total = caretakers.in_village(district, "30060101", with_caretaker=False)
        assert [h.house_number for h in without] == ["1", "2", "4", "5", "6", "7"] and total == 6
        assert [h.house_number for h in caretakers.in_village(district, "30060101", with_caretaker=True)[0]] == ["3"]
        assert [s.name for s in caretakers.candidates("30060101")] == ["สมชาย ดูแลดี", "สมหญิง ใจงาม"]
        assert caretakers.candidates("30060102") == []


def test_a_caretakers_scope_is_their_area_and_their_own_households(app, area):
    with app.app_context():
        somchai = db.session.get(Staff, area["somchai"])
        households.get(somchai, area["house 1"])  # in their role's area
        for elsewhere in ("outside", "moo 2"):
            with pytest.raises(households.NotFound):
                households.get(somchai, area[elsewhere])
        assign(area["outside"], area["somchai"])
        assert households.get(somchai, area["outside"]).head_name == "สมชาย นอกเขต"
        assert "สมชาย นอกเขต" in [h.head_name for h in households.search(somchai, "นอกเขต")[0]]
        volunteer = db.session.get(Staff, area["volunteer"])  # not a caretaker: assignments don't widen it
        with pytest.raises(households.NotFound):
            households.get(volunteer, area["outside"])
        assign(area["outside"], area["outsider"])  # given to someone else: no longer his
        with pytest.raises(households.NotFound):
            households.get(somchai, area["outside"])
        outsider = db.session.get(Staff, area["outsider"])
        outsider.active = False  # revoked: nothing at all
        db.session.commit()
        with pytest.raises(households.NotFound):
            households.get(outsider, area["outside"])


def test_erasing_a_household_erases_its_assignments(app, area):
    with app.app_context():
        assign(area["house 1"], area["somchai"])
        assign(area["house 1"], area["somying"])
        privacy.erase(area["house 1"], "request 1", operator="test")
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(CareAssignment)) == 0


# ---- the command line --------------------------------------------------------------------------------

HEADER = ["รหัสหมู่บ้าน", "บ้านเลขที่", "รหัสประจำบ้าน", "รหัสผู้ดูแล"]


def write_csv(path: Path, rows: list[list]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def run(app, path: Path, staff_id: int, *options: str):
    return app.test_cli_runner().invoke(args=["caretakers", "assign", str(path), "--as", str(staff_id), *options])


def send_pushes(app) -> None:
    """What the app's next sweep does with the messages a command queued."""
    with app.app_context():
        for push in db.session.scalars(select(OutboxMessage.id).where(OutboxMessage.status == "pending")).all():
            outbox.deliver(push)


def rejected(path: Path) -> dict[int, list[str]]:
    with report_path(path).open(encoding="utf-8-sig", newline="") as file:
        rows = list(csv.reader(file))
    assert rows[0] == ["แถวที่", *HEADER, "เหตุผล"]
    return {int(row[0]): row[1:] for row in rows[1:]}


def assignments(app) -> list[tuple]:
    with app.app_context():
        return db.session.execute(select(CareAssignment.household_id, CareAssignment.caretaker_id,
                                         CareAssignment.ended_at.is_(None)).order_by(CareAssignment.id)).all()


def test_a_good_file_assigns_every_row_tells_each_caretaker_and_again_changes_nothing(app, area, tmp_path, platform):
    path = write_csv(tmp_path / "care.csv", [
        ["30060101", "1", "", area["somchai"]],
        ["", "", "3006-000-0002", area["somchai"]],  # by its house code, written as on the house registration
        ["30060101", "3", "", f"{area['somying']}"],
    ])
    result = run(app, path, area["district"])
    assert result.exit_code == 0, result.output
    assert th("Households given a caretaker: %(count)s, given another caretaker: %(moved)s, unchanged: "
              "%(unchanged)s", count=3, moved=0, unchanged=0) in result.output
    assert rejected(path) == {}
    assert assignments(app) == [(area["house 1"], area["somchai"], True), (area["house 2"], area["somchai"], True),
                                (area["house 3"], area["somying"], True)]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "care.assign", AuditEntry.staff_id == area["district"])) == 3
    send_pushes(app)
    [told] = platform.wait_for_messages(area["chats"]["somchai"].user_id, 1)
    text = told.messages[0]["text"]
    assert "ศจพ.อ. จักราช" in text and "บ้านเลขที่ 1 (ครอบครัว 1)" in text and "บ้านเลขที่ 2 (ครอบครัว 2)" in text

    again = run(app, write_csv(tmp_path / "care-again.csv", [["30060101", "1", "", area["somchai"]],
                                                             ["30060101", "3", "", area["somchai"]]]), area["district"])
    assert th("Households given a caretaker: %(count)s, given another caretaker: %(moved)s, unchanged: "
              "%(unchanged)s", count=0, moved=1, unchanged=1) in again.output
    assert assignments(app)[2:] == [(area["house 3"], area["somying"], False), (area["house 3"], area["somchai"], True)]
    send_pushes(app)  # the previous caretaker is told which is no longer theirs; the unchanged row tells nobody
    somchai, somying = area["chats"]["somchai"].user_id, area["chats"]["somying"].user_id
    moved = th("House %(number)s (%(head)s), %(village)s: now in the care of %(name)s", number="3", head="ครอบครัว 3",
               village=place(app, "30060101", full=False), name="สมชาย ดูแลดี")
    assert platform.wait_for_messages(somying, 2)[-1].messages[0]["text"] == th(
        "No longer in your care (given to another caretaker by %(by)s):\n%(households)s", by="ศจพ.อ. จักราช",
        households=f"• {moved}")
    given = platform.wait_for_messages(somchai, 2)[-1].messages[0]["text"]
    assert "บ้านเลขที่ 3 (ครอบครัว 3)" in given and "บ้านเลขที่ 1 (ครอบครัว 1)" not in given
    assert len(platform.received(somchai)) == len(platform.received(somying)) == 2


def test_a_file_with_rejected_rows_reports_each_in_thai_and_stores_nothing(app, area, tmp_path):
    path = write_csv(tmp_path / "care.csv", [
        ["30060101", "1", "", area["somchai"]],  # good, yet not stored: the file is all or nothing
        ["30060101", "99", "", area["somchai"]],  # no such house
        [OUTSIDE, "7", "", area["outsider"]],  # outside the district? no: inside อ.จักราช, good
        ["30060101", "2", "", "abc"],  # not a staff ID
        ["30060101", "4", "", area["outsider"]],  # a caretaker of another village
        ["30060101", "5", "", area["volunteer"]],  # not a caretaker
        ["", "", "30060000001", area["somying"]],  # house 1 again, by its code
    ])
    result = run(app, path, area["district"])
    assert result.exit_code == 1
    assert th("Nothing was stored: correct the rejected rows and run the file again.") in result.output
    not_theirs = "รหัสเจ้าหน้าที่ %s ไม่ใช่ผู้ดูแลครัวเรือนของหมู่บ้านนี้"
    assert rejected(path) == {
        3: ["30060101", "99", "", str(area["somchai"]), th("no such household in your area")],
        5: ["30060101", "2", "", "abc", not_theirs % "abc"],
        6: ["30060101", "4", "", str(area["outsider"]), not_theirs % area["outsider"]],
        7: ["30060101", "5", "", str(area["volunteer"]), not_theirs % area["volunteer"]],
        8: ["", "", "30060000001", str(area["somying"]), th("the same household as line %(line)s", line=2)],
    }
    assert assignments(app) == []


def test_a_load_above_the_limit_is_rejected_unless_confirmed_and_then_listed(app, area, tmp_path):
    rows = [["30060101", str(number), "", area["somchai"]] for number in range(1, 7)]  # six: one above 5
    path = write_csv(tmp_path / "care.csv", rows)
    refused = run(app, path, area["district"])
    assert refused.exit_code == 1 and assignments(app) == []
    assert all("--over-limit" in line[-1] for line in rejected(path).values()) and len(rejected(path)) == 6
    confirmed = run(app, path, area["district"], "--over-limit")
    assert confirmed.exit_code == 0, confirmed.output
    assert th("%(name)s looks after %(count)s households, more than %(max)s.", name="สมชาย ดูแลดี", count=6,
              max=5) in confirmed.output
    assert len(assignments(app)) == 6


def test_a_dry_run_checks_and_reports_but_stores_nothing(app, area, tmp_path):
    path = write_csv(tmp_path / "care.csv", [["30060101", "1", "", area["somchai"]]])
    result = run(app, path, area["district"], "--dry-run")
    assert result.exit_code == 0 and th("Dry run: nothing was stored.") in result.output
    assert th("Households given a caretaker: %(count)s, given another caretaker: %(moved)s, unchanged: "
              "%(unchanged)s", count=1, moved=0, unchanged=0) in result.output
    assert assignments(app) == []


def test_only_administrators_and_subdistrict_or_district_supervisors_assign_inside_their_area(app, area, tmp_path):
    path = write_csv(tmp_path / "care.csv", [["30060101", "1", "", area["somchai"]]])
    for who in ("volunteer", "province", "somchai"):
        result = run(app, path, area[who])
        assert result.exit_code != 0
        assert th("Only administrators and subdistrict or district supervisors may assign caretakers.") \
            in result.output
    with app.app_context():
        subdistrict = add_staff("U-tonglang", "supervisor_subdistrict", OUTSIDE[:6], "ศจพ.ต. ทองหลาง").id
        db.session.commit()
    result = run(app, write_csv(tmp_path / "other.csv", [["30060101", "1", "", area["somchai"]]]), subdistrict)
    assert result.exit_code == 1 and rejected(tmp_path / "other.csv")[2][-1] == th("no such household in your area")


def test_a_file_without_the_columns_is_refused_before_any_row(app, area, tmp_path):
    path = tmp_path / "care.csv"
    path.write_text("ชื่อ,นามสกุล\nสมชาย,ดูแลดี\n", encoding="utf-8")
    result = run(app, path, area["district"])
    assert result.exit_code != 0
    assert th("The file has no header row with the columns %(columns)s.",
              columns="รหัสหมู่บ้าน, บ้านเลขที่, รหัสประจำบ้าน, รหัสผู้ดูแล") in result.output


# ---- loads of an area --------------------------------------------------------------------------------

def loads(app, code: str):
    return app.test_cli_runner().invoke(args=["caretakers", "loads", "--area", code])


def test_loads_list_each_caretaker_of_the_area_flag_those_above_the_limit_and_total_them(app, area):
    with app.app_context():
        for number in range(1, 7):  # six: one above CARETAKER_MAX_HOUSEHOLDS (5)
            assign(area[f"house {number}"], area["somchai"])
        assign(area["moo 2"], area["outsider"])  # a caretaker of another subdistrict holding one of its households
        db.session.get(Staff, area["outsider"]).active = False  # then revoked: still listed, the household is his
        db.session.commit()
    result = loads(app, "300601")
    assert result.exit_code == 0, result.output
    village_1, village_2 = place(app, "30060101", full=False), place(app, "30060102", full=False)
    assert result.output.splitlines() == [
        th("Caretakers in %(area)s (at most %(max)s households each):", area=place(app, "300601"), max=5),
        "• " + th("%(name)s (staff ID %(id)s): %(count)s households in %(villages)s", name="มานี นอกเขต",
                  id=area["outsider"], count=1, villages=village_2) + " " + th("[revoked]"),
        "• " + th("%(name)s (staff ID %(id)s): %(count)s households in %(villages)s", name="สมชาย ดูแลดี",
                  id=area["somchai"], count=6, villages=village_1) + " " + th("[above the limit]"),
        "• " + th("%(name)s (staff ID %(id)s): no households yet", name="สมหญิง ใจงาม", id=area["somying"]),
        th("Total: %(people)s caretakers, %(above)s of them above the limit; households with a caretaker: %(cared)s, "
           "without one: %(without)s", people=3, above=1, cared=7, without=1),  # house 7 of หมู่ 1 has none
    ]
    village = loads(app, OUTSIDE)  # the revoked caretaker's own village: no caretaker left, one household without
    assert village.output.splitlines()[1:] == [
        th("No caretaker is registered here yet."),
        th("Total: %(people)s caretakers, %(above)s of them above the limit; households with a caretaker: %(cared)s, "
           "without one: %(without)s", people=0, above=0, cared=0, without=1)]


def test_loads_of_a_village_list_the_caretakers_of_its_subdistrict_too(app, area):
    with app.app_context():
        subdistrict = add_staff("U-subdistrict", "caretaker", "300601", "สมใจ ทั้งตำบล").id
        assign(area["moo 2"], subdistrict)
        db.session.commit()
    listed = loads(app, "30060102").output.splitlines()
    assert listed[1:] == [
        "• " + th("%(name)s (staff ID %(id)s): %(count)s households in %(villages)s", name="สมใจ ทั้งตำบล",
                  id=subdistrict, count=1, villages=place(app, "30060102", full=False)),
        th("Total: %(people)s caretakers, %(above)s of them above the limit; households with a caretaker: %(cared)s, "
           "without one: %(without)s", people=1, above=0, cared=1, without=0)]


@pytest.mark.parametrize("code", ["99", "3006010", "จักราช", ""])
def test_loads_of_an_unknown_area_say_so_in_thai(app, area, code):
    result = loads(app, code)
    assert result.exit_code == 2
    assert th("No province, district, subdistrict or village has the code %(code)s.", code=code) in result.output
