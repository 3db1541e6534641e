"""Each event reaches the endpoints subscribed to it after the real action, signed the Standard Webhooks way
(checked by the ``standardwebhooks`` package on a real local receiver), and only them."""
import io
import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from survey_app.api.services import create_key
from survey_app.customers.importer import import_customers
from survey_app.customers.models import Customer, CustomerStatus
from survey_app.dbtypes import utcnow
from survey_app.jobs.models import Job, JobState
from survey_app.purchases.services import record_purchase
from survey_app.webhooks.models import DeliveryState, Webhook, WebhookDelivery
from survey_app.webhooks.services import create_webhook
from survey_app.winback.services import open_case
from tests.followups.test_followups import answer
from tests.instances.test_two_instances import wait_for
from tests.lost.test_detection import buys, detect
from tests.webhooks.receiver import WebhookVerificationError


def endpoint(db, url: str, *events: str) -> Webhook:
    with db() as session:
        webhook = create_webhook(url, list(events))
        session.flush()
        return webhook


def settled(db) -> bool:
    """No delivery job is running or waiting to run."""
    alive = any(thread.name.startswith("job-") for thread in threading.enumerate())
    with db() as session:
        jobs = session.scalars(select(Job).where(Job.kind == "deliver_webhooks")).all()
    return not alive and all(job.state in (JobState.DONE, JobState.FAILED) for job in jobs)


def deliveries(db) -> list[WebhookDelivery]:
    with db() as session:
        return session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)).all()


def delivered(receiver, event_type: str, count: int = 1):
    found = wait_for(lambda: len(receiver.of_type(event_type)) >= count and receiver.of_type(event_type), 60)
    assert found, f"no {event_type} delivered; got {[r.payload['type'] for r in receiver.received]}"
    return found


def test_an_admin_registers_an_endpoint_and_each_new_response_is_posted_signed(client, db, login, receiver,
                                                                               make_survey, make_customer,
                                                                               make_invitation):
    login("admin")
    page = client.post("/staff/webhooks/", data={"url": receiver.url, "events": ["response.created"],
                                                 "description": "Our CRM"})
    assert page.status_code == 302
    with db() as session:
        hook = session.scalar(select(Webhook))
    assert hook.secret.startswith("whsec_") and hook.events == ["response.created"] and hook.enabled
    survey = make_survey("exit")
    answer(client, make_invitation, survey, make_customer(ref="WH-1"), main_reason="no_follow_up")
    [got] = delivered(receiver, "response.created")
    payload = got.verified(hook.secret)
    assert got.path == "/hooks" and got.headers["content-type"] == "application/json"
    assert got.headers["webhook-id"].startswith("msg_") and got.headers["webhook-signature"].startswith("v1,")
    data = payload["data"]
    assert (data["survey"]["slug"], data["survey"]["kind"], data["customer"]["external_ref"]) == (
        survey.slug, "exit", "WH-1")
    assert data["bucket"] == "indifference" and payload["timestamp"].endswith("Z")
    assert any(a["reason_code"] == "no_follow_up" and a["bucket"] == "indifference" for a in data["answers"])
    with pytest.raises(WebhookVerificationError):
        got.verified("whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=")
    assert wait_for(lambda: settled(db), 60)
    log = client.get(f"/staff/webhooks/{hook.id}")
    assert log.status_code == 200 and "Delivered" in log.text and "HTTP 204" in log.text
    assert got.headers["webhook-id"] in log.text


def test_sorted_free_text_is_posted_as_classified_with_its_cause(app, client, db, receiver, make_survey,
                                                                 make_customer, make_invitation, make_optional,
                                                                 classifier, sort_answers):
    hook = endpoint(db, receiver.url, "response.classified")
    survey = make_survey("exit")
    customer = make_customer(ref="TXT-1")
    _invitation, token = make_invitation(survey, customer)
    make_optional(survey)
    answer(client, make_invitation, survey, customer, token=token, consent=None,
           free_text="Nobody ever answered our emails or calls.")
    assert receiver.received == []  # not subscribed to response.created; nothing sorted yet
    sort_answers()
    [got] = delivered(receiver, "response.classified")
    data = got.verified(hook.secret)["data"]
    [text] = [a for a in data["answers"] if a["text"]]
    assert text["bucket"] == "indifference" and text["cause_group"] and text["source"] == "model"
    assert data["customer"]["external_ref"] == "TXT-1"


