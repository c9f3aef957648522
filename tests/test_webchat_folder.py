"""The printable Family Folder opened from the web chat in headless Chromium, as on a phone: the card's
"พิมพ์แฟ้ม" opens the LIFF page, signed in as the chat's own user, and it shows the folder; the same
address opened outside the chat shows none of it."""

from models import db
from tests.helpers import (
    LIFF_ID,
    PHONE,
    VISITOR,
    add_family,
    add_villages,
    chip,
    demo_button,
    playwright_with_chromium,
    push,
    th,
)

expect = playwright_with_chromium().expect
SCREENSHOT = "/tmp/webchat-folder.png"
CARD_SCREENSHOTS = ("/tmp/webchat-folder-card-top.png", "/tmp/webchat-folder-card-end.png")


def test_print_folder_opens_the_liff_page_for_the_chats_user(browser, platform, bot, webchat, embedded_app):
    platform.add_liff_app(LIFF_ID, bot.url + "/liff")  # the LIFF app, as registered in the LINE Login channel
    with embedded_app.app_context():
        add_villages()
        db.session.commit()
    household = add_family(embedded_app)
    context = browser.new_context(viewport=PHONE, locale="th-TH")
    page = context.new_page()
    try:
        page.goto(webchat.url + "/")
        demo_button(page, "ทีมเคาะประตู").click()  # a volunteer of หมู่ 1, where the household lives
        expect(chip(page, "ข้อมูลของฉัน")).to_be_visible()
        user_id = page.url.rsplit("user=", 1)[1]
        push(embedded_app, user_id, {"type": "text", "text": "บ้านเลขที่ 12/3", "quickReply": {"items": [
            {"type": "action", "action": {"type": "postback", "label": "แฟ้มครอบครัว",
                                          "data": f"menu=household&id={household}"}}]}})
        chip(page, "แฟ้มครอบครัว").click()
        card = page.locator(".row.bot .bubble").last
        expect(card).to_contain_text("นายสมชาย ใจดี")
        expect(card).to_contain_text(f"{th('T3 Resources')}: {th('Rented land')} 3 ไร่ 2 งาน 50 ตารางวา")
        expect(card).to_contain_text(f"{VISITOR} ({th('Village health volunteer')})")
        for edge, path in zip(("start", "end"), CARD_SCREENSHOTS, strict=True):  # taller than the phone's screen
            card.evaluate("(bubble, edge) => bubble.scrollIntoView({block: edge})", edge)
            page.screenshot(path=path)

        with page.expect_popup() as opened:
            card.get_by_role("button", name=th("Print folder")).click()
        folder = opened.value
        expect(folder.locator("h1")).to_contain_text(th("Family Folder"))
        expect(folder.locator("h1")).to_contain_text("12/3")
        expect(folder.locator("main")).to_contain_text("นางสมหญิง ใจดี")
        for section in ("T1 Outlook", "T2 Skills", "T3 Resources", "T4 Way out", "Home visits"):
            expect(folder.locator("main")).to_contain_text(th(section))
        assert folder.url == f"{bot.url}/liff/folder?household={household}"  # the token left the address bar
        expect(folder).to_have_title(f"{th('Family Folder')} · {th('House %(number)s', number='12/3')}")
        folder.screenshot(path=SCREENSHOT, full_page=True)

        # The same address outside the chat: LINE asks for a login, and nothing of the household shows.
        stranger = context.new_page()
        stranger.goto(folder.url)
        expect(stranger.locator("body")).to_contain_text("เปิดได้เฉพาะจากแชต")
        assert "นายสมชาย" not in stranger.content()
    finally:
        context.close()
