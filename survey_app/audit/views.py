"""The audit log page for administrators, its export, and the hook that audits every API-key request."""
from __future__ import annotations

from flask import Blueprint, Flask, abort, current_app, g, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..auth.access import role_required
from ..auth.models import Role
from ..domain import Invalid
from ..extensions import db
from ..reports.exports import FORMATS, send_table
from ..routing import day_arg, int_arg
from .services import AuditFilter, actions, events, kind_of, record, search, target_types

bp = Blueprint("audit", __name__, url_prefix="/staff/audit", template_folder="templates")

#: What each kind of action is called on the page.
KIND_LABELS = {
    "viewed": _l("Viewed"),
    "exported": _l("Exported"),
    "changed": _l("Changed"),
    "erased": _l("Erased"),
    "reclassified": _l("Reclassified"),
    "signed_in": _l("Signed in or out"),
    "api": _l("API request"),
}

#: The most events one export holds.
EXPORT_LIMIT = 100_000


def _filter() -> AuditFilter:
    """The log's filter from the URL (``actor``, ``action``, ``target_type``, ``since``, ``until``).

    :raise Invalid: ``bad_filter`` for a value too long or a span that ends before it starts.
    """
    values = {name: request.args.get(name, "").strip() for name in ("actor", "action", "target_type")}
    for name, limit in (("actor", 300), ("action", 60), ("target_type", 40)):
        if len(values[name]) > limit:
            raise Invalid("bad_filter", field=name)
    since, until = day_arg("since"), day_arg("until")
    if since and until and since > until:
        raise Invalid("bad_filter", field="since")
    return AuditFilter(since=since, until=until, **values)


@bp.get("/")
@role_required(Role.ADMIN)
def index():
    """The audit log, newest first, with filters and pages."""
    f = _filter()
    page = search(f, page=int_arg("page", 1))
    return render_template("audit/index.html", page=page, f=f, args=f.args(), actions=actions(),
                           target_types=target_types(), kind_of=kind_of, kind_labels=KIND_LABELS,
                           formats=FORMATS)


@bp.get("/export.<fmt>")
@role_required(Role.ADMIN)
def export(fmt: str):
    """The filtered log as CSV or XLSX (an export that is itself audited)."""
    if fmt not in FORMATS:
        abort(404)
    f = _filter()
    header = [_("Time (UTC)"), _("Kind"), _("Action"), _("Actor"), _("Staff account"), _("API key"),
              _("Target type"), _("Target"), _("IP address"), _("Browser"), _("Details")]
    rows = ([e.at.isoformat(sep=" ", timespec="seconds"), str(KIND_LABELS[kind_of(e.action)]), e.action,
             e.actor_label, e.actor_user_id, e.api_key_id, e.target_type, e.target_id, e.ip, e.user_agent,
             _details(e.detail)] for e in events(f, limit=EXPORT_LIMIT))
    return send_table("audit-log", header, rows, fmt, action="audit.export")


def _details(detail: dict | None) -> str:
    return "; ".join(f"{k}={v}" for k, v in sorted((detail or {}).items()))


#: Form posts under /staff/ that change nothing (a preview, a count before confirming): never recorded by the hook.
NOT_CHANGES = frozenset({"surveys.preview", "invitations.recipients"})


def _target() -> tuple[str | None, str | None, dict[str, str]]:
    """What a staff request acted on, from its URL: ``(target type, target id, the other URL values)``."""
    args = dict(request.view_args or {})
    if "slug" in args:
        return "survey", str(args.pop("slug")), {k: str(v) for k, v in args.items()}
    for name in list(args):
        if name.endswith("_id"):
            value = args.pop(name)
            return name.removesuffix("_id"), str(value), {k: str(v) for k, v in args.items()}
    return None, None, {k: str(v) for k, v in args.items()}


def register_change_hook(app: Flask) -> None:
    """Record a staff form post that changed something (it was not refused) and recorded nothing itself, as the
    endpoint's name: every change is in the log once, whether or not its view names it."""

    @app.after_request
    def audit_unrecorded_change(response):
        if (request.method != "POST" or not request.path.startswith("/staff/") or g.get("audited")
                or response.status_code >= 400 or request.endpoint in NOT_CHANGES or request.endpoint is None):
            return response
        db.session.rollback()  # what the view left uncommitted is discarded anyway: never commit it here
        try:
            target_type, target_id, detail = _target()
            record(request.endpoint, target_type=target_type, target_id=target_id, detail=detail)
            db.session.commit()
        except Exception:  # the change is done: its answer goes out, the failure is logged
            db.session.rollback()
            current_app.logger.exception("A staff change could not be audited")
        return response


def register_api_hook(app: Flask) -> None:
    """Record one event per request an API key makes, whatever the API does with it (and commit it)."""

    @app.after_request
    def audit_api_request(response):
        if g.get("api_key") is None:
            return response
        # What the view left uncommitted is discarded at the end of the request anyway: never commit it here.
        db.session.rollback()
        try:
            record(f"api.{request.method}", target_type="api", target_id=request.endpoint,
                   detail={"path": request.path, "status": response.status_code})
            db.session.commit()
        except Exception:  # the request is done: its answer goes out, the failure is logged
            db.session.rollback()
            current_app.logger.exception("An API request could not be audited")
        return response
