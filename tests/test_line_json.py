"""A message's JSON written in one pass (`core.line_json`) is the SDK's own, nested models and aliases included."""

from linebot.v3.messaging import (
    FlexBox,
    FlexBubble,
    FlexButton,
    FlexMessage,
    FlexText,
    PostbackAction,
    QuickReply,
    QuickReplyItem,
    TextMessage,
    URIAction,
)

from core import line_json


def test_a_nested_message_is_written_as_the_sdk_writes_it_with_unset_fields_left_out():
    button = FlexButton(action=URIAction(label="เปิดแฟ้ม", uri="https://example.org/f/1"), style="primary")
    card = FlexMessage(altText="แฟ้มครอบครัว", contents=FlexBubble(body=FlexBox(layout="vertical", contents=[
        FlexText(text="บ้านเลขที่ 12", weight="bold", wrap=True), button])),
        quickReply=QuickReply(items=[QuickReplyItem(action=PostbackAction(label="เยี่ยมบ้าน", data="menu=checkin",
                                                                          displayText="เยี่ยมบ้าน"))]))
    written = line_json.of(card)
    assert written == card.to_dict()
    assert written["quickReply"]["items"][0]["action"] == {
        "type": "postback", "label": "เยี่ยมบ้าน", "data": "menu=checkin", "displayText": "เยี่ยมบ้าน"}
    assert line_json.of(TextMessage(text="สวัสดี")) == {"type": "text", "text": "สวัสดี"}
