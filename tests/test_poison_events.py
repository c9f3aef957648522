"""An event that can't be handled never blocks its sender: failures caused by the event's data fail it
at once, transient ones are tried a bounded number of times; the person is told, their later messages
are answered, and neither logs nor the inbox keep what they typed."""

import logging
from datetime import timedelta

import psycopg
import pytest
from sqlalchemy import create_engine, select, text, update
from sqlalchemy.exc import DataError, DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from bot import inbox
from bot.errors import is_transient
from bot.recovery import sweep
from core.i18n import gettext
from domain.step1_survey import households
from emulator import LineDriver
from models import InboxEvent, Staff, db, utcnow
from tests.helpers import SECRET, LiveServer, add_staff, add_villages, settle

SORRY = gettext("Sorry, the system could not process that message. Please try again.", "th")
NOT_AVAILABLE = "รหัสเชิญ"  # a stranger is asked for an invitation code
NATIONAL_ID = "3100600445635"


def texts(deliveries) -> list[str]:
    return [m["text"] for d in deliveries for m in d.messages if m["type"] == "text"]


def stored_events(app) -> list[InboxEvent]:
    with app.app_context():
        return db.session.scalars(select(InboxEvent).order_by(InboxEvent.id)).all()


REFUSED_PREFIX = "POISON"
REFUSE = {
    "postgresql": [
        "CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF NEW.status = 'done' AND left(NEW.webhook_event_id, 6) = '{REFUSED_PREFIX}' THEN "
        "RAISE EXCEPTION 'refused' USING ERRCODE = '22023'; END IF; RETURN NEW; END $$",
        "CREATE TRIGGER refuse_poison BEFORE INSERT OR UPDATE ON inbox_events "
        "FOR EACH ROW EXECUTE FUNCTION refuse_poison()",
    ],
    "sqlite": [
        f"CREATE TRIGGER refuse_poison_{operation} BEFORE {operation} ON inbox_events FOR EACH ROW "
        f"WHEN NEW.status = 'done' AND substr(NEW.webhook_event_id, 1, 6) = '{REFUSED_PREFIX}' "
        "BEGIN SELECT RAISE(ABORT, 'refused'); END"
        for operation in ("INSERT", "UPDATE")
    ],
}
ALLOW = {"postgresql": ["DROP TRIGGER refuse_poison ON inbox_events", "DROP FUNCTION refuse_poison()"],
         "sqlite": []}  # each SQLite test has its own file


@pytest.fixture
def refusing_database(app):
    """The database refuses to mark done an event whose webhookEventId starts with POISON, as it refuses
    a value it cannot store: a failure the event itself causes, in every process (RQ workers too)."""
    def run(statements):
        with app.app_context():
            for statement in statements:
                db.session.execute(text(statement))
            db.session.commit()

    with app.app_context():
        dialect = db.engine.dialect.name
    run(REFUSE[dialect])
    yield
    run(ALLOW[dialect])


def poisoned(event: dict) -> dict:
    return event | {"webhookEventId": REFUSED_PREFIX + event["webhookEventId"]}


def test_an_event_its_data_makes_fail_is_failed_once_and_its_sender_is_answered(app, line, platform,
                                                                                  refusing_database):
    user = platform.add_user(platform.new_user_id())["userId"]
    assert line.send(poisoned(line.text(user, NATIONAL_ID))).status_code == 200  # not 503: no redelivery
    [apology] = platform.wait_for_messages(user, 1)
    assert texts([apology]) == [SORRY]
    assert line.send(line.text(user, "เมนู")).status_code == 200
    later = platform.wait_for_messages(user, 2)[1]
    assert NOT_AVAILABLE in " ".join(texts([later]))
    settle(app)
    failed, done = stored_events(app)
    assert (failed.status, done.status) == ("failed", "done")
    assert failed.attempts == 1  # tried once in the background, after failing on arrival
    assert "bot/inbox.py" in failed.error and ("SQLSTATE 22023" in failed.error or "SQLITE_CONSTRAINT" in failed.error)
    assert NATIONAL_ID not in str(failed.payload) and NATIONAL_ID not in failed.error


def test_a_group_chats_event_that_fails_gets_no_apology_in_the_group(app, line, platform, refusing_database):
    """In a group the bot says nothing but its farewell: a failed event is not answered there."""
    user = platform.add_user(platform.new_user_id())["userId"]
    group = platform.new_group_id()
    assert line.send(poisoned(line.in_group(line.text(user, "สวัสดี"), group))).status_code == 200
    settle(app)
    assert [event.status for event in stored_events(app)] == ["failed"]
    assert platform.received(group) == [] and platform.received(user) == []


