"""What the tests share besides fixtures (those are in conftest.py): the app's test settings and a live
server, waiting for background work, records a test starts from, a volunteer's taps, the web chat's page,
and hostile input for property tests.

Hostile input: strings built to make parsers backtrack, and a one-second ceiling. The ceiling is no speed
benchmark. It catches catastrophic cost (a pattern that backtracks exponentially took 67 s on 31
characters), and it interrupts the call (the regex engine heeds signals) instead of waiting minutes for it
to end. Every call there takes microseconds.
"""

import contextlib
import io
import json
import os
import re
import shutil
import signal
import threading
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from flask_migrate import upgrade
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text
from werkzeug.serving import make_server

from bot import create_app, jobs, outbox
from bot.config import Config
from core.i18n import gettext
from core.periods import Period
from core.validators import national_id_check_digit
from dialogs.buttons import LABEL_LIMIT, decode
from domain.access import areas
from domain.access import staff as staff_service
from domain.step1_survey.households import hash_national_id
from models import (
    Area,
    CareAssignment,
    CheckIn,
    Compass,
    CompassActivity,
    DialogSession,
    Household,
    InboxEvent,
    LineUser,
    Member,
    OutboxMessage,
    Problem,
    Staff,
    StaffRole,
    Visit,
    db,
    utcnow,
)

# ---- the app under test ---------------------------------------------------------------------------

SECRET = "0123456789abcdef0123456789abcdef"
TOKEN = "test-channel-access-token"
LOGIN_CHANNEL_ID = "1234567890"
ZONE = Config.BOT_TIMEZONE  # the default BOT_TIMEZONE, for contexts built by hand
LIFF_ID = f"{LOGIN_CHANNEL_ID}-AbCdEfGh"
# Fixed secret keys, one per job (a deployment sets random ones; bin/demo generates them).
KEYS = {"NATIONAL_ID_KEY": "test-national-id-key-0123456789abcdef", "INVITE_KEY": "test-invite-key-0123456789abcdef",
        "OUTBOX_KEY": "test-outbox-key-0123456789abcdef0", "LINK_KEY": "test-link-key-0123456789abcdef012"}


def base_config(emulator_url: str) -> dict:
    return {
        "LINE_CHANNEL_SECRET": SECRET,
        "LINE_CHANNEL_ACCESS_TOKEN": TOKEN,
        "LINE_API_BASE": emulator_url,
        **KEYS,
        "LINE_LOGIN_CHANNEL_ID": LOGIN_CHANNEL_ID,
        "LIFF_ID": LIFF_ID,
        "LIFF_SDK_URL": f"{emulator_url}/liff/sdk.js",
        "LINE_RETRY_BACKOFF": 0.01,
        "LINE_TIMEOUT": 2.0,
        "SWEEP_INTERVAL": 0,
        "TESTING": True,
    }


class LiveServer:
    """The app served over HTTP in a thread, as gunicorn would serve it."""

    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.thread.join(10)


@contextlib.contextmanager
def database_at(emulator_url: str, path, revision: str, household_id: int, head_name: str):
    """For a migration's test: an app on a new SQLite file migrated only up to `revision`, holding one
    household of village 30060101, with the app context pushed."""
    app = create_app(base_config(emulator_url) | {"DATABASE_URL": f"sqlite:///{path}"})
    with app.app_context():
        upgrade(revision=revision)
        db.session.execute(text("INSERT INTO areas (code, level, name_th) VALUES ('30060101', 'village', 'x')"))
        db.session.execute(text("INSERT INTO households (id, house_number, village_code, head_name, source, "
                                "source_year, status, test_data, created_at, updated_at) VALUES (:id, '1', "
                                "'30060101', :head, 'jpt', 2568, 'open', 0, '2026-01-01', '2026-01-01')"),
                           {"id": household_id, "head": head_name})
        yield app


