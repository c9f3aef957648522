"""`flask --app wsgi demo seed`: อ.จักราช with synthetic villages, households and staff for the demo.

Everything is drawn from seeded random generators, so every run plans the same data; what already exists is
skipped, so running it again adds nothing. Only the households' monthly visits follow the calendar: they are of the
six periods before the run, so the charts and reports show recent months. National IDs pass the checksum but
belong to no one, and households and members are marked as test data.
"""

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from core.i18n import gettext
from core.periods import Period
from core.thai import local_date
from core.validators import national_id_check_digit
from domain.access import areas, audit
from domain.labels import POSITIONS
from domain.step1_survey import income
from domain.step1_survey.classification import suggest
from domain.step1_survey.households import set_national_id
from domain.step2_compass.choices import ACTIVITIES, AGENCIES, GOALS
from domain.step2_compass.compasses import current as current_compass
from domain.step4_care import checkins
from models import CheckIn, Compass, CompassActivity, Household, Member, Problem, Staff, StaffRole, Visit, db
from models.care import CareAssignment
from models.db import utcnow

DISTRICT = "3006"  # อ.จักราช, จ.นครราชสีมา
# หมู่บ้าน per subdistrict: 109 in all, as in อ.จักราช (the split is made up).
VILLAGES = {"300601": 16, "300603": 14, "300604": 13, "300605": 14, "300607": 12, "300610": 14, "300611": 13,
            "300613": 13}
HOUSEHOLDS = 300
INTERVIEWED = 3  # every third household (by its number) has had its 4ท interview; every other one of those has
REVISED = 4  # a compass, and every fourth compass was revised once
CARED_FOR = 3  # households with a compass given to each subdistrict's caretaker
CHECKIN_PERIODS = 6  # months of monthly visits of each household in care, up to the last closed period
# The odds of a period without a visit, of a visit given late, of one by phone; of a household's income rising
# (across the line when within reach), of its house located at a visit, of its compass activity under way being done,
# of its visit of the current period already given.
MISSED, LATE, BY_PHONE = 1 / 8, 1 / 8, 1 / 6
RISING, LOCATED, FINISHED, VISITED_NOW = 1 / 2, 1 / 3, 3 / 4, 1 / 8
CHAKKARAT = (14.98, 102.43)  # the district's middle (latitude, longitude); seeded houses lie within 0.1° (11 km)
SEED = 3006
TODAY = date(2025, 10, 1)  # ages are counted from here, so the data doesn't change with the calendar
SOURCE_YEAR = 2564  # จปฐ. survey year (BE) with a configured income line
KEY = "demo-"  # import_key prefix of seeded households

VILLAGE_STARTS = [("โนน", "Non"), ("หนอง", "Nong"), ("ดอน", "Don"), ("โคก", "Khok"), ("นา", "Na"), ("ท่า", "Tha"),
                  ("สระ", "Sa"), ("หัว", "Hua"), ("ซับ", "Sap"), ("บุ", "Bu")]
VILLAGE_ENDS = [("สูง", "Sung"), ("ใหญ่", "Yai"), ("แดง", "Daeng"), ("ไผ่", "Phai"), ("ตะโก", "Tako"),
                ("มะค่า", "Makha"), ("สำโรง", "Samrong"), ("กระทุ่ม", "Krathum"), ("บัว", "Bua"), ("ยาง", "Yang"),
                ("จาน", "Chan"), ("ขี้เหล็ก", "Khilek")]
MEN = ["สมชาย", "สมศักดิ์", "บุญมี", "ประยูร", "สุรชัย", "วิชัย", "ทองดี", "สมบัติ", "อำนาจ", "ชัยวัฒน์", "มานพ",
       "สุพจน์", "เสถียร", "บุญเลิศ", "ประสิทธิ์", "กิตติ", "ธนากร", "ณัฐพล", "อนุชา", "ศักดิ์ชัย"]
