#!/usr/bin/env python3
"""Purchases and lost-customer detection at scale: C customers (default 100,000) with P purchases (default 2,000,000).

    .venv/bin/python benchmarks/lost_customers.py [--customers C] [--purchases P]

Builds a SQLite database with the migrations and C customers (raw executemany), writes a purchase CSV of P
rows (each customer buys at their own rhythm over two years; a third stopped buying some months ago), then,
in the same run and in fresh processes:
  * imports it with ``flask purchases import`` against a baseline that reads the same CSV with the csv module
    and inserts the same columns with sqlite3 executemany, unchecked (time and peak memory, each on its own
    copy of the database);
  * runs ``flask customers detect-lost --format json`` on the imported database (target: 30 s here) against
    a baseline that only reads every (customer, day) pair in order on a raw sqlite3 connection — the floor
    of any detection that looks at every purchase;
  * opens the Lost customers page (12 months by month, the ratio and what the loss costs) as an analyst,
    cold (empty report cache) and warm (targets: 3 s and 1 s).
"""
from __future__ import annotations

import argparse
import csv
import os
import random
import shutil
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

IMPORT_BASELINE = r'''
import csv, sqlite3, sys
path, db = sys.argv[1], sys.argv[2]
con = sqlite3.connect(db)
con.execute("pragma journal_mode=wal"); con.execute("pragma synchronous=normal")
ids = dict(con.execute("select external_ref, id from customer"))
sql = "insert into purchase (customer_id, day, amount, order_ref, created_at) values (?,?,?,?,datetime('now'))"
with open(path, encoding="utf-8", newline="") as fh:
    reader = csv.reader(fh); next(reader)
    batch = []
    for ref, day, amount, order_ref in reader:
        batch.append((ids[ref], day, amount, order_ref or None))
        if len(batch) == 2000:
            con.executemany(sql, batch); con.commit(); batch = []
    con.executemany(sql, batch); con.commit()
'''

PAGE_TIMING = r'''
import time
from survey_app import create_app
from survey_app.auth.services import create_user
from survey_app.extensions import cache, db
app = create_app()
with app.app_context():
    analyst = create_user("bench-analyst@example.com", "analyst", "bench-password-1")
    db.session.commit()
    user_id = analyst.get_id()
client = app.test_client()
with client.session_transaction() as session:
    session["_user_id"], session["_fresh"] = user_id, True
url = "/staff/reports/lost/?period=month"
with app.app_context():
    cache.clear()
timings = []
for _ in range(3):
    start = time.perf_counter()
    page = client.get(url)
    timings.append(time.perf_counter() - start)
    assert page.status_code == 200, page.status_code
print(f"lost customers page, 12 months: cold {timings[0] * 1000:.0f} ms, warm {min(timings[1:]) * 1000:.0f} ms")
'''

DETECT_BASELINE = r'''
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
n = 0
for customer_id, day in con.execute("select customer_id, day from purchase order by customer_id, day"):
    n += 1
print(n)
'''


def build(db: Path, customers: int) -> None:
    """The customers, inserted raw into a migrated database."""
    con = sqlite3.connect(db)
    rng = random.Random(11)
    rows = [(f"C{i:07d}", f"Customer {i}", f"c{i}@example.com", rng.choice("en fr pl ru".split()),
             rng.choice(("SMB", "Enterprise", "Retail")), "active", 0, 0, 0) for i in range(customers)]
    con.executemany("insert into customer (external_ref, name, email, locale, segment, status, unreachable, "
                    "opted_out, status_manual, created_at) values (?,?,?,?,?,?,?,?,?,datetime('now'))", rows)
    con.commit()
    con.close()


