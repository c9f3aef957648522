"""Webhook benchmark: the bot's whole path against the line-bot-sdk echo pattern, on the LINE emulator.

    .venv/bin/python -m bench.webhook [--quick] [--json bench/results/webhook.json]

Both apps are served the same way (gunicorn, 1 worker, gthread, the same --threads, on 127.0.0.1):

- bot:  `wsgi:app` on the embedded defaults: a fresh, migrated SQLite file, no REDIS_URL, thread
        pools in the one process. It stores each event and answers 200, then handles it and sends
        the reply from its outbox in the background.
- echo: `bench.echo_app:app`, the SDK's echo pattern: parse, reply inside the request, no database.

Signed text events from many users are posted one per request by client threads, each with its
own `requests.Session`, at 0 ms and 100 ms of LINE latency, closed loop (back to back) and open
loop (paced at --rate events/s). The LINE emulator (`EmulatorServer`) runs in its own process by
default (--emulator process), so the clients and the emulator don't share one GIL; reply tokens
are then minted here and checked there (`MintedTokens`). --emulator thread runs it in this process.

Per scenario: events/s accepted (200s per second of sending), p50/p99 time to the 200 (open loop:
counted from when the event was due, so a late client counts against the server), seconds from
the first send until every reply had arrived, replies delivered, how many came through the reply
endpoint within the reply token's minute, and the CPU the server and this process spent per event.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from dataclasses import asdict, dataclass
from pathlib import Path

import requests
from flask import Blueprint, request

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # also runnable as `python bench/webhook.py`
    sys.path.insert(0, str(ROOT))

from bench import bot_settings, percentile  # noqa: E402
from emulator import EmulatorServer, LineDriver, Platform, PlatformError  # noqa: E402
from support.servers import PostgresServer, RedisServer, free_port, servers_available  # noqa: E402

SECRET = "0123456789abcdef0123456789abcdef"
TOKEN = "bench-channel-access-token"
BOT_SETTINGS = bot_settings()  # the same keys for every process of a run
REPLY_PATH = "/v2/bot/message/reply"
MESSAGE_PATHS = "/v2/bot/message/"
TOKEN_MINUTE = 60.0
REPLY_DEADLINE = 60.0  # how long to wait, after the last send, for every reply

# Targets from the issue.
MIN_RATIO_AT_0_MS = 0.5
MIN_RATE_AT_100_MS = 300.0
MAX_P99_MS_AT_100_MS = 100.0


@dataclass
class Result:
    app: str
    latency_ms: int
    mode: str  # "closed" or "open N/s"
    events: int
    accepted: int
    errors: int
    send_seconds: float
    events_per_second: float
    p50_ms: float
    p99_ms: float
    all_replies_seconds: float | None
    end_to_end_per_second: float | None  # events / seconds from the first send to the last reply
    replies_expected: int
    replies_delivered: int
    replies_in_token_minute: int
    pushes: int
    client_late_p99_ms: float = 0.0
    server_cpu_ms_per_event: float | None = None
    bench_cpu_ms_per_event: float | None = None  # this process: the clients (and the emulator if a thread)
    emulator_cpu_ms_per_event: float | None = None  # the emulator's own process, if it has one
    load_average: float | None = None
    offered_rate: float | None = None
    ratio_to_echo: float | None = None

    @property
    def name(self) -> str:
        return f"{self.app:<4} {self.latency_ms:>3} ms {self.mode}"


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time used so far by one process (all its threads)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def child_pids(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children")
    with contextlib.suppress(OSError):
        return [int(child) for child in children.read_text().split()]
    return []


def tree_cpu_seconds(pid: int) -> float:
    """CPU time used so far by a process and its live descendants (PostgreSQL's backends, say)."""
    return process_cpu_seconds(pid) + sum(tree_cpu_seconds(child) for child in child_pids(pid))


def wait_until_up(url: str, process: subprocess.Popen, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        with contextlib.suppress(requests.RequestException):
            requests.get(url, timeout=1)
            return
        time.sleep(0.1)
    raise RuntimeError(f"{what} not answering at {url} after {timeout}s")


# ---- the LINE side -----------------------------------------------------------------------------


class MintedTokens:
    """Reply tokens for an emulator in another process: the user and the time of issue are in the
    token itself, so minting one costs no round trip. `TokenPlatform` redeems them once, within
    the same minute a real token lives. Also stands in for the platform in `LineDriver`."""

    PREFIX = "m"

    def __init__(self, channel_secret: str):
        self.channel_secret = channel_secret

    def issue_reply_token(self, user_id: str) -> str:
        return f"{self.PREFIX}{user_id}.{int(time.time() * 1000)}.{secrets.token_hex(4)}"

    @classmethod
    def parse(cls, token: str) -> tuple[str, float] | None:
        parts = token[len(cls.PREFIX):].split(".") if token.startswith(cls.PREFIX) else []
        if len(parts) != 3 or not parts[1].isdigit():
            return None
        return parts[0], int(parts[1]) / 1000


class TokenPlatform(Platform):
    """The emulator's platform when it runs in its own process: also redeems `MintedTokens`."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._redeemed: set[str] = set()

    def redeem_reply_token(self, token: str) -> str:
        minted = MintedTokens.parse(token)
        if minted is None:
            return super().redeem_reply_token(token)
        user_id, issued = minted
        with self._lock:
            if token in self._redeemed or time.time() - issued >= self.reply_token_ttl:
                raise PlatformError(400, "Invalid reply token")
            self._redeemed.add(token)
        return user_id


def wait_for_replies(platform: Platform, users: list[str], per_user: int, timeout: float) -> bool:
    pending = deque(users)

    def all_arrived() -> bool:  # re-checked on every emulator event, so cheap: one user at a time
        while pending and len(platform.received(pending[0])) >= per_user:
            pending.popleft()
        return not pending

    return platform.wait_for(all_arrived, timeout)


def message_calls(platform: Platform) -> list[dict]:
    """The emulator's log of message calls, reduced to what the report needs."""
    return [{"path": entry["path"], "status": entry["status"], "time": entry["time"],
             "replyToken": (entry["json"] or {}).get("replyToken"), "to": (entry["json"] or {}).get("to")}
            for entry in platform.requests if entry["path"].startswith(MESSAGE_PATHS)]


def bench_blueprint(platform: Platform) -> Blueprint:
    """What the bench process asks an emulator in another process."""
    bp = Blueprint("bench", __name__, url_prefix="/_bench")

    @bp.post("/wait")
    def wait() -> dict:
        body = request.get_json()
        return {"arrived": wait_for_replies(platform, body["users"], body["count"], body["timeout"])}

    @bp.post("/delivered")
    def delivered() -> dict:
        return {"count": sum(len(platform.received(user)) for user in request.get_json()["users"])}

    @bp.get("/calls")
    def calls() -> dict:
        return {"calls": message_calls(platform)}

    return bp


def serve_emulator(port: int) -> None:
    """`--serve-emulator PORT`: the emulator alone in this process, until terminated."""
    platform = TokenPlatform(SECRET, TOKEN)
    server = EmulatorServer(platform, port=port)
    server.app.register_blueprint(bench_blueprint(platform))
    server.serve_forever()


class ThreadLine:
    """The emulator in a thread of this process, sharing its GIL with the clients."""

    placement = "thread in the bench process"

    def __init__(self):
        self.platform = Platform(SECRET, TOKEN)
        self.server = EmulatorServer(self.platform).start()
        self.url = self.server.url
        self.tokens = self.platform

    def set_latency(self, ms: float) -> None:
        self.platform.latency_ms = ms

    def wait_for_replies(self, users: list[str], per_user: int, timeout: float) -> bool:
        return wait_for_replies(self.platform, users, per_user, timeout)

    def delivered(self, users: list[str]) -> int:
        return sum(len(self.platform.received(user)) for user in users)

    def calls(self) -> list[dict]:
        return message_calls(self.platform)

    def cpu_seconds(self) -> float:
        return 0.0  # counted with this process

    def close(self) -> None:
        self.server.stop()


class ProcessLine:
    """The emulator in its own process (`--serve-emulator`), asked over HTTP."""

    placement = "own process"

    def __init__(self):
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen([sys.executable, "-m", "bench.webhook", "--serve-emulator", str(port)],
                                        cwd=ROOT)
        self.session = requests.Session()
        self.tokens = MintedTokens(SECRET)
        wait_until_up(self.url + "/_emulator/config", self.process, "the emulator")

    def _post(self, path: str, body: dict, timeout: float = 10) -> dict:
        response = self.session.post(self.url + path, json=body, timeout=timeout)
        response.raise_for_status()
        return response.json()

    def set_latency(self, ms: float) -> None:
        self._post("/_emulator/config", {"latency_ms": ms})

    def wait_for_replies(self, users: list[str], per_user: int, timeout: float) -> bool:
        body = {"users": users, "count": per_user, "timeout": timeout}
        return self._post("/_bench/wait", body, timeout=timeout + 10)["arrived"]

    def delivered(self, users: list[str]) -> int:
        return self._post("/_bench/delivered", {"users": users})["count"]

    def calls(self) -> list[dict]:
        response = self.session.get(self.url + "/_bench/calls", timeout=30)
        response.raise_for_status()
        return response.json()["calls"]

    def cpu_seconds(self) -> float:
        return process_cpu_seconds(self.process.pid)

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


# ---- serving -----------------------------------------------------------------------------------


class Gunicorn:
    """One app under gunicorn: `workers` processes, gthread, `threads` threads each, access log off."""

    def __init__(self, target: str, env: dict, workers: int, threads: int, log_path: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self._log = open(log_path, "wb")  # noqa: SIM115 (closed in stop())
        command = [sys.executable, "-m", "gunicorn", "--chdir", str(ROOT), "--workers", str(workers),
                   "--worker-class", "gthread", "--threads", str(threads), "--bind", f"127.0.0.1:{self.port}",
                   "--log-level", "warning", "--timeout", "120", target]
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT)
        self.beside: list[int] = []

    def wait_ready(self, driver: LineDriver, timeout: float = 30.0) -> None:
        """Until the worker answers LINE's "Verify" (an empty events list) with 200."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}; see {self.log_path}")
            with contextlib.suppress(requests.RequestException):
                if driver.send().status_code == 200:
                    return
            time.sleep(0.1)
        raise RuntimeError(f"{self.url} not answering after {timeout}s; see {self.log_path}")

    def worker_cpu_seconds(self) -> float:
        """User + system CPU time used so far by the worker processes, and by the processes beside them
        (`beside`: PostgreSQL, Redis and RQ workers in the servers deployment)."""
        return sum(tree_cpu_seconds(pid) for pid in [*child_pids(self.process.pid), *self.beside])

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def base_env(emulator_url: str) -> dict:
    env = {key: value for key, value in os.environ.items() if key not in ("REDIS_URL", "DATABASE_URL")}
    return env | {
        "LINE_CHANNEL_SECRET": SECRET,
        "LINE_CHANNEL_ACCESS_TOKEN": TOKEN,
        "LINE_API_BASE": emulator_url,
        "PYTHONUNBUFFERED": "1",
    } | BOT_SETTINGS


def bot_env(emulator_url: str, database_url: str, event_threads: int, delivery_threads: int,
            redis_url: str | None = None) -> dict:
    """A fresh, migrated database; only the pool sizes are set (they matter without REDIS_URL)."""
    env = base_env(emulator_url) | {
        "DATABASE_URL": database_url,
        "EVENT_THREADS": str(event_threads),
        "DELIVERY_THREADS": str(delivery_threads),
    } | ({"REDIS_URL": redis_url} if redis_url else {})
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env,
                   check=True, capture_output=True)
    return env


class Servers:
    """The servers deployment: PostgreSQL and Redis (started as the tests start them) and RQ workers."""

    def __init__(self, emulator_url: str, rq_workers: int, event_threads: int, delivery_threads: int):
        if not servers_available():
            raise SystemExit("--deployment servers needs redis-server and PostgreSQL installed")
        self.redis, self.postgres = RedisServer(), PostgresServer()
        self.env = bot_env(emulator_url, self.postgres.url, event_threads, delivery_threads, self.redis.url)
        self.workers = [subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker"], cwd=ROOT,
                                         env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                        for _ in range(rq_workers)]

    @property
    def pids(self) -> list[int]:
        return [self.redis.process.pid, self.postgres.process.pid, *(worker.pid for worker in self.workers)]

    def stop(self) -> None:
        for worker in self.workers:
            worker.terminate()
        for worker in self.workers:
            try:
                worker.wait(20)
            except subprocess.TimeoutExpired:  # a worker stuck in its warm shutdown is not left behind
                worker.kill()
                worker.wait()
        self.redis.stop()
        self.postgres.stop()


# ---- load --------------------------------------------------------------------------------------


@dataclass
class Sent:
    user: str
    token: str
    wall: float  # time.time() when posted, to compare with the emulator's log
    answered: float  # time.time() when the answer came
    latency: float  # seconds to the 200 (open loop: from when it was due)
    status: int
    late: float = 0.0  # open loop: seconds the client started after the event was due


def drive(tokens, url: str, users: list[str], per_user: int, clients: int,
          rate: float | None) -> tuple[list[Sent], float]:
    """Post per_user text events for each user, one event per request, round-robin over users.

    Closed loop (rate None): `clients` threads send back to back. Open loop: event i is due at
    start + i/rate and its latency counts from then. Returns the sends and the first send (wall).
    """
    plan = [(user, k) for k in range(per_user) for user in users]
    sent: list[Sent | None] = [None] * len(plan)
    counter = itertools.count()
    start = time.perf_counter() + 0.05
    wall_start = time.time() + (start - time.perf_counter())

    def client() -> None:
        driver = LineDriver(tokens, url)
        while (i := next(counter)) < len(plan):
            user, k = plan[i]
            due = start + i / rate if rate else None
            if due is not None and (wait := due - time.perf_counter()) > 0:
                time.sleep(wait)
            event = driver.text(user, f"ขอความช่วยเหลือ ครั้งที่ {k + 1}")
            wall, began = time.time(), time.perf_counter()
            try:
                status = driver.send(event).status_code
            except requests.RequestException:
                status = -1
            finished = time.perf_counter()
            sent[i] = Sent(user, event["replyToken"], wall, wall + finished - began, finished - (due or began),
                           status, began - due if due is not None else 0.0)

    threads = [threading.Thread(target=client, name=f"client-{n}") for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [s for s in sent if s is not None], wall_start


def scenario(line, server: Gunicorn, app: str, latency_ms: int, users: int, per_user: int,
             clients: int, rate: float | None) -> Result:
    line.set_latency(latency_ms)
    cpu_before, own_before, line_before = server.worker_cpu_seconds(), time.process_time(), line.cpu_seconds()
    ids = [Platform.new_user_id() for _ in range(users)]
    sends, first = drive(line.tokens, server.url + "/callback", ids, per_user, clients, rate)
    arrived = line.wait_for_replies(ids, per_user, REPLY_DEADLINE)
    cpu, own = server.worker_cpu_seconds() - cpu_before, time.process_time() - own_before
    line_cpu = line.cpu_seconds() - line_before
    line.set_latency(0)

    ok = [s for s in sends if s.status == 200]
    latencies = sorted(s.latency * 1000 for s in ok)
    delivered = line.delivered(ids)
    replies, pushes = reply_times(line.calls(), set(ids), {s.token for s in sends})
    deadline = time.monotonic() + 5
    while len(replies) + len(pushes) < delivered and time.monotonic() < deadline:
        time.sleep(0.05)  # a call is logged just after its delivery is recorded
        replies, pushes = reply_times(line.calls(), set(ids), {s.token for s in sends})
    in_minute = sum(1 for s in ok if s.token in replies and replies[s.token] - s.wall < TOKEN_MINUTE)
    last_reply = max([*replies.values(), *pushes], default=None)
    send_seconds = max(s.answered for s in sends) - first
    all_replies = last_reply - first if arrived and last_reply else None
    return Result(
        app=app, latency_ms=latency_ms, mode="closed" if rate is None else f"open {rate:g}/s",
        events=len(sends), accepted=len(ok), errors=len(sends) - len(ok), send_seconds=round(send_seconds, 2),
        events_per_second=round(len(ok) / send_seconds, 1),
        p50_ms=round(percentile(latencies, 50), 1), p99_ms=round(percentile(latencies, 99), 1),
        all_replies_seconds=round(all_replies, 2) if all_replies else None,
        end_to_end_per_second=round(len(sends) / all_replies, 1) if all_replies else None,
        replies_expected=len(sends), replies_delivered=delivered, replies_in_token_minute=in_minute,
        pushes=len(pushes), offered_rate=rate,
        client_late_p99_ms=round(percentile(sorted(s.late * 1000 for s in sends), 99), 1),
        server_cpu_ms_per_event=round(cpu * 1000 / len(sends), 2),
        bench_cpu_ms_per_event=round(own * 1000 / len(sends), 2),
        emulator_cpu_ms_per_event=round(line_cpu * 1000 / len(sends), 2),
        load_average=round(os.getloadavg()[0], 1),
    )


def reply_times(calls: list[dict], users: set[str], tokens: set[str]) -> tuple[dict[str, float], list[float]]:
    """When each reply (by token) and each push to these users was answered 200."""
    replies, pushes = {}, []
    for call in calls:
        if call["status"] != 200:
            continue
        if call["path"] == REPLY_PATH and call["replyToken"] in tokens:
            replies[call["replyToken"]] = call["time"]
        elif call["path"] != REPLY_PATH and call["to"] in users:
            pushes.append(call["time"])  # a fallback push: the token was refused or too old
    return replies, pushes


def warm_up(line, url: str) -> None:
    """Let the worker import, connect and fill its pools before anything is measured."""
    ids = [Platform.new_user_id() for _ in range(20)]
    drive(line.tokens, url, ids, 5, 10, None)
    if not line.wait_for_replies(ids, 5, 30):
        raise RuntimeError(f"warm-up replies from {url} did not arrive")


# ---- report ------------------------------------------------------------------------------------


def table(results: list[Result]) -> str:
    head = (f"{'scenario':<22} {'events':>6} {'ev/s':>6} {'p50 ms':>7} {'p99 ms':>7} {'replies s':>9} "
            f"{'e2e ev/s':>8} {'replies':>11} {'in 60 s':>7} {'cpu ms/ev':>9} {'bot/echo':>8}")
    lines = [head, "-" * len(head)]
    for r in results:
        replies = f"{r.replies_delivered}/{r.replies_expected}"
        until = f"{r.all_replies_seconds:.2f}" if r.all_replies_seconds is not None else "MISSING"
        e2e = f"{r.end_to_end_per_second:.1f}" if r.end_to_end_per_second is not None else "-"
        ratio = f"{r.ratio_to_echo:.2f}" if r.ratio_to_echo is not None else ""
        lines.append(f"{r.name:<22} {r.events:>6} {r.events_per_second:>6.1f} {r.p50_ms:>7.1f} {r.p99_ms:>7.1f} "
                     f"{until:>9} {e2e:>8} {replies:>11} {r.replies_in_token_minute:>7} "
                     f"{r.server_cpu_ms_per_event:>9.2f} {ratio:>8}")
    return "\n".join(lines)


def verdicts(results: list[Result]) -> list[tuple[bool, str]]:
    def find(app: str, latency: int, mode_prefix: str) -> Result | None:
        return next((r for r in results if r.app == app and r.latency_ms == latency
                     and r.mode.startswith(mode_prefix)), None)

    checks = []
    bot0, echo0 = find("bot", 0, "closed"), find("echo", 0, "closed")
    if bot0 and echo0:
        ratio = bot0.events_per_second / echo0.events_per_second
        checks.append((ratio >= MIN_RATIO_AT_0_MS,
                       f"0 ms: bot accepts {bot0.events_per_second:.1f} ev/s, {ratio:.2f}x echo's "
                       f"{echo0.events_per_second:.0f} (target >= {MIN_RATIO_AT_0_MS}x)"))
    if bot0:
        checks.append((bot0.errors == 0 and bot0.replies_in_token_minute == bot0.events,
                       f"0 ms: {bot0.replies_in_token_minute}/{bot0.events} replies within the token's minute"))
    for mode in ("open", "closed"):
        bot = find("bot", 100, mode)
        if not bot:
            continue
        checks.append((bot.events_per_second >= MIN_RATE_AT_100_MS,
                       f"100 ms {bot.mode}: bot accepts {bot.events_per_second:.1f} ev/s "
                       f"(target >= {MIN_RATE_AT_100_MS:.0f})"))
        if mode == "open" and (bot.offered_rate or 0) >= MIN_RATE_AT_100_MS:
            # The p99 target holds at a given load: the paced run offers it. The closed loop sends as fast
            # as answers come back, so its latency is only its clients divided by its throughput.
            checks.append((bot.p99_ms < MAX_P99_MS_AT_100_MS,
                           f"100 ms {bot.mode}: bot p99 to the 200 {bot.p99_ms:.1f} ms "
                           f"(target < {MAX_P99_MS_AT_100_MS:.0f})"))
        all_in_time = bot.errors == 0 and bot.replies_in_token_minute == bot.events == bot.replies_delivered
        checks.append((all_in_time,
                       f"100 ms {bot.mode}: {bot.replies_in_token_minute}/{bot.events} replies through the "
                       f"reply token within its minute ({bot.pushes} pushes, {bot.errors} non-200)"))
        e2e = bot.end_to_end_per_second or 0.0
        checks.append((e2e >= MIN_RATE_AT_100_MS,
                       f"100 ms {bot.mode}: sustained, i.e. replies keep pace: {e2e:.0f} ev/s from first send "
                       f"to last reply (target >= {MIN_RATE_AT_100_MS:.0f})"))
    return checks


# ---- main --------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.webhook", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run of a few hundred events per scenario")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--per-user", type=int, default=15, help="events per user per scenario")
    parser.add_argument("--workers", type=int, default=1, help="gunicorn --workers, the same for both apps")
    parser.add_argument("--threads", type=int, default=32, help="gunicorn --threads, the same for both apps")
    parser.add_argument("--clients", type=int, default=32, help="client threads in the closed loop")
    parser.add_argument("--rate", type=float, default=350.0, help="offered events/s in the open loop at 100 ms")
    # One event thread: SQLite runs one transaction at a time, so more event threads add no
    # throughput, only GIL contention that slows the answers to LINE. 32 delivery threads carry
    # 320 LINE calls/s at 100 ms.
    parser.add_argument("--event-threads", type=int, default=1, help="bot EVENT_THREADS")
    parser.add_argument("--delivery-threads", type=int, default=32, help="bot DELIVERY_THREADS")
    parser.add_argument("--apps", default="echo,bot", help="comma-separated subset of echo,bot")
    parser.add_argument("--deployment", choices=("embedded", "servers"), default="embedded",
                        help="the bot on the embedded defaults (SQLite, threads in its process), or over "
                             "PostgreSQL and Redis with --rq-workers RQ workers (server CPU then counts them all)")
    parser.add_argument("--rq-workers", type=int, default=2, help="RQ workers in the servers deployment")
    parser.add_argument("--emulator", choices=("process", "thread"), default="process",
                        help="run the LINE emulator in its own process or in a thread of this one")
    parser.add_argument("--serve-emulator", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_emulator:
        serve_emulator(args.serve_emulator)
        return 0
    if args.quick:
        args.users, args.per_user = 50, 6
    apps = [name.strip() for name in args.apps.split(",") if name.strip()]
    open_clients = max(args.clients, int(args.rate * 0.2))  # enough to keep pace when answers take 200 ms

    began = time.monotonic()
    line = ProcessLine() if args.emulator == "process" else ThreadLine()
    results: list[Result] = []
    workdir = Path(tempfile.mkdtemp(prefix="bench-webhook-"))
    deployment = ("embedded" if args.deployment == "embedded"
                  else f"PostgreSQL + Redis + {args.rq_workers} RQ workers")
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; gunicorn {args.workers} worker(s), "
          f"gthread, --threads {args.threads}; bot {deployment}, EVENT_THREADS={args.event_threads} "
          f"DELIVERY_THREADS={args.delivery_threads}; {args.users} users x {args.per_user} events per scenario; "
          f"{args.clients} closed-loop clients, {open_clients} open-loop clients at {args.rate:g}/s; "
          f"emulator: {line.placement}", flush=True)
    servers = None
    try:
        for app in apps:
            if app == "bot" and args.deployment == "servers":
                servers = Servers(line.url, args.rq_workers, args.event_threads, args.delivery_threads)
                server = Gunicorn("wsgi:app", servers.env, args.workers, args.threads, workdir / "bot.log")
                server.beside = servers.pids
            elif app == "bot":
                env = bot_env(line.url, f"sqlite:///{workdir / 'bot.sqlite3'}", args.event_threads,
                              args.delivery_threads)
                server = Gunicorn("wsgi:app", env, args.workers, args.threads, workdir / "bot.log")
            else:
                env = base_env(line.url) | {"ECHO_POOL_SIZE": str(args.threads)}
                server = Gunicorn("bench.echo_app:app", env, args.workers, args.threads, workdir / "echo.log")
            try:
                server.wait_ready(LineDriver(line.tokens, server.url + "/callback"))
                warm_up(line, server.url + "/callback")
                for latency, rate in ((0, None), (100, None), (100, args.rate)):
                    clients = args.clients if rate is None else open_clients
                    r = scenario(line, server, app, latency, args.users, args.per_user, clients, rate)
                    results.append(r)
                    print(f"  {r.name}: {r.events_per_second:.0f} ev/s, p99 {r.p99_ms:.0f} ms, replies "
                          f"{r.replies_delivered}/{r.replies_expected}; CPU ms/event: server "
                          f"{r.server_cpu_ms_per_event}, bench {r.bench_cpu_ms_per_event}, emulator "
                          f"{r.emulator_cpu_ms_per_event}; client late p99 "
                          f"{r.client_late_p99_ms} ms; load {r.load_average}", flush=True)
            except BaseException:  # also Ctrl-C: never leave a gunicorn behind
                server.stop()
                print(f"--- last lines of {server.log_path.name} ---\n{server.log_tail()}", file=sys.stderr)
                raise
            server.stop()
    finally:
        line.close()
        if servers:
            servers.stop()
        shutil.rmtree(workdir, ignore_errors=True)

    for r in results:
        echo = next((e for e in results if e.app == "echo" and e.latency_ms == r.latency_ms and e.mode == r.mode),
                    None)
        if r.app == "bot" and echo:
            r.ratio_to_echo = round(r.events_per_second / echo.events_per_second, 2)
    print()
    print(table(results))
    print()
    checks = verdicts(results)
    for passed, text in checks:
        print(f"{'PASS' if passed else 'FAIL'}  {text}")
    print(f"\n{time.monotonic() - began:.0f} s in all; load average now {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} CPUs (other processes on the machine slow both apps)")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({
            "settings": {"threads": args.threads, "clients": args.clients, "open_loop_clients": open_clients,
                         "rate": args.rate, "users": args.users, "per_user": args.per_user,
                         "event_threads": args.event_threads, "delivery_threads": args.delivery_threads,
                         "cpus": os.cpu_count(), "emulator": line.placement, "workers": args.workers,
                         "deployment": deployment},
            "results": [asdict(r) for r in results],
            "checks": [{"passed": passed, "check": text} for passed, text in checks],
        }, indent=2, ensure_ascii=False))
    return 0 if all(passed for passed, _ in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