WOMEN = ["สมศรี", "บุญเรือน", "ทองใบ", "มาลัย", "สุดา", "วันเพ็ญ", "นงลักษณ์", "ประไพ", "จันทร์เพ็ญ", "ละเอียด",
         "สายสุนีย์", "รัตนา", "พิมพ์ใจ", "อรทัย", "กาญจนา", "สุภาพร", "ศิริพร", "นภา", "ปราณี", "ลำดวน"]
SURNAMES = ["ศรีสุข", "ใจดี", "ทองคำ", "แก้วมณี", "บุญมา", "สุขเจริญ", "พรหมมา", "ชัยมงคล", "ศรีจันทร์", "วงศ์ใหญ่",
            "จันทร์หอม", "เพชรรัตน์", "มีสุข", "ดวงดี", "ภูมิใจ", "สีดา", "คำแหง", "นาคสวัสดิ์", "ปัญญาดี", "รุ่งเรือง",
            "โพธิ์ทอง", "ทองสุข", "บัวบาน", "กองแก้ว", "ศรีอ่อน"]
WORK = ["ทำนา", "ทำไร่มันสำปะหลัง", "ทำไร่อ้อย", "รับจ้างทั่วไป", "ค้าขาย", "เลี้ยงโคกระบือ", "ก่อสร้าง",
        "พนักงานโรงงาน"]
ADULT_EDUCATION = ["ประถมศึกษา", "ประถมศึกษา", "มัธยมศึกษาตอนต้น", "มัธยมศึกษาตอนปลาย", "ปวช./ปวส.", "ปริญญาตรี"]
# By TPMAP dimension: (indicator, description, the agency responsible)
PROBLEMS = {
    "health": [(None, "ป่วยเรื้อรัง ขาดการดูแลต่อเนื่อง", "โรงพยาบาลส่งเสริมสุขภาพตำบล"),
               (None, "ดื่มสุราเป็นประจำ", "โรงพยาบาลส่งเสริมสุขภาพตำบล")],
    "living": [(None, "บ้านทรุดโทรม หลังคารั่ว", "องค์การบริหารส่วนตำบล"),
               (None, "ไม่มีน้ำสะอาดดื่มพอตลอดปี", "องค์การบริหารส่วนตำบล")],
    "education": [(None, "เด็กวัยเรียนไม่ได้เรียนต่อ", "กศน.อำเภอจักราช"),
                  (None, "สมาชิกอ่านเขียนภาษาไทยไม่ได้", "กศน.อำเภอจักราช")],
    "income": [("จปฐ. ตัวชี้วัดที่ 22", "รายได้ต่ำกว่าเกณฑ์ จปฐ.", "สำนักงานพัฒนาชุมชนอำเภอจักราช"),
               (None, "มีหนี้นอกระบบ", "สำนักงานพัฒนาชุมชนอำเภอจักราช")],
    "public_services": [(None, "ยังไม่ได้ลงทะเบียนบัตรสวัสดิการแห่งรัฐ", "ที่ว่าการอำเภอจักราช"),
                        (None, "ยังไม่ได้รับเบี้ยยังชีพที่มีสิทธิ", "องค์การบริหารส่วนตำบล")],
}
# Demo staff (no LINE account): per subdistrict a ศจพ.ต., a volunteer and a caretaker; then ศจพ.อ., ศจพ.จ., admin.
SUBDISTRICT_STAFF = [("supervisor_subdistrict", "cd_officer"), ("volunteer", "cd_volunteer"),
                     ("caretaker", "village_head")]
UPPER_STAFF = [("supervisor_district", "district_officer", DISTRICT), ("supervisor_province", "cd_officer", "30"),
               ("admin", "district_officer", "TH")]


@dataclass
class Person:
    name: str
    sex: str
    born: date
    relation: str
    disabled: bool = False
    bedridden: bool = False

    @property
    def age(self) -> int:
        return (TODAY - self.born).days // 365


