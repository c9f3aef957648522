"""The web chat: a page where a person chats with the bot as a LINE user, without a LINE account.

Served by the emulator next to the Messaging API it fakes. What the person does becomes a signed
webhook event posted to the bot by a `LineDriver`; what the bot sends (replies, pushes,
multicasts) is read back from the shared `Platform`, long-polled so it shows as it arrives.

The person's own events are kept here, per user, in a `Transcripts` record, so a reload shows
the conversation in order: each entry is anchored after the last delivery its user had received
when it was sent.

Given the demo identities file (`flask --app wsgi demo invites`), the page also offers one-click
registration: a new user types a code from the file and the identity's answers, as a person would.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import requests
from flask import Blueprint, Flask, Response, current_app, jsonify, render_template, request

from emulator.driver import LineDriver
from emulator.platform import Delivery, Platform, PlatformError

WEBCHAT_EXTENSION = "line_webchat"
# How long one long-poll waits for the bot before answering "nothing yet" (the page asks again).
POLL_TIMEOUT_SECONDS = 25.0
MAX_DISPLAY_NAME_LENGTH = 20
MAX_TEXT_LENGTH = 5000
MAX_POSTBACK_DATA_LENGTH = 300
MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_CLIENT_ID_LENGTH = 64
MAX_URL_LENGTH = 1000  # a URI action's uri, as LINE limits it
# What LINE's sticker picker would send when the person taps the sticker button.
DEFAULT_STICKER = ("446", "1988")
# The location the page sends (the district office of Chakkarat, Nakhon Ratchasima).
PRESET_LOCATION = {
    "title": "ที่ว่าการอำเภอจักราช",
    "address": "อำเภอจักราช จังหวัดนครราชสีมา",
    "latitude": 15.0167,
    "longitude": 102.4333,
}
# How long one-click registration waits for the bot's answer to each step before giving up.
DEMO_STEP_TIMEOUT_SECONDS = 15.0

webchat = Blueprint(
    "webchat",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/webchat/static",
)


class BadRequest(ValueError):
    """A web chat request the page should not have made; answered 400 with the message."""


class CodesUsedUp(Exception):
    """Every code the demo identities file holds for an identity was typed already; answered 409."""


class StepFailed(Exception):
    """A one-click registration step whose answer from the bot was not the one expected."""


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


@dataclass(frozen=True)
class DemoIdentity:
    """Someone to register in one click: a role in an area, and what they type and tap."""

    label: str
    role: str
    area: str
    name: str
    position: str  # the label of the position button to tap
    phone: str
    codes: tuple[str, ...]


class DemoIdentities:
    """The file `flask --app wsgi demo invites` writes; each of its single-use codes is typed once."""

    def __init__(self, path: Path):
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            self.place = str(document.get("place") or "")
            self.confirm = str(document["confirm"])  # the label of the registration summary's Yes button
            self.identities = [DemoIdentity(**{**entry, "codes": tuple(entry["codes"])})
                               for entry in document["identities"]]
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
            raise ValueError(f"{path} is not a demo identities file: {error}") from None
        self._lock = threading.Lock()
        self._taken: set[str] = set()

    def take_code(self, identity: DemoIdentity) -> str:
        with self._lock:
            code = next((code for code in identity.codes if code not in self._taken), None)
            if code is None:
                raise CodesUsedUp(f"รหัสเชิญของ {identity.label} ในไฟล์ถูกใช้หมดแล้ว: สร้างชุดใหม่ด้วย "
                                  "flask --app wsgi demo invites แล้วเริ่ม emulator ใหม่ (bin/demo ทำให้เอง)")
            self._taken.add(code)
            return code


class WebChat:
    """The web chat's state on one emulator app: the platform, the driver, the transcripts and,
    if given, the demo identities."""

    def __init__(self, platform: Platform, webhook_url: str):
        self.platform = platform
        self.webhook_url = webhook_url
        self.driver = LineDriver(platform, webhook_url)
        self.transcripts = Transcripts()
        self.demo: DemoIdentities | None = None
        self.stopping = threading.Event()  # set when the server stops: open long-polls answer at once
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

    def entries(self, user_id: str, after_seq: int, after_id: int, wait: float, rich_menu: str | None = None) -> dict:
        """The user's conversation past the cursors and the rich menu they are shown, waiting up to `wait`
        seconds for the bot to send something or to change that menu from `rich_menu` (the id the page
        shows, "" for none; None: the page does not watch it)."""
        mine = self.transcripts.after(user_id, after_id)

        def news() -> bool:
            return (bool(self.platform.messages_for(user_id, after_seq)) or self.stopping.is_set()
                    or (rich_menu is not None and self.platform.shown_rich_menu(user_id) != (rich_menu or None)))

        if not mine and wait > 0:
            self.platform.wait_for(news, wait)
            mine = self.transcripts.after(user_id, after_id)
        deliveries = self.platform.messages_for(user_id, after_seq)
        merged = [(_delivery_key(delivery), _delivery_entry(delivery)) for delivery in deliveries]
        merged += [((entry["anchor"], 1, entry["id"]), entry) for entry in mine]
        merged.sort(key=lambda pair: pair[0])
        return {
            "entries": [entry for _, entry in merged],
            "seq": max([after_seq] + [delivery.seq for delivery in deliveries]),
            "mine": max([after_id] + [entry["id"] for entry in mine]),
            "richMenu": self.rich_menu(user_id),
        }

    def rich_menu(self, user_id: str) -> dict | None:
        """The rich menu LINE shows the user under the chat (None: none), with the address of its image."""
        rich_menu_id = self.platform.shown_rich_menu(user_id)
        if rich_menu_id is None:
            return None
        shown = self.platform.rich_menu(rich_menu_id)
        return {**shown, "image": f"/webchat/richmenu/{rich_menu_id}"}

    def register_demo(self, identity: DemoIdentity) -> dict:
        """A new user named after `identity`, registered with the next unused code as a person would:
        follow, type the code and the name, tap the position, type the phone, tap Yes. Stops at the
        first step the bot does not answer as expected; `error` then says which and why."""
        code = self.demo.take_code(identity)
        profile = self.platform.add_user(self.platform.new_user_id(),
                                         display_name=identity.name[:MAX_DISPLAY_NAME_LENGTH])
        walk = _Registration(self, profile["userId"])
        try:
            walk.step("เพิ่มเพื่อน", *_follow(self.driver, walk.user_id))
            walk.type("รหัสเชิญ", code)
            walk.type("ชื่อ", identity.name, chip=identity.position)
            walk.tap("ตำแหน่ง", identity.position)
            walk.type("เบอร์โทร", identity.phone, chip=self.demo.confirm)
            walk.tap("ยืนยัน", self.demo.confirm, text=identity.name)
        except StepFailed as failure:
            return {"user": profile, "error": f"ลงทะเบียน {identity.label} ไม่สำเร็จ ที่ขั้น{failure}"}
        return {"user": profile, "error": None}


class _Registration:
    """One user's steps through the registration dialog, each waiting for the bot's answer (no sleeps)."""

    def __init__(self, chat: WebChat, user_id: str):
        self.chat, self.user_id = chat, user_id
        self.answer: list[Delivery] = []

    def step(self, what: str, event: dict, display: dict, *, chip: str | None = None,
             text: str | None = None) -> None:
        """Send the event; the bot must answer in time without asking the same question again, and offer
        the button `chip` / say `text` when given (what the next step needs). A problem is also noted
        under the step's own message in the transcript."""
        entry = self.chat.send(self.user_id, event, display, None)
        if entry["error"]:
            raise StepFailed(f"{what}: {entry['error']}")
        answer = self.chat.platform.wait_for_user_messages(self.user_id, entry["anchor"], DEMO_STEP_TIMEOUT_SECONDS,
                                                         self.chat.stopping)
        problem = None
        if not answer:
            problem = f"บอทไม่ตอบภายใน {DEMO_STEP_TIMEOUT_SECONDS:g} วินาที"
        elif self.answer and _question(answer) == _question(self.answer):
            problem = "บอทไม่รับคำตอบนี้ และถามคำถามเดิมอีกครั้ง"
        elif chip is not None and _chip(answer, chip) is None:
            problem = f"คำตอบของบอทไม่มีปุ่ม «{chip}»"
        elif text is not None and not any(text in message.get("text", "")
                                           for delivery in answer for message in delivery.messages):
            problem = f"คำตอบของบอทไม่มีคำว่า «{text}»"
        if problem:
            self.chat.transcripts.set_result(entry["id"], entry["status"], problem)
            raise StepFailed(f"{what}: {problem}")
        self.answer = answer

    def type(self, what: str, text: str, **expected: str) -> None:
        self.step(what, *_text(self.chat.driver, self.user_id, text), **expected)

    def tap(self, what: str, label: str, **expected: str) -> None:
        """Tap the button `label` of the bot's last answer (the step before made sure it is there)."""
        self.step(what, *_tap(self.chat.driver, self.user_id, _chip(self.answer, label)), **expected)


