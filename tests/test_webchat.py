"""The emulator's web chat in a real headless Chromium, talking to the live bot.

The bot runs on the embedded backend (`embedded_app` served by `LiveServer`) and calls the
session's emulator; the web chat is a second `EmulatorServer` over the same `Platform`, so it
sees every message the bot sends and posts the page's events to the bot's `/callback`, and offers
one-click registration as the demo identities of a file like `flask --app wsgi demo invites` writes.
"""

import json
import re
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlparse

from sqlalchemy import update

from emulator import EmulatorServer
from emulator.driver import TINY_JPEG
from models import Invite, db, utcnow
from tests.helpers import (
    bot_bubbles,
    chip,
    demo_button,
    invite,
    open_page,
    playwright_with_chromium,
    push,
    say,
    settle,
)

expect = playwright_with_chromium().expect

SCREENSHOT = "/tmp/webchat.png"
GREETING = "สวัสดี"
# A stranger is asked for an invitation code on follow, and every answer re-asks it (with the reason),
# so each of these counts the bot's answers so far.
NOT_AVAILABLE = "รหัสเชิญ"
PLEASE_TYPE = "พิมพ์"
USER_ID_IN_URL = re.compile(r"[?&]user=U[0-9a-f]{32}$")

QUICK_REPLY = {
    "type": "text",
    "text": "ต้องการทำอะไรต่อคะ",
    "quickReply": {"items": [
        {"type": "action", "action": {"type": "message", "label": "ตกลง", "text": "ตกลง"}},
        {"type": "action", "action": {"type": "postback", "label": "เมนู", "data": "action=menu",
                                      "displayText": "เมนู"}},
    ]},
}
HOUSEHOLD_CARD = {
    "type": "flex",
    "altText": "ครัวเรือนเป้าหมาย",
    "contents": {
        "type": "bubble",
        "header": {"type": "box", "layout": "vertical", "contents": [
            {"type": "text", "text": "ครัวเรือนเป้าหมาย", "weight": "bold", "size": "lg", "color": "#1DB446"},
        ]},
        "body": {"type": "box", "layout": "vertical", "spacing": "sm", "contents": [
            {"type": "box", "layout": "baseline", "spacing": "sm", "contents": [
                {"type": "text", "text": "หัวหน้าครัวเรือน", "size": "sm", "color": "#8c8c8c", "flex": 2},
                {"type": "text", "text": "นางสมศรี ใจดี", "size": "sm", "wrap": True, "flex": 3},
            ]},
            {"type": "separator", "margin": "md"},
            {"type": "filler"},
        ]},
        "footer": {"type": "box", "layout": "vertical", "contents": [
            {"type": "button", "style": "primary", "action": {
                "type": "postback", "label": "ยืนยันข้อมูล", "data": "action=confirm&household=42",
                "displayText": "ยืนยันข้อมูล"}},
        ]},
    },
}


def user_bubbles(page):
    return page.locator(".row.user .msg")


def answers(page, text: str):
    """The bot's bubbles containing `text` (counted, so the test doesn't depend on how many
    messages the bot's other answers have)."""
    return bot_bubbles(page).filter(has_text=text)


def create_user(page, name: str) -> str:
    """Create a LINE user in the page; returns its id, read from the page's URL."""
    before = page.url
    page.fill("#new-user-name", name)
    page.click("#new-user-submit")
    expect(page).not_to_have_url(before)
    expect(page).to_have_url(USER_ID_IN_URL)
    return parse_qs(urlparse(page.url).query)["user"][0]


def open_chat_as(page, name: str) -> str:
    user_id = create_user(page, name)
    expect(bot_bubbles(page).first).to_contain_text(GREETING)
    return user_id


def events_from(app, user_id: str, event_type: str) -> list[dict]:
    """The events of this type the web chat posted to the bot for the user, oldest first."""
    settle(app)
    return [event for event in app.received.events
            if event["type"] == event_type and event["source"]["userId"] == user_id]


