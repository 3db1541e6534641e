"""Registering endpoints, recording deliveries, posting them with retries, and disabling broken endpoints.

Every delivery attempt is claimed with one conditional UPDATE, so two processes (a delivery job and the retry
sweep, or two instances) never post the same attempt twice.
"""
from __future__ import annotations

import base64
import json
import logging
import secrets
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import exists, or_, select, update

from ..audit.services import record as audit
from ..dbtypes import rows_changed, utcnow
from ..domain import Invalid
from ..extensions import db
from ..jobs.models import Job, JobState
from .models import DeliveryState, Webhook, WebhookDelivery
from .rules import EVENTS, MAX_ATTEMPTS, MAX_URL, TEST_EVENT, broken, check_url, next_attempt
from .sending import Outcome, post

logger = logging.getLogger(__name__)
_DELIVERY = WebhookDelivery.__table__
_WEBHOOK = Webhook.__table__

#: Job kind that posts new deliveries.
DELIVER = "deliver_webhooks"
#: Where a session keeps the delivery jobs to start once it commits.
JOBS_TO_LAUNCH = "webhook_jobs"
#: A delivery claimed longer ago than this was abandoned by a run that died: it is tried again.
ABANDONED = timedelta(minutes=5)
#: Longest description kept.
MAX_DESCRIPTION = 200


class NoEvents(Invalid):
    """An endpoint must subscribe to at least one known event."""

    code = "webhook_no_events"


def allow_private() -> bool:
    """Whether deliveries may go to loopback and private addresses (``WEBHOOKS_ALLOW_PRIVATE_URLS``)."""
    return bool(current_app.config.get("WEBHOOKS_ALLOW_PRIVATE_URLS"))


