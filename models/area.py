"""Administrative areas: provinces, districts and subdistricts (from geothai) and villages (ours)."""

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from models.db import db

LEVELS = {2: "province", 4: "district", 6: "subdistrict", 8: "village"}


class Area(db.Model):
    """One area. Codes nest by prefix: 30 ⊃ 3006 ⊃ 300601 ⊃ 30060105 (subdistrict + 2-digit หมู่)."""

    __tablename__ = "areas"

    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    level: Mapped[str] = mapped_column(String(12))
    name_th: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str | None] = mapped_column(String(120))
    parent_code: Mapped[str | None] = mapped_column(String(8))
    moo: Mapped[int | None]  # หมู่ที่ N, villages only

    __table_args__ = (Index("ix_areas_parent", "parent_code"),)
