"""Settings from the environment: defaults, and one clear line for a bad one."""

import os
import stat
import subprocess
import sys
from datetime import time
from pathlib import Path

import pytest

from bot import create_app, keys
from bot.config import Config, ConfigError, secret_keys
from tests.helpers import KEYS, LIFF_ID, LOGIN_CHANNEL_ID

ROOT = Path(__file__).resolve().parent.parent
GOOD = {"LINE_CHANNEL_SECRET": "0123456789abcdef0123456789abcdef", "LINE_CHANNEL_ACCESS_TOKEN": "token",
        **KEYS, "LINE_LOGIN_CHANNEL_ID": LOGIN_CHANNEL_ID, "LIFF_ID": LIFF_ID}


def flask_command(env: dict, *args) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in Config.__dataclass_fields__}
    return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT,
                          env=clean | env, capture_output=True, text=True, timeout=60)


def test_embedded_defaults():
    config = Config.from_env(GOOD).validate()
    assert config.DATABASE_URL.startswith("sqlite:///") and config.DATABASE_URL.endswith("instance/bot.sqlite3")
    assert config.REDIS_URL is None and config.LINE_API_BASE is None
    assert config.BOT_TIMEZONE == "Asia/Bangkok"
    assert config.CARETAKER_MAX_HOUSEHOLDS == 5 and Config.from_env(GOOD | {"CARETAKER_MAX_HOUSEHOLDS": "3"}) \
        .validate().CARETAKER_MAX_HOUSEHOLDS == 3


def test_a_bad_caretaker_limit_stops_start_up_with_one_line():
    result = flask_command(GOOD | {"CARETAKER_MAX_HOUSEHOLDS": "lots"}, "db", "upgrade")
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "Configuration error: CARETAKER_MAX_HOUSEHOLDS must be a number, not 'lots'"]


def test_the_income_line_is_kept_by_survey_year():
    assert Config.from_env(GOOD).validate().poverty_lines() == {year: 38_000 for year in range(2560, 2565)}
    later = Config.from_env(GOOD | {"POVERTY_LINES": "2560-2564:38000, 2565-2569:40000"}).validate()
    assert later.poverty_lines()[2564] == 38_000 and later.poverty_lines()[2569] == 40_000
    assert 2570 not in later.poverty_lines()


def test_reminders_go_on_the_15th_18th_and_20th_at_half_past_eight_outside_quiet_hours():
    config = Config.from_env(GOOD).validate()
    assert config.as_flask()["REMINDER_SCHEDULE"] == dict.fromkeys((15, 18, 20), time(8, 30))
    assert config.as_flask()["QUIET_HOURS"] == (time(20, 0), time(7, 0))
    other = Config.from_env(GOOD | {"REMINDER_SCHEDULE": "15, 18@08:30; 20@7:00", "QUIET_HOURS": "21:30-06:00"})
    assert other.validate().reminder_schedule() == {15: time(8, 30), 18: time(8, 30), 20: time(7, 0)}
    assert other.quiet_hours() == (time(21, 30), time(6, 0))


def test_postgres_urls_use_psycopg3():
    config = Config.from_env(GOOD | {"DATABASE_URL": "postgresql://bot:pw@db/bot"}).validate()
    assert config.sqlalchemy_url == "postgresql+psycopg://bot:pw@db/bot"


