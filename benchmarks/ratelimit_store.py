#!/usr/bin/env python3
"""Cost of one rate-limit hit (what every sign-in attempt and every respondent POST pays), per store.

    .venv/bin/python benchmarks/ratelimit_store.py [HITS] [REDIS_URL]

Counts one fixed-window hit through ``limits`` as Flask-Limiter does, on: memory (one process only),
the shared SQLite file used without Redis (``sqlitefile://``), and Redis when a URL is given. Then four
processes hit the SQLite file at once, on four keys (as four respondents) and on one key (one address).
"""
import multiprocessing
import sys
import tempfile
import time

from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

import survey_app.ratelimit  # noqa: F401  registers sqlitefile://

LIMIT = parse("1000000000 per hour")


def per_hit_us(uri: str, hits: int, key: str = "bench") -> float:
    limiter = FixedWindowRateLimiter(storage_from_string(uri))
    limiter.hit(LIMIT, key)
    start = time.perf_counter()
    for _ in range(hits):
        limiter.hit(LIMIT, key)
    return (time.perf_counter() - start) / hits * 1e6


def _worker(args) -> float:
    return per_hit_us(*args)


def main() -> None:
    hits = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    redis_url = sys.argv[2] if len(sys.argv) > 2 else None
    with tempfile.TemporaryDirectory() as folder:
        sqlite_uri = f"sqlitefile://{folder}/ratelimit.sqlite3"
        print(f"memory://           {per_hit_us('memory://', hits):8.1f} µs per hit (one process)")
        print(f"sqlitefile://       {per_hit_us(sqlite_uri, hits):8.1f} µs per hit (one process)")
        if redis_url:
            print(f"redis               {per_hit_us(redis_url, hits):8.1f} µs per hit (one process)")
        with multiprocessing.get_context("fork").Pool(4) as pool:
            for label, keys in (("4 keys", ["a", "b", "c", "d"]), ("1 key ", ["a"] * 4)):
                start = time.perf_counter()
                times = pool.map(_worker, [(sqlite_uri, hits, key) for key in keys])
                elapsed = time.perf_counter() - start
                print(f"sqlitefile://, 4 processes, {label}: {max(times):8.1f} µs per hit in each, "
                      f"{4 * hits / elapsed:,.0f} hits/s together")


if __name__ == "__main__":
    main()
