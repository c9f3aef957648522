"""Request-body checks the real Messaging API makes, so bot bugs fail here as they would on LINE.

Each function returns LINE-style error details, `[{"message": ..., "property": ...}]`; an empty
list means the body is acceptable.
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_MESSAGES_PER_REQUEST = 5
MAX_TEXT_LENGTH = 5000
MAX_QUICK_REPLY_ITEMS = 13
MAX_POSTBACK_DATA_LENGTH = 300
MAX_CAROUSEL_BUBBLES = 12
MAX_FLEX_ALT_TEXT_LENGTH = 1500
# A bubble's JSON at most 30 KB, a carousel's 50 KB, counted here as UTF-8 bytes of compact JSON and taking a KB
# as 1,000 bytes: no stricter than LINE, whichever it means.
MAX_BUBBLE_BYTES, MAX_CAROUSEL_BYTES = 30_000, 50_000
MAX_MULTICAST_RECIPIENTS = 500
MAX_RICH_MENU_AREAS = 20
MAX_RICH_MENU_NAME_LENGTH = 300
MAX_CHAT_BAR_TEXT_LENGTH = 14

MESSAGE_TYPES = frozenset(
    {"text", "textV2", "sticker", "image", "video", "audio", "location", "imagemap", "template", "flex"}
)
# Retry keys are UUIDs written in the canonical 8-4-4-4-12 hexadecimal form.
RETRY_KEY_PATTERN = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")


def _detail(message: str, prop: str) -> dict:
    return {"message": message, "property": prop}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _non_empty_string_errors(body: dict, prop: str) -> list[dict]:
    value = body.get(prop)
    if not isinstance(value, str) or not value:
        return [_detail("Must be a non-empty string", prop)]
    return []


def is_retry_key(value: str) -> bool:
    return RETRY_KEY_PATTERN.fullmatch(value) is not None


def messages_errors(messages: Any) -> list[dict]:
    if not isinstance(messages, list) or not 1 <= len(messages) <= MAX_MESSAGES_PER_REQUEST:
        return [_detail(f"Size must be between 1 and {MAX_MESSAGES_PER_REQUEST}", "messages")]
    errors = []
    for index, message in enumerate(messages):
        errors += _message_errors(message, f"messages[{index}]")
    return errors


def _message_errors(message: Any, path: str) -> list[dict]:
    if not isinstance(message, dict) or message.get("type") not in MESSAGE_TYPES:
        return [_detail("Invalid message type", f"{path}.type")]
    errors = []
    if message["type"] == "text":
        text = message.get("text")
        if not isinstance(text, str) or not 1 <= len(text) <= MAX_TEXT_LENGTH:
            errors.append(_detail(f"Length must be between 1 and {MAX_TEXT_LENGTH}", f"{path}.text"))
    if "quickReply" in message:
        quick_reply = message["quickReply"]
        items = quick_reply.get("items") if isinstance(quick_reply, dict) else None
        if not isinstance(items, list) or not 1 <= len(items) <= MAX_QUICK_REPLY_ITEMS:
            errors.append(
                _detail(f"Size must be between 1 and {MAX_QUICK_REPLY_ITEMS}", f"{path}.quickReply.items")
            )
    if message["type"] == "flex":
        errors += _flex_errors(message, path)
    return errors + postback_data_errors(message, path)


def _flex_errors(message: dict, path: str) -> list[dict]:
    errors = []
    alt_text = message.get("altText")
    if not isinstance(alt_text, str) or not 1 <= len(alt_text) <= MAX_FLEX_ALT_TEXT_LENGTH:
        errors.append(_detail(f"Length must be between 1 and {MAX_FLEX_ALT_TEXT_LENGTH}", f"{path}.altText"))
    contents = message.get("contents")
    if not isinstance(contents, dict):
        return errors + [_detail("Must be a bubble or a carousel", f"{path}.contents")]
    if contents.get("type") == "carousel":
        bubbles = contents.get("contents")
        if not isinstance(bubbles, list) or not 1 <= len(bubbles) <= MAX_CAROUSEL_BUBBLES:
            errors.append(_detail(f"Size must be between 1 and {MAX_CAROUSEL_BUBBLES}", f"{path}.contents.contents"))
    limit = MAX_CAROUSEL_BYTES if contents.get("type") == "carousel" else MAX_BUBBLE_BYTES
    if len(json.dumps(contents, ensure_ascii=False, separators=(",", ":")).encode()) > limit:
        errors.append(_detail(f"Size must be at most {limit // 1000} KB", f"{path}.contents"))
    return errors


def postback_data_errors(node: Any, path: str) -> list[dict]:
    """Postback actions may sit anywhere (quick replies, templates, Flex, rich menus): walk it all."""
    errors = []
    if isinstance(node, dict):
        data = node.get("data")
        if node.get("type") == "postback" and isinstance(data, str) and len(data) > MAX_POSTBACK_DATA_LENGTH:
            errors.append(
                _detail(f"Length must be between 0 and {MAX_POSTBACK_DATA_LENGTH}", _join(path, "data"))
            )
        for key, value in node.items():
            errors += postback_data_errors(value, _join(path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            errors += postback_data_errors(value, f"{path}[{index}]")
    return errors


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def reply_errors(body: dict) -> list[dict]:
    return _non_empty_string_errors(body, "replyToken") + messages_errors(body.get("messages"))


def push_errors(body: dict) -> list[dict]:
    return _non_empty_string_errors(body, "to") + messages_errors(body.get("messages"))


def multicast_errors(body: dict) -> list[dict]:
    recipients = body.get("to")
    errors = []
    if (
        not isinstance(recipients, list)
        or not 1 <= len(recipients) <= MAX_MULTICAST_RECIPIENTS
        or not all(isinstance(user_id, str) and user_id for user_id in recipients)
    ):
        errors.append(_detail(f"Size must be between 1 and {MAX_MULTICAST_RECIPIENTS}", "to"))
    return errors + messages_errors(body.get("messages"))


def loading_animation_errors(body: dict) -> list[dict]:
    errors = _non_empty_string_errors(body, "chatId")
    seconds = body.get("loadingSeconds", 20)
    if not _is_int(seconds) or not 5 <= seconds <= 60 or seconds % 5:
        errors.append(_detail("Must be a multiple of 5 between 5 and 60", "loadingSeconds"))
    return errors


def rich_menu_errors(body: dict) -> list[dict]:
    errors = []
    size = body.get("size")
    if not isinstance(size, dict) or not all(
        _is_int(size.get(side)) and size[side] > 0 for side in ("width", "height")
    ):
        errors.append(_detail("Must have positive integer width and height", "size"))
    if not isinstance(body.get("selected"), bool):
        errors.append(_detail("Must be a boolean", "selected"))
    name = body.get("name")
    if not isinstance(name, str) or not 1 <= len(name) <= MAX_RICH_MENU_NAME_LENGTH:
        errors.append(_detail(f"Length must be between 1 and {MAX_RICH_MENU_NAME_LENGTH}", "name"))
    chat_bar_text = body.get("chatBarText")
    if not isinstance(chat_bar_text, str) or not 1 <= len(chat_bar_text) <= MAX_CHAT_BAR_TEXT_LENGTH:
        errors.append(_detail(f"Length must be between 1 and {MAX_CHAT_BAR_TEXT_LENGTH}", "chatBarText"))
    areas = body.get("areas")
    if not isinstance(areas, list) or len(areas) > MAX_RICH_MENU_AREAS:
        errors.append(_detail(f"Size must be between 0 and {MAX_RICH_MENU_AREAS}", "areas"))
    else:
        for index, area in enumerate(areas):
            if not isinstance(area, dict) or not isinstance(area.get("bounds"), dict) or "action" not in area:
                errors.append(_detail("Must have bounds and an action", f"areas[{index}]"))
    return errors + postback_data_errors(areas, "areas")
