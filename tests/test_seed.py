"""`flask --app wsgi demo seed`: อ.จักราช with villages, test households and demo staff, once."""

from collections import Counter
from datetime import UTC, datetime, timedelta

import geothai
import pytest
from sqlalchemy import delete, func, select

from bot import seed
from core.periods import Period
from core.thai import local_date
from core.validators import national_id
from domain.step1_survey import households, income
from domain.step1_survey.households import hash_national_id
from models import (
    Area,
    AuditEntry,
    CheckIn,
    Compass,
    CompassActivity,
    Household,
    Member,
    Problem,
    Staff,
    StaffRole,
    Visit,
    db,
)
from models.care import CareAssignment
from models.household import DIMENSIONS
from models.staff import ROLES

SUBDISTRICTS = ["300601", "300603", "300604", "300605", "300607", "300610", "300611", "300613"]  # the brief's


def counts() -> dict[str, int]:
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Area, Household, Member, Problem, Staff, CheckIn, AuditEntry)}


@pytest.fixture
def given_ids(monkeypatch):
    """The national IDs the seed stores, as it hands them to `set_national_id` (they can't be read back)."""
    given = []

    def record(member, number):
        given.append(number)
        households.set_national_id(member, number)

    monkeypatch.setattr(seed, "set_national_id", record)
    return given


def test_the_seed_creates_the_district_its_villages_households_and_staff(embedded_app, given_ids):
    result = embedded_app.test_cli_runner().invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    assert "109 villages, 300 households" in result.output
    with embedded_app.app_context():
        subdistricts = db.session.scalars(select(Area.code).where(Area.level == "subdistrict")
                                          .order_by(Area.code)).all()
        assert subdistricts == SUBDISTRICTS == [s.code for s in geothai.subdistricts("3006")]
        assert db.session.get(Area, "3006").name_th == "จักราช" and db.session.get(Area, "30").name_th == "นครราชสีมา"
        villages = db.session.scalars(select(Area).where(Area.level == "village")).all()
        assert len(villages) == 109 and len({v.name_th for v in villages}) == 109
        assert {v.parent_code for v in villages} == set(SUBDISTRICTS)
        assert all(v.code == f"{v.parent_code}{v.moo:02d}" and v.name_en.startswith("Ban ") for v in villages)

        homes = db.session.scalars(select(Household)).all()
        assert len(homes) == 300 and all(h.test_data for h in homes)
        assert {h.village_code for h in homes} <= {v.code for v in villages}
        assert all(1 <= len(h.members) <= 6 and h.head_name == h.members[0].name for h in homes)
        members = [m for h in homes for m in h.members]
        assert all(m.test_data and m.sex in ("male", "female") and m.birth_date and m.relation for m in members)
        assert Counter(h.members[0].relation for h in homes) == {"head": 300}
        # Welfare cases: nobody able to work, disabled and bedridden members, old people.
        assert sum(not any(m.can_work for m in h.members) for h in homes) >= 20
        assert any(m.disabled for m in members) and any(m.bedridden for m in members)
        assert {p.dimension for h in homes for p in h.problems} == set(DIMENSIONS)
        assert any(income.of(h).below_line for h in homes)
        assert any(income.of(h).below_line is False for h in homes)

        assert len(given_ids) == len(set(given_ids)) == len(members)
        assert all(national_id(number) == number for number in given_ids)  # passes the checksum
        assert {(m.national_id_hash, m.national_id_last) for m in members} == {
            (hash_national_id(number), number[-4:]) for number in given_ids}

        # A third interviewed and classified by the rule; half of those with a compass, a few revised.
        visited = [h for h in homes if h.classification]
        assert len(visited) == db.session.scalar(select(func.count()).select_from(Visit)) == 100
        assert {h.classification for h in visited} == {"welfare", "self_development"}
        compasses = db.session.scalars(select(Compass)).all()
        assert len({c.household_id for c in compasses}) == 50 and max(c.version for c in compasses) == 2
        assert all(c.accepted_at and {a.part for a in c.activities} == {"self", "community", "government"}
                   for c in compasses)
        cared = db.session.scalars(select(CareAssignment)).all()
        assert 0 < len(cared) <= 3 * len(SUBDISTRICTS) and {a.household_id for a in cared} <= {
            c.household_id for c in compasses}
        assert max(Counter(a.caretaker_id for a in cared).values()) <= 3  # about 3 households each

        staff = db.session.scalars(select(Staff)).all()
        assert {r.role for person in staff for r in person.roles} == set(ROLES)
        assert all(person.line_user_id is None and person.active for person in staff)