def test_lost_customers_found_by_detection_or_marked_by_hand_are_posted(app, client, db, login, receiver,
                                                                        make_customer):
    hook = endpoint(db, receiver.url, "customer.lost")
    detected = make_customer(ref="LOST-AUTO")
    buys(app, detected, "2026-01-01", "2026-04-01", "2026-06-30")
    assert detect(app, "2026-10-28").newly_lost == 1
    [got] = delivered(receiver, "customer.lost")
    data = got.verified(hook.secret)["data"]
    assert (data["customer"]["external_ref"], data["lost_at"], data["marked_by_hand"]) == (
        "LOST-AUTO", "2026-10-28", False)
    by_hand = make_customer(ref="LOST-HAND", name="Hand")
    login("admin")
    page = client.post(f"/staff/customers/{by_hand.id}/edit", data={
        "external_ref": "LOST-HAND", "name": "Hand", "locale": "en", "status": "lost", "lost_at": "2026-11-02"})
    assert page.status_code == 302
    second = delivered(receiver, "customer.lost", 2)[1]
    data = second.verified(hook.secret)["data"]
    assert (data["customer"]["external_ref"], data["lost_at"], data["marked_by_hand"]) == (
        "LOST-HAND", "2026-11-02", True)


def test_a_purchase_that_wins_a_lost_customer_back_is_posted_as_returned(app, db, receiver, make_customer):
    hook = endpoint(db, receiver.url, "customer.returned", "customer.lost")
    today = utcnow().date()
    customer = make_customer(ref="BACK-1", status=CustomerStatus.LOST, lost_at=today - timedelta(days=40))
    with db() as session:
        open_case(session.get(Customer, customer.id), today)
    with db():
        record_purchase(customer.id, today - timedelta(days=2), Decimal("120.00"))
    [got] = delivered(receiver, "customer.returned")
    data = got.verified(hook.secret)["data"]
    assert (data["customer"]["external_ref"], data["status"], data["returned_at"]) == (
        "BACK-1", "returned", (today - timedelta(days=2)).isoformat())
    assert receiver.of_type("customer.lost") == []


def test_an_opened_follow_up_is_posted(client, db, receiver, make_survey, make_customer, make_invitation,
                                       make_user):
    manager = make_user("analyst", email="ola@example.com")
    hook = endpoint(db, receiver.url, "followup.created")
    answer(client, make_invitation, make_survey("exit"), make_customer(ref="FU-1", account_manager_id=manager.id),
           main_reason="no_follow_up")
    [got] = delivered(receiver, "followup.created")
    data = got.verified(hook.secret)["data"]
    assert (data["customer"]["external_ref"], data["kind"], data["bucket"], data["owner"]["email"]) == (
        "FU-1", "exit", "indifference", "ola@example.com")
    assert data["due"] and data["response_id"]


def test_only_enabled_endpoints_subscribed_to_the_event_get_it(client, db, receiver, make_survey, make_customer,
                                                               make_invitation):
    endpoint(db, receiver.url, "customer.lost")
    off = endpoint(db, receiver.url + "?off", "response.created")
    with db() as session:
        session.get(Webhook, off.id).enabled = False
    answer(client, make_invitation, make_survey("exit"), make_customer(), main_reason="no_follow_up")
    assert deliveries(db) == [] and receiver.received == []


