"""The download link of an area's plans by agency: signed, so it can't be made or altered without LINK_KEY, and
expiring after EXPORT_LINK_MINUTES.

It is made only for the staff member LINE has just vouched for on the plans' LIFF page (`bot.plans_download`),
and names them and the area: `PUBLIC_BASE_URL/plans?t=<token>`, the token being the staff member's id, the area
code and the expiry (Unix seconds), then an HMAC-SHA256 of those under LINK_KEY. The file itself downloads in any
browser the link is opened in (a phone's LINE browser hands files to other apps), so the link lives minutes, and
grants no more than its signer has when it is opened: the download checks again that they are active and that
their scope still covers the area.
"""

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app

PATH = "/plans"
PARAMETER = "t"


class BadLink(Exception):
    """The token was not made with this LINK_KEY, or was altered."""


class ExpiredLink(Exception):
    """The token was genuine but its time is over."""


@dataclass(frozen=True)
class Link:
    staff_id: int
    area_code: str
    expires_at: datetime


def _signature(payload: str) -> str:
    key = current_app.config["LINK_KEY"].encode()
    digest = hmac.new(key, b"plans:" + payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def make(staff_id: int, area_code: str, now: datetime) -> tuple[str, datetime]:
    """A link to `area_code`'s plans for `staff_id`, and when it expires."""
    expires_at = now + timedelta(minutes=current_app.config["EXPORT_LINK_MINUTES"])
    payload = f"{staff_id}.{area_code}.{int(expires_at.timestamp())}"
    token = f"{payload}.{_signature(payload)}"
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}{PATH}?{PARAMETER}={token}", expires_at


def read(token: str, now: datetime) -> Link:
    """What a link's token says: BadLink if it isn't one this app signed, ExpiredLink once its time is over."""
    payload, _, signature = token.rpartition(".")
    if not hmac.compare_digest(signature.encode(), _signature(payload).encode()):
        raise BadLink
    staff_id, area_code, expires = payload.split(".")
    expires_at = datetime.fromtimestamp(int(expires), UTC)
    if expires_at <= now:
        raise ExpiredLink
    return Link(int(staff_id), area_code, expires_at)
