"""A welfare household's life compass built in the web chat in headless Chromium, from the Family Folder card's
button to the family's commitment, then its MOU printed from the card, as a volunteer on a phone would."""

from datetime import date

from core.thai import format_month
from models import db
from tests.helpers import (
    LIFF_ID,
    PHONE,
    add_family,
    add_villages,
    answered,
    bot_bubbles,
    chip,
    demo_button,
    playwright_with_chromium,
    push,
    th,
    web_tap,
    web_type,
)

expect = playwright_with_chromium().expect
SCREENSHOTS = ("/tmp/webchat-compass.png", "/tmp/webchat-mou.png")


def tap_label(page, label: str) -> None:
    answered(page, lambda: chip(page, label[:20]).click())


def card(page):
    return page.locator(".row.bot .bubble").last


def open_card(page, app, user_id: str, household: int) -> None:
    """The household's Family Folder card, opened from a chip (another screen's, pushed)."""
    push(app, user_id, {"type": "text", "text": "บ้านเลขที่ 12/3", "quickReply": {"items": [
        {"type": "action", "action": {"type": "postback", "label": "แฟ้มครอบครัว",
                                      "data": f"menu=household&id={household}"}}]}})
    answered(page, lambda: chip(page, "แฟ้มครอบครัว").click())


def test_a_compass_and_its_mou_in_the_web_chat(browser, platform, bot, webchat, embedded_app):
    platform.add_liff_app(LIFF_ID, bot.url + "/liff")
    with embedded_app.app_context():
        add_villages()
        db.session.commit()
    household = add_family(embedded_app)  # classified welfare at its latest visit
    page = browser.new_context(viewport=PHONE, locale="th-TH").new_page()
    page.goto(webchat.url + "/")
    demo_button(page, "ทีมเคาะประตู").click()
    expect(chip(page, "ข้อมูลของฉัน")).to_be_visible()
    user_id = page.url.rsplit("user=", 1)[1]
    open_card(page, embedded_app, user_id, household)
    answered(page, lambda: card(page).get_by_role("button", name=th("Life compass")).click())
    expect(bot_bubbles(page).last).to_contain_text(th("The team members present (names)?"))
    web_type(page, "อาสา ทดสอบ, พัฒนากร ดีงาม")
    for goal in ("Savings every month", "Good health", "Care for the elderly"):
        web_tap(page, goal)
    web_tap(page, "Nothing to note")
    expect(bot_bubbles(page).last).to_contain_text("25,000")  # the debts recorded at ท3
    web_type(page, "1,000")
    web_tap(page, "None for now")
    web_tap(page, "None for now")
    web_tap(page, "House repair")
    web_tap(page, "Done")
    web_tap(page, "Local government (อบต./เทศบาล)")
    today = date.today()
    tap_label(page, format_month(date(today.year + today.month // 12, today.month % 12 + 1, 1)))
    web_type(page, "ซ่อมหลังคาที่รั่ว")
    tap_label(page, "นางสมหญิง ใจดี")
    expect(bot_bubbles(page).last).to_contain_text(th("House repair"))  # the summary read to the family
    page.screenshot(path=SCREENSHOTS[0])
    web_tap(page, "Yes")
    expect(bot_bubbles(page).last).to_contain_text(th("Main menu: what would you like to do?"))
    expect(page.locator(".error-line")).to_have_count(0)


    open_card(page, embedded_app, user_id, household)
    expect(card(page)).to_contain_text(th("Life compass (version %(version)s)", version=1))
    with page.expect_popup() as opened:
        card(page).get_by_role("button", name=th("Print the MOU")).click()
    mou = opened.value
    expect(mou.locator("h1")).to_contain_text(th("Memorandum of understanding: life compass"))
    for shown in ("ซ่อมหลังคาที่รั่ว", "นางสมหญิง ใจดี", "พัฒนากร ดีงาม", th("Care for the elderly")):
        expect(mou.locator("main")).to_contain_text(shown)
    mou.screenshot(path=SCREENSHOTS[1], full_page=True)
