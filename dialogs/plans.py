"""The menu's "Plans by agency" for district and province supervisors: a LIFF link per area of their roles. The
link grants nothing: the LIFF page asks LINE who is looking, checks their area again, and only then gives the
download (`bot.plans_download`)."""

from linebot.v3.messaging import TextMessage

from core.i18n import N_
from core.types import Context, Outcome
from dialogs import menu
from dialogs.folder_card import liff_link
from domain.labels import area_label
from domain.step2_compass import plans


def export_links(ctx: Context, data: dict) -> Outcome:
    codes = plans.areas_for(ctx.staff)
    if not codes:
        text = ctx._("Plans by agency are made for a district or a province, and none of your roles is for one.")
        return Outcome(reply=[TextMessage(text=text)]).extend(menu.show(ctx))
    lines = [f"{area_label(code, ctx)}\n{liff_link('plans', area=code)}" for code in codes]
    text = ctx._("Plans by agency: the government and local government activities of the compasses in your area, "
                 "one sheet per agency (a spreadsheet file). Open the link: LINE confirms who you are, then the file "
                 "downloads.")
    return Outcome(reply=[TextMessage(text=text + "\n\n" + "\n\n".join(lines))]).extend(menu.show(ctx))


MENU_ITEM = menu.Item("plans", N_("Plans by agency"), export_links, roles=plans.EXPORTING_ROLES)
