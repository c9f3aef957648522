"""The download of an area's plans by agency, from the link the chat gives (`domain.step2_compass.plan_links`).

The link must be one this app signed and not yet expired, and it grants only what its signer may see when it is
opened: they must still be active, with a scope covering the area (`domain.access.scope`). The file is made into a
temporary file as the rows are read, then streamed; it is never cached, and each download is audited with who, the
area and the counts, no personal value.
"""

import tempfile

from flask import Blueprint, current_app, make_response, request, send_file

from bot import liff
from core.i18n import DEFAULT_LOCALE, N_, gettext
from domain.access import audit, scope
from domain.step2_compass import plan_links, plans
from models import Staff, db, utcnow

bp = Blueprint("plans", __name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.get(plan_links.PATH)
def download():
    now = utcnow()
    try:
        link = plan_links.read(request.args.get(plan_links.PARAMETER, ""), now)
    except plan_links.ExpiredLink:
        return _refused(410, N_("This link has expired. Ask for a new one in the LINE chat: menu, then "
                                "“Plans by agency”."))
    except plan_links.BadLink:
        return _refused(403, N_("This link is not valid. Ask for a new one in the LINE chat: menu, then "
                                "“Plans by agency”."))
    staff = db.session.get(Staff, link.staff_id)
    within = scope.of(staff)  # nothing at all for someone revoked
    if not within.contains(link.area_code):
        return _refused(403, N_("You no longer have access to this area's plans."))
    file = tempfile.TemporaryFile()  # noqa: SIM115 (send_file closes it once it is sent; closing deletes it)
    try:
        exported = plans.write(within, link.area_code, file, now, current_app.config["BOT_TIMEZONE"])
    except BaseException:
        file.close()
        raise
    db.session.add(audit.entry("plans.export", "area", link.area_code, staff_id=staff.id,
                               line_user_id=staff.line_user_id, after=exported.counts() | {"by": "link"}))
    db.session.commit()
    file.seek(0)
    response = send_file(file, mimetype=XLSX, as_attachment=True, download_name=f"plans-{link.area_code}.xlsx",
                         conditional=False, etag=False)
    return liff.private(response)


def _refused(status: int, message: str):
    response = make_response(gettext(message, DEFAULT_LOCALE), status)
    response.mimetype = "text/plain"
    return liff.private(response)