class Planner:
    """Draws the demo data. The order of draws is fixed, so the same records come out every time."""

    def __init__(self):
        self.rng = random.Random(SEED)
        self.ids: set[str] = set()

    def village_names(self) -> list[tuple[str, str]]:
        pairs = [(f"บ้าน{a}{b}", f"Ban {a_en} {b_en}") for a, a_en in VILLAGE_STARTS for b, b_en in VILLAGE_ENDS]
        return self.rng.sample(pairs, sum(VILLAGES.values()))

    def person(self, sex: str, age: int, relation: str, surname: str) -> Person:
        first = self.rng.choice(MEN if sex == "male" else WOMEN)
        born = TODAY - timedelta(days=age * 365 + self.rng.randrange(365))
        return Person(f"{first} {surname}", sex, born, relation)

    def people(self, surname: str) -> list[Person]:
        """A household of 1-6: a family, old people alone, or a family caring for a disabled or bedridden member."""
        rng = self.rng
        kind = rng.choices(["family", "elderly", "disabled", "bedridden", "single"], weights=[50, 15, 10, 8, 17])[0]
        head_sex = rng.choice(["male", "female"])
        other = "female" if head_sex == "male" else "male"
        if kind == "elderly":  # no member of working age
            people = [self.person(head_sex, rng.randint(66, 88), "head", surname)]
            if rng.random() < 0.6:
                people.append(self.person(other, rng.randint(63, 85), "spouse", surname))
            people += [self.person(rng.choice(["male", "female"]), rng.randint(5, 14), "grandchild", surname)
                       for _ in range(rng.randint(0, 2))]
            return people
        people = [self.person(head_sex, rng.randint(25, 62), "head", surname)]
        if kind != "single" or rng.random() < 0.3:
            people.append(self.person(other, rng.randint(23, 62), "spouse", surname))
        people += [self.person(rng.choice(["male", "female"]), rng.randint(0, 22), "child", surname)
                   for _ in range(rng.randint(0, 3))]
        if kind == "bedridden":
            elder = self.person(rng.choice(["male", "female"]), rng.randint(70, 92), "parent", surname)
            elder.bedridden = True
            people.append(elder)
        if kind == "disabled":
            rng.choice(people).disabled = True
        return people[:6]

    def national_id(self, person: Person) -> str:
        """13 digits passing the checksum: 1 for people born from 1984 on, 3 before, then the district's office."""
        while True:
            first12 = ("1" if person.born.year >= 1984 else "3") + DISTRICT + f"{self.rng.randrange(10 ** 7):07d}"
            number = first12 + str(national_id_check_digit(first12))
            if number not in self.ids:
                self.ids.add(number)
                return number

    def member(self, person: Person) -> Member:
        rng, age = self.rng, person.age
        working_age = 15 <= age < 60
        can_work = working_age and not (person.disabled or person.bedridden)
        if can_work:
            occupation, income = rng.choice(WORK), Decimal(rng.randrange(1_500, 9_001, 500))
        elif age < 15 or (age < 23 and person.relation == "child"):
            occupation, income = ("นักเรียน" if age >= 6 else None), None
        else:  # older people's allowance (เบี้ยยังชีพ) or the disability allowance
            occupation, income = "ไม่ได้ประกอบอาชีพ", Decimal(rng.choice([600, 700, 800, 1_000]))
        member = Member(name=person.name, sex=person.sex, birth_date=person.born, relation=person.relation,
                        education=rng.choice(ADULT_EDUCATION) if age >= 15 else None, occupation=occupation,
                        monthly_income=income, disabled=person.disabled, bedridden=person.bedridden,
                        chronic_illness=age >= 60 and rng.random() < 0.4, welfare_card=age >= 18 and rng.random() < 0.6,
                        can_work=can_work, test_data=True)
        set_national_id(member, self.national_id(person))
        return member

    def problems(self) -> list[Problem]:
        rng = self.rng
        problems = []
        for dimension in rng.sample(list(PROBLEMS), rng.randint(1, 3)):
            indicator, description, agency = rng.choice(PROBLEMS[dimension])
            status = rng.choices(["open", "in_progress", "solved"], weights=[70, 20, 10])[0]
            opened = TODAY - timedelta(days=rng.randint(30, 400))
            solved = opened + timedelta(days=rng.randint(10, 25)) if status == "solved" else None
            problems.append(Problem(dimension=dimension, indicator=indicator, description=description, agency=agency,
                                    status=status, opened_on=opened, solved_on=solved))
        return problems

    def households(self, villages: list[str]) -> list[Household]:
        rng = self.rng
        numbers = dict.fromkeys(villages, 0)
        planned = []
        for index in range(1, HOUSEHOLDS + 1):
            village = rng.choice(villages)
            numbers[village] += rng.randint(1, 9)
            house_number = str(numbers[village]) + (f"/{rng.randint(1, 3)}" if rng.random() < 0.1 else "")
            people = self.people(rng.choice(SURNAMES))
            source = rng.choices(["jpt", "forum", "walk_in"], weights=[80, 15, 5])[0]
            planned.append(Household(
                house_code=f"{DISTRICT}{index:07d}", house_number=house_number, village_code=village,
                head_name=people[0].name, source=source, source_year=SOURCE_YEAR, status="open",
                import_key=f"{KEY}{index:03d}", test_data=True,
                members=[self.member(person) for person in people], problems=self.problems()))
        return planned


