"""The rich menu under the web chat, in headless Chromium at phone size: each person sees their menu as LINE
shows it (the default one until they register, their role's after), and tapping a part of the picture does
that area's action, as a quick-reply tap would."""

import pytest

from tests.helpers import (
    bot_bubbles,
    chip,
    demo_button,
    playwright_with_chromium,
    settle,
    sync_rich_menus,
    th,
    wipe_rich_menus,
)

expect = playwright_with_chromium().expect
SCREENSHOT = "/tmp/webchat-richmenu.png"


@pytest.fixture
def synced(embedded_app, platform):
    """The bot's rich menus on the emulator, as `bin/demo` syncs them on start; none left after the test."""
    wipe_rich_menus(platform)
    sync_rich_menus(embedded_app)
    yield
    settle(embedded_app)
    wipe_rich_menus(platform)


def area(page, label: str):
    return page.locator("#richmenu-board").get_by_role("button", name=label, exact=True)


def test_a_stranger_sees_the_default_menu_and_its_area_starts_registration(page, synced):
    page.fill("#new-user-name", "สมชาย")
    page.click("#new-user-submit")
    expect(bot_bubbles(page).filter(has_text="รหัสเชิญ")).to_have_count(1)
    expect(page.locator("#richmenu-bar")).to_have_text("ลงทะเบียน")
    expect(page.locator("#richmenu-board .richmenu-area")).to_have_count(1)
    area(page, "ลงทะเบียน / Register").click()
    expect(page.locator(".row.user .msg").last).to_have_text("ลงทะเบียน / Register")
    expect(bot_bubbles(page).filter(has_text="รหัสเชิญ")).to_have_count(2)


def test_tapping_an_area_of_the_staff_menu_opens_that_item(page, synced):
    demo_button(page, "ทีมเคาะประตู").click()
    expect(chip(page, "ข้อมูลของฉัน")).to_be_visible()
    # Registering links the staff menu: the page shows it without a reload.
    expect(area(page, "ค้นหาครัวเรือน")).to_be_visible()
    expect(page.locator("#richmenu-board .richmenu-area")).to_have_count(6)
    expect(area(page, "เชิญเจ้าหน้าที่")).to_have_count(0)  # a supervisor's item
    image = page.locator("#richmenu-image")
    expect(image).to_have_js_property("naturalWidth", 2500)
    board = page.locator("#richmenu-board").bounding_box()
    assert board["width"] == page.viewport_size["width"] and board["height"] > 200  # the large size, full width
    page.screenshot(path=SCREENSHOT)

    # The person taps the picture where "ค้นหาครัวเรือน" is drawn: the middle of the top row of three.
    page.mouse.click(board["x"] + board["width"] / 2, board["y"] + board["height"] / 4)
    expect(page.locator(".row.user .msg").last).to_have_text("ค้นหาครัวเรือน")
    expect(bot_bubbles(page).last).to_contain_text(th("Find a household in your area by:"))
    expect(chip(page, th("House number"))).to_be_visible()

    # The bar under the menu folds it away and back, as LINE's does.
    page.click("#richmenu-bar")
    expect(image).to_be_hidden()
    page.click("#richmenu-bar")
    expect(image).to_be_visible()


def test_a_caretaker_sees_their_households_on_their_menu(page, synced):
    demo_button(page, "ผู้ดูแลครัวเรือน").click()
    expect(chip(page, "ข้อมูลของฉัน")).to_be_visible()
    expect(page.locator("#richmenu-board .richmenu-area")).to_have_count(8)  # with ครัวเรือนที่ดูแล, เยี่ยมบ้านประจำเดือน
    area(page, "ครัวเรือนที่ดูแล").click()
    expect(page.locator(".row.user .msg").last).to_have_text("ครัวเรือนที่ดูแล")
    expect(bot_bubbles(page).last).to_contain_text(th("No household is in your care yet. Your supervisor assigns "
                                                      "them."))