def test_the_bots_messages_keep_the_time_they_came_at_after_a_reload(page, platform, monkeypatch):
    open_chat_as(page, "สมชาย")
    monkeypatch.setattr(platform, "wall_clock", lambda: datetime(2026, 1, 5, 1, 7, tzinfo=UTC).timestamp())
    say(page, "สวัสดีครับ")
    expect(answers(page, NOT_AVAILABLE)).to_have_count(2)
    page.reload()
    expect(answers(page, NOT_AVAILABLE)).to_have_count(2)
    expect(page.locator(".row.bot .meta").last).to_contain_text("08:07")  # 01:07 UTC, on a phone in Bangkok


def test_a_new_user_is_greeted_and_gets_an_answer_in_thai(page, platform):
    user_id = open_chat_as(page, "สมชาย")
    assert platform.profile(user_id)["displayName"] == "สมชาย"
    expect(page.locator("#user-list")).to_contain_text("สมชาย")
    expect(page.locator(".row.center .system")).to_contain_text("follow")
    expect(page.locator(".row.bot .kind").first).to_have_text("reply")

    say(page, "สวัสดีครับ")
    expect(user_bubbles(page)).to_have_text(["สวัสดีครับ"])
    expect(page.locator("#text-input")).to_have_value("")
    expect(answers(page, NOT_AVAILABLE)).to_have_count(2)
    expect(page.locator(".error-line")).to_have_count(0)

    # The user stays in the URL: a reload shows the same conversation, in order.
    page.reload()
    expect(page.locator("#chat-name")).to_have_text("สมชาย")
    expect(answers(page, NOT_AVAILABLE)).to_have_count(2)
    shown = page.locator(".row .msg, .row .system").all_inner_texts()
    first = [next(i for i, text in enumerate(shown) if wanted in text)
             for wanted in ("follow", GREETING, "สวัสดีครับ", "ตรวจสอบแล้ว")]
    assert first == sorted(first), shown

    # Another user has a conversation of their own; picking the first one again brings it back.
    page.click("#users-open")
    other = open_chat_as(page, "สมศักดิ์")
    expect(user_bubbles(page)).to_have_count(0)
    page.click("#users-open")
    page.locator(f"#user-list button[data-user-id=\"{user_id}\"]").click()
    expect(user_bubbles(page)).to_have_text(["สวัสดีครับ"])
    assert other != user_id
    assert parse_qs(urlparse(page.url).query)["user"] == [user_id]


def test_a_push_with_quick_replies_arrives_live_and_its_chips_send(page, embedded_app, platform):
    user_id = open_chat_as(page, "สมหญิง")
    raw = "<b>ไม่ใช่ตัวหนา</b>\nบรรทัดที่สอง"
    push(embedded_app, user_id, {"type": "text", "text": raw}, QUICK_REPLY)

    expect(answers(page, QUICK_REPLY["text"])).to_have_count(1)
    assert answers(page, "ไม่ใช่ตัวหนา").inner_text() == raw  # escaped, newline kept
    expect(page.locator("#log b")).to_have_count(0)
    expect(page.locator(".row.bot .kind").last).to_have_text("push")
    chips = page.locator("#chips .chip")
    expect(chips).to_have_text(["ตกลง", "เมนู"])

    chips.filter(has_text="ตกลง").click()
    expect(user_bubbles(page).last).to_have_text("ตกลง")
    expect(answers(page, NOT_AVAILABLE)).to_have_count(2)
    expect(chips.filter(has_text="ตกลง")).to_have_count(0)  # the push's chips are gone; the reply may bring its own

    push(embedded_app, user_id, QUICK_REPLY)
    expect(answers(page, QUICK_REPLY["text"])).to_have_count(2)
    chips.filter(has_text="เมนู").click()
    expect(user_bubbles(page).last).to_have_text("เมนู")
    expect(answers(page, PLEASE_TYPE)).to_have_count(3)
    expect(chips.filter(has_text="เมนู")).to_have_count(0)
    assert [event["postback"] for event in events_from(embedded_app, user_id, "postback")] == [
        {"data": "action=menu"}
    ]
    assert [event["message"]["text"] for event in events_from(embedded_app, user_id, "message")] == ["ตกลง"]
    pushed = [r["json"] for r in platform.requests if r["path"] == "/v2/bot/message/push"]
    assert [body["to"] for body in pushed if QUICK_REPLY in body["messages"]] == [user_id] * 2


