"""The report in the chat (issue 15, point 3): a supervisor's "Report" shows their area's period as a card, with the
sub-areas, the households not visited, the file and the page a tap away, and other periods to choose. The example
is `tests.test_report`'s: three villages of อ.จักราช (two subdistricts) and one of อ.โชคชัย."""

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

from bot import report_clock
from models import db
from tests.helpers import REPORT_PERIOD as PERIOD
from tests.helpers import add_report_example, add_staff, th
from tests.helpers import flex_texts as texts

CARD = f"menu=report&period={PERIOD.key}"


def card_of(chat) -> tuple[list[str], dict]:
    """The card's texts and its footer's buttons (label: action)."""
    bubble = chat.last.messages[-1]["contents"]
    return texts(bubble), {b["action"]["label"]: b["action"] for b in bubble["footer"]["contents"]}


def supervisor(app, chat, role: str = "supervisor_district", area: str = "3006") -> None:
    with app.app_context():
        add_report_example()
        add_staff(chat.user_id, role, area, "หัวหน้า ทดสอบ")
        db.session.commit()


def test_the_report_card_sums_up_the_area_and_leads_to_the_sub_areas_and_the_page(app, new_user):
    chat = new_user("หัวหน้าอำเภอ")
    supervisor(app, chat)
    chat.postback("cmd=menu")
    assert th("Report") in chat.buttons()
    chat.postback(CARD)
    texts, footer = card_of(chat)
    assert texts[:2] == [th("Monthly report, %(month)s", month="กันยายน 2569"), "อ.จักราช"]
    assert th("Visited: %(actual)s of %(expected)s households (%(rate)s%%); by the %(day)s: %(on_time)s "
              "(%(on_time_rate)s%%).", actual="4", expected="5", rate="80.0", on_time="3", on_time_rate="60.0",
              day=20) in texts
    assert th("Counted now, late visits included: the period closed on %(date)s and is not frozen yet.",
              date="20 กันยายน 2569") in texts
    page = urlsplit(footer[th("Open the report page")]["uri"])
    assert page.netloc == "liff.line.me" and parse_qs(page.query) == {"area": ["3006"], "period": [str(PERIOD.key)]}
    assert parse_qs(urlsplit(footer[th("Download the file (XLSX)")]["uri"]).query)["file"] == ["1"]

    answer = chat.postback(footer[th("By sub-area")]["data"])
    assert th("• %(area)s: visited %(actual)s of %(expected)s (%(rate)s%%), by the report day %(on_time)s",
              area="ต.จักราช", actual=3, expected=4, rate="75.0", on_time=2) in answer
    assert "ต.ทองหลาง" in answer and "โชคชัย" not in answer
    assert th("Back to the report") in chat.buttons()


def test_the_households_not_visited_are_listed_by_caretaker_for_a_subdistrict(app, new_user):
    chat = new_user("หัวหน้าตำบล")
    supervisor(app, chat, "supervisor_subdistrict", "300601")
    chat.postback(CARD)
    _, footer = card_of(chat)
    answer = chat.postback(footer[th("Households not visited")]["data"])
    assert th("Late visits, %(month)s: %(count)s households had no monthly visit by the %(day)s.",
              month="กันยายน 2569", count=2, day=20) in answer
    assert "ผู้ดูแล หนึ่ง" in answer and "นาย3 ทดสอบ" in answer and "นาย2 ทดสอบ" in answer  # missing; late
    assert "นาย1 ทดสอบ" not in answer and "นาย4 ทดสอบ" not in answer  # visited on time; moved away


def test_a_frozen_period_is_offered_and_shows_its_late_visits(app, new_user):
    chat = new_user("หัวหน้าอำเภอ")
    supervisor(app, chat)
    with app.app_context():
        report_clock.freeze(PERIOD, "test", datetime(2026, 9, 21, 1, tzinfo=UTC))
    chat.postback("menu=report")  # this period, so far: the frozen one is offered
    chat.tap("กันยายน 2569")
    texts, _ = card_of(chat)
    assert th("Frozen at the cut-off; visits given late since: %(count)s households.", count="1") in texts
    assert th("Visited: %(actual)s of %(expected)s households (%(rate)s%%); by the %(day)s: %(on_time)s "
              "(%(on_time_rate)s%%).", actual="3", expected="5", rate="60.0", on_time="3", on_time_rate="60.0",
              day=20) in texts


def test_a_volunteer_has_no_report(app, new_user):
    chat = new_user("อาสา")
    with app.app_context():
        add_staff(chat.user_id, "volunteer", "30060101")
        db.session.commit()
    chat.postback("cmd=menu")
    assert th("Report") not in chat.buttons()
    assert "ไม่เปิดให้ท่านใช้งาน" in chat.postback(CARD)
