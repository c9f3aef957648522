"""Which failures are worth trying again, and how to name a failure without what the person typed.

An event is tried again only when the failure came from the infrastructure: the database or Redis
unreachable, a connection lost, a lock or serialization conflict, SQLite busy. Anything else
(a value the database refuses, a constraint, a bug) fails the same way every time, so trying
again would only hold up the person's later messages. The kind is read from the driver's error
code, not from the exception class: PostgreSQL drivers and SQLite raise "OperationalError" for
data problems too (SQLite's "unterminated string" from a search pattern, for example).

A failure is logged and stored by `describe`: its class, its SQLSTATE or SQLite code and the line
of the project's code it came from. Never its message: a database error's text carries the SQL
and its parameters, and an error built from a value quotes that value, which may be a national ID.
"""

import traceback
from pathlib import Path

import redis
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# PostgreSQL SQLSTATE classes and codes that say "try again later", whatever the data:
# 08 connection exception, 53 insufficient resources (too many connections, disk full).
TRANSIENT_SQLSTATE_CLASSES = frozenset({"08", "53"})
TRANSIENT_SQLSTATES = frozenset({
    "40001",  # serialization failure
    "40P01",  # deadlock detected
    "55P03",  # lock not available (lock_timeout)
    "57014",  # query canceled (statement_timeout)
    "57P01", "57P02", "57P03",  # admin shutdown, crash shutdown, cannot connect now
})
# SQLite primary result codes: another connection holds the lock.
SQLITE_BUSY, SQLITE_LOCKED = 5, 6
# On SQLite the app has one connection (bot.sqlite): waiting too long for it is "database is locked" too.
INFRASTRUCTURE = (PoolTimeout, redis.ConnectionError, redis.TimeoutError)


def is_transient(exc: BaseException) -> bool:
    """Whether the same work may succeed if tried again later."""
    if isinstance(exc, INFRASTRUCTURE):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    sqlite_code = getattr(exc.orig, "sqlite_errorcode", None)
    if sqlite_code is not None:
        return sqlite_code & 0xFF in (SQLITE_BUSY, SQLITE_LOCKED)
    state = getattr(exc.orig, "sqlstate", None)
    if state is None:
        # Raised by the driver itself, not the server: an OperationalError there is a connection
        # that failed or broke; anything else (psycopg's "cannot contain NUL") is about the data.
        return isinstance(exc, OperationalError)
    return state[:2] in TRANSIENT_SQLSTATE_CLASSES or state in TRANSIENT_SQLSTATES


def describe(exc: BaseException) -> str:
    """A failure as logs and the inbox keep it, e.g.
    "DataError (psycopg.DataError, SQLSTATE 22021) at domain/step1_survey/households.py:121 in search"."""
    kind = type(exc).__name__
    codes = []
    orig = getattr(exc, "orig", None)
    if orig is not None:
        codes.append(f"{type(orig).__module__}.{type(orig).__qualname__}")
        if getattr(orig, "sqlstate", None):
            codes.append(f"SQLSTATE {orig.sqlstate}")
        if getattr(orig, "sqlite_errorname", None):
            codes.append(orig.sqlite_errorname)
    if codes:
        kind += f" ({', '.join(codes)})"
    place = _project_frame(exc)
    return f"{kind} at {place}" if place else kind


def _project_frame(exc: BaseException) -> str | None:
    """The innermost line of this project's own code the failure passed through."""
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        path = Path(frame.filename)
        if path.is_relative_to(PROJECT_ROOT) and "site-packages" not in path.parts:
            return f"{path.relative_to(PROJECT_ROOT)}:{frame.lineno} in {frame.name}"
    return None
