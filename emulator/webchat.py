"""The web chat: a page where a person chats with the bot as a LINE user, without a LINE account.

Served by the emulator next to the Messaging API it fakes. What the person does becomes a signed
webhook event posted to the bot by a `LineDriver`; what the bot sends (replies, pushes,
multicasts) is read back from the shared `Platform`, long-polled so it shows as it arrives.

The person's own events are kept here, per user, in a `Transcripts` record, so a reload shows
the conversation in order: each entry is anchored after the last delivery its user had received
when it was sent.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import requests
from flask import Blueprint, Flask, Response, current_app, jsonify, render_template, request

from emulator.driver import LineDriver
from emulator.platform import Delivery, Platform

WEBCHAT_EXTENSION = "line_webchat"
# How long one long-poll waits for the bot before answering "nothing yet" (the page asks again).
POLL_TIMEOUT_SECONDS = 25.0
MAX_DISPLAY_NAME_LENGTH = 20
MAX_TEXT_LENGTH = 5000
MAX_POSTBACK_DATA_LENGTH = 300
MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_CLIENT_ID_LENGTH = 64
# What LINE's sticker picker would send when the person taps the sticker button.
DEFAULT_STICKER = ("446", "1988")
# The location the page sends (the district office of Chakkarat, Nakhon Ratchasima).
PRESET_LOCATION = {
    "title": "ที่ว่าการอำเภอจักราช",
    "address": "อำเภอจักราช จังหวัดนครราชสีมา",
    "latitude": 15.0167,
    "longitude": 102.4333,
}

webchat = Blueprint(
    "webchat",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/webchat/static",
)


class BadRequest(ValueError):
    """A web chat request the page should not have made; answered 400 with the message."""


class Transcripts:
    """What each user sent through the web chat, with the webhook's answer; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_user: dict[str, list[dict]] = {}
        self._by_id: dict[int, dict] = {}
        self._last_id = 0

    def record(self, user_id: str, anchor_seq: int, event: str, display: dict, client_id: str | None) -> dict:
        """Add an entry shown after the user's deliveries up to `anchor_seq`; returns a copy."""
        with self._lock:
            entries = self._by_user.setdefault(user_id, [])
            # Deliveries forgotten by Platform.reset() must not move a new entry before older ones.
            anchor = max([anchor_seq] + [entry["anchor"] for entry in entries[-1:]])
            self._last_id += 1
            entry = {
                "type": "user",
                "id": self._last_id,
                "user_id": user_id,
                "anchor": anchor,
                "event": event,
                "display": display,
                "client_id": client_id,
                "time": time.time(),
                "status": None,
                "error": None,
            }
            entries.append(entry)
            self._by_id[entry["id"]] = entry
            return dict(entry)

    def set_result(self, entry_id: int, status: int | None, error: str | None) -> dict:
        with self._lock:
            entry = self._by_id[entry_id]
            entry["status"], entry["error"] = status, error
            return dict(entry)

    def after(self, user_id: str, after_id: int = 0) -> list[dict]:
        with self._lock:
            return [dict(entry) for entry in self._by_user.get(user_id, []) if entry["id"] > after_id]


