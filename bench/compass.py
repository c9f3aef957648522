"""Compass-step benchmark: one step of the life compass dialog (load the person and the session, check the
household is still in their area, validate, transition, save) on SQLite and PostgreSQL.

    .venv/bin/python -m bench.compass [--quick] [--steps 50000] [--users 2000] [--backend all]

Target (issue 12): a median step under 2 ms on SQLite and on PostgreSQL, as for the other dialogs
(`bench.dialog`).

Each user is a volunteer with one classified household of their village, whose compass they write again and
again: at the MOU they answer "no", which goes back to the goals, and from then on every earlier answer is
kept ("Keep answer") but the month of each activity, which is answered afresh. So the steps cover the
roster loops (goals, spending, activities), tick lists, money, the area check of every step and the long
summary. Steps go round-robin over the users; what one timed step is: `bench.walk`.

Measured (this 2-core machine, load average about 1; --steps 20000 --users 1000), in ms:

    backend      median    p90    p99   load  engine  save
    sqlite        1.18     1.61   2.68  0.43   0.58   0.27
    postgresql    1.74     2.84   4.27  0.55   0.98   0.50

A step queries the account with its staff member, their roles and the open dialog at once
(`dialogs.sessions.account`), then the household once (`households.in_scope`: the area check, the prompts and the
option lists share it), then saves. Before (four queries to load, the household again for each prompt), 2.8 ms
on PostgreSQL.
"""

from __future__ import annotations

import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import walk  # noqa: E402
from bench.dialog import ZONE, user_id  # noqa: E402
from core.types import Context, Input, Outcome  # noqa: E402
from dialogs import compass, engine  # noqa: E402
from dialogs.kinds import MultiChoice  # noqa: E402
from dialogs.kinds.multi_choice import DONE  # noqa: E402
from models import Area, DialogSession, Household, LineUser, Member, Staff, StaffRole, Visit, db, utcnow  # noqa: E402

VILLAGE = "30060101"
SETUP_BATCH = 500
TYPED = {"m_team": "อาสา ทดสอบ, พัฒนากร ดีงาม", "s_amount": "3,000", "d_repay": "1,000", "o_extra": "2,000",
         "a_support": "อบรมอาชีพ", "t_income": "40,000", "g_text": "ครอบครัวอบอุ่น", "o_text": "ปลูกผัก",
         "a_text": "ทำปุ๋ยหมัก", "a_sign": "ปุ๋ยที่ได้", "m_rep_other": "ญาติ", "r_reason": "ทบทวน"}


def next_input(ctx: Context, session: DialogSession) -> Input:
    """What the volunteer answers the question the session is at: an earlier answer kept where there is one
    (but the month), else the first option, one tick then "Done", or a typical typed answer."""
    question = engine.question_of(session)
    if session.state == "m_accept":
        return walk.tap(session, {"a": "no"})  # back to the goals: the compass is written again
    if session.state != "a_month" and question.keepable(ctx, session.answers):
        return walk.tap(session, {"keep": "1"})
    if session.state in TYPED:
        return Input("text", text=TYPED[session.state])
    options = question.choices(ctx, session.answers)
    if isinstance(question, MultiChoice):
        ticked = question.ticked(session.answers)
        return walk.tap(session, {"a": DONE} if ticked else {"a": options[0][0]})
    return walk.tap(session, {"a": options[0][0]})


def seed(users: int) -> dict[str, None]:
    """Per user: a LINE account, a volunteer of the village, a classified household visited with consent, and
    the compass opened on it (not timed). No plan: the session never finishes."""
    now = utcnow()
    db.session.add(Area(code=VILLAGE, level="village", name_th="บ้านจักราช", parent_code=VILLAGE[:6], moo=1))
    for start in range(0, users, SETUP_BATCH):
        for i in range(start, min(users, start + SETUP_BATCH)):
            person = LineUser(user_id=user_id(i), following=True, language="th", first_seen_at=now)
            staff = Staff(name=f"อาสา {i}", position="อช.", line_user_id=person.user_id,
                          roles=[StaffRole(role="volunteer", area_code=VILLAGE)])
            household = Household(house_number=str(i + 1), village_code=VILLAGE, head_name=f"นายหนึ่ง {i}",
                                  source="jpt", source_year=2566, classification="self_development", members=[
                                      Member(name=f"นายหนึ่ง {i}", relation="head", birth_date=date(1980, 1, 1),
                                             monthly_income=Decimal(3000)),
                                      Member(name=f"นางสอง {i}", relation="spouse", birth_date=date(1982, 1, 1))])
            db.session.add_all([person, staff, household])
            db.session.flush()
            db.session.add(Visit(household_id=household.id, staff_id=staff.id, consent=True, visited_at=now,
                                 resources={"debt_formal": "20000"}, way_out={"words": "ปลูกผักขาย"}))
            ctx = Context(person, staff, None, now, ZONE)
            for record in compass.open_compass(ctx, {"household": str(household.id)}).store:
                db.session.add(record)
        db.session.commit()
    return dict.fromkeys(user_id(i) for i in range(users))


def answer(ctx: Context, session: DialogSession, plan: None) -> Outcome:
    return engine.step(ctx, session, next_input(ctx, session))


COMPASS = walk.Walk("compass", "Compass step benchmark", "volunteers", seed, answer)


def main(argv: list[str] | None = None) -> int:
    return walk.main(COMPASS, argv, __doc__.split("\n\n")[0])


if __name__ == "__main__":
    sys.exit(main())
