"""HTTP face of the emulator: the Messaging API endpoints the bot calls, LINE Login's ID token check and a
stand-in LIFF SDK, plus control endpoints.

`create_app` returns a plain Flask app holding the platform in `app.extensions["line_platform"]`,
so other blueprints can be registered on it and reach the same state. Given the bot's webhook
URL, it also serves the web chat (`emulator.webchat`) at `/`.
"""

from __future__ import annotations

import threading
import time
import uuid
from pathlib import Path

from cheroot import wsgi
from flask import Blueprint, Flask, Response, current_app, g, jsonify, render_template_string, request, send_file

from emulator import validation, webchat
from emulator.platform import LINE_RATE_LIMITS, Platform, PlatformError

PLATFORM_EXTENSION = "line_platform"
RETRY_KEY_HEADER = "X-Line-Retry-Key"
REQUEST_ID_HEADER = "x-line-request-id"
LOGGED_HEADERS = ("Authorization", RETRY_KEY_HEADER)
# Message types a quote token can point at, hence the ones whose sentMessages carry one.
QUOTABLE_MESSAGE_TYPES = frozenset({"text", "textV2", "sticker", "image", "video"})
# How often the serving loop checks for stop(); cheroot's default of 0.5 s makes every stop slow.
STOP_CHECK_SECONDS = 0.05
# Requests served at once: calls held by the configured latency and the web chat's long polls each
# hold a thread while they wait.
SERVER_THREADS = 100
# Connections waiting to be accepted; cheroot's default of 5 resets connections when many callers
# (the bot's delivery threads) connect at once.
LISTEN_BACKLOG = 128
# Idle connections kept open for the caller's next request, as LINE's API does. cheroot's default keeps 10
# and closes the rest, so 32 delivery threads opened a new connection for every second call.
KEEP_ALIVE_CONNECTIONS = SERVER_THREADS

messaging_api = Blueprint("line_messaging_api", __name__, url_prefix="/v2/bot")
control = Blueprint("line_emulator_control", __name__, url_prefix="/_emulator")
line_login = Blueprint("line_login", __name__)
LIFF_SDK = Path(__file__).resolve().parent / "static" / "liff-sdk.js"


def current_platform() -> Platform:
    return current_app.extensions[PLATFORM_EXTENSION]


def create_app(platform: Platform, webhook_url: str | None = None) -> Flask:
    """The emulator's app; with `webhook_url` (the bot's `/callback`) the web chat is served too
    (it can also be added later with `emulator.webchat.init_app`)."""
    app = Flask(__name__, static_folder=None)
    app.extensions[PLATFORM_EXTENSION] = platform
    app.register_blueprint(messaging_api)
    app.register_blueprint(line_login)
    app.register_blueprint(control)
    if webhook_url is not None:
        webchat.init_app(app, platform, webhook_url)
    return app


def _json_object() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise PlatformError(400, "The request body must be a JSON object sent as application/json")
    return body


def _reject_invalid(errors: list[dict]) -> None:
    if errors:
        raise PlatformError(400, f"The request body has {len(errors)} error(s)", details=errors)


def _retry_key() -> str | None:
    retry_key = request.headers.get(RETRY_KEY_HEADER)
    if retry_key is not None and not validation.is_retry_key(retry_key):
        raise PlatformError(400, f"The value for the '{RETRY_KEY_HEADER}' header is invalid")
    return retry_key


def _sent_messages(messages: list[dict]) -> list[dict]:
    sent = []
    for message in messages:
        entry = {"id": Platform.new_message_id()}
        if message["type"] in QUOTABLE_MESSAGE_TYPES:
            entry["quoteToken"] = Platform.new_quote_token()
        sent.append(entry)
    return sent


# ---- Messaging API ---------------------------------------------------------------------------


