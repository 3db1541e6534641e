"""``flask classify`` commands."""
from __future__ import annotations

import json

import click
from flask.cli import with_appcontext

from ..extensions import db
from .services import classify_backlog, ensure_model, threshold, train


@click.group("classify")
def classify_cli() -> None:
    """Train, run and evaluate the free-text classifier."""


@classify_cli.command("train")
@click.option("--no-staff", is_flag=True, help="Learn from the shipped examples only, not from staff decisions.")
@click.option("--folds", default=3, show_default=True,
              help="Cross-validation folds for the recorded metrics (0: none).")
@with_appcontext
def train_cmd(no_staff: bool, folds: int) -> None:
    """Train a new model version on the shipped examples plus staff-confirmed answers, and make it current."""
    row = train(include_staff=not no_staff, folds=folds)
    db.session.commit()
    click.echo(f"Model {row.version}: {row.shipped_examples} shipped + {row.staff_examples} staff examples")
    if row.metrics:
        click.echo(json.dumps(row.metrics))


@classify_cli.command("backlog")
@with_appcontext
def backlog_cmd() -> None:
    """Classify (again) every free-text answer that staff have not decided, with the current model."""
    counts = classify_backlog()
    db.session.commit()
    click.echo(f"{counts['answers']} answers: {counts['classified']} classified, "
               f"{counts['unclassified']} left for review")


@classify_cli.command("evaluate")
@click.argument("file", type=click.File("r", encoding="utf-8-sig"))
@with_appcontext
def evaluate_cmd(file) -> None:
    """Score the current model on a labelled CSV (lang,bucket,text; bucket none: not a reason); last line JSON."""
    from .model import LABELS, evaluate, read_examples  # scikit-learn is loaded only when needed

    examples = read_examples(file)
    if not examples:
        raise click.ClickException("no labelled rows (columns lang,bucket,text) in the file")
    version, classifier = ensure_model()
    result = evaluate(classifier, examples, threshold(classifier))
    click.echo(f"model {version}, {result['n']} texts, threshold {result['threshold']:.2f}")
    click.echo(f"{'':<8}{'n':>5}{'bucket acc':>12}{'bucket F1':>11}{'cause acc':>11}{'review':>9}"
               f"{'conf. err':>11}")
    for name, row in [("all", result), *result["languages"].items()]:
        click.echo(f"{name:<8}{row['n']:>5}{row['bucket_accuracy']:>12.3f}{row['bucket_macro_f1']:>11.3f}"
                   f"{row['cause_accuracy']:>11.3f}{row['unclassified_share']:>9.3f}"
                   f"{row['confident_error_share']:>11.3f}")
    click.echo("review: share left for review (below the threshold or not a reason); "
               "conf. err: share of those put into a bucket that are in the wrong one")
    click.echo("confusion (rows: true label, columns: most likely label)")
    click.echo(" " * 16 + "".join(f"{b[:6]:>8}" for b in LABELS))
    for label, counts in zip(LABELS, result["confusion"]["matrix"], strict=True):
        click.echo(f"{label:<16}" + "".join(f"{c:>8}" for c in counts))
    keys = ("n", "bucket_accuracy", "bucket_macro_f1", "cause_accuracy", "cause_macro_f1", "unclassified_share",
            "confident_error_share")
    summary = {key: result[key] for key in keys}
    summary["threshold"] = result["threshold"]
    summary["languages"] = {lang: {key: row[key] for key in keys} for lang, row in result["languages"].items()}
    summary["model_version"] = version
    click.echo(json.dumps(summary))
