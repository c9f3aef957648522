"""Plays the LINE platform's side of the webhook: builds events for a user and posts them, signed.

Each builder returns the event exactly as LINE would send it, with a fresh webhookEventId and,
where LINE gives one, a reply token issued by the platform so the bot's reply can be checked.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import struct
import time
from typing import Any

import requests
from ulid import ULID

from emulator.platform import Platform

WEBHOOK_TIMEOUT_SECONDS = 10
# Sentinel for post(): sign the body unless the caller passes a signature or None (no header).
COMPUTED_SIGNATURE = object()


def _jpeg_segment(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


# A decodable 1x1 mid-grey baseline JPEG: one 8x8 block whose DC difference and AC end-of-block
# are each coded by a one-symbol Huffman table, so the whole scan is a single byte.
TINY_JPEG = (
    b"\xff\xd8"
    + _jpeg_segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
    + _jpeg_segment(0xDB, b"\x00" + b"\x01" * 64)
    + _jpeg_segment(0xC0, b"\x08\x00\x01\x00\x01\x01\x01\x11\x00")
    + _jpeg_segment(0xC4, b"\x00\x01" + b"\x00" * 15 + b"\x00")
    + _jpeg_segment(0xC4, b"\x10\x01" + b"\x00" * 15 + b"\x00")
    + _jpeg_segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")
    + b"\x3f\xff\xd9"
)


class LineDriver:
    """Sends webhook events to the bot at `webhook_url` on behalf of users of `platform`, in their
    one-to-one chat with the bot or (`in_group`, `in_room`, `join`) in a group or room chat."""

    def __init__(
        self,
        platform: Platform,
        webhook_url: str,
        channel_secret: str | None = None,
        destination: str | None = None,
    ):
        self.platform = platform
        self.webhook_url = webhook_url
        self.channel_secret = platform.channel_secret if channel_secret is None else channel_secret
        self.destination = destination or Platform.new_user_id()
        self.session = requests.Session()

    # ---- event builders ----------------------------------------------------------------------

    def _event(self, event_type: str, user_id: str, *, with_reply_token: bool = True, **fields: Any) -> dict:
        event = {
            "type": event_type,
            "mode": "active",
            "timestamp": int(time.time() * 1000),
            "source": {"type": "user", "userId": user_id},
            "webhookEventId": str(ULID()),
            "deliveryContext": {"isRedelivery": False},
        }
        if with_reply_token:
            event["replyToken"] = self.platform.issue_reply_token(user_id)
        event.update(fields)
        return event

    def _message_event(self, user_id: str, message_type: str, **content: Any) -> dict:
        message = {"type": message_type, "id": Platform.new_message_id(), **content}
        return self._event("message", user_id, message=message)

    def text(self, user_id: str, text: str) -> dict:
        return self._message_event(user_id, "text", text=text, quoteToken=Platform.new_quote_token())

    def image(self, user_id: str, data: bytes = TINY_JPEG, content_type: str = "image/jpeg") -> dict:
        """An image message whose bytes the bot can then download from the content endpoint."""
        event = self._message_event(
            user_id, "image", contentProvider={"type": "line"}, quoteToken=Platform.new_quote_token()
        )
        self.platform.store_content(event["message"]["id"], data, content_type)
        return event

    def location(
        self,
        user_id: str,
        latitude: float,
        longitude: float,
        title: str | None = None,
        address: str | None = None,
    ) -> dict:
        optional = {name: value for name, value in (("title", title), ("address", address)) if value}
        return self._message_event(user_id, "location", latitude=latitude, longitude=longitude, **optional)

    def sticker(self, user_id: str, package_id: str = "446", sticker_id: str = "1988") -> dict:
        return self._message_event(
            user_id,
            "sticker",
            packageId=package_id,
            stickerId=sticker_id,
            stickerResourceType="STATIC",
            quoteToken=Platform.new_quote_token(),
        )

    def postback(self, user_id: str, data: str, params: dict[str, str] | None = None) -> dict:
        postback = {"data": data} if params is None else {"data": data, "params": params}
        return self._event("postback", user_id, postback=postback)

    def follow(self, user_id: str) -> dict:
        return self._event("follow", user_id, follow={"isUnblocked": False})

    def unfollow(self, user_id: str) -> dict:
        return self._event("unfollow", user_id, with_reply_token=False)

    def in_group(self, event: dict, group_id: str) -> dict:
        """The same event sent by its user inside a group chat: the source names the group, and
        the reply token answers into the group."""
        return self._in_chat(event, {"type": "group", "groupId": group_id})

    def in_room(self, event: dict, room_id: str) -> dict:
        """The same event sent by its user inside a multi-person chat (a room)."""
        return self._in_chat(event, {"type": "room", "roomId": room_id})

    def _in_chat(self, event: dict, source: dict) -> dict:
        chat_id = source.get("groupId") or source["roomId"]
        in_chat = copy.deepcopy(event)
        in_chat["source"] = source | {key: value for key, value in event["source"].items() if key == "userId"}
        if "replyToken" in event:
            in_chat["replyToken"] = self.platform.issue_reply_token(chat_id)
        return in_chat

    def join(self, group_id: str | None = None, room_id: str | None = None) -> dict:
        """The bot was added to a group (or a room): the event has no user, and the bot is in the chat again."""
        chat_id = group_id or room_id
        self.platform.join_chat(chat_id)
        event = self._event("join", chat_id)  # its reply token answers into the chat
        event["source"] = {"type": "group", "groupId": group_id} if group_id else {"type": "room", "roomId": room_id}
        return event

    @staticmethod
    def redeliver(event: dict) -> dict:
        """The event as LINE resends it after a failed delivery: same webhookEventId, flagged."""
        redelivered = copy.deepcopy(event)
        redelivered["deliveryContext"]["isRedelivery"] = True
        return redelivered

    # ---- sending -----------------------------------------------------------------------------

    def body(self, *events: dict) -> bytes:
        """Compact UTF-8 JSON with non-ASCII text unescaped, as LINE sends it."""
        payload = {"destination": self.destination, "events": list(events)}
        return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    def sign(self, body: bytes) -> str:
        digest = hmac.new(self.channel_secret.encode("utf-8"), body, hashlib.sha256).digest()
        return base64.b64encode(digest).decode("ascii")

    def post(
        self,
        body: bytes,
        signature: Any = COMPUTED_SIGNATURE,
        headers: dict[str, str] | None = None,
    ) -> requests.Response:
        """POST a webhook body; `signature` defaults to the right one, None leaves the header out."""
        request_headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "LineBotWebhook/2.0",
        }
        if signature is COMPUTED_SIGNATURE:
            signature = self.sign(body)
        if signature is not None:
            request_headers["X-Line-Signature"] = signature
        request_headers.update(headers or {})
        return self.session.post(
            self.webhook_url, data=body, headers=request_headers, timeout=WEBHOOK_TIMEOUT_SECONDS
        )

    def send(self, *events: dict) -> requests.Response:
        return self.post(self.body(*events))