def _number(household: Household) -> int:
    """The household's number in the plan (demo-001 is 1), so what it has doesn't depend on what else is added."""
    return int(household.import_key.removeprefix(KEY))


def _as_roster(member: Member) -> dict:
    """A member as the classification rule reads the interview's answers."""
    flags = [flag for flag, on in (("disabled", member.disabled), ("bedridden", member.bedridden)) if on]
    return {"m_name": member.name, "m_birth": member.birth_date.isoformat() if member.birth_date else None,
            "m_flags": flags, "m_can_work": member.can_work}


def interviews(rng: random.Random, households: list[Household], volunteer: Staff) -> list[Visit]:
    """Every INTERVIEWED-th household visited and classified by the rule, as the 4ท interview would."""
    visits = []
    for household in (h for h in households if _number(h) % INTERVIEWED == 1):
        classification = suggest([_as_roster(m) for m in household.members], TODAY)[0]
        household.classification, household.status, household.consent = classification, "in_progress", True
        visited = datetime.combine(TODAY - timedelta(days=rng.randint(20, 60)), time(3), tzinfo=UTC)
        visits.append(Visit(
            household_id=household.id, staff_id=volunteer.id, visited_at=visited, consent=True,
            classification=classification, suggested_classification=classification,
            outlook={"outlook": "hopeful", "willingness": "with_support", "note": None},
            resources={"land": "none", "tools": [], "livestock": ["poultry"], "savings": "500",
                       "debt_formal": str(rng.choice([0, 10000, 30000])), "debt_informal": str(rng.choice([0, 5000])),
                       "incomes": [{"source": "wages", "monthly": "3000"}]},
            way_out={"words": rng.choice(["ปลูกผักขายในหมู่บ้าน", "เลี้ยงไก่ไข่ขาย", "รับจ้างทำขนม"]),
                     "category": "occupation", "causes": ["no_steady_income"]},
            acknowledged_by=household.head_name, acknowledged_at=visited))
    return visits


