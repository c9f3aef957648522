"""Prometheus metrics: what `GET /metrics` exposes, and the one-line calls that count them.

- `events_received_total`: webhook events in bodies the webhook stored (a redelivered or repeated
  event counts again; the inbox keeps it once).
- `events_handled_total`, `events_failed_total`: events handled, and events given up on (`bot.inbox`).
- `event_handled_seconds`: time from an event's receipt to its being handled (for one handled inside
  its webhook request, the time that took).
- `outbox_sent_total{kind}`, `outbox_failed_total{kind}`: outbox rows sent, and failed for good, by kind
  (reply, push, multicast, leave_group, leave_room); a reply that went as a push counts as a reply.
- `outbox_delivered_seconds{kind}`: time from a row's being queued to its being sent.
- `line_api_calls_total{status}`: calls to LINE's API by its answer: "2xx", the error's status code, or
  "none" when no answer came (each retry is a call).
- `reminders_sent_total{kind}`: reminders queued by the reminder clock, by kind (`bot.reminder_clock`).
- `messages_pushed_total{kind}`: messages LINE accepted by push or multicast, one a recipient (what the monthly
  quota counts).
- `line_message_quota_left`: what LINE said was left of the month's message quota when last asked (a reminder tick
  asks; not set when the quota has no limit).
- `queue_pending_events`, `queue_pending_messages`, `queue_oldest_pending_event_seconds`: read from the
  database at each scrape (`bot.health.queue_depth`), so they are right whatever the number of processes.

The counters and histograms live in the process that counts. When `PROMETHEUS_MULTIPROC_DIR` is set
(set before the process starts, to a directory shared by the web processes and workers of a machine and
emptied at start), each process writes them there and a scrape of any web process adds them all up
(prometheus-client's multiprocess mode); otherwise one process does everything (the embedded mode) and
its own registry is exposed.
"""

import os

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily

# Seconds: from a few milliseconds (handled on arrival) to minutes (a backlog, LINE retries).
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900)

_RECEIVED = Counter("events_received", "Webhook events received and stored")
_HANDLED = Counter("events_handled", "Events handled")
_FAILED = Counter("events_failed", "Events that failed for good")
_HANDLED_AFTER = Histogram("event_handled_seconds", "Time from an event's receipt to its being handled",
                           buckets=BUCKETS)
_SENT = Counter("outbox_sent", "Outgoing messages sent, by kind", ["kind"])
_NOT_SENT = Counter("outbox_failed", "Outgoing messages that failed for good, by kind", ["kind"])
_DELIVERED_AFTER = Histogram("outbox_delivered_seconds", "Time from a message's being queued to its being sent",
                             ["kind"], buckets=BUCKETS)
_LINE_CALLS = Counter("line_api_calls", "Calls to LINE's Messaging API, by status of the answer", ["status"])
_REMINDERS = Counter("reminders_sent", "Reminders queued, by kind", ["kind"])
_PUSHED = Counter("messages_pushed", "Messages pushed or multicast, one a recipient", ["kind"])
_QUOTA_LEFT = Gauge("line_message_quota_left", "What was left of LINE's monthly message quota when last asked",
                    multiprocess_mode="mostrecent")


def events_received(count: int) -> None:
    _RECEIVED.inc(count)


def event_handled(seconds: float) -> None:
    _HANDLED.inc()
    _HANDLED_AFTER.observe(seconds)


def event_failed() -> None:
    _FAILED.inc()


def message_sent(kind: str, seconds: float) -> None:
    _SENT.labels(kind).inc()
    _DELIVERED_AFTER.labels(kind).observe(seconds)


def message_failed(kind: str) -> None:
    _NOT_SENT.labels(kind).inc()


def line_call(status: str) -> None:
    """One call to LINE: "2xx", the status code of an error, or "none" when no answer came."""
    _LINE_CALLS.labels(status).inc()


def reminders_sent(kind: str, count: int) -> None:
    _REMINDERS.labels(kind).inc(count)


def messages_pushed(kind: str, recipients: int) -> None:
    _PUSHED.labels(kind).inc(recipients)


def quota_left(messages: int) -> None:
    _QUOTA_LEFT.set(messages)


class _QueueDepth:
    """The queue gauges, from the figures read at this scrape (`bot.health.QueueDepth` as a dict)."""

    def __init__(self, figures: dict):
        self.figures = figures

    def collect(self):
        yield GaugeMetricFamily("queue_pending_events", "Events stored and not yet handled",
                                value=self.figures["pending_events"])
        yield GaugeMetricFamily("queue_pending_messages", "Outgoing messages not yet sent",
                                value=self.figures["pending_messages"])
        yield GaugeMetricFamily("queue_oldest_pending_event_seconds", "Age of the oldest pending event (0: none)",
                                value=self.figures["oldest_pending_event_seconds"] or 0.0)


class _ThisProcess:
    """The counters of this process (the embedded mode), with the default process and platform figures."""

    def collect(self):
        yield from REGISTRY.collect()


def exposition(queue: dict | None) -> bytes:
    """Every metric in Prometheus's text format; the queue gauges only when the figures could be read."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_ThisProcess())
    if queue is not None:
        registry.register(_QueueDepth(queue))
    return generate_latest(registry)
