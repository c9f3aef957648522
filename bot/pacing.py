"""Pacing of pushed messages under LINE's rate limits: a token bucket per endpoint, shared by every process.

LINE admits at most LINE_PUSH_PER_SECOND push calls and LINE_MULTICAST_PER_SECOND multicast calls a second per
channel, whoever makes them, and answers 429 past that. So with REDIS_URL set the bucket lives in Redis, and one Lua
script takes a token atomically: it keeps the moment the next call may go (GCRA), reads the time from Redis (one
clock for all the processes) and answers how long the caller must wait. The wait is a reservation, so a caller
sleeps once and goes. Without REDIS_URL one process makes every call, so the same GCRA runs in that process under a
lock (`LocalBucket`): the in-process Redis stand-in runs Lua in Python, and its script was 11% of the bot's CPU in
`bench.fanout`'s reminders on the 15th.

A bucket admits a burst of 5% of the limit and then 90% of it a second, so any window of one second holds at most
95% of the limit. The other 5% (50 ms of calls at the full rate) is room for calls that reach LINE later than
their tokens and bunch up with the next ones (a burst of a tenth, as before, left none). A 429 that still happens
is retried by the gateway like any other.

A process takes 5 ms of an endpoint's calls from the bucket at once (10 pushes at LINE's 2,000 a second; a single
multicast at 200) and hands them to its threads, each at its own moment. The script ran once per push, and on the
embedded Redis stand-in (which runs Lua in Python) took a third of the bot's CPU for a push: with `bench.fanout`'s
gateway alone, 0.75 ms of CPU a call before, 0.45 ms after. A moment reserved but not used within 5 ms lapses, so
reserved calls never bunch up by more than that.
"""

import logging
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from typing import Protocol

from flask import Flask
from redis import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

BURST_SHARE = 0.05  # of the limit, taken at once
RATE_SHARE = 0.9  # of the limit, a second after the burst
KEY_PREFIX = "pace:"
RESERVED_SECONDS = 0.005  # of an endpoint's calls, taken at once by a process

# KEYS[1]: the bucket. ARGV: seconds between two calls, seconds of burst, calls taken. Returns the microseconds until
# the first may go (negative: it could have gone that long ago; each next one goes a call's interval later).
_TAKE = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000000 + tonumber(now_parts[2])
local interval = tonumber(ARGV[1]) * 1000000
local burst = tonumber(ARGV[2]) * 1000000
local next_free = tonumber(redis.call('GET', KEYS[1]) or now)
if next_free < now then next_free = now end
local after = next_free + interval * tonumber(ARGV[3])
redis.call('SET', KEYS[1], string.format('%d', after), 'PX', math.ceil((after - now) / 1000) + 1000)
return math.floor(next_free - burst - now)
"""


class Bucket(Protocol):
    def take(self, endpoint: str, interval: float, burst: float, count: int) -> float:
        """Take `count` calls, `interval` seconds apart, `burst` seconds of them allowed at once. Returns the seconds
        until the first may go (negative: it could have gone that long ago)."""


class RedisBucket:
    """The buckets in Redis, shared by every process that calls LINE."""

    def __init__(self, redis: Redis):
        self._take = redis.register_script(_TAKE)

    def take(self, endpoint: str, interval: float, burst: float, count: int) -> float:
        return int(self._take(keys=[KEY_PREFIX + endpoint], args=[repr(interval), repr(burst), count])) / 1e6


class LocalBucket:
    """The buckets in this process, for when it is the only one calling LINE: `_TAKE` in Python."""

    def __init__(self):
        self._lock = threading.Lock()
        self._next_free: dict[str, float] = {}  # time.monotonic() when an endpoint's next call may go

    def take(self, endpoint: str, interval: float, burst: float, count: int) -> float:
        with self._lock:
            now = time.monotonic()
            next_free = max(self._next_free.get(endpoint, now), now)
            self._next_free[endpoint] = next_free + interval * count
            return next_free - burst - now


def bucket(app: Flask) -> Bucket:
    """The app's buckets, made once: in Redis when REDIS_URL is set, else in this process."""
    if "pacing_bucket" not in app.extensions:
        app.extensions["pacing_bucket"] = (RedisBucket(app.extensions["redis"]) if app.config["REDIS_URL"]
                                           else LocalBucket())
    return app.extensions["pacing_bucket"]


class Pacer:
    """Token buckets by endpoint ("push", "multicast"), each at `limits[endpoint]` calls a second."""

    def __init__(self, bucket: Bucket, limits: dict[str, int], sleep: Callable[[float], None] = time.sleep):
        self._bucket = bucket
        self._limits = limits
        self._sleep = sleep
        self._lock = threading.Lock()
        self._reserved: dict[str, deque[float]] = defaultdict(deque)  # moments (time.monotonic) calls may go

    def wait(self, endpoint: str) -> float:
        """Block until a call to `endpoint` may go; the seconds waited. If Redis can't be asked the call goes
        unpaced (LINE's 429 and the gateway's retries are the fallback), and that is logged."""
        limit = self._limits.get(endpoint)
        if not limit:
            return 0.0
        with self._lock:
            reserved = self._reserved[endpoint]
            while reserved and reserved[0] < time.monotonic() - RESERVED_SECONDS:
                reserved.popleft()  # lapsed
            if not reserved and not self._reserve(endpoint, limit, reserved):
                return 0.0
            moment = reserved.popleft()
        seconds = max(moment - time.monotonic(), 0.0)
        if seconds:
            self._sleep(seconds)
        return seconds

    def _reserve(self, endpoint: str, limit: int, reserved: deque[float]) -> bool:
        """Take the next calls from the shared bucket into `reserved`; False if Redis can't be asked."""
        interval = 1 / (limit * RATE_SHARE)
        burst = max(limit * BURST_SHARE - 1, 0) * interval
        count = max(1, round(limit * RESERVED_SECONDS))
        try:
            first = self._bucket.take(endpoint, interval, burst, count)
        except RedisError as error:
            log.warning("pacing %s calls: Redis not reachable (%s); calling unpaced", endpoint, error)
            return False
        now = time.monotonic()
        reserved.extend(now + max(first + k * interval, 0.0) for k in range(count))
        return True
