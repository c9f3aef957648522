"""Plans by agency (step 3.2): every government and local-government activity of the compasses in an area, for
the district and province teams to fit into each agency's development plan.

One XLSX file, in Thai: a summary sheet (per agency: households, activities, the support asked for in baht where
it was given) and one sheet per agency, its rows grouped by subdistrict (subdistrict, village, house number, the
head's name, the activity, the support asked for, the target month in B.E., the status). Only each household's
current compass counts (its latest version the family accepted, chosen in SQL), and only households inside both
the area asked for and the asker's scope (`domain.access.scope`). No national ID is read.

The rows are read from the database in batches and written as they come (`core.xlsx`), so a province's 200,000
activities take about the memory of a village's few (only the households' ids are kept, to count each once).
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import IO

from sqlalchemy import Row, case, func, select

from core.i18n import DEFAULT_LOCALE, N_, gettext
from core.thai import format_datetime, format_month
from core.xlsx import Workbook
from domain.access import areas
from domain.access.scope import Scope
from domain.step2_compass.choices import ACTIVITY_STATUS_LABELS, AGENCIES
from models import Area, Compass, CompassActivity, Household, Staff, db

LOCALE = DEFAULT_LOCALE  # the plans go to Thai agencies: the file is in Thai whoever asks for it
LEVELS = ("province", "district", "subdistrict")  # the areas a plan is made for (the command takes any)
EXPORTING_ROLES = ("supervisor_district", "supervisor_province", "admin")  # the chat offers them their areas' plans
EXPORTED_AREA_LENGTHS = (2, 4)  # ... of provinces and districts
BATCH = 2_000  # rows read from the database at a time
AGENCY = func.coalesce(CompassActivity.agency, "other")  # a government activity always has one; else "other"
AGENCY_COLUMNS = ((N_("Subdistrict"), 18), (N_("Village"), 24), (N_("House number"), 12),
                  (N_("Head of household"), 26), (N_("Activity"), 34), (N_("Support asked for"), 40),
                  (N_("Support asked for (baht)"), 16), (N_("Target month"), 18), (N_("Status"), 14))
SUMMARY_COLUMNS = ((N_("Agency"), 34), (N_("Number of households"), 14), (N_("Number of activities"), 14),
                   (N_("Activities with an amount"), 18), (N_("Support asked for (baht)"), 20))


class UnknownArea(Exception):
    """No province, district or subdistrict has this code."""


@dataclass
class Totals:
    households: int = 0
    activities: int = 0
    priced: int = 0  # activities whose support has an amount in baht
    baht: Decimal = Decimal(0)

    def add(self, row: Row, new_household: bool) -> None:
        self.households += new_household
        self.activities += 1
        if row.support_baht is not None:
            self.priced += 1
            self.baht += row.support_baht


@dataclass
class Exported:
    """What a plan holds: totals per agency (code) and over all, counted as the rows were written."""

    area_code: str
    agencies: dict[str, Totals] = field(default_factory=dict)
    total: Totals = field(default_factory=Totals)

    def counts(self) -> dict:
        """The figures an audit entry keeps: no personal value."""
        return {"households": self.total.households, "activities": self.total.activities,
                "agencies": len(self.agencies), "support_baht": str(self.total.baht)}


def known_area(code: str) -> Area:
    """The province, district or subdistrict `code` names; UnknownArea otherwise."""
    area = db.session.get(Area, code) if code.isascii() and code.isdigit() else None
    if area is None or area.level not in LEVELS:
        raise UnknownArea(code)
    return area


def areas_for(staff: Staff) -> list[str]:
    """The provinces and districts whose plans the chat offers `staff`: those of their supervising roles."""
    return sorted({role.area_code for role in staff.roles
                   if role.role in EXPORTING_ROLES and role.area_code.isdigit()
                   and len(role.area_code) in EXPORTED_AREA_LENGTHS})  # not TH, the whole country


def _agency_order():
    """Agencies in the order of the list the chat offers; an agency no longer listed after them."""
    return case({code: rank for rank, (code, _) in enumerate(AGENCIES)}, value=AGENCY, else_=len(AGENCIES))


def rows(within: Scope, area_code: str) -> Iterator[Row]:
    """The government part's activities of the current compasses of the households in `area_code` and `within`,
    by agency, then subdistrict, village and house, read in batches."""
    in_area = within.households() & Scope((area_code,)).condition(Household.village_code)
    current = (select(Compass.household_id, func.max(Compass.version).label("version"))
               .join(Household, Household.id == Compass.household_id)
               .where(Compass.accepted_at.is_not(None), in_area)
               .group_by(Compass.household_id).subquery())
    query = (select(AGENCY.label("agency"), Household.id.label("household_id"), Household.village_code,
                    Household.house_number, Household.head_name, CompassActivity.text, CompassActivity.support,
                    CompassActivity.support_baht, CompassActivity.target_month, CompassActivity.status)
             .join(Compass, Compass.id == CompassActivity.compass_id)
             .join(current, (current.c.household_id == Compass.household_id) & (current.c.version == Compass.version))
             .join(Household, Household.id == Compass.household_id)
             .where(CompassActivity.part == "government")
             .order_by(_agency_order(), AGENCY, Household.village_code, Household.house_order,
                       Household.house_number, Household.id, CompassActivity.id))
    yield from db.session.execute(query.execution_options(yield_per=BATCH))


def thai(message: str) -> str:
    """A label (an N_ message id) in the file's language."""
    return gettext(message, LOCALE)


