"""The one door to LINE's Messaging API: every call the bot makes goes through `LineGateway`.

It owns the SDK client, the timeouts and the retry policy: 429, 5xx and network failures are
retried with exponential back-off and the same retry key; any other 4xx is final and is raised
with LINE's own message.

A reply has no retry key but its token is single use, and LINE refuses a used token as an invalid
one. So a reply is retried too, while its token is still valid: after a call whose answer never came,
a retry that LINE accepts means the first one did not land, and one refused for its token means the
first one did land (nobody else holds the token), so it counts as sent. Either way it arrives once.

Messages are sent as the JSON the handlers' SDK models produced (`core.line_json`, stored in the
outbox) through the SDK's own `ApiClient.call_api`: its generated `reply_message` and friends
would rebuild and re-validate every model twice over, about 0.4 ms of CPU per message sent. Nor
does the client walk that JSON again to serialise it (`JsonClient`): the walk was 5% of the bot's
CPU for a reminder pushed in `bench.fanout`.
"""

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import urllib3
from flask import Flask, current_app
from linebot.v3.messaging import (
    ApiClient,
    Configuration,
    MessagingApi,
    MessagingApiBlob,
    RichMenuRequest,
    ShowLoadingAnimationRequest,
)
from linebot.v3.messaging.exceptions import ApiException

from bot import metrics, pacing

log = logging.getLogger(__name__)


class LineError(Exception):
    """A LINE call that did not succeed. `transient` says whether trying again later may help."""

    def __init__(self, status: int | None, message: str, transient: bool, body_errors: bool = False):
        super().__init__(f"LINE answered {status}: {message}" if status else message)
        self.status = status
        self.message = message
        self.transient = transient
        self.body_errors = body_errors  # LINE listed what is wrong with the request's body

    @property
    def recipient_unreachable(self) -> bool:
        """403, or a 400 that finds nothing wrong with the body: the user blocked the bot or is not its friend."""
        return self.status == 403 or (self.status == 400 and not self.body_errors and not self.invalid_reply_token)

    @property
    def invalid_reply_token(self) -> bool:
        return self.status == 400 and "reply token" in self.message.lower()

    @property
    def outcome_unknown(self) -> bool:
        """No answer, or a server error: LINE may or may not have carried the call out."""
        return self.status is None or self.status >= 500

    @property
    def already_accepted(self) -> bool:
        """409 on a retried push/multicast: LINE accepted this retry key before, so it was sent."""
        return self.status == 409


@dataclass
class Profile:
    user_id: str
    display_name: str
    language: str | None = None


class JsonBody(dict):
    """A request body that is JSON already: the outbox's messages, read from its JSON column."""


class JsonClient(ApiClient):
    """The SDK's client, sending a `JsonBody` as it is (`json.dumps` in the SDK's REST client writes it)."""

    def sanitize_for_serialization(self, obj):
        return obj if isinstance(obj, JsonBody) else super().sanitize_for_serialization(obj)


