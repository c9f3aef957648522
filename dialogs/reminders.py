"""What a caretaker is pushed on a reminder day (`domain.step4_care.reminders`): the households in their care still
to visit this period, each a button that opens its check-in, "Monthly visits" for the rest, "Not on the 15th" (that
reminder day off, every month) and "Stop reminders"; and the taps that turn reminders off and on again (off from the
reminder itself, on from "Monthly visits")."""

from functools import lru_cache, partial

from linebot.v3.messaging import QuickReply, QuickReplyItem, TextMessage

from core import line_json
from core.i18n import gettext
from core.types import Context, Later, Outcome, Push
from dialogs import buttons, menu
from dialogs.buttons import QUICK_REPLY_LIMIT
from domain.step4_care import reminders
from domain.step4_care.reminders import Due

ROLES = ("caretaker",)
STOP, START, SKIP_DAY = "reminders_off", "reminders_on", "reminder_day_off"  # the menu keys of the taps


def reminder(due: Due, report_day: int) -> Push:
    """The one message a caretaker gets on a reminder day, in their language. It is built as it is stored (`Later`):
    a tick stores its reminders 500 at a time, and the first go out while the rest are still to be built."""
    return Push(to=due.caretaker.line_user_id, messages=[Later(partial(_message, due, report_day))])


def _message(due: Due, report_day: int) -> TextMessage:
    locale = due.locale
    listed = "\n".join(f"• {gettext('House %(number)s', locale, number=h.house_number)} {h.head_name}"
                       for h in due.households)
    text = gettext("Reminder: %(count)s households in your care have no visit yet for %(month)s; %(days)s days left "
                   "to the %(day)s.\n%(households)s\nTap a household to record its visit.", locale,
                   count=len(due.households), month=due.period.label(locale), days=due.days_left, day=report_day,
                   households=listed)
    fixed = _fixed(locale, due.day.day)
    houses = [buttons.tap(f"{h.house_number} {h.head_name}", f"menu=checkin&household={h.id}")
              for h in due.households[:QUICK_REPLY_LIMIT - len(fixed)]]
    # Made without pydantic's checks, which would copy every button again (as `buttons.tap` does): a tick makes
    # 100,000 of these.
    return TextMessage.construct(text=text, quick_reply=QuickReply.construct(items=[*houses, *fixed]))


@lru_cache(maxsize=32)
def _fixed(locale: str, day: int) -> tuple[QuickReplyItem, ...]:
    """The buttons every reminder of a day has, in a language: made and written as JSON once per tick's thousands of
    reminders (the SDK's checks of a button cost as much as storing its reminder)."""
    return (line_json.once(buttons.tap(gettext("Monthly visits", locale), "menu=monthly_visits")),
            line_json.once(buttons.tap(gettext("Not on the %(day)s", locale, day=day), f"menu={SKIP_DAY}&day={day}")),
            line_json.once(buttons.tap(gettext("Stop reminders", locale), f"menu={STOP}")))


def quota_warning(user_id: str, locale: str, held: int, left: int) -> Push:
    """To an admin, once a period: reminders wait because LINE's monthly message quota is nearly used up."""
    text = gettext("LINE's monthly message quota is nearly used up: %(left)s messages were left, so %(held)s "
                   "reminders were not sent; the caretakers with the most households still to visit were reminded "
                   "first. The rest go out once the quota is raised in LINE Official Account Manager.", locale,
                   left=left, held=held)
    return Push(to=user_id, messages=[TextMessage(text=text)])


def stop(ctx: Context, data: dict) -> Outcome:
    reminders.mute(ctx.staff, ctx.now)
    note = ctx._("Reminders are off: none will come until you turn them on again under “Monthly visits”.")
    return Outcome(store=[ctx.staff]).extend(menu.show(ctx, note=note))


def skip_day(ctx: Context, data: dict) -> Outcome:
    day = buttons.whole(data.get("day"), 2)
    if day not in reminders.schedule():
        return menu.show(ctx, note=ctx._("That day has no reminder any more: nothing was changed."))
    reminders.mute_day(ctx.staff, day)
    note = ctx._("No more reminders on the %(day)s of the month; those of the other reminder days still come. "
                 "Turn them all on again under “Monthly visits”.", day=day)
    return Outcome(store=[ctx.staff]).extend(menu.show(ctx, note=note))


def start(ctx: Context, data: dict) -> Outcome:
    reminders.unmute(ctx.staff)
    note = ctx._("Reminders are on: one comes on each reminder day while households are still to visit.")
    return Outcome(store=[ctx.staff]).extend(menu.show(ctx, note=note))


STOP_ITEM = menu.Item(STOP, None, stop, roles=ROLES)
START_ITEM = menu.Item(START, None, start, roles=ROLES)
SKIP_DAY_ITEM = menu.Item(SKIP_DAY, None, skip_day, roles=ROLES)
