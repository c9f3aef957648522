"""The monthly report from the web chat in headless Chromium on a phone-sized screen (390×844), as a district
supervisor: "Report" in the menu, a frozen period chosen, then the page: the figures by subdistrict, the bars, and
the map of the located households drawn with the app's own Leaflet (no internet here: points on a plain
background). Taps counted, the page kept as a screenshot."""

from datetime import UTC, datetime

from sqlalchemy import select

from bot import report_clock
from models import Household, db
from tests.helpers import (
    LIFF_ID,
    PHONE,
    add_report_example,
    bot_bubbles,
    chip,
    demo_button,
    playwright_with_chromium,
    th,
    web_tap,
)
from tests.helpers import REPORT_PERIOD as PERIOD

expect = playwright_with_chromium().expect
SCREENSHOTS = ("/tmp/webchat-report-card.png", "/tmp/webchat-report-page.png")


def test_a_district_supervisor_opens_the_report_and_its_map(browser, platform, bot, webchat, embedded_app):
    platform.add_liff_app(LIFF_ID, bot.url + "/liff")
    with embedded_app.app_context():
        add_report_example()
        for household in db.session.scalars(select(Household).where(Household.house_number == "1",
                                                                    Household.village_code.in_(("30060101",
                                                                                                "30060301")))):
            household.latitude, household.longitude = 15.05 + household.id / 500, 102.3  # both visited on time
        db.session.commit()
        report_clock.freeze(PERIOD, "test", datetime(2026, 9, 21, 1, tzinfo=UTC))
    context = browser.new_context(viewport=PHONE, locale="th-TH")
    page = context.new_page()
    try:
        page.goto(webchat.url + "/")
        demo_button(page, "ศจพ.อ.").click()  # the district supervisor of อ.จักราช
        expect(chip(page, th("Report"))).to_be_visible()
        web_tap(page, th("Report"))  # 1: this period, so far
        web_tap(page, "กันยายน 2569")  # 2: the frozen period
        card = bot_bubbles(page).last
        expect(card).to_contain_text(th("Frozen at the cut-off; visits given late since: %(count)s households.",
                                        count="1"))
        page.screenshot(path=SCREENSHOTS[0])
        with page.expect_popup() as opened:
            card.get_by_role("button", name=th("Open the report page")).click()  # 3
        report = opened.value
        expect(report.locator("h1")).to_contain_text(f"{th('Monthly report')}: อ.จักราช")
        expect(report.locator("table.figures").first).to_contain_text("ต.ทองหลาง")
        expect(report.locator(".bar")).to_have_count(2)
        expect(report.locator("#area-map")).to_have_attribute("data-drawn", "2")  # Leaflet drew both households
        expect(report.locator("#area-map .leaflet-container, #area-map.leaflet-container")).to_have_count(1)
        expect(report.locator("#not-located")).to_contain_text(
            th("Not yet located: %(count)s households (a location is recorded at a visit or a check-in).",
               count="5"))
        report.screenshot(path=SCREENSHOTS[1], full_page=True)
        assert "บ้านนอกเขต" not in report.content()  # the other district's village
    finally:
        context.close()