class WebChat:
    """The web chat's state on one emulator app: the platform, the driver and the transcripts."""

    def __init__(self, platform: Platform, webhook_url: str):
        self.platform = platform
        self.webhook_url = webhook_url
        self.driver = LineDriver(platform, webhook_url)
        self.transcripts = Transcripts()
        # requests.Session is not documented as thread-safe, so each serving thread posts with
        # its own driver (same channel, same destination).
        self._local = threading.local()

    def _poster(self) -> LineDriver:
        poster = getattr(self._local, "driver", None)
        if poster is None:
            poster = LineDriver(self.platform, self.webhook_url, destination=self.driver.destination)
            self._local.driver = poster
        return poster

    def send(self, user_id: str, event: dict, display: dict, client_id: str | None) -> dict:
        """Record what the user did, post the event to the bot, and note the bot's answer."""
        delivered = self.platform.messages_for(user_id)
        anchor = delivered[-1].seq if delivered else 0
        entry = self.transcripts.record(user_id, anchor, event["type"], display, client_id)
        try:
            response = self._poster().send(event)
        except requests.RequestException as error:
            return self.transcripts.set_result(
                entry["id"], None, f"ส่งไปที่บอทไม่ได้ (webhook unreachable): {type(error).__name__}"
            )
        error_line = None
        if not 200 <= response.status_code < 300:
            error_line = f"บอทตอบ HTTP {response.status_code} (webhook error): {response.text[:200]}".rstrip(": ")
        return self.transcripts.set_result(entry["id"], response.status_code, error_line)

    def entries(self, user_id: str, after_seq: int, after_id: int, wait: float) -> dict:
        """The user's conversation past the cursors, waiting up to `wait` seconds for the bot."""
        mine = self.transcripts.after(user_id, after_id)
        if mine or wait <= 0:
            deliveries = self.platform.messages_for(user_id, after_seq)
        else:
            deliveries = self.platform.wait_for_user_messages(user_id, after_seq, wait)
            mine = self.transcripts.after(user_id, after_id)
        merged = [(_delivery_key(delivery), _delivery_entry(delivery)) for delivery in deliveries]
        merged += [((entry["anchor"], 1, entry["id"]), entry) for entry in mine]
        merged.sort(key=lambda pair: pair[0])
        return {
            "entries": [entry for _, entry in merged],
            "seq": max([after_seq] + [delivery.seq for delivery in deliveries]),
            "mine": max([after_id] + [entry["id"] for entry in mine]),
        }


def _delivery_key(delivery: Delivery) -> tuple[int, int, int]:
    return (delivery.seq, 0, 0)


def _delivery_entry(delivery: Delivery) -> dict:
    return {"type": "bot", "seq": delivery.seq, "kind": delivery.kind, "messages": delivery.messages}


def init_app(app: Flask, platform: Platform, webhook_url: str) -> WebChat:
    """Serve the web chat on `app` (an emulator app), posting events to the bot at `webhook_url`."""
    chat = WebChat(platform, webhook_url)
    app.extensions[WEBCHAT_EXTENSION] = chat
    app.register_blueprint(webchat)
    return chat


def current_chat() -> WebChat:
    return current_app.extensions[WEBCHAT_EXTENSION]


# ---- request helpers -------------------------------------------------------------------------


def _json_object() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadRequest("expected a JSON object")
    return body


def _string(body: dict, name: str, max_length: int, *, required: bool = True) -> str | None:
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > max_length:
        raise BadRequest(f"{name} must be a non-empty string of at most {max_length} characters")
    return value


def _known_user(user_id: Any) -> str:
    if not isinstance(user_id, str) or current_chat().platform.profile(user_id) is None:
        raise BadRequest("unknown user")
    return user_id


