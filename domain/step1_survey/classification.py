"""Step 1's classification rule: สงเคราะห์ (welfare) or พัฒนาตนเอง (self-development), suggested from the
household's members as the interview records them (dicts of answers: `m_name`, `m_birth` (ISO date),
`m_flags`, `m_can_work`). The interviewer confirms it or chooses the other one with a reason."""

from datetime import date

from core.i18n import N_

WORKING_AGE = (15, 60)  # from 15 up to, not including, 60


def age_on(member: dict, today: date) -> int | None:
    if not member.get("m_birth"):
        return None
    born = date.fromisoformat(member["m_birth"])
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def can_work(member: dict) -> bool:
    return bool(member.get("m_can_work"))


def suggest(members: list[dict], today: date) -> tuple[str, str, dict]:
    """สงเคราะห์ (welfare) or พัฒนาตนเอง (self-development) from the members still in the household, with the
    reason (a message id and its values): welfare when every member is elderly, disabled or bedridden, or when
    no member of working age can work; self-development otherwise. A member whose age is unknown counts by "can
    work"."""
    def elderly(item):
        age = age_on(item, today)
        return age is not None and age >= WORKING_AGE[1]

    def dependent(item):
        flags = item.get("m_flags") or []
        return elderly(item) or "disabled" in flags or "bedridden" in flags

    def able(item):
        age = age_on(item, today)
        working_age = age is None or WORKING_AGE[0] <= age < WORKING_AGE[1]
        return can_work(item) and working_age and "bedridden" not in (item.get("m_flags") or [])

    if all(dependent(item) for item in members):
        return "welfare", N_("Every member is elderly (60 or older), disabled or bedridden."), {}
    workers = [item["m_name"] for item in members if able(item)]
    if not workers:
        return "welfare", N_("No member of working age (15-59) is able to work."), {}
    return "self_development", N_("Members of working age who can work: %(names)s."), {"names": ", ".join(workers)}