def compasses(rng: random.Random, visits: list[Visit], households: dict[int, Household],
              volunteer: Staff) -> list[Compass]:
    """A compass for every other household visited (a few revised once), with activities of step 3's parts."""
    planned = []
    for visit in visits:
        household = households[visit.household_id]
        nth = _number(household) // INTERVIEWED  # among those interviewed
        if nth % 2:
            continue
        versions = 2 if nth // 2 % REVISED == 0 else 1
        for version in range(1, versions + 1):
            agreed = visit.visited_at + timedelta(days=7 + 30 * (version - 1))
            planned.append(Compass(
                household_id=household.id, version=version, classification=household.classification,
                goals={goal: gettext(rng.choice(options)[1]) for goal, (_title, options) in GOALS.items()},
                spending={"food": "3000", "utilities": "400"},
                way_out=None if household.classification == "welfare" else {"plan": visit.way_out["words"],
                                                                            "extra_income": "2000"},
                target_per_person_year=None if household.classification == "welfare" else Decimal(40000),
                target_date=None if household.classification == "welfare" else date(TODAY.year + 1, 9, 30),
                reason="ปรับกิจกรรมหลังเยี่ยมติดตาม" if version > 1 else None, created_by=volunteer.id,
                created_at=agreed, representative=household.head_name, team=volunteer.name, accepted_at=agreed,
                accepted_by=volunteer.id, activities=_activities(rng, household, agreed.date(), version)))
    return planned


