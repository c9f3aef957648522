"""`GET /healthz` for a load balancer and `GET /metrics` for Prometheus: no sign-in, no personal data.

`/healthz` answers 200 when the database (`SELECT 1`) and Redis (PING; the in-process stand-in of the
embedded mode always answers) can be reached, else 503 naming what can't. Both report the queue: pending
events and messages, counted in the database on the `status` indexes, and the age of the oldest pending
event. A few cheap queries, so they can be polled every few seconds.
"""

import logging
from dataclasses import asdict, dataclass

from flask import Blueprint, Response, jsonify
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import func, select, text

from bot import metrics
from bot.redis_store import get_redis
from models import InboxEvent, OutboxMessage, db, utcnow

log = logging.getLogger(__name__)
bp = Blueprint("health", __name__)


@dataclass(frozen=True)
class QueueDepth:
    pending_events: int
    pending_messages: int
    oldest_pending_event_seconds: float | None  # None: nothing pending


_PENDING_EVENTS = select(func.count(), func.min(InboxEvent.received_at)).where(InboxEvent.status == "pending")
_PENDING_MESSAGES = select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "pending")


def queue_depth() -> QueueDepth:
    events, oldest = db.session.execute(_PENDING_EVENTS).one()
    messages = db.session.scalar(_PENDING_MESSAGES)
    db.session.commit()
    age = round(max((utcnow() - oldest).total_seconds(), 0.0), 3) if oldest else None
    return QueueDepth(events, messages, age)


def _reachable(check) -> str | None:
    """None when `check()` works, else the failure's class (its message may name hosts or carry SQL)."""
    try:
        check()
        return None
    except Exception as exc:
        return exc.__class__.__name__


def _database() -> None:
    try:
        db.session.execute(text("SELECT 1"))
    finally:
        db.session.rollback()


@bp.get("/healthz")
def healthz():
    problems = {name: failure for name, failure in (("database", _reachable(_database)),
                                                    ("redis", _reachable(lambda: get_redis().ping())))
                if failure}
    body = {"status": "unavailable" if problems else "ok",
            "database": "unreachable" if "database" in problems else "ok",
            "redis": "unreachable" if "redis" in problems else "ok"}
    if problems:
        body["error"] = "; ".join(f"{name} unreachable ({failure})" for name, failure in problems.items())
        log.warning("health check: %s", body["error"])
    if "database" not in problems:
        body["queue"] = asdict(queue_depth())
    return jsonify(body), 503 if problems else 200


@bp.get("/metrics")
def metrics_page():
    """The counters even when the database is out of reach (then without the queue gauges)."""
    try:
        queue = asdict(queue_depth())
    except Exception as exc:
        db.session.rollback()
        log.warning("metrics without the queue figures: the database is unreachable (%s)", exc.__class__.__name__)
        queue = None
    return Response(metrics.exposition(queue), content_type=CONTENT_TYPE_LATEST)
