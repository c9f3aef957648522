"""`flask --app wsgi ...` commands for operators (besides `db`, which Flask-Migrate adds)."""

import click
from flask import Flask, current_app

from bot import jobs


def init_app(app: Flask) -> None:
    app.cli.add_command(worker)
    app.cli.add_command(sweep_command)


@click.command("worker")
@click.option("--queues", default=",".join(jobs.QUEUES), show_default=True,
              help="Comma-separated queues this worker takes jobs from.")
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
def worker(queues: str, burst: bool) -> None:
    """Run a background worker (needs REDIS_URL; without it the web process does the work)."""
    if not current_app.config["REDIS_URL"]:
        raise click.UsageError("REDIS_URL is not set: without Redis the web process runs jobs itself")
    jobs.run_worker(current_app._get_current_object(), [q for q in queues.split(",") if q], burst=burst)


@click.command("sweep")
def sweep_command() -> None:
    """Queue pending events and unsent messages now (the workers also do this every few seconds)."""
    from bot.recovery import sweep

    users, messages = sweep()
    runner = jobs.runner()
    if runner.embedded:
        runner.wait_idle(timeout=120)
    click.echo(f"re-queued events of {users} users and {messages} outgoing messages")
