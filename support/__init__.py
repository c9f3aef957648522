"""Helpers shared by the test suite and the benchmarks (not part of the bot): real servers to run against."""
