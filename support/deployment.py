"""The production shape on this machine, in one command (`bin/servers`): PostgreSQL and Redis in a temporary
directory (started as the tests start them, `support.servers`), the schema, gunicorn, RQ workers and the LINE
emulator with its web chat; Ctrl-C (or SIGTERM) stops them all.

It follows the README's production section: a database role owning its database (UTF-8, C.UTF-8), every required
setting, `db upgrade`, `richmenu sync`, then the web processes and the workers. Keys are random and the data goes
with the run; the demo's area and households are seeded and its one-click registration is offered, as in
`bin/demo`. A web process or worker that dies is started again, as systemd does (docs/deploy). Every process is
started in a process group of its own that is stopped, and killed if it lingers, before this one exits; on Linux
each also dies with this process if it is killed (`support.servers`).
"""

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import requests

from bot import keys
from support import servers

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
ROLE, PASSWORD = "bot", "bot-local-only"
CHANNEL_SECRET = "0d3e0d3e0d3e0d3e0d3e0d3e0d3e0d3e"
LOGIN_CHANNEL_ID = "2000000000"
LIFF_ID = f"{LOGIN_CHANNEL_ID}-demoLiff"
STOP_TIMEOUT = 20.0  # seconds a process may take to stop when asked, before it and its group are killed
RESTART_DELAY = 2.0  # before a dead web process or worker is started again: RestartSec in docs/deploy
# As systemd's default start limit: a process started again this many times within this many seconds is left dead,
# and the run stops (it dies as it starts: something is wrong).
START_LIMIT, START_LIMIT_SECONDS = 5, 10.0


class Stopped(Exception):
    """SIGINT or SIGTERM arrived: stop everything."""


def _stop_on_signal(signum, _frame) -> None:
    raise Stopped(signal.Signals(signum).name)


def create_database(server: servers.PostgresServer) -> str:
    """The README's first step: a role, and a database it owns (so migrations may create in its public schema,
    which PostgreSQL 15 no longer lets every role do), UTF-8 with a UTF-8 character classification."""
    with psycopg.connect(server.url, autocommit=True) as connection:
        connection.execute(f"CREATE ROLE {ROLE} LOGIN PASSWORD '{PASSWORD}'")
        connection.execute(f"CREATE DATABASE {ROLE} OWNER {ROLE} ENCODING 'UTF8' LOCALE 'C.UTF-8' TEMPLATE template0")
    return f"postgresql://{ROLE}:{PASSWORD}@127.0.0.1:{server.port}/{ROLE}"


def settings(database_url: str, redis_url: str, bot_port: int, emulator_port: int, workdir: Path) -> dict[str, str]:
    """Every setting production needs (README, Settings), pointed at this machine's servers and the emulator."""
    emulator = f"http://127.0.0.1:{emulator_port}"
    return keys.generate() | {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "LINE_CHANNEL_SECRET": CHANNEL_SECRET,
        "LINE_CHANNEL_ACCESS_TOKEN": "servers-access-token",
        "LINE_API_BASE": emulator,
        "LINE_LOGIN_CHANNEL_ID": LOGIN_CHANNEL_ID,
        "LIFF_ID": LIFF_ID,
        "LIFF_SDK_URL": f"{emulator}/liff/sdk.js",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{bot_port}",
        "POVERTY_LINES": "2560-2570:38000",  # as bin/demo: the demo's households against the current line
        "PROMETHEUS_MULTIPROC_DIR": str(workdir / "metrics"),
    }


@dataclass
class Started:
    name: str
    command: list[str]
    process: subprocess.Popen
    restart: bool  # on failure, as systemd's Restart=on-failure
    restarts: list[float] = field(default_factory=list)  # when it was started again (time.monotonic)


