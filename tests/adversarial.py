"""Hostile input for property tests: strings built to make parsers backtrack, and a one-second ceiling.

The ceiling is no speed benchmark. It catches catastrophic cost (a pattern that backtracks
exponentially took 67 s on 31 characters), and it interrupts the call (the regex engine heeds
signals) instead of waiting minutes for it to end. Every call here takes microseconds.
"""

import contextlib
import signal

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

CEILING = 1.0  # seconds

# A bounded number of examples and no long shrinking: each property stays a few seconds.
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow],
                    report_multiple_bugs=False)


class TooSlow(AssertionError):
    """A call went past the ceiling."""


@contextlib.contextmanager
def within_a_second(what: str):
    """Fail (by interrupting it) a call that runs past `CEILING`. Main thread only, as pytest runs tests."""
    def interrupt(signum, frame):
        raise TooSlow(f"{what} took more than {CEILING} s")

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, CEILING)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# Pieces people type, and pieces that make patterns hesitate: digit runs (ASCII and Thai), thousands groups,
# separators, spaces of several kinds, units, eras, particles, month names, weekdays, emoji, control and
# zero-width characters.
PIECES = ["1", "0", "9", "๑", "๕", "1,000", ",", ", ", ";", "、", "&", "และ", "and", " ", "  ", "\t", "\n", "\r\n",
          "\u00a0", "\u3000", ".", "-", "/", "(", ")", "+", "+66", "บาท", "฿", "บ.", ".-", "พ.ศ.", "ค.ศ.", "b.e.",
          "พ.ย.", "พฤศจิกายน", "nov", "วันพุธที่", "ค่ะ", "ครับ", "นะ", "ๆ", "ใช่", "ไม่", "x", "ก", "😀", "👨‍👩‍👧",
          "\u200b", "\u200d", "\x00", "\ufeff", "ไร่"]
TAILS = ["", "x", "1", " ", "😀", ".", "ค่ะ"]

adversarial_text = st.one_of(
    st.lists(st.sampled_from(PIECES), max_size=40).map("".join),  # mixtures
    st.builds(lambda head, piece, count, tail: head + piece * count + tail,  # a long run, then a mismatch at the end
              st.sampled_from(["", "1", "25 ", "-", "฿"]), st.sampled_from(PIECES), st.integers(1, 3000),
              st.sampled_from(TAILS)),
    st.builds(lambda piece, tail: (piece * 10_000)[:10_000] + tail, st.sampled_from(PIECES), st.sampled_from(TAILS)),
    st.text(max_size=60),
)
