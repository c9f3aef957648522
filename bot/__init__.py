"""The Flask application factory."""

from pathlib import Path

from flask import Flask
from flask_migrate import Migrate
from sqlalchemy.engine import make_url

from bot import (
    cli,
    folder,
    gateway,
    health,
    income_chart,
    jobs,
    leases,
    liff,
    logs,
    mou,
    plans_download,
    postgres,
    recovery,
    redis_store,
    report_files,
    report_page,
    sqlite,
    summary_chart,
    webhook,
)
from bot.config import INSTANCE_DIR, Config
from dialogs import (
    caretakers,
    checkin,
    compass,
    households,
    interview,
    invite,
    menu,
    monthly_visits,
    plans,
    registration,
    registry,
    reminders,
    report,
    summaries,
)
from models import db

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
migrate = Migrate()

# What the bot can do: every dialog, and the main menu's items in the order it shows them (items without
# a label are opened by buttons elsewhere, e.g. a household's card).
DIALOGS = (registration.REGISTRATION, invite.INVITE, households.FIND, households.ADD, interview.INTERVIEW,
           compass.COMPASS, compass.MOU_PHOTO, caretakers.ASSIGN, checkin.CHECKIN)
MENU = (menu.PROFILE, monthly_visits.MENU_ITEM, caretakers.MINE_ITEM, report.MENU_ITEM, households.FIND_ITEM,
        households.ADD_ITEM, invite.MENU_ITEM, caretakers.ASSIGN_ITEM, menu.STAFF, plans.MENU_ITEM, menu.LANGUAGE,
        menu.HELP, households.RESULTS_ITEM, households.OPEN_ITEM, interview.MENU_ITEM, compass.MENU_ITEM,
        compass.PHOTO_ITEM, checkin.MENU_ITEM, reminders.STOP_ITEM, reminders.START_ITEM, reminders.SKIP_DAY_ITEM,
        summaries.CHOICE_ITEM, report.AREAS_ITEM, report.LATE_ITEM)


def create_app(config: dict | None = None) -> Flask:
    """Build the app from the environment; `config` overrides settings (tests, the demo)."""
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
    logs.configure(app.config["LOG_FORMAT"])

    # A database error's text leaves out the statement's parameters: what people typed stays out of logs.
    engine_options = {"hide_parameters": True}
    backend = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).get_backend_name()
    if backend == "sqlite":
        engine_options |= sqlite.ENGINE_OPTIONS
    elif backend == "postgresql":
        engine_options |= postgres.ENGINE_OPTIONS
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", engine_options)
    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            sqlite.tune(db.engine)
        elif db.engine.dialect.name == "postgresql":
            postgres.tune(db.engine)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR))
    redis_store.init_app(app)
    jobs.init_app(app, sweep=recovery.sweep, next_sweep_in=recovery.next_sweep_in)
    gateway.init_app(app)
    leases.init_app(app)
    app.register_blueprint(webhook.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(liff.bp)
    app.register_blueprint(folder.bp)
    app.register_blueprint(mou.bp)
    app.register_blueprint(plans_download.bp)
    app.register_blueprint(income_chart.bp)
    app.register_blueprint(summary_chart.bp)
    app.register_blueprint(report_page.bp)
    app.register_blueprint(report_files.bp)
    cli.init_app(app)
    app.extensions[registry.KEY] = registry.Registry(DIALOGS, MENU)
    return app

