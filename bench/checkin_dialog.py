"""Check-in step benchmark: one step of the monthly check-in dialog (`dialogs.checkin`) on SQLite and PostgreSQL.

    .venv/bin/python -m bench.checkin_dialog [--quick] [--steps 50000] [--users 2000] [--backend all]

Target (issue 13): a median step under 2 ms on SQLite and on PostgreSQL, as for the other dialogs.

Each user is a caretaker of the village with three households in their care, as caretakers have about three: a
classified family of two, with last month's check-in (6,000 baht), a life compass of three activities and an open
problem; one house in three has no location yet. The caretaker walks the check-in of one household after another,
their answers varied by the step: met at home or by phone (now and then not reached, away for work), the income
typed or "Same" tapped, "No change on any" or each activity's progress (stuck ones say why), "Nothing changed" or
a problem ticked (solved) or "New problem" (its dimension and indicator), the location shared or skipped, the photo
skipped, a note or none, and at the summary mostly "Change answers" (back to the first question, where earlier
answers are kept or given again) and every third time "Save": the check-in is stored, with its audit entries, and
the caretaker's next step is the tap on their next household in "Monthly visits" (`checkin.open_checkin`). Steps go
round-robin over the users; what one timed step is: `bench.walk`.

Measured (this 2-core machine, load average about 1; --steps 20000 --users 1000, 897 of the steps saving a
check-in), in ms:

    backend      median    p90    p99   load  engine  save
    sqlite        1.09     2.00   6.13  0.42   0.66   0.38
    postgresql    1.42     2.40   7.65  0.45   0.85   0.55

A step makes two queries and an UPDATE: the account with its staff member, their roles and the open dialog in one
(`dialogs.sessions.account`), the household's area check, and the session's save. What the questions show (the
activities, the problems, last month's income, the members counted, an earlier visit this period) is read once, as
the visit opens, and kept with its answers. Before (the account, staff, roles and session in four queries; the
household, the compass and last month's visit read again by each prompt: about 12 queries a step): 3.35 ms on
SQLite and 4.89 on PostgreSQL, under a load average of 3.
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import walk  # noqa: E402
from bench.dialog import ZONE, user_id  # noqa: E402
from core.types import Context, Input, Outcome  # noqa: E402
from dialogs import checkin, engine  # noqa: E402
from dialogs.kinds import MultiChoice  # noqa: E402
from dialogs.kinds.multi_choice import DONE, NONE  # noqa: E402
from domain.step4_care import checkins  # noqa: E402
from models import (  # noqa: E402
    Area,
    CareAssignment,
    CheckIn,
    Compass,
    CompassActivity,
    DialogSession,
    Household,
    LineUser,
    Member,
    Problem,
    Staff,
    StaffRole,
    db,
    utcnow,
)

VILLAGE = "30060101"
SETUP_BATCH = 200  # caretakers
HOUSEHOLDS_EACH = 3
LAST_INCOME = 6000
ACTIVITIES = ("ทำบัญชีครัวเรือน", "ออมเงินทุกเดือน", "อบรมปลูกผักปลอดสาร")
PROGRESS = ("under_way", "not_started", "stuck", "done")
TYPED = {"c_why_act": "รอน้ำฝนก่อนปลูก", "c_new_text": "หลังคารั่ว", "c_income": ("7,500", "๕,๕๐๐ บาท", "12000")}
NOTE = "ครอบครัวสบายดี ลูกไปโรงเรียนทุกวัน"
LOCATION = {"latitude": 15.0012, "longitude": 102.3021, "title": None, "address": None}
SETTINGS = {"POVERTY_LINES": "2560-2580:38000"}  # a line for the years the periods fall in: compared each time


def next_input(ctx: Context, session: DialogSession) -> Input:
    """The caretaker's answer to the question the session is at, varied by the session's version (one more each
    step) and the person: an earlier answer kept every other time where there is one, else an answer of the kind
    the path needs."""
    state, turn = session.state, session.version + int(session.line_user_id[-2:], 16)
    question = engine.question_of(session)
    if state == "c_confirm":
        return walk.tap(session, {"a": "yes" if turn % 3 == 0 else "no"})  # "Save", or "Change answers"
    if turn % 2 and question.keepable(ctx, session.answers):
        return walk.tap(session, {"keep": "1"})
    if state == "c_contact":
        return walk.tap(session, {"a": "unreached" if turn % 17 == 0 else "phone" if turn % 5 == 0 else "in_person"})
    if state == "c_why":
        return walk.tap(session, {"a": "away"})
    if state == "c_income":
        typed = TYPED[state]
        return (walk.tap(session, {"a": str(LAST_INCOME)}) if turn % 3  # "Same: 6,000 บาท"
                else Input("text", text=typed[turn % len(typed)]))
    if state == "c_acts":
        return walk.tap(session, {"a": checkin.REPORTING if turn % 4 == 0 else "none"})
    if state == "c_act":
        return walk.tap(session, {"a": PROGRESS[turn % len(PROGRESS)]})
    if state in TYPED:
        return Input("text", text=TYPED[state])
    if state == "c_location" and turn % 2:
        return Input("location", value=LOCATION)
    if state == "c_note" and turn % 3 == 0:
        return Input("text", text=NOTE)
    if question.optional:
        return walk.tap(session, {"a": "__skip__"})
    if isinstance(question, MultiChoice):  # the problems, then a new one's dimensions: a tick now and then
        if question.ticked(session.answers):
            return walk.tap(session, {"a": DONE})
        first = question.choices(ctx, session.answers)[0][0]
        return walk.tap(session, {"a": first if turn % 5 == 0 else NONE})
    return walk.tap(session, {"a": question.choices(ctx, session.answers)[0][0]})


def answer(ctx: Context, session: DialogSession | None, households: Iterator[int]) -> Outcome:
    if session is None:  # the last visit was saved: the caretaker taps their next household in "Monthly visits"
        return checkin.open_checkin(ctx, {"household": str(next(households))})
    return engine.step(ctx, session, next_input(ctx, session))


def a_household(i: int, k: int, now) -> Household:
    return Household(
        house_number=str(i * HOUSEHOLDS_EACH + k + 1), village_code=VILLAGE, head_name=f"นายหนึ่ง {i}-{k}",
        source="jpt", source_year=2566, classification="self_development", status="in_progress",
        latitude=None if k == 2 else 15.0, longitude=None if k == 2 else 102.3,
        members=[Member(name=f"นายหนึ่ง {i}-{k}", relation="head", birth_date=date(1980, 1, 1),
                        monthly_income=Decimal(4000)),
                 Member(name=f"นางสอง {i}-{k}", relation="spouse", birth_date=date(1982, 1, 1),
                        monthly_income=Decimal(2000))],
        problems=[Problem(dimension="living", indicator="poor_house", status="open", opened_on=now.date())])


def seed(users: int) -> dict[str, Iterator[int]]:
    """Per user: a LINE account, a caretaker of the village and their households, each with a compass, last month's
    check-in and a care assignment from before it; and the check-in of the first household opened (not timed).
    Each user's plan: their households, in the order they visit them."""
    now = utcnow()
    before = now - timedelta(days=90)
    db.session.add(Area(code=VILLAGE, level="village", name_th="บ้านจักราช", parent_code=VILLAGE[:6], moo=1))
    plans = {}
    for start in range(0, users, SETUP_BATCH):
        people = []
        for i in range(start, min(users, start + SETUP_BATCH)):
            person = LineUser(user_id=user_id(i), following=True, language="th", first_seen_at=now)
            staff = Staff(name=f"ผู้ดูแล {i}", position="อสม.", line_user_id=person.user_id,
                          roles=[StaffRole(role="caretaker", area_code=VILLAGE)])
            households = [a_household(i, k, now) for k in range(HOUSEHOLDS_EACH)]
            db.session.add_all([person, staff, *households])
            people.append((person, staff, households))
        db.session.flush()
        for person, staff, households in people:
            ctx = Context(person, staff, None, now, ZONE)
            last = checkins.period_of(ctx).previous()
            for household in households:
                db.session.add_all([
                    Compass(household_id=household.id, version=1, classification="self_development", goals={},
                            created_at=before, accepted_at=before, activities=[
                                CompassActivity(part="self", kind="other", text=text, who="ทั้งครอบครัว",
                                                target_month=date(2027, 3, 1)) for text in ACTIVITIES]),
                    CareAssignment(household_id=household.id, caretaker_id=staff.id, started_at=before),
                    CheckIn(household_id=household.id, period=last.key, staff_id=staff.id, at=now - timedelta(days=30),
                            contact="in_person", monthly_income=Decimal(LAST_INCOME))])
            db.session.flush()
            plan = itertools.cycle([household.id for household in households])
            db.session.add_all(checkin.open_checkin(ctx, {"household": str(next(plan))}).store)
            plans[person.user_id] = plan
        db.session.commit()
    return plans


CHECKIN = walk.Walk("checkin", "Check-in step benchmark", "caretakers", seed, answer, settings=SETTINGS)


def main(argv: list[str] | None = None) -> int:
    return walk.main(CHECKIN, argv, __doc__.split("\n\n")[0])


if __name__ == "__main__":
    sys.exit(main())
