"""What the processes log, and how: one line per event handled and per message delivered, with ids and timings and
no personal data (ids, kinds and durations only; what people typed never reaches a log), as text or, with
`LOG_FORMAT=json`, one JSON object a line for a log collector. `transitions` logs every state change at INFO (906
lines in one burst of events), so it is held to warnings."""

import json
import logging
import time

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
QUIET = ("transitions",)  # libraries whose INFO lines say nothing an operator needs


class JsonFormatter(logging.Formatter):
    """A record as one JSON object: time (UTC, ISO 8601), level, logger, message, and the exception if any."""

    converter = time.gmtime

    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
                 "level": record.levelname, "logger": record.name, "message": record.getMessage()}
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure(log_format: str) -> None:
    """Log INFO and above to standard error, as text or JSON; once per process (later calls change nothing)."""
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler()
        if log_format == "json":
            handler.setFormatter(JsonFormatter())
        else:
            handler.setFormatter(logging.Formatter(TEXT_FORMAT))
        root.addHandler(handler)
        root.setLevel(logging.INFO)
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
