"""The LINE platform emulator, exercised through the real line-bot-sdk v3 client over HTTP."""

import json
import re
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pydantic.v1
import pytest
import requests
from flask import Blueprint, abort, request
from linebot.v3 import WebhookParser
from linebot.v3.exceptions import InvalidSignatureError
from linebot.v3.messaging import (
    ApiClient,
    ApiException,
    Configuration,
    FlexBox,
    FlexBubble,
    FlexCarousel,
    FlexMessage,
    FlexText,
    MessageAction,
    MessagingApi,
    MessagingApiBlob,
    MulticastRequest,
    PostbackAction,
    PushMessageRequest,
    QuickReply,
    QuickReplyItem,
    ReplyMessageRequest,
    RichMenuArea,
    RichMenuBounds,
    RichMenuRequest,
    RichMenuSize,
    ShowLoadingAnimationRequest,
    TextMessage,
)
from linebot.v3.webhooks import (
    Event,
    FollowEvent,
    ImageMessageContent,
    LocationMessageContent,
    MessageEvent,
    PostbackEvent,
    StickerMessageContent,
    TextMessageContent,
    UnfollowEvent,
)

import emulator.server
from emulator import EmulatorServer, LineDriver, Platform, webchat
from emulator.driver import TINY_JPEG

SECRET = "emulator-test-channel-secret"
TOKEN = "emulator-test-access-token"
ULID_PATTERN = re.compile(r"[0-9A-HJKMNP-TV-Z]{26}")


