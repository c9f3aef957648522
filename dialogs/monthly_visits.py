"""A caretaker's "Monthly visits": the households in their care with this period's state (visited, not yet, or
missed last month), the days left to the report day, and each a tap away from its check-in (`dialogs.checkin`).
The households still to visit come first; one query finds the period's check-ins of them all."""

from linebot.v3.messaging import QuickReply

from core.i18n import N_
from core.thai import format_date
from core.types import Context, Outcome
from dialogs import buttons, household_list, menu, reminders
from domain.step1_survey.households import SEARCH_PAGE
from domain.step4_care import caretakers, checkins
from domain.step4_care.reminders import muted
from models import Household

DONE_COLOUR, DUE_COLOUR, LATE_COLOUR = "#2E7D32", "#EF6C00", "#C62828"


def monthly_visits(ctx: Context, data: dict) -> Outcome:
    period = checkins.period_of(ctx)
    found = [h for h in caretakers.in_care_of(ctx.staff) if checkins.followed(h)]
    if not found:
        return menu.show(ctx, note=ctx._("No household is in your care yet. Your supervisor assigns them."))
    done = checkins.counted([h.id for h in found], period)
    missed = {h.id for h in found if h.id not in done and checkins.missed(h, ctx) is not None}
    found.sort(key=lambda h: (h.id in done, h.id not in missed))  # late first, then not yet, then done (stable)

    def state(household: Household) -> tuple[str, str]:
        if household.id in done:
            return ctx._("✓ Visited on %(date)s", date=format_date(ctx.day_of(done[household.id].at), ctx.locale,
                                                                   style="short")), DONE_COLOUR
        if household.id in missed:
            return ctx._("Late: no visit for %(month)s", month=period.previous().label(ctx.locale)), LATE_COLOUR
        return ctx._("Not yet visited"), DUE_COLOUR

    days = period.days_left(ctx.today, checkins.report_day())
    intro = ctx._("Monthly visits, %(month)s: %(done)s of %(count)s done; %(days)s days left to the %(day)s. Tap a "
                  "household to record its visit.", month=period.label(ctx.locale), done=len(done), count=len(found),
                  days=days, day=checkins.report_day())
    if len(found) > SEARCH_PAGE:
        intro += " " + ctx._("The first %(shown)s are listed; find the others with “Find household”.",
                             shown=SEARCH_PAGE)
    links = ((ctx._("My households"), "menu=my_households"), (ctx._("Main menu"), "cmd=menu"))
    if muted(ctx.staff):  # turned off from a reminder (all, or a day): turned on again here
        links = ((ctx._("Turn reminders on"), f"menu={reminders.START}"), *links)
    navigation = QuickReply(items=[buttons.tap(label, data_) for label, data_ in links])
    return Outcome(reply=[household_list.listing(ctx, intro, found[:SEARCH_PAGE], navigation,
                                                 opens=lambda h: f"menu=checkin&household={h.id}", state=state)])


MENU_ITEM = menu.Item("monthly_visits", N_("Monthly visits"), monthly_visits, roles=("caretaker",))
