"""The dashboard: the filtered answers against the benchmark, by cause group, kind, time, revenue and reach."""
from __future__ import annotations

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from ..audit.services import record_now
from ..auth.access import role_required
from ..auth.models import Role, StaffUser
from ..dbtypes import utcnow
from ..extensions import db
from ..followups.services import on_time
from ..i18n import LANGUAGES
from ..labels import language_name
from ..surveys.models import Survey
from ..taxonomy import BENCHMARKS, BUCKET_GROUP, BUCKETS, CAUSE_GROUPS
from . import exports, services
from .filters import CHANNELS, KINDS, PERIODS, ReportFilter, from_args
from .queries import account_managers, segments
from .stats import BELIEF_GROUPS, wilson_interval

bp = Blueprint("reports", __name__, url_prefix="/staff/reports", template_folder="templates")


def _filter() -> ReportFilter:
    """The report's filter from the URL (a bad value is a translated 400 naming it)."""
    return from_args(request.args.to_dict(flat=False))


def _page(template: str, printed: bool = False):
    f = _filter()
    report = services.build_report(f)
    return render_template(
        template, report=report, f=f, args=f.to_args(), data=report.data, benchmarks=BENCHMARKS,
        buckets=BUCKETS, groups=CAUSE_GROUPS, bucket_groups=BUCKET_GROUP, kinds=KINDS, channels=CHANNELS,
        periods=PERIODS, languages=LANGUAGES, segments=segments(), managers=account_managers(),
        surveys=db.session.scalars(select(Survey).order_by(Survey.created_at.desc())).all(),
        period_label=services.period_label, money=services.money, funnel_labels=services.funnel_labels(),
        period_names=_period_names(), filter_summary=_summary(f) if printed else None,
        belief_groups=BELIEF_GROUPS, wilson_interval=wilson_interval, p_value_text=services.p_value_text,
        followed_up=on_time(utcnow().date(), since=f.since), waiting_for_review=services.review_waiting(),
        answers_link=lambda **narrower: _answers_link(f, **narrower), period_span=lambda day: _period_span(f, day))


def _period_span(f: ReportFilter, day) -> dict[str, str]:
    """The days of the trend's period starting on ``day``, within the filter's own dates (as the trend counts)."""
    since, until = max(day, f.since or day), services.period_end(day, f.period)
    if f.until is not None:
        until = min(until, f.until)
    return {"since": since.isoformat(), "until": until.isoformat()}


def _answers_link(f: ReportFilter, **narrower: str) -> str:
    """The response list narrowed as the report is, and further (a bucket, a cause group, a kind): the answers
    behind a count."""
    args = {k: v for k, v in f.to_args().items() if k not in ("benchmark", "period", "weight")}
    return url_for("responses.index", **{**args, **narrower})


def _period_names() -> dict[str, str]:
    return {"week": _("Week"), "month": _("Month"), "quarter": _("Quarter")}


def _summary(f: ReportFilter) -> str:
    """The filter in words, for the printed report."""
    from flask_babel import format_date

    from ..labels import channel_label, kind_label

    parts = [_("Surveys: %(names)s", names=", ".join(f.surveys)) if f.surveys else _("All surveys")]
    if f.kind:
        parts.append(kind_label(f.kind))
    if f.since or f.until:
        parts.append(_("from %(since)s to %(until)s", since=format_date(f.since) if f.since else "…",
                       until=format_date(f.until) if f.until else "…"))
    if f.locale:
        parts.append(language_name(f.locale))
    if f.segment:
        parts.append(_("segment %(segment)s", segment=f.segment))
    if f.manager is not None:
        name = db.session.scalar(select(StaffUser.name).where(StaffUser.id == f.manager)) or f.manager
        parts.append(_("account manager %(name)s", name=name))
    if f.channel:
        parts.append(channel_label(f.channel))
    return " · ".join(str(p) for p in parts)


@bp.get("/")
@role_required(Role.ANALYST)
def dashboard():
    """Show every chart and table for the filter in the URL."""
    return _page("reports/dashboard.html")


@bp.get("/print")
@role_required(Role.ANALYST)
def printable():
    """The same report as one printable page (print it, or save it as PDF from the browser)."""
    return _page("reports/print.html", printed=True)


@bp.get("/chart/<name>.<fmt>")
@role_required(Role.ANALYST)
def chart(name: str, fmt: str):
    """One chart as PNG or SVG, in the viewer's language."""
    if fmt not in ("png", "svg") or name not in services.CHARTS:
        abort(404)
    body = services.chart(name, _filter(), fmt)
    if body is None:
        abort(404)
    response = Response(body, mimetype="image/png" if fmt == "png" else "image/svg+xml")
    response.headers["Cache-Control"] = "private, max-age=60"
    response.headers["Vary"] = "Cookie, Accept-Language"
    if request.args.get("download"):
        record_now("report.export", target_type="chart", target_id=name,
                   detail={"format": fmt, **{k: v[:200] for k, v in request.args.items() if k != "download"}})
        response.headers["Content-Disposition"] = f"attachment; filename={name}.{fmt}"
    return response


@bp.get("/export/<name>.<fmt>")
@role_required(Role.ANALYST)
def export(name: str, fmt: str):
    """The answers, or one chart's figures, as CSV or XLSX (cells that could run as formulas neutralised)."""
    if fmt not in exports.FORMATS or name not in exports.TABLES:
        abort(404)
    return exports.download(name, _filter(), fmt)


survey_bp = Blueprint("survey_reports", __name__, url_prefix="/staff/surveys/<slug>")


@survey_bp.get("/dashboard")
@role_required(Role.ANALYST)
def survey_dashboard(slug: str):
    """A survey's dashboard: the report filtered to that survey (the other filter values kept)."""
    # Only the filter's own arguments go on: url_for must never see "_external", "_scheme" or "_method".
    args = {**_filter().to_args(), "survey": slug}
    return redirect(url_for("reports.dashboard", **args))
