"""Links that carry their own permission: a few fields and an expiry, signed with LINK_KEY (HMAC-SHA256), so a link
can't be made or altered without the key and stops working at its time. Each kind of link signs under its own
purpose, so a token made for one can't be used as another.

Used where a browser or LINE's servers must open a URL without LINE's sign-in: a download handed to another app
(plans by agency), an image LINE fetches for a card (a household's income chart). Such a link grants what its fields
say for as long as it lives, so each use keeps it short and checks again what it can when it is opened.
"""

import base64
import hashlib
import hmac
from datetime import UTC, datetime

from flask import current_app


class BadLink(Exception):
    """The token was not made with this LINK_KEY for this purpose, or was altered."""


class ExpiredLink(Exception):
    """The token was genuine but its time is over."""


def _signature(purpose: str, payload: str) -> str:
    key = current_app.config["LINK_KEY"].encode()
    digest = hmac.new(key, f"{purpose}:{payload}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def token(purpose: str, fields: tuple[str, ...], expires_at: datetime) -> str:
    """`fields` (none containing ".") and the expiry, then their signature: "<field>.<field>.<expiry>.<signature>"."""
    payload = ".".join((*fields, str(int(expires_at.timestamp()))))
    return f"{payload}.{_signature(purpose, payload)}"


def read(purpose: str, token_text: str, now: datetime) -> tuple[list[str], datetime]:
    """A token's fields and expiry: BadLink if this app did not sign it for `purpose`, ExpiredLink once it is over."""
    payload, _, signature = token_text.rpartition(".")
    if not hmac.compare_digest(signature.encode(), _signature(purpose, payload).encode()):
        raise BadLink
    *fields, expires = payload.split(".")
    expires_at = datetime.fromtimestamp(int(expires), UTC)
    if expires_at <= now:
        raise ExpiredLink
    return fields, expires_at