@pytest.mark.parametrize(("change", "named"), [
    ({"LINE_CHANNEL_SECRET": ""}, "LINE_CHANNEL_SECRET"),
    ({"LINE_CHANNEL_SECRET": "not-hex"}, "LINE_CHANNEL_SECRET"),
    ({"LINE_CHANNEL_ACCESS_TOKEN": ""}, "LINE_CHANNEL_ACCESS_TOKEN"),
    ({"LINE_API_BASE": "http://127.0.0.1:5100/"}, "LINE_API_BASE"),
    ({"LINE_API_BASE": "ftp://x"}, "LINE_API_BASE"),
    ({"DATABASE_URL": "not a url"}, "DATABASE_URL"),
    ({"REDIS_URL": "http://localhost"}, "REDIS_URL"),
    ({"BOT_TIMEZONE": "Asia/Nowhere"}, "BOT_TIMEZONE"),
    ({"DELIVERY_THREADS": "many"}, "DELIVERY_THREADS"),
    ({"POVERTY_LINES": "2560-2564"}, "POVERTY_LINES"),
    ({"POVERTY_LINES": "2017-2021:38000"}, "POVERTY_LINES"),  # Christian Era years
    ({"POVERTY_LINES": "2564-2560:38000"}, "POVERTY_LINES"),
    ({"NATIONAL_ID_KEY": ""}, "NATIONAL_ID_KEY is not set"),
    ({"INVITE_KEY": "short"}, "INVITE_KEY must be at least 32 characters"),
    ({"NATIONAL_ID_KEY_PREVIOUS": "short"}, "NATIONAL_ID_KEY_PREVIOUS must be at least 32"),
    ({"INVITE_KEY": KEYS["NATIONAL_ID_KEY"]}, "must differ"),
    ({"INVITE_KEY": "0123456789abcdef0123456789abcdef"}, "from the channel secret"),
    ({"LINE_LOGIN_CHANNEL_ID": ""}, "LINE_LOGIN_CHANNEL_ID"),
    ({"LIFF_ID": ""}, "LIFF_ID"),
    ({"LIFF_ID": "9999999999-AbCdEfGh"}, "LIFF_ID"),  # another channel's app
    ({"LIFF_SDK_URL": "sdk.js"}, "LIFF_SDK_URL"),
    ({"MAP_TILES_URL": "http://tiles.example/{z}/{x}/{y}.png"}, "MAP_TILES_URL"),
    ({"MAP_TILES_URL": "https://tiles.example/tile.png"}, "MAP_TILES_URL"),
    ({"PUBLIC_BASE_URL": "bot.example"}, "PUBLIC_BASE_URL"),
    ({"DRAFT_RETENTION_DAYS": "0"}, "DRAFT_RETENTION_DAYS must be at least 1"),
    ({"CARETAKER_MAX_HOUSEHOLDS": "0"}, "CARETAKER_MAX_HOUSEHOLDS must be a whole number from 1 to 100"),
    ({"CARETAKER_MAX_HOUSEHOLDS": "101"}, "CARETAKER_MAX_HOUSEHOLDS must be a whole number from 1 to 100"),
    ({"REPORT_DAY": "29"}, "REPORT_DAY must be a whole number from 1 to 28"),
    ({"REPORT_DAY": "0"}, "REPORT_DAY must be a whole number from 1 to 28"),
    ({"LINE_PUSH_PER_SECOND": "0"}, "LINE_PUSH_PER_SECOND must be a whole number from 1 to 100000"),
    ({"LINE_MULTICAST_PER_SECOND": "many"}, "LINE_MULTICAST_PER_SECOND must be a number"),
    ({"LOG_FORMAT": "xml"}, "LOG_FORMAT must be text or json"),
    ({"CARETAKER_MAX_HOUSEHOLDS": "3.5"}, "CARETAKER_MAX_HOUSEHOLDS must be a number"),
    ({"CARETAKER_MAX_HOUSEHOLDS": "-2"}, "CARETAKER_MAX_HOUSEHOLDS must not be negative"),
    ({"EXPORT_LINK_MINUTES": "0"}, "EXPORT_LINK_MINUTES must be at least 1"),
    ({"REMINDER_SCHEDULE": "15,18,20"}, "REMINDER_SCHEDULE: '15,18,20' is not DAYS@HH:MM"),
    ({"REMINDER_SCHEDULE": "15,31@08:30"}, "REMINDER_SCHEDULE"),  # not every month has it
    ({"REMINDER_SCHEDULE": "15@24:00"}, "REMINDER_SCHEDULE"),
    ({"REMINDER_SCHEDULE": "15,18@08:30;18@17:00"}, "REMINDER_SCHEDULE: '18@17:00'"),  # a day twice
    ({"QUIET_HOURS": "20:00"}, "QUIET_HOURS must be two different times"),
    ({"QUIET_HOURS": "07:00-07:00"}, "QUIET_HOURS must be two different times"),
    ({"QUIET_HOURS": "20:00-7:60"}, "QUIET_HOURS"),
])
def test_bad_settings_are_named(change, named):
    with pytest.raises(ConfigError, match=named):
        Config.from_env(GOOD | change).validate()


def test_create_app_checks_the_settings_it_is_given():
    with pytest.raises(ConfigError, match="LINE_API_BASE"):
        create_app(GOOD | {"LINE_API_BASE": "http://127.0.0.1:5100/"})


def test_start_up_stops_with_one_line_naming_the_missing_setting():
    result = flask_command({"LINE_CHANNEL_ACCESS_TOKEN": "token"}, "db", "upgrade")
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "Configuration error: LINE_CHANNEL_SECRET is not set (the channel secret from the LINE console)"]


def test_a_missing_key_stops_start_up_with_one_line():
    result = flask_command({name: value for name, value in GOOD.items() if name != "INVITE_KEY"}, "db", "upgrade")
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "Configuration error: INVITE_KEY is not set (a random secret of 32+ characters; see README)"]


def test_no_key_comes_from_the_channel_secret():
    """Every key is its own setting: the same channel secret with other keys hashes differently, and no
    key is made up when one is missing."""
    assert secret_keys() == ("NATIONAL_ID_KEY", "INVITE_KEY", "OUTBOX_KEY", "LINK_KEY")
    assert "SECRET_KEY" not in Config.__dataclass_fields__
    for name in secret_keys():
        with pytest.raises(ConfigError, match=name):
            Config.from_env({key: value for key, value in GOOD.items() if key != name}).validate()
    config = Config.from_env(GOOD).validate()
    assert [getattr(config, name) for name in secret_keys()] == [KEYS[name] for name in secret_keys()]


def test_the_demo_makes_random_keys_once_and_keeps_them(tmp_path):
    path = tmp_path / "instance" / "keys.env"
    assert keys.ensure(path) == list(secret_keys())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    made = keys.read(path)
    assert set(made) == set(secret_keys()) and all(len(value) >= 32 for value in made.values())
    Config.from_env(GOOD | made).validate()
    assert keys.ensure(path) == [] and keys.read(path) == made  # the next start reuses them
    # A key added later is added to the file; the others stay.
    path.write_text(f"NATIONAL_ID_KEY={made['NATIONAL_ID_KEY']}\n", encoding="utf-8")
    assert keys.ensure(path) == [name for name in secret_keys() if name != "NATIONAL_ID_KEY"]
    assert keys.read(path)["NATIONAL_ID_KEY"] == made["NATIONAL_ID_KEY"]
    assert keys.generate() != keys.generate()


def test_db_upgrade_creates_the_schema_on_sqlite(tmp_path):
    database = tmp_path / "fresh.sqlite3"
    result = flask_command(GOOD | {"DATABASE_URL": f"sqlite:///{database}"}, "db", "upgrade")
    assert result.returncode == 0, result.stderr
    check = flask_command(GOOD | {"DATABASE_URL": f"sqlite:///{database}"}, "db", "check")
    assert check.returncode == 0, check.stdout + check.stderr  # the models match the migrations
