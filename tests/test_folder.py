"""The Family Folder: the Flex card in the chat, and the printable page behind a 15-minute signed link."""

import json
import time
from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import urlparse

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from linebot.v3.messaging import FlexMessage
from markupsafe import escape
from sqlalchemy import select

from bot import folder
from bot.config import Config, ConfigError
from bot.thai import format_date, format_money
from emulator import validation
from models import AuditEntry, Household, Member, Problem, Staff, Visit, db, utcnow
from tests.test_households_chat import OUTSIDE, add_household, add_staff, add_villages, place, th, valid_id

HEAD_ID = valid_id("310060012345")
LATEST_VISIT = (utcnow() - timedelta(days=1)).replace(hour=20, minute=0)  # 03:00 the next day in Bangkok
SPOUSE_ID = valid_id("310060054321")


def add_family(app) -> int:
    """A welfare household of หมู่ 1 with three members, problems in two dimensions and a visit."""
    with app.app_context():
        household = add_household("30060101", "12/3", "นายสมชาย ใจดี", HEAD_ID, house_code="30060001234",
                                  classification="welfare", source_year=2564)
        household.members[0].monthly_income = Decimal("2000")
        household.members[0].birth_date = date(1950, 5, 1)
        household.members += [
            Member(name="นางสมหญิง ใจดี", relation="spouse", national_id_hash="x", national_id_last=SPOUSE_ID[-4:],
                   monthly_income=Decimal("1000"), bedridden=True, occupation="labourer"),  # as the 4ท roster keeps it
            Member(name="ด.ญ.มะลิ ใจดี", relation="child", can_work=False),
        ]
        household.problems += [
            Problem(dimension="health", indicator="ผู้ป่วยติดเตียงไม่มีผู้ดูแล", agency="รพ.สต.จักราช",
                    status="in_progress", opened_on=date(2026, 6, 1)),
            Problem(dimension="income", description="รายได้ไม่พอใช้จ่าย", status="solved",
                    opened_on=date(2026, 6, 1), solved_on=date(2026, 9, 30)),
        ]
        db.session.add(Visit(household_id=household.id, consent=True, visited_at=utcnow() - timedelta(days=40),
                             causes="old visit"))
        db.session.add(Visit(household_id=household.id, consent=True, causes="ขาดแรงงาน ผู้สูงอายุ",
                             visited_at=LATEST_VISIT,
                             acknowledged_by="นายสมชาย ใจดี", acknowledged_at=utcnow()))
        db.session.commit()
        return household.id


@pytest.fixture
def family(app, new_user):
    chat = new_user("อาสา")
    with app.app_context():
        add_villages()
        add_staff(chat.user_id, "volunteer", "30060101")
        db.session.commit()
    return chat, add_family(app)


def on_page(message: str) -> str:
    """A message as the page's HTML carries it (escaped)."""
    return str(escape(th(message)))


def texts(node) -> list[str]:
    """Every text of a Flex message, in order."""
    if isinstance(node, dict):
        own = [node["text"]] if node.get("type") == "text" else []
        return own + [t for key, value in node.items() if key != "text" for t in texts(value)]
    if isinstance(node, list):
        return [t for value in node for t in texts(value)]
    return []


def test_the_card_is_valid_flex_and_shows_the_folder(app, family):
    chat, household = family
    chat.postback(f"menu=household&id={household}")
    card = chat.last.messages[0]
    assert validation.messages_errors([card]) == []
    assert FlexMessage.from_dict(card).to_dict() == card  # well-formed for the SDK's models
    assert card["altText"] and card["contents"]["type"] == "bubble"
    shown = "\n".join(texts(card))
    assert th("House %(number)s", number="12/3") in shown and place(app, "30060101") in shown
    assert th("Head of household: %(name)s", name="นายสมชาย ใจดี") in shown
    assert th("Members: %(count)s", count=3) in shown
    assert f"นางสมหญิง ใจดี  x-xxxx-xxxxx-xx-{SPOUSE_ID[-1]}" in shown and "ด.ญ.มะลิ ใจดี  -" in shown
    assert th("Welfare") in shown
    assert th("Health") in shown and "ผู้ป่วยติดเตียงไม่มีผู้ดูแล: " + th("In progress") in shown
    assert th("Income") in shown and "รายได้ไม่พอใช้จ่าย: " + th("Solved") in shown
    assert th("Education") + " (" not in shown  # dimensions without problems are left out of the card
    assert th("Income %(amount)s per person per year; the basic-needs (จปฐ.) line is %(line)s: %(verdict)s",
              amount=format_money(12_000), line=format_money(38_000), verdict=th("below the line")) in shown
    visited = LATEST_VISIT.date() + timedelta(days=1)
    assert th("Latest visit: %(date)s", date=format_date(visited)) in shown
    serialized = json.dumps(card, ensure_ascii=False)
    assert HEAD_ID not in serialized and SPOUSE_ID not in serialized
    visit, printing = (b["action"] for b in card["contents"]["footer"]["contents"])
    assert (visit["type"], visit["data"], visit["label"]) == ("postback", f"menu=interview&household={household}",
                                                             th("Home visit (4T)"))
    assert printing["type"] == "uri" and printing["uri"].startswith("http://127.0.0.1:5000/folder/")
    assert printing["label"] == th("Print folder")
    page = app.test_client().get(urlparse(printing["uri"]).path)  # the card's own link opens the page
    assert page.status_code == 200 and "นายสมชาย ใจดี" in page.text


