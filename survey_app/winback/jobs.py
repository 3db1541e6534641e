"""Win-back cases in the background: a sweep opens the cases lost customers call for, wins back those who bought
again and reminds owners of steps that fell due; it runs after lost-customer detection and purchase imports, and
every few minutes. A purchase recorded in the meantime wins its customer back at once, in its own transaction."""
from __future__ import annotations

import logging
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import delete

from ..extensions import db
from ..jobs.models import Job
from ..jobs.runner import JobRun, handler, launch, then
from ..jobs.schedule import periodic
from ..jobs.services import JobBusy, active_job, submit
from ..signals import customer_erasing, purchase_recorded
from .mail import remind_owners
from .models import WinbackCase
from .services import open_for_lost, win_back

logger = logging.getLogger(__name__)

SWEEP = "winback_sweep"
SWEEP_LOCK = "winback-sweep"


def sweep(today: date) -> dict[str, int]:
    """Open the cases due, win back who bought, commit, then remind owners of steps due by ``today``."""
    opened = open_for_lost(today)
    won = win_back()
    db.session.commit()
    return {"opened": len(opened), "won_back": len(won), **remind_owners(today)}


def request_sweep() -> None:
    """Have the sweep run soon, unless a run is queued or running (or ``WINBACK_SWEEP_AT_ONCE`` is off: the periodic
    sweep runs it)."""
    if not current_app.config["WINBACK_SWEEP_AT_ONCE"] or active_job(SWEEP_LOCK) is not None:
        return
    try:
        job = submit(SWEEP, {}, lock_key=SWEEP_LOCK)
    except JobBusy:
        return
    launch(job)


@handler(SWEEP)
def run_sweep(job: Job, _run: JobRun) -> dict:
    """The sweep as of today (or the job's ``as_of``)."""
    today = date.fromisoformat(job.payload["as_of"]) if job.payload.get("as_of") else date.today()
    return sweep(today)


periodic("winback-sweep", timedelta(minutes=10), SWEEP)


def _after_purchases(_sender, customer_ids: list[int] | tuple = (), **_details) -> None:
    """Purchases were recorded: their customers' cases are won back in the same transaction."""
    if customer_ids:
        win_back(customer_ids)


def _forget_customer(_sender, customer_id: int, **_details) -> None:
    """An erased customer's cases go with them (reasons, offers and notes are about the customer)."""
    db.session.execute(delete(WinbackCase).where(WinbackCase.customer_id == customer_id))


def connect() -> None:
    """Win back on recorded purchases; sweep after lost-customer detection and imports of customers or purchases;
    forget erased customers' cases."""
    purchase_recorded.connect(_after_purchases)
    customer_erasing.connect(_forget_customer)
    for kind in ("detect_lost", "import_customers", "import_purchases"):
        then(kind, request_sweep)
