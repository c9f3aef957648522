"""The monthly report's page (issue 15, points 4-5): what a supervisor LINE vouches for reads for their area, by
sub-area, with the bars, the income trend and the map's households in their state; frozen or so far; and nothing
of an area outside theirs. The example is `tests.test_report`'s: three villages of อ.จักราช and one of อ.โชคชัย."""

import io
import json
import re
from datetime import UTC, datetime
from html import unescape

import openpyxl
import pytest
from sqlalchemy import select

from bot import report_clock
from models import AuditEntry, Household, Staff, db
from tests.helpers import LIFF_ID, add_report_example, add_staff, settle, th
from tests.helpers import REPORT_PERIOD as PERIOD

FROZEN_AT = datetime(2026, 9, 21, 1, tzinfo=UTC)  # the morning after the cut-off, before the late visit


@pytest.fixture
def example(embedded_app):
    with embedded_app.app_context():
        add_report_example()
        add_staff("U-district", "supervisor_district", "3006", "หัวหน้า อำเภอ")
        add_staff("U-subdistrict", "supervisor_subdistrict", "300603", "หัวหน้า ตำบลทองหลาง")
        located = [("30060101", "1"), ("30060101", "2"), ("30060301", "1")]  # on time, late (solved), on time
        for household in db.session.scalars(select(Household)):
            if (household.village_code, household.house_number) in located:
                household.latitude, household.longitude = 15.0 + household.id / 1000, 102.3
        outside = db.session.scalar(select(Household).where(Household.village_code == "30070101"))
        outside.latitude, outside.longitude = 14.7, 102.2
        db.session.commit()
    return embedded_app


def open_report(app, platform, user: str, query: str = f"period={PERIOD.key}"):
    token = platform.issue_id_token(user, LIFF_ID)
    return app.test_client().post(f"/liff/api/report?{query}", headers={"Authorization": f"Bearer {token}"})


def map_of(html: str) -> dict:
    return json.loads(unescape(re.search(r"data-map='([^']*)'", html).group(1)))


def rows(html: str) -> list[list[str]]:
    """The first figures table's rows, as the cells' text."""
    table = html.split('<table class="stack figures">', 1)[1].split("</table>", 1)[0]
    return [[unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table.split("<tbody>", 1)[1], re.S)]


def test_a_district_supervisor_reads_the_period_by_subdistrict_with_its_map(example, platform):
    page = open_report(example, platform, "U-district")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    html = page.json["html"]
    assert page.json["title"] == f"{th('Monthly report')} · อ.จักราช"
    assert th("Counted now, late visits included: the period closed on %(date)s and is not frozen yet.",
              date="20 กันยายน 2569") in html
    # Visits by subdistrict: due, visited, on time, rates; the late visit counts as visited, not on time.
    assert rows(html) == [["ต.จักราช", "4", "3", "2", "75.0", "50.0"], ["ต.ทองหลาง", "1", "1", "1", "100.0", "100.0"],
                          [th("All"), "5", "4", "3", "80.0", "60.0"]]
    assert 'style="width: 75.0%"' in html and 'style="width: 100.0%"' in html  # the bars
    shown = map_of(html)
    states = sorted(state for _, _, state in shown["points"])
    assert states == ["done", "done", "out_of_poverty"]  # the late household is out of poverty (solved)
    assert [round(lon, 1) for _, lon, _ in shown["points"]] == [102.3] * 3  # not the household of อ.โชคชัย
    assert th("Not yet located: %(count)s households (a location is recorded at a visit or a check-in).",
              count="4") in html
    assert "บ้านนอกเขต" not in html and "นาย1 ทดสอบ" not in html  # no other district, no household's name
    with example.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "report.view"))
        assert (entry.entity, entry.entity_id, entry.after) == ("area", "3006", {"period": PERIOD.key})


def test_a_frozen_period_shows_what_was_reported_and_the_late_visits_beside_it(example, platform):
    with example.app_context():
        assert report_clock.freeze(PERIOD, "test", FROZEN_AT) > 0
    html = open_report(example, platform, "U-district").json["html"]
    assert th("As it stood at the cut-off, frozen on %(date)s.", date="21 ก.ย. 2569 เวลา 08:00 น.") in html
    # Frozen at the cut-off the late visit was not there: 2 of 4 visited, and 1 given late since.
    assert rows(html)[0] == ["ต.จักราช", "4", "2", "2", "50.0", "50.0", "1"]