def test_the_seed_adds_nothing_the_second_time_and_restores_what_is_missing(app):
    with app.app_context():
        first = seed.seed_demo()
        db.session.commit()
        assert first["villages"] == 109 and first["households"] == 300 and first["check_ins"] > 0
        before = counts()
        nothing = {"villages": 0, "households": 0, "members": 0, "staff": 0, "compasses": 0, "in_care": 0,
                   "check_ins": 0}
        assert seed.seed_demo() == nothing
        db.session.commit()
        assert counts() == before

        gone = db.session.scalar(select(Household).where(Household.import_key == "demo-005"))
        head, size = gone.head_name, len(gone.members)
        db.session.execute(delete(Member).where(Member.household_id == gone.id))
        db.session.execute(delete(Problem).where(Problem.household_id == gone.id))
        db.session.execute(delete(Household).where(Household.id == gone.id))
        db.session.commit()
        added = seed.seed_demo()
        db.session.commit()
        assert added == {"villages": 0, "households": 1, "members": size, "staff": 0, "compasses": 0, "in_care": 0,
                         "check_ins": 0}
        assert db.session.scalar(select(Household).where(Household.import_key == "demo-005")).head_name == head


MID_PERIOD = datetime(2026, 12, 4, 2, tzinfo=UTC)  # 09:00 in Bangkok, a fortnight before the report day
JUST_CLOSED = Period(2026, 12).cutoff(20, "Asia/Bangkok") + timedelta(minutes=30)  # 00:30 on the 21st


