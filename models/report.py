"""Step 5 (ติดตามประเมินผล): a period's report as it stood when it was frozen, one row per area.

Frozen once, at the period's cut-off (or by hand), and never changed: the figures ministries were sent stay what
they were, whatever is entered later. A live view computes the same figures again and shows the difference.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.db import db, utcnow

NATION = "TH"  # the area code of the whole country's row


class ReportSnapshot(db.Model):
    __tablename__ = "report_snapshots"

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[int]  # core.periods.Period.key
    area_code: Mapped[str] = mapped_column(String(8))  # a village, subdistrict, district, province, or NATION
    level: Mapped[str] = mapped_column(String(12))  # models.area.LEVELS' values, or "nation"
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)  # domain.step5_report.figures: counts and the median
    frozen_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("period", "area_code", name="uq_report_snapshots_period_area"),)
