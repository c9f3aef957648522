"""Fixtures: the LINE emulator, the app on each backend, a live server, and a driver.

Backends: "embedded" (SQLite file, in-process Redis stand-in, thread pools) always; "servers"
(real PostgreSQL, real Redis, an RQ worker process) when the binaries exist, as in CI.
"""

import contextlib
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from flask_migrate import upgrade
from rq import Queue, Worker
from sqlalchemy import func, select, text
from werkzeug.serving import make_server

from bot import create_app, jobs
from emulator import EmulatorServer, LineDriver, Platform
from models import InboxEvent, OutboxMessage, db
from tests import servers

ROOT = Path(__file__).resolve().parent.parent
SECRET = "0123456789abcdef0123456789abcdef"
TOKEN = "test-channel-access-token"
LOGIN_CHANNEL_ID = "1234567890"
LIFF_ID = f"{LOGIN_CHANNEL_ID}-AbCdEfGh"
# Fixed secret keys, one per job (a deployment sets random ones; bin/demo generates them).
KEYS = {"NATIONAL_ID_KEY": "test-national-id-key-0123456789abcdef", "INVITE_KEY": "test-invite-key-0123456789abcdef",
        "OUTBOX_KEY": "test-outbox-key-0123456789abcdef0"}


@pytest.fixture(scope="session")
def platform():
    return Platform(SECRET, TOKEN)


@pytest.fixture(scope="session")
def emulator(platform):
    with EmulatorServer(platform) as server:
        yield server


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
        for pattern in ("seen:*", "lock:*"):
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


@pytest.fixture
def live(app):
    server = LiveServer(app)
    yield server
    server.stop()


@pytest.fixture
def line(platform, live):
    """A LINE driver posting signed events to the live app."""
    return LineDriver(platform, live.url + "/callback", SECRET)


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
