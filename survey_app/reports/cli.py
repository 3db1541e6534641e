"""``flask reports`` commands."""
from __future__ import annotations

import json

import click
from flask.cli import with_appcontext

from ..surveys.services import get_survey
from ..taxonomy import BENCHMARKS, DEFAULT_BENCHMARK
from .queries import response_count
from .services import survey_breakdown


@click.group("reports")
def reports_cli() -> None:
    """Report figures for scripts."""


@reports_cli.command("breakdown")
@click.option("--survey", "slug", required=True, help="Slug of the survey.")
@click.option("--benchmark", "code", type=click.Choice(list(BENCHMARKS)), default=DEFAULT_BENCHMARK,
              show_default=True, help="Benchmark version to compare with.")
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="json", show_default=True)
@with_appcontext
def breakdown_cmd(slug: str, code: str, fmt: str) -> None:
    """Print a survey's counts and shares per bucket and cause group, n, unclassified and the benchmark."""
    survey = get_survey(slug)
    if survey is None:
        raise click.ClickException(f"no survey with slug {slug!r}")
    data = survey_breakdown(survey, code)
    result = {"survey": survey.slug, "kind": survey.kind.value, "responses": response_count(survey), **data.as_dict()}
    if fmt == "json":
        click.echo(json.dumps(result, ensure_ascii=False))
        return
    click.echo(f"{survey.slug}: n={data.n}, unclassified={data.unclassified}, benchmark {code}")
    for name, row in [*result["buckets"].items(), *result["cause_groups"].items()]:
        click.echo(f"  {name:<16}{row['count']:>7}{row['share'] * 100:>7.1f} %"
                   f"  (benchmark {row['benchmark_share'] * 100:.0f} %)")
