"""Pacing of pushed messages under LINE's rate limits: a token bucket per endpoint, shared by every process.

LINE admits at most LINE_PUSH_PER_SECOND push calls and LINE_MULTICAST_PER_SECOND multicast calls a second per
channel, whoever makes them, and answers 429 past that. So the bucket lives in Redis (the in-process stand-in when
there is no REDIS_URL, which is then shared by the one process's threads), and one Lua script takes a token
atomically: it keeps the moment the next call may go (GCRA), reads the time from Redis (one clock for all the
processes) and answers how long the caller must wait. The wait is a reservation, so a caller sleeps once and goes.

A bucket admits a burst of a tenth of the limit and then 90% of it a second: any window of one second holds at
most the limit, with room for calls that reach LINE out of step with their tokens. A 429 that still happens is
retried by the gateway like any other.
"""

import logging
import time
from collections.abc import Callable

from redis import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

BURST_SHARE = 0.1  # of the limit, taken at once
RATE_SHARE = 1 - BURST_SHARE  # of the limit, a second after the burst
KEY_PREFIX = "pace:"

# KEYS[1]: the bucket. ARGV: seconds between two calls, seconds of burst. Returns microseconds to wait.
_TAKE = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000000 + tonumber(now_parts[2])
local interval = tonumber(ARGV[1]) * 1000000
local burst = tonumber(ARGV[2]) * 1000000
local next_free = tonumber(redis.call('GET', KEYS[1]) or now)
if next_free < now then next_free = now end
local wait = next_free - burst - now
if wait < 0 then wait = 0 end
local after = next_free + interval
redis.call('SET', KEYS[1], string.format('%d', after), 'PX', math.ceil((after - now) / 1000) + 1000)
return math.floor(wait)
"""


class Pacer:
    """Token buckets by endpoint ("push", "multicast"), each at `limits[endpoint]` calls a second."""

    def __init__(self, redis: Redis, limits: dict[str, int], sleep: Callable[[float], None] = time.sleep):
        self._take = redis.register_script(_TAKE)
        self._limits = limits
        self._sleep = sleep

    def wait(self, endpoint: str) -> float:
        """Block until a call to `endpoint` may go; the seconds waited. If Redis can't be asked the call goes
        unpaced (LINE's 429 and the gateway's retries are the fallback), and that is logged."""
        limit = self._limits.get(endpoint)
        if not limit:
            return 0.0
        interval = 1 / (limit * RATE_SHARE)
        burst = max(limit * BURST_SHARE - 1, 0) * interval
        try:
            seconds = int(self._take(keys=[KEY_PREFIX + endpoint], args=[repr(interval), repr(burst)])) / 1e6
        except RedisError as error:
            log.warning("pacing %s calls: Redis not reachable (%s); calling unpaced", endpoint, error)
            return 0.0
        if seconds:
            self._sleep(seconds)
        return seconds
