"""Routes that belong to no feature: the front page and the health check."""
from __future__ import annotations

from flask import Blueprint, jsonify, redirect, url_for

from .extensions import limiter
from .health import check_database

bp = Blueprint("core", __name__)


@bp.get("/")
def index():
    """Send visitors to the staff area (respondents arrive with their own link)."""
    return redirect(url_for("home.index"))


@bp.get("/healthz")
@limiter.exempt
def healthz():
    """Tell a load balancer whether this instance's database answers a read and takes a write (503 if not).

    ``checks`` says how each went (``ok``, ``locked``, ``read-only``, ``unavailable``…), ``database`` the first
    that failed.
    """
    checks = check_database()
    failed = [result for result in checks.values() if result not in ("ok", "skipped")]
    if failed:
        return jsonify(status="error", database=failed[0], checks=checks), 503
    return jsonify(status="ok", database="ok", checks=checks)