class LineGateway:
    def __init__(self, access_token: str, api_base: str | None, timeout: float,
                 retries: int, backoff: float, pool_size: int, pacer: pacing.Pacer | None = None):
        config = Configuration(host=api_base, access_token=access_token)
        config.retries = False  # this class retries, with the same retry key
        config.connection_pool_maxsize = pool_size
        self._client = JsonClient(config)
        self._api = MessagingApi(self._client)
        self._blob = MessagingApiBlob(self._client)
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.pacer = pacer  # paces pushes and multicasts under LINE's rate limits (bot.pacing)

    def reply(self, reply_token: str, messages: list[dict], until: float, tried_before: bool = False,
              before_retry: Callable[[], None] | None = None) -> None:
        """Reply with a token, retrying on 429/5xx/no answer as long as a retry can start before `until`
        (epoch seconds, inside the token's minute). `tried_before`: an earlier attempt with this token
        ended with no known outcome (its process died). A refusal of the token after such an attempt
        means that attempt delivered the messages, and returns as a success. `before_retry()` runs before
        each retry (the outbox renews its claim on the message there)."""
        unknown = tried_before

        def used_by_an_earlier_try(error: LineError) -> bool:
            nonlocal unknown
            if error.invalid_reply_token:
                return unknown
            unknown = unknown or error.outcome_unknown
            return False

        body = {"replyToken": reply_token, "messages": messages}
        self._call(lambda: self._post("/v2/bot/message/reply", body), until=until, succeeded=used_by_an_earlier_try,
                   before_retry=before_retry)

    def push(self, to: str, messages: list[dict], retry_key: str) -> None:
        self._call(lambda: self._post("/v2/bot/message/push", {"to": to, "messages": messages}, retry_key, "push"))
        metrics.messages_pushed("push", 1)

    def multicast(self, to: list[str], messages: list[dict], retry_key: str) -> None:
        self._call(lambda: self._post("/v2/bot/message/multicast", {"to": to, "messages": messages}, retry_key,
                                      "multicast"))
        metrics.messages_pushed("multicast", len(to))

    def message_quota(self) -> int | None:
        """The channel's messages a month (pushes and multicasts, a message a recipient); None: no limit. Not
        retried: a caller that can't learn it carries on without it."""
        quota = self._call(lambda: self._api.get_message_quota(_request_timeout=self.timeout), retry=False)
        return quota.value if quota.type == "limited" else None

    def messages_used(self) -> int:
        """Messages counted against the quota so far this month."""
        used = self._call(lambda: self._api.get_message_quota_consumption(_request_timeout=self.timeout), retry=False)
        return used.total_usage

    def _post(self, path: str, body: dict, retry_key: str | None = None, paced: str | None = None) -> None:
        """POST JSON to a Messaging API endpoint, `paced` as that endpoint's calls (each try is a call); LINE's
        error answers raise `ApiException` as usual."""
        if paced and self.pacer is not None:
            self.pacer.wait(paced)
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if retry_key:
            headers["X-Line-Retry-Key"] = retry_key
        self._client.call_api(path, "POST", header_params=headers, body=JsonBody(body), response_types_map={},
                              auth_settings=["Bearer"], _host=self._api.line_base_path,
                              _request_timeout=self.timeout)

    def leave_group(self, group_id: str) -> None:
        self._call(lambda: self._api.leave_group(group_id, _request_timeout=self.timeout))

    def leave_room(self, room_id: str) -> None:
        self._call(lambda: self._api.leave_room(room_id, _request_timeout=self.timeout))

    def get_profile(self, user_id: str) -> Profile:
        profile = self._call(lambda: self._api.get_profile(user_id, _request_timeout=self.timeout), retry=False)
        return Profile(profile.user_id, profile.display_name, profile.language)

    def show_loading(self, user_id: str, seconds: int = 20) -> None:
        request = ShowLoadingAnimationRequest(chatId=user_id, loadingSeconds=seconds)
        self._call(lambda: self._api.show_loading_animation(request, _request_timeout=self.timeout),
                   retry=False)

    def get_content(self, message_id: str) -> bytes:
        return bytes(self._call(lambda: self._blob.get_message_content(message_id,
                                                                       _request_timeout=self.timeout)))

    def create_rich_menu(self, menu: dict) -> str:
        """A new rich menu's id. Not idempotent: a retried timeout may leave a spare menu behind, which
        `bot.richmenu.sync` deletes with the other menus it no longer uses."""
        request = RichMenuRequest.from_dict(menu)
        return self._call(lambda: self._api.create_rich_menu(request, _request_timeout=self.timeout)).rich_menu_id

    def set_rich_menu_image(self, rich_menu_id: str, png: bytes) -> None:
        # Without an explicit Content-Type the SDK tries to serialise the bytes as JSON and fails.
        self._call(lambda: self._blob.set_rich_menu_image(rich_menu_id, png, _headers={"Content-Type": "image/png"},
                                                          _request_timeout=self.timeout))

    def rich_menus(self) -> dict[str, str]:
        """Every rich menu of the channel: id → name."""
        listed = self._call(lambda: self._api.get_rich_menu_list(_request_timeout=self.timeout))
        return {menu.rich_menu_id: menu.name for menu in listed.richmenus}

    def delete_rich_menu(self, rich_menu_id: str) -> None:
        self._call(lambda: self._api.delete_rich_menu(rich_menu_id, _request_timeout=self.timeout))

    def set_default_rich_menu(self, rich_menu_id: str) -> None:
        self._call(lambda: self._api.set_default_rich_menu(rich_menu_id, _request_timeout=self.timeout))

    def link_rich_menu(self, user_id: str, rich_menu_id: str) -> None:
        self._call(lambda: self._api.link_rich_menu_id_to_user(user_id, rich_menu_id, _request_timeout=self.timeout))

    def unlink_rich_menu(self, user_id: str) -> None:
        self._call(lambda: self._api.unlink_rich_menu_id_from_user(user_id, _request_timeout=self.timeout))

    def _call(self, send: Callable, retry: bool = True, until: float | None = None,
              succeeded: Callable[[LineError], bool] | None = None, before_retry: Callable[[], None] | None = None):
        """`send()`, retried on transient errors: `retries` times, or with `until` (epoch seconds) as long as a
        retry can start before it. `succeeded(error)` says an error means an earlier try had done the work;
        `before_retry()` runs before each retry."""
        attempt = 0
        while True:
            try:
                answer = send()
                metrics.line_call("2xx")
                return answer
            except ApiException as exc:
                metrics.line_call(str(exc.status))
                message, body_errors = _line_message(exc)
                error = LineError(exc.status, message, transient=exc.status == 429 or exc.status >= 500,
                                  body_errors=body_errors)
            except (urllib3.exceptions.HTTPError, OSError) as exc:
                metrics.line_call("none")
                error = LineError(None, f"no answer from LINE: {exc.__class__.__name__}", transient=True)
            if succeeded is not None and succeeded(error):
                return None
            delay = self.backoff * 2**attempt
            tries_left = time.time() + delay < until if until is not None else retry and attempt < self.retries
            if not error.transient or not tries_left:
                raise error
            log.info("LINE call failed (%s); retrying in %.2fs", error, delay)
            if before_retry is not None:
                before_retry()
            time.sleep(delay)
            attempt += 1