@messaging_api.before_request
def _behave_like_the_platform() -> Response | None:
    """Latency, gates, injected failures, authentication and rate limit, in the order a client
    meets them."""
    platform = current_platform()
    g.request_id = str(uuid.uuid4())
    if platform.latency_ms:
        time.sleep(platform.latency_ms / 1000)
    platform.pass_gates(request.path)
    g.answer_delay = 0.0
    failure = platform.take_failure(request.path)
    if failure is not None:
        if failure.status is None:
            g.answer_delay = failure.delay
        else:
            time.sleep(failure.delay)
            return jsonify(failure.body), failure.status
    if request.headers.get("Authorization") != f"Bearer {platform.access_token}":
        message = "Authentication failed. Confirm that the access token in the authorization header is valid."
        return jsonify({"message": message}), 401
    if not platform.admit_call(request.path):
        return jsonify({"message": "The API rate limit has been exceeded. Try again later."}), 429
    return None


@messaging_api.after_request
def _log_request(response: Response) -> Response:
    response.headers[REQUEST_ID_HEADER] = g.request_id
    current_platform().log_request(
        {
            "method": request.method,
            "path": request.path,
            "headers": {name: request.headers[name] for name in LOGGED_HEADERS if name in request.headers},
            "json": request.get_json(silent=True),
            "status": response.status_code,
            "time": time.time(),
            "request_id": g.request_id,
        }
    )
    time.sleep(g.answer_delay)
    return response


@messaging_api.errorhandler(PlatformError)
def _platform_error(error: PlatformError) -> tuple[Response, int, dict]:
    return jsonify(error.body()), error.status, error.headers


@messaging_api.post("/message/reply")
def reply_message() -> dict:
    body = _json_object()
    if RETRY_KEY_HEADER in request.headers:
        raise PlatformError(400, f"The '{RETRY_KEY_HEADER}' header is not supported for reply messages")
    _reject_invalid(validation.reply_errors(body))
    platform = current_platform()
    user_id = platform.redeem_reply_token(body["replyToken"])
    platform.deliver("reply", [user_id], body["messages"], request_id=g.request_id)
    return {"sentMessages": _sent_messages(body["messages"])}


@messaging_api.post("/message/push")
def push_message() -> dict:
    body = _json_object()
    retry_key = _retry_key()
    _reject_invalid(validation.push_errors(body))
    # Like LINE, an id it cannot resolve is accepted, so the bot learns nothing about it.
    current_platform().deliver(
        "push", [body["to"]], body["messages"], request_id=g.request_id, retry_key=retry_key
    )
    return {"sentMessages": _sent_messages(body["messages"])}


@messaging_api.post("/message/multicast")
def multicast() -> dict:
    body = _json_object()
    retry_key = _retry_key()
    _reject_invalid(validation.multicast_errors(body))
    current_platform().deliver(
        "multicast", body["to"], body["messages"], request_id=g.request_id, retry_key=retry_key
    )
    return {}


@messaging_api.get("/message/quota")
def message_quota() -> dict:
    quota = current_platform().message_quota
    return {"type": "none"} if quota is None else {"type": "limited", "value": quota}


@messaging_api.get("/message/quota/consumption")
def message_quota_consumption() -> dict:
    return {"totalUsage": current_platform().messages_used}


@messaging_api.post("/group/<group_id>/leave")
def leave_group(group_id: str) -> dict:
    current_platform().leave_chat(group_id)
    return {}


@messaging_api.post("/room/<room_id>/leave")
def leave_room(room_id: str) -> dict:
    current_platform().leave_chat(room_id)
    return {}


@messaging_api.get("/profile/<user_id>")
def get_profile(user_id: str) -> dict:
    profile = current_platform().profile(user_id)
    if profile is None:
        raise PlatformError(404, "Not found")
    return profile


@messaging_api.post("/chat/loading/start")
def show_loading_animation() -> tuple[dict, int]:
    _reject_invalid(validation.loading_animation_errors(_json_object()))
    return {}, 202


@messaging_api.get("/message/<message_id>/content")
def get_message_content(message_id: str) -> Response:
    content = current_platform().content(message_id)
    if content is None:
        raise PlatformError(404, "Not found")
    data, content_type = content
    return Response(data, content_type=content_type)


@messaging_api.post("/richmenu")
def create_rich_menu() -> dict:
    body = _json_object()
    _reject_invalid(validation.rich_menu_errors(body))
    return {"richMenuId": current_platform().create_rich_menu(body)}


@messaging_api.get("/richmenu/list")
def list_rich_menus() -> dict:
    return {"richmenus": current_platform().rich_menus()}


