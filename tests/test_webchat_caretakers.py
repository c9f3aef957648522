"""Assigning a caretaker in the emulator's web chat, in headless Chromium on a phone-sized screen (390×844): a
subdistrict supervisor picks the village, a household and a caretaker shown with their load, then goes on to the
village's next household in one tap."""

from sqlalchemy import select

from models import CareAssignment, db
from tests.helpers import (
    add_household,
    add_staff,
    add_villages,
    bot_bubbles,
    chip,
    demo_button,
    playwright_with_chromium,
    th,
)

expect = playwright_with_chromium().expect
SCREENSHOT = "/tmp/webchat-caretakers.png"


def test_a_supervisor_assigns_a_caretaker_and_goes_on_to_the_next_household(page, embedded_app):
    with embedded_app.app_context():
        add_villages()
        add_staff("U-caretaker", "caretaker", "30060101", "สมชาย ดูแลดี")
        for number, head in ((1, "บุญมี หนึ่ง"), (2, "บุญมา สอง")):
            add_household("30060101", str(number), head)
        db.session.commit()
    demo_button(page, "ศจพ.ต.").click()  # a subdistrict supervisor of ต.จักราช
    chip(page, th("Assign caretakers")).click()
    expect(bot_bubbles(page).last).to_contain_text(th("Which village? Its households without a caretaker are listed "
                                                      "next."))
    chip(page, "หมู่ 1 บ้านจักราช").click()
    expect(bot_bubbles(page).last).to_contain_text(th(
        "%(village)s: %(count)s households without a caretaker. Which one will you assign?",
        village="หมู่ 1 บ้านจักราช", count=2))
    chip(page, "2 บุญมา สอง").click()
    expect(bot_bubbles(page).last).to_contain_text("1. สมชาย ดูแลดี (0 ครัวเรือน)")
    chip(page, "สมชาย ดูแลดี (0)").click()
    expect(bot_bubbles(page).last).to_contain_text(th(
        "Saved: %(name)s now looks after house %(number)s (%(head)s), %(village)s: %(count)s households in all.",
        name="สมชาย ดูแลดี", number="2", head="บุญมา สอง", village="หมู่ 1 บ้านจักราช", count=1))
    chip(page, th("Next household")).click()
    expect(bot_bubbles(page).last).to_contain_text("1. 1 บุญมี หนึ่ง")
    chip(page, "1 บุญมี หนึ่ง").click()
    expect(chip(page, "สมชาย ดูแลดี (1)")).to_be_visible()  # the load has grown
    page.screenshot(path=SCREENSHOT)
    expect(page.locator(".error-line")).to_have_count(0)
    with embedded_app.app_context():
        assert len(db.session.scalars(select(CareAssignment)).all()) == 1
