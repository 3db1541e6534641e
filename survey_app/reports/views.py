"""The dashboard: one survey against the benchmark, as a chart and as a table."""
from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request

from ..auth.access import role_required
from ..auth.models import Role
from ..surveys.services import survey_or_404
from ..taxonomy import BENCHMARKS, BUCKET_GROUP, BUCKETS, CAUSE_GROUPS, DEFAULT_BENCHMARK
from .queries import response_count
from .services import chart_png, survey_breakdown, verdict

bp = Blueprint("reports", __name__, url_prefix="/staff/surveys/<slug>", template_folder="templates")


def _survey_and_benchmark(slug: str):
    survey = survey_or_404(slug)
    code = request.args.get("benchmark", DEFAULT_BENCHMARK)
    if code not in BENCHMARKS:
        abort(400)
    return survey, code


@bp.get("/dashboard")
@role_required(Role.ANALYST)
def dashboard(slug: str):
    """Show the bucket and cause-group breakdown against the chosen benchmark version."""
    survey, code = _survey_and_benchmark(slug)
    data = survey_breakdown(survey, code)
    return render_template("reports/dashboard.html", survey=survey, data=data, benchmarks=BENCHMARKS,
                           code=code, buckets=BUCKETS, groups=CAUSE_GROUPS, bucket_groups=BUCKET_GROUP,
                           responses=response_count(survey), verdict=verdict(data))


@bp.get("/chart.<fmt>")
@role_required(Role.ANALYST)
def chart(slug: str, fmt: str):
    """The dashboard chart as PNG or SVG, in the viewer's language."""
    if fmt not in ("png", "svg"):
        abort(404)
    survey, code = _survey_and_benchmark(slug)
    body = chart_png(survey, survey_breakdown(survey, code), fmt)
    mimetype = "image/png" if fmt == "png" else "image/svg+xml"
    response = Response(body, mimetype=mimetype)
    response.headers["Cache-Control"] = "private, max-age=60"
    response.headers["Vary"] = "Cookie, Accept-Language"
    return response