def wait_until(predicate, timeout: float = 20.0, message: str = "condition not met"):
    """Poll a condition on state we can't subscribe to (a worker process's database writes)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"{message} within {timeout}s")
        time.sleep(0.02)


def settle(app, timeout: float = 30.0) -> None:
    """Wait until every stored event is handled and every outgoing message has left."""
    if app.backend == "embedded":
        assert jobs.runner(app).wait_idle(timeout), "background jobs still running"
        return

    def quiet():
        with app.app_context():
            pending = db.session.scalar(select(func.count()).select_from(InboxEvent)
                                        .where(InboxEvent.status == "pending"))
            unsent = db.session.scalar(select(func.count()).select_from(OutboxMessage)
                                       .where(OutboxMessage.status == "pending",
                                              OutboxMessage.next_attempt_at <= func.now()))
            db.session.rollback()
            return pending == 0 and unsent == 0

    wait_until(quiet, timeout, "work still pending")


# ---- records a test starts from -------------------------------------------------------------------

VILLAGE = "30060101"
# The options that answer a tick list in one tap ("none of these"), by message id.
NONE_OF_THESE = {"None of these", "No problem here", "No particular skill", "None", "No income",
                  "No other problem"}  # the "none" option of a checklist answers it in one tap
VILLAGES = {"30060101": (1, "บ้านจักราช"), "30060102": (2, "บ้านหนองบัว"), "30060301": (1, "บ้านทองหลาง")}
OUTSIDE = "30060301"  # a village of another subdistrict (ตำบลทองหลาง)
HEADS = [f"สมศรี ตระกูล{letter}" for letter in "กขคฆงจฉชซฌญฎฏฐฑฒณดตถทธน"]  # houses 1 to 23 of หมู่ 1
HEAD = "นายสมชาย ใจดี"


def sync_rich_menus(app) -> str:
    """`flask richmenu sync`, which must succeed; its output."""
    result = app.test_cli_runner().invoke(args=["richmenu", "sync"])
    assert result.exit_code == 0, result.output
    return result.output


def wipe_rich_menus(platform) -> None:
    """No rich menus on the emulator, which keeps them across tests (the app's database starts empty)."""
    for listed in platform.rich_menus():
        platform.delete_rich_menu(listed["richMenuId"])
    platform.set_default_rich_menu(None)


def th(message: str, **values) -> str:
    """What a Thai reader sees for a message id (the catalog's Thai, or the id until it is translated)."""
    return gettext(message, "th", **values)


def place(app, code: str, full: bool = True) -> str:
    """An area's name as the bot writes it: full on cards, short in lists."""
    with app.app_context():
        return areas.name(code, "th", full=full)


def valid_id(first12: str) -> str:
    return first12 + str(national_id_check_digit(first12))


def add_villages(villages: dict = VILLAGES) -> None:
    """Villages under their real subdistricts (from geothai, as `areas load` stores them)."""
    for subdistrict in sorted({code[:6] for code in villages}):
        areas.load_from_geothai(subdistrict)
    for code, (moo, name) in villages.items():
        db.session.add(Area(code=code, level="village", name_th=name, parent_code=code[:6], moo=moo))
    db.session.flush()


def add_staff(user_id: str, role: str, area: str, name: str = "อาสา ทดสอบ") -> Staff:
    db.session.add(LineUser(user_id=user_id, following=True, language="th"))
    staff = Staff(name=name, position="อช.", line_user_id=user_id, roles=[StaffRole(role=role, area_code=area)])
    db.session.add(staff)
    db.session.flush()
    return staff


def add_household(village: str, number: str, head: str, national_id: str | None = None, **fields) -> Household:
    member = Member(name=head, relation="head", national_id_hash=national_id and hash_national_id(national_id),
                    national_id_last=national_id and national_id[-4:])
    household = Household(village_code=village, house_number=number, head_name=head, source="jpt",
                          source_year=fields.pop("source_year", 2564), members=[member], **fields)
    db.session.add(household)
    db.session.flush()
    return household


def add_target_household(app, members=(), village=VILLAGE, number="12") -> int:
    """A target household in the database, as an import or the household card would leave it."""
    with app.app_context():
        if db.session.get(Area, village) is None:
            db.session.add(Area(code=village, level="village", name_th="บ้านหนองทดสอบ", parent_code=village[:6],
                                moo=int(village[6:])))
        household = Household(house_number=number, village_code=village, head_name=HEAD, source="jpt",
                              source_year=2566, members=list(members))
        db.session.add(household)
        db.session.commit()
        return household.id


def person(name: str, born: date, relation: str, sex: str = "male", **fields) -> Member:
    return Member(name=name, birth_date=born, relation=relation, sex=sex, **fields)


def invite(app, role="volunteer", area="30060101", name=None, created_at=None) -> str:
    with app.app_context():
        row, code = staff_service.create_invite(role, area, name, None, created_at or utcnow())
        db.session.add(row)
        db.session.commit()
        return code


def register(chat, code, name="สมศรี ใจดี", phone="081-234-5678"):
    chat.follow()
    chat.say(code)
    chat.say(name)
    chat.tap("พัฒนากร")
    chat.say(phone)
    return chat.tap("ใช่")


HEAD_ID = valid_id("310060012345")
HEALTH_NOTE = "ติดเตียงมาสองปี ลูกสาวดูแลตอนเย็น"  # the latest visit's note on the health problems
LATEST_VISIT = (utcnow() - timedelta(days=1)).replace(hour=20, minute=0)  # 03:00 the next day in Bangkok
SPOUSE_ID = valid_id("310060054321")


# The 4ท answers of the family's latest visit, as `visits._visit_record` keeps them.
FAMILY_ANSWERS = {
    "outlook": {"outlook": "hopeful", "willingness": "with_support", "note": "อยากมีรายได้เสริมที่บ้าน"},
    "skills": {"members": [{"name": "นายสมชาย ใจดี", "skills": ["farming", "handicraft"], "labour": "seasonal",
                            "training": "สานตะกร้าขาย"}]},
    "resources": {"land": "rented", "rai": "3.625", "tools": ["walking_tractor", "pump"], "livestock": ["poultry"],
                  "savings": "1500", "debt_formal": "20000", "debt_informal": "5000",
                  "incomes": [{"source": "crops", "monthly": "2000"}, {"source": "allowance", "monthly": "1000"}]},
    "way_out": {"words": "ปลูกผักขายและเลี้ยงไก่ไข่", "category": "occupation", "causes": ["debt"]},
}
VISITOR = "นางอาสา เยี่ยมบ้าน"  # made the family's latest visit


def add_family(app) -> int:
    """A welfare household of หมู่ 1 with three members, problems in two dimensions, an older visit and the latest
    one (by VISITOR, with the 4ท answers FAMILY_ANSWERS)."""
    with app.app_context():
        household = add_household("30060101", "12/3", "นายสมชาย ใจดี", HEAD_ID, house_code="30060001234",
                                  classification="welfare", source_year=2564)
        household.members[0].monthly_income = Decimal("2000")
        household.members[0].birth_date = date(1950, 5, 1)
        household.members += [
            Member(name="นางสมหญิง ใจดี", relation="spouse", national_id_hash="x", national_id_last=SPOUSE_ID[-4:],
                   monthly_income=Decimal("1000"), bedridden=True, occupation="labourer"),  # as the 4ท roster keeps it
            Member(name="ด.ญ.มะลิ ใจดี", relation="child", can_work=False),
        ]
        household.problems += [
            Problem(dimension="health", indicator="ผู้ป่วยติดเตียงไม่มีผู้ดูแล", agency="รพ.สต.จักราช",
                    status="in_progress", opened_on=date(2026, 6, 1)),
            Problem(dimension="income", description="รายได้ไม่พอใช้จ่าย", status="solved",
                    opened_on=date(2026, 6, 1), solved_on=date(2026, 9, 30)),
        ]
        db.session.add(Visit(household_id=household.id, consent=True, visited_at=utcnow() - timedelta(days=40),
                             causes="old visit"))
        visitor = Staff(name=VISITOR, position="health_volunteer")
        db.session.add(visitor)
        db.session.flush()
        db.session.add(Visit(household_id=household.id, staff_id=visitor.id, consent=True, visited_at=LATEST_VISIT,
                             causes="ขาดแรงงาน ผู้สูงอายุ", classification="welfare", **FAMILY_ANSWERS,
                             problem_notes={"health": HEALTH_NOTE},
                             acknowledged_by="นายสมชาย ใจดี", acknowledged_at=LATEST_VISIT))
        db.session.commit()
        return household.id


# ---- what a volunteer does in the chat ------------------------------------------------------------


class Counted:
    """A chat that counts every tap and message the person sends, for a dialog's tap figure."""

    def __init__(self, chat):
        self.chat, self.sent = chat, 0

    def tap(self, message: str, **values) -> str:
        """Tap the button of a message id, as its Thai label reads on the button (cut to LINE's limit)."""
        return self.tap_label(th(message, **values))

    def tap_label(self, label: str) -> str:
        self.sent += 1
        return self.chat.tap(label[:LABEL_LIMIT])

    def say(self, text: str) -> str:
        self.sent += 1
        return self.chat.say(text)

    def postback(self, data: str) -> str:
        self.sent += 1
        return self.chat.postback(data)

    def pick(self, *messages: str) -> str:
        for message in messages:
            self.tap(message)
        return self.tap("Done")


def tap(chat, message: str) -> str:
    """Tap the quick reply of a message id, turning the page of options when it is on the next one."""
    label = th(message)[:LABEL_LIMIT]
    while label not in chat.buttons() and th("More...") in chat.buttons():
        chat.tap(th("More..."))
    return chat.tap(label)


def yes(chat) -> str:
    """The agreeing answer of a yes/no question, in the words its button has ("ใช่", "ยินยอม", "ได้")."""
    return answer(chat, "yes")


def no(chat) -> str:
    return answer(chat, "no")


def answer(chat, which: str) -> str:
    return chat.tap(next(label for label, action in chat.buttons().items()
                         if decode(action.get("data", "")).get("a") == which))


def open_interview(chat, household_id: int) -> str:
    return chat.postback(f"menu=interview&household={household_id}")


def latest_session(app) -> DialogSession:
    """The conversation started last, as stored (detached)."""
    with app.app_context():
        found = db.session.scalar(select(DialogSession).order_by(DialogSession.id.desc()))
        db.session.expunge(found)
        return found


# ---- the web chat in Chromium ---------------------------------------------------------------------

# Chromium on PATH (Debian's `chromium`, Ubuntu's `chromium-browser`, Google Chrome); else Playwright's own.
CHROMIUM = next(filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}  # a common phone screen, in CSS pixels


def playwright_with_chromium():
    """Playwright's sync API; skips the test module (call it at import) without playwright, or without a
    Chromium on PATH or installed by Playwright (`playwright install chromium`)."""
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="playwright is not installed (pip install -e '.[dev]')")
    if CHROMIUM is None:
        with sync_api.sync_playwright() as playwright:
            if not os.path.exists(playwright.chromium.executable_path):
                pytest.skip("no Chromium (apt-get install chromium, or playwright install chromium)",
                            allow_module_level=True)
    return sync_api


