"""Choosing an area by name in the emulator's web chat, in headless Chromium on a phone-sized screen: a district
supervisor inviting a volunteer types part of a village's name that two villages share, and taps the right one."""

from sqlalchemy import select

from models import Invite, db
from tests.helpers import VILLAGES, add_villages, bot_bubbles, chip, demo_button, playwright_with_chromium, say, th

expect = playwright_with_chromium().expect
SCREENSHOT = "/tmp/webchat-areas.png"
SAME_NAMES = VILLAGES | {"30060103": (3, "บ้านหนองไผ่"), "30060304": (4, "บ้านหนองไผ่")}


def test_a_supervisor_finds_a_village_by_part_of_its_name_and_taps_it(page, embedded_app):
    with embedded_app.app_context():
        add_villages(SAME_NAMES)
        db.session.commit()
    demo_button(page, "ศจพ.อ.").click()  # a district supervisor of อ.จักราช
    chip(page, th("Invite staff")).click()
    chip(page, th("Door-knock team")).click()
    asked = bot_bubbles(page).last
    expect(asked).to_contain_text(th("Which village or subdistrict is this person for?"))
    expect(chip(page, "ต.ทองหลาง")).to_be_visible()  # the subdistricts and villages of the district, by name

    say(page, "หนองไผ่")
    several = bot_bubbles(page).last
    expect(several).to_contain_text(th("Several places match “%(text)s”. Tap the one you mean, or type more of the "
                                       "name:", text="หนองไผ่"))
    expect(several).to_contain_text("2. หมู่ 4 บ้านหนองไผ่ ต.ทองหลาง")
    expect(chip(page, "ม.3 หนองไผ่ ต.จักราช")).to_be_visible()
    expect(chip(page, "ม.4 หนองไผ่ ทองหลาง")).to_be_visible()
    page.screenshot(path=SCREENSHOT)

    chip(page, "ม.4 หนองไผ่ ทองหลาง").click()
    expect(bot_bubbles(page).last).to_contain_text(th("The person's name (optional; tap Skip if you don't know it)."))
    chip(page, th("Skip")).click()
    expect(bot_bubbles(page).last).to_contain_text("หมู่ 4 บ้านหนองไผ่ ต.ทองหลาง อ.จักราช จ.นครราชสีมา")
    chip(page, th("Yes")).click()
    expect(bot_bubbles(page).last).to_contain_text(th("Main menu: what would you like to do?"))
    expect(page.locator(".error-line")).to_have_count(0)
    with embedded_app.app_context():
        assert db.session.scalar(select(Invite.area_code).where(Invite.created_by.is_not(None))) == "30060304"
