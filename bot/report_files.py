"""The whole country's report file, asked for from the report's page: too long to make while the phone waits, so a
job on the `reports` queue writes it into the instance folder and pushes its download link to the person in LINE.

The link is signed for them and the file (`domain.access.signed_links`) and lives READY_HOURS; opening it checks
again that they are active and still see the whole country. Files older than that are deleted by the next job.
"""

import os
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from flask import Blueprint, current_app, request
from linebot.v3.messaging import TextMessage

from bot import liff, outbox
from core import line_json
from core.i18n import gettext
from core.periods import Period
from core.thai import format_datetime
from core.xlsx import Workbook
from domain.access import audit, scope, signed_links
from domain.step5_report import export, file_links
from domain.step5_report.figures import NATION
from models import LineUser, Staff, db, utcnow

bp = Blueprint("report_files", __name__)

PATH, PARAMETER, PURPOSE = "/report-ready", "t", "report_ready"
# What a refused link to a report file says: the page's, and the whole country's.
REFUSALS = liff.Refusals(file_links.EXPIRED, file_links.INVALID, file_links.OUTSIDE)
READY_HOURS = 24


def folder() -> Path:
    made = Path(current_app.instance_path) / "report-files"
    made.mkdir(mode=0o700, exist_ok=True)
    return made


def prepare(staff_id: int, period_key: int) -> None:
    """The job: write the file, then push its link to the person (in their language)."""
    staff = db.session.get(Staff, staff_id)
    within = scope.of(staff)
    if not within.contains(NATION):  # revoked, or no longer nationwide, since they asked
        return
    _forget_old_files()
    name, period, now = uuid.uuid4().hex, Period.from_key(period_key), utcnow()
    descriptor = os.open(folder() / f"{name}.xlsx", os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with open(descriptor, "wb") as file, Workbook(file) as book:
        done = export.write(period, NATION, within, now, export.XlsxSheets(book))
    expires_at = now + timedelta(hours=READY_HOURS)
    signed = signed_links.token(PURPOSE, (str(staff.id), name, str(period.key)), expires_at)
    url = f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}{PATH}?{PARAMETER}={signed}"
    line_user = db.session.get(LineUser, staff.line_user_id)
    locale = line_user.language if line_user else "th"
    text = gettext("The whole country's report file for %(month)s is ready (%(count)s households). Download it "
                   "until %(time)s:\n%(url)s", locale, month=period.label(locale), count=f"{done.households:,}",
                   time=format_datetime(expires_at, locale, current_app.config["BOT_TIMEZONE"]), url=url)
    db.session.add(audit.entry("report.export", "area", NATION, staff_id=staff.id, line_user_id=staff.line_user_id,
                               after={"period": period.key, "households": done.households, "by": "job"}))
    row = outbox.queue_push(staff.line_user_id, [line_json.of(TextMessage(text=text))])
    db.session.commit()
    outbox.send_later([row])


def _forget_old_files() -> None:
    for old in folder().glob("*.xlsx"):
        if old.stat().st_mtime < time.time() - READY_HOURS * 3600:
            old.unlink(missing_ok=True)


@bp.get(PATH)
def download():
    ready, _, _ = liff.signed_download(_read, request.args.get(PARAMETER, ""), REFUSALS, utcnow())
    path = folder() / f"{ready.name}.xlsx"
    if not path.is_file():  # deleted as too old
        return liff.refused_download(410, file_links.EXPIRED)
    return liff.attachment(path.open("rb"), f"report-{ready.period}-{NATION}.xlsx")


@dataclass(frozen=True)
class Ready:
    """What the link of a whole country's file says: for whom, which file of which period."""

    staff_id: int
    name: str
    period: str
    area_code: str = NATION


def _read(token_text: str, now) -> Ready:
    (staff_id, name, period), _ = signed_links.read(PURPOSE, token_text, now)
    return Ready(int(staff_id), name, period)
