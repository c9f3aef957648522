"""`bin/servers`: the production shape on one machine, from one command, stopped by Ctrl-C with nothing left."""

import contextlib
import os
import signal
import subprocess
from pathlib import Path

import pytest
import requests

from support import servers
from tests.helpers import wait_until

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT = 300.0  # a first run installs .venv; seeding the demo's households takes a while on a busy machine


def descendants(pid: int) -> set[int]:
    """Every live process under `pid` (PostgreSQL's own processes, gunicorn's workers), from /proc."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = set(), [pid]
    while todo:
        children = parents.get(todo.pop(), [])
        found.update(children)
        todo.extend(children)
    return found


def workers(pids: set[int]) -> set[int]:
    """The RQ workers among these processes."""
    found = set()
    for pid in pids:
        with contextlib.suppress(OSError):
            if Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[-3:-1] == [b"wsgi", b"worker"]:
                found.add(pid)
    return found


def alive(pid: int) -> bool:
    """Running, not a zombie (one not yet reaped holds no resources, and its parent is gone with the run)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


@pytest.mark.skipif(not servers.servers_available(), reason="redis-server or PostgreSQL not installed")
def register(emulator_port: int, identity: int) -> dict:
    """One click in the web chat's quick registration: follow, code, name, position, phone, confirm, each step
    answered through gunicorn, the RQ workers, PostgreSQL and the emulator."""
    return requests.post(f"http://127.0.0.1:{emulator_port}/webchat/api/demo", json={"identity": identity},
                         timeout=120).json()


def test_bin_servers_runs_the_production_shape_registers_users_restarts_a_killed_worker_and_stops_on_ctrl_c(
        tmp_path):
    port, emulator_port = servers.free_port(), servers.free_port()
    log = tmp_path / "servers.log"
    with log.open("w") as output:
        process = subprocess.Popen([str(ROOT / "bin" / "servers"), "--port", str(port), "--emulator-port",
                                    str(emulator_port)], cwd=ROOT, stdout=output, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    try:
        wait_until(lambda: "Ctrl-C stops them all." in log.read_text() or process.poll() is not None,
                   timeout=START_TIMEOUT, message="bin/servers did not come up")
        shown = log.read_text()
        assert process.poll() is None, shown[-3000:]
        assert f"Web chat: http://127.0.0.1:{emulator_port}/" in shown
        started = descendants(process.pid)
        assert len(started) >= 9  # Redis, PostgreSQL and its own, the emulator, gunicorn and 2 of its, 2 workers

        assert register(emulator_port, 0)["error"] is None
        health = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=10)
        assert health.status_code == 200 and health.json()["queue"]["pending_events"] == 0

        # A worker killed is started again, as systemd does; the next registration goes through.
        first, second = sorted(workers(started))
        os.kill(first, signal.SIGKILL)
        wait_until(lambda: len(workers(descendants(process.pid)) - {first}) == 2, timeout=60,
                   message="the killed worker was not started again")
        assert "exited with -9; starting it again" in log.read_text()
        assert register(emulator_port, 1)["error"] is None
        started |= descendants(process.pid)

        process.send_signal(signal.SIGINT)  # Ctrl-C
        assert process.wait(120) == 0
        left = sorted(pid for pid in started if alive(pid))
        assert not left, f"left running: {left}"
        assert "SIGINT: stopping" in log.read_text()
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
