#!/usr/bin/env python3
"""IBM's Telco churn sample as answers nobody here wrote: correct / left for review / wrong, per reason.

    .venv/bin/python benchmarks/telco_sample.py [--fresh-install] [--folds 3] [--data ../shared/data/external]

Reads ``telco_churn_reasons.csv`` (1,869 churned customers, 20 short English reasons) and the proposed
mapping of each reason to a bucket from the shared data folder (never copied into the project), trains
a fresh model on the shipped examples (threshold chosen by cross-validation) and classifies every
customer's reason as a past answer would be. Price reasons count as competitor; "Don't know" is right
only when it stays out of every bucket. Targets: ≥ 90 % in the right bucket, ≤ 10 % left for review.

With ``--fresh-install`` it goes the user's way instead, in a throwaway instance folder and SQLite
database: ``flask db upgrade``, ``flask seed catalogue``, ``flask surveys create --template exit``,
``flask customers import`` and ``flask responses import`` of the customers and their reasons (files
written to a temporary folder), and nothing else — the import trains the first model itself — then
reads each answer's bucket from the database.
"""
import argparse
import csv
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from survey_app.classification.model import TextClassifier, shipped_examples
from survey_app.taxonomy import BUCKETS

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = HERE.parent.parent / "shared" / "data" / "external"
#: The mapping file's benchmark buckets → the app's buckets (None: no bucket).
MAPPED = {"competitor/price": "competitor", "indifference/poor attitude": "indifference",
          "product dissatisfaction": "dissatisfaction", "moved/died": "circumstances", "(no bucket)": None}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--folds", type=int, default=3, help="cross-validation folds that choose the threshold")
    parser.add_argument("--threshold", type=float, help="use this threshold instead of the cross-validated one")
    parser.add_argument("--fresh-install", action="store_true",
                        help="import the sample as past answers into a fresh install, with the app's commands only")
    args = parser.parse_args()
    answers_file = args.data / "telco_churn_reasons.csv"
    mapping_file = args.data / "telco_reason_to_app_groups_PROPOSED_mapping.csv"
    if not answers_file.exists() or not mapping_file.exists():
        print(f"Telco sample not found in {args.data}: nothing to measure")
        return 0
    with mapping_file.open(encoding="utf-8") as fh:
        expected = {row["churn_reason"]: MAPPED[row["proposed_benchmark_bucket"]] for row in csv.DictReader(fh)}
    with answers_file.open(encoding="utf-8") as fh:
        rows = [(row["customer_id"], row["churn_reason"]) for row in csv.DictReader(fh) if row["churn_reason"]]
    reasons = [reason for _ref, reason in rows]

    if args.fresh_install:
        t0 = time.perf_counter()
        outcomes = fresh_install(rows)
        elapsed = time.perf_counter() - t0
        threshold = None
    else:
        t0 = time.perf_counter()
        classifier = TextClassifier().fit(shipped_examples(), folds=args.folds)
        threshold = classifier.threshold if args.threshold is None else args.threshold
        print(f"trained in {time.perf_counter() - t0:.1f} s, threshold {threshold:.2f} "
              f"(cross-validated: {json.dumps(classifier.cv_metrics)})")
        t0 = time.perf_counter()
        predictions = classifier.predict(reasons, ["en"] * len(reasons))
        elapsed = time.perf_counter() - t0
        outcomes = [(p.bucket if p.bucket in BUCKETS and p.confidence >= threshold else None, p.bucket,
                     p.confidence) for p in predictions]

    per_reason: dict[str, Counter] = {}
    shown: dict[str, tuple[str, float]] = {}
    for reason, (placed, guess, confidence) in zip(reasons, outcomes, strict=True):
        want = expected.get(reason)
        outcome = ("correct" if placed == want else "unclassified" if placed is None else "wrong")
        per_reason.setdefault(reason, Counter())[outcome] += 1
        per_reason[reason]["no_bucket"] += placed is None
        shown[reason] = (guess, confidence)
    total = Counter()
    print(f"\n{'reason':<44}{'n':>5}{'correct':>9}{'review':>8}{'wrong':>7}  expected → model (confidence)")
    for reason, counts in sorted(per_reason.items(), key=lambda item: -sum(item[1].values())):
        n = counts["correct"] + counts["unclassified"] + counts["wrong"]
        total.update(counts)
        bucket, confidence = shown[reason]
        print(f"{reason[:43]:<44}{n:>5}{counts['correct'] / n:>9.2f}{counts['unclassified'] / n:>8.2f}"
              f"{counts['wrong'] / n:>7.2f}  {expected.get(reason) or 'none'} → {bucket} ({confidence:.2f})")
    n = total["correct"] + total["unclassified"] + total["wrong"]
    dont_know_in_bucket = per_reason.get("Don't know", Counter())["wrong"]
    summary = {"answers": n, "correct": round(total["correct"] / n, 4),
               "unclassified": round(total["unclassified"] / n, 4), "wrong": round(total["wrong"] / n, 4),
               "review_share": round(total["no_bucket"] / n, 4),
               "dont_know_in_a_bucket": dont_know_in_bucket, "threshold": threshold,
               "answers_per_second": round(n / elapsed, 1)}
    print(f"\noverall: {summary['correct']:.1%} correct, {summary['unclassified']:.1%} left for review, "
          f"{summary['wrong']:.1%} wrong; "
          f"in the review queue (Don't know included): {summary['review_share']:.1%}; "
          f"\"Don't know\" in a bucket: {dont_know_in_bucket}")
    print(json.dumps(summary))
    return 0