def _client_id(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > MAX_CLIENT_ID_LENGTH:
        raise BadRequest("client_id must be a short string")
    return value


def _number(body: dict, name: str, low: float, high: float) -> float:
    value = body.get(name)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise BadRequest(f"{name} must be a number between {low} and {high}")
    return float(value)


def _postback_params(value: Any) -> dict[str, str] | None:
    if value is None:
        return None
    allowed = {"date", "time", "datetime"}
    if (
        not isinstance(value, dict)
        or not value
        or not set(value) <= allowed
        or not all(isinstance(item, str) and len(item) <= 32 for item in value.values())
    ):
        raise BadRequest("params must map date/time/datetime to strings")
    return dict(value)


@webchat.errorhandler(BadRequest)
def _bad_request(error: BadRequest) -> tuple[Response, int]:
    return jsonify({"message": str(error)}), 400


# ---- the page --------------------------------------------------------------------------------


@webchat.get("/")
def page() -> str:
    return render_template(
        "webchat.html",
        preset_location=PRESET_LOCATION,
        sticker={"packageId": DEFAULT_STICKER[0], "stickerId": DEFAULT_STICKER[1]},
        webhook_url=current_chat().webhook_url,
    )


@webchat.get("/webchat/content/<message_id>")
def content(message_id: str) -> Response:
    """The bytes of an image the user sent, so the page can show it again after a reload."""
    stored = current_chat().platform.content(message_id)
    if stored is None:
        return Response("Not found", status=404, mimetype="text/plain")
    data, content_type = stored
    return Response(data, content_type=content_type if content_type.startswith("image/") else "image/jpeg")


# ---- the page's API --------------------------------------------------------------------------


@webchat.get("/webchat/api/users")
def list_users() -> dict:
    return {"users": current_chat().platform.users()}


@webchat.post("/webchat/api/users")
def create_user() -> dict:
    """A new LINE user who at once adds the bot as a friend (a follow event)."""
    body = _json_object()
    name = _string(body, "display_name", MAX_DISPLAY_NAME_LENGTH).strip()
    chat = current_chat()
    profile = chat.platform.add_user(chat.platform.new_user_id(), display_name=name)
    user_id = profile["userId"]
    entry = chat.send(user_id, chat.driver.follow(user_id), {"type": "follow"}, _client_id(body.get("client_id")))
    return {"user": profile, "entry": entry}


@webchat.post("/webchat/api/send")
def send() -> dict:
    """One thing the user did in the chat: type, tap an action, share a location, send a sticker."""
    body = _json_object()
    chat = current_chat()
    driver = chat.driver
    user_id = _known_user(body.get("user_id"))
    client_id = _client_id(body.get("client_id"))
    kind = body.get("type")
    if kind == "text":
        text = _string(body, "text", MAX_TEXT_LENGTH)
        event, display = driver.text(user_id, text), {"type": "text", "text": text}
    elif kind == "postback":
        data = body.get("data")
        if not isinstance(data, str) or len(data) > MAX_POSTBACK_DATA_LENGTH:
            raise BadRequest(f"data must be a string of at most {MAX_POSTBACK_DATA_LENGTH} characters")
        params = _postback_params(body.get("params"))
        display_text = _string(body, "display_text", MAX_TEXT_LENGTH, required=False)
        event = driver.postback(user_id, data, params)
        display = {"type": "postback", "text": display_text, "data": data, "params": params}
    elif kind == "location":
        title = _string(body, "title", 100, required=False)
        address = _string(body, "address", 100, required=False)
        latitude = _number(body, "latitude", -90, 90)
        longitude = _number(body, "longitude", -180, 180)
        event = driver.location(user_id, latitude, longitude, title=title, address=address)
        display = {"type": "location", "title": title, "address": address,
                   "latitude": latitude, "longitude": longitude}
    elif kind == "sticker":
        package_id = _string(body, "packageId", 20, required=False) or DEFAULT_STICKER[0]
        sticker_id = _string(body, "stickerId", 20, required=False) or DEFAULT_STICKER[1]
        event = driver.sticker(user_id, package_id, sticker_id)
        display = {"type": "sticker", "packageId": package_id, "stickerId": sticker_id}
    else:
        raise BadRequest("type must be text, postback, location or sticker")
    return {"entry": chat.send(user_id, event, display, client_id)}


@webchat.post("/webchat/api/image")
def send_image() -> dict | tuple[Response, int]:
    """An image from the page's file picker, stored as the message's content for the bot to fetch."""
    if (request.content_length or 0) > MAX_IMAGE_BYTES + 64 * 1024:
        return jsonify({"message": f"the image must be at most {MAX_IMAGE_BYTES // (1024 * 1024)} MB"}), 413
    chat = current_chat()
    user_id = _known_user(request.form.get("user_id"))
    client_id = _client_id(request.form.get("client_id"))
    upload = request.files.get("file")
    if upload is None:
        raise BadRequest("no file")
    content_type = upload.mimetype or ""
    if not content_type.startswith("image/"):
        raise BadRequest("only images can be sent")
    data = upload.read(MAX_IMAGE_BYTES + 1)
    if not data or len(data) > MAX_IMAGE_BYTES:
        raise BadRequest(f"the image must be between 1 byte and {MAX_IMAGE_BYTES // (1024 * 1024)} MB")
    event = chat.driver.image(user_id, data, content_type)
    message_id = event["message"]["id"]
    display = {"type": "image", "url": f"/webchat/content/{message_id}", "message_id": message_id}
    return {"entry": chat.send(user_id, event, display, client_id)}


@webchat.get("/webchat/api/messages")
def messages() -> dict:
    """The conversation after the cursors `seq` (bot deliveries) and `mine` (the user's own
    entries). With `wait=1` (the default) and nothing new, waits up to 25 s for the bot."""
    user_id = _known_user(request.args.get("user"))
    try:
        after_seq = int(request.args.get("seq", "0"))
        after_id = int(request.args.get("mine", "0"))
    except ValueError:
        raise BadRequest("seq and mine must be integers") from None
    wait = POLL_TIMEOUT_SECONDS if request.args.get("wait", "1") != "0" else 0.0
    return current_chat().entries(user_id, after_seq, after_id, wait)