def new_secret() -> str:
    """A fresh signing secret in the Standard Webhooks form: ``whsec_`` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def _events(events: Iterable[str]) -> list[str]:
    chosen = [event for event in EVENTS if event in set(events)]
    if not chosen or set(events) - set(EVENTS):
        raise NoEvents()
    return chosen


def create_webhook(url: str, events: Sequence[str], description: str = "", user_id: int | None = None) -> Webhook:
    """Register an endpoint for ``events`` with a new secret (in the caller's transaction).

    :raise UrlRefused: if webhooks may not be sent to ``url``.
    :raise NoEvents: if no known event is chosen.
    """
    chosen = _events(events)
    webhook = Webhook(url=check_url(url, allow_private())[:MAX_URL], events=chosen,
                      description=description.strip()[:MAX_DESCRIPTION], secret=new_secret(), enabled=True,
                      created_by_id=user_id, failed_deliveries=0)
    db.session.add(webhook)
    db.session.flush()
    audit("webhook.create", target_type="webhook", target_id=webhook.id, detail={"url": webhook.url, "events": chosen})
    return webhook


def update_webhook(webhook: Webhook, events: Sequence[str], description: str) -> None:
    """Change the events an endpoint gets and its description.

    :raise NoEvents: if no known event is chosen.
    """
    webhook.events = _events(events)
    webhook.description = description.strip()[:MAX_DESCRIPTION]
    audit("webhook.edit", target_type="webhook", target_id=webhook.id, detail={"events": webhook.events})


def set_enabled(webhook: Webhook, enabled: bool) -> None:
    """Switch an endpoint on or off; switched on, its failures are forgotten and waiting deliveries resume."""
    webhook.enabled = enabled
    if enabled:
        webhook.auto_disabled_at, webhook.failed_deliveries, webhook.failing_since = None, 0, None
    audit("webhook.enable" if enabled else "webhook.disable", target_type="webhook", target_id=webhook.id)


def rotate_secret(webhook: Webhook) -> str:
    """Give an endpoint a new signing secret (the old one stops working at once); return it."""
    webhook.secret = new_secret()
    audit("webhook.rotate_secret", target_type="webhook", target_id=webhook.id)
    return webhook.secret


def delete_webhook(webhook: Webhook) -> None:
    """Remove an endpoint and its delivery log."""
    audit("webhook.delete", target_type="webhook", target_id=webhook.id, detail={"url": webhook.url})
    db.session.execute(_DELIVERY.delete().where(_DELIVERY.c.webhook_id == webhook.id))
    db.session.delete(webhook)


def list_webhooks() -> list[Webhook]:
    """Every endpoint, oldest first."""
    return list(db.session.scalars(select(Webhook).order_by(Webhook.id)))


def deliveries_of(webhook_id: int, limit: int = 100) -> list[WebhookDelivery]:
    """An endpoint's latest deliveries, newest first."""
    return list(db.session.scalars(select(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook_id)
                                   .order_by(WebhookDelivery.id.desc()).limit(limit)))


def _event_id() -> str:
    return "msg_" + secrets.token_urlsafe(18)


def record(event_type: str, items: Sequence[dict], webhooks: Sequence[Webhook] | None = None,
           now: datetime | None = None) -> list[int]:
    """Record a delivery of each event (one per item of ``data``) for every enabled endpoint subscribed to
    ``event_type`` (or for ``webhooks``), due now, in the caller's transaction; return their ids."""
    if not items:
        return []
    if webhooks is None:
        webhooks = subscribers(event_type)
    if not webhooks:
        return []
    now = now or utcnow()
    stamp = now.isoformat(timespec="milliseconds") + "Z"
    deliveries = []
    for data in items:
        event_id = _event_id()
        payload = {"type": event_type, "timestamp": stamp, "data": data}
        deliveries += [WebhookDelivery(webhook_id=w.id, event_id=event_id, event_type=event_type, payload=payload,
                                       state=DeliveryState.PENDING, attempts=0, next_attempt_at=now, created_at=now)
                       for w in webhooks]
    db.session.add_all(deliveries)
    db.session.flush()
    return [d.id for d in deliveries]


def queue_delivery_job(delivery_ids: list[int]) -> Job:
    """Record a job posting these deliveries, in the caller's transaction; it starts once that commits."""
    now = utcnow()
    job = Job(kind=DELIVER, payload={"ids": delivery_ids}, state=JobState.QUEUED, progress={},
              queue="rq" if current_app.config.get("REDIS_URL") else "thread", created_at=now, heartbeat_at=now)
    db.session.add(job)
    db.session.flush()
    db.session.info.setdefault(JOBS_TO_LAUNCH, []).append(job.id)
    return job


def subscribers(event_type: str) -> list[Webhook]:
    """The enabled endpoints subscribed to ``event_type``."""
    return [w for w in db.session.scalars(select(Webhook).where(Webhook.enabled.is_(True)).order_by(Webhook.id))
            if event_type in (w.events or [])]


def announce(event_type: str, build: Callable[[Sequence[int]], list[dict]], ids: Sequence[int]) -> list[int]:
    """Record the deliveries of the events about ``ids`` (their data made by ``build``, only if an endpoint wants
    them) and the job that posts them, in the caller's transaction; return the deliveries' ids."""
    webhooks = subscribers(event_type) if ids else []
    if not webhooks:
        return []
    delivery_ids = record(event_type, build(ids), webhooks)
    if delivery_ids:
        queue_delivery_job(delivery_ids)
    return delivery_ids


def send_test(webhook: Webhook, data: dict) -> int:
    """Record a test event for one endpoint (tried once, whatever it subscribed to) and its job; return its id."""
    [delivery_id] = record(TEST_EVENT, [data], [webhook])
    queue_delivery_job([delivery_id])
    audit("webhook.send_test", target_type="webhook", target_id=webhook.id)
    return delivery_id


def send_again(delivery: WebhookDelivery) -> bool:
    """Make a delivery that gave up (or waits for a retry) due now, with one more attempt, and record the job that
    makes it, in the caller's transaction; False if it is delivered or being sent."""
    attempts = min(delivery.attempts, MAX_ATTEMPTS - 1) if delivery.event_type != TEST_EVENT else delivery.attempts
    again = db.session.execute(
        update(_DELIVERY).where(_DELIVERY.c.id == delivery.id,
                                _DELIVERY.c.state.in_((DeliveryState.FAILED, DeliveryState.PENDING)))
        .values(state=DeliveryState.PENDING, next_attempt_at=utcnow(), attempts=attempts))
    if rows_changed(again) != 1:
        return False
    queue_delivery_job([delivery.id])
    audit("webhook.send_again", target_type="webhook", target_id=delivery.webhook_id,
          detail={"event_id": delivery.event_id})
    return True


def _deliverable():
    """Deliveries whose endpoint is on (a test event goes to one that is off too)."""
    return or_(_DELIVERY.c.event_type == TEST_EVENT,
               exists().where(_WEBHOOK.c.id == _DELIVERY.c.webhook_id, _WEBHOOK.c.enabled.is_(True)))


def deliver(delivery_id: int, now: datetime | None = None) -> Outcome | None:
    """Make the delivery's next attempt if it is due and nobody else is making it; record what came of it and
    commit. Return the attempt's outcome, or None if there was no attempt to make."""
    now = now or utcnow()
    claimed = db.session.execute(
        update(_DELIVERY).where(_DELIVERY.c.id == delivery_id, _DELIVERY.c.state == DeliveryState.PENDING,
                                _DELIVERY.c.next_attempt_at <= now, _deliverable())
        .values(state=DeliveryState.SENDING, attempts=_DELIVERY.c.attempts + 1, last_attempt_at=now)
        .returning(_DELIVERY.c.attempts, _DELIVERY.c.webhook_id))
    row = claimed.first()
    db.session.commit()
    if row is None:
        return None
    attempts, webhook_id = int(row[0]), int(row[1])
    delivery = db.session.get(WebhookDelivery, delivery_id)
    webhook = db.session.get(Webhook, webhook_id)
    if delivery is None or webhook is None:  # the endpoint was deleted meanwhile
        return None
    body = json.dumps(delivery.payload, separators=(",", ":"))
    outcome = post(webhook.url, webhook.secret, delivery.event_id, body,
                   timeout=float(current_app.config.get("WEBHOOKS_TIMEOUT_SECONDS", 10)),
                   allow_private=allow_private())
    _record_outcome(delivery, webhook, attempts, outcome, now)
    return outcome


def _record_outcome(delivery: WebhookDelivery, webhook: Webhook, attempts: int, outcome: Outcome,
                    now: datetime) -> None:
    test = delivery.event_type == TEST_EVENT
    values: dict = {"status_code": outcome.status, "response_body": outcome.body,
                    "error": outcome.error[:500] if outcome.error else None}
    retry_at = None if test or outcome.delivered else next_attempt(attempts, now)
    if outcome.delivered:
        values.update(state=DeliveryState.DELIVERED, delivered_at=now, next_attempt_at=None)
    elif retry_at is not None:
        values.update(state=DeliveryState.PENDING, next_attempt_at=retry_at)
    else:
        values.update(state=DeliveryState.FAILED, next_attempt_at=None)
    db.session.execute(update(_DELIVERY).where(_DELIVERY.c.id == delivery.id, _DELIVERY.c.attempts == attempts,
                                               _DELIVERY.c.state == DeliveryState.SENDING).values(**values))
    disabled = False
    if outcome.delivered:
        db.session.execute(update(_WEBHOOK).where(_WEBHOOK.c.id == webhook.id)
                           .values(failed_deliveries=0, failing_since=None))
    elif not test:
        changes: dict = {}
        if webhook.failing_since is None:
            changes["failing_since"] = now
        if retry_at is None:
            changes["failed_deliveries"] = _WEBHOOK.c.failed_deliveries + 1
        if changes:
            db.session.execute(update(_WEBHOOK).where(_WEBHOOK.c.id == webhook.id).values(**changes))
        db.session.refresh(webhook)
        if broken(webhook.failed_deliveries, webhook.failing_since, now,
                  int(current_app.config.get("WEBHOOKS_DISABLE_AFTER", 5))):
            disabled = rows_changed(db.session.execute(
                update(_WEBHOOK).where(_WEBHOOK.c.id == webhook.id, _WEBHOOK.c.enabled.is_(True))
                .values(enabled=False, auto_disabled_at=now))) == 1
            if disabled:
                audit("webhook.auto_disable", target_type="webhook", target_id=webhook.id,
                      detail={"failed_deliveries": webhook.failed_deliveries})
    db.session.commit()
    if outcome.delivered:
        logger.info("Webhook delivery %s (%s) delivered: %s", delivery.id, delivery.event_type, outcome.status)
    else:
        logger.warning("Webhook delivery %s (%s) attempt %d failed: %s", delivery.id, delivery.event_type, attempts,
                       outcome.status or outcome.error)
    if disabled:
        logger.warning("Webhook %s disabled after repeated failure", webhook.id)
        from .mail import notify_disabled

        notify_disabled(webhook.id)


def deliver_all(delivery_ids: Iterable[int], now: datetime | None = None) -> dict[str, int]:
    """Attempt each of these deliveries that is due; return counts."""
    counts = {"delivered": 0, "failed": 0, "skipped": 0}
    for delivery_id in delivery_ids:
        outcome = deliver(delivery_id, now)
        counts["skipped" if outcome is None else "delivered" if outcome.delivered else "failed"] += 1
    return counts


def retry_due(now: datetime | None = None, limit: int = 1000) -> dict[str, int]:
    """The retry sweep: take back attempts abandoned by a run that died, then make every attempt that is due
    (retries, and new deliveries whose job never ran); return counts."""
    now = now or utcnow()
    db.session.execute(update(_DELIVERY).where(_DELIVERY.c.state == DeliveryState.SENDING,
                                               _DELIVERY.c.last_attempt_at < now - ABANDONED)
                       .values(state=DeliveryState.PENDING, next_attempt_at=now))
    db.session.commit()
    due: list[int] = list(db.session.scalars(
        select(_DELIVERY.c.id).where(_DELIVERY.c.state == DeliveryState.PENDING, _DELIVERY.c.next_attempt_at <= now,
                                     _deliverable())
        .order_by(_DELIVERY.c.next_attempt_at, _DELIVERY.c.id).limit(limit)))
    return deliver_all(due, now)


#: Finished deliveries (delivered, or given up) stay in the log this long.
KEPT = timedelta(days=30)


def prune_deliveries(now: datetime | None = None, older_than: timedelta = KEPT) -> int:
    """Forget finished deliveries recorded more than ``older_than`` ago, 1000 at a time; commit; return how many."""
    cutoff = (now or utcnow()) - older_than
    pruned = 0
    while True:
        ids: list[int] = list(db.session.scalars(select(_DELIVERY.c.id).where(
            _DELIVERY.c.state.in_((DeliveryState.DELIVERED, DeliveryState.FAILED)), _DELIVERY.c.created_at < cutoff)
            .limit(1000)))
        if not ids:
            return pruned
        db.session.execute(_DELIVERY.delete().where(_DELIVERY.c.id.in_(ids)))
        db.session.commit()
        pruned += len(ids)
