"""``flask reports`` commands."""
from __future__ import annotations

import json
from datetime import date

import click
from flask.cli import with_appcontext

from ..cli_params import day
from ..i18n import LANGUAGES
from ..lost.periods import UNITS, default_since
from ..lost.report import lost_ratio
from ..taxonomy import BENCHMARKS, DEFAULT_BENCHMARK
from .filters import CHANNELS, KINDS, ReportFilter
from .queries import UnknownSurvey
from .services import beliefs, breakdown_report, misperception_sentence
from .stats import BELIEF_GROUPS


@click.group("reports")
def reports_cli() -> None:
    """Report figures for scripts."""


@reports_cli.command("breakdown")
@click.option("--survey", "slugs", multiple=True, help="Slug of a survey (repeat for several; default: all).")
@click.option("--kind", type=click.Choice(KINDS), help="Only exit or only loyalty surveys.")
@click.option("--since", callback=day, help="First day counted (YYYY-MM-DD).")
@click.option("--until", callback=day, help="Last day counted (YYYY-MM-DD).")
@click.option("--locale", type=click.Choice(list(LANGUAGES)), help="Only answers in this language.")
@click.option("--segment", help="Only customers of this segment.")
@click.option("--manager", type=int, help="Only customers of this account manager (staff id).")
@click.option("--channel", type=click.Choice(CHANNELS), help="Only answers that came this way.")
@click.option("--benchmark", "code", type=click.Choice(list(BENCHMARKS)), default=DEFAULT_BENCHMARK,
              show_default=True, help="Benchmark version to compare with.")
@click.option("--weight", type=click.Choice(["count", "revenue"]), default="count", show_default=True,
              help="Also weigh each answer by its customer's annual revenue.")
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="json", show_default=True)
@with_appcontext
def breakdown_cmd(slugs: tuple[str, ...], code: str, weight: str, fmt: str, **narrowing) -> None:
    """Print counts and shares per bucket and cause group, n, unclassified and the benchmark, as one JSON object."""
    if narrowing["since"] and narrowing["until"] and narrowing["until"] < narrowing["since"]:
        raise click.BadParameter("the last day comes before the first", param_hint="--until")
    f = ReportFilter(surveys=slugs, benchmark=code, weight=weight, **narrowing)
    try:
        result = breakdown_report(f)
    except UnknownSurvey as error:
        raise click.ClickException(f"no survey with slug {error.slug!r}") from None
    if fmt == "json":
        click.echo(json.dumps(result, ensure_ascii=False))
        return
    click.echo(f"{', '.join(slugs) or 'all surveys'}: n={result['n']}, unclassified={result['unclassified']}, "
               f"pending={result['pending']}, benchmark {code}")
    for name, row in [*result["buckets"].items(), *result["cause_groups"].items()]:
        click.echo(f"  {name:<16}{row['count']:>7}{row['share'] * 100:>7.1f} %"
                   f"  (benchmark {row['benchmark_share'] * 100:.0f} %)")
    if weight == "revenue":
        for name, row in [*result["revenue"]["buckets"].items(), *result["revenue"]["cause_groups"].items()]:
            click.echo(f"  {name:<16}{row['revenue']:>16,.2f}{row['share'] * 100:>7.1f} %")


@reports_cli.command("beliefs")
@click.option("--survey", "slugs", multiple=True,
              help="Slug of a survey (repeat for several; default: all). Staff surveys named give the team's side, "
                   "customer surveys the customers' side.")
@click.option("--since", callback=day, help="First day counted (YYYY-MM-DD).")
@click.option("--until", callback=day, help="Last day counted (YYYY-MM-DD).")
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="json", show_default=True)
@with_appcontext
def beliefs_cmd(slugs: tuple[str, ...], since: date | None, until: date | None, fmt: str) -> None:
    """What staff believe, loyal customers fear and departed customers said: per bucket and cause group the three
    shares with 95 % intervals, the chi-square p-values and the largest misperception."""
    if since and until and until < since:
        raise click.BadParameter("the last day comes before the first", param_hint="--until")
    f = ReportFilter(surveys=slugs, since=since, until=until)
    try:
        comparison = beliefs(f)
    except UnknownSurvey as error:
        raise click.ClickException(f"no survey with slug {error.slug!r}") from None
    result = {"surveys": list(slugs), "filter": {k: v for k, v in f.to_args().items() if k != "survey"},
              **comparison.as_dict(), "sentence": misperception_sentence(comparison)}
    if fmt == "json":
        click.echo(json.dumps(result, ensure_ascii=False))
        return
    counts = ", ".join(f"{name} n={row['n']}" for name, row in result["groups"].items())
    click.echo(f"{counts}; p={result['p_value']}, cause groups p={result['cause_group_p_value']}")
    for name, row in [*result["buckets"].items(), *result["cause_groups"].items()]:
        click.echo(f"  {name:<16}" + "".join(f"{row[g]['share'] * 100:>7.1f} %" for g in BELIEF_GROUPS))
    if result["sentence"]:
        click.echo(result["sentence"])


@reports_cli.command("lost-ratio")
@click.option("--period", "unit", type=click.Choice(UNITS), default="quarter", show_default=True)
@click.option("--since", callback=day, help="First day counted (YYYY-MM-DD; default: a span of periods ending today).")
@click.option("--until", callback=day, help="Last day counted (YYYY-MM-DD; default: today).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@with_appcontext
def lost_ratio_cmd(unit: str, since: date | None, until: date | None, fmt: str) -> None:
    """The lost-customer ratio per account manager and period: customers at the start, lost, ratio, lost revenue."""
    until = until or date.today()
    since = since or default_since(unit, until)
    if since > until:
        raise click.BadParameter("--since is after --until")
    report = lost_ratio(unit, since, until)
    if fmt == "json":
        click.echo(json.dumps({"periods": report.as_dict()["periods"]}))
        return
    for period in report.periods:
        for row in [*period.managers, period.total]:
            who = row.manager or ("(team)" if row is period.total else "(no manager)")
            ratio = "—" if row.ratio is None else f"{row.ratio:.1f} %"
            click.echo(f"{period.label}\t{who}\t{row.customers}\t{row.lost}\t{ratio}\t{row.lost_revenue}")
