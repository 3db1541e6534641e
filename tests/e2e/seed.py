"""Build the database the browser tests run against: run as ``python -m tests.e2e.seed`` with INSTANCE_PATH set.

Prints one JSON object: staff logins, survey slugs and, per language, the addresses of invited customers.
"""
from __future__ import annotations

import json
import random
from datetime import date, timedelta
from decimal import Decimal

from flask_migrate import upgrade

from survey_app import create_app
from survey_app.auth.services import create_user
from survey_app.classification.services import sort_pending
from survey_app.customers.services import add_customer
from survey_app.demo.services import EXIT_WEIGHTS, LOYALTY_WEIGHTS, _answers
from survey_app.demo.texts import EXIT_TEXTS, LOYALTY_TEXTS
from survey_app.extensions import db
from survey_app.invitations.services import create_invitation
from survey_app.surveys.services import create_from_template, install_catalogue, open_survey
from survey_app.winback.services import open_case

PASSWORD = "browser tests only"
LANGUAGES = ("fr", "pl", "ru", "en")
LINKS_PER_LANGUAGE = 3


def seed() -> dict:
    """Migrate, then add staff, an exit and a loyalty survey, invited customers and earlier answers."""
    upgrade()
    install_catalogue()
    logins, staff = {}, {}
    for role in ("admin", "analyst", "interviewer"):
        staff[role] = create_user(f"{role}@example.com", role, PASSWORD, name=f"{role.title()} Tester")
        logins[role] = [f"{role}@example.com", PASSWORD]
    surveys = {}
    for kind in ("exit", "loyalty"):
        survey = create_from_template(kind, f"{kind}-e2e", "en", open_link=True)
        open_survey(survey)
        surveys[kind] = survey
    addresses: dict[str, list[str]] = {}
    history = []
    for locale in LANGUAGES:
        for n in range(LINKS_PER_LANGUAGE + 12):
            customer = add_customer(f"E2E-{locale}-{n}", f"Client {locale} {n}", f"{locale}{n}@example.com", locale,
                                    status="lost", segment=("SMB", "Enterprise")[n % 2],
                                    annual_revenue=Decimal(1000 * (n + 1)))
            if n < LINKS_PER_LANGUAGE:  # invited now; `flask invitations send` emails them their links
                create_invitation(surveys["exit"], customer)
                addresses.setdefault(locale, []).append(customer.email)
            else:
                history.append(customer)
    # Earlier answers; their free text is sorted below by a first model (the unsure ones wait for review).
    rng = random.Random(6)
    _answers(rng, surveys["exit"], history, EXIT_WEIGHTS, EXIT_TEXTS, 50, None)
    _answers(rng, surveys["loyalty"], [], LOYALTY_WEIGHTS, LOYALTY_TEXTS, 40, None)
    # Departed customers nobody has invited yet (for the invitation pages).
    uninvited = [add_customer(f"E2E-new-{n}", f"New {n}", f"new{n}@example.com", "fr", status="lost").external_ref
                 for n in range(3)]
    # The interviewer's own departed customer, lost yesterday: first on their call list.
    call = add_customer("E2E-call-pl", "Zofia Dzwoniąca", "zofia@example.com", "pl", status="lost",
                        segment="Retail", lost_at=date.today() - timedelta(days=1),
                        last_purchase=date.today() - timedelta(days=70), account_manager_id=staff["interviewer"].id)
    db.session.commit()
    sort_pending()
    # A win-back case the admin is working on (for the case's page).
    open_case(history[-1], date.today(), staff["admin"].id)
    # The analyst's customer, lost a month ago, to win back.
    lost = add_customer("E2E-winback", "Odile Perdue", "odile@example.com", "fr", status="lost",
                        lost_at=date.today() - timedelta(days=30), account_manager_id=staff["analyst"].id)
    winback = open_case(lost, date.today(), staff["analyst"].id)
    db.session.commit()
    _webhook(staff["admin"].id)
    return {"logins": logins, "surveys": {k: s.slug for k, s in surveys.items()}, "addresses": addresses,
            "uninvited": uninvited, "call": call.external_ref, "winback_case": winback.id}


def _webhook(admin_id: int) -> None:
    """An endpoint with a long address that kept failing (disabled, so nothing is sent), and its delivery log."""
    from survey_app.dbtypes import utcnow
    from survey_app.webhooks.models import DeliveryState, Webhook, WebhookDelivery
    from survey_app.webhooks.services import new_secret

    now = utcnow()
    hook = Webhook(url="https://hooks.example.com/services/T00000000/B00000000/a-very-long-token-that-never-breaks-by-"
                       "itself-XXXXXXXXXXXXXXXXXXXXXXXX", description="CRM",
                   events=["response.created", "customer.lost"],
                   secret=new_secret(), enabled=False, auto_disabled_at=now, failed_deliveries=5, failing_since=now,
                   created_by_id=admin_id)
    db.session.add(hook)
    db.session.flush()
    payload = {"type": "customer.lost", "timestamp": now.isoformat() + "Z", "data": {}}
    db.session.add_all([
        WebhookDelivery(webhook_id=hook.id, event_id="msg_2a9Xb0cT3dE4fG5hI6jK7lM8", event_type="customer.lost",
                        payload=payload, state=DeliveryState.FAILED, attempts=8, last_attempt_at=now, status_code=502,
                        response_body="<html><body>Bad gateway: upstream-with-a-long-name.internal</body></html>",
                        created_at=now),
        WebhookDelivery(webhook_id=hook.id, event_id="msg_9zYx8wVu7tSr6qPo5nMl4kJi", event_type="response.created",
                        payload=payload, state=DeliveryState.PENDING, attempts=3, last_attempt_at=now,
                        next_attempt_at=now, error="ConnectionRefusedError: [Errno 111] Connection refused",
                        created_at=now)])
    db.session.commit()


if __name__ == "__main__":
    app = create_app()
    with app.app_context():
        print(json.dumps(seed()))