def test_an_empty_household_card_says_what_is_missing(app, family):
    chat, _ = family
    with app.app_context():
        bare = add_household("30060101", "8", "นางเดียว ลำพัง", source_year=2569).id
        db.session.commit()
    chat.postback(f"menu=household&id={bare}")
    shown = "\n".join(texts(chat.last.messages[0]))
    for message in ("Not classified yet", "No problems recorded yet", "Income: not recorded yet", "Not visited yet"):
        assert th(message) in shown


# ---- the printable page ---------------------------------------------------------------------------

def link_for(app, staff_name: str, household: int) -> str:
    with app.app_context():
        staff = db.session.scalar(select(Staff).where(Staff.name == staff_name))
        return urlparse(folder.link(staff, db.session.get(Household, household))).path


@pytest.fixture
def people(embedded_app):
    with embedded_app.app_context():
        add_villages()
        add_staff("U-volunteer", "volunteer", "30060101", "อาสา หมู่หนึ่ง")
        add_staff("U-other", "volunteer", OUTSIDE, "อาสา ทองหลาง")
        db.session.commit()
    return embedded_app, add_family(embedded_app)


def test_a_fresh_link_opens_the_printable_folder(people):
    app, household = people
    with app.app_context():  # a problem the 4ท checklist records by its indicator key
        db.session.add(Problem(household_id=household, dimension="living", indicator="no_toilet", status="open"))
        db.session.commit()
    page = app.test_client().get(link_for(app, "อาสา หมู่หนึ่ง", household))
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert page.headers["Cache-Control"] == "no-store" and "noindex" in page.headers["X-Robots-Tag"]
    html = page.text
    for shown in ("12/3", "30060001234", "นายสมชาย ใจดี", "นางสมหญิง ใจดี", "ด.ญ.มะลิ ใจดี", "รพ.สต.จักราช",
                  "ขาดแรงงาน ผู้สูงอายุ", f"x-xxxx-xxxxx-xx-{HEAD_ID[-1]}", on_page("Family Folder"),
                  on_page("bedridden"), on_page("cannot work"), on_page("Access to public services"),
                  format_money(2000), format_date(date(2026, 9, 30)), "ไม่มีห้องส้วม", on_page("General labour")):
        assert shown in html, shown
    assert HEAD_ID not in html and SPOUSE_ID not in html and "old visit" not in html
    assert "no_toilet" not in html and "labourer" not in html  # coded values show by their names
    assert "size: A4" in html and "max-width: 600px" in html and 'name="viewport"' in html  # A4 and phones
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "folder.view"))
        me = db.session.scalar(select(Staff).where(Staff.name == "อาสา หมู่หนึ่ง"))
        assert (entry.entity, entry.entity_id, entry.staff_id) == ("household", str(household), me.id)


def test_an_expired_link_is_refused(people):
    app, household = people

    class SixteenMinutesAgo(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - 16 * 60

    with app.app_context():
        me = db.session.scalar(select(Staff).where(Staff.name == "อาสา หมู่หนึ่ง"))
        old = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt=folder.LINK_SALT, signer=SixteenMinutesAgo)
        token = old.dumps({"household": household, "staff": me.id})
    page = app.test_client().get(f"/folder/{token}")
    assert page.status_code == 410 and page.headers["Cache-Control"] == "no-store"
    assert on_page("This link has expired. Open the household in the LINE chat again for a new link.") in page.text
    assert "นายสมชาย" not in page.text


def test_a_tampered_link_is_refused(people):
    app, household = people
    path = link_for(app, "อาสา หมู่หนึ่ง", household)
    with app.app_context():
        other = URLSafeTimedSerializer("another-secret-key-entirely", salt=folder.LINK_SALT)
        forged = other.dumps({"household": household, "staff": 1})
    for bad in (path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB"), f"/folder/{forged}", "/folder/x.y.z"):
        page = app.test_client().get(bad)
        assert page.status_code == 403, bad
        assert on_page("This link is not valid. Open the household in the LINE chat for a new link.") in page.text


def test_a_revoked_staff_members_link_stops_working(people):
    app, household = people
    path = link_for(app, "อาสา หมู่หนึ่ง", household)
    with app.app_context():
        db.session.scalar(select(Staff).where(Staff.name == "อาสา หมู่หนึ่ง")).active = False
        db.session.commit()
    page = app.test_client().get(path)
    assert page.status_code == 403 and "นายสมชาย" not in page.text
    assert on_page("You do not have access to this household's folder.") in page.text


def test_a_link_for_a_household_outside_the_area_shows_nothing(people):
    app, household = people
    page = app.test_client().get(link_for(app, "อาสา ทองหลาง", household))
    assert page.status_code == 403 and "นายสมชาย" not in page.text
    assert on_page("You do not have access to this household's folder.") in page.text
    with app.app_context():
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "folder.view")) is None


def test_the_links_base_must_be_a_web_address():
    settings = Config(LINE_CHANNEL_SECRET="0" * 32, LINE_CHANNEL_ACCESS_TOKEN="token", PUBLIC_BASE_URL="bot.example")
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL"):
        settings.validate()
