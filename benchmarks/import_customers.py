#!/usr/bin/env python3
"""Import N generated customers (default 1,000,000): the app's importer against a raw executemany.

    .venv/bin/python benchmarks/import_customers.py [N]

Both run in fresh processes on fresh SQLite databases built by the migrations, in the same run;
each prints its wall time and peak memory (max RSS). The baseline reads the same CSV with the csv
module and inserts the same columns with sqlite3 executemany in batches, without any checking.
"""
import csv
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable

BASELINE = r'''
import csv, sqlite3, sys
path, db = sys.argv[1], sys.argv[2]
con = sqlite3.connect(db)
con.execute("pragma journal_mode=wal"); con.execute("pragma synchronous=normal")
sql = ("insert into customer (external_ref, name, email, locale, segment, annual_revenue, customer_since, status, "
       "lost_at, unreachable, opted_out, created_at) values (?,?,?,?,?,?,?,?,?,0,0,datetime('now'))")
with open(path, encoding="utf-8-sig", newline="") as fh:
    reader = csv.reader(fh, delimiter=";"); next(reader)
    batch = []
    for r in reader:
        batch.append((r[0], r[1], r[2], r[3], r[4], r[5].replace(" ", "").replace(",", "."), r[6], r[7], r[8] or None))
        if len(batch) == 1000:
            con.executemany(sql, batch); con.commit(); batch = []
    con.executemany(sql, batch); con.commit()
'''


def generate(path: Path, n: int) -> None:
    rng = random.Random(7)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=";")
        writer.writerow(["external_ref", "name", "email", "locale", "segment", "annual_revenue", "customer_since",
                         "status", "lost_at"])
        for i in range(n):
            lost = rng.random() < 0.3
            writer.writerow([f"C{i:08d}", f"Klient {i}", f"klient{i}@example.com", rng.choice("en fr pl ru".split()),
                             rng.choice(["SMB", "Enterprise", "Retail"]),
                             f"{rng.randint(100, 900000)},{rng.randint(0, 99):02d}",
                             f"20{rng.randint(10, 25)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
                             "lost" if lost else "active", "2026-10-01" if lost else ""])


def run(label: str, command: list[str], env: dict) -> tuple[float, float]:
    start = time.perf_counter()
    wrapped = [PYTHON, "-c", "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True);"
               "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)", *command]
    out = subprocess.run(wrapped, env=env, check=True, capture_output=True, text=True).stdout.strip().splitlines()
    elapsed = time.perf_counter() - start
    rss_mb = int(out[-1]) / 1024
    print(f"{label:<10} {elapsed:8.1f} s   peak memory {rss_mb:7.1f} MB")
    return elapsed, rss_mb


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        source = work / "customers.csv"
        generate(source, n)
        print(f"{n:,} customers, {source.stat().st_size / 1e6:.0f} MB of CSV")
        results = {}
        for label in ("baseline", "app"):
            instance = work / label
            env = {**os.environ, "INSTANCE_PATH": str(instance), "SECRET_KEY": "bench",
                   "DATABASE_URL": f"sqlite:///{instance}/bench.sqlite3"}
            flask = [str(Path(PYTHON).parent / "flask"), "--app", "survey_app"]
            subprocess.run([*flask, "db", "upgrade"], env=env, check=True, capture_output=True, cwd=ROOT)
            if label == "baseline":
                results[label] = run(label, [PYTHON, "-c", BASELINE, str(source), str(instance / "bench.sqlite3")], env)
            else:
                results[label] = run(label, [*flask, "customers", "import", str(source)], env)
        (bt, bm), (at, am) = results["baseline"], results["app"]
        print(f"app/baseline: time {at / bt:.2f}x, peak memory {am / bm:.2f}x; app {n / at:,.0f} rows/s")


if __name__ == "__main__":
    main()
