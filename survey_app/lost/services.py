"""Lost-customer detection: each customer's usual interval from their purchases, lost once it has passed by the
lost factor, returned when a lost customer buys again.

Statuses that staff set (by hand or in a CSV file) are never changed to lost; a purchase after a lost date,
whoever set it, makes the customer returned. Runs daily as a job, and as ``flask customers detect-lost``.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import groupby

from flask import current_app
from sqlalchemy import bindparam, select, update

from ..customers.models import Customer, CustomerStatus
from ..extensions import db
from ..jobs.models import Job
from ..jobs.runner import JobRun, handler
from ..jobs.schedule import periodic
from ..purchases.models import Purchase
from ..purchases.rules import LOST_FACTOR, lost_since, segment_interval, usual_interval
from ..signals import customer_changed, customer_lost, customer_returned

#: Customers written per statement.
BATCH = 2000
#: Purchases read per round trip.
READ_CHUNK = 20_000


@dataclass
class Detection:
    """What one detection run found."""

    #: Customers with at least one purchase, whose status was checked.
    checked: int = 0
    newly_lost: int = 0
    returned: int = 0
    #: Customers counted as lost after the run.
    lost_total: int = 0
    #: The changes, as (customer id, values) — written unless the run is a dry run.
    changes: list[tuple[int, dict]] = field(default_factory=list)

    def as_dict(self) -> dict:
        """The counts, as ``flask customers detect-lost --format json`` prints them."""
        return {"checked": self.checked, "newly_lost": self.newly_lost, "returned": self.returned,
                "lost_total": self.lost_total}


@dataclass(frozen=True)
class _Customer:
    status: CustomerStatus
    manual: bool
    lost_at: date | None
    segment: str | None
    last_purchase: date | None
    usual_interval: float | None


def lost_factors() -> Mapping[str, float]:
    """The lost factor per segment (``LOST_FACTOR_BY_SEGMENT``), beside the default (``LOST_FACTOR``)."""
    return current_app.config.get("LOST_FACTOR_BY_SEGMENT") or {}


def detect_lost(as_of: date, dry_run: bool = False) -> Detection:
    """Find who became lost and who returned by ``as_of``; write it (and commit) unless ``dry_run``."""
    default_factor = float(current_app.config.get("LOST_FACTOR") or LOST_FACTOR)
    factors = lost_factors()
    customers = {row.id: _Customer(CustomerStatus(row.status), row.status_manual, row.lost_at, row.segment,
                                   row.last_purchase, row.usual_interval)
                 for row in db.session.execute(select(Customer.id, Customer.status, Customer.status_manual,
                                                      Customer.lost_at, Customer.segment, Customer.last_purchase,
                                                      Customer.usual_interval))}
    histories = {}  # customer id -> (usual interval or None, last day, first day after their lost date)
    by_segment: dict[str | None, list[float]] = {}
    for customer_id, days in _purchase_days(as_of):
        known = customers.get(customer_id)
        if known is None:
            continue
        interval = usual_interval(days)
        after_lost = next((d for d in days if known.lost_at is not None and d > known.lost_at), None)
        histories[customer_id] = (interval, days[-1], after_lost)
        if interval is not None:
            by_segment.setdefault(known.segment, []).append(interval)
    everyone = segment_interval([i for intervals in by_segment.values() for i in intervals])
    medians = {segment: segment_interval(intervals) for segment, intervals in by_segment.items()}

    result = Detection(checked=len(histories))
    for customer_id, (interval, last, after_lost) in histories.items():
        known = customers[customer_id]
        values: dict = {}
        if interval is not None and interval != known.usual_interval:
            values["usual_interval"] = interval
        if known.last_purchase is None or known.last_purchase < last:  # purchases entered some other way
            values["last_purchase"] = last
        if known.status == CustomerStatus.LOST and after_lost is not None:
            values.update(status=CustomerStatus.RETURNED, returned_at=after_lost, status_manual=False)
            result.returned += 1
        elif known.status != CustomerStatus.LOST and not known.manual:
            rhythm = interval if interval is not None else medians.get(known.segment) or everyone
            if rhythm is not None:
                lost_at = lost_since(last, rhythm, as_of, factors.get(known.segment or "", default_factor))
                if lost_at is not None:
                    values.update(status=CustomerStatus.LOST, lost_at=lost_at)
                    result.newly_lost += 1
        if values:
            result.changes.append((customer_id, values))
    lost_now = sum(1 for c in customers.values() if c.status == CustomerStatus.LOST)
    result.lost_total = lost_now + result.newly_lost - result.returned
    if not dry_run:
        _write(result.changes)
    return result


def _purchase_days(as_of: date) -> Iterator[tuple[int, list[date]]]:
    """(customer id, their purchase days up to ``as_of`` in order) for every customer who bought, read in chunks."""
    after = 0
    while True:
        customer_ids = db.session.scalars(select(Purchase.customer_id).distinct().where(Purchase.customer_id > after)
                                          .order_by(Purchase.customer_id).limit(READ_CHUNK // 20)).all()
        if not customer_ids:
            return
        rows = db.session.execute(select(Purchase.customer_id, Purchase.day).where(
            Purchase.customer_id.between(customer_ids[0], customer_ids[-1]), Purchase.day <= as_of)
            .order_by(Purchase.customer_id, Purchase.day))
        for customer_id, group in groupby(rows, key=lambda row: row[0]):
            yield customer_id, [row[1] for row in group]
        after = customer_ids[-1]


def _write(changes: list[tuple[int, dict]]) -> None:
    """Write the changes a batch at a time, each batch in its own transaction, and announce them."""
    table = Customer.__table__
    for start in range(0, len(changes), BATCH):
        batch = changes[start:start + BATCH]
        by_columns: dict[tuple[str, ...], list[dict]] = {}
        for customer_id, values in batch:
            by_columns.setdefault(tuple(sorted(values)), []).append(
                {"p_id": customer_id, **{f"p_{k}": v for k, v in values.items()}})
        for columns, rows in by_columns.items():
            db.session.execute(update(table).where(table.c.id == bindparam("p_id"))
                               .values({c: bindparam(f"p_{c}") for c in columns}), rows)
        changed = [customer_id for customer_id, values in batch if "status" in values]
        if changed:
            customer_changed.send(None, customer_ids=changed)
        lost = [customer_id for customer_id, values in batch if values.get("status") == CustomerStatus.LOST]
        if lost:
            customer_lost.send(None, customer_ids=lost)
        returned = [customer_id for customer_id, values in batch if values.get("status") == CustomerStatus.RETURNED]
        if returned:
            customer_returned.send(None, customer_ids=returned)
        db.session.commit()


@handler("detect_lost")
def run_detection(job: Job, _run: JobRun) -> dict:
    """The daily job: detect lost and returned customers as of today (or the job's ``as_of``)."""
    as_of = date.fromisoformat(job.payload["as_of"]) if job.payload.get("as_of") else date.today()
    return detect_lost(as_of).as_dict()


periodic("detect-lost", timedelta(days=1), "detect_lost")