class RecordsWebhooks:
    """WSGI middleware keeping the events posted to the bot (the bot itself keeps none of their content)."""

    def __init__(self, app):
        self.app, self.events = app, []

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") == "/callback":
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            self.events += json.loads(body or b"{}").get("events", [])
            environ["wsgi.input"] = io.BytesIO(body)
        return self.app(environ, start_response)


def open_page(browser, url: str):
    context = browser.new_context(viewport=PHONE, locale="th-TH", timezone_id="Asia/Bangkok")
    page = context.new_page()
    page.goto(url)
    return context, page


def bot_bubbles(page):
    return page.locator(".row.bot .msg")


def say(page, text: str) -> None:
    page.fill("#text-input", text)
    page.press("#text-input", "Enter")


def answered(page, act) -> None:
    """Do something in the web chat and wait for the bot's answer, so the next chip tapped is the new question's."""
    before = bot_bubbles(page).count()
    act()
    playwright_with_chromium().expect(bot_bubbles(page).nth(before)).to_be_visible()


def web_tap(page, message: str) -> None:
    """Tap the web chat's chip of a message id (as its Thai label reads on the button) and wait for the answer."""
    answered(page, lambda: chip(page, th(message)[:LABEL_LIMIT]).click())


def web_type(page, text: str) -> None:
    answered(page, lambda: say(page, text))


