"""A caretaker's reminder in the emulator's web chat, in headless Chromium on a phone-sized screen (390×844): it
comes on the 15th with the house still to visit and the days left, one tap on the house opens its visit, and one tap
on "Not on the 15th" turns that day off; screens kept for reading."""

from models import db
from tests.helpers import HEAD, add_villages, answered, bot_bubbles, chip, demo_button, playwright_with_chromium, th
from tests.test_checkin import cared_for
from tests.test_reminders import ON_THE_15TH, reminder, tick

expect = playwright_with_chromium().expect
SCREENSHOTS = ("/tmp/webchat-reminder.png", "/tmp/webchat-reminder-visit.png", "/tmp/webchat-reminder-day-off.png")


def reminded(page, app) -> None:
    """A caretaker registered in the web chat, with house 12 in their care, reminded on the 15th."""
    with app.app_context():
        add_villages()
        db.session.commit()
    demo_button(page, "ผู้ดูแลครัวเรือน").click()
    expect(chip(page, th("Monthly visits"))).to_be_visible()
    cared_for(app, page.url.rsplit("user=", 1)[1])
    tick(app, ON_THE_15TH)
    expect(bot_bubbles(page).last).to_have_text(reminder(6, "12"))


def test_a_caretaker_gets_a_reminder_in_the_web_chat_and_one_tap_opens_the_house_visit(page, embedded_app):
    reminded(page, embedded_app)
    for label in (f"12 {HEAD}"[:20], th("Monthly visits"), th("Not on the %(day)s", day=15), th("Stop reminders")):
        expect(chip(page, label)).to_be_visible()
    page.screenshot(path=SCREENSHOTS[0])

    answered(page, lambda: chip(page, f"12 {HEAD}"[:20]).click())  # the one tap
    expect(bot_bubbles(page).last).to_contain_text(th("How did you follow up the family this month?"))
    page.screenshot(path=SCREENSHOTS[1])
    expect(page.locator(".error-line")).to_have_count(0)


def test_not_on_the_15th_from_the_reminder_in_the_web_chat(page, embedded_app):
    reminded(page, embedded_app)

    answered(page, lambda: chip(page, th("Not on the %(day)s", day=15)).click())  # the one tap
    expect(bot_bubbles(page).filter(has_text=th(
        "No more reminders on the %(day)s of the month; those of the other reminder days still come. Turn them all "
        "on again under “Monthly visits”.", day=15))).to_have_count(1)
    page.screenshot(path=SCREENSHOTS[2])
    expect(page.locator(".error-line")).to_have_count(0)
