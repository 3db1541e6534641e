#!/usr/bin/env python3
"""IBM's Telco churn sample as answers nobody here wrote: correct / left for review / wrong, per reason.

    .venv/bin/python benchmarks/telco_sample.py [--folds 3] [--data ../shared/data/external]

Reads ``telco_churn_reasons.csv`` (1,869 churned customers, 20 short English reasons) and the proposed
mapping of each reason to a bucket from the shared data folder (never copied into the project), trains
a fresh model on the shipped examples (threshold chosen by cross-validation) and classifies every
customer's reason as a past answer would be. Price reasons count as competitor; "Don't know" is right
only when it stays out of every bucket. Targets: ≥ 90 % in the right bucket, ≤ 10 % left for review.
"""
import argparse
import csv
import json
import sys
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
    args = parser.parse_args()
    answers_file = args.data / "telco_churn_reasons.csv"
    mapping_file = args.data / "telco_reason_to_app_groups_PROPOSED_mapping.csv"
    if not answers_file.exists() or not mapping_file.exists():
        print(f"Telco sample not found in {args.data}: nothing to measure")
        return 0
    with mapping_file.open(encoding="utf-8") as fh:
        expected = {row["churn_reason"]: MAPPED[row["proposed_benchmark_bucket"]] for row in csv.DictReader(fh)}
    with answers_file.open(encoding="utf-8") as fh:
        reasons = [row["churn_reason"] for row in csv.DictReader(fh) if row["churn_reason"]]

    t0 = time.perf_counter()
    classifier = TextClassifier().fit(shipped_examples(), folds=args.folds)
    threshold = classifier.threshold if args.threshold is None else args.threshold
    print(f"trained in {time.perf_counter() - t0:.1f} s, threshold {threshold:.2f} "
          f"(cross-validated: {json.dumps(classifier.cv_metrics)})")
    t0 = time.perf_counter()
    predictions = classifier.predict(reasons, ["en"] * len(reasons))
    elapsed = time.perf_counter() - t0

    per_reason: dict[str, Counter] = {}
    shown: dict[str, tuple[str, float]] = {}
    for reason, prediction in zip(reasons, predictions, strict=True):
        placed = prediction.bucket if prediction.bucket in BUCKETS and prediction.confidence >= threshold else None
        want = expected.get(reason)
        outcome = ("correct" if placed == want else "unclassified" if placed is None else "wrong")
        per_reason.setdefault(reason, Counter())[outcome] += 1
        per_reason[reason]["no_bucket"] += placed is None
        shown[reason] = (prediction.bucket, prediction.confidence)
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


if __name__ == "__main__":
    sys.exit(main())
