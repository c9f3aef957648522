"""Plans by agency (step 3.2): the government activities of the current compasses in an area, one sheet per agency
and a summary, written by `flask compass export`, and downloaded from the chat through a LIFF page that asks LINE
who is looking and gives them a signed download link that lives minutes."""

import io
import os
import re
from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import openpyxl
import pytest
from sqlalchemy import select

from core.thai import format_month
from domain.step2_compass import plan_links
from models import AuditEntry, Compass, CompassActivity, Staff, StaffRole, db, utcnow
from tests.helpers import LIFF_ID, VILLAGES, add_household, add_staff, add_villages, th

OTHER_DISTRICT = "30070101"  # a village of อ.โชคชัย, outside อ.จักราช (3006)
MONTH = date(2027, 3, 1)
HYPERLINK = '=HYPERLINK("http://example.invalid","ดูรายละเอียด")'


def activity(part: str, text: str, agency: str | None = None, baht: str | None = None, support: str | None = None,
             status: str = "not_started") -> CompassActivity:
    return CompassActivity(part=part, kind="other", text=text, who="x", target_month=MONTH, agency=agency,
                           support=support or f"ขอ {text}", support_baht=Decimal(baht) if baht else None,
                           status=status)


def compass(household, version: int, *activities: CompassActivity, accepted: bool = True) -> None:
    db.session.add(Compass(household_id=household.id, version=version, classification="self_development", goals={},
                           created_at=utcnow(), accepted_at=utcnow() if accepted else None,
                           activities=list(activities)))


@pytest.fixture
def compasses(app):
    """อ.จักราช: a household of ต.จักราช with three versions (the third not accepted), one of ต.ทองหลาง whose head's
    name and support look like formulas, one with only an unaccepted compass; and one household in another district."""
    with app.app_context():
        add_villages(VILLAGES | {OTHER_DISTRICT: (1, "บ้านนอกเขต")})
        first = add_household("30060101", "5", "นายหนึ่ง ใจดี", "1100700012345")
        compass(first, 1, activity("government", "ฝึกอาชีพรุ่นเก่า", "cdd", "900"))
        compass(first, 2, activity("government", "เมล็ดพันธุ์ผัก", "agriculture", "1500.50", status="under_way"),
                activity("government", "ฝึกอาชีพ", "cdd", "2000"), activity("self", "ออมเงินทุกเดือน"),
                activity("community", "กองทุนหมู่บ้าน"))
        compass(first, 3, activity("government", "ยังไม่ตกลง", "labour", "5000"), accepted=False)
        second = add_household("30060301", "12", "-นางสอง ทองหลาง")
        compass(second, 1, activity("government", "ไก่ไข่", "agriculture", support=HYPERLINK))
        draft = add_household("30060102", "7", "นายร่าง ยังไม่รับ")
        compass(draft, 1, activity("government", "ร่างที่ยังไม่ตกลง", "cdd", "700"), accepted=False)
        outside = add_household(OTHER_DISTRICT, "1", "นายนอก เขต")
        compass(outside, 1, activity("government", "นอกพื้นที่", "agriculture", "300"))
        db.session.commit()


def read(data: bytes) -> dict[str, list[list]]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return {sheet.title: [[cell.value for cell in row] for row in sheet.iter_rows()] for sheet in book}


def exported(app, tmp_path, area: str = "3006") -> tuple[dict[str, list[list]], str]:
    out = tmp_path / "plan.xlsx"
    result = app.test_cli_runner().invoke(args=["compass", "export", "--area", area, "--out", str(out)])
    assert result.exit_code == 0, result.output
    return read(out.read_bytes()), result.output


AGENCY_HEADER = ["ตำบล", "หมู่บ้าน", "บ้านเลขที่", "หัวหน้าครัวเรือน", "กิจกรรม", "การสนับสนุนที่ขอ",
                 "จำนวนเงินที่ขอ (บาท)", "เดือนเป้าหมาย", "สถานะ"]


def test_the_plan_has_a_summary_and_a_sheet_per_agency_with_thai_headers(app, compasses, tmp_path):
    sheets, output = exported(app, tmp_path)
    assert list(sheets) == ["สรุป", "สำนักงานพัฒนาชุมชน", "สำนักงานเกษตร"]  # the agencies in the chat's order
    assert sheets["สำนักงานพัฒนาชุมชน"] == [
        AGENCY_HEADER, ["ต.จักราช", "หมู่ 1 บ้านจักราช", "5", "นายหนึ่ง ใจดี", "ฝึกอาชีพ", "ขอ ฝึกอาชีพ", 2000,
                        format_month(MONTH), "ยังไม่เริ่ม"]]
    assert sheets["สรุป"][:4] == [
        ["หน่วยงาน", "จำนวนครัวเรือน", "จำนวนกิจกรรม", "กิจกรรมที่ระบุจำนวนเงิน", "จำนวนเงินที่ขอ (บาท)"],
        ["สำนักงานพัฒนาชุมชน", 1, 1, 1, 2000], ["สำนักงานเกษตร", 2, 2, 1, 1500.5],
        ["ทุกหน่วยงาน (นับครัวเรือนละครั้ง)", 2, 3, 2, 3500.5]]
    assert "อ.จักราช" in sheets["สรุป"][-1][0]
    assert "3 activities of 2 households for 2 agencies; support asked for 3,500.50 baht" in output