class Deployment:
    """The processes of one run, stopped in the reverse order of their start."""

    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.env: dict[str, str] = {}
        self.started: list[Started] = []
        self.stack = contextlib.ExitStack()

    def start(self) -> None:
        workdir = Path(self.stack.enter_context(tempfile.TemporaryDirectory(prefix="frontline-servers-")))
        redis_server = self.stack.enter_context(servers.RedisServer())
        postgres = self.stack.enter_context(servers.PostgresServer())
        self.stack.callback(self.stop_processes)
        database_url = create_database(postgres)
        self.env = os.environ | settings(database_url, redis_url=redis_server.url, bot_port=self.args.port,
                                         emulator_port=self.args.emulator_port, workdir=workdir)
        (workdir / "metrics").mkdir()
        self.flask("db", "upgrade")
        self.flask("demo", "seed")
        identities = workdir / "demo-identities.json"
        self.flask("demo", "invites", "--out", str(identities))
        emulator = f"http://127.0.0.1:{self.args.emulator_port}"
        self.spawn("emulator", restart=False,
                   command=[sys.executable, "-m", "emulator", "--port", str(self.args.emulator_port),
                            "--webhook-url", f"{self.env['PUBLIC_BASE_URL']}/callback",
                            "--demo-identities", str(identities),
                            "--liff", f"{LIFF_ID}={self.env['PUBLIC_BASE_URL']}/liff"])
        self.wait_for(f"{emulator}/_emulator/config", "the emulator")
        self.flask("richmenu", "sync")
        self.spawn("gunicorn", restart=True,
                   command=[str(BIN / "gunicorn"), "-w", str(self.args.web_workers), "-k", "gthread", "--threads", "8",
                            "-b", f"127.0.0.1:{self.args.port}", "--graceful-timeout", "10", "wsgi:app"])
        for number in range(1, self.args.workers + 1):
            self.spawn(f"worker {number}", restart=True,
                       command=[sys.executable, "-m", "flask", "--app", "wsgi", "worker"])
        self.wait_for(f"{self.env['PUBLIC_BASE_URL']}/healthz", "gunicorn")

    def flask(self, *command: str) -> None:
        """A `flask --app wsgi` command to its end, as an operator runs it."""
        subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *command], cwd=ROOT, env=self.env,
                       check=True, stdout=subprocess.DEVNULL)

    def spawn(self, name: str, restart: bool, command: list[str]) -> None:
        self.started.append(Started(name, command, servers.start_process(command, cwd=ROOT, env=self.env), restart))

    def wait_for(self, url: str, what: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check_alive()
            with contextlib.suppress(requests.RequestException):
                if requests.get(url, timeout=2).ok:
                    return
            time.sleep(0.2)
        raise RuntimeError(f"{what} did not answer at {url} within {timeout:g}s")

    def check_alive(self) -> None:
        """Start again a web process or worker that failed; any other exit stops the run (RuntimeError)."""
        for number, one in enumerate(self.started):
            code = one.process.poll()
            if code is None:
                continue
            recent = [at for at in one.restarts if time.monotonic() - at < START_LIMIT_SECONDS]
            if not one.restart or code == 0 or len(recent) >= START_LIMIT:
                raise RuntimeError(f"{one.name} exited with {code}")
            print(f"{one.name} exited with {code}; starting it again in {RESTART_DELAY:g} s", flush=True)
            time.sleep(RESTART_DELAY)
            self.started[number] = Started(one.name, one.command,
                                           servers.start_process(one.command, cwd=ROOT, env=self.env), True,
                                           [*recent, time.monotonic()])

    def stop_processes(self) -> None:
        """SIGTERM each (a worker finishes its job and its deliveries first), the last started first; a process
        still there after STOP_TIMEOUT is killed with its whole process group."""
        for one in reversed(self.started):
            if not servers.stop_process(one.process, STOP_TIMEOUT):
                print(f"{one.name} did not stop within {STOP_TIMEOUT:g}s and was killed", file=sys.stderr,
                      flush=True)
        self.started.clear()

    def summary(self) -> str:
        bot = self.env["PUBLIC_BASE_URL"]
        return "\n".join([
            f"Web chat: http://127.0.0.1:{self.args.emulator_port}/",
            f"Bot: {bot} (gunicorn, {self.args.web_workers} workers), {self.args.workers} RQ workers; "
            f"{bot}/healthz, {bot}/metrics",
            f"DATABASE_URL={self.env['DATABASE_URL']}",
            f"REDIS_URL={self.env['REDIS_URL']}",
            "Ctrl-C stops them all.",
        ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bin/servers", description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8000, help="gunicorn's port (default: %(default)s)")
    parser.add_argument("--emulator-port", type=int, default=5100, help="the emulator's (default: %(default)s)")
    parser.add_argument("--web-workers", type=int, choices=range(2, 5), default=2, metavar="2-4",
                        help="gunicorn worker processes (default: %(default)s)")
    parser.add_argument("--workers", type=int, default=2, help="RQ worker processes (default: %(default)s)")
    args = parser.parse_args(argv)
    if not servers.servers_available():
        sys.exit("bin/servers needs redis-server and PostgreSQL (apt-get install redis-server postgresql)")
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _stop_on_signal)
    deployment = Deployment(args)
    with deployment.stack:
        try:
            deployment.start()
            print(deployment.summary(), flush=True)
            while True:
                deployment.check_alive()
                time.sleep(0.5)
        except Stopped as stop:
            print(f"{stop}: stopping", flush=True)
            return 0
        except (RuntimeError, subprocess.CalledProcessError) as error:
            print(f"bin/servers: {error}; stopping", file=sys.stderr, flush=True)
            return 1
        finally:  # a second Ctrl-C must not cut the stopping short and leave processes behind
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, signal.SIG_IGN)


if __name__ == "__main__":
    sys.exit(main())
