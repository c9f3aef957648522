"""Entry point for `flask --app wsgi` and `gunicorn wsgi:app`."""

import gc
import sys

from bot import create_app
from bot.config import ConfigError

try:
    app = create_app()
except ConfigError as error:
    sys.exit(f"Configuration error: {error}")

# What start-up made (modules, the app: about 270,000 objects) lives as long as the process, yet each
# full garbage collection would walk it all, stopping every thread for about 150 ms, LINE's requests
# included. Frozen, they are left out: a full collection then takes a few milliseconds.
gc.freeze()
