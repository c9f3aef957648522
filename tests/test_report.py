"""The monthly report (step 5): figures a supervisor reads for three villages with known visits (on time, late,
missing, not due), rolled up to the subdistrict, district and province; frozen once at the report day and never
changed by a late visit, which shows in its own column; and the `report freeze` command."""

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.periods import Period
from domain.access.scope import EVERYWHERE, Scope
from domain.step5_report import counting, snapshots
from domain.step5_report.counting import Moment
from models import (
    CareAssignment,
    CheckIn,
    Compass,
    CompassActivity,
    Problem,
    ReportSnapshot,
    Visit,
    db,
)
from tests.helpers import VILLAGES, add_household, add_staff, add_villages

PERIOD = Period(2026, 9)  # กันยายน 2569: 21 August to 20 September 2026 in Bangkok
BEGAN = datetime(2026, 8, 20, 17, tzinfo=UTC)  # midnight after 20 August in Bangkok
ON_TIME = datetime(2026, 9, 10, 3, tzinfo=UTC)
LATE = datetime(2026, 9, 25, 3, tzinfo=UTC)  # after the cut-off, given for September
BEFORE = datetime(2026, 6, 1, tzinfo=UTC)
OUTSIDE = "30070101"  # a village of อ.โชคชัย, another district of the province


@dataclass
class Area:
    """The households of the example, by what happened to them in September."""

    on_time: list[int]
    late: list[int]
    missing: list[int]


def household(village: str, number: str, caretaker: int | None, since: datetime = BEFORE, **fields) -> int:
    found = add_household(village, number, f"นาย{number} ทดสอบ", **fields)
    if caretaker is not None:
        db.session.add(CareAssignment(household_id=found.id, caretaker_id=caretaker, started_at=since))
    return found.id


def visit(household_id: int, at: datetime, staff_id: int, ppy: int | None = None, period: Period = PERIOD) -> None:
    db.session.add(CheckIn(household_id=household_id, period=period.key, late=at >= datetime(2026, 9, 20, 17,
                                                                                               tzinfo=UTC),
                           staff_id=staff_id, at=at, contact="in_person",
                           per_person_year=Decimal(ppy) if ppy else None, poverty_line=38_000 if ppy else None))


@pytest.fixture
def example(app):
    with app.app_context():
        return build_example()


def build_example() -> dict:
    """หมู่ 1 บ้านจักราช: four households in care since June (one visited on time, one late, one not yet, one that
    moved away unvisited) and one without a caretaker; หมู่ 2 บ้านหนองบัว: one visited on time and one given to a
    caretaker only in September (not due, though visited); หมู่ 1 บ้านทองหลาง (another subdistrict): one visited on
    time; and one household of another district, visited on time."""
    add_villages(VILLAGES | {OUTSIDE: (1, "บ้านนอกเขต")})
    carer = add_staff("U-carer", "caretaker", "300601", "ผู้ดูแล หนึ่ง").id
    other = add_staff("U-other", "caretaker", "3007", "ผู้ดูแล สอง").id
    v1 = [household("30060101", "1", carer, classification="self_development", status="in_progress"),
          household("30060101", "2", carer, classification="welfare", status="solved"),
          household("30060101", "3", carer),
          household("30060101", "4", carer, status="moved"),
          household("30060101", "5", None)]
    v2 = [household("30060102", "1", carer),
          household("30060102", "2", carer, since=datetime(2026, 9, 1, tzinfo=UTC))]
    v3 = [household("30060301", "1", carer)]
    outside = household(OUTSIDE, "1", other)
    visit(v1[0], ON_TIME, carer, ppy=40_000)
    visit(v1[0], datetime(2026, 7, 10, tzinfo=UTC), carer, ppy=30_000, period=Period(2026, 7))
    visit(v1[1], LATE, carer, ppy=36_000)
    visit(v2[0], ON_TIME, carer, ppy=30_000)
    visit(v2[1], ON_TIME, carer)
    visit(v3[0], ON_TIME, carer, ppy=50_000)
    visit(outside, ON_TIME, other, ppy=45_000)
    db.session.add_all([Visit(household_id=v1[0], consent=True), Visit(household_id=v1[1], consent=True),
                        Visit(household_id=v1[2], consent=False)])
    db.session.add_all([Problem(household_id=v1[0], dimension="health", status="open"),
                        Problem(household_id=v1[0], dimension="income", status="solved"),
                        Problem(household_id=v3[0], dimension="health", status="in_progress"),
                        Problem(household_id=v3[0], dimension="health", status="not_a_problem")])
    db.session.add(Compass(household_id=v1[0], version=1, classification="self_development", goals={},
                           accepted_at=BEFORE, photo_id=None, activities=[
                               CompassActivity(part="government", kind="other", text="ฝึกอาชีพ", who="x",
                                               target_month=BEFORE.date(), agency="cdd", status="done")]))
    db.session.add(Compass(household_id=v1[0], version=2, classification="self_development", goals={},
                           accepted_at=BEFORE, activities=[
                               CompassActivity(part="government", kind="other", text="ฝึกอาชีพ", who="x",
                                               target_month=BEFORE.date(), agency="cdd", status="under_way"),
                               CompassActivity(part="self", kind="other", text="ออมเงิน", who="x",
                                               target_month=BEFORE.date(), status="not_started")]))
    db.session.commit()
    return {"30060101": Area([v1[0]], [v1[1]], [v1[2]]), "30060102": Area([v2[0]], [], []),
            "30060301": Area([v3[0]], [], []), "carer": carer}