def _activities(rng: random.Random, household: Household, agreed: date, version: int) -> list[CompassActivity]:
    found = []
    for part, options in ACTIVITIES.items():
        code, label, sign = rng.choice(options)
        agency = rng.choice(AGENCIES[:-1]) if part == "government" else None
        month = date(agreed.year + (agreed.month + 2) // 12, (agreed.month + 2) % 12 + 1, 1)
        found.append(CompassActivity(
            part=part, kind=code, text=gettext(label), who=gettext(agency[1]) if agency else household.head_name,
            target_month=month, sign=gettext(sign), agency=agency[0] if agency else None,
            support=gettext(label) if agency else None,
            status=rng.choice(["not_started", "under_way", "done"]) if version > 1 else "not_started"))
    return found


def care(households: list[Household], with_compass: set[int]) -> list[CareAssignment]:
    """Households with a compass given to their subdistrict's caretaker, CARED_FOR each (the rule of thumb)."""
    caretakers = {role.area_code[:6]: person for person, role in db.session.execute(
        select(Staff, StaffRole).join(StaffRole).where(StaffRole.role == "caretaker"))}
    given: dict[int, int] = {}
    assigned = []
    for household in households:
        caretaker = caretakers.get(household.village_code[:6])
        if household.id in with_compass and caretaker and given.get(caretaker.id, 0) < CARED_FOR:
            given[caretaker.id] = given.get(caretaker.id, 0) + 1
            assigned.append(CareAssignment(household_id=household.id, caretaker_id=caretaker.id,
                                           started_at=datetime.combine(TODAY, time(2), tzinfo=UTC)))
    return assigned


def in_care_unvisited() -> list[CareAssignment]:
    """The seed's care assignments (nobody assigned them) still current, of households without a check-in yet."""
    visited = select(CheckIn.id).where(CheckIn.household_id == CareAssignment.household_id).exists()
    return list(db.session.scalars(
        select(CareAssignment).join(Household, Household.id == CareAssignment.household_id)
        .where(CareAssignment.ended_at.is_(None), CareAssignment.assigned_by.is_(None),
               Household.import_key.startswith(KEY), ~visited).order_by(Household.id)))


def check_ins(cared: list[CareAssignment], now: datetime) -> list[CheckIn]:
    """CHECKIN_PERIODS months of monthly visits of each household in care, the last closed period the latest, and
    now and then one of the current period; the household's income, location and compass moved on as they say."""
    report_day = checkins.report_day()
    periods = [Period.of_moment(now, report_day, current_app.config["BOT_TIMEZONE"])]
    while len(periods) <= CHECKIN_PERIODS:
        periods.insert(0, periods[0].previous())
    made = []
    for assignment in cared:
        if checkins.followed(assignment.household):
            made += MonthlyVisits(assignment, now, report_day).given(periods)
    return made


class MonthlyVisits:
    """Draws one household's monthly visits from a generator of its own, so what it gets doesn't depend on which
    other households are given check-ins in the same run."""

    def __init__(self, assignment: CareAssignment, now: datetime, report_day: int):
        self.household, self.caretaker_id = assignment.household, assignment.caretaker_id
        self.rng = random.Random(SEED * 1000 + _number(self.household))
        self.now, self.report_day, self.zone = now, report_day, current_app.config["BOT_TIMEZONE"]

    def given(self, periods: list[Period]) -> list[CheckIn]:
        """`periods`: the closed ones, oldest first, then the current one."""
        rng, household = self.rng, self.household
        *closed, current = periods
        monthly = self.incomes(len(periods), checkins.line_of(closed[-1]) or income.poverty_line(SOURCE_YEAR))
        located = rng.random() < LOCATED
        visited = [p for p in closed if rng.random() >= MISSED] + ([current] if rng.random() < VISITED_NOW else [])
        made = []
        for period in visited:
            at, late = self.moment(period)
            amount, members = monthly[periods.index(period)], len(household.members)
            check_in = CheckIn(household_id=household.id, period=period.key, late=late, staff_id=self.caretaker_id,
                               at=at, contact="phone" if rng.random() < BY_PHONE else "in_person",
                               monthly_income=amount, members=members,
                               per_person_year=income.per_person_year(amount, members),
                               poverty_line=checkins.line_of(period), activities=[], solved=[], new_problems=[])
            if located and check_in.contact == "in_person" and household.latitude is None:
                latitude, longitude = (round(middle + rng.uniform(-0.1, 0.1), 5) for middle in CHAKKARAT)
                check_in.latitude = household.latitude = latitude
                check_in.longitude = household.longitude = longitude
            made.append(check_in)
        if made:
            self.progress(made)
            latest = made[-1]  # of the latest period
            household.monthly_income, household.income_basis = latest.monthly_income, "check_in"
            household.income_on = local_date(latest.at, self.zone)
        return made

    def incomes(self, count: int, line: int | None) -> list[Decimal]:
        """A monthly income for each of `count` periods, in hundreds of baht: about the household's figure all along,
        or rising from it by a fifth to four fifths, across the line per person when that is within reach."""
        start = income.of(self.household).monthly or Decimal(0)
        goal = start
        if self.rng.random() < RISING:
            over_line = Decimal(line or 0) * len(self.household.members) / 12 * Decimal("1.1")
            goal = min(max(start * Decimal("1.2"), over_line), start * Decimal("1.8"))
        drift = [start + (goal - start) * step / (count - 1) for step in range(count)]
        return [(amount * Decimal(self.rng.uniform(0.95, 1.05)) / 100).quantize(Decimal(1)) * 100 for amount in drift]

    def moment(self, period: Period) -> tuple[datetime, bool]:
        """When the period's visit was given, and whether late: a day of the period (not after today), or, now and
        then for a closed period, one of the first days after its cut-off, the caretaker picking the missed period."""
        rng, today = self.rng, local_date(self.now, self.zone)
        last = period.last_day(self.report_day)
        late = last < today and rng.random() < LATE  # a closed period
        if late:
            day = last + timedelta(days=rng.randint(1, 6))
        else:
            first = period.first_day(self.report_day)
            day = first + timedelta(days=rng.randrange((min(last, today) - first).days + 1))
        local = datetime.combine(day, time(rng.randint(8, 16), rng.randrange(60)), ZoneInfo(self.zone))
        return min(local.astimezone(UTC), self.now), late  # a late one is still after the cut-off

    def progress(self, made: list[CheckIn]) -> None:
        """One activity of the compass not started yet: under way at one of the first visits, done at a later one
        (most of the time); the activity's status is the last one given."""
        compass = current_compass(self.household)
        waiting = [a for a in compass.activities if a.status == "not_started"] if compass else []
        if not waiting or len(made) < 2:
            return
        activity, begun = self.rng.choice(waiting), self.rng.randrange(len(made) // 2)
        steps = [(begun, "under_way")]
        if self.rng.random() < FINISHED:
            steps.append((self.rng.randrange(begun + 1, len(made)), "done"))
        for index, status in steps:
            made[index].activities.append({"activity": activity.id, "status": status, "reason": None})
            activity.status = status


def _staff(rng: random.Random, villages: list[str]) -> list[Staff]:
    positions = dict(POSITIONS)
    plan = [(role, position, village[:6] if role == "supervisor_subdistrict" else village)
            for village in (min(v for v in villages if v.startswith(sub)) for sub in VILLAGES)
            for role, position in SUBDISTRICT_STAFF] + UPPER_STAFF
    people = []
    for number, (role, position, area) in enumerate(plan, 1):
        sex = rng.choice(["male", "female"])
        name = f"{rng.choice(MEN if sex == 'male' else WOMEN)} {rng.choice(SURNAMES)}"
        people.append(Staff(name=name, position=gettext(positions[position]), phone=f"09{number:08d}",
                            roles=[StaffRole(role=role, area_code=area)]))
    return people


def seed_demo(now: datetime | None = None) -> dict[str, int]:
    """Add what is missing of the demo data; returns how many of each kind were added (all 0 the second time).
    The monthly visits are of the periods before `now` (the present moment by default)."""
    areas.load_from_geothai(DISTRICT)
    planner = Planner()
    added = {"villages": 0}
    names, codes = iter(planner.village_names()), []
    for subdistrict, count in VILLAGES.items():
        for moo in range(1, count + 1):
            name_th, name_en = next(names)
            village, action = areas.add_village(subdistrict, moo, name_th, name_en=name_en, source="demo")
            codes.append(village.code)
            added["villages"] += action == "added"
    db.session.flush()  # households refer to the villages

    households = planner.households(codes)
    existing = set(db.session.scalars(select(Household.import_key).where(Household.import_key.startswith(KEY))))
    new = [household for household in households if household.import_key not in existing]
    db.session.add_all(new)
    added["households"] = len(new)
    added["members"] = sum(len(household.members) for household in new)

    staff = _staff(planner.rng, codes)
    have = set(db.session.execute(select(Staff.name, StaffRole.role, StaffRole.area_code).join(StaffRole)).all())
    new_staff = [p for p in staff if (p.name, p.roles[0].role, p.roles[0].area_code) not in have]
    db.session.add_all(new_staff)
    added["staff"] = len(new_staff)
    db.session.flush()  # visits and compasses name households and staff by id

    volunteer = db.session.scalar(select(Staff).join(StaffRole).where(StaffRole.role == "volunteer")
                                  .order_by(Staff.id).limit(1))
    visits = interviews(planner.rng, new, volunteer)
    db.session.add_all(visits)
    planned = compasses(planner.rng, visits, {h.id: h for h in new}, volunteer)
    db.session.add_all(planned)
    added["compasses"] = len({c.household_id for c in planned})
    cared = care(new, {c.household_id for c in planned})
    db.session.add_all(cared)
    added["in_care"] = len(cared)
    visits_given = check_ins(in_care_unvisited(), now or utcnow())
    db.session.add_all(visits_given)
    added["check_ins"] = len(visits_given)
    if any(added.values()):
        db.session.add(audit.entry("demo.seed", "area", DISTRICT, after=added))
    return added


@click.command("seed")
@with_appcontext
def seed() -> None:
    """Create อ.จักราช (8 subdistricts, 109 villages), about 300 test households (a third interviewed, half of
    those with a life compass, some in a caretaker's care, with six months of monthly visits) and demo staff
    (idempotent)."""
    added = seed_demo()
    db.session.commit()
    click.echo(", ".join(f"{count} {kind}" for kind, count in added.items()) + " added (test data, อ.จักราช).")
