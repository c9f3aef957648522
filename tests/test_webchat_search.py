"""Household search results in the web chat in headless Chromium, at a phone's size: one Flex list with each
head's whole name, the house number and the village, in house-number order; tapping a row opens that household's
Family Folder card."""

from models import db
from tests.helpers import add_household, add_villages, chip, demo_button, playwright_with_chromium, say, th, valid_id

expect = playwright_with_chromium().expect
SCREENSHOT = "/tmp/webchat-search.png"
LONG_NAME = "ว่าที่ร้อยตรีหญิงประภาพรรณี ศรีสวัสดิ์วัฒนากุลชัย ณ อยุธยา"
HOUSES = {"88/10": LONG_NAME, "12": "นายสมชาย ใจดี", "5": "นางมาลี มีสุข", "88/2": "นายบุญมี ศรีสุข"}


def test_search_results_are_a_list_in_house_number_order_and_a_row_opens_the_folder(page, embedded_app):
    with embedded_app.app_context():
        add_villages()
        for number, head in HOUSES.items():
            add_household("30060101", number, head, valid_id("310060012345") if number == "12" else None)
        db.session.commit()
    demo_button(page, "ทีมเคาะประตู").click()  # a volunteer of หมู่ 1
    chip(page, th("Find household")).click()
    chip(page, th("Village")).click()
    expect(page.locator(".row.bot .msg").last).to_contain_text("บ้านจักราช")
    say(page, "1")  # the first (and only) village of the area
    listing = page.locator(".row.bot .bubble").last
    expect(listing).to_contain_text(th("Households found: %(total)s (page %(page)s of %(pages)s). Tap one to "
                                       "open its folder.", total=4, page=1, pages=1))
    rows = listing.locator(".tappable")
    expect(rows).to_have_count(4)
    house = th("House %(number)s", number="%s")
    expected = [(HOUSES[number], house % number) for number in ("5", "12", "88/2", "88/10")]
    for row, (head, number) in zip(rows.all(), expected, strict=True):
        expect(row).to_contain_text(head)  # whole: nothing cut to fit a button
        expect(row).to_contain_text(f"{number} · หมู่ 1 บ้านจักราช")
    expect(rows.nth(1)).to_contain_text("x-xxxx-xxxxx-xx-" + valid_id("310060012345")[-1])  # the head's, masked
    for label in (th("New search"), th("Main menu")):
        expect(chip(page, label)).to_be_visible()
    listing.scroll_into_view_if_needed()
    page.screenshot(path=SCREENSHOT)

    rows.last.click()
    card = page.locator(".row.bot .bubble").last
    expect(card).to_contain_text(th("House %(number)s", number="88/10"))
    expect(card).to_contain_text(LONG_NAME)
