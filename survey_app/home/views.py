"""The staff home (``/staff/``): the numbers to look at first, each linking to the page behind it."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from ..auth.access import ANY_STAFF, role_required
from ..auth.models import Role
from ..dbtypes import utcnow
from ..reports.services import review_waiting
from . import services

bp = Blueprint("home", __name__, url_prefix="/staff", template_folder="templates")


@bp.get("/")
@role_required(*ANY_STAFF)
def index():
    """Controllable churn, answers and lost customers this month and the review queue (analysts and admins), then
    one's open follow-ups and win-back cases (everyone's, for analysts and admins)."""
    today = utcnow().date()
    since = services.month_start(today)
    analyst = current_user.has_role(Role.ANALYST)
    owner = None if analyst else current_user.id
    figures = {}
    if analyst:
        figures = {"churn": services.controllable_churn(), "answers": services.answers_since(since),
                   "lost": services.lost_since(since, today), "review": review_waiting()}
    return render_template("home/index.html", since=since, today=today, analyst=analyst,
                           followups=services.followups(today, owner), cases=services.cases(today, owner), **figures)
