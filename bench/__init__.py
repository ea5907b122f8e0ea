"""Load and contention benchmarks: ``seatguard bench SCENARIO`` (results in docs/benchmarks.md)."""