@pytest.mark.parametrize("now", [MID_PERIOD, JUST_CLOSED], ids=["mid-period", "just-after-the-cut-off"])
def test_households_in_care_have_six_months_of_monthly_visits(embedded_app, now):
    app = embedded_app
    app.config["POVERTY_LINES"] = {**app.config["POVERTY_LINES"], 2569: 38000, 2570: 38000}
    day, zone = app.config["REPORT_DAY"], app.config["BOT_TIMEZONE"]
    current = Period.of_moment(now, day, zone)
    closed = [current.previous()]
    while len(closed) < 6:
        closed.insert(0, closed[0].previous())
    with app.app_context():
        added = seed.seed_demo(now)
        db.session.commit()
        cared = {a.household_id: a.caretaker_id for a in db.session.scalars(select(CareAssignment))}
        given = db.session.scalars(select(CheckIn).order_by(CheckIn.household_id, CheckIn.period)).all()
        assert added["check_ins"] == len(given) and {c.household_id for c in given} == set(cared)
        assert all(c.staff_id == cared[c.household_id] for c in given)

        # Each household: one visit a closed period, about one in eight missing; this period's mostly still to do.
        periods = Counter((c.household_id, c.period) for c in given)
        assert max(periods.values()) == 1 and {p for _, p in periods} <= {p.key for p in [*closed, current]}
        missing = 6 * len(cared) - sum(c.period != current.key for c in given)
        assert 0 < missing < 6 * len(cared) / 4
        assert sum(c.period == current.key for c in given) < len(cared) / 4

        # Late ones: stored for their period, given after its cut-off, in the next period; the others within it.
        late = [c for c in given if c.late]
        assert 0 < len(late) < len(given) / 4
        for check_in in given:
            period = Period.from_key(check_in.period)
            at = check_in.at.replace(tzinfo=UTC)
            assert at <= now
            assert (at >= period.cutoff(day, zone)) == check_in.late
            assert Period.of_moment(at, day, zone) == (period.next() if check_in.late else period)
        assert 0 < sum(c.contact == "phone" for c in given) < len(given) / 3

        # Incomes per person per year against the line of the period; some households rise across it.
        homes = {h.id: h for h in db.session.scalars(select(Household).where(Household.id.in_(cared)))}
        for check_in in given:
            assert check_in.members == len(homes[check_in.household_id].members)
            assert check_in.per_person_year == income.per_person_year(check_in.monthly_income, check_in.members)
            assert check_in.poverty_line == 38000
        history = {h: [c for c in given if c.household_id == h] for h in cared}
        crossed = [h for h, visits in history.items()
                   if visits[0].per_person_year < 38000 <= visits[-1].per_person_year]
        flat = [h for h, visits in history.items()
                if max(c.monthly_income for c in visits) <= min(c.monthly_income for c in visits) * 11 / 10]
        assert crossed and flat

        # The household's income, location and compass activity are what its visits said last.
        for household_id, visits in history.items():
            home, last = homes[household_id], visits[-1]
            assert (home.monthly_income, home.income_basis, home.income_on) == (
                last.monthly_income, "check_in", local_date(last.at, zone))
            spots = [(c.latitude, c.longitude) for c in visits if c.latitude is not None]
            assert spots == ([(home.latitude, home.longitude)] if home.latitude is not None else [])
            steps = [(step["activity"], step["status"]) for c in visits for step in c.activities]
            if steps:
                activity = db.session.get(CompassActivity, steps[0][0])
                assert [status for _, status in steps] in (["under_way"], ["under_way", "done"])
                assert {a for a, _ in steps} == {activity.id} and activity.status == steps[-1][1]
        located = [h for h in homes.values() if h.latitude is not None]
        assert 0 < len(located) < len(homes)
        assert all(14.8 < h.latitude < 15.2 and 102.2 < h.longitude < 102.7 for h in located)
        assert {step["status"] for c in given for step in c.activities} == {"under_way", "done"}

        assert seed.seed_demo(now)["check_ins"] == 0


def test_a_demo_seeded_before_the_monthly_visits_gets_them_once_and_only_for_its_own_assignments(
        embedded_app, monkeypatch):
    with embedded_app.app_context():
        with monkeypatch.context() as before:
            before.setattr(seed, "check_ins", lambda cared, now: [])
            seed.seed_demo(MID_PERIOD)
        assigned = db.session.scalars(select(CareAssignment).order_by(CareAssignment.id)).all()
        by_someone = assigned[0]
        by_someone.assigned_by = by_someone.caretaker_id  # as if given in the chat
        db.session.commit()

        added = seed.seed_demo(MID_PERIOD)
        db.session.commit()
        given = db.session.scalars(select(CheckIn)).all()
        assert added["check_ins"] == len(given) > 0 and added["households"] == 0
        assert {c.household_id for c in given} == {a.household_id for a in assigned[1:]}
        assert seed.seed_demo(MID_PERIOD)["check_ins"] == 0


VIEWERS = [("volunteer", "30060101"), ("caretaker", "30060302"), ("supervisor_subdistrict", "300601"),
           ("supervisor_district", "3006"), ("supervisor_province", "30"), ("supervisor_province", "31"),
           ("admin", "TH")]


def test_seeded_households_are_seen_only_within_scope(embedded_app):
    with embedded_app.app_context():
        seed.seed_demo()
        viewers = [Staff(name=f"{role}@{area}", position="x", roles=[StaffRole(role=role, area_code=area)])
                   for role, area in VIEWERS]
        db.session.add_all(viewers)
        db.session.commit()
        every = db.session.scalars(select(Household)).all()
        for viewer, (_, area) in zip(viewers, VIEWERS, strict=True):
            seen = {h.id for h in db.session.scalars(households.visible(viewer))}
            prefix = "" if area == "TH" else area
            assert seen == {h.id for h in every if h.village_code.startswith(prefix)}, viewer.name
            assert (len(seen) == 0) == (area == "31") and (len(seen) == 300) == (area in ("3006", "30", "TH"))