def flex_texts(node) -> list[str]:
    """Every text of a Flex message, in order."""
    if isinstance(node, dict):
        own = [node["text"]] if node.get("type") == "text" else []
        return own + [t for key, value in node.items() if key != "text" for t in flex_texts(value)]
    if isinstance(node, list):
        return [t for value in node for t in flex_texts(value)]
    return []


def chip(page, label: str):
    """The quick-reply button labelled exactly `label` ("ใช่", not "ไม่ใช่")."""
    return page.locator("#chips").get_by_role("button", name=label, exact=True)


def demo_button(page, label: str):
    return page.locator("#demo button").filter(has=page.locator(".demo-label", has_text=re.compile(f"^{label}$")))


def push(app, user_id: str, *messages: dict) -> None:
    """A push through the bot's own outbox, as a dialog will send one."""
    with app.app_context():
        rows = [outbox.queue_push(user_id, list(messages))]
        db.session.commit()
        outbox.send_later(rows)


# ---- hostile input for property tests -------------------------------------------------------------

CEILING = 1.0  # seconds

# A bounded number of examples and no long shrinking: each property stays a few seconds.
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow],
                    report_multiple_bugs=False)


class TooSlow(AssertionError):
    """A call went past the ceiling."""


@contextlib.contextmanager
def within_a_second(what: str):
    """Fail (by interrupting it) a call that runs past `CEILING`. Main thread only, as pytest runs tests."""
    def interrupt(signum, frame):
        raise TooSlow(f"{what} took more than {CEILING} s")

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, CEILING)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# Pieces people type, and pieces that make patterns hesitate: digit runs (ASCII and Thai), thousands groups,
# separators, spaces of several kinds, units, eras, particles, month names, weekdays, emoji, control and
# zero-width characters.
PIECES = ["1", "0", "9", "๑", "๕", "1,000", ",", ", ", ";", "、", "&", "และ", "and", " ", "  ", "\t", "\n", "\r\n",
          "\u00a0", "\u3000", ".", "-", "/", "(", ")", "+", "+66", "บาท", "฿", "บ.", ".-", "พ.ศ.", "ค.ศ.", "b.e.",
          "พ.ย.", "พฤศจิกายน", "nov", "วันพุธที่", "ค่ะ", "ครับ", "นะ", "ๆ", "ใช่", "ไม่", "x", "ก", "😀", "👨‍👩‍👧",
          "\u200b", "\u200d", "\x00", "\ufeff", "ไร่"]
