"""The download link of a period's report file (XLSX), given on the report's page to the staff member LINE has just
vouched for: signed with LINK_KEY (`domain.access.signed_links`) for them, the area and the period, and expiring after
EXPORT_LINK_MINUTES, since a phone hands the file to another app where LINE's sign-in can't follow. It grants no
more than its signer has when it is opened: the download checks again that they are active and that their scope
still covers the area.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app

from core.i18n import N_
from core.periods import Period
from domain.access import signed_links

PATH = "/report-file"
PARAMETER = "t"
PURPOSE = "report"
# What a refused link of a report file says (this one's, and the whole country's file's, `bot.report_files`).
EXPIRED = N_("This link has expired. Open the report again from the LINE chat for a new one.")
INVALID = N_("This link is not valid. Open the report again from the LINE chat for a new one.")
OUTSIDE = N_("This report is of an area outside yours.")


@dataclass(frozen=True)
class Link:
    staff_id: int
    area_code: str
    period: Period


def make(staff_id: int, area_code: str, period: Period, now: datetime) -> str:
    expires_at = now + timedelta(minutes=current_app.config["EXPORT_LINK_MINUTES"])
    signed = signed_links.token(PURPOSE, (str(staff_id), area_code, str(period.key)), expires_at)
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}{PATH}?{PARAMETER}={signed}"


def read(token_text: str, now: datetime) -> Link:
    """What a link's token says: signed_links.BadLink if it isn't one this app signed, ExpiredLink once over."""
    (staff_id, area_code, period), _ = signed_links.read(PURPOSE, token_text, now)
    return Link(int(staff_id), area_code, Period.from_key(int(period)))