@messaging_api.get("/richmenu/<rich_menu_id>")
def get_rich_menu(rich_menu_id: str) -> dict:
    return current_platform().rich_menu(rich_menu_id)


@messaging_api.delete("/richmenu/<rich_menu_id>")
def delete_rich_menu(rich_menu_id: str) -> dict:
    current_platform().delete_rich_menu(rich_menu_id)
    return {}


@messaging_api.post("/richmenu/<rich_menu_id>/content")
def set_rich_menu_image(rich_menu_id: str) -> dict:
    current_platform().set_rich_menu_image(rich_menu_id, request.get_data(), request.content_type or "")
    return {}


@messaging_api.get("/richmenu/<rich_menu_id>/content")
def get_rich_menu_image(rich_menu_id: str) -> Response:
    data, content_type = current_platform().rich_menu_image(rich_menu_id)
    return Response(data, content_type=content_type)


@messaging_api.post("/user/all/richmenu/<rich_menu_id>")
def set_default_rich_menu(rich_menu_id: str) -> dict:
    current_platform().set_default_rich_menu(rich_menu_id)
    return {}


@messaging_api.get("/user/all/richmenu")
def get_default_rich_menu() -> dict:
    rich_menu_id = current_platform().default_rich_menu()
    if rich_menu_id is None:
        raise PlatformError(404, "no default richmenu")
    return {"richMenuId": rich_menu_id}


@messaging_api.delete("/user/all/richmenu")
def cancel_default_rich_menu() -> dict:
    current_platform().set_default_rich_menu(None)
    return {}


@messaging_api.post("/user/<user_id>/richmenu/<rich_menu_id>")
def link_rich_menu(user_id: str, rich_menu_id: str) -> dict:
    current_platform().link_rich_menu(user_id, rich_menu_id)
    return {}


@messaging_api.get("/user/<user_id>/richmenu")
def get_linked_rich_menu(user_id: str) -> dict:
    rich_menu_id = current_platform().linked_rich_menu(user_id)
    if rich_menu_id is None:
        raise PlatformError(404, "the user has no richmenu")
    return {"richMenuId": rich_menu_id}


@messaging_api.delete("/user/<user_id>/richmenu")
def unlink_rich_menu(user_id: str) -> dict:
    current_platform().unlink_rich_menu(user_id)
    return {}


@messaging_api.route("/<path:unknown>", methods=["GET", "POST", "PUT", "DELETE"])
def not_emulated(unknown: str) -> Response:
    """Answer like LINE does for an unknown endpoint, but still authenticated and logged."""
    raise PlatformError(404, f"Not found: this emulator has no /v2/bot/{unknown}")


# ---- LINE Login: the ID token check, and LIFF -------------------------------------------------


@line_login.post("/oauth2/v2.1/verify")
def verify_id_token() -> tuple[Response, int] | dict:
    """LINE's check of a LIFF ID token for a channel: its claims, or 400 with the reason."""
    id_token, client_id = request.form.get("id_token"), request.form.get("client_id")
    if not id_token or not client_id:
        return jsonify({"error": "invalid_request", "error_description": "id_token and client_id are required"}), 400
    try:
        return current_platform().verify_id_token(id_token, client_id)
    except PlatformError as refused:
        return jsonify({"error": "invalid_request", "error_description": refused.message}), 400


@line_login.get("/liff/sdk.js")
def liff_sdk() -> Response:
    """The stand-in LIFF SDK: LIFF_SDK_URL points here instead of LINE's CDN."""
    return send_file(LIFF_SDK, mimetype="text/javascript", max_age=0)


@line_login.get("/liff/login")
def liff_login() -> str:
    """Where liff.login() leads without a token: only a chat opening the link logs its user in."""
    return render_template_string(
        '<!doctype html><html lang="th"><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1"><title>LINE จำลอง</title>'
        "<p>หน้านี้เปิดได้เฉพาะจากแชตของผู้ใช้ LINE: เปิดลิงก์จากแชตจำลอง (web chat) ของผู้ใช้นั้นอีกครั้งค่ะ</p>"
        "<p><small>LIFF {{ liff_id }} → {{ redirect_uri }}</small></p></html>",
        liff_id=request.args.get("liff_id", ""), redirect_uri=request.args.get("redirect_uri", ""))