def write(within: Scope, area_code: str, out: IO[bytes], now: datetime, timezone: str) -> Exported:
    """The plans of `area_code` as an XLSX file into `out`: raises OutOfScope when the area is not `within`."""
    within.require(area_code)
    labels = dict(AGENCIES)
    exported = Exported(area_code)
    names = areas.short_names(Scope((area_code,)), ("subdistrict", "village"), LOCALE)
    statuses = {code: thai(label) for code, label in ACTIVITY_STATUS_LABELS.items()}
    months: dict[date, str] = {}
    households: set[int] = set()
    with Workbook(out) as book:
        sheet, agency, last_household = None, object(), None
        for row in rows(within, area_code):
            code = row.agency
            if code != agency:
                agency, last_household = code, None
                exported.agencies[code] = Totals()
                sheet = book.sheet(thai(labels[code]) if code in labels else code, [w for _, w in AGENCY_COLUMNS])
                sheet.header(thai(title) for title, _ in AGENCY_COLUMNS)
            sheet.append((names.get(row.village_code[:6], row.village_code[:6]),
                          names.get(row.village_code, row.village_code), row.house_number, row.head_name,
                          row.text, row.support, row.support_baht,
                          months.get(row.target_month) or months.setdefault(row.target_month,
                                                                            format_month(row.target_month, LOCALE)),
                          statuses.get(row.status, row.status)))
            exported.agencies[code].add(row, new_household=row.household_id != last_household)
            exported.total.add(row, new_household=row.household_id not in households)
            households.add(row.household_id)
            last_household = row.household_id
        _summary(book, exported, labels, areas.name(area_code, LOCALE) or area_code,
                 format_datetime(now, LOCALE, timezone))
    return exported


def _summary(book: Workbook, exported: Exported, labels: dict, area: str, when: str) -> None:
    sheet = book.sheet(gettext("Summary", LOCALE), [w for _, w in SUMMARY_COLUMNS], first=True)
    sheet.header(thai(title) for title, _ in SUMMARY_COLUMNS)
    for code, totals in exported.agencies.items():
        sheet.append((thai(labels[code]) if code in labels else code, totals.households, totals.activities,
                      totals.priced, totals.baht))
    total = exported.total
    sheet.append((gettext("All agencies (each household once)", LOCALE), total.households, total.activities,
                  total.priced, total.baht))
    sheet.append(())
    sheet.append((gettext("Plans by agency: %(area)s, as of %(time)s", LOCALE, area=area, time=when),))
