"""The win-back results report: the win-back rate, median days to return and revenue recovered, overall and per
priority, reason bucket, cause group, owner and channel of the step before the purchase; its chart and exports.

Not kept in the report cache: win-back cases change (steps done, owners, reasons, closing) without raising the
counted-data revision of :mod:`survey_app.reports.state`, and the figures are read in a few queries.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..auth.access import role_required
from ..auth.models import Role
from ..domain import Invalid
from ..labels import bucket_label, group_label
from ..lost.forms import PRIORITY_LABELS
from ..reports.charts import share_panels
from ..reports.exports import FORMATS, send_chart, send_table
from ..reports.services import percent
from ..routing import day_arg
from .forms import CHANNEL_LABELS
from .queries import Results, results
from .rules import Channel, Rate

bp = Blueprint("winback_results", __name__, url_prefix="/staff/winback/results", template_folder="templates")

#: The ways of grouping cases, in the order the page shows them, with their headings.
GROUPINGS = {"priority": _l("Win-back priority"), "bucket": _l("Real reason"), "group": _l("Cause group"),
             "manager": _l("Owner"), "channel": _l("Channel of the step before the purchase")}
#: What the chart draws when the URL does not choose a grouping.
CHART_DEFAULT = ("priority", "group")


@dataclass(frozen=True)
class Table:
    """One grouping's rows: each value's label and figures."""

    grouping: str
    heading: str
    rows: list[tuple[str, Rate]]


def _priority(key) -> str:
    return f"{key} – {PRIORITY_LABELS[key]}" if key in PRIORITY_LABELS else str(key)


def _bucket(key) -> str:
    return bucket_label(key, short=True) if key else _("Reason not known")


def _group(key) -> str:
    return group_label(key) if key else _("Reason not known")


def _manager(key) -> str:
    return key or _("No owner")


def _channel(key) -> str:
    return str(CHANNEL_LABELS[Channel(key)]) if key else _("No step done")


#: How each grouping names its values (keys as :func:`survey_app.winback.queries.results` gives them).
LABELS: dict[str, Callable[[object], str]] = {"priority": _priority, "bucket": _bucket, "group": _group,
                                              "manager": _manager, "channel": _channel}


def tables(found: Results) -> list[Table]:
    """The figures per grouping, each value with its label in the viewer's language."""
    return [Table(name, str(heading), [(LABELS[name](rate.key), rate) for rate in getattr(found, f"by_{name}")])
            for name, heading in GROUPINGS.items()]


def _span() -> tuple[date | None, date | None, dict[str, str]]:
    """The span of lost dates the URL asks for (``since``, ``until``; either may be left out), and those arguments.

    :raise Invalid: ``bad_filter`` for a value that is not a day, or ``since`` after ``until``.
    """
    days = {}
    for name in ("since", "until"):
        try:
            days[name] = day_arg(name)
        except Invalid:
            raise Invalid("bad_filter", field=name) from None
    since, until = days["since"], days["until"]
    if since and until and since > until:
        raise Invalid("bad_filter", field="since")
    return since, until, {k: v.isoformat() for k, v in days.items() if v}


@bp.get("/")
@role_required(Role.ANALYST)
def index():
    """The overall figures, the chart and a table per grouping of the cases lost in the span."""
    since, until, args = _span()
    by = _by()
    found = results(since, until)
    return render_template("winback/results.html", total=found.total, tables=tables(found), args=args, by=by,
                           groupings=GROUPINGS)


def _by() -> str:
    """The grouping the URL's ``by`` chooses for the chart ("": the default ones)."""
    by = request.args.get("by", "")
    if by and by not in GROUPINGS:
        raise Invalid("bad_filter", field="by")
    return by


@bp.get("/chart.png")
@role_required(Role.ANALYST)
def chart():
    """The win-back rate per priority and cause group (or per the grouping ``by`` chooses) as PNG bars."""
    since, until, _args = _span()
    shown = (by,) if (by := _by()) else CHART_DEFAULT
    found = results(since, until)
    if not found.total.cases:
        abort(404)
    panels = [(t.heading, [label for label, _rate in t.rows], [rate.rate for _label, rate in t.rows],
               [f"{rate.won_back}/{rate.cases}" for _label, rate in t.rows])
              for t in tables(found) if t.grouping in shown]
    body = share_panels(_("Win-back rate of the cases lost in the span"), panels, _("Cases won back"), percent=percent)
    return send_chart(body)


@bp.get("/export.<fmt>")
@role_required(Role.ANALYST)
def export(fmt: str):
    """The figures as CSV or XLSX: all cases, then one row per grouping and value."""
    if fmt not in FORMATS:
        abort(404)
    since, until, _args = _span()
    found = results(since, until)
    header = [_("Grouping"), _("Value"), _("Cases"), _("Won back"), _("Win-back rate"), _("Median days to return"),
              _("Revenue recovered in the 12 months after return")]
    everything = (_("All cases"), [(_("All cases"), found.total)])
    rows = [[heading, label, rate.cases, rate.won_back, None if rate.rate is None else round(rate.rate, 4),
             rate.median_days, float(rate.recovered)]
            for heading, values in [everything, *((t.heading, t.rows) for t in tables(found))]
            for label, rate in values]
    return send_table("winback-results", header, rows, fmt, action="winback.export")
