"""The Family Folder: the Flex card in the chat, and the printable LIFF page, shown only to the staff member
LINE vouches for (their ID token, checked by LINE) and only for a household in their area."""

import json
import re
import time
from datetime import date, timedelta

import pytest
from linebot.v3.messaging import FlexMessage
from markupsafe import escape
from sqlalchemy import select

from bot.liff import SIGN_IN_FAILED
from core.thai import format_date, format_money, local_date
from emulator import Platform, validation
from models import AuditEntry, Household, Problem, Staff, Visit, db, utcnow
from tests.helpers import (
    HEAD_ID,
    HEALTH_NOTE,
    LATEST_VISIT,
    LIFF_ID,
    OUTSIDE,
    SECRET,
    SPOUSE_ID,
    TOKEN,
    VISITOR,
    add_family,
    add_household,
    add_staff,
    add_villages,
    place,
    th,
)
from tests.helpers import (
    flex_texts as texts,
)


@pytest.fixture
def family(app, new_user):
    chat = new_user("อาสา")
    with app.app_context():
        add_villages()
        add_staff(chat.user_id, "volunteer", "30060101")
        db.session.commit()
    return chat, add_family(app)


def on_page(message: str, **values) -> str:
    """A message as the page's HTML carries it (escaped)."""
    return str(escape(th(message, **values)))


def test_the_card_is_valid_flex_and_shows_the_folder(app, family):
    chat, household = family
    with app.app_context():
        db.session.get(Household, household).classification_reason = "ผู้สูงอายุทุกคน"
        db.session.commit()
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
    assert th("Welfare") in shown and "ผู้สูงอายุทุกคน" in shown  # the classification and why
    assert th("Health") in shown and "ผู้ป่วยติดเตียงไม่มีผู้ดูแล: " + th("In progress") in shown
    assert th("Income") in shown and "รายได้ไม่พอใช้จ่าย: " + th("Solved") in shown
    assert th("Education") + " (" not in shown  # dimensions without problems are left out of the card
    figure = th("Household income %(monthly)s a month (%(basis)s): %(amount)s per person per year",
                monthly=format_money(3_000), basis=th("the members' incomes added up"), amount=format_money(12_000))
    assert th("%(figure)s; the basic-needs (จปฐ.) line is %(line)s: %(verdict)s", figure=figure,
              line=format_money(38_000), verdict=th("below the line")) in shown
    visited = LATEST_VISIT.date() + timedelta(days=1)
    assert th("Latest visit: %(date)s", date=format_date(visited)) in shown
    serialized = json.dumps(card, ensure_ascii=False)
    assert HEAD_ID not in serialized and SPOUSE_ID not in serialized
    visit, compass, monthly, printing = (b["action"] for b in card["contents"]["footer"]["contents"])
    assert (visit["type"], visit["data"], visit["label"]) == ("postback", f"menu=interview&household={household}",
                                                             th("Home visit (4T)"))
    assert (compass["data"], compass["label"]) == (f"menu=compass&household={household}", th("Life compass"))
    assert (monthly["data"], monthly["label"]) == (f"menu=checkin&household={household}", th("Monthly visit"))
    assert printing["type"] == "uri" and printing["label"] == th("Print folder")
    assert printing["uri"] == f"https://liff.line.me/{LIFF_ID}/folder?household={household}"
    # LINE opens the link at the LIFF app's endpoint; the page's data comes with the chat user's ID token.
    platform = chat.platform
    platform.add_liff_app(LIFF_ID, "http://localhost/liff")
    liff_id, opened = platform.liff_target(printing["uri"])
    assert (liff_id, opened) == (LIFF_ID, f"http://localhost/liff/folder?household={household}")
    client = app.test_client()
    shell = client.get(opened)
    assert shell.status_code == 200 and "นายสมชาย" not in shell.text
    page = client.post(f"/liff/api/folder?household={household}",
                       headers=signed_in(platform.issue_id_token(chat.user_id, LIFF_ID)))
    assert page.status_code == 200 and "นายสมชาย ใจดี" in page.json["html"]


def test_an_empty_household_card_says_what_is_missing(app, family):
    chat, _ = family
    with app.app_context():
        bare = add_household("30060101", "8", "นางเดียว ลำพัง", source_year=2569).id
        db.session.commit()
    chat.postback(f"menu=household&id={bare}")
    shown = "\n".join(texts(chat.last.messages[0]))
    for message in ("Not classified yet", "No 4T interview with the family's consent yet",
                    "Not checked at a home visit yet", "Income: not recorded yet", "Not visited yet"):
        assert th(message) in shown
    assert th("No problem found at the home visit") not in shown  # nobody has checked yet