def generate(path: Path, customers: int, purchases: int, today: date) -> None:
    """P purchases over two years: each customer at their own interval; a third stopped some months ago."""
    rng = random.Random(7)
    per_customer = purchases // customers
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["external_ref", "date", "amount", "order_ref"])
        for i in range(customers):
            stopped = rng.random() < 1 / 3
            last = today - timedelta(days=rng.randint(120, 400) if stopped else rng.randint(0, 20))
            interval = max(1, 700 // per_customer)
            for n in range(per_customer):
                day = last - timedelta(days=n * interval + rng.randint(0, interval // 4))
                writer.writerow([f"C{i:07d}", day.isoformat(), f"{rng.randint(10, 5000)}.{rng.randint(0, 99):02d}",
                                 f"O{i:07d}-{n:03d}" if n % 2 else ""])


def run(label: str, command: list[str], env: dict) -> tuple[float, float, str]:
    """Run ``command`` in a fresh process; return wall time, peak memory (MB) and what it printed."""
    start = time.perf_counter()
    wrapped = [PYTHON, "-c", "import resource, subprocess, sys; r = subprocess.run(sys.argv[1:], check=True, "
               "capture_output=True, text=True); print(r.stdout.strip().splitlines()[-1] if r.stdout.strip() else '');"
               "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)", *command]
    out = subprocess.run(wrapped, env=env, check=True, capture_output=True, text=True, cwd=ROOT).stdout.splitlines()
    elapsed = time.perf_counter() - start
    rss_mb = int(out[-1]) / 1024
    print(f"{label:<22} {elapsed:8.1f} s   peak memory {rss_mb:7.1f} MB   {out[-2][:100]}", flush=True)
    return elapsed, rss_mb, out[-2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--purchases", type=int, default=2_000_000)
    options = parser.parse_args()
    today = date.today()
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        base = work / "base.sqlite3"
        env = {**os.environ, "INSTANCE_PATH": str(work), "SECRET_KEY": "bench", "DATABASE_URL": f"sqlite:///{base}"}
        subprocess.run([*FLASK, "db", "upgrade"], env=env, check=True, capture_output=True, cwd=ROOT)
        build(base, options.customers)
        source = work / "purchases.csv"
        generate(source, options.customers, options.purchases, today)
        rows = sum(1 for _ in open(source, encoding="utf-8")) - 1
        print(f"{options.customers:,} customers, {rows:,} purchases, {source.stat().st_size / 1e6:.0f} MB of CSV")
        timings = {}
        for label in ("import baseline", "import app"):
            db = work / f"{label.split()[1]}.sqlite3"
            shutil.copy(base, db)
            label_env = {**env, "DATABASE_URL": f"sqlite:///{db}"}
            if label == "import baseline":
                timings[label] = run(label, [PYTHON, "-c", IMPORT_BASELINE, str(source), str(db)], label_env)
            else:
                timings[label] = run(label, [*FLASK, "purchases", "import", str(source)], label_env)
        app_db = work / "app.sqlite3"
        app_env = {**env, "DATABASE_URL": f"sqlite:///{app_db}"}
        timings["detect baseline"] = run("detect baseline (read)", [PYTHON, "-c", DETECT_BASELINE, str(app_db)],
                                         app_env)
        timings["detect app"] = run("detect-lost", [*FLASK, "customers", "detect-lost", "--format", "json"], app_env)
        timings["page"] = run("lost customers page", [PYTHON, "-c", PAGE_TIMING], app_env)
        (bt, bm, _), (at, am, _) = timings["import baseline"], timings["import app"]
        print(f"purchases import app/baseline: time {at / bt:.2f}x, peak memory {am / bm:.2f}x; "
              f"app {rows / at:,.0f} rows/s")
        dt = timings["detect app"][0]
        print(f"detect-lost: {dt:.1f} s for {options.customers:,} customers and {rows:,} purchases "
              f"(target 30 s; reading the pairs alone: {timings['detect baseline'][0]:.1f} s); "
              f"result {timings['detect app'][2]}")
        print(f"{timings['page'][2]} (targets: 3 s cold, 1 s warm)")


if __name__ == "__main__":
    main()