def _question(answer: list[Delivery]) -> str:
    """What a bot answer asks: the last paragraph of its last message (a refused answer repeats it)."""
    return str(answer[-1].messages[-1].get("text", "")).rsplit("\n\n", 1)[-1]


def _chip(answer: list[Delivery], label: str) -> dict | None:
    """The action of quick-reply button `label` on the answer's last message, the only one LINE shows."""
    items = (answer[-1].messages[-1].get("quickReply") or {}).get("items", [])
    return next((item["action"] for item in items if item.get("action", {}).get("label") == label), None)


# ---- what a person does: the event for the bot and what the transcript shows --------------------


def _follow(driver: LineDriver, user_id: str) -> tuple[dict, dict]:
    return driver.follow(user_id), {"type": "follow"}


def _text(driver: LineDriver, user_id: str, text: str) -> tuple[dict, dict]:
    return driver.text(user_id, text), {"type": "text", "text": text}


def _postback(driver: LineDriver, user_id: str, data: str, params: dict[str, str] | None,
              display_text: str | None) -> tuple[dict, dict]:
    display = {"type": "postback", "text": display_text, "data": data, "params": params}
    return driver.postback(user_id, data, params), display


def _tap(driver: LineDriver, user_id: str, action: dict) -> tuple[dict, dict]:
    """A tap on a message or postback button, shown as the page shows it."""
    if action["type"] == "postback":
        return _postback(driver, user_id, action["data"], None, action.get("displayText") or action["label"])
    return _text(driver, user_id, action.get("text") or action["label"])


