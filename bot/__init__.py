"""The Flask application factory."""

import logging
from pathlib import Path

from flask import Flask
from flask_migrate import Migrate
from sqlalchemy import event
from sqlalchemy.engine import make_url

from bot.config import INSTANCE_DIR, Config
from models import db

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
migrate = Migrate()
# SQLite: one connection. Every transaction takes the write lock (BEGIN IMMEDIATE, below), so
# only one runs at a time anyway; with one connection the other threads wait their turn in the
# pool and are woken when it is free, instead of napping in SQLite's busy handler (up to 100 ms
# a try) while the lock sits unused. The timeout matches busy_timeout.
SQLITE_POOL = {"pool_size": 1, "max_overflow": 0, "pool_timeout": 30}


def create_app(config: dict | None = None) -> Flask:
    """Build the app from the environment; `config` overrides settings (tests, the demo)."""
    from bot import cli, folder, gateway, jobs, redis_store, webhook
    settings = Config.from_env()
    for key, value in (config or {}).items():
        if hasattr(settings, key) and key != "extra":
            setattr(settings, key, value)
        else:
            settings.extra[key] = value
    settings.validate()

    app = Flask(__name__, instance_path=str(INSTANCE_DIR))
    app.config.from_mapping(settings.as_flask())
    INSTANCE_DIR.mkdir(exist_ok=True)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    if make_url(app.config["SQLALCHEMY_DATABASE_URI"]).get_backend_name() == "sqlite":
        app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", SQLITE_POOL)
    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            _tune_sqlite(db.engine)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR))
    redis_store.init_app(app)
    jobs.init_app(app)
    gateway.init_app(app)
    app.register_blueprint(webhook.bp)
    app.register_blueprint(folder.bp)
    cli.init_app(app)
    return app


def _tune_sqlite(engine) -> None:
    """SQLite for many threads: WAL so readers don't wait, and every transaction takes the
    write lock up front (BEGIN IMMEDIATE) so two writers queue instead of failing mid-way."""

    @event.listens_for(engine, "connect")
    def on_connect(connection, _record):
        connection.isolation_level = None  # let the "begin" hook below issue BEGIN
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")
