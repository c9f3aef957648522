"""An area's plans by agency: the LIFF page the chat links to, then the download.

The chat's link (`/liff/plans?area=`) grants nothing. The page asks LINE who is looking (`bot.liff`) and, for an
active staff member whose roles make plans for that area, gives a download link signed for them that lives
EXPORT_LINK_MINUTES (`domain.step2_compass.plan_links`): a file can't be fetched through LINE's sign-in, as a phone
hands it to another app. The download grants only what its signer may see when it is opened: they must still be
active, with a scope covering the area (`domain.access.scope`). The file is made into a temporary file as the rows
are read, then streamed; it is never cached. Each link given and each download is audited with who, the area and
the counts, no personal value.
"""


from flask import Blueprint, current_app, jsonify, render_template, request

from bot import liff
from core.i18n import N_
from core.thai import format_datetime
from domain.access import audit
from domain.labels import area_label
from domain.step2_compass import plan_links, plans
from models import db, utcnow

bp = Blueprint("plans", __name__)


@bp.post("/liff/api/plans")
def page():
    """The plans' page for `?area=`: a download link for the staff member LINE vouches for, if they make its plans."""
    staff = liff.viewer()
    area = request.args.get("area", "")
    if area not in plans.areas_for(staff):
        raise liff.Refused(403, N_("You do not make the plans by agency of this area."))
    ctx = liff.reader(staff)
    url, expires_at = plan_links.make(staff.id, area, ctx.now)
    db.session.add(audit.entry("plans.link", "area", area, staff_id=staff.id, line_user_id=staff.line_user_id,
                               after={"expires_at": expires_at.isoformat()}))
    db.session.commit()
    text = {"title": ctx._("Plans by agency"), "area": area_label(area, ctx), "download": ctx._("Download the file"),
            "until": ctx._("The button works until %(time)s; open this page again from the chat for a new one.",
                           time=format_datetime(expires_at, ctx.locale, ctx.timezone))}
    return liff.private(jsonify(lang=ctx.locale, title=text["title"],
                                html=render_template("plans.html", t=text, url=url)))


REFUSALS = liff.Refusals(
    N_("This link has expired. Ask for a new one in the LINE chat: menu, then “Plans by agency”."),
    N_("This link is not valid. Ask for a new one in the LINE chat: menu, then “Plans by agency”."),
    N_("You no longer have access to this area's plans."))


@bp.get(plan_links.PATH)
def download():
    now = utcnow()
    link, staff, within = liff.signed_download(plan_links.read, request.args.get(plan_links.PARAMETER, ""), REFUSALS,
                                               now)
    file, exported = liff.written_file(lambda into: plans.write(within, link.area_code, into, now,
                                                                current_app.config["BOT_TIMEZONE"]))
    db.session.add(audit.entry("plans.export", "area", link.area_code, staff_id=staff.id,
                               line_user_id=staff.line_user_id, after=exported.counts() | {"by": "link"}))
    db.session.commit()
    return liff.attachment(file, f"plans-{link.area_code}.xlsx")