def test_a_subdistrict_supervisor_sees_their_subdistrict_and_nothing_wider(example, platform):
    html = open_report(example, platform, "U-subdistrict").json["html"]
    assert "ต.ทองหลาง" in html and "ต.จักราช" not in html
    assert rows(html)[-1] == [th("All"), "1", "1", "1", "100.0", "100.0"]
    assert len(map_of(html)["points"]) == 1
    for query in ("area=3006", "area=30", "area=TH", "area=30060101"):  # wider, or another subdistrict's village
        page = open_report(example, platform, "U-subdistrict", f"{query}&period={PERIOD.key}")
        assert page.status_code == 403 and page.json == {"message": th("This report is of an area outside yours.")}


def test_the_report_is_refused_without_line_and_for_a_period_that_does_not_exist(example, platform):
    page = example.test_client().post(f"/liff/api/report?period={PERIOD.key}")
    assert page.status_code == 401 and "ต.จักราช" not in page.text
    page = open_report(example, platform, "U-district", "period=256913")
    assert page.status_code == 404 and page.json == {"message": th("There is no such period.")}


def test_the_page_gives_the_report_file_to_its_reader_only(example, platform):
    html = open_report(example, platform, "U-subdistrict").json["html"]
    link = unescape(re.search(r'id="download" href="([^"]+)"', html).group(1))
    path = link.split("://", 1)[1].split("/", 1)[1]
    client = example.test_client()
    answer = client.get("/" + path)
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    book = openpyxl.load_workbook(io.BytesIO(answer.data), read_only=True)
    sheets = {sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)] for sheet in book.worksheets}
    villages = [row[1] for row in sheets[list(sheets)[1]][1:]]
    assert villages == ["หมู่ 1 บ้านทองหลาง"]  # the subdistrict's one village, no other
    assert client.get("/" + path[:-3] + "abc").status_code == 403  # altered
    with example.app_context():
        db.session.scalar(select(Staff).where(Staff.name == "หัวหน้า ตำบลทองหลาง")).active = False
        db.session.commit()
    assert client.get("/" + path).status_code == 403  # its signer no longer may


def test_the_income_trend_draws_the_frozen_periods_up_to_the_one_read(example, platform):
    with example.app_context():
        for period in (PERIOD.previous().previous(), PERIOD):
            report_clock.freeze(period, "test", FROZEN_AT)
    html = open_report(example, platform, "U-district").json["html"]
    points = re.search(r'<polyline points="([^"]+)"', html).group(1).split()
    labels = re.findall(r"<li><b>([\d,]+)</b> ([^<]+)</li>", html)
    assert len(points) == len(labels) == 2
    assert [label for _, label in labels] == [PERIOD.previous().previous().label("th", short=True),
                                              PERIOD.label("th", short=True)]
    assert labels[-1][0] == "40,000"  # the district's median per person per year in September


def test_the_whole_countrys_file_is_made_in_the_background_and_its_link_pushed_in_line(example, platform):
    with example.app_context():
        add_staff("U-admin", "admin", "TH", "ผู้ดูแลระบบ")
        db.session.commit()
    html = open_report(example, platform, "U-admin").json["html"]
    link = unescape(re.search(r'id="download" href="([^"]+)"', html).group(1))
    client = example.test_client()
    answer = client.get("/" + link.split("://", 1)[1].split("/", 1)[1])
    assert answer.status_code == 202 and answer.text == th(
        "The whole country's file takes a few minutes: its link will come to you in the LINE chat when it is ready.")
    settle(example)
    pushed = platform.wait_for_messages("U-admin", 1)[-1].messages[0]["text"]
    assert pushed.startswith("ไฟล์รายงานทั้งประเทศ รอบกันยายน 2569 พร้อมแล้ว (9 ครัวเรือน)")
    ready = pushed.rsplit("\n", 1)[1]
    path = "/" + ready.split("://", 1)[1].split("/", 1)[1]
    book = openpyxl.load_workbook(io.BytesIO(client.get(path).data), read_only=True)
    assert [sheet.title for sheet in book.worksheets][:2] == ["ทั้งประเทศ", "จังหวัด"]
    assert client.get(path[:-3] + "abc").status_code == 403  # altered
    with example.app_context():
        db.session.scalar(select(Staff).where(Staff.name == "ผู้ดูแลระบบ")).active = False
        db.session.commit()
    assert client.get(path).status_code == 403  # its signer no longer may