def test_a_delivery_is_posted_once_however_many_runs_try(app, db, receiver):
    from survey_app.webhooks.services import deliver, record

    hook = endpoint(db, receiver.url, "customer.lost")
    with db():
        [delivery_id] = record("customer.lost", [{"customer": {"id": 1, "external_ref": "X"}}])
    results = []
    threads = [threading.Thread(target=lambda: results.append(_deliver_in_context(app, deliver, delivery_id)))
               for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(results, key=str) == [False, False, False, True]
    assert len(receiver.received) == 1
    [row] = deliveries(db)
    assert (row.state, row.attempts, row.status_code) == (DeliveryState.DELIVERED, 1, 204)
    assert hook.id == row.webhook_id


def _deliver_in_context(app, deliver, delivery_id) -> bool:
    from survey_app.extensions import db as _db

    with app.app_context():
        try:
            return deliver(delivery_id) is not None
        finally:
            _db.session.remove()


def test_a_failure_to_record_an_event_never_undoes_what_was_announced(app, db, receiver, make_customer,
                                                                      monkeypatch):
    from survey_app.webhooks import events

    def broken(_ids):
        raise RuntimeError("payload could not be built")

    monkeypatch.setattr(events, "customers", broken)
    endpoint(db, receiver.url, "customer.lost")
    customer = make_customer(ref="KEEP-1")
    buys(app, customer, "2026-01-01", "2026-04-01", "2026-06-30")
    assert detect(app, "2026-10-28").newly_lost == 1
    with db() as session:
        assert session.get(Customer, customer.id).status == CustomerStatus.LOST
        assert session.scalars(select(Job).where(Job.kind == "deliver_webhooks")).all() == []
    assert deliveries(db) == []


def test_without_endpoints_nothing_is_recorded(client, db, make_survey, make_customer, make_invitation):
    answer(client, make_invitation, make_survey("exit"), make_customer(), main_reason="no_follow_up")
    with db() as session:
        assert session.scalars(select(Job).where(Job.kind == "deliver_webhooks")).all() == []
    assert deliveries(db) == []


def test_customers_marked_lost_or_returned_by_an_import_or_the_api_are_posted(app, client, db, receiver,
                                                                               make_customer):
    hook = endpoint(db, receiver.url, "customer.lost", "customer.returned")
    make_customer(ref="IMP-OLD", status=CustomerStatus.LOST, lost_at=utcnow().date() - timedelta(days=90))
    make_customer(ref="IMP-ACTIVE")
    text = ("external_ref,name,status,lost_at\nIMP-NEW,New,lost,2026-10-01\nIMP-ACTIVE,Active,lost,2026-10-02\n"
            "IMP-OLD,Old,returned,\nIMP-STAYS,Stays,active,\n")
    with app.app_context():
        report = import_customers(io.BytesIO(text.encode()))
    assert report.created == 2 and report.updated == 2
    lost = delivered(receiver, "customer.lost", 2)
    assert sorted(r.verified(hook.secret)["data"]["customer"]["external_ref"] for r in lost) == [
        "IMP-ACTIVE", "IMP-NEW"]
    [back] = delivered(receiver, "customer.returned")
    assert back.verified(hook.secret)["data"]["customer"]["external_ref"] == "IMP-OLD"
    # The same file again changes no one's state: nothing more is posted.
    with app.app_context():
        import_customers(io.BytesIO(text.encode()))
    with db():
        key = create_key("CRM", "admin")[1]
    answer = client.post("/api/v1/customers", headers={"Authorization": f"Bearer {key}"},
                         json={"customers": [{"external_ref": "API-1", "name": "Api", "status": "lost",
                                              "lost_at": "2026-11-01"}]})
    assert answer.status_code == 200, answer.text
    lost = delivered(receiver, "customer.lost", 3)
    assert lost[2].verified(hook.secret)["data"]["customer"]["external_ref"] == "API-1"
    assert wait_for(lambda: settled(db), 60)
    assert len(receiver.of_type("customer.lost")) == 3 and len(receiver.of_type("customer.returned")) == 1
