"""Real Redis and PostgreSQL servers for the test suite, on 127.0.0.1, when their binaries exist.

pytest-postgresql runs initdb as the current user, which PostgreSQL refuses when that user is
root (as in CI); so these start both servers directly, dropping to the `postgres` account when
needed, in a temporary directory that goes away with the session.

No server outlives the run: `stop_process` asks, then kills after a timeout, and a server that fails to
come up is stopped before the error is raised. Where util-linux's setpriv exists (Linux), every
process started here also gets SIGTERM from the kernel when the process that started it dies,
as when pytest is killed by a CI time limit and no finalizer runs.
"""

import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

# Prefix of every command started here: the kernel sends SIGTERM when its parent dies.
_DIES_WITH_PARENT = ["setpriv", "--pdeathsig", "TERM", "--"] if shutil.which("setpriv") else []
# PostgreSQL refuses to run as root: drop to its own account when we are root.
_POSTGRES_ACCOUNT = "postgres" if os.geteuid() == 0 else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_port(port: int, process: subprocess.Popen, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port} after {timeout}s")


def redis_binary() -> str | None:
    return shutil.which("redis-server")


def postgres_bin_dir() -> Path | None:
    candidates = [shutil.which("pg_ctl")] + sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), reverse=True)
    for candidate in candidates:
        if candidate:
            return Path(os.path.realpath(candidate)).parent
    return None


def start_process(command: list[str], **options) -> subprocess.Popen:
    """Start a process that dies with this one, in a process group of its own (see `stop_process`).
    Its own session also keeps a Ctrl-C in the terminal from reaching it: pytest's finalizers stop it."""
    return subprocess.Popen(_DIES_WITH_PARENT + command, start_new_session=True, **options)


def stop_process(process: subprocess.Popen, timeout: float, sig: int = signal.SIGTERM) -> bool:
    """Send `sig`, wait up to `timeout` seconds, then kill the process and its group (a server's own
    children). Returns whether it stopped when asked; either way it is gone on return."""
    if process.poll() is not None:
        return True
    process.send_signal(sig)
    try:
        process.wait(timeout)
        return True
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        return False


class RedisServer:
    def __init__(self):
        self.port = free_port()
        self.process = start_process(
            [redis_binary(), "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.url = f"redis://127.0.0.1:{self.port}/0"
        try:
            _wait_for_port(self.port, self.process)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        stop_process(self.process, 10)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()


class PostgresServer:
    def __init__(self):
        bin_dir = postgres_bin_dir()
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="pgtest-"))
        self.process = None
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        try:
            data = self.dir / "data"
            if _POSTGRES_ACCOUNT:
                shutil.chown(self.dir, _POSTGRES_ACCOUNT, _POSTGRES_ACCOUNT)
            # A UTF-8 character classification, so that pg_trgm finds trigrams in Thai (under C it finds none).
            subprocess.run([str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
                            "-E", "UTF8", "--locale=C.UTF-8"],
                           user=_POSTGRES_ACCOUNT, cwd=self.dir, check=True, capture_output=True)
            self.process = start_process(
                [str(bin_dir / "postgres"), "-D", str(data), "-p", str(self.port), "-h", "127.0.0.1",
                 "-k", str(self.dir), "-c", "fsync=off", "-c", "synchronous_commit=off",
                 "-c", "full_page_writes=off", "-c", "max_connections=200"],
                user=_POSTGRES_ACCOUNT, cwd=self.dir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            _wait_for_port(self.port, self.process)
            self._wait_for_queries()
        except BaseException:
            self.stop()
            raise

    def _wait_for_queries(self, timeout: float = 30.0) -> None:
        """Listening is not ready: until its start-up ends the server refuses connections ("the database system is
        starting up")."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                psycopg.connect(self.url, connect_timeout=2).close()
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        """Fast shutdown (SIGINT: clients are disconnected, not waited for), then the data goes."""
        if self.process is not None:
            stop_process(self.process, 20, signal.SIGINT)
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()


def servers_available() -> bool:
    return bool(redis_binary() and postgres_bin_dir())
