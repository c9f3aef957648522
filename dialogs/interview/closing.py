"""The end of the 4ท interview: the classification (suggested by the rule, overridden with a reason),
the family's acknowledgement of the causes, and the recording of the visit once they acknowledge.
Nothing reaches the household's records before that last answer; with consent refused only the
refusal is stored."""

from linebot.v3.messaging import TextMessage

from core.i18n import N_
from core.types import Context, Outcome
from dialogs import menu
from dialogs.interview.members import active_members, apart
from dialogs.interview.options import CAUSES, CLASSES, label
from domain.step1_survey import households, visits
from domain.step1_survey.classification import suggest


def refused(ctx: Context, answers: dict) -> bool:
    return answers.get("consent") is False


def refusal_confirmed(ctx: Context, answers: dict) -> bool:
    return answers.get("refusal") is True


def overridden(ctx: Context, answers: dict) -> bool:
    return answers.get("classify") != suggest(visits.active(answers), ctx.today)[0]


def someone_else(ctx: Context, answers: dict) -> bool:
    return answers.get("ack_by") == "other"


def not_acknowledged(ctx: Context, answers: dict) -> bool:
    return answers.get("ack_confirm") is False


def classify_prompt(ctx: Context, answers: dict) -> str:
    suggested, reason, values = suggest(visits.active(answers), ctx.today)
    return ctx._("Suggested classification: %(classification)s\nWhy: %(reason)s\n\nConfirm it, or choose the other "
                 "one (you will be asked why).", classification=ctx._(label(CLASSES, suggested)),
                 reason=ctx._(reason, **values))


def ack_choices(ctx: Context, answers: dict) -> list[tuple[str, str]]:
    members = active_members(answers)
    return [(str(i), apart(ctx, members, item) + item["m_name"]) for i, item in members] + [
        ("other", N_("Someone else"))]


def _cause_lines(ctx: Context, answers: dict) -> str:
    causes = [ctx._(label(CAUSES, c)) for c in answers.get("causes") or ()]
    note = answers.get("causes_note")
    return "\n".join(f"• {c}" for c in causes) + (f"\n{note}" if note else "")


def ack_prompt(ctx: Context, answers: dict) -> str:
    return ctx._("Please read the causes found to the family:\n%(causes)s\nClassification: %(classification)s\n\n"
                 "Who in the family acknowledges them?", causes=_cause_lines(ctx, answers),
                 classification=ctx._(label(CLASSES, answers["classify"])))


def confirm_prompt(ctx: Context, answers: dict) -> str:
    return ctx._("Does %(name)s acknowledge these causes? \"Yes\" saves the visit; \"No\" goes back to the causes.",
                 name=visits.acknowledger(answers))


def finish(ctx: Context, answers: dict) -> Outcome:
    try:
        household = households.get(ctx.staff, answers["@household"])
    except households.NotFound:
        return not_found(ctx)
    recorded = visits.record(ctx, household, answers)
    if refused(ctx, answers):
        text = ctx._("The household did not consent. Only the refusal is recorded; no personal data from this "
                     "visit is kept.")
    else:
        text = ctx._("The visit to house no. %(number)s is saved: %(members)s members, %(problems)s problems "
                     "recorded, classified as %(classification)s.", number=household.house_number,
                     members=len(household.members), problems=recorded.problems,
                     classification=ctx._(label(CLASSES, household.classification)))
    offer = () if refused(ctx, answers) else ((ctx._("Life compass"), f"menu=compass&household={household.id}"),)
    return Outcome(reply=[TextMessage(text=text)], store=recorded.store, audit=recorded.audit).extend(
        menu.show(ctx, offer=offer))


def in_area(ctx: Context, answers: dict) -> bool:
    """Checked at every step (`Dialog.allowed`): the household is still in the person's scope."""
    try:
        households.in_scope(ctx, answers["@household"])
    except households.NotFound:
        return False
    return True


def not_found(ctx: Context) -> Outcome:
    return menu.show(ctx, note=ctx._("This household was not found in your area."))