# ---- control endpoints (no authentication) ---------------------------------------------------


def _config() -> dict:
    platform = current_platform()
    return {"latency_ms": platform.latency_ms, "rate_limit_per_second": platform.rate_limit_per_second,
            "rate_limits": platform.rate_limits, "message_quota": platform.message_quota}


@control.errorhandler(ValueError)
def _bad_control_request(error: ValueError) -> tuple[Response, int]:
    return jsonify({"message": str(error)}), 400


@control.get("/config")
def get_config() -> dict:
    return _config()


@control.post("/config")
def set_config() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValueError("expected a JSON object")
    platform = current_platform()
    if "latency_ms" in body:
        platform.latency_ms = body["latency_ms"]
    if "rate_limit_per_second" in body:
        platform.rate_limit_per_second = body["rate_limit_per_second"]
    if "rate_limits" in body:  # {path prefix: calls a second}, or "line" for LINE's own
        limits = body["rate_limits"]
        platform.rate_limits = LINE_RATE_LIMITS if limits == "line" else limits
    if "message_quota" in body:
        platform.message_quota = body["message_quota"]
    return _config()


@control.post("/fail")
def inject_failure() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("path_prefix"), str):
        raise ValueError("expected a JSON object with a path_prefix string")
    current_platform().fail_next(
        body["path_prefix"],
        status=body.get("status", 500),
        count=body.get("count", 1),
        delay=body.get("delay", 0.0),
        body=body.get("body"),
    )
    return {}


@control.post("/reset")
def reset() -> dict:
    current_platform().reset()
    return {}


@control.get("/messages")
def list_deliveries() -> dict:
    after = request.args.get("after", "0")
    if not after.isdigit():
        raise ValueError("after must be a non-negative integer")
    deliveries = current_platform().messages_for(request.args.get("user_id") or None, int(after))
    return {"deliveries": [delivery.to_dict() for delivery in deliveries]}


MAX_REPLY_TOKENS = 1000  # a request's worth


@control.post("/reply-tokens")
def issue_reply_tokens() -> dict:
    """Reply tokens for a load generator that signs and posts webhook events to the bot itself: each is good for
    one reply to `user_id`, within the token lifetime from now, as the tokens of the events LINE sends."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("user_id"), str) or not body["user_id"]:
        raise ValueError("expected a JSON object with a user_id string")
    count = body.get("count", 1)
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_REPLY_TOKENS:
        raise ValueError(f"count must be a whole number from 1 to {MAX_REPLY_TOKENS}")
    platform = current_platform()
    return {"reply_tokens": [platform.issue_reply_token(body["user_id"]) for _ in range(count)]}


# ---- serving ---------------------------------------------------------------------------------


class EmulatorServer:
    """Serves `create_app(platform, webhook_url)` from a daemon thread; `port=0` picks a free port.

    `app` is exposed so more blueprints can be registered before `start()`. The server is cheroot's:
    like LINE's API it keeps connections open between calls (werkzeug's development server closes
    each one, then waits 10 ms for stray bytes), so the bot's connection pool works as in production.
    """

    def __init__(
        self, platform: Platform, host: str = "127.0.0.1", port: int = 0, webhook_url: str | None = None
    ):
        self.platform = platform
        self.app = create_app(platform, webhook_url)
        self._server = wsgi.Server((host, port), self.app, numthreads=SERVER_THREADS, request_queue_size=LISTEN_BACKLOG)
        self._server.expiration_interval = STOP_CHECK_SECONDS
        self._server.keep_alive_conn_limit = KEEP_ALIVE_CONNECTIONS
        self._server.prepare()  # binds now, so `url` is known before serving
        self._thread = threading.Thread(target=self._server.serve, name="line-emulator", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.bind_addr[:2]
        return f"http://{host}:{port}"

    def start(self) -> EmulatorServer:
        """Start serving (again calling it, or entering `with`, on a running server is harmless)."""
        if not self._thread.is_alive():
            self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve from the calling thread until interrupted."""
        try:
            self._server.serve()
        finally:
            self._server.stop()

    def stop(self) -> None:
        webchat.stop(self.app)  # cheroot waits for every request in progress, long-polls included
        self._server.stop()
        if self._thread.is_alive():
            self._thread.join()

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