def test_a_pushed_flex_bubble_is_readable_and_its_button_posts_back(page, embedded_app):
    user_id = open_chat_as(page, "ผู้ใหญ่บ้าน")
    push(embedded_app, user_id, HOUSEHOLD_CARD)

    card = page.locator(".row.bot .bubble")
    expect(card).to_have_count(1)
    expect(card.locator(".header")).to_have_text("ครัวเรือนเป้าหมาย")
    expect(card.locator(".header .fx-text")).to_have_css("font-weight", "700")
    label, value = card.get_by_text("หัวหน้าครัวเรือน"), card.get_by_text("นางสมศรี ใจดี")
    expect(label).to_be_visible()
    expect(value).to_be_visible()
    expect(label).to_have_css("color", "rgb(140, 140, 140)")
    # The baseline box sets its two texts side by side, label first.
    label_box, value_box = label.bounding_box(), value.bounding_box()
    assert label_box["x"] + label_box["width"] <= value_box["x"] + 1
    assert abs(label_box["y"] - value_box["y"]) < 8
    expect(card.locator(".fx-separator")).to_have_count(1)
    page.screenshot(path=SCREENSHOT)

    card.get_by_role("button", name="ยืนยันข้อมูล").click()
    expect(user_bubbles(page).last).to_have_text("ยืนยันข้อมูล")
    expect(answers(page, PLEASE_TYPE)).to_have_count(2)
    assert [event["postback"] for event in events_from(embedded_app, user_id, "postback")] == [
        {"data": "action=confirm&household=42"}
    ]


def test_an_image_the_preset_location_and_a_sticker_reach_the_bot(page, embedded_app, platform):
    user_id = open_chat_as(page, "อสม. มาลี")

    page.set_input_files("#image-input", files=[{"name": "บ้าน.jpg", "mimeType": "image/jpeg", "buffer": TINY_JPEG}])
    expect(page.locator(".row.user img")).to_have_count(1)
    expect(answers(page, PLEASE_TYPE)).to_have_count(2)

    page.click("#location-button")
    expect(user_bubbles(page).last).to_contain_text("อำเภอจักราช")
    expect(answers(page, PLEASE_TYPE)).to_have_count(3)

    page.click("#sticker-button")
    expect(user_bubbles(page).last).to_have_text("[sticker 446/1988]")
    expect(answers(page, PLEASE_TYPE)).to_have_count(4)

    image, location, sticker = [event["message"] for event in events_from(embedded_app, user_id, "message")]
    assert image["type"] == "image" and image["contentProvider"] == {"type": "line"}
    assert platform.content(image["id"]) == (TINY_JPEG, "image/jpeg")
    assert location["type"] == "location" and "อำเภอจักราช" in location["title"]
    assert (location["latitude"], location["longitude"]) == (15.0167, 102.4333)
    assert (sticker["type"], sticker["packageId"], sticker["stickerId"]) == ("sticker", "446", "1988")
    # The user's own image is shown again from the emulator after a reload.
    page.reload()
    expect(page.locator(".row.user img")).to_have_js_property("naturalWidth", 1)