TAILS = ["", "x", "1", " ", "😀", ".", "ค่ะ"]

adversarial_text = st.one_of(
    st.lists(st.sampled_from(PIECES), max_size=40).map("".join),  # mixtures
    st.builds(lambda head, piece, count, tail: head + piece * count + tail,  # a long run, then a mismatch at the end
              st.sampled_from(["", "1", "25 ", "-", "฿"]), st.sampled_from(PIECES), st.integers(1, 3000),
              st.sampled_from(TAILS)),
    st.builds(lambda piece, tail: (piece * 10_000)[:10_000] + tail, st.sampled_from(PIECES), st.sampled_from(TAILS)),
    st.text(max_size=60),
)


# ---- the monthly report's example ------------------------------------------------------------------

REPORT_PERIOD = Period(2026, 9)  # กันยายน 2569: 21 August to 20 September 2026 in Bangkok
REPORT_CUTOFF = datetime(2026, 9, 20, 17, tzinfo=UTC)  # midnight after 20 September in Bangkok
REPORT_ON_TIME = datetime(2026, 9, 10, 3, tzinfo=UTC)
REPORT_LATE = datetime(2026, 9, 25, 3, tzinfo=UTC)  # after the cut-off, given for September
REPORT_AFTER = datetime(2026, 10, 1, tzinfo=UTC)  # a view some days after the late visit
IN_CARE_SINCE = datetime(2026, 6, 1, tzinfo=UTC)
OTHER_DISTRICT_VILLAGE = "30070101"  # a village of อ.โชคชัย, another district of the province


def cared_household(village: str, number: str, caretaker: int | None, since: datetime = IN_CARE_SINCE,
                    **fields) -> int:
    found = add_household(village, number, f"นาย{number} ทดสอบ", **fields)
    if caretaker is not None:
        db.session.add(CareAssignment(household_id=found.id, caretaker_id=caretaker, started_at=since))
    return found.id


