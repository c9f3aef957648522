"""What a reader of the report is shown, whatever the screen (the chat's card, the page): which area is theirs,
which periods they may choose, the area's sub-areas with their names, and the figures' income trend.

No Flask request and no LINE here: the card (`dialogs.report`) and the page (`bot.report_page`) build on it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from core.i18n import N_, gettext
from core.periods import Period
from domain.access import areas
from domain.access.scope import Scope
from domain.step5_report import figures
from domain.step5_report.figures import NATION
from models import ReportSnapshot, db

TREND_PERIODS = 12
CHOICES = 6  # frozen periods offered to choose from


def area_of(within: Scope) -> str:
    """The area a reader's report is of: the nation for those who see it all, else the first of their areas."""
    return NATION if within.nationwide else within.prefixes[0]


def name_of(area_code: str, locale: str) -> str:
    if area_code == NATION:
        return gettext(N_("The whole country"), locale)
    return areas.name(area_code, locale, full=False, parent=len(area_code) == 8) or area_code


def sub_areas(report_figures: dict[str, dict], area_code: str) -> list[str]:
    """The codes of the areas one level under `area_code` that have figures, in code order."""
    length = 2 if area_code == NATION else len(area_code) + 2
    return sorted(code for code in report_figures
                  if code != NATION and len(code) == length and code.startswith("" if area_code == NATION
                                                                                 else area_code))


def frozen_periods(area_code: str, within: Scope, limit: int = CHOICES) -> list[Period]:
    """The latest frozen periods with a row for the area (newest first)."""
    within.require(area_code)
    keys = db.session.scalars(select(ReportSnapshot.period).where(ReportSnapshot.area_code == area_code)
                              .order_by(ReportSnapshot.period.desc()).limit(limit))
    return [Period.from_key(key) for key in keys]


@dataclass(frozen=True)
class TrendPoint:
    period: Period
    median_income: int | None
    above_line: int
    income_known: int


def income_trend(area_code: str, within: Scope, until: Period, current: dict | None) -> list[TrendPoint]:
    """The area's income over the frozen periods up to `until` (at most TREND_PERIODS), with `until`'s own
    figures (`current`, frozen or so far) last."""
    within.require(area_code)
    earliest = until
    for _ in range(TREND_PERIODS - 1):
        earliest = earliest.previous()
    rows = db.session.execute(select(ReportSnapshot.period, ReportSnapshot.figures)
                              .where(ReportSnapshot.area_code == area_code, ReportSnapshot.period >= earliest.key,
                                     ReportSnapshot.period < until.key).order_by(ReportSnapshot.period))
    points = [_point(Period.from_key(key), values) for key, values in rows]
    if current is not None:
        points.append(_point(until, current))
    return points


def _point(period: Period, values: dict) -> TrendPoint:
    return TrendPoint(period, figures.value(values, "median_income"), figures.value(values, "above_line_now"),
                      figures.value(values, "income_known"))
