"""Settings read from the environment, checked once at start-up.

A bad setting stops the app with one line that names it, instead of a stack trace
minutes later when the first event arrives.
"""

import os
import re
import zoneinfo
from dataclasses import dataclass, field, fields
from datetime import time
from pathlib import Path
from urllib.parse import urlparse

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from core.periods import REPORT_DAY_RANGE

INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"


KEY_MIN_LENGTH = 32


class ConfigError(Exception):
    """A setting is missing or malformed; the message names it."""


@dataclass
class Config:
    """Everything the app reads from the environment, with the embedded defaults."""

    LINE_CHANNEL_SECRET: str = ""
    LINE_CHANNEL_ACCESS_TOKEN: str = ""
    LINE_API_BASE: str | None = None
    # Secret keys, one per job and none derived from another setting: each is required, at least
    # KEY_MIN_LENGTH characters (bin/demo generates them). A new key is one more line like these.
    NATIONAL_ID_KEY: str = field(default="", metadata={"key": "keys the hashes national IDs are found by"})
    INVITE_KEY: str = field(default="", metadata={"key": "keys the hashes of invitation codes"})
    OUTBOX_KEY: str = field(default="", metadata={"key": "seals messages carrying a secret while they wait to be sent"})
    LINK_KEY: str = field(default="", metadata={"key": "signs the download links the chat gives"})
    # The national-ID key before the last rotation: IDs hashed with it are still found (and re-hashed when saved).
    NATIONAL_ID_KEY_PREVIOUS: str | None = None
    # LIFF: the LINE Login channel whose LIFF app shows pages with personal data, and that app.
    LINE_LOGIN_CHANNEL_ID: str = ""
    LIFF_ID: str = ""
    LIFF_SDK_URL: str = "https://static.line-scdn.net/liff/edge/2/sdk.js"
    # The report map's background tiles ({z}/{x}/{y}); empty: points on a plain background. Leaflet is served by
    # the app; only the tiles come from here, when the phone is online.
    MAP_TILES_URL: str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    MAP_TILES_ATTRIBUTION: str = "© OpenStreetMap"
    DATABASE_URL: str = f"sqlite:///{INSTANCE_DIR / 'bot.sqlite3'}"
    REDIS_URL: str | None = None
    BOT_TIMEZONE: str = "Asia/Bangkok"
    # Threads that handle events and deliver messages when no REDIS_URL (embedded mode).
    EVENT_THREADS: int = 4
    DELIVERY_THREADS: int = 32
    # Background sweeper that re-queues work left behind by a crash; seconds between runs.
    SWEEP_INTERVAL: float = 15.0
    # Retries of one LINE call inside one delivery attempt, and the first back-off in seconds.
    LINE_RETRIES: int = 4
    LINE_RETRY_BACKOFF: float = 0.5
    LINE_TIMEOUT: float = 10.0
    # LINE's rate limits, calls a second per channel, which all processes together stay under (bot.pacing).
    LINE_PUSH_PER_SECOND: int = 2000
    LINE_MULTICAST_PER_SECOND: int = 200
    # Where staff's phones reach this app (links to printable Family Folders); no trailing slash needed.
    PUBLIC_BASE_URL: str = "http://127.0.0.1:5000"
    # The จปฐ. income line (baht per person per year) by the survey years (B.E.) of its indicator set:
    # "2560-2564:38000", more sets after commas as they are published.
    POVERTY_LINES: str = "2560-2564:38000"
    # Days an unfinished conversation (and a photo sent in one) is kept untouched before it is deleted (bot.privacy).
    DRAFT_RETENTION_DAYS: int = 30
    # Households one caretaker may look after before an assignment needs a confirmation (the guideline: about 3).
    CARETAKER_MAX_HOUSEHOLDS: int = 5
    # Minutes a download link given in the chat (plans by agency) works after it is given.
    EXPORT_LINK_MINUTES: int = 10
    # How the processes log: "text" (a line a record) or "json" (a JSON object a line, for a log collector).
    LOG_FORMAT: str = "text"
    # The day of the month that ends a monthly period (core.periods): check-ins are due by the end of it.
    REPORT_DAY: int = 20
    # When caretakers are reminded of the households still to visit: days of the month and a local time,
    # "15,18,20@08:30"; more groups after semicolons ("15,18@08:30;20@07:30").
    REMINDER_SCHEDULE: str = "15,18,20@08:30"
    # When no reminder is pushed (local time, may wrap midnight); one due then goes at the end of them.
    QUIET_HOURS: str = "20:00-07:00"
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_env(cls, environ=os.environ) -> "Config":
        names = {f.name for f in fields(cls)} - {"extra"}
        values = {name: environ[name] for name in names if environ.get(name)}
        for name in ("EVENT_THREADS", "DELIVERY_THREADS", "LINE_RETRIES", "DRAFT_RETENTION_DAYS",
                     "CARETAKER_MAX_HOUSEHOLDS", "EXPORT_LINK_MINUTES", "REPORT_DAY", "LINE_PUSH_PER_SECOND",
                     "LINE_MULTICAST_PER_SECOND"):
            if name in values:
                values[name] = _number(name, values[name], int)
        for name in ("SWEEP_INTERVAL", "LINE_RETRY_BACKOFF", "LINE_TIMEOUT"):
            if name in values:
                values[name] = _number(name, values[name], float)
        return cls(**values)

    def validate(self) -> "Config":
        if not self.LINE_CHANNEL_SECRET:
            raise ConfigError("LINE_CHANNEL_SECRET is not set (the channel secret from the LINE console)")
        if not re.fullmatch(r"[0-9a-fA-F]{32}", self.LINE_CHANNEL_SECRET):
            raise ConfigError("LINE_CHANNEL_SECRET must be the 32 hexadecimal characters LINE shows")
        if not self.LINE_CHANNEL_ACCESS_TOKEN or any(c.isspace() for c in self.LINE_CHANNEL_ACCESS_TOKEN):
            raise ConfigError("LINE_CHANNEL_ACCESS_TOKEN is not set or contains spaces")
        for name in secret_keys():
            if not getattr(self, name):
                raise ConfigError(f"{name} is not set (a random secret of {KEY_MIN_LENGTH}+ characters; see README)")
        for name in (*secret_keys(), "NATIONAL_ID_KEY_PREVIOUS"):
            if getattr(self, name) is not None and len(getattr(self, name)) < KEY_MIN_LENGTH:
                raise ConfigError(f"{name} must be at least {KEY_MIN_LENGTH} characters")
        keys = [getattr(self, name) for name in secret_keys()]
        if len(set(keys)) < len(keys) or self.LINE_CHANNEL_SECRET in keys:
            raise ConfigError(f"{', '.join(secret_keys())} must differ from one another and from the channel secret")
        if not re.fullmatch(r"\d+", self.LINE_LOGIN_CHANNEL_ID):
            raise ConfigError("LINE_LOGIN_CHANNEL_ID is not set or not the channel ID (digits) of the LINE Login "
                              "channel")
        if not re.fullmatch(rf"{self.LINE_LOGIN_CHANNEL_ID}-\w+", self.LIFF_ID):
            raise ConfigError("LIFF_ID is not set or not a LIFF ID of the LINE Login channel (CHANNELID-xxxxxxxx)")
        if urlparse(self.LIFF_SDK_URL).scheme not in ("http", "https"):
            raise ConfigError("LIFF_SDK_URL must be an http(s) URL")
        if self.MAP_TILES_URL and (urlparse(self.MAP_TILES_URL).scheme != "https"
                                   or not all(part in self.MAP_TILES_URL for part in ("{z}", "{x}", "{y}"))):
            raise ConfigError("MAP_TILES_URL must be an https URL with {z}, {x} and {y}, or empty")
        if self.LINE_API_BASE is not None:
            base = urlparse(self.LINE_API_BASE)
            if base.scheme not in ("http", "https") or not base.netloc or self.LINE_API_BASE.endswith("/"):
                raise ConfigError("LINE_API_BASE must be an http(s) URL without a trailing slash")
        try:
            make_url(self.DATABASE_URL)
        except ArgumentError:
            raise ConfigError("DATABASE_URL is not a database URL (e.g. postgresql://user@host/db)") from None
        if self.REDIS_URL is not None and urlparse(self.REDIS_URL).scheme not in ("redis", "rediss", "unix"):
            raise ConfigError("REDIS_URL must start with redis://, rediss:// or unix://")
        if urlparse(self.PUBLIC_BASE_URL).scheme not in ("http", "https") or not urlparse(self.PUBLIC_BASE_URL).netloc:
            raise ConfigError("PUBLIC_BASE_URL must be an http(s) URL, e.g. https://bot.example.go.th")
        self.poverty_lines()
        if self.DRAFT_RETENTION_DAYS < 1:
            raise ConfigError("DRAFT_RETENTION_DAYS must be at least 1 (days)")
        _whole_in("CARETAKER_MAX_HOUSEHOLDS", self.CARETAKER_MAX_HOUSEHOLDS, 1, 100, "households")
        if self.EXPORT_LINK_MINUTES < 1:
            raise ConfigError("EXPORT_LINK_MINUTES must be at least 1 (minutes)")
        _whole_in("REPORT_DAY", self.REPORT_DAY, *REPORT_DAY_RANGE, "day of the month")
        _whole_in("LINE_PUSH_PER_SECOND", self.LINE_PUSH_PER_SECOND, 1, 100_000, "calls a second")
        _whole_in("LINE_MULTICAST_PER_SECOND", self.LINE_MULTICAST_PER_SECOND, 1, 100_000, "calls a second")
        self.reminder_schedule()
        self.quiet_hours()
        if self.LOG_FORMAT not in ("text", "json"):
            raise ConfigError("LOG_FORMAT must be text or json")
        try:
            zoneinfo.ZoneInfo(self.BOT_TIMEZONE)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"BOT_TIMEZONE {self.BOT_TIMEZONE!r} is not a time zone name") from None
        return self

    def poverty_lines(self) -> dict[int, int]:
        """POVERTY_LINES as {B.E. year: baht per person per year}."""
        lines = {}
        for part in filter(None, (p.strip() for p in self.POVERTY_LINES.split(","))):
            found = re.fullmatch(r"(25\d\d)(?:-(25\d\d))?:(\d{4,7})", part.replace(" ", ""))
            if not found or int(found[2] or found[1]) < int(found[1]):
                raise ConfigError(f"POVERTY_LINES: {part!r} is not FIRST-LAST:BAHT in Buddhist Era years, "
                                  "e.g. 2560-2564:38000")
            lines |= {year: int(found[3]) for year in range(int(found[1]), int(found[2] or found[1]) + 1)}
        return lines

    def reminder_schedule(self) -> dict[int, time]:
        """REMINDER_SCHEDULE as {day of the month: local time}."""
        schedule = {}
        for part in filter(None, (p.strip() for p in self.REMINDER_SCHEDULE.split(";"))):
            found = re.fullmatch(r"(\d{1,2}(?:,\d{1,2})*)@(\d{1,2}:\d{2})", part.replace(" ", ""))
            days = [int(day) for day in found[1].split(",")] if found else []
            at = _clock(found[2]) if found else None
            if at is None or any(not 1 <= day <= REPORT_DAY_RANGE[1] or day in schedule for day in days) \
                    or len(set(days)) < len(days):
                raise ConfigError(f"REMINDER_SCHEDULE: {part!r} is not DAYS@HH:MM with days from 1 to "
                                  f"{REPORT_DAY_RANGE[1]}, each once, e.g. 15,18,20@08:30")
            schedule |= dict.fromkeys(days, at)
        return schedule

    def quiet_hours(self) -> tuple[time, time]:
        """QUIET_HOURS as (start, end), local times; the end may be on the next day."""
        found = re.fullmatch(r"(\d{1,2}:\d{2})-(\d{1,2}:\d{2})", self.QUIET_HOURS.replace(" ", ""))
        start, end = (_clock(found[1]), _clock(found[2])) if found else (None, None)
        if start is None or end is None or start == end:
            raise ConfigError("QUIET_HOURS must be two different times HH:MM-HH:MM, e.g. 20:00-07:00")
        return start, end

    @property
    def sqlalchemy_url(self) -> str:
        """The URL SQLAlchemy gets: plain postgresql:// means the psycopg 3 driver here."""
        url = make_url(self.DATABASE_URL)
        if url.drivername in ("postgresql", "postgres"):
            url = url.set(drivername="postgresql+psycopg")
        return url.render_as_string(hide_password=False)

    def as_flask(self) -> dict:
        settings = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "extra"}
        settings |= self.extra
        settings["SQLALCHEMY_DATABASE_URI"] = self.sqlalchemy_url
        settings["MAX_CONTENT_LENGTH"] = 1024 * 1024
        settings["POVERTY_LINES"] = self.poverty_lines()
        settings["REMINDER_SCHEDULE"] = self.reminder_schedule()
        settings["QUIET_HOURS"] = self.quiet_hours()
        return settings


def secret_keys() -> tuple[str, ...]:
    """The names of the required secret keys."""
    return tuple(f.name for f in fields(Config) if "key" in f.metadata)


def _whole_in(name: str, value, low: int, high: int, unit: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ConfigError(f"{name} must be a whole number from {low} to {high} ({unit})")


def _clock(text: str) -> time | None:
    """A local time "HH:MM", or None when it is not one."""
    hours, minutes = (int(part) for part in text.split(":"))
    return time(hours, minutes) if hours < 24 and minutes < 60 else None


def _number(name: str, text: str, kind: type):
    try:
        value = kind(text)
    except ValueError:
        raise ConfigError(f"{name} must be a number, not {text!r}") from None
    if value < 0:
        raise ConfigError(f"{name} must not be negative")
    return value