def _delivery_key(delivery: Delivery) -> tuple[int, int, int]:
    return (delivery.seq, 0, 0)


def _delivery_entry(delivery: Delivery) -> dict:
    return {"type": "bot", "seq": delivery.seq, "kind": delivery.kind, "messages": delivery.messages,
            "time": delivery.at}


def init_app(app: Flask, platform: Platform, webhook_url: str) -> WebChat:
    """Serve the web chat on `app` (an emulator app), posting events to the bot at `webhook_url`."""
    chat = WebChat(platform, webhook_url)
    app.extensions[WEBCHAT_EXTENSION] = chat
    app.register_blueprint(webchat)
    return chat


def stop(app: Flask) -> None:
    """End the web chat's open long-polls, so that the server can stop without waiting them out."""
    chat = app.extensions.get(WEBCHAT_EXTENSION)
    if chat is not None:
        chat.stopping.set()
        chat.platform.recheck_waiters()


def use_demo_identities(app: Flask, path: Path) -> None:
    """Offer one-click registration as the identities in `path` (ValueError if it is not such a file)."""
    app.extensions[WEBCHAT_EXTENSION].demo = DemoIdentities(path)


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


@webchat.errorhandler(CodesUsedUp)
def _codes_used_up(error: CodesUsedUp) -> tuple[Response, int]:
    return jsonify({"message": str(error)}), 409


