"""The "Lost customers" report: the lost-customer ratio per account manager and period, its chart and exports."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, abort, render_template, request
from flask_babel import gettext as _

from ..auth.access import role_required
from ..auth.models import Role
from ..domain import Invalid
from ..reports.charts import ratio_lines
from ..reports.exports import FORMATS, send_table
from ..routing import day_arg
from ..taxonomy import BUCKETS
from .periods import UNITS, default_since
from .report import NORMAL_YEARLY_LOSS, LostReport, lost_ratio

bp = Blueprint("lost", __name__, url_prefix="/staff/reports/lost", template_folder="templates")

#: Managers drawn as their own line on the chart (the most customers first); the team total is always drawn.
CHART_MANAGERS = 5


def _report() -> tuple[LostReport, dict[str, str]]:
    """The report the URL asks for (``period``, ``since``, ``until``), and those arguments as given."""
    unit = request.args.get("period", "quarter")
    if unit not in UNITS:
        raise Invalid("bad_filter", field="period")
    until = day_arg("until") or date.today()
    since = day_arg("since") or default_since(unit, until)
    if since > until:
        raise Invalid("bad_filter", field="since")
    args = {"period": unit, **({"since": since.isoformat()} if "since" in request.args else {}),
            **({"until": until.isoformat()} if "until" in request.args else {})}
    return lost_ratio(unit, since, until), args


def _manager(name: str | None, total: bool = False) -> str:
    return name or (_("All managers") if total else _("No account manager"))


@bp.get("/")
@role_required(Role.ANALYST)
def index():
    """Lost customers per account manager and period: the table, the chart and the reasons of those who answered."""
    report, args = _report()
    return render_template("lost/index.html", report=report, args=args, units=UNITS, buckets=BUCKETS,
                           manager_name=_manager, band=NORMAL_YEARLY_LOSS if report.unit == "year" else None)


@bp.get("/chart.png")
@role_required(Role.ANALYST)
def chart():
    """The lost-customer ratio per period as a line per manager and one for the team, as PNG."""
    report, _args = _report()
    managers = {}
    for period in report.periods:
        for row in period.managers:
            managers[row.manager_id] = max(managers.get(row.manager_id, 0), row.customers)
    shown = sorted(managers, key=lambda m: -managers[m])[:CHART_MANAGERS]
    series: dict[str, list[float | None]] = {}
    for manager_id in shown:
        by_period = [{r.manager_id: r for r in p.managers}.get(manager_id) for p in report.periods]
        series[_manager(report.managers.get(manager_id))] = [r.ratio if r else None for r in by_period]
    total = _manager(None, total=True)
    series[total] = [p.total.ratio for p in report.periods]
    body = ratio_lines(_("Lost customers per hundred at the start of each period"),
                       [p.label for p in report.periods], series, _("Period"), total=total,
                       band=NORMAL_YEARLY_LOSS if report.unit == "year" else None,
                       band_label=_("Normal yearly loss (9–11 %)"))
    response = Response(body, mimetype="image/png")
    response.headers["Cache-Control"] = "private, max-age=60"
    return response


@bp.get("/export.<fmt>")
@role_required(Role.ANALYST)
def export(fmt: str):
    """The table as CSV or XLSX: one row per period and manager, then the team's total."""
    if fmt not in FORMATS:
        abort(404)
    report, _args = _report()
    header = [_("Period"), _("Account manager"), _("Customers at the start"), _("Lost in the period"), _("Share lost"),
              _("Lost revenue")]
    rows = [[p.label, _manager(r.manager, total=r is p.total), r.customers, r.lost, r.ratio, float(r.lost_revenue)]
            for p in report.periods for r in [*p.managers, p.total]]
    return send_table("lost-customers", header, rows, fmt)
