"""The PostgreSQL connection as the app uses it: statements sent as written, planned for data in memory or on SSD.

Statements sent as written. SQLAlchemy renders parameters in PostgreSQL's own `$1` form and psycopg's raw cursors
pass them on untouched. With psycopg's default `%(name)s` form, psycopg parses every statement again with a regular
expression before sending it, and caches the result only for short ones: a batch's many-row INSERT (hundreds of rows
of check-ins or audit entries, thousands of parameters) was parsed anew each time. Measured with `bench.checkin`
(10,000 households, 500 check-ins a transaction): 1.41, 1.31 and 1.15 ms of CPU a check-in over three periods
before, 1.00, 0.91 and 0.82 after. Server-side cursors (`yield_per`) are raw ones too.

Planned for SSD. PostgreSQL's default `random_page_cost` (4, for spinning disks) makes an index probe look four
times dearer than it is on the servers the bot runs on, so for an area's report the planner hashed the whole
nation's check-ins rather than probe its own households' (`domain.step5_report.counting`). 1.1 is the value
PostgreSQL's own documentation suggests for SSDs. Measured with `bench.report`'s data at 300,000 households: a
province's live view 0.70 s at 4, 0.47 s at 1.1; the nation's count 10.8 s at 4, 9.0 s at 1.1. Set on each
connection, so the app plans the same on any server.
"""

import psycopg
from sqlalchemy import Engine, event

ENGINE_OPTIONS = {"paramstyle": "numeric_dollar",
                  "connect_args": {"options": "-c random_page_cost=1.1", "cursor_factory": psycopg.RawCursor}}


def tune(engine: Engine) -> None:
    """Make each new connection's server-side cursors raw too (psycopg takes no such argument at connect)."""

    @event.listens_for(engine, "connect")
    def _raw_server_cursors(connection, _record) -> None:
        connection.server_cursor_factory = psycopg.RawServerCursor