def test_the_card_sums_up_the_4t_answers_and_the_latest_visit_once(app, family):
    chat, household = family
    chat.postback(f"menu=household&id={household}")
    shown = texts(chat.last.messages[0])
    visited = format_date(LATEST_VISIT.date() + timedelta(days=1))
    assert th("4T answers, visit of %(date)s", date=visited) in shown
    for line in (
        f"{th('T1 Outlook')}: {th('Hopeful, wants a better life')}, {th('Willing with support')}",
        f"{th('T2 Skills')}: นายสมชาย ใจดี ({th('Farming')}, {th('Handicrafts, weaving')})",
        f"{th('T3 Resources')}: {th('Rented land')} 3 ไร่ 2 งาน 50 ตารางวา",
        f"  {th('Savings')} {format_money(1500)} · {th('Debts in the formal system')} {format_money(20_000)} · "
        f"{th('Debts outside the system')} {format_money(5000)}",
        f"  {th('Monthly income by source')}: {th('Crops')} {format_money(2000)}, "
        f"{th('State allowances')} {format_money(1000)}",
        f"{th('T4 Way out')}: {th('Develop an occupation')}",
        "  “ปลูกผักขายและเลี้ยงไก่ไข่”",
    ):
        assert line in shown, line
    # The dimensions the visit checked and found nothing in say so, rather than "no data".
    assert (f"{th('No problem found at the home visit')}: {th('Living conditions')}, {th('Education')}, "
            f"{th('Access to public services')}") in shown
    latest = [text for text in shown if text.startswith(th("Latest visit: %(date)s", date=""))]
    assert latest == [th("Latest visit: %(date)s, by %(visitor)s", date=visited,
                         visitor=f"{VISITOR} ({th('Village health volunteer')})")]


# ---- the printable page ---------------------------------------------------------------------------

def signed_in(id_token: str) -> dict:
    return {"Authorization": f"Bearer {id_token}"}


def open_folder(app, household: int, headers: dict | None = None):
    """What the LIFF page asks for once LINE has signed the person in."""
    return app.test_client().post(f"/liff/api/folder?household={household}", headers=headers or {})


@pytest.fixture
def people(embedded_app):
    with embedded_app.app_context():
        add_villages()
        add_staff("U-volunteer", "volunteer", "30060101", "อาสา หมู่หนึ่ง")
        add_staff("U-other", "volunteer", OUTSIDE, "อาสา ทองหลาง")
        db.session.commit()
    return embedded_app, add_family(embedded_app)


def refused(page, status: int, message: str) -> None:
    assert page.status_code == status, page.text
    assert page.json == {"message": th(message)} and page.headers["Cache-Control"] == "no-store"
    assert "นายสมชาย" not in page.text


def test_the_staff_member_line_vouches_for_gets_the_printable_folder(people, platform):
    app, household = people
    with app.app_context():  # a problem the 4ท checklist records by its indicator key
        db.session.add(Problem(household_id=household, dimension="living", indicator="no_toilet", status="open"))
        latest = db.session.scalar(select(Visit).where(Visit.causes != "old visit"))
        latest.staff_id = db.session.scalar(select(Staff.id).where(Staff.name == "อาสา หมู่หนึ่ง"))
        db.session.commit()
    page = open_folder(app, household, signed_in(platform.issue_id_token("U-volunteer", LIFF_ID)))
    assert page.status_code == 200 and page.mimetype == "application/json"
    assert page.headers["Cache-Control"] == "no-store" and "noindex" in page.headers["X-Robots-Tag"]
    html = page.json["html"]
    assert page.json["title"] == f"{th('Family Folder')} · {th('House %(number)s', number='12/3')}"
    for shown in ("12/3", "30060001234", "นายสมชาย ใจดี", "นางสมหญิง ใจดี", "ด.ญ.มะลิ ใจดี", "รพ.สต.จักราช",
                  "ขาดแรงงาน ผู้สูงอายุ", f"x-xxxx-xxxxx-xx-{HEAD_ID[-1]}", on_page("Family Folder"),
                  on_page("bedridden"), on_page("cannot work"), on_page("Access to public services"),
                  format_money(2000), format_date(date(2026, 9, 30)), "ไม่มีห้องส้วม", on_page("General labour"),
                  on_page("Visited by"), "อาสา หมู่หนึ่ง (อช.)"):
        assert shown in html, shown
    assert HEAD_ID not in html and SPOUSE_ID not in html and "old visit" not in html
    assert "no_toilet" not in html and "labourer" not in html  # coded values show by their names
    for dimension in ("Education", "Access to public services"):  # checked at the visit; nothing found
        assert f"<h3>{on_page(dimension)}</h3>\n    <p class=\"none\">{on_page('No problem found at the home visit')}" \
            in html
    assert on_page("None recorded") not in html
    assert html.count(HEALTH_NOTE) == 1  # the dimension's note, once, not on each of its problems
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "folder.view"))
        me = db.session.scalar(select(Staff).where(Staff.name == "อาสา หมู่หนึ่ง"))
        assert (entry.entity, entry.entity_id, entry.staff_id) == ("household", str(household), me.id)