def test_only_current_versions_government_activities_and_households_of_the_area_appear(app, compasses, tmp_path):
    sheets, _ = exported(app, tmp_path)
    texts = {row[4] for rows in list(sheets.values())[1:] for row in rows[1:]}
    assert texts == {"ฝึกอาชีพ", "เมล็ดพันธุ์ผัก", "ไก่ไข่"}  # not the older version, the unaccepted ones, the family's
    # or the community's part, nor the other district's
    (tmp_path / "sub").mkdir()
    in_tonglang, _ = exported(app, tmp_path / "sub", "300603")  # a subdistrict: only its household
    assert [row[3] for row in in_tonglang["สำนักงานเกษตร"][1:]] == ["'-นางสอง ทองหลาง"]
    assert list(in_tonglang) == ["สรุป", "สำนักงานเกษตร"]


def test_rows_are_grouped_by_subdistrict_and_formula_like_text_is_escaped(app, compasses, tmp_path):
    sheets, _ = exported(app, tmp_path)
    rows = sheets["สำนักงานเกษตร"][1:]
    assert [row[0] for row in rows] == ["ต.จักราช", "ต.ทองหลาง"]
    assert rows[0][5:] == ["ขอ เมล็ดพันธุ์ผัก", 1500.5, format_month(MONTH), "กำลังทำ"]
    assert rows[1][3] == "'-นางสอง ทองหลาง" and rows[1][5] == "'" + HYPERLINK and rows[1][6] is None
    assert not any("1100700012345" in str(cell) or "12345" in str(cell) for row in rows for cell in row)


def test_the_command_refuses_an_unknown_area_and_never_writes_over_a_file_or_through_a_link(embedded_app, tmp_path):
    runner = embedded_app.test_cli_runner()
    with embedded_app.app_context():
        add_villages()
        db.session.commit()
    unknown = runner.invoke(args=["compass", "export", "--area", "9999", "--out", str(tmp_path / "a.xlsx")])
    assert unknown.exit_code != 0 and "no province, district or subdistrict has the code '9999'" in unknown.output
    assert not (tmp_path / "a.xlsx").exists()
    village = runner.invoke(args=["compass", "export", "--area", "30060101", "--out", str(tmp_path / "a.xlsx")])
    assert village.exit_code != 0 and not (tmp_path / "a.xlsx").exists()
    kept = tmp_path / "kept.xlsx"
    kept.write_text("earlier work")
    taken = runner.invoke(args=["compass", "export", "--area", "3006", "--out", str(kept)])
    assert taken.exit_code != 0 and "already exists" in taken.output and kept.read_text() == "earlier work"
    target, link = tmp_path / "target.txt", tmp_path / "link.xlsx"
    target.write_text("not this")
    os.symlink(target, link)
    through = runner.invoke(args=["compass", "export", "--area", "3006", "--out", str(link)])
    assert through.exit_code != 0 and target.read_text() == "not this" and link.is_symlink()


# ---- the chat's link ------------------------------------------------------------------------------

def supervisor(app, user_id: str = "U-district", role: str = "supervisor_district", area: str = "3006") -> int:
    with app.app_context():
        staff = add_staff(user_id, role, area, "ศจพ.อ. ทดสอบ")
        db.session.commit()
        return staff.id


def link_for(app, staff_id: int, area: str = "3006", now=None) -> str:
    with app.app_context():
        url, _ = plan_links.make(staff_id, area, now or utcnow())
    return url


def download(app, url: str):
    parts = urlsplit(url)
    return app.test_client().get(f"{parts.path}?{parts.query}")


def test_the_link_downloads_the_plan_unstored_and_audited_without_personal_values(app, compasses):
    staff_id = supervisor(app)
    answer = download(app, link_for(app, staff_id))
    assert answer.status_code == 200, answer.text
    assert answer.headers["Cache-Control"] == "no-store" and answer.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment" in answer.headers["Content-Disposition"]
    sheets = read(answer.data)
    assert list(sheets) == ["สรุป", "สำนักงานพัฒนาชุมชน", "สำนักงานเกษตร"]
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "plans.export"))
        assert (entry.staff_id, entry.entity_id) == (staff_id, "3006")
        assert entry.after == {"households": 2, "activities": 3, "agencies": 2, "support_baht": "3500.50",
                               "by": "link"}


