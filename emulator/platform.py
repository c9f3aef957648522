"""Thread-safe state of a fake LINE platform.

The HTTP server, the webhook driver and tests all share one `Platform`; every piece of state
sits behind one lock, and a condition on that lock wakes anyone waiting for bot traffic, so
tests can wait for an answer instead of sleeping.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Literal

RETRY_KEY_LIFETIME_SECONDS = 24 * 60 * 60
ID_TOKEN_LIFETIME_SECONDS = 60 * 60  # as LINE's LIFF ID tokens
LIFF_URL = "https://liff.line.me/"
RATE_LIMIT_WINDOW_SECONDS = 1.0
# LINE's own rate limits on the endpoints that cost messages, calls a second per channel (`Platform.rate_limits`).
LINE_RATE_LIMITS = {"/v2/bot/message/push": 2000, "/v2/bot/message/multicast": 200}
QUOTA_EXCEEDED = "You have reached your monthly limit."
UNREACHABLE = "Failed to send messages"  # a push to a user who blocked the bot (`Platform.block`)
DEFAULT_FAILURE_BODY = {"message": "Injected failure"}

DeliveryKind = Literal["reply", "push", "multicast"]


class PlatformError(Exception):
    """A request the real platform refuses; the server answers it as `status` with this JSON body."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        details: list[dict] | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.message = message
        self.details = details
        self.headers = headers or {}

    def body(self) -> dict:
        if self.details is None:
            return {"message": self.message}
        return {"message": self.message, "details": self.details}


@dataclass(frozen=True)
class Delivery:
    """Messages one Messaging API call delivered to one user (multicast makes one per recipient)."""

    seq: int
    kind: DeliveryKind
    user_id: str
    messages: list[dict]
    retry_key: str | None
    request_id: str
    at: float  # when it was delivered (seconds since the epoch): the time the chat shows beside it

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class InjectedFailure:
    """How to answer a request matched by `Platform.fail_next` (`status=None`: only hold the answer)."""

    status: int | None
    delay: float
    body: dict


class Gate:
    """Calls stopped by `Platform.hold`, so a test can act while the bot waits on LINE."""

    def __init__(self, platform: Platform, path_prefix: str):
        self._platform = platform
        self.path_prefix = path_prefix
        self.held_calls = 0
        self.released = False

    def wait_until_held(self, timeout: float = 10.0, calls: int = 1) -> bool:
        """True once `calls` calls have reached the gate (they stay stuck until release())."""
        return self._platform.wait_for(lambda: self.held_calls >= calls, timeout)

    def release(self) -> None:
        """Let held calls, and any later ones, through to be processed normally."""
        self._platform.release_gate(self)


@dataclass
class _PendingFailure:
    path_prefix: str
    remaining: int
    failure: InjectedFailure


