"""A caretaker's monthly visit in the emulator's web chat, in headless Chromium on a phone-sized screen (390×844):
"Monthly visits" from the menu, the household's row, then one tap per question to the summary and "Save", the
house's location shared once on the way; taps counted, screens kept for reading."""

from sqlalchemy import select

from models import CheckIn, Household, Staff, db
from tests.helpers import add_villages, answered, bot_bubbles, chip, demo_button, playwright_with_chromium, th, web_tap
from tests.test_checkin import ACTIVITIES, cared_for, this_period

expect = playwright_with_chromium().expect
SCREENSHOTS = ("/tmp/webchat-checkin-list.png", "/tmp/webchat-checkin-summary.png", "/tmp/webchat-checkin-saved.png")


def test_a_caretaker_records_a_monthly_visit_in_the_web_chat(page, embedded_app):
    with embedded_app.app_context():
        add_villages()
        db.session.commit()
    demo_button(page, "ผู้ดูแลครัวเรือน").click()
    expect(chip(page, th("Monthly visits"))).to_be_visible()
    user_id = page.url.rsplit("user=", 1)[1]
    household_id = cared_for(embedded_app, user_id, located=False)
    taps = 0

    def tap(message: str, **values) -> None:
        nonlocal taps
        taps += 1
        web_tap(page, th(message, **values)) if not values else answered(
            page, lambda: chip(page, th(message, **values)[:20]).click())

    tap("Monthly visits")
    listing = bot_bubbles(page).last
    expect(listing).to_contain_text(th("Not yet visited"))
    page.screenshot(path=SCREENSHOTS[0])
    taps += 1
    answered(page, lambda: listing.get_by_text("นายสมชาย ใจดี").click())
    expect(bot_bubbles(page).last).to_contain_text(th("How did you follow up the family this month?"))
    tap("Met at home")
    taps += 1
    answered(page, lambda: (page.fill("#text-input", "6000"), page.press("#text-input", "Enter")))
    expect(bot_bubbles(page).last).to_contain_text(ACTIVITIES[0])
    tap("No change on any")
    tap("Nothing changed")
    expect(bot_bubbles(page).last).to_contain_text(th("The house has no location yet: at the house, tap “Share "
                                                      "location” and send it (asked once)."))
    tap("Share location")
    tap("Skip")  # no photo
    tap("Skip")  # no note
    expect(bot_bubbles(page).last).to_contain_text(th("Location of the house: shared"))
    page.screenshot(path=SCREENSHOTS[1])
    tap("Save")
    expect(bot_bubbles(page).nth(-2)).to_contain_text(th("Saved: the visit of house %(number)s for %(month)s.",
                                                         number="12", month=this_period(embedded_app).label("th")))
    page.screenshot(path=SCREENSHOTS[2])
    expect(page.locator(".error-line")).to_have_count(0)
    assert taps <= 12, f"{taps} taps and messages"
    with embedded_app.app_context():
        stored = db.session.scalar(select(CheckIn))
        assert stored.monthly_income == 6000 and stored.household_id == household_id
        assert db.session.get(Staff, stored.staff_id).name == "บุญมา ทองคำ"
        assert db.session.get(Household, household_id).latitude is not None
