#!/usr/bin/env python3
"""The win-back sweep at scale: C customers (default 20,000), a third lost, P purchases (default 400,000), R of the
lost customers (default 1,000) bought again after their lost date.

    .venv/bin/python benchmarks/winback_sweep.py [--customers C] [--purchases P] [--returns R]

Builds a SQLite database with the migrations (as benchmarks/winback_priorities.py does), then times, each in a fresh
process: the baseline ``flask winback priorities`` (ranking every lost customer: the least any sweep must do, since a
case is opened only for priorities 1–3), the first ``flask winback sweep`` (ranking, opening a case per lost customer
of priority 1–3, winning back those who bought again), and a second sweep (nothing new: what every ten minutes
costs). Prints the ratios to the baseline.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from winback_priorities import AS_OF, FLASK, ROOT, build, timed  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--purchases", type=int, default=400_000)
    parser.add_argument("--returns", type=int, default=1_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        db = Path(work) / "bench.sqlite3"
        env = {**os.environ, "INSTANCE_PATH": work, "SECRET_KEY": "bench", "DATABASE_URL": f"sqlite:///{db}",
               "SCHEDULER_IN_PROCESS": "0", "MAIL_SERVER": ""}
        subprocess.run([*FLASK, "db", "upgrade"], env=env, check=True, capture_output=True, cwd=ROOT)
        purchases = build(db, args.customers, args.purchases, random.Random(12), returns=args.returns)
        print(f"{args.customers:,} customers ({args.customers // 3:,} lost, {args.returns:,} of them bought again), "
              f"{purchases:,} purchases")
        baseline, _out = timed([*FLASK, "winback", "priorities", "--as-of", AS_OF.isoformat()], env)
        first, out = timed([*FLASK, "winback", "sweep", "--as-of", AS_OF.isoformat()], env)
        again, out_again = timed([*FLASK, "winback", "sweep", "--as-of", AS_OF.isoformat()], env)
        counts, counts_again = json.loads(out.strip().splitlines()[-1]), json.loads(out_again.strip().splitlines()[-1])
        print(f"baseline: flask winback priorities: {baseline:.2f} s")
        print(f"first sweep ({counts['opened']:,} cases opened, {counts['won_back']:,} won back): {first:.2f} s "
              f"({first / baseline:.1f}x)")
        print(f"second sweep ({counts_again['opened']} opened, {counts_again['won_back']} won back): {again:.2f} s "
              f"({again / baseline:.1f}x)")


if __name__ == "__main__":
    main()
