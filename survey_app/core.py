"""Routes that belong to no feature: the front page and the health check."""
from __future__ import annotations

from flask import Blueprint, jsonify, redirect, url_for
from sqlalchemy import text

from .extensions import db, limiter

bp = Blueprint("core", __name__)


@bp.get("/")
def index():
    """Send visitors to the staff area (respondents arrive with their own link)."""
    return redirect(url_for("surveys.index"))


@bp.get("/healthz")
@limiter.exempt
def healthz():
    """Tell a load balancer whether this instance and its database answer."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as error:  # any failure means "not healthy", never a 500 page
        db.session.rollback()
        return jsonify(status="error", database="unavailable", error=type(error).__name__), 503
    return jsonify(status="ok", database="ok")
