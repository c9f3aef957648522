"""LIFF pages: personal data only for the person LINE says is looking, and only inside their area.

A page with personal data (the Family Folder; later the MOU and reports) is linked from the chat as
`https://liff.line.me/{LIFF_ID}/{page}?{params}`. LINE opens it in its LIFF browser at the LIFF app's
endpoint, PUBLIC_BASE_URL/liff/{page}: a page with no personal data that loads the LIFF SDK, gets the
user's LINE ID token and posts it to /liff/api/{page}. There the app has LINE check the token
(`POST /oauth2/v2.1/verify` with this app's LINE Login channel ID, so a forged or expired token, or one
made for another channel, is refused), takes its `sub` (the LINE user ID) to an active staff member
(`viewer`), and the page checks the record against that person's area through `domain.access.scope`. The link
carries no authority: it names a page and a record, worth nothing to anyone LINE does not vouch for.
"""


import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Protocol, TypeVar

import requests
from flask import Blueprint, abort, current_app, jsonify, make_response, render_template, request, send_file
from sqlalchemy import select

from core.i18n import N_, gettext
from core.types import Context
from domain.access import scope, signed_links
from models import LineUser, Staff, db, utcnow

bp = Blueprint("liff", __name__)

LINE_API = "https://api.line.me"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
T = TypeVar("T")
SIGN_IN_FAILED = N_("Your LINE sign-in could not be confirmed. Please open the page again from the LINE chat.")
LINE_UNREACHABLE = N_("LINE could not be reached to confirm who you are. Please try again in a moment.")


class Refused(Exception):
    """The page is not shown: `status` (401 who is looking is unknown, 403 not theirs to see, 503 LINE
    unreachable) and a message for the person (an English msgid)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


def viewer() -> Staff:
    """The active staff member whose LINE ID token came with this request; Refused otherwise."""
    scheme, _, id_token = request.headers.get("Authorization", "").partition(" ")
    if scheme != "Bearer" or not id_token:
        raise Refused(401, SIGN_IN_FAILED)
    line_user_id = verified_line_user(id_token)
    staff = db.session.scalar(select(Staff).where(Staff.line_user_id == line_user_id, Staff.active.is_(True)))
    if staff is None:
        raise Refused(403, N_("This page is only for registered staff."))
    return staff


def verified_line_user(id_token: str) -> str:
    """The LINE user ID of a LIFF ID token, as LINE vouches for it for this app's LINE Login channel."""
    config = current_app.config
    try:
        answer = requests.post(f"{config['LINE_API_BASE'] or LINE_API}/oauth2/v2.1/verify",
                               data={"id_token": id_token, "client_id": config["LINE_LOGIN_CHANNEL_ID"]},
                               timeout=config["LINE_TIMEOUT"])
    except requests.RequestException:
        raise Refused(503, LINE_UNREACHABLE) from None
    if answer.status_code == 400:
        raise Refused(401, SIGN_IN_FAILED)
    if answer.status_code != 200:
        raise Refused(503, LINE_UNREACHABLE)
    claims = answer.json()
    if claims.get("aud") != config["LINE_LOGIN_CHANNEL_ID"] or not claims.get("sub"):
        raise Refused(401, SIGN_IN_FAILED)
    return claims["sub"]


@bp.get("/liff")
@bp.get("/liff/<page>")
def shell(page: str | None = None):
    """Every LIFF page's first load (LINE opens /liff itself first, then the page): no personal data, only
    what it takes to sign in with LINE and fetch the page."""
    body = render_template("liff.html", liff_id=current_app.config["LIFF_ID"],
                           sdk_url=current_app.config["LIFF_SDK_URL"],
                           text={"wait": gettext(N_("Checking with LINE who you are…")),
                                 "offline": gettext(N_("The page could not be loaded. Please check the connection "
                                                       "and try again."))})
    return private(make_response(body))


@bp.app_errorhandler(Refused)
def refused(error: Refused):
    return private(make_response(jsonify(message=gettext(error.message)), error.status))


def private(response):
    """Personal data: never cached, never indexed, the address never passed on as a referrer."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def written_file(write: Callable[[IO[bytes]], T]) -> tuple[IO[bytes], T]:
    """A file a signed download link gives (`write` fills it), in a temporary file that closing deletes; and
    what `write` returned (its counts, for the audit)."""
    file = tempfile.TemporaryFile()  # noqa: SIM115 (`attachment` hands it to send_file, which closes it once sent)
    try:
        done = write(file)
    except BaseException:
        file.close()
        raise
    file.seek(0)
    return file, done


def attachment(file: IO[bytes], name: str):
    """The spreadsheet sent as a download, never cached."""
    return private(send_file(file, mimetype=XLSX, as_attachment=True, download_name=name, conditional=False,
                             etag=False))


def refused_download(status: int, message: str):
    """A signed download link refused: a line of text in Thai (the link is opened outside LINE, in any browser)."""
    response = make_response(gettext(message), status)
    response.mimetype = "text/plain"
    return private(response)


@dataclass(frozen=True)
class Refusals:
    """What a kind of download link says when it is refused: expired, not one of ours, of an area outside."""

    expired: str
    invalid: str
    outside: str


class SignedDownload(Protocol):
    staff_id: int
    area_code: str


Link = TypeVar("Link", bound=SignedDownload)


def signed_download(read: Callable[[str, datetime], Link], token_text: str, refusals: Refusals,
                    now: datetime) -> tuple[Link, Staff, scope.Scope]:
    """A download link's token read, its signer and their scope now, which still covers the link's area; otherwise
    the request ends with the refusal (410 expired, 403 otherwise; revoked staff have no scope)."""
    try:
        link = read(token_text, now)
    except signed_links.ExpiredLink:
        abort(refused_download(410, refusals.expired))
    except signed_links.BadLink:
        abort(refused_download(403, refusals.invalid))
    staff = db.session.get(Staff, link.staff_id)
    within = scope.of(staff)
    if not within.contains(link.area_code):
        abort(refused_download(403, refusals.outside))
    return link, staff, within


def reader(staff: Staff) -> Context:
    """The staff member as a reader: their language from LINE (Thai if unknown)."""
    line_user = db.session.get(LineUser, staff.line_user_id) if staff.line_user_id else None
    return Context(line_user=line_user or LineUser(language="th"), staff=staff, event_id=None, now=utcnow(),
                   timezone=current_app.config["BOT_TIMEZONE"])
