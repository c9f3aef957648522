"""Benchmarks: run them from the repository root, e.g. `.venv/bin/python -m bench.webhook`.

Helpers every benchmark shares live here, so that their figures are computed one way."""

import statistics


def bot_settings() -> dict[str, str]:
    """The settings every bot start needs besides the channel's: fresh random keys and a LIFF app."""
    from bot import keys

    return keys.generate() | {"LINE_LOGIN_CHANNEL_ID": "2000000000", "LIFF_ID": "2000000000-benchLff"}


def percentile(values: list[float], pct: float) -> float:
    """The pct-th percentile (1-99) of values, interpolated between the two nearest (NaN when there are none)."""
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(pct) - 1]
