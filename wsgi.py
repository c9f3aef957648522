"""Entry point for `flask --app wsgi` and `gunicorn wsgi:app`."""

import sys

from bot import create_app
from bot.config import ConfigError

try:
    app = create_app()
except ConfigError as error:
    sys.exit(f"Configuration error: {error}")