AFTER = datetime(2026, 10, 1, tzinfo=UTC)  # a view some days after the late visit


def live(app, area: str = "30", within: Scope = EVERYWHERE, at: datetime = AFTER) -> dict[str, dict]:
    with app.app_context():
        return counting.count(Moment.of(PERIOD, at), area, within)


def reporting(found: dict, area: str) -> tuple[int, int, int]:
    return tuple(found[area].get(key, 0) for key in ("expected", "actual", "on_time"))


def test_reporting_counts_due_visited_and_on_time_households_and_adds_them_up(app, example):
    found = live(app)
    assert reporting(found, "30060101") == (3, 2, 1)  # not the one that moved away, nor the one without a caretaker
    assert reporting(found, "30060102") == (1, 1, 1)  # the one given a caretaker in September is not yet due
    assert reporting(found, "300601") == (4, 3, 2)
    assert reporting(found, "300603") == (1, 1, 1)
    assert reporting(found, "3006") == (5, 4, 3)
    assert reporting(found, "30") == (6, 5, 4)  # with อ.โชคชัย's
    assert "TH" not in found  # a province's count is not the nation's


def test_the_state_of_the_process_per_village(app, example):
    village = live(app)["30060101"]
    assert {key: village.get(key, 0) for key in ("targeted", "interviewed", "welfare", "self_development",
                                                 "with_compass", "with_mou", "with_caretaker", "out_of_poverty")} == {
        "targeted": 5, "interviewed": 2, "welfare": 1, "self_development": 1, "with_compass": 1, "with_mou": 0,
        "with_caretaker": 4, "out_of_poverty": 1}
    assert village["problems_health_open"] == 1 and village["problems_income_solved"] == 1
    assert live(app)["300603"]["problems_health_open"] == 1  # "not a problem" is not counted
    # the current compass only (version 2): one government activity under way for the community development office
    assert village["activities_under_way"] == 1 and village["activities_not_started"] == 1
    assert "activities_done" not in village and village["agency_cdd"] == 1
    assert (village["caretakers"], village["caretakers_above_limit"]) == (1, 1)  # 7 households, the maximum is 5
    assert live(app)["30"]["caretakers"] == 2


def test_income_median_and_above_the_line_now(app, example):
    found = live(app)
    assert found["30060101"]["median_income"] == 38_000  # 40,000 (September, not July's 30,000) and 36,000
    assert found["30060101"]["above_line_now"] == 1 and found["30060101"]["income_known"] == 2
    assert found["3006"]["median_income"] == 38_000  # 30,000 36,000 40,000 50,000
    assert found["30"]["median_income"] == 40_000
    frozen_view = live(app, at=datetime(2026, 9, 20, 17, tzinfo=UTC))  # before the late visit's income was given
    assert frozen_view["30060101"]["median_income"] == 40_000 and frozen_view["30060101"]["income_known"] == 1


def test_a_freeze_is_stored_once_and_a_late_visit_shows_beside_it(app, example):
    with app.app_context():
        now = datetime(2026, 10, 1, tzinfo=UTC)
        stored = snapshots.freeze(PERIOD, now)
        assert stored == db.session.scalar(select(func.count()).select_from(ReportSnapshot)) > 0
        assert snapshots.freeze(PERIOD, now) == 0  # a second run changes nothing
        report = snapshots.view(PERIOD, "3006", EVERYWHERE, now)
        assert reporting(report.figures, "30060101") == (3, 1, 1)  # as at the report day: the late one not yet
        assert report.late["30060101"] == 1 and report.late["3006"] == 1 and report.late["30060102"] == 0
        before = {row.area_code: row.figures for row in db.session.scalars(select(ReportSnapshot))}
        visit(example["30060101"].missing[0], datetime(2026, 10, 2, tzinfo=UTC), example["carer"])
        db.session.commit()
        assert {row.area_code: row.figures for row in db.session.scalars(select(ReportSnapshot))} == before
        later = snapshots.view(PERIOD, "3006", EVERYWHERE, datetime(2026, 10, 3, tzinfo=UTC))
        assert reporting(later.figures, "30060101") == (3, 1, 1) and later.late["30060101"] == 2


def test_a_period_not_yet_ended_is_not_frozen_and_its_view_is_counted_live(app, example):
    with app.app_context():
        with pytest.raises(snapshots.NotClosed):
            snapshots.freeze(PERIOD, datetime(2026, 9, 20, 16, 59, tzinfo=UTC))
        report = snapshots.view(PERIOD, "300601", EVERYWHERE, AFTER)
        assert report.frozen_at is None and reporting(report.figures, "300601") == (4, 3, 2)


def test_the_freeze_command_is_idempotent(app, example):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["report", "freeze", "--period", "2569-09"])
    assert first.exit_code == 0, first.output
    assert "froze กันยายน 2569" in first.output
    second = runner.invoke(args=["report", "freeze", "--period", "2569-09"])
    assert second.exit_code == 0 and "already frozen" in second.output
    not_yet = runner.invoke(args=["report", "freeze", "--period", "2580-01"])
    assert not_yet.exit_code != 0 and "has not ended" in not_yet.output
    garbled = runner.invoke(args=["report", "freeze", "--period", "2569-13"])
    assert garbled.exit_code != 0 and "2569-12" in garbled.output