def test_the_page_tells_the_4t_answers_and_every_visit(people, platform):
    app, household = people
    with app.app_context():  # then a visit the family refused: its answers are the older visit's
        db.session.add(Visit(household_id=household, consent=False, visited_at=utcnow(),
                             staff_id=db.session.scalar(select(Staff.id).where(Staff.name == "อาสา หมู่หนึ่ง"))))
        db.session.commit()
    html = open_folder(app, household, signed_in(platform.issue_id_token("U-volunteer", LIFF_ID))).json["html"]
    visited = format_date(LATEST_VISIT.date() + timedelta(days=1))
    answers = {
        "T1 Outlook": [("Outlook on life and work", on_page("Hopeful, wants a better life")),
                       ("Willingness to change", on_page("Willing with support")),
                       ("In the family's own words", "อยากมีรายได้เสริมที่บ้าน")],
        "T3 Resources": [("Farm land", f"{on_page('Rented land')} 3 ไร่ 2 งาน 50 ตารางวา"),
                         ("Tools and vehicles", f"{on_page('Walking tractor')}, {on_page('Water pump')}"),
                         ("Farm animals", on_page("Chickens or ducks")), ("Savings", format_money(1500)),
                         ("Debts in the formal system", format_money(20_000)),
                         ("Debts outside the system", format_money(5000)),
                         ("Monthly income by source", f"{on_page('Crops')}: {format_money(2000)}<br>"
                                                      f"{on_page('State allowances')}: {format_money(1000)}")],
        "T4 Way out": [("The way out, in the family's words", "ปลูกผักขายและเลี้ยงไก่ไข่"),
                       ("Kind of way out", on_page("Develop an occupation")),
                       ("Causes of poverty", "ขาดแรงงาน ผู้สูงอายุ"),
                       ("Acknowledged by the family", f"นายสมชาย ใจดี {visited}")],
    }
    assert f"<h2>{on_page('4T answers, visit of %(date)s', date=visited)}</h2>" in html
    for section, rows in answers.items():
        assert f"<h3>{on_page(section)}</h3>" in html
        for label, value in rows:
            assert f"<dt>{on_page(label)}</dt><dd>{value}</dd>" in html, label
    skills = [f'<td data-label="{on_page(label)}">{value}</td>' for label, value in (
        ("Name", "นายสมชาย ใจดี"), ("Skills", f"{on_page('Farming')}, {on_page('Handicrafts, weaving')}"),
        ("Work", on_page("Seasonal only")), ("Training or work wanted", "สานตะกร้าขาย"))]
    assert f"<h3>{on_page('T2 Skills')}</h3>" in html and all(cell in html for cell in skills), skills
    for code in ("rented", "walking_tractor", "poultry", "handicraft", "seasonal", "occupation", "3.625"):
        assert code not in html, code

    # Every visit, the latest first, with who made it; "latest visit" is said once, at the top.
    history = html[html.index(f"<h2>{on_page('Home visits')} (3)</h2>"):]
    assert [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", history, re.S)][1:] == [
        [format_date(local_date(utcnow())), "อาสา หมู่หนึ่ง (อช.)",
         on_page("Refused: no personal data from this visit is kept."), "-"],
        [visited, f"{VISITOR} ({on_page('Village health volunteer')})", on_page("Yes, given"), on_page("Welfare")],
        [format_date(local_date(utcnow() - timedelta(days=40))), "-", on_page("Yes, given"), "-"],
    ]
    assert html.count(on_page("Latest visit: %(date)s", date="")) == 1
    assert on_page("Latest visit: %(date)s, by %(visitor)s", date=format_date(local_date(utcnow())),
                   visitor="อาสา หมู่หนึ่ง (อช.)") in html


