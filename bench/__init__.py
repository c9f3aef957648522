"""Benchmarks: run them from the repository root, e.g. `.venv/bin/python -m bench.webhook`."""


def bot_settings() -> dict[str, str]:
    """The settings every bot start needs besides the channel's: fresh random keys and a LIFF app."""
    from bot import keys

    return keys.generate() | {"LINE_LOGIN_CHANNEL_ID": "2000000000", "LIFF_ID": "2000000000-benchLff"}