def test_a_volunteer_registers_by_typing_and_tapping_like_a_person(page, embedded_app):
    code = invite(embedded_app, "volunteer", "30060101")
    open_chat_as(page, "สมศรี")
    expect(answers(page, "รหัสเชิญ 8 หลัก")).to_have_count(1)

    say(page, f"{code[:4]} {code[4:]}")
    expect(answers(page, "ชื่อและนามสกุล")).to_have_count(1)
    say(page, "สมศรี ใจดี")
    chip(page, "พัฒนากร").click()
    expect(answers(page, "เบอร์โทรศัพท์มือถือ")).to_have_count(1)
    say(page, "081-234-5678")
    chip(page, "ใช่").click()

    welcome = answers(page, "ทีมเคาะประตู")
    expect(welcome).to_have_count(1)
    expect(welcome).to_contain_text("สมศรี ใจดี")
    expect(chip(page, "ข้อมูลของฉัน")).to_be_visible()
    expect(chip(page, "เชิญเจ้าหน้าที่")).to_have_count(0)
    expect(user_bubbles(page)).to_have_text([f"{code[:4]} {code[4:]}", "สมศรี ใจดี", "พัฒนากร", "081-234-5678",
                                             "ใช่"])
    expect(page.locator(".error-line")).to_have_count(0)


def test_one_click_registers_a_subdistrict_supervisor_once_per_code(page, platform, demo_identities):
    identity = next(identity for identity in json.loads(demo_identities.read_text(encoding="utf-8"))["identities"]
                    if identity["label"] == "ศจพ.ต.")
    demo_button(page, "ศจพ.ต.").click()

    expect(page).to_have_url(USER_ID_IN_URL)
    expect(page.locator("#chat-name")).to_have_text(identity["name"])
    expect(page.locator(".row.center .system")).to_contain_text("follow")
    # The whole exchange, as if a person had typed and tapped it.
    expect(user_bubbles(page)).to_have_text(
        [identity["codes"][0], identity["name"], identity["position"], identity["phone"], "ใช่"])
    expect(answers(page, identity["name"]).last).to_contain_text("ศจพ.ต.")
    expect(chip(page, "เชิญเจ้าหน้าที่")).to_be_visible()
    expect(page.locator("#demo-status")).to_contain_text("ลงทะเบียน ศจพ.ต. แล้ว")
    expect(page.locator(".error-line")).to_have_count(0)

    # The file held one code for it: a second click says so and creates nobody.
    users = len(platform.users())
    page.click("#users-open")
    demo_button(page, "ศจพ.ต.").click()
    expect(page.locator("#demo-status")).to_contain_text("ใช้หมดแล้ว")
    expect(page.locator("#demo-status")).to_have_class(re.compile("error"))
    assert len(platform.users()) == users


def test_one_click_stops_with_the_reason_when_the_bot_refuses_a_step(page, embedded_app):
    with embedded_app.app_context():
        db.session.execute(update(Invite).values(expires_at=utcnow()))  # every code has just expired
        db.session.commit()
    demo_button(page, "ผู้ดูแลระบบ").click()

    expect(page.locator("#demo-status")).to_contain_text("ผู้ดูแลระบบ ไม่สำเร็จ ที่ขั้นรหัสเชิญ")
    expect(page.locator(".row.user .error-line")).to_contain_text("ถามคำถามเดิม")
    expect(answers(page, "หมดอายุ")).to_have_count(1)
    expect(user_bubbles(page)).to_have_count(1)


def test_a_webhook_that_answers_an_error_shows_it_under_the_message(browser, platform, bot):
    with EmulatorServer(platform, webhook_url=bot.url + "/no-such-callback") as broken:
        context, page = open_page(browser, broken.url + "/")
        try:
            expect(page.locator("#demo")).to_have_count(0)  # no identities file, no quick registration
            create_user(page, "ทดสอบ")
            expect(page.locator(".row.center .error-line")).to_contain_text("404")
            page.fill("#text-input", "ฮัลโหล")
            page.click("#send-button")
            expect(page.locator(".row.user .error-line")).to_contain_text("HTTP 404")
        finally:
            context.close()