def test_a_failure_quoting_what_was_typed_leaves_it_out_of_logs_and_the_inbox(embedded_app, platform, monkeypatch,
                                                                             caplog):
    """Database errors carry the statement's parameters and often the value itself in their message."""
    typed = "ทองใบ 3100600445635"

    def handle(event, fetched):
        value = event.message.text
        raise DataError("SELECT CAST(%(typed)s AS INTEGER)", {"typed": value},
                        psycopg.DataError(f'invalid input syntax for type integer: "{value}"'))

    monkeypatch.setattr(inbox, "handle", handle)
    server = LiveServer(embedded_app)
    try:
        line = LineDriver(platform, server.url + "/callback", SECRET)
        user = platform.add_user(platform.new_user_id())["userId"]
        with caplog.at_level(logging.DEBUG):
            assert line.send(line.text(user, typed)).status_code == 200
            [apology] = platform.wait_for_messages(user, 1)
            settle(embedded_app)
    finally:
        server.stop()
    assert texts([apology]) == [SORRY]
    [event] = stored_events(embedded_app)
    assert event.status == "failed" and event.error.startswith("DataError (psycopg.DataError)")
    assert event.webhook_event_id in caplog.text  # the failure is logged, by its event id
    for kept in (caplog.text, event.error, str(event.payload)):
        assert "ทองใบ" not in kept and "3100600445635" not in kept


def test_a_transient_failure_that_keeps_coming_back_fails_the_event_after_a_few_tries(embedded_app, platform,
                                                                                      monkeypatch):
    """A lock timeout on every try is really the event's own doing: after `ATTEMPTS` tries it fails,
    and the messages its sender sent meanwhile, which waited behind it, are answered in order."""
    from bot import events

    def handle(event, fetched):
        if getattr(getattr(event, "message", None), "text", "") == "ติดขัด":
            raise PoolTimeout("waited too long for the database")
        return events.handle(event, fetched)

    monkeypatch.setattr(inbox, "handle", handle)
    server = LiveServer(embedded_app)
    try:
        line = LineDriver(platform, server.url + "/callback", SECRET)
        user = platform.add_user(platform.new_user_id())["userId"]
        for message in ("ติดขัด", "เมนู"):
            assert line.send(line.text(user, message)).status_code == 200
        settle(embedded_app)
        assert platform.received(user) == []  # "เมนู" waits behind the event being retried
        sweeps = 0
        while stored_events(embedded_app)[0].status == "pending":
            assert sweeps < inbox.ATTEMPTS, "the event is tried again and again"
            with embedded_app.app_context():  # the sweeper's turn comes: the events are old enough
                db.session.execute(update(InboxEvent).values(received_at=utcnow() - timedelta(minutes=1)))
                db.session.commit()
                sweep()
            settle(embedded_app)
            sweeps += 1
        apology, later = platform.wait_for_messages(user, 2)
    finally:
        server.stop()
    assert texts([apology]) == [SORRY] and NOT_AVAILABLE in " ".join(texts([later]))
    stuck, menu = stored_events(embedded_app)
    assert (stuck.status, stuck.attempts, menu.status) == ("failed", inbox.ATTEMPTS, "done")
    assert stuck.error.startswith("TimeoutError")


def test_lock_conflicts_are_transient_and_errors_caused_by_data_are_not(app):
    with app.app_context():
        add_villages({"30060101": (1, "บ้านจักราช")})
        add_staff("U" + "0" * 32, "volunteer", "30060101")
        db.session.commit()
        viewer = db.session.scalars(select(Staff)).one()
        with pytest.raises(DBAPIError) as nul_in_search:  # the name search as typed, NUL included
            households.search(viewer, "ศรี\x00x")
        db.session.rollback()
        assert not is_transient(nul_in_search.value)
        url, dialect = db.engine.url, db.engine.dialect.name

    # One connection takes the write lock; another, told not to wait, finds it taken.
    engines = [create_engine(url), create_engine(url, connect_args={"timeout": 0} if dialect == "sqlite" else {})]
    holder, waiter = (engine.connect() for engine in engines)
    try:
        if dialect == "sqlite":
            holder.exec_driver_sql("BEGIN IMMEDIATE")
            take_lock = "BEGIN IMMEDIATE"
        else:
            holder.exec_driver_sql("LOCK TABLE line_users IN EXCLUSIVE MODE")
            waiter.exec_driver_sql("SET lock_timeout = '1ms'")
            take_lock = "LOCK TABLE line_users IN EXCLUSIVE MODE"
        with pytest.raises(DBAPIError) as locked:
            waiter.exec_driver_sql(take_lock)
        assert is_transient(locked.value)
    finally:
        waiter.close()
        holder.close()
        for engine in engines:
            engine.dispose()
