"""Fixtures: the LINE emulator, the app on each backend, a live server, a driver, a registered volunteer's chat,
and the web chat in Chromium. What they build on is in helpers.py.

Backends: "embedded" (SQLite file, in-process Redis stand-in, thread pools) always; "servers"
(real PostgreSQL, real Redis, an RQ worker process) when the binaries exist, as in CI.
"""

import contextlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from flask_migrate import upgrade
from rq import Queue, Worker
from sqlalchemy import text

from bot import create_app, jobs
from bot.demo import IDENTITIES, write_identities
from core import line_json
from core.types import Later
from emulator import EmulatorServer, LineDriver, Platform
from emulator.webchat import use_demo_identities
from models import LineUser, Staff, StaffRole, db
from support import servers
from tests.helpers import (
    CHROMIUM,
    CHROMIUM_ARGS,
    SECRET,
    TOKEN,
    LiveServer,
    RecordsWebhooks,
    add_staff,
    base_config,
    invite,
    open_page,
    playwright_with_chromium,
    settle,
    wait_until,
)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def messages_as_the_sdk_writes_them(monkeypatch):
    """Every message the bot sends in a test (in this process) is written by `core.line_json` exactly as the SDK's
    own `to_dict()` writes it."""
    one_pass = line_json.of

    def compared(message):
        if isinstance(message, Later):
            message = message.build()
        written = one_pass(message)
        assert written == message.to_dict()
        return written

    monkeypatch.setattr(line_json, "of", compared)


@pytest.fixture(scope="session")
def platform():
    return Platform(SECRET, TOKEN)


@pytest.fixture(scope="session")
def emulator(platform):
    with EmulatorServer(platform) as server:
        yield server


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory, emulator):
    """One migrated SQLite file, copied for each test (faster than migrating each time)."""
    path = tmp_path_factory.mktemp("db") / "template.sqlite3"
    app = create_app(base_config(emulator.url) | {"DATABASE_URL": f"sqlite:///{path}"})
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return path


@pytest.fixture(scope="session")
def real_servers(emulator):
    """PostgreSQL, Redis and two RQ worker processes, shared by the session's "servers" tests. Whatever
    fails, in setup or teardown, each one started is stopped (the last started first)."""
    if not servers.servers_available():
        pytest.skip("redis-server or PostgreSQL not installed")
    with contextlib.ExitStack() as started:
        redis_server = started.enter_context(servers.RedisServer())
        pg_server = started.enter_context(servers.PostgresServer())
        config = base_config(emulator.url) | {"DATABASE_URL": pg_server.url, "REDIS_URL": redis_server.url}
        app = create_app(config)
        started.callback(dispose_engine, app)
        with app.app_context():
            upgrade()
        env = os.environ | {key: str(value) for key, value in config.items() if key != "TESTING"}
        workers = [servers.start_process([sys.executable, "-m", "flask", "--app", "wsgi", "worker"], cwd=ROOT, env=env)
                   for _ in range(2)]
        started.callback(stop_workers, workers)
        connection = app.extensions["redis"]
        wait_until(lambda: len(Worker.all(connection=connection)) == len(workers), timeout=120,
                   message="RQ workers did not start")
        yield config


def stop_workers(workers: list[subprocess.Popen], timeout: float = 20.0) -> None:
    """SIGTERM (a worker finishes its job and its deliveries, then exits); killed if still there after `timeout`,
    and then the teardown fails: a worker that does not stop when asked is a bug."""
    stubborn = [worker.pid for worker in workers if not servers.stop_process(worker, timeout)]
    assert not stubborn, f"RQ workers {stubborn} did not stop within {timeout}s of SIGTERM and were killed"


def dispose_engine(app) -> None:
    with app.app_context():
        db.engine.dispose()


BACKENDS = ["embedded", "servers"]


@pytest.fixture(params=BACKENDS)
def app(request, emulator, platform, tmp_path, sqlite_template):
    platform.reset()
    if request.param == "embedded":
        path = tmp_path / "bot.sqlite3"
        shutil.copy(sqlite_template, path)
        app = create_app(base_config(emulator.url) | {"DATABASE_URL": f"sqlite:///{path}"})
    else:
        app = create_app(request.getfixturevalue("real_servers"))
        with app.app_context():
            tables = ", ".join(db.metadata.tables)
            db.session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            db.session.commit()
        red = app.extensions["redis"]
        for pattern in ("seen:*", "lock:*", "pace:*"):
            keys = list(red.scan_iter(pattern))
            if keys:
                red.delete(*keys)
        for name in jobs.QUEUES:
            Queue(name, connection=red).empty()
    app.backend = request.param
    yield app
    try:
        settle(app)
    finally:
        jobs.runner(app).shutdown()
        dispose_engine(app)


