"""The "Lost customers" report: the lost-customer ratio per account manager and period, its chart and exports."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TypeVar

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..audit.services import record
from ..auth.access import role_required
from ..auth.models import Role, StaffUser
from ..customers.models import Customer
from ..dbtypes import utcnow
from ..domain import Invalid
from ..extensions import cache, db
from ..formutil import ConfirmForm
from ..reports.charts import ratio_lines
from ..reports.exports import FORMATS, send_chart, send_table
from ..reports.services import percent
from ..reports.state import data_state
from ..routing import day_arg, int_arg
from ..taxonomy import BUCKETS
from ..winback.forms import STATE_LABELS as CASE_STATES
from ..winback.queries import latest_cases
from .cost import loss_cost
from .forms import PRIORITY_LABELS, OverrideForm, PriorityMappingForm
from .periods import UNITS, default_since
from .priorities_rules import CELLS, Priority
from .report import NORMAL_YEARLY_LOSS, LostReport, lost_ratio
from .winback import LostFilter, lost_customers, priority_mapping, ranking_of, set_override, set_priority_mapping

T = TypeVar("T")

bp = Blueprint("lost", __name__, url_prefix="/staff/reports/lost", template_folder="templates")

#: Tenure bands as the page names them.
TENURE_LABELS = {"<1": _l("Under a year"), "1-2": _l("1 to 2 years"), "2-5": _l("2 to 5 years"),
                 "5+": _l("5 years or more"), "unknown": _l("Start not known")}
#: Managers drawn as their own line on the chart (the most customers first); the team total is always drawn.
CHART_MANAGERS = 5


def _cached(name: str, key: tuple, build: Callable[[], T]) -> T:
    """``build()``, kept in the report cache until counted data changes (see :mod:`survey_app.reports.state`)."""
    full_key = f"lost:{name}:{key!r}:{data_state()!r}"
    value = cache.get(full_key)
    if value is None:
        value = build()
        cache.set(full_key, value)
    return value


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
    return _cached("ratio", (unit, since, until), lambda: lost_ratio(unit, since, until)), args


def _manager(name: str | None, total: bool = False) -> str:
    return name or (_("All managers") if total else _("No account manager"))


@bp.get("/")
@role_required(Role.ANALYST)
def index():
    """Lost customers per account manager and period: the table, the chart and the reasons of those who answered."""
    report, args = _report()
    points = _points()
    if "points" in request.args:
        args["points"] = f"{points:g}"
    return render_template("lost/index.html", report=report, args=args, units=UNITS, buckets=BUCKETS,
                           manager_name=_manager, band=NORMAL_YEARLY_LOSS if report.unit == "year" else None,
                           cost=_cached("cost", (report.since, report.until, points),
                                        lambda: loss_cost(report.since, report.until, points)),
                           tenure_labels=TENURE_LABELS)


def _points() -> float:
    """The ``points`` of the what-if line (lost customers per hundred fewer), 5 unless the URL says otherwise."""
    text = request.args.get("points", "").strip().replace(",", ".")
    if not text:
        return 5.0
    try:
        points = float(text)
    except ValueError:
        raise Invalid("bad_filter", field="points") from None
    if not 0 <= points <= 100:
        raise Invalid("bad_filter", field="points")
    return points


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
                       band_label=_("Normal yearly loss (9–11 %)"), percent=percent)
    return send_chart(body)


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
    return send_table("lost-customers", header, rows, fmt, action="lost.export")


#: Rows shown on the lost-customer list (the filters narrow it further).
LIST_LIMIT = 1000


def _lost_filter() -> tuple[LostFilter, dict[str, str]]:
    """The list's filters from the URL (``manager``, ``priority``, ``since``, ``until``, ``reason``, ``segment``)."""
    priority = request.args.get("priority", "")
    if priority and priority not in {str(int(p)) for p in Priority}:
        raise Invalid("bad_filter", field="priority")
    reason = request.args.get("reason", "")
    if reason and reason not in BUCKETS:
        raise Invalid("bad_filter", field="reason")
    since, until = day_arg("since"), day_arg("until")
    if since and until and since > until:
        raise Invalid("bad_filter", field="since")
    manager = int_arg("manager", 0, high=2**31 - 1) or None
    segment = request.args.get("segment", "").strip()[:64]
    narrowing = LostFilter(manager_id=manager, priority=int(priority) if priority else None, since=since, until=until,
                           reason=reason or None, segment=segment or None)
    args = {k: v for k, v in {"manager": str(manager or ""), "priority": priority,
                              "since": since.isoformat() if since else "", "until": until.isoformat() if until else "",
                              "reason": reason, "segment": segment}.items() if v}
    return narrowing, args


@bp.get("/customers")
@role_required(Role.ANALYST)
def customers():
    """The lost customers by win-back priority, then revenue of their last twelve months, with the list's filters."""
    narrowing, args = _lost_filter()
    rows = lost_customers(utcnow().date(), narrowing)
    managers = db.session.execute(db.select(StaffUser.id, StaffUser.email).order_by(StaffUser.email)).all()
    segments = db.session.scalars(db.select(Customer.segment).where(Customer.segment.is_not(None)).distinct()
                                  .order_by(Customer.segment)).all()
    shown = rows[:LIST_LIMIT]
    return render_template("lost/customers.html", rows=shown, total=len(rows), args=args, managers=managers,
                           segments=segments, buckets=BUCKETS, priority_labels=PRIORITY_LABELS,
                           cases=latest_cases([row.customer_id for row in shown]), case_states=CASE_STATES,
                           confirm=ConfirmForm())


@bp.route("/priorities", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def priorities():
    """The win-back priority of each ABC × XYZ cell, as an admin sets it."""
    mapping = priority_mapping()
    form = PriorityMappingForm(data={cell: str(p) for cell, p in mapping.items()})
    if form.validate_on_submit():
        set_priority_mapping({cell: int(form[cell].data) for cell in CELLS})
        record("settings.winback_priorities", target_type="settings", target_id="winback_priorities",
               detail={cell: form[cell].data for cell in CELLS})
        db.session.commit()
        flash(_("Win-back priorities saved."), "success")
        return redirect(url_for("lost.priorities"))
    return render_template("lost/priorities.html", form=form, cells=CELLS, priority_labels=PRIORITY_LABELS)


@bp.route("/customers/<int:customer_id>/priority", methods=["GET", "POST"])
@role_required(Role.ANALYST)
def override(customer_id: int):
    """Set one customer's win-back priority by hand, with a note, or give them their cell's priority back."""
    customer = db.get_or_404(Customer, customer_id)
    ranking = ranking_of(customer.id, utcnow().date())
    form = OverrideForm(data={"priority": str(int(ranking.priority)) if ranking.overridden else "",
                              "note": ranking.note})
    if form.validate_on_submit():
        set_override(customer, int(form.priority.data) if form.priority.data else None, form.note.data or "",
                     current_user)
        record("customer.priority", target_type="customer", target_id=customer.id,
               detail={"priority": form.priority.data or None})
        db.session.commit()
        flash(_("Win-back priority saved."), "success")
        if current_user.has_role(Role.ADMIN):
            return redirect(url_for("customers.show", customer_id=customer.id))
        return redirect(url_for("lost.customers"))
    return render_template("lost/override.html", customer=customer, ranking=ranking, form=form,
                           priority_labels=PRIORITY_LABELS)
