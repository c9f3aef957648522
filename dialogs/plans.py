"""The menu's "Plans by agency" for district and province supervisors: a signed link to each of their areas'
plans (`domain.step2_compass.plans`), valid for EXPORT_LINK_HOURS. The link works for a while in anyone's hands,
so the message is sealed while it waits to be sent, like an invitation code, and giving it is audited."""

from linebot.v3.messaging import TextMessage

from core.i18n import N_
from core.thai import format_datetime
from core.types import Context, Outcome
from dialogs import menu
from domain.access import audit
from domain.labels import area_label
from domain.step2_compass import plan_links, plans


def export_links(ctx: Context, data: dict) -> Outcome:
    codes = plans.areas_for(ctx.staff)
    if not codes:
        text = ctx._("Plans by agency are made for a district or a province, and none of your roles is for one.")
        return Outcome(reply=[TextMessage(text=text)]).extend(menu.show(ctx))
    links = [(code, *plan_links.make(ctx.staff.id, code, ctx.now)) for code in codes]
    lines = [f"{area_label(code, ctx)}\n{url}" for code, url, _ in links]
    text = ctx._("Plans by agency: the government and local government activities of the compasses in your area, "
                 "one sheet per agency (a spreadsheet file). Open the link to download it; it works until %(time)s.",
                 time=format_datetime(links[0][2], ctx.locale, ctx.timezone))
    outcome = Outcome(reply=[TextMessage(text=text + "\n\n" + "\n\n".join(lines))], secret=True,
                      audit=[audit.change(ctx, "plans.link", "area", code, after={"expires_at": expires.isoformat()})
                             for code, _, expires in links])
    return outcome.extend(menu.show(ctx))


MENU_ITEM = menu.Item("plans", N_("Plans by agency"), export_links, roles=plans.EXPORTING_ROLES)