@pytest.fixture
def embedded_app(emulator, platform, tmp_path, sqlite_template):
    """The app on the embedded defaults only, for tests of one component."""
    platform.reset()
    path = tmp_path / "bot.sqlite3"
    shutil.copy(sqlite_template, path)
    app = create_app(base_config(emulator.url) | {"DATABASE_URL": f"sqlite:///{path}"})
    app.backend = "embedded"
    yield app
    jobs.runner(app).shutdown()
    dispose_engine(app)


@pytest.fixture
def live(app):
    server = LiveServer(app)
    yield server
    server.stop()


@pytest.fixture
def line(platform, live):
    """A LINE driver posting signed events to the live app."""
    return LineDriver(platform, live.url + "/callback", SECRET)


class Chat:
    """One LINE user talking to the bot through signed webhook events, reading what comes back."""

    def __init__(self, line: LineDriver, platform: Platform, user_id: str):
        self.line, self.platform, self.user_id = line, platform, user_id
        self.last = None

    def send(self, event):
        seen = len(self.platform.received(self.user_id))
        assert self.line.send(event).status_code == 200
        self.last = self.platform.wait_for_messages(self.user_id, seen + 1)[seen]
        return self.text

    def say(self, text: str) -> str:
        return self.send(self.line.text(self.user_id, text))

    def follow(self) -> str:
        return self.send(self.line.follow(self.user_id))

    def postback(self, data: str) -> str:
        return self.send(self.line.postback(self.user_id, data))

    @property
    def text(self) -> str:
        return "\n".join(m.get("text", m.get("altText", "")) for m in self.last.messages)

    def buttons(self) -> dict[str, dict]:
        """Quick-reply actions of the last message, by label."""
        items = (self.last.messages[-1].get("quickReply") or {}).get("items", [])
        return {item["action"]["label"]: item["action"] for item in items}

    def tap(self, label: str) -> str:
        action = self.buttons()[label]
        if action["type"] == "postback":
            return self.postback(action["data"])
        return self.say(action["text"])


@pytest.fixture
def new_user(line, platform):
    """Make a LINE user (not yet a friend of the bot) and a chat with them."""
    def make(name: str = "ผู้ใช้ทดสอบ") -> Chat:
        user_id = platform.add_user(platform.new_user_id(), display_name=name)["userId"]
        return Chat(line, platform, user_id)
    return make


@pytest.fixture
def volunteer(app, new_user):
    """A registered door-knock volunteer of village 30060101, on each backend."""
    chat = new_user("อาสา")
    with app.app_context():
        add_staff(chat.user_id, "volunteer", "30060101", "อาสา ทดสอบ")
        db.session.commit()
    return chat


@pytest.fixture
def staff_chat(embedded_app, platform):
    """A registered volunteer in the middle of nothing, chatting with the embedded app served over HTTP (for
    tests of one component, such as the dialog engine)."""
    server = LiveServer(embedded_app)
    user_id = platform.add_user(platform.new_user_id(), display_name="อาสา")["userId"]
    chat = Chat(LineDriver(platform, server.url + "/callback", SECRET), platform, user_id)
    with embedded_app.app_context():
        db.session.add(LineUser(user_id=chat.user_id, following=True, language="th"))
        db.session.add(Staff(name="อาสา ทดสอบ", position="อช.", line_user_id=chat.user_id,
                             roles=[StaffRole(role="volunteer", area_code="30060101")]))
        db.session.commit()
    yield chat
    server.stop()


# ---- the web chat in Chromium: the bot runs on the embedded backend --------------------------------


@pytest.fixture(scope="module")
def browser():
    sync_api = playwright_with_chromium()
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def bot(embedded_app):
    embedded_app.wsgi_app = embedded_app.received = RecordsWebhooks(embedded_app.wsgi_app)
    server = LiveServer(embedded_app)
    yield server
    server.stop()
    settle(embedded_app)


@pytest.fixture
def demo_identities(embedded_app, tmp_path):
    """The identities file with one fresh code each, as `flask --app wsgi demo invites --count 1` writes it."""
    codes = [[invite(embedded_app, identity.role, identity.area, identity.name)] for identity in IDENTITIES]
    return write_identities(tmp_path / "demo-identities.json", codes)


@pytest.fixture
def webchat(platform, bot, demo_identities):
    with EmulatorServer(platform, webhook_url=bot.url + "/callback") as server:
        use_demo_identities(server.app, demo_identities)
        yield server


@pytest.fixture
def page(browser, webchat):
    context, page = open_page(browser, webchat.url + "/")
    yield page
    context.close()
