"""Demo seed benchmark: how long `flask --app wsgi demo seed` takes on a fresh SQLite database.

    .venv/bin/python -m bench.seed [--quick] [--runs 3]

Target: the seed (อ.จักราช: 8 subdistricts, 109 villages, 300 test households, demo staff) finishes in
under 10 s, so a demo can be set up on the spot. Each run migrates a new SQLite file (not timed), then
times the `demo seed` command as staff run it; the median of the runs is judged. --quick: one run.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # also runnable as `python bench/seed.py`
    sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402

from bench import bot_settings  # noqa: E402
from bot import create_app, jobs  # noqa: E402
from models import db  # noqa: E402

MAX_SECONDS = 10.0
SECRET = "0123456789abcdef0123456789abcdef"
TOKEN = "bench-channel-access-token"


def seed_seconds(folder: Path, run: int) -> float:
    """Seconds `demo seed` takes on a new, migrated SQLite database."""
    app = create_app({"LINE_CHANNEL_SECRET": SECRET, "LINE_CHANNEL_ACCESS_TOKEN": TOKEN, "SWEEP_INTERVAL": 0,
                      "DATABASE_URL": f"sqlite:///{folder / f'seed{run}.sqlite3'}", **bot_settings()})
    logging.getLogger().setLevel(logging.WARNING)  # create_app turns INFO on; keep the output readable
    try:
        with app.app_context():
            upgrade()
        started = time.perf_counter()
        result = app.test_cli_runner().invoke(args=["demo", "seed"])
        seconds = time.perf_counter() - started
        if result.exit_code != 0:
            raise SystemExit(f"demo seed failed:\n{result.output}")
        print(f"run {run + 1}: {result.output.strip()}", file=sys.stderr)
        return seconds
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        jobs.runner(app).shutdown()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.seed", description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="one run")
    args = parser.parse_args(argv)
    if args.quick:
        args.runs = 1
    if args.runs < 1:
        parser.error("--runs must be at least 1")

    folder = Path(tempfile.mkdtemp(prefix="bench-seed-"))
    try:
        runs = [seed_seconds(folder, run) for run in range(args.runs)]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    median = statistics.median(runs)
    passed = median < MAX_SECONDS
    print(f"demo seed on SQLite: {', '.join(f'{s:.2f}' for s in runs)} s; median {median:.2f} s "
          f"(target < {MAX_SECONDS:.0f} s) {'PASS' if passed else 'FAIL'}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