# ---- the page --------------------------------------------------------------------------------


@webchat.get("/")
def page() -> str:
    return render_template(
        "webchat.html",
        preset_location=PRESET_LOCATION,
        sticker={"packageId": DEFAULT_STICKER[0], "stickerId": DEFAULT_STICKER[1]},
        webhook_url=current_chat().webhook_url,
        demo=current_chat().demo,
    )


@webchat.get("/webchat/content/<message_id>")
def content(message_id: str) -> Response:
    """The bytes of an image the user sent, so the page can show it again after a reload."""
    stored = current_chat().platform.content(message_id)
    if stored is None:
        return Response("Not found", status=404, mimetype="text/plain")
    data, content_type = stored
    return Response(data, content_type=content_type if content_type.startswith("image/") else "image/jpeg")


@webchat.get("/webchat/richmenu/<rich_menu_id>")
def rich_menu_image(rich_menu_id: str) -> Response:
    """A rich menu's image, shown under the chat of the users who have that menu."""
    try:
        data, content_type = current_chat().platform.rich_menu_image(rich_menu_id)
    except PlatformError:
        return Response("Not found", status=404, mimetype="text/plain")
    return Response(data, content_type=content_type, headers={"Cache-Control": "max-age=86400, immutable"})


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
    entry = chat.send(user_id, *_follow(chat.driver, user_id), _client_id(body.get("client_id")))
    return {"user": profile, "entry": entry}


@webchat.post("/webchat/api/demo")
def register_demo() -> dict:
    """One click in the quick registration panel: a new user registered as the chosen identity.
    Answers `user` and `error` (None, or the step that went wrong); 409 when its codes are used up."""
    chat = current_chat()
    index = _json_object().get("identity")
    identities = chat.demo.identities if chat.demo else []
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(identities):
        raise BadRequest("identity must be the number of a demo identity")
    return chat.register_demo(identities[index])


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
        event, display = _text(driver, user_id, _string(body, "text", MAX_TEXT_LENGTH))
    elif kind == "postback":
        data = body.get("data")
        if not isinstance(data, str) or len(data) > MAX_POSTBACK_DATA_LENGTH:
            raise BadRequest(f"data must be a string of at most {MAX_POSTBACK_DATA_LENGTH} characters")
        params = _postback_params(body.get("params"))
        display_text = _string(body, "display_text", MAX_TEXT_LENGTH, required=False)
        event, display = _postback(driver, user_id, data, params, display_text)
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


@webchat.post("/webchat/api/liff")
def open_link() -> dict:
    """Where a link the user tapped opens, as in LINE: a LIFF app's link opens the app's page with this user's
    ID token in the fragment (only the user whose chat opened it is logged in there); others as they are."""
    body = _json_object()
    chat = current_chat()
    user_id = _known_user(body.get("user_id"))
    url = _string(body, "url", MAX_URL_LENGTH)
    target = chat.platform.liff_target(url)
    if target is None:
        return {"url": url, "liff": False}
    liff_id, page_url = target
    token = chat.platform.issue_id_token(user_id, liff_id)
    return {"url": f"{page_url.split('#', 1)[0]}#{urlencode({'id_token': token})}", "liff": True}


@webchat.get("/webchat/api/messages")
def messages() -> dict:
    """The conversation after the cursors `seq` (bot deliveries) and `mine` (the user's own
    entries), and the user's rich menu. With `wait=1` (the default) and nothing new, waits up to 25 s for
    the bot; given `menu` (the id of the rich menu the page shows, or empty), also for a change of menu."""
    user_id = _known_user(request.args.get("user"))
    try:
        after_seq = int(request.args.get("seq", "0"))
        after_id = int(request.args.get("mine", "0"))
    except ValueError:
        raise BadRequest("seq and mine must be integers") from None
    wait = POLL_TIMEOUT_SECONDS if request.args.get("wait", "1") != "0" else 0.0
    return current_chat().entries(user_id, after_seq, after_id, wait, request.args.get("menu"))