def add_check_in(household_id: int, at: datetime, staff_id: int, period: Period, ppy: int | None = None) -> None:
    """A monthly visit as stored, late when given after the period's cut-off."""
    db.session.add(CheckIn(household_id=household_id, period=period.key,
                           late=at >= period.cutoff(Config.REPORT_DAY, ZONE), staff_id=staff_id, at=at,
                           contact="in_person", per_person_year=Decimal(ppy) if ppy else None,
                           poverty_line=38_000 if ppy else None))


def add_report_example() -> dict[str, int]:
    """September 2569 in three villages. หมู่ 1 บ้านจักราช: four households in care since June (one visited on time,
    one late, one not yet, one that moved away unvisited) and one without a caretaker; หมู่ 2 บ้านหนองบัว: one visited
    on time and one given to a caretaker only in September (not due, though visited); หมู่ 1 บ้านทองหลาง (another
    subdistrict): one visited on time; and one household of another district, visited on time. With interviews,
    problems, a revised compass and incomes. Returns the ids of the household not yet visited and of the caretaker."""
    add_villages(VILLAGES | {OTHER_DISTRICT_VILLAGE: (1, "บ้านนอกเขต")})
    carer = add_staff("U-carer", "caretaker", "300601", "ผู้ดูแล หนึ่ง").id
    other = add_staff("U-other", "caretaker", "3007", "ผู้ดูแล สอง").id
    v1 = [cared_household("30060101", "1", carer, classification="self_development", status="in_progress"),
          cared_household("30060101", "2", carer, classification="welfare", status="solved"),
          cared_household("30060101", "3", carer),
          cared_household("30060101", "4", carer, status="moved"),
          cared_household("30060101", "5", None)]
    v2 = [cared_household("30060102", "1", carer),
          cared_household("30060102", "2", carer, since=datetime(2026, 9, 1, tzinfo=UTC))]
    v3 = cared_household("30060301", "1", carer)
    outside = cared_household(OTHER_DISTRICT_VILLAGE, "1", other)
    period = REPORT_PERIOD
    add_check_in(v1[0], REPORT_ON_TIME, carer, period, ppy=40_000)
    add_check_in(v1[0], datetime(2026, 7, 10, tzinfo=UTC), carer, Period(2026, 7), ppy=30_000)
    add_check_in(v1[1], REPORT_LATE, carer, period, ppy=36_000)
    add_check_in(v2[0], REPORT_ON_TIME, carer, period, ppy=30_000)
    add_check_in(v2[1], REPORT_ON_TIME, carer, period)
    add_check_in(v3, REPORT_ON_TIME, carer, period, ppy=50_000)
    add_check_in(outside, REPORT_ON_TIME, other, period, ppy=45_000)
    db.session.add_all([Visit(household_id=v1[0], consent=True), Visit(household_id=v1[1], consent=True),
                        Visit(household_id=v1[2], consent=False)])
    db.session.add_all([Problem(household_id=v1[0], dimension="health", status="open"),
                        Problem(household_id=v1[0], dimension="income", status="solved"),
                        Problem(household_id=v3, dimension="health", status="in_progress"),
                        Problem(household_id=v3, dimension="health", status="not_a_problem")])
    month = IN_CARE_SINCE.date()
    db.session.add(Compass(household_id=v1[0], version=1, classification="self_development", goals={},
                           accepted_at=IN_CARE_SINCE, activities=[
                               CompassActivity(part="government", kind="other", text="ฝึกอาชีพ", who="x",
                                               target_month=month, agency="cdd", status="done")]))
    db.session.add(Compass(household_id=v1[0], version=2, classification="self_development", goals={},
                           accepted_at=IN_CARE_SINCE, activities=[
                               CompassActivity(part="government", kind="other", text="ฝึกอาชีพ", who="x",
                                               target_month=month, agency="cdd", status="under_way"),
                               CompassActivity(part="self", kind="other", text="ออมเงิน", who="x",
                                               target_month=month, status="not_started")]))
    db.session.commit()
    return {"missing": v1[2], "carer": carer}
