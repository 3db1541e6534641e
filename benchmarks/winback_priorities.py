#!/usr/bin/env python3
"""Win-back priorities at scale: C customers (default 20,000), a third of them lost, with P purchases (default 400,000).

    .venv/bin/python benchmarks/winback_priorities.py [--customers C] [--purchases P]

Builds a SQLite database with the migrations (raw executemany for the data), then times, each in a fresh process,
``flask winback priorities --format json`` (every customer's twelve monthly sums in SQL, ABC, XYZ, priorities,
the lost customers listed) against a baseline that only runs the same per-customer, per-twelfth ``GROUP BY`` on a raw
sqlite3 connection and reads its rows — the floor of any ranking that looks at every purchase of the year.
"""
from __future__ import annotations

import argparse
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
FLASK = [str(Path(PYTHON).parent / "flask"), "--app", "survey_app"]
AS_OF = date(2026, 12, 1)

BASELINE = r'''
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
sql = """select customer_id, slice, sum(amount) from (
  select p.customer_id, p.amount,
         cast(julianday(case when c.status = 'lost' and c.lost_at <= :as_of then c.lost_at else :as_of end)
              - julianday(p.day) as integer) * 12 / 365 as slice
  from purchase p join customer c on c.id = p.customer_id
  where cast(julianday(case when c.status = 'lost' and c.lost_at <= :as_of then c.lost_at else :as_of end)
             - julianday(p.day) as integer) between 0 and 364)
group by customer_id, slice"""
print(sum(1 for _ in con.execute(sql, {"as_of": sys.argv[2]})))
'''


IN_PROCESS = r'''
import sys, time
from datetime import date
from survey_app import create_app
from survey_app.lost.winback import lost_customers
app = create_app()
with app.app_context():
    for run in ("cold", "warm"):
        start = time.perf_counter()
        rows = lost_customers(date.fromisoformat(sys.argv[1]))
        print(f"{run} {time.perf_counter() - start:.3f} {len(rows)}")
'''


def timed(command: list[str], env: dict) -> tuple[float, str]:
    """Seconds a command takes, and its output."""
    start = time.perf_counter()
    out = subprocess.run(command, env=env, check=True, capture_output=True, text=True, cwd=ROOT).stdout
    return time.perf_counter() - start, out


def build(db: Path, customers_wanted: int, purchases_wanted: int, rng: random.Random, returns: int = 0) -> int:
    """Fill a migrated database: customers (every third lost, up to 400 days ago), each with purchases at a steady
    rhythm up to their lost date (or ``AS_OF``); the first ``returns`` lost customers bought once more after it.
    Returns how many purchases were written."""
    con = sqlite3.connect(db)
    customers = []
    for i in range(1, customers_wanted + 1):
        lost = i % 3 == 0
        lost_at = (AS_OF - timedelta(days=rng.randint(1, 400))).isoformat() if lost else None
        customers.append((i, f"C{i:07d}", "lost" if lost else "active", lost_at))
    con.executemany("insert into customer (id, external_ref, name, locale, status, lost_at, status_manual, "
                    "unreachable, opted_out, created_at) values (?, ?, '', 'en', ?, ?, 0, 0, 0, "
                    "datetime('now'))", customers)
    per = purchases_wanted // customers_wanted
    rows = []
    for customer_id, _ref, _status, lost_at in customers:
        end = date.fromisoformat(lost_at) if lost_at else AS_OF
        every = rng.choice((15, 30, 45, 91))
        for k in range(per):
            rows.append((customer_id, (end - timedelta(days=every * k)).isoformat(),
                         f"{rng.randint(100, 100_000) / 100:.2f}"))
    returned = [c for c in customers if c[3]][:returns]
    for customer_id, _ref, _status, lost_at in returned:
        day = min(AS_OF, date.fromisoformat(lost_at) + timedelta(days=rng.randint(1, 60)))
        rows.append((customer_id, day.isoformat(), "250.00"))
    con.executemany("insert into purchase (customer_id, day, amount, created_at) values (?, ?, ?, "
                    "datetime('now'))", rows)
    con.commit()
    con.close()
    return len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--purchases", type=int, default=400_000)
    args = parser.parse_args()
    rng = random.Random(12)
    with tempfile.TemporaryDirectory() as work:
        db = Path(work) / "bench.sqlite3"
        env = {**os.environ, "INSTANCE_PATH": work, "SECRET_KEY": "bench", "DATABASE_URL": f"sqlite:///{db}",
               "SCHEDULER_IN_PROCESS": "0"}
        subprocess.run([*FLASK, "db", "upgrade"], env=env, check=True, capture_output=True, cwd=ROOT)
        purchases = build(db, args.customers, args.purchases, rng)
        print(f"{args.customers:,} customers ({args.customers // 3:,} lost), {purchases:,} purchases")
        baseline, count = timed([PYTHON, "-c", BASELINE, str(db), AS_OF.isoformat()], env)
        app, out = timed([*FLASK, "winback", "priorities", "--as-of", AS_OF.isoformat(), "--format", "json"], env)
        _seconds, inside = timed([PYTHON, "-c", IN_PROCESS, AS_OF.isoformat()], env)
        print(f"raw GROUP BY (sqlite3, {count.strip()} rows): {baseline:.2f} s")
        print(f"flask winback priorities ({out.count('external_ref'):,} lost customers): {app:.2f} s "
              f"({app / baseline:.1f}x; the whole process, app start included)")
        for line in inside.split("\n"):
            if line:
                run, seconds, _n = line.split()
                print(f"lost_customers() in the app process, {run}: {float(seconds):.2f} s "
                      f"({float(seconds) / baseline:.1f}x)")


if __name__ == "__main__":
    main()