def _line_message(exc: ApiException) -> tuple[str, bool]:
    """LINE's message and its details, e.g. "The request body has 1 error(s): messages[0].text: ...", and whether
    there were details (errors in the request's body)."""
    text = exc.body.decode("utf-8", "replace") if isinstance(exc.body, bytes) else exc.body or ""
    try:
        body = json.loads(text or "{}")
    except ValueError:
        return text[:500] or exc.reason or "", False
    details = "; ".join(f"{d.get('property', '')}: {d.get('message', '')}" for d in body.get("details") or [])
    message = body.get("message") or exc.reason or ""
    return (f"{message}: {details}", True) if details else (message, False)


def init_app(app: Flask) -> None:
    app.extensions["line_gateway"] = LineGateway(
        access_token=app.config["LINE_CHANNEL_ACCESS_TOKEN"],
        api_base=app.config["LINE_API_BASE"],
        timeout=app.config["LINE_TIMEOUT"],
        retries=app.config["LINE_RETRIES"],
        backoff=app.config["LINE_RETRY_BACKOFF"],
        pool_size=app.config["DELIVERY_THREADS"] + app.config["EVENT_THREADS"],
        pacer=pacing.Pacer(pacing.bucket(app), {"push": app.config["LINE_PUSH_PER_SECOND"],
                                              "multicast": app.config["LINE_MULTICAST_PER_SECOND"]}),
    )


def gateway() -> LineGateway:
    return current_app.extensions["line_gateway"]
