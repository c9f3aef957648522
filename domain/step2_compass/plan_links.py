"""The download link of an area's plans by agency: signed, so it can't be made or altered without LINK_KEY, and
expiring after EXPORT_LINK_MINUTES.

It is made only for the staff member LINE has just vouched for on the plans' LIFF page (`bot.plans_download`),
and names them and the area: `PUBLIC_BASE_URL/plans?t=<token>`, the token being the staff member's id, the area
code and the expiry, signed (`domain.access.signed_links`). The file itself downloads in any
browser the link is opened in (a phone's LINE browser hands files to other apps), so the link lives minutes, and
grants no more than its signer has when it is opened: the download checks again that they are active and that
their scope still covers the area.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app

from domain.access import signed_links

PATH = "/plans"
PARAMETER = "t"
PURPOSE = "plans"


@dataclass(frozen=True)
class Link:
    staff_id: int
    area_code: str
    expires_at: datetime


def make(staff_id: int, area_code: str, now: datetime) -> tuple[str, datetime]:
    """A link to `area_code`'s plans for `staff_id`, and when it expires."""
    expires_at = now + timedelta(minutes=current_app.config["EXPORT_LINK_MINUTES"])
    signed = signed_links.token(PURPOSE, (str(staff_id), area_code), expires_at)
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}{PATH}?{PARAMETER}={signed}", expires_at


def read(token_text: str, now: datetime) -> Link:
    """What a link's token says: signed_links.BadLink if it isn't one this app signed, ExpiredLink once over."""
    (staff_id, area_code), expires_at = signed_links.read(PURPOSE, token_text, now)
    return Link(int(staff_id), area_code, expires_at)