class Platform:
    """Users, tokens, content, rich menus and the record of everything the bot sent."""

    def __init__(
        self,
        channel_secret: str,
        access_token: str,
        *,
        reply_token_ttl: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.channel_secret = channel_secret
        self.access_token = access_token
        self.reply_token_ttl = reply_token_ttl
        self._clock = clock
        self.wall_clock: Callable[[], float] = time.time  # the time of day deliveries are stamped with
        # Reentrant so that wait_for predicates may call the public accessors.
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._users: dict[str, dict] = {}
        self._reply_tokens: dict[str, tuple[str, float]] = {}
        self._contents: dict[str, tuple[bytes, str]] = {}
        self._rich_menus: dict[str, dict] = {}
        self._rich_menu_images: dict[str, tuple[bytes, str]] = {}
        self._user_rich_menus: dict[str, str] = {}
        self._default_rich_menu_id: str | None = None
        self._liff_endpoints: dict[str, str] = {}
        self._id_token_key = secrets.token_bytes(32)
        # Never reset, so a long-polling client's `after_seq` stays meaningful across reset().
        self._last_seq = 0
        self._clear_traffic_and_knobs()

    def _clear_traffic_and_knobs(self) -> None:
        self._deliveries: list[Delivery] = []
        # Per-user index, so waiters re-checking on every change don't rescan everyone's traffic.
        self._deliveries_by_user: dict[str, list[Delivery]] = {}
        self._requests: list[dict] = []
        self._failures: list[_PendingFailure] = []
        self._accepted_retry_keys: dict[str, tuple[str, float]] = {}
        self._admitted_call_times: deque[float] = deque()
        self._rate_limits: dict[str, int] = {}
        self._admitted_by_path: dict[str, deque[float]] = {}
        self._message_quota: int | None = None
        self._messages_used = 0
        self._blocked: set[str] = set()
        self._gates: list[Gate] = []
        self._chats_left: set[str] = set()
        self._latency_ms = 0.0
        self._rate_limit_per_second: int | None = None

    def reset(self) -> None:
        """Forget deliveries, the request log, retry keys, failures, knobs (the quota and who blocked the bot too) and
        the chats the bot left (releasing open gates, so no call stays stuck); keep users, content, rich menus and LIFF
        apps."""
        with self._lock:
            for gate in self._gates:
                gate.released = True
            self._clear_traffic_and_knobs()
            self._changed.notify_all()

    # ---- identifiers -------------------------------------------------------------------------

    @staticmethod
    def new_user_id() -> str:
        return "U" + secrets.token_hex(16)

    @staticmethod
    def new_group_id() -> str:
        return "C" + secrets.token_hex(16)

    @staticmethod
    def new_room_id() -> str:
        return "R" + secrets.token_hex(16)

    @staticmethod
    def new_message_id() -> str:
        """An 18-digit decimal string, the shape of LINE message ids."""
        return str(10**17 + secrets.randbelow(9 * 10**17))

    @staticmethod
    def new_quote_token() -> str:
        return secrets.token_urlsafe(48)

    # ---- users -------------------------------------------------------------------------------

    def add_user(
        self,
        user_id: str,
        display_name: str | None = None,
        picture_url: str | None = None,
        language: str = "th",
    ) -> dict:
        profile = {
            "userId": user_id,
            "displayName": display_name or f"User {user_id[-4:]}",
            "language": language,
        }
        if picture_url is not None:
            profile["pictureUrl"] = picture_url
        with self._lock:
            self._users[user_id] = profile
        return dict(profile)

    def users(self) -> list[dict]:
        with self._lock:
            return [dict(profile) for profile in self._users.values()]

    def profile(self, user_id: str) -> dict | None:
        with self._lock:
            profile = self._users.get(user_id)
            return None if profile is None else dict(profile)

    # ---- reply tokens ------------------------------------------------------------------------

    def issue_reply_token(self, user_id: str) -> str:
        token = secrets.token_hex(16)
        with self._lock:
            self._reply_tokens[token] = (user_id, self._clock())
        return token

    def redeem_reply_token(self, token: str) -> str:
        """Use up a reply token and return its user id; unknown, used or expired tokens are refused."""
        with self._lock:
            issued = self._reply_tokens.pop(token, None)
            if issued is None or self._clock() - issued[1] >= self.reply_token_ttl:
                raise PlatformError(400, "Invalid reply token")
            return issued[0]

    # ---- group and room chats ----------------------------------------------------------------

    def join_chat(self, chat_id: str) -> None:
        """The bot was brought (back) into a group or room chat."""
        with self._lock:
            self._chats_left.discard(chat_id)

    def leave_chat(self, chat_id: str) -> None:
        """The bot leaves a group or room chat; like LINE, 404 if it is not in that chat any more."""
        with self._changed:
            if chat_id in self._chats_left:
                raise PlatformError(404, "Not found")
            self._chats_left.add(chat_id)
            self._changed.notify_all()

    def has_left(self, chat_id: str) -> bool:
        with self._lock:
            return chat_id in self._chats_left

    # ---- message content ---------------------------------------------------------------------

    def store_content(self, message_id: str, data: bytes, content_type: str = "image/jpeg") -> None:
        with self._lock:
            self._contents[message_id] = (bytes(data), content_type)

    def forget_content(self, message_id: str) -> None:
        """LINE keeps what users send only for a while: the content endpoint then answers 404."""
        with self._lock:
            self._contents.pop(message_id, None)

    def content(self, message_id: str) -> tuple[bytes, str] | None:
        """The (bytes, content type) a user sent in message `message_id`."""
        with self._lock:
            return self._contents.get(message_id)

    # ---- behaviour knobs ---------------------------------------------------------------------

    @property
    def latency_ms(self) -> float:
        """Delay added before every Messaging API answer."""
        with self._lock:
            return self._latency_ms

    @latency_ms.setter
    def latency_ms(self, value: float) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise ValueError("latency_ms must be a number >= 0")
        with self._lock:
            self._latency_ms = float(value)

    @property
    def rate_limit_per_second(self) -> int | None:
        """Messaging API calls admitted per second before answering 429; None means unlimited."""
        with self._lock:
            return self._rate_limit_per_second

    @rate_limit_per_second.setter
    def rate_limit_per_second(self, value: int | None) -> None:
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise ValueError("rate_limit_per_second must be a positive integer or None")
        with self._lock:
            self._rate_limit_per_second = value
            self._admitted_call_times.clear()

    @property
    def rate_limits(self) -> dict[str, int]:
        """Calls a second admitted to the endpoints whose paths start with each key, before answering 429 (on top
        of `rate_limit_per_second`); `LINE_RATE_LIMITS` are LINE's own."""
        with self._lock:
            return dict(self._rate_limits)

    @rate_limits.setter
    def rate_limits(self, value: dict[str, int]) -> None:
        if not isinstance(value, dict) or not all(
                isinstance(path, str) and isinstance(limit, int) and not isinstance(limit, bool) and limit >= 1
                for path, limit in value.items()):
            raise ValueError("rate_limits must map path prefixes to positive integers")
        with self._lock:
            self._rate_limits = dict(value)
            self._admitted_by_path = {path: deque() for path in value}

    def admit_call(self, path: str = "") -> bool:
        """Count one Messaging API call to `path` against the rate limits; False means answer 429."""
        with self._lock:
            now = self._clock()
            windows = [(self._admitted_call_times, self._rate_limit_per_second)]
            windows += [(self._admitted_by_path[prefix], limit) for prefix, limit in self._rate_limits.items()
                        if path.startswith(prefix)]
            windows = [(window, limit) for window, limit in windows if limit is not None]
            for window, limit in windows:
                while window and now - window[0] >= RATE_LIMIT_WINDOW_SECONDS:
                    window.popleft()
                if len(window) >= limit:
                    return False
            for window, _ in windows:
                window.append(now)
            return True

    # ---- the monthly message quota -------------------------------------------------------------

    @property
    def message_quota(self) -> int | None:
        """Messages (a push or multicast call counts one a recipient; replies are free) the channel may send this
        month, as LINE's `GET /v2/bot/message/quota` answers; None: no limit. Past it, LINE answers 429."""
        with self._lock:
            return self._message_quota

    @message_quota.setter
    def message_quota(self, value: int | None) -> None:
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            raise ValueError("message_quota must be an integer >= 0 or None")
        with self._lock:
            self._message_quota = value

    @property
    def messages_used(self) -> int:
        """Messages counted against the quota since the last reset (`GET /v2/bot/message/quota/consumption`)."""
        with self._lock:
            return self._messages_used

    # ---- users who blocked the bot ---------------------------------------------------------------

    def block(self, user_id: str) -> None:
        """The user blocks the bot: a push to them is refused (400), a multicast skips them."""
        with self._lock:
            self._blocked.add(user_id)

    def fail_next(
        self,
        path_prefix: str,
        status: int | None = 500,
        count: int = 1,
        delay: float = 0.0,
        body: dict | None = None,
    ) -> None:
        """Make the next `count` calls whose path starts with `path_prefix` wait `delay` seconds and
        then answer `status` with `body`, without doing anything.

        With `status=None` the call is carried out (and logged) at once and only its answer is held
        back for `delay` seconds: a client with a shorter timeout gives up on a request that did
        succeed, and its retry deterministically meets the state that request left.
        """
        if status is not None and (isinstance(status, bool) or not isinstance(status, int)):
            raise ValueError("status must be an HTTP status code or None")
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise ValueError("count must be a positive integer")
        if isinstance(delay, bool) or not isinstance(delay, (int, float)) or delay < 0:
            raise ValueError("delay must be a number >= 0")
        if body is not None and not isinstance(body, dict):
            raise ValueError("body must be a JSON object")
        failure = InjectedFailure(status, float(delay), dict(body or DEFAULT_FAILURE_BODY))
        with self._lock:
            self._failures.append(_PendingFailure(path_prefix, count, failure))

    def take_failure(self, path: str) -> InjectedFailure | None:
        """The injected failure, if any, that the call to `path` must suffer (used up on return)."""
        with self._lock:
            for pending in self._failures:
                if path.startswith(pending.path_prefix):
                    pending.remaining -= 1
                    if pending.remaining == 0:
                        self._failures.remove(pending)
                    return pending.failure
            return None

    def hold(self, path_prefix: str) -> Gate:
        """Stop every call whose path starts with `path_prefix`, before it is processed, until the
        returned gate is released: the deterministic way to make LINE slow for a test."""
        gate = Gate(self, path_prefix)
        with self._lock:
            self._gates.append(gate)
        return gate

    def release_gate(self, gate: Gate) -> None:
        with self._changed:
            gate.released = True
            if gate in self._gates:
                self._gates.remove(gate)
            self._changed.notify_all()

    def pass_gates(self, path: str) -> None:
        """Block the calling request while a gate holds its path."""
        with self._changed:
            while True:
                gate = next((gate for gate in self._gates if path.startswith(gate.path_prefix)), None)
                if gate is None:
                    return
                gate.held_calls += 1
                self._changed.notify_all()
                self._changed.wait_for(lambda gate=gate: gate.released)

    # ---- request log -------------------------------------------------------------------------

    def log_request(self, entry: dict) -> None:
        with self._changed:
            self._requests.append(entry)
            self._changed.notify_all()

    @property
    def requests(self) -> list[dict]:
        """Every Messaging API call answered, oldest first: method, path, headers, json, status, time."""
        with self._lock:
            return [dict(entry) for entry in self._requests]

    # ---- deliveries --------------------------------------------------------------------------

    def deliver(
        self,
        kind: DeliveryKind,
        user_ids: list[str],
        messages: list[dict],
        *,
        request_id: str,
        retry_key: str | None = None,
    ) -> list[Delivery]:
        """Record `messages` as received by each user, at most once per retry key within 24 h; a push or multicast
        counts one message a recipient against the quota."""
        with self._changed:
            now = self._clock()
            if retry_key is not None:
                accepted = self._accepted_retry_keys.get(retry_key)
                if accepted is not None and now - accepted[1] < RETRY_KEY_LIFETIME_SECONDS:
                    raise PlatformError(
                        409,
                        "The retry key is already accepted",
                        headers={"x-line-accepted-request-id": accepted[0]},
                    )
            if kind != "reply":
                if kind == "push" and user_ids[0] in self._blocked:
                    raise PlatformError(400, UNREACHABLE)
                user_ids = [user_id for user_id in user_ids if user_id not in self._blocked]
                if self._message_quota is not None and self._messages_used + len(user_ids) > self._message_quota:
                    raise PlatformError(429, QUOTA_EXCEEDED)
                self._messages_used += len(user_ids)
            if retry_key is not None:
                self._accepted_retry_keys[retry_key] = (request_id, now)
            delivered = []
            for user_id in user_ids:
                self._last_seq += 1
                delivered.append(
                    Delivery(self._last_seq, kind, user_id, copy.deepcopy(messages), retry_key, request_id,
                             self.wall_clock())
                )
            self._deliveries.extend(delivered)
            for delivery in delivered:
                self._deliveries_by_user.setdefault(delivery.user_id, []).append(delivery)
            self._changed.notify_all()
            return delivered

    def received(self, user_id: str) -> list[Delivery]:
        return self.messages_for(user_id)

    def messages_for(self, user_id: str | None, after_seq: int = 0) -> list[Delivery]:
        """Deliveries to `user_id` (None: to anyone) with seq > after_seq, oldest first."""
        with self._lock:
            deliveries = self._deliveries if user_id is None else self._deliveries_by_user.get(user_id, [])
            return [delivery for delivery in deliveries if delivery.seq > after_seq]

    # ---- waiting -----------------------------------------------------------------------------

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
        """Block until `predicate()` holds, re-checking on every new delivery, logged request or change of
        which rich menu someone is shown."""
        with self._changed:
            return self._changed.wait_for(predicate, timeout)

    def recheck_waiters(self) -> None:
        """Make every `wait_for` re-check its predicate now (something outside the platform changed)."""
        with self._changed:
            self._changed.notify_all()

    def wait_for_messages(self, user_id: str, count: int, timeout: float = 10.0) -> list[Delivery]:
        """All deliveries to `user_id` once there are at least `count` of them (one per API call,
        each carrying up to 5 messages); AssertionError if that takes longer than `timeout`."""
        if self.wait_for(lambda: len(self.received(user_id)) >= count, timeout):
            return self.received(user_id)
        got = self.received(user_id)
        raise AssertionError(
            f"expected {count} deliveries to {user_id} within {timeout} s, got {len(got)}: "
            f"{[delivery.messages for delivery in got]!r}"
        )

    def wait_for_user_messages(self, user_id: str, after_seq: int, timeout: float,
                               stop: threading.Event | None = None) -> list[Delivery]:
        """Long-poll: deliveries to `user_id` newer than `after_seq`, or [] after `timeout` or once `stop`
        is set (then call `recheck_waiters`)."""
        self.wait_for(lambda: bool(self.messages_for(user_id, after_seq)) or (stop is not None and stop.is_set()),
                      timeout)
        return self.messages_for(user_id, after_seq)

    # ---- rich menus --------------------------------------------------------------------------

    def create_rich_menu(self, rich_menu: dict) -> str:
        rich_menu_id = "richmenu-" + secrets.token_hex(16)
        with self._lock:
            self._rich_menus[rich_menu_id] = {"richMenuId": rich_menu_id, **copy.deepcopy(rich_menu)}
        return rich_menu_id

    def rich_menu(self, rich_menu_id: str) -> dict:
        with self._lock:
            return copy.deepcopy(self._existing_rich_menu(rich_menu_id))

    def rich_menus(self) -> list[dict]:
        with self._lock:
            return copy.deepcopy(list(self._rich_menus.values()))

    def delete_rich_menu(self, rich_menu_id: str) -> None:
        """Delete a rich menu; users linked to it, and the default if it was that one, lose it."""
        with self._changed:
            self._existing_rich_menu(rich_menu_id)
            del self._rich_menus[rich_menu_id]
            self._rich_menu_images.pop(rich_menu_id, None)
            self._user_rich_menus = {
                user_id: linked for user_id, linked in self._user_rich_menus.items() if linked != rich_menu_id
            }
            if self._default_rich_menu_id == rich_menu_id:
                self._default_rich_menu_id = None
            self._changed.notify_all()

    def set_rich_menu_image(self, rich_menu_id: str, data: bytes, content_type: str) -> None:
        """Attach the image; like LINE, a rich menu's image can be uploaded only once."""
        with self._lock:
            self._existing_rich_menu(rich_menu_id)
            if rich_menu_id in self._rich_menu_images:
                raise PlatformError(400, "An image has already been uploaded to the richmenu")
            self._rich_menu_images[rich_menu_id] = (bytes(data), content_type)

    def rich_menu_image(self, rich_menu_id: str) -> tuple[bytes, str]:
        with self._lock:
            self._existing_rich_menu(rich_menu_id)
            image = self._rich_menu_images.get(rich_menu_id)
            if image is None:
                raise PlatformError(404, "Not found")
            return image

    def link_rich_menu(self, user_id: str, rich_menu_id: str) -> None:
        with self._changed:
            self._require_image(rich_menu_id)
            self._user_rich_menus[user_id] = rich_menu_id
            self._changed.notify_all()

    def unlink_rich_menu(self, user_id: str) -> None:
        with self._changed:
            self._user_rich_menus.pop(user_id, None)
            self._changed.notify_all()

    def linked_rich_menu(self, user_id: str) -> str | None:
        """The rich menu linked to this very user (the default one does not count, as on LINE)."""
        with self._lock:
            return self._user_rich_menus.get(user_id)

    def set_default_rich_menu(self, rich_menu_id: str | None) -> None:
        with self._changed:
            if rich_menu_id is not None:
                self._require_image(rich_menu_id)
            self._default_rich_menu_id = rich_menu_id
            self._changed.notify_all()

    def default_rich_menu(self) -> str | None:
        with self._lock:
            return self._default_rich_menu_id

    def shown_rich_menu(self, user_id: str) -> str | None:
        """The rich menu LINE shows this user under the chat: the one linked to them, else the default."""
        with self._lock:
            return self._user_rich_menus.get(user_id, self._default_rich_menu_id)

    def _existing_rich_menu(self, rich_menu_id: str) -> dict:
        rich_menu = self._rich_menus.get(rich_menu_id)
        if rich_menu is None:
            raise PlatformError(404, "Not found")
        return rich_menu

    def _require_image(self, rich_menu_id: str) -> None:
        """LINE refuses to show a rich menu that has no image yet."""
        self._existing_rich_menu(rich_menu_id)
        if rich_menu_id not in self._rich_menu_images:
            raise PlatformError(400, "An image has not been uploaded to the richmenu")

    # ---- LINE Login: LIFF apps and their ID tokens ----------------------------------------------

    def add_liff_app(self, liff_id: str, endpoint_url: str) -> None:
        """A LIFF app of the LINE Login channel whose ID begins its `liff_id` (as LINE numbers them)."""
        if "-" not in liff_id or not liff_id.split("-", 1)[0].isdigit():
            raise ValueError(f"{liff_id!r} is not a LIFF ID (CHANNELID-xxxxxxxx)")
        with self._lock:
            self._liff_endpoints[liff_id] = endpoint_url.rstrip("/")

    def liff_target(self, url: str) -> tuple[str, str] | None:
        """Where LINE opens `url` as a LIFF app, and which: https://liff.line.me/{id}/path?q opens the app's
        endpoint URL + /path?q ("concatenate"), and so does the endpoint URL itself; None for other links."""
        with self._lock:
            apps = dict(self._liff_endpoints)
        for liff_id, endpoint in apps.items():
            for prefix, base in ((LIFF_URL + liff_id, endpoint), (endpoint, endpoint)):
                rest = url[len(prefix):]
                if url.startswith(prefix) and (not rest or rest[0] in "/?#"):
                    return liff_id, base + rest
        return None

    def issue_id_token(self, user_id: str, liff_id: str, issued_at: float | None = None) -> str:
        """The ID token LINE gives the LIFF app `liff_id` for the logged-in `user_id`: a JWT whose `aud` is the
        app's channel, valid for an hour. Signed with HS256 and a key only this platform knows (LINE signs
        with ES256): the app can't check it itself, only through `verify_id_token`."""
        issued_at = int(time.time() if issued_at is None else issued_at)
        profile = self.profile(user_id) or {}
        claims = {"iss": "https://access.line.me", "sub": user_id, "aud": liff_id.split("-", 1)[0],
                  "exp": issued_at + ID_TOKEN_LIFETIME_SECONDS, "iat": issued_at, "amr": ["linesso"],
                  "name": profile.get("displayName", "")}
        header_and_claims = b".".join(_base64url(json.dumps(part, separators=(",", ":")).encode())
                                      for part in ({"typ": "JWT", "alg": "HS256"}, claims))
        return (header_and_claims + b"." + _base64url(self._id_token_signature(header_and_claims))).decode()

    def verify_id_token(self, id_token: str, client_id: str) -> dict:
        """The claims of a token this platform issued, for the channel `client_id` and not expired; otherwise
        PlatformError 400 with LINE's error description."""
        header_and_claims, _, signature = id_token.encode("ascii", "replace").rpartition(b".")
        try:
            genuine = hmac.compare_digest(_unbase64url(signature), self._id_token_signature(header_and_claims))
            claims = json.loads(_unbase64url(header_and_claims.split(b".")[1])) if genuine else None
        except (ValueError, IndexError):
            claims = None
        if claims is None:
            raise PlatformError(400, "Invalid IdToken.")
        if claims["exp"] <= time.time():
            raise PlatformError(400, "IdToken expired.")
        if claims["aud"] != client_id:
            raise PlatformError(400, "Invalid IdToken Audience.")
        return claims

    def _id_token_signature(self, header_and_claims: bytes) -> bytes:
        return hmac.new(self._id_token_key, header_and_claims, hashlib.sha256).digest()


def _base64url(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def _unbase64url(data: bytes) -> bytes:
    return base64.urlsafe_b64decode(data + b"=" * (-len(data) % 4))