def fresh_install(rows: list[tuple[str, str]]) -> list[tuple[str | None, str, float]]:
    """Import the reasons as past answers into a new instance with the app's commands; per row, the bucket it got
    (None: left for review), the model's best guess and its confidence."""
    folder = Path(tempfile.mkdtemp(prefix="telco-fresh-"))
    env = {**os.environ, "INSTANCE_PATH": str(folder), "DATABASE_URL": f"sqlite:///{folder}/telco.sqlite3",
           "SECRET_KEY": "telco-sample", "SURVEY_APP_ENV": "development", "SCHEDULER_IN_PROCESS": "0"}
    env.pop("REDIS_URL", None)
    flask = [str(Path(sys.executable).parent / "flask"), "--app", "survey_app"]
    customers, answers = folder / "customers.csv", folder / "answers.csv"
    with customers.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["external_ref", "name", "email", "locale", "status"])
        writer.writerows([ref, f"Customer {ref}", "", "en", "lost"] for ref, _reason in rows)
    with answers.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["external_ref", "submitted_at", "text"])
        writer.writerows([ref, "2024-01-15", reason] for ref, reason in rows)
    try:
        for command in (["db", "upgrade"], ["seed", "catalogue"], ["surveys", "create", "--template", "exit",
                                                                    "--slug", "telco"],
                        ["customers", "import", str(customers)],
                        ["responses", "import", "--survey", "telco", str(answers)]):
            done = subprocess.run([*flask, *command], cwd=HERE.parent, env=env, capture_output=True, text=True)
            if done.returncode != 0:
                raise SystemExit(f"flask {' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
            said = done.stdout.strip().splitlines()
            print(f"flask {' '.join(command[:2])}: {said[-1] if said else 'ok'}")
        with sqlite3.connect(folder / "telco.sqlite3") as database:
            found = {ref: (bucket, guesses) for ref, bucket, guesses in database.execute(
                "SELECT c.external_ref, a.bucket, a.guesses FROM answer a JOIN response r ON r.id = a.response_id "
                "JOIN customer c ON c.id = r.customer_id WHERE a.text IS NOT NULL")}
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    outcomes = []
    for ref, _reason in rows:
        bucket, guesses = found[ref]
        best = json.loads(guesses)[0] if guesses else [bucket, 0.0]
        outcomes.append((bucket if bucket in BUCKETS else None, best[0], float(best[1])))
    return outcomes


if __name__ == "__main__":
    sys.exit(main())
