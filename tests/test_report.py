"""The monthly report (step 5): figures a supervisor reads for three villages with known visits (on time, late,
missing, not due), rolled up to the subdistrict, district and province; frozen once at the report day and never
changed by a late visit, which shows in its own column; and the `report freeze` command."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from bot import report_clock
from bot.recovery import sweep
from domain.access.scope import EVERYWHERE, Scope
from domain.step5_report import counting, snapshots
from domain.step5_report.counting import Moment
from models import AuditEntry, ReportSnapshot, db
from tests.helpers import REPORT_AFTER as AFTER
from tests.helpers import REPORT_PERIOD as PERIOD
from tests.helpers import add_check_in, add_report_example, settle, wait_until


@pytest.fixture
def example(app):
    with app.app_context():
        return add_report_example()


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
        stored = report_clock.freeze(PERIOD, "test", now)
        assert stored == db.session.scalar(select(func.count()).select_from(ReportSnapshot)) > 0
        assert report_clock.freeze(PERIOD, "test", now) == 0  # a second run changes nothing
        report = snapshots.view(PERIOD, "3006", EVERYWHERE, now)
        assert reporting(report.figures, "30060101") == (3, 1, 1)  # as at the report day: the late one not yet
        assert report.late["30060101"] == 1 and report.late["3006"] == 1 and report.late["30060102"] == 0
        before = {row.area_code: row.figures for row in db.session.scalars(select(ReportSnapshot))}
        add_check_in(example["missing"], datetime(2026, 10, 2, tzinfo=UTC), example["carer"], PERIOD)
        db.session.commit()
        assert {row.area_code: row.figures for row in db.session.scalars(select(ReportSnapshot))} == before
        later = snapshots.view(PERIOD, "3006", EVERYWHERE, datetime(2026, 10, 3, tzinfo=UTC))
        assert reporting(later.figures, "30060101") == (3, 1, 1) and later.late["30060101"] == 2


def test_a_period_not_yet_ended_is_not_frozen_and_its_view_is_counted_live(app, example):
    with app.app_context():
        with pytest.raises(snapshots.NotClosed):
            report_clock.freeze(PERIOD, "test", datetime(2026, 9, 20, 16, 59, tzinfo=UTC))
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


def test_the_sweep_freezes_the_period_just_closed_once(app, example, monkeypatch):
    monkeypatch.setattr(report_clock, "utcnow", lambda: datetime(2026, 10, 5, tzinfo=UTC))  # September has closed
    monkeypatch.setattr(report_clock, "_next_check", 0.0)

    def stored() -> int:
        with app.app_context():
            return db.session.scalar(select(func.count()).select_from(ReportSnapshot)
                                     .where(ReportSnapshot.period == PERIOD.key))

    with app.app_context():
        sweep()
    wait_until(lambda: stored() > 0, message="September was not frozen")
    settle(app)
    frozen = stored()
    monkeypatch.setattr(report_clock, "_next_check", 0.0)
    with app.app_context():
        sweep()
        assert db.session.scalar(select(AuditEntry.after).where(AuditEntry.action == "report.freeze"))["by"] == \
            "schedule"
    settle(app)
    assert stored() == frozen