def test_a_page_before_any_consented_visit_says_what_is_not_checked_yet(people, platform):
    app, _ = people
    with app.app_context():  # on the imported list with one problem; the family refused the only visit
        imported = add_household("30060101", "8", "นางเดียว ลำพัง")
        imported.problems.append(Problem(dimension="living", indicator="no_clean_water", status="open"))
        db.session.add(Visit(household_id=imported.id, consent=False, visited_at=LATEST_VISIT))
        db.session.commit()
        household = imported.id
    html = open_folder(app, household, signed_in(platform.issue_id_token("U-volunteer", LIFF_ID))).json["html"]
    assert html.count(on_page("Not checked at a home visit yet")) == 4  # every dimension but living conditions
    assert on_page("No clean drinking water") in html and on_page("No problem found at the home visit") not in html
    assert on_page("No 4T interview with the family's consent yet") in html
    assert on_page("Refused: no personal data from this visit is kept.") in html  # in the visits, with its date
    assert on_page("Latest visit: %(date)s", date=format_date(LATEST_VISIT.date() + timedelta(days=1))) in html


def test_the_page_opened_without_line_shows_no_personal_data(people):
    """What a plain HTTP client holding the link gets: the page that signs in with LINE, and 401 for the data."""
    app, household = people
    shell = app.test_client().get(f"/liff/folder?household={household}")
    assert shell.status_code == 200 and shell.headers["Cache-Control"] == "no-store"
    assert "นายสมชาย" not in shell.text and "12/3" not in shell.text
    assert "/liff/sdk.js" in shell.text and LIFF_ID in shell.text and "liff.getIDToken()" in shell.text
    assert "size: A4" in shell.text and "max-width: 600px" in shell.text and 'name="viewport"' in shell.text
    for headers in ({}, {"Authorization": "Bearer"}, {"Authorization": "Basic dXNlcjpwYXNz"}, signed_in("x.y.z")):
        refused(open_folder(app, household, headers), 401, SIGN_IN_FAILED)
    with app.app_context():
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "folder.view")) is None


def test_a_forged_token_is_refused(people, platform):
    app, household = people
    elsewhere = Platform(SECRET, TOKEN).issue_id_token("U-volunteer", LIFF_ID)  # signed by someone else
    header, claims, signature = platform.issue_id_token("U-other", LIFF_ID).split(".")
    mine = platform.issue_id_token("U-volunteer", LIFF_ID).split(".")[1]
    for token in (elsewhere, f"{header}.{mine}.{signature}"):  # another's signature on my claims
        refused(open_folder(app, household, signed_in(token)), 401, SIGN_IN_FAILED)


def test_an_expired_token_is_refused(people, platform):
    app, household = people
    old = platform.issue_id_token("U-volunteer", LIFF_ID, issued_at=time.time() - 61 * 60)
    refused(open_folder(app, household, signed_in(old)), 401, SIGN_IN_FAILED)


def test_a_token_for_another_channel_is_refused(people, platform):
    app, household = people
    other_channel = platform.issue_id_token("U-volunteer", "9876543210-OtherApp")
    refused(open_folder(app, household, signed_in(other_channel)), 401, SIGN_IN_FAILED)


def test_a_household_outside_the_area_shows_nothing(people, platform):
    app, household = people
    page = open_folder(app, household, signed_in(platform.issue_id_token("U-other", LIFF_ID)))
    refused(page, 403, "You do not have access to this household's folder.")
    for unknown in (999_999, 10**20, "abc", -5):  # none of them exists; none may break the page either
        refused(open_folder(app, unknown, signed_in(platform.issue_id_token("U-volunteer", LIFF_ID))), 403,
                "You do not have access to this household's folder.")
    with app.app_context():
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "folder.view")) is None


def test_a_revoked_staff_member_or_a_stranger_sees_nothing(people, platform):
    app, household = people
    with app.app_context():
        db.session.scalar(select(Staff).where(Staff.name == "อาสา หมู่หนึ่ง")).active = False
        db.session.commit()
    for user in ("U-volunteer", "U-never-registered"):
        page = open_folder(app, household, signed_in(platform.issue_id_token(user, LIFF_ID)))
        refused(page, 403, "This page is only for registered staff.")


def test_when_line_cannot_be_reached_the_page_says_so(people, platform):
    app, household = people
    app.config["LINE_API_BASE"] = "http://127.0.0.1:9"  # nothing listens there
    page = open_folder(app, household, signed_in(platform.issue_id_token("U-volunteer", LIFF_ID)))
    refused(page, 503, "LINE could not be reached to confirm who you are. Please try again in a moment.")