class FakeClock:
    """Stands in for time.monotonic so expiry and rate windows are tested without sleeping."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def echo_bot(line_platform: Platform, api_host: str) -> Blueprint:
    """A minimal bot: checks the signature and replies to each text with the same text."""
    bot = Blueprint("echo_bot", __name__)
    parser = WebhookParser(SECRET)
    configuration = Configuration(host=api_host, access_token=TOKEN)

    @bot.post("/callback")
    def callback():
        try:
            events = parser.parse(request.get_data(as_text=True), request.headers.get("X-Line-Signature", ""))
        except InvalidSignatureError:
            abort(400)
        with ApiClient(configuration) as client:
            for event in events:
                if isinstance(event, MessageEvent) and isinstance(event.message, TextMessageContent):
                    MessagingApi(client).reply_message(
                        ReplyMessageRequest(
                            reply_token=event.reply_token, messages=[TextMessage(text=event.message.text)]
                        )
                    )
        return "OK"

    return bot


@pytest.fixture(scope="module")
def clock():
    return FakeClock()


@pytest.fixture(scope="module")
def shared_platform(clock):
    return Platform(SECRET, TOKEN, clock=clock)


@pytest.fixture(scope="module")
def server(shared_platform):
    emulator = EmulatorServer(shared_platform)
    emulator.app.register_blueprint(echo_bot(shared_platform, emulator.url))
    with emulator.start():
        yield emulator


@pytest.fixture
def line_platform(shared_platform, server):
    shared_platform.reset()
    return shared_platform


@pytest.fixture
def user(line_platform):
    return line_platform.add_user(Platform.new_user_id(), "สมชาย ใจดี")["userId"]


@pytest.fixture(scope="module")
def api_client(server):
    with ApiClient(Configuration(host=server.url, access_token=TOKEN)) as client:
        yield client


@pytest.fixture
def api(api_client):
    return MessagingApi(api_client)


@pytest.fixture
def blob_api(api_client):
    return MessagingApiBlob(api_client)


@pytest.fixture
def driver(line_platform, server):
    return LineDriver(line_platform, server.url + "/callback")


def error_of(caught: pytest.ExceptionInfo) -> dict:
    return json.loads(caught.value.body)


def push(api: MessagingApi, to: str, text: str = "hello", **kwargs):
    return api.push_message(PushMessageRequest(to=to, messages=[TextMessage(text=text)]), **kwargs)


# ---- reply tokens ----------------------------------------------------------------------------


def test_reply_token_works_once(api, line_platform, user):
    request = ReplyMessageRequest(
        reply_token=line_platform.issue_reply_token(user), messages=[TextMessage(text="สวัสดีครับ")]
    )

    response = api.reply_message(request)

    assert response.sent_messages[0].id.isdigit() and response.sent_messages[0].quote_token
    [delivery] = line_platform.received(user)
    assert (delivery.kind, delivery.messages) == ("reply", [{"type": "text", "text": "สวัสดีครับ"}])
    with pytest.raises(ApiException) as caught:
        api.reply_message(request)
    assert caught.value.status == 400
    assert error_of(caught) == {"message": "Invalid reply token"}
    assert len(line_platform.received(user)) == 1


def test_an_outside_load_generator_gets_reply_tokens_that_work_once(api, server, line_platform, user):
    answer = requests.post(f"{server.url}/_emulator/reply-tokens", json={"user_id": user, "count": 2}, timeout=5)
    first, second = answer.json()["reply_tokens"]
    for token in (first, second):
        api.reply_message(ReplyMessageRequest(reply_token=token, messages=[TextMessage(text="สวัสดีครับ")]))
    assert [delivery.kind for delivery in line_platform.received(user)] == ["reply", "reply"]
    with pytest.raises(ApiException):
        api.reply_message(ReplyMessageRequest(reply_token=first, messages=[TextMessage(text="again")]))
    refused = requests.post(f"{server.url}/_emulator/reply-tokens", json={"user_id": user, "count": 1001}, timeout=5)
    assert refused.status_code == 400 and "count" in refused.json()["message"]


def test_reply_token_expires_after_ttl(api, line_platform, clock, user):
    fresh = line_platform.issue_reply_token(user)
    stale = line_platform.issue_reply_token(user)
    clock.advance(59)
    api.reply_message(ReplyMessageRequest(reply_token=fresh, messages=[TextMessage(text="in time")]))
    clock.advance(1)

    with pytest.raises(ApiException) as caught:
        api.reply_message(ReplyMessageRequest(reply_token=stale, messages=[TextMessage(text="late")]))

    assert caught.value.status == 400
    assert [delivery.messages[0]["text"] for delivery in line_platform.received(user)] == ["in time"]


def test_reply_refuses_a_retry_key(api, line_platform, user):
    request = ReplyMessageRequest(
        reply_token=line_platform.issue_reply_token(user), messages=[TextMessage(text="x")]
    )

    with pytest.raises(ApiException) as caught:
        api.reply_message(request, _headers={"X-Line-Retry-Key": str(uuid.uuid4())})

    assert caught.value.status == 400
    assert line_platform.received(user) == []


# ---- push, multicast, retry keys -------------------------------------------------------------


def test_push_with_a_retry_key_is_delivered_once(api, line_platform, user):
    retry_key = str(uuid.uuid4())
    request = PushMessageRequest(to=user, messages=[TextMessage(text="once")])
    first = api.push_message_with_http_info(request, x_line_retry_key=retry_key)

    with pytest.raises(ApiException) as caught:
        api.push_message(request, x_line_retry_key=retry_key)

    assert caught.value.status == 409
    assert error_of(caught) == {"message": "The retry key is already accepted"}
    assert caught.value.headers["x-line-accepted-request-id"] == first.headers["x-line-request-id"]
    [delivery] = line_platform.received(user)
    assert (delivery.retry_key, delivery.request_id) == (retry_key, first.headers["x-line-request-id"])


def test_retry_key_is_forgotten_after_24_hours(api, line_platform, clock, user):
    retry_key = str(uuid.uuid4())
    push(api, user, x_line_retry_key=retry_key)
    clock.advance(24 * 60 * 60)

    push(api, user, x_line_retry_key=retry_key)

    assert len(line_platform.received(user)) == 2


def test_retry_key_must_be_a_uuid(api, line_platform, user):
    with pytest.raises(ApiException) as caught:
        push(api, user, x_line_retry_key="not-a-uuid")

    assert caught.value.status == 400
    assert line_platform.received(user) == []


def test_push_to_an_unknown_user_is_accepted_and_recorded(api, line_platform):
    stranger = Platform.new_user_id()

    response = api.push_message_with_http_info(
        PushMessageRequest(to=stranger, messages=[TextMessage(text="hi")])
    )

    assert response.status_code == 200 and response.headers["x-line-request-id"]
    assert line_platform.received(stranger)[0].kind == "push"


def test_multicast_delivers_to_each_recipient(api, line_platform):
    recipients = [Platform.new_user_id() for _ in range(3)]
    retry_key = str(uuid.uuid4())
    request = MulticastRequest(to=recipients, messages=[TextMessage(text="ประกาศ")])

    assert api.multicast(request, x_line_retry_key=retry_key) == {}
    with pytest.raises(ApiException) as caught:
        api.multicast(request, x_line_retry_key=retry_key)

    assert caught.value.status == 409
    deliveries = line_platform.messages_for(None)
    assert sorted(delivery.user_id for delivery in deliveries) == sorted(recipients)
    assert {delivery.kind for delivery in deliveries} == {"multicast"}
    assert len({delivery.request_id for delivery in deliveries}) == 1


def test_wrong_access_token_is_refused(server, line_platform, user):
    with (
        ApiClient(Configuration(host=server.url, access_token="wrong")) as client,
        pytest.raises(ApiException) as caught,
    ):
        push(MessagingApi(client), user)

    assert caught.value.status == 401
    assert error_of(caught)["message"].startswith("Authentication failed")
    assert line_platform.requests[-1]["headers"]["Authorization"] == "Bearer wrong"
    assert line_platform.received(user) == []


# ---- request validation ----------------------------------------------------------------------


def test_six_messages_are_refused(api, line_platform, user):
    six = [TextMessage(text=str(n)) for n in range(6)]
    # The SDK refuses this before sending; construct() skips its check to reach the platform's.
    with pytest.raises(pydantic.v1.ValidationError):
        PushMessageRequest(to=user, messages=six)

    with pytest.raises(ApiException) as caught:
        api.push_message(PushMessageRequest.construct(to=user, messages=six))

    assert caught.value.status == 400
    assert error_of(caught)["details"] == [
        {"message": "Size must be between 1 and 5", "property": "messages"}
    ]
    assert line_platform.received(user) == []


def test_more_than_500_multicast_recipients_are_refused(api, line_platform):
    recipients = [Platform.new_user_id() for _ in range(501)]
    messages = [TextMessage(text="too many")]
    with pytest.raises(pydantic.v1.ValidationError):
        MulticastRequest(to=recipients, messages=messages)

    with pytest.raises(ApiException) as caught:
        api.multicast(MulticastRequest.construct(to=recipients, messages=messages))

    assert caught.value.status == 400
    assert error_of(caught)["details"][0]["property"] == "to"
    assert line_platform.messages_for(None) == []


def quick_reply_message(items: int) -> TextMessage:
    item = QuickReplyItem(action=MessageAction(label="ok", text="ok"))
    return TextMessage(text="choose", quick_reply=QuickReply.construct(items=[item] * items))


def carousel_message(bubbles: int) -> FlexMessage:
    bubble = FlexBubble(body=FlexBox(layout="vertical", contents=[FlexText(text="card")]))
    return FlexMessage(alt_text="cards", contents=FlexCarousel(contents=[bubble] * bubbles))


def flex_message(alt_text_length: int = 5, text_bytes: int = 3) -> FlexMessage:
    """A bubble whose JSON carries a text of `text_bytes` bytes (Thai letters take 3 each, "x" 1)."""
    text = "ก" * (text_bytes // 3) + "x" * (text_bytes % 3)
    bubble = FlexBubble(body=FlexBox(layout="vertical", contents=[FlexText(text=text)]))
    return FlexMessage(alt_text="ก" * alt_text_length, contents=bubble)


BUBBLE_OVERHEAD = len(json.dumps(flex_message(text_bytes=0).contents.to_dict(), separators=(",", ":")))


def postback_message(data_length: int) -> TextMessage:
    action = PostbackAction.construct(label="go", data="d" * data_length)
    return TextMessage(text="choose", quick_reply=QuickReply(items=[QuickReplyItem(action=action)]))


@pytest.mark.parametrize(
    ("too_big", "just_right", "prop"),
    [
        (TextMessage(text="ก" * 5001), TextMessage(text="ก" * 5000), "messages[0].text"),
        (quick_reply_message(14), quick_reply_message(13), "messages[0].quickReply.items"),
        (postback_message(301), postback_message(300), "messages[0].quickReply.items[0].action.data"),
        (carousel_message(13), carousel_message(12), "messages[0].contents.contents"),
        (flex_message(alt_text_length=1501), flex_message(alt_text_length=1500), "messages[0].altText"),
        (flex_message(text_bytes=30_001 - BUBBLE_OVERHEAD), flex_message(text_bytes=30_000 - BUBBLE_OVERHEAD),
         "messages[0].contents"),
    ],
    ids=["text", "quick-reply", "postback-data", "carousel", "flex-alt-text", "bubble-size"],
)
def test_message_limits(api, line_platform, user, too_big, just_right, prop):
    with pytest.raises(ApiException) as caught:
        api.push_message(PushMessageRequest.construct(to=user, messages=[too_big]))

    assert caught.value.status == 400
    assert [detail["property"] for detail in error_of(caught)["details"]] == [prop]
    api.push_message(PushMessageRequest.construct(to=user, messages=[just_right]))
    assert len(line_platform.received(user)) == 1


# ---- behaviour knobs -------------------------------------------------------------------------


def test_rate_limit_answers_429_until_the_second_is_over(api, line_platform, clock, user):
    line_platform.rate_limit_per_second = 2
    push(api, user)
    push(api, user)

    with pytest.raises(ApiException) as caught:
        push(api, user)
    assert caught.value.status == 429

    clock.advance(1)
    push(api, user)
    assert len(line_platform.received(user)) == 3


def test_line_rate_limits_are_per_endpoint(api, line_platform, clock, user):
    line_platform.rate_limits = {"/v2/bot/message/multicast": 2, "/v2/bot/message/push": 3}
    request = MulticastRequest(to=[user], messages=[TextMessage(text="ประกาศ")])
    api.multicast(request)
    api.multicast(request)
    with pytest.raises(ApiException) as caught:
        api.multicast(request)
    assert caught.value.status == 429
    for _ in range(3):
        push(api, user)  # multicast's limit is not push's
    with pytest.raises(ApiException):
        push(api, user)

    clock.advance(1)
    api.multicast(request)
    push(api, user)
    assert len(line_platform.received(user)) == 7


def test_the_message_quota_counts_pushes_and_multicast_recipients_not_replies(api, line_platform, driver, user):
    line_platform.message_quota = 5
    assert api.get_message_quota().to_dict() == {"type": "limited", "value": 5}
    driver.send(driver.text(user, "hello"))  # the echo bot replies: free
    push(api, user)
    api.multicast(MulticastRequest(to=[user, Platform.new_user_id(), Platform.new_user_id()],
                                   messages=[TextMessage(text="ประกาศ"), TextMessage(text="สอง")]))
    assert api.get_message_quota_consumption().total_usage == 4
    with pytest.raises(ApiException) as caught:
        api.multicast(MulticastRequest(to=[user, Platform.new_user_id()], messages=[TextMessage(text="เกิน")]))
    assert caught.value.status == 429 and error_of(caught) == {"message": "You have reached your monthly limit."}
    push(api, user)
    assert api.get_message_quota_consumption().total_usage == 5

    line_platform.message_quota = None
    assert api.get_message_quota().to_dict() == {"type": "none"}


def test_a_push_to_a_user_who_blocked_the_bot_is_refused_and_a_multicast_skips_them(api, line_platform, user):
    other = Platform.new_user_id()
    line_platform.block(user)
    with pytest.raises(ApiException) as caught:
        push(api, user)
    assert caught.value.status == 400 and error_of(caught) == {"message": "Failed to send messages"}
    api.multicast(MulticastRequest(to=[user, other], messages=[TextMessage(text="ประกาศ")]))
    assert line_platform.received(user) == [] and len(line_platform.received(other)) == 1


def test_injected_failure_then_success(api, line_platform, user):
    line_platform.fail_next("/v2/bot/message/push", 500)

    with pytest.raises(ApiException) as caught:
        push(api, user)
    assert caught.value.status == 500
    assert error_of(caught) == {"message": "Injected failure"}

    push(api, user)
    assert len(line_platform.received(user)) == 1
    assert [entry["status"] for entry in line_platform.requests] == [500, 200]


def test_held_answer_times_the_client_out_but_the_push_happened(api, line_platform, user):
    retry_key = str(uuid.uuid4())
    line_platform.fail_next("/v2/bot/message/push", status=None, delay=0.3)

    with pytest.raises(Exception, match="timed out"):
        push(api, user, x_line_retry_key=retry_key, _request_timeout=0.05)
    with pytest.raises(ApiException) as caught:
        push(api, user, x_line_retry_key=retry_key)

    assert caught.value.status == 409
    assert [entry["status"] for entry in line_platform.requests] == [200, 409]
    assert len(line_platform.received(user)) == 1


def test_hold_stops_calls_until_released(api, line_platform, user):
    gate = line_platform.hold("/v2/bot/message/push")

    with ThreadPoolExecutor(max_workers=1) as pool:
        pushing = pool.submit(push, api, user, "held")
        assert gate.wait_until_held(5)
        assert line_platform.received(user) == [] and line_platform.requests == []
        gate.release()
        pushing.result(timeout=5)

    assert len(line_platform.received(user)) == 1
    push(api, user, "not held any more")


def test_latency_delays_every_answer(api, line_platform, user, monkeypatch):
    waits = []
    monkeypatch.setattr(emulator.server, "time", SimpleNamespace(time=time.time, sleep=waits.append))  # no waiting
    line_platform.latency_ms = 150

    api.get_profile(user)

    assert waits[0] == 0.15  # before the answer, in seconds


# ---- profile, loading animation, content -----------------------------------------------------


def test_profile_of_known_and_unknown_users(api, line_platform, user):
    profile = api.get_profile(user)
    assert (profile.user_id, profile.display_name, profile.language) == (user, "สมชาย ใจดี", "th")

    with pytest.raises(ApiException) as caught:
        api.get_profile(Platform.new_user_id())
    assert caught.value.status == 404
    assert error_of(caught) == {"message": "Not found"}


def test_loading_animation(api, line_platform, user):
    response = api.show_loading_animation_with_http_info(
        ShowLoadingAnimationRequest(chat_id=user, loading_seconds=10)
    )
    assert response.status_code == 202
    assert line_platform.requests[-1]["json"] == {"chatId": user, "loadingSeconds": 10}

    # The SDK checks only the 5..60 range; being a multiple of 5 is left to the platform.
    with pytest.raises(ApiException) as caught:
        api.show_loading_animation(ShowLoadingAnimationRequest(chat_id=user, loading_seconds=7))
    assert caught.value.status == 400


def test_image_content_round_trip(blob_api, driver, user):
    event = driver.image(user)

    assert blob_api.get_message_content(event["message"]["id"]) == TINY_JPEG
    with pytest.raises(ApiException) as caught:
        blob_api.get_message_content(Platform.new_message_id())
    assert caught.value.status == 404


# ---- rich menus ------------------------------------------------------------------------------


def test_rich_menu_lifecycle(api, blob_api, line_platform, user):
    menu = RichMenuRequest(
        size=RichMenuSize(width=2500, height=843),
        selected=False,
        name="main",
        chat_bar_text="เมนู",
        areas=[
            RichMenuArea(
                bounds=RichMenuBounds(x=0, y=0, width=2500, height=843),
                action=PostbackAction(data="menu=home"),
            )
        ],
    )
    rich_menu_id = api.create_rich_menu(menu).rich_menu_id
    assert rich_menu_id.startswith("richmenu-")

    with pytest.raises(ApiException) as caught:
        api.link_rich_menu_id_to_user(user, rich_menu_id)
    assert error_of(caught) == {"message": "An image has not been uploaded to the richmenu"}

    # Without an explicit Content-Type the SDK tries to send the bytes as JSON and fails.
    blob_api.set_rich_menu_image(rich_menu_id, TINY_JPEG, _headers={"Content-Type": "image/jpeg"})
    assert blob_api.get_rich_menu_image(rich_menu_id) == TINY_JPEG
    api.link_rich_menu_id_to_user(user, rich_menu_id)
    api.set_default_rich_menu(rich_menu_id)

    assert api.get_rich_menu_id_of_user(user).rich_menu_id == rich_menu_id
    assert line_platform.linked_rich_menu(user) == rich_menu_id
    assert api.get_default_rich_menu_id().rich_menu_id == rich_menu_id
    assert [listed.name for listed in api.get_rich_menu_list().richmenus] == ["main"]

    api.unlink_rich_menu_id_from_user(user)
    with pytest.raises(ApiException) as caught:
        api.get_rich_menu_id_of_user(user)
    assert caught.value.status == 404

    api.delete_rich_menu(rich_menu_id)
    assert line_platform.rich_menus() == [] and line_platform.default_rich_menu() is None
    with pytest.raises(ApiException) as caught:
        blob_api.set_rich_menu_image(rich_menu_id, TINY_JPEG, _headers={"Content-Type": "image/jpeg"})
    assert caught.value.status == 404


def test_rich_menu_without_areas_is_refused(api, line_platform):
    with pytest.raises(ApiException) as caught:
        api.create_rich_menu(
            RichMenuRequest(
                size=RichMenuSize(width=2500, height=843), selected=False, name="x", chat_bar_text="x"
            )
        )

    assert caught.value.status == 400
    assert [detail["property"] for detail in error_of(caught)["details"]] == ["areas"]
    assert line_platform.rich_menus() == []


# ---- webhook driver --------------------------------------------------------------------------

BUILDERS = {
    "text": (lambda d, u: d.text(u, "สวัสดี"), MessageEvent, TextMessageContent),
    "image": (lambda d, u: d.image(u), MessageEvent, ImageMessageContent),
    "location": (
        lambda d, u: d.location(u, 13.75, 100.5, "อำเภอ", "กรุงเทพฯ"),
        MessageEvent,
        LocationMessageContent,
    ),
    "sticker": (lambda d, u: d.sticker(u), MessageEvent, StickerMessageContent),
    "postback": (lambda d, u: d.postback(u, "step=2", {"date": "2024-01-31"}), PostbackEvent, None),
    "follow": (lambda d, u: d.follow(u), FollowEvent, None),
    "unfollow": (lambda d, u: d.unfollow(u), UnfollowEvent, None),
}


@pytest.mark.parametrize("kind", BUILDERS)
def test_every_builder_makes_an_event_the_sdk_parses(driver, user, kind):
    build, event_class, message_class = BUILDERS[kind]
    event = build(driver, user)

    parsed = Event.from_dict(event)

    assert type(parsed) is event_class
    if message_class is not None:
        assert type(parsed.message) is message_class
    assert parsed.mode.value == "active" and parsed.source.user_id == user
    assert ULID_PATTERN.fullmatch(event["webhookEventId"])
    assert event["deliveryContext"] == {"isRedelivery": False}
    assert ("replyToken" in event) is (kind != "unfollow")


def test_signed_body_parses_with_the_sdk_webhook_parser(driver, user):
    events = [build(driver, user) for build, _, _ in BUILDERS.values()]
    body = driver.body(*events)

    parsed = WebhookParser(SECRET).parse(body.decode("utf-8"), driver.sign(body), as_payload=True)

    assert [type(event) for event in parsed.events] == [
        event_class for _, event_class, _ in BUILDERS.values()
    ]
    assert parsed.destination == driver.destination
    assert "สวัสดี".encode() in body  # non-ASCII text is sent raw, as LINE does
    with pytest.raises(InvalidSignatureError):
        WebhookParser("another-secret").parse(body.decode("utf-8"), driver.sign(body))


def test_redelivery_keeps_the_event_id(driver, user):
    event = driver.text(user, "again")

    redelivered = driver.redeliver(event)

    assert redelivered["deliveryContext"] == {"isRedelivery": True}
    assert redelivered["webhookEventId"] == event["webhookEventId"]
    assert event["deliveryContext"] == {"isRedelivery": False}


def test_sent_text_is_answered_by_the_bot(driver, line_platform, user):
    assert driver.send(driver.text(user, "ขอความช่วยเหลือ")).status_code == 200

    [delivery] = line_platform.wait_for_messages(user, 1, timeout=5)
    assert delivery.messages == [{"type": "text", "text": "ขอความช่วยเหลือ"}]


def test_unsigned_or_badly_signed_posts_are_rejected_by_the_bot(driver, user):
    body = driver.body(driver.text(user, "x"))

    assert driver.post(body, signature=None).status_code == 400
    assert driver.post(body, signature=driver.sign(body + b" ")).status_code == 400


# ---- waiting ---------------------------------------------------------------------------------


def test_wait_for_messages_times_out_with_a_clear_error(line_platform, user):
    with pytest.raises(AssertionError, match=f"expected 1 deliveries to {user}"):
        line_platform.wait_for_messages(user, 1, timeout=0.05)


def test_long_poll_wakes_on_a_new_delivery(api, line_platform, user):
    push(api, user, "old")
    last_seq = line_platform.received(user)[-1].seq
    assert line_platform.wait_for_user_messages(user, last_seq, timeout=0.05) == []

    with ThreadPoolExecutor(max_workers=1) as pool:
        waiting = pool.submit(line_platform.wait_for_user_messages, user, last_seq, 5)
        push(api, user, "new")
        [delivery] = waiting.result(timeout=5)

    assert delivery.messages[0]["text"] == "new" and delivery.seq > last_seq


def test_stopping_the_server_ends_the_web_chats_open_long_polls():
    """A web chat long-poll waits 25 s for the bot; stopping the server must not wait it out."""
    platform = Platform(SECRET, TOKEN)
    user = platform.add_user(Platform.new_user_id())["userId"]
    emulator = EmulatorServer(platform, webhook_url="http://127.0.0.1:9/callback").start()
    chat = emulator.app.extensions[webchat.WEBCHAT_EXTENSION]
    with ThreadPoolExecutor(max_workers=1) as pool:
        poll = pool.submit(chat.entries, user, 0, 0, 25.0)
        emulator.stop()
        assert poll.result(timeout=5)["entries"] == []


# ---- LINE Login: LIFF apps and ID tokens ------------------------------------------------------


def test_the_verify_endpoint_answers_like_line(server, line_platform, user):
    verify = server.url + "/oauth2/v2.1/verify"
    token = line_platform.issue_id_token(user, "1234567890-AbCdEfGh")
    claims = requests.post(verify, data={"id_token": token, "client_id": "1234567890"}, timeout=5).json()
    assert (claims["sub"], claims["aud"], claims["name"], claims["iss"]) == (
        user, "1234567890", "สมชาย ใจดี", "https://access.line.me")
    assert claims["exp"] - claims["iat"] == 3600
    expired = line_platform.issue_id_token(user, "1234567890-AbCdEfGh", issued_at=time.time() - 3600)
    for form, reason in (({"id_token": token, "client_id": "1111111111"}, "Invalid IdToken Audience."),
                         ({"id_token": expired, "client_id": "1234567890"}, "IdToken expired."),
                         ({"id_token": token[:-2], "client_id": "1234567890"}, "Invalid IdToken."),
                         ({"id_token": "not-a-jwt", "client_id": "1234567890"}, "Invalid IdToken."),
                         ({"client_id": "1234567890"}, "id_token and client_id are required")):
        answer = requests.post(verify, data=form, timeout=5)
        assert (answer.status_code, answer.json()) == (400, {"error": "invalid_request",
                                                             "error_description": reason})


def test_liff_links_open_the_apps_endpoint_and_the_sdk_is_served(server, line_platform):
    line_platform.add_liff_app("1234567890-AbCdEfGh", "https://bot.example/liff/")
    target = line_platform.liff_target
    assert target("https://liff.line.me/1234567890-AbCdEfGh/folder?household=3") == (
        "1234567890-AbCdEfGh", "https://bot.example/liff/folder?household=3")
    assert target("https://liff.line.me/1234567890-AbCdEfGh") == ("1234567890-AbCdEfGh", "https://bot.example/liff")
    assert target("https://bot.example/liff/folder") == ("1234567890-AbCdEfGh", "https://bot.example/liff/folder")
    for other in ("https://liff.line.me/1234567890-AbCdEfGhX", "https://bot.example/liffy", "https://example.com/"):
        assert target(other) is None
    with pytest.raises(ValueError):
        line_platform.add_liff_app("folder", "https://bot.example/liff")
    sdk = requests.get(server.url + "/liff/sdk.js", timeout=5)
    assert sdk.status_code == 200 and sdk.headers["Content-Type"].startswith("text/javascript")
    assert all(f"{name}(" in sdk.text for name in ("init", "getIDToken", "isLoggedIn", "login", "getProfile"))


def test_the_web_chat_gives_a_liff_app_its_users_token_and_other_links_none(line_platform):
    user = line_platform.add_user(Platform.new_user_id(), "มาลี")["userId"]
    line_platform.add_liff_app("1234567890-AbCdEfGh", "https://bot.example/liff")
    with EmulatorServer(line_platform, webhook_url="http://127.0.0.1:9/callback") as emulator:
        def open_link(url: str) -> dict:
            return requests.post(emulator.url + "/webchat/api/liff", json={"user_id": user, "url": url},
                                 timeout=5).json()

        opened = open_link("https://liff.line.me/1234567890-AbCdEfGh/folder?household=3")
        page, _, fragment = opened["url"].partition("#id_token=")
        assert opened["liff"] and page == "https://bot.example/liff/folder?household=3"
        assert line_platform.verify_id_token(fragment, "1234567890")["sub"] == user
        assert open_link("https://example.com/x") == {"url": "https://example.com/x", "liff": False}


# ---- control endpoints -----------------------------------------------------------------------


def test_control_endpoints(server, api, line_platform, user):
    control = server.url + "/_emulator"
    config = requests.post(
        f"{control}/config", json={"latency_ms": 5, "rate_limit_per_second": 100}, timeout=5
    )
    assert config.json() == {"latency_ms": 5.0, "rate_limit_per_second": 100, "rate_limits": {},
                             "message_quota": None}
    config = requests.post(f"{control}/config", json={"rate_limits": "line", "message_quota": 1000}, timeout=5)
    assert config.json()["rate_limits"] == {"/v2/bot/message/push": 2000, "/v2/bot/message/multicast": 200}
    assert config.json()["message_quota"] == 1000
    assert requests.post(f"{control}/config", json={"latency_ms": -1}, timeout=5).status_code == 400

    failure = {"path_prefix": "/v2/bot/profile", "status": 503, "body": {"message": "down"}}
    assert requests.post(f"{control}/fail", json=failure, timeout=5).status_code == 200
    with pytest.raises(ApiException) as caught:
        api.get_profile(user)
    assert (caught.value.status, error_of(caught)) == (503, {"message": "down"})

    push(api, user, "listed")
    listed = requests.get(f"{control}/messages", params={"user_id": user, "after": 0}, timeout=5).json()
    assert [delivery["messages"][0]["text"] for delivery in listed["deliveries"]] == ["listed"]

    assert requests.post(f"{control}/reset", timeout=5).status_code == 200
    assert requests.get(f"{control}/config", timeout=5).json() == {
        "latency_ms": 0.0,
        "rate_limit_per_second": None,
        "rate_limits": {},
        "message_quota": None,
    }
    assert line_platform.received(user) == [] and line_platform.requests == []


def test_unknown_endpoint_answers_404_and_is_logged(api_client, line_platform):
    response = requests.get(
        api_client.configuration.host + "/v2/bot/info",
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=5,
    )

    assert response.status_code == 404 and "no /v2/bot/info" in response.json()["message"]
    assert line_platform.requests[-1]["path"] == "/v2/bot/info"
