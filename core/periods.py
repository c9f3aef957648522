"""The monthly reporting period of step 4 (ดูแลชีวิต) and step 5 (ติดตามประเมินผล).

The period named by month M runs from the day after the report day of M−1 to the report day of M (REPORT_DAY,
20 by default): period "December 2026" is 21 November – 20 December. Its cut-off is the end of its last day in
the bot's time zone (BOT_TIMEZONE), so a check-in at 23:59 on the 20th in Bangkok counts for December and one at
00:00 on the 21st for January, whatever the server's clock zone. Check-ins and reports store the period as its
key, the number YYYYMM of month M (Christian Era, as dates are stored); people see it as "ธันวาคม 2569".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.thai import format_month, local_date

REPORT_DAY_RANGE = (1, 28)  # a day every month has


@dataclass(frozen=True, order=True)
class Period:
    year: int  # of month M, Christian Era
    month: int

    @classmethod
    def of_day(cls, day: date, report_day: int) -> Period:
        """The period a local day falls in: after the report day, the next month's."""
        period = cls(day.year, day.month)
        return period.next() if day.day > report_day else period

    @classmethod
    def of_moment(cls, moment: datetime, report_day: int, tz: str) -> Period:
        """The period of a stored (UTC) moment, by its day in `tz`."""
        return cls.of_day(local_date(moment, tz), report_day)

    @classmethod
    def from_key(cls, key: int) -> Period:
        year, month = divmod(key, 100)
        if not 1 <= month <= 12:
            raise ValueError(f"{key} is not a period (YYYYMM)")
        return cls(year, month)

    @property
    def key(self) -> int:
        return self.year * 100 + self.month

    def next(self) -> Period:
        return Period(self.year + self.month // 12, self.month % 12 + 1)

    def previous(self) -> Period:
        return Period(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    def last_day(self, report_day: int) -> date:
        return date(self.year, self.month, report_day)

    def first_day(self, report_day: int) -> date:
        return self.previous().last_day(report_day) + timedelta(days=1)

    def cutoff(self, report_day: int, tz: str) -> datetime:
        """The end of the period: the start of the day after its last, in `tz`, as a UTC moment (as stored)."""
        after = datetime.combine(self.last_day(report_day) + timedelta(days=1), time(), ZoneInfo(tz))
        return after.astimezone(UTC)

    def days_left(self, today: date, report_day: int) -> int:
        """Days from `today` to the last day, that day counted (0 once it is past)."""
        return max((self.last_day(report_day) - today).days + 1, 0)

    def label(self, locale: str, short: bool = False) -> str:
        """ "ธันวาคม 2569", "December 2026"; `short`: "ธ.ค. 69", "Dec 2026"."""
        return format_month(date(self.year, self.month, 1), locale, "short" if short else "wide")