def test_an_expired_or_altered_link_is_refused(app, compasses):
    staff_id = supervisor(app)
    expired = download(app, link_for(app, staff_id, now=utcnow() - timedelta(hours=25)))
    assert expired.status_code == 410 and expired.text == th(
        "This link has expired. Ask for a new one in the LINE chat: menu, then “Plans by agency”.")
    url = link_for(app, staff_id)
    province = url.replace(f"={staff_id}.3006.", f"={staff_id}.30.")  # the signature kept, the area widened
    other = url.replace(f"={staff_id}.", "=1.") if staff_id != 1 else url.replace("=1.", "=2.")
    for altered in (province, other, url[:-2], url.split("?")[0] + "?t="):
        refused = download(app, altered)
        assert refused.status_code == 403, altered
        assert refused.text == th("This link is not valid. Ask for a new one in the LINE chat: menu, then "
                                  "“Plans by agency”.")
    with app.app_context():
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "plans.export")) is None


def test_a_link_is_refused_once_its_signer_no_longer_covers_the_area(app, compasses):
    moved, revoked = supervisor(app, "U-moved"), supervisor(app, "U-revoked")
    links = {staff_id: link_for(app, staff_id) for staff_id in (moved, revoked)}
    with app.app_context():
        db.session.get(Staff, moved).roles = [StaffRole(role="supervisor_district", area_code="3007")]
        db.session.get(Staff, revoked).active = False
        db.session.commit()
    for url in links.values():
        refused = download(app, url)
        assert refused.status_code == 403 and refused.text == th("You no longer have access to this area's plans.")


def plans_page(app, area: str, headers: dict):
    """What the plans' LIFF page asks for once LINE has signed the person in."""
    return app.test_client().post(f"/liff/api/plans?area={area}", headers=headers)


def test_the_chat_links_to_a_page_that_gives_the_signed_in_supervisor_the_file(app, compasses, new_user, platform):
    chat = new_user("ศจพ.อ.")
    supervisor(app, chat.user_id)
    chat.postback("cmd=menu")
    answer = chat.tap(th("Plans by agency"))
    assert "อ.จักราช จ.นครราชสีมา" in answer and th("Plans by agency") in answer
    link = next(word for word in answer.split() if word.startswith("http"))
    assert urlsplit(link).netloc == "liff.line.me" and link.endswith("/plans?area=3006")  # grants nothing itself
    assert plans_page(app, "3006", {}).status_code == 401  # LINE has not said who is looking
    signed_in = {"Authorization": f"Bearer {platform.issue_id_token(chat.user_id, LIFF_ID)}"}
    page = plans_page(app, "3006", signed_in)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    url = re.search(r'href="([^"]+)"', page.json["html"])[1].replace("&amp;", "&")
    assert read(download(app, url).data)["สำนักงานเกษตร"][1][3] == "นายหนึ่ง ใจดี"
    with app.app_context():
        given = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "plans.link"))
        assert given.entity_id == "3006" and url not in str(given.after)
        expires = plan_links.read(parse_qs(urlsplit(url).query)["t"][0], utcnow()).expires_at
        assert expires <= utcnow() + timedelta(minutes=10)  # the download link lives minutes


def test_the_plans_page_refuses_an_area_the_signed_in_person_does_not_plan(app, compasses, new_user, platform):
    chat = new_user("ศจพ.ต.")
    supervisor(app, chat.user_id, "supervisor_subdistrict", "300601")
    signed_in = {"Authorization": f"Bearer {platform.issue_id_token(chat.user_id, LIFF_ID)}"}
    assert plans_page(app, "3006", signed_in).status_code == 403
    assert plans_page(app, "300601", signed_in).status_code == 403  # plans are made for a district or a province


def test_a_volunteer_has_no_plans_item(app, new_user):
    chat = new_user("อาสา")
    supervisor(app, chat.user_id, "volunteer", "30060101")
    chat.postback("cmd=menu")
    assert th("Plans by agency") not in chat.buttons()
    assert "ไม่เปิดให้ท่านใช้งาน" in chat.postback("menu=plans")


def test_a_nationwide_admin_is_told_plans_are_made_for_a_district_or_a_province(app, new_user):
    chat = new_user("ผู้ดูแลระบบ")
    supervisor(app, chat.user_id, "admin", "TH")
    answer = chat.postback("menu=plans")
    assert th("Plans by agency are made for a district or a province, and none of your roles is for one.") in answer
    assert "http" not in answer
