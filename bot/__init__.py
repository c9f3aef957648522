"""The Flask application factory."""

import logging
from pathlib import Path

from flask import Flask
from flask_migrate import Migrate
from sqlalchemy import event

from bot.config import INSTANCE_DIR, Config
from models import db

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
migrate = Migrate()


def create_app(config: dict | None = None) -> Flask:
    """Build the app from the environment; `config` overrides settings (tests, the demo)."""
    from bot import cli, gateway, jobs, redis_store, webhook
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

    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            _tune_sqlite(db.engine)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR))
    redis_store.init_app(app)
    jobs.init_app(app)
    gateway.init_app(app)
    app.register_blueprint(webhook.bp)
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
