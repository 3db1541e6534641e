"""Delivering: retries with back-off after failures (time driven by the sweep's ``now``), a bounded wait, the
endpoint disabled after repeated failure with one email to each active admin, addresses refused at registration
and at delivery, the test event button, the delivery log, managing endpoints, and admins only."""
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from survey_app.audit.models import AuditEvent
from survey_app.dbtypes import utcnow
from survey_app.extensions import db as _db
from survey_app.webhooks.models import DeliveryState, Webhook, WebhookDelivery
from survey_app.webhooks.rules import MAX_ATTEMPTS, RETRY_DELAYS, UrlRefused, check_url, public
from survey_app.webhooks.services import deliver_all, prune_deliveries, record, retry_due
from tests.conftest import csrf_token
from tests.instances.test_two_instances import wait_for
from tests.invitations.test_sending import smtp_server  # noqa: F401  (a fixture)
from tests.webhooks.test_events import deliveries, endpoint, settled

LOST = [{"customer": {"id": 7, "external_ref": "R-7"}, "status": "lost"}]


def run(app, function, *args, **kwargs):
    """Call a service in an app context of its own, as a job would."""
    with app.app_context():
        try:
            return function(*args, **kwargs)
        finally:
            _db.session.remove()


def recorded(app, db, event_type="customer.lost", items=LOST) -> list[int]:
    with db():
        return record(event_type, items)


def hook_row(db, webhook_id: int) -> Webhook:
    with db() as session:
        return session.get(Webhook, webhook_id)


def test_a_failing_endpoint_is_retried_with_back_off_until_it_answers(app, db, receiver):
    receiver.statuses = [500, 503, 200]
    hook = endpoint(db, receiver.url, "customer.lost")
    ids = recorded(app, db)
    start = utcnow()
    assert run(app, deliver_all, ids, start) == {"delivered": 0, "failed": 1, "skipped": 0}
    [row] = deliveries(db)
    assert (row.state, row.attempts, row.status_code, row.next_attempt_at) == (
        DeliveryState.PENDING, 1, 500, start + RETRY_DELAYS[0])
    assert row.response_body == "receiver says no"
    assert run(app, retry_due, start + RETRY_DELAYS[0] - timedelta(seconds=1))["failed"] == 0  # not due yet
    assert len(receiver.received) == 1
    second = start + RETRY_DELAYS[0]
    assert run(app, retry_due, second) == {"delivered": 0, "failed": 1, "skipped": 0}
    [row] = deliveries(db)
    assert (row.attempts, row.status_code, row.next_attempt_at) == (2, 503, second + RETRY_DELAYS[1])
    assert run(app, retry_due, second + RETRY_DELAYS[1])["delivered"] == 1
    [row] = deliveries(db)
    assert (row.state, row.attempts, row.status_code, row.next_attempt_at) == (DeliveryState.DELIVERED, 3, 200, None)
    ids_sent = {r.headers["webhook-id"] for r in receiver.received}
    assert len(receiver.received) == 3 and ids_sent == {row.event_id}  # one event, three attempts
    for attempt in receiver.received:
        assert attempt.verified(hook.secret)["data"] == LOST[0]
    assert (hook_row(db, hook.id).failing_since, hook_row(db, hook.id).failed_deliveries) == (None, 0)
    assert run(app, retry_due, second + timedelta(days=3))["delivered"] == 0  # nothing more to do


def test_a_slow_endpoint_times_out_and_is_retried(app, db, receiver):
    app.config["WEBHOOKS_TIMEOUT_SECONDS"] = 0.5
    receiver.hold = threading.Event()
    endpoint(db, receiver.url, "customer.lost")
    ids = recorded(app, db)
    assert run(app, deliver_all, ids)["failed"] == 1
    receiver.hold.set()
    [row] = deliveries(db)
    assert row.state == DeliveryState.PENDING and row.status_code is None and "timeout" in row.error


def test_an_endpoint_failing_every_attempt_for_a_day_is_disabled_and_each_admin_emailed_once(
        app, db, receiver, make_user, smtp_server):  # noqa: F811
    receiver.statuses = [500]
    make_user("admin", email="ania@example.com", locale="pl")
    make_user("admin", email="boss@example.com")
    gone = make_user("admin", email="gone@example.com")
    make_user("analyst", email="ana@example.com")
    with db() as session:
        session.get(type(gone), gone.id).active = False
    hook = endpoint(db, receiver.url, "customer.lost")
    ids = recorded(app, db)
    now = utcnow()
    run(app, deliver_all, ids, now)
    for delay in RETRY_DELAYS:
        now += delay
        assert hook_row(db, hook.id).enabled
        assert run(app, retry_due, now)["failed"] == 1
    [row] = deliveries(db)
    assert (row.state, row.attempts) == (DeliveryState.FAILED, MAX_ATTEMPTS) and len(receiver.received) == MAX_ATTEMPTS
    stored = hook_row(db, hook.id)
    assert not stored.enabled and stored.auto_disabled_at == now and stored.failed_deliveries == 1
    assert sorted(m["To"].addresses[0].addr_spec for m in smtp_server.messages) == [
        "ania@example.com", "boss@example.com"]
    polish = next(m for m in smtp_server.messages if "ania" in m["To"])
    assert polish["Content-Language"] == "pl"
    assert {part.get_content_type() for part in polish.walk()} >= {"text/plain", "text/html"}
    html = polish.get_body(("html",)).get_content()
    assert receiver.url in polish.get_body(("plain",)).get_content() and f"/staff/webhooks/{hook.id}" in html
    assert "HTTP 500" in html
    assert recorded(app, db) == []  # a disabled endpoint gets no new deliveries
    assert run(app, retry_due, now + timedelta(days=2))["failed"] == 0
    assert len(smtp_server.messages) == 2


def test_deliveries_that_give_up_in_a_row_disable_the_endpoint(app, db, receiver, make_user):
    app.config["WEBHOOKS_DISABLE_AFTER"] = 1
    receiver.statuses = [500]
    hook = endpoint(db, receiver.url, "customer.lost")
    with db() as session:
        session.get(Webhook, hook.id).failing_since = None
    ids = recorded(app, db)
    now = utcnow()
    with app.app_context():
        _db.session.execute(WebhookDelivery.__table__.update().values(attempts=MAX_ATTEMPTS - 1))
        _db.session.commit()
        _db.session.remove()
    run(app, deliver_all, ids, now)  # its last attempt, an hour after the endpoint started failing
    assert not hook_row(db, hook.id).enabled


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/hooks", "http://localhost/hooks", "http://10.1.2.3/",
                                 "http://169.254.169.254/latest/meta-data", "http://[::1]:8080/",
                                 "http://192.168.0.10/x", "http://[::ffff:127.0.0.1]/"])
def test_private_and_local_addresses_are_refused_when_registered(client, db, login, url):
    login("admin")
    page = client.post("/staff/webhooks/", data={"url": url, "events": ["customer.lost"], "description": "Mine"})
    assert page.status_code == 400 and "private or local network" in page.text
    assert url.replace("&", "&amp;") in page.text and "Mine" in page.text  # nothing typed is lost
    with db() as session:
        assert session.scalar(select(Webhook)) is None


@pytest.mark.parametrize("url", ["ftp://example.com/hooks", "javascript:alert(1)", "file:///etc/passwd",
                                 "gopher://example.com/"])
def test_other_schemes_are_refused(client, db, login, url):
    login("admin")
    page = client.post("/staff/webhooks/", data={"url": url, "events": ["customer.lost"]})
    assert page.status_code == 400 and "Only http:// and https://" in page.text


def test_an_address_is_checked_again_at_delivery_time(app, db, receiver):
    endpoint(db, receiver.url, "customer.lost")  # allowed while registered (the test allows private addresses)
    app.config["WEBHOOKS_ALLOW_PRIVATE_URLS"] = False
    ids = recorded(app, db)
    assert run(app, deliver_all, ids)["failed"] == 1
    [row] = deliveries(db)
    assert receiver.received == [] and row.error == "refused: webhook_url_private" and row.status_code is None


def test_public_addresses_are_told_from_the_rest():
    import ipaddress

    assert public(ipaddress.ip_address("93.184.216.34")) and public(ipaddress.ip_address("2606:4700::1111"))
    for address in ("127.0.0.1", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.1.1", "100.64.0.1", "0.0.0.0",
                    "::1", "fe80::1", "fc00::1", "::ffff:10.0.0.1", "224.0.0.1", "240.0.0.1"):
        assert not public(ipaddress.ip_address(address)), address
    with pytest.raises(UrlRefused):
        check_url("https://", allow_private=False)
    assert check_url(" http://127.0.0.1:8000/x ", allow_private=True) == "http://127.0.0.1:8000/x"


def test_the_test_event_button_posts_a_signed_test_and_the_log_shows_it(app, client, db, login, receiver):
    login("admin")
    hook = endpoint(db, receiver.url, "customer.lost")
    page = client.post(f"/staff/webhooks/{hook.id}/test")
    assert page.status_code == 302
    got = wait_for(lambda: receiver.of_type("webhook.test"), 60)
    assert got and got[0].verified(hook.secret)["data"]["webhook_id"] == hook.id
    assert wait_for(lambda: settled(db), 60)
    log = client.get(f"/staff/webhooks/{hook.id}").text
    assert "Test event" in log and "HTTP 204" in log and "Delivered" in log


def test_a_test_event_is_tried_once(app, client, db, login, receiver):
    receiver.statuses = [500]
    login("admin")
    hook = endpoint(db, receiver.url, "customer.lost")
    client.post(f"/staff/webhooks/{hook.id}/test")
    assert wait_for(lambda: settled(db) and deliveries(db)[0].state == DeliveryState.FAILED, 60)
    log = client.get(f"/staff/webhooks/{hook.id}").text
    assert "HTTP 500" in log and "receiver says no" in log and "Failed" in log
    assert run(app, retry_due, utcnow() + timedelta(days=1))["failed"] == 0
    assert hook_row(db, hook.id).failing_since is None  # a test says nothing of the endpoint's health


def test_an_admin_edits_events_switches_rotates_and_deletes_an_endpoint(app, client, db, login, receiver):
    login("admin")
    app.config["WTF_CSRF_ENABLED"] = True
    token = csrf_token(client.get("/staff/webhooks/").text)
    added = client.post("/staff/webhooks/", data={"csrf_token": token, "url": receiver.url,
                                                  "events": ["customer.lost", "followup.created"]})
    assert added.status_code == 302
    with db() as session:
        hook = session.scalar(select(Webhook))
    page = client.get(added.headers["Location"])
    assert hook.secret in page.text and "Send test event" in page.text
    token = csrf_token(page.text)
    refused = client.post(f"/staff/webhooks/{hook.id}", data={"csrf_token": token, "description": "Keep me"})
    assert refused.status_code == 400 and "Please choose at least one event." in refused.text
    assert "Keep me" in refused.text
    saved = client.post(f"/staff/webhooks/{hook.id}", data={"csrf_token": token, "description": "CRM",
                                                            "events": ["response.created"]})
    assert saved.status_code == 302 and hook_row(db, hook.id).events == ["response.created"]
    assert client.post(f"/staff/webhooks/{hook.id}/disable", data={"csrf_token": token}).status_code == 302
    assert not hook_row(db, hook.id).enabled
    assert client.post(f"/staff/webhooks/{hook.id}/disable").status_code == 400  # no CSRF token
    assert client.post(f"/staff/webhooks/{hook.id}/enable", data={"csrf_token": token}).status_code == 302
    assert hook_row(db, hook.id).enabled
    assert client.post(f"/staff/webhooks/{hook.id}/rotate", data={"csrf_token": token}).status_code == 302
    rotated = hook_row(db, hook.id).secret
    assert rotated != hook.secret and rotated.startswith("whsec_")
    listing = client.get("/staff/webhooks/").text
    assert receiver.url in listing and "A response was received" in listing
    assert client.post(f"/staff/webhooks/{hook.id}/delete", data={"csrf_token": token}).status_code == 302
    assert hook_row(db, hook.id) is None
    assert client.get(f"/staff/webhooks/{hook.id}").status_code == 404
    with db() as session:
        logged = session.execute(select(AuditEvent.action, AuditEvent.actor_label, AuditEvent.target_id)
                                 .where(AuditEvent.target_type == "webhook").order_by(AuditEvent.id)).all()
    assert [action for action, _who, _id in logged] == [
        "webhook.create", "webhook.edit", "webhook.disable", "webhook.enable", "webhook.rotate_secret",
        "webhook.delete"]
    assert len({who for _a, who, _t in logged}) == 1 and logged[0][1].startswith("admin")
    assert {target for _a, _w, target in logged} == {str(hook.id)}


def test_an_endpoint_needs_a_url_and_an_event(client, login):
    login("admin")
    page = client.post("/staff/webhooks/", data={"url": "", "description": "x"})
    assert page.status_code == 400
    assert "Please enter the endpoint’s URL." in page.text and "Please choose at least one event." in page.text


@pytest.mark.parametrize("role", ["analyst", "interviewer"])
def test_only_admins_manage_webhooks(app, client, db, login, receiver, role):
    hook = endpoint(db, receiver.url, "customer.lost")
    assert client.get("/staff/webhooks/").status_code == 302  # signed out: to the sign-in page
    login(role)
    assert client.get("/staff/webhooks/").status_code == 403
    assert client.get(f"/staff/webhooks/{hook.id}").status_code == 403
    assert client.post("/staff/webhooks/", data={"url": receiver.url, "events": ["customer.lost"]}).status_code == 403
    assert client.post(f"/staff/webhooks/{hook.id}/test").status_code == 403
    assert client.post(f"/staff/webhooks/{hook.id}/delete").status_code == 403
    assert "/staff/webhooks" not in client.get("/").text
    assert receiver.received == [] and hook_row(db, hook.id) is not None


def test_the_admins_navigation_links_the_webhooks_page(client, login):
    login("admin")
    assert 'href="/staff/webhooks/"' in client.get("/staff/users/").text


def test_finished_deliveries_leave_the_log_after_thirty_days_waiting_ones_stay(app, db, receiver):
    receiver.statuses = [204, 500]
    endpoint(db, receiver.url, "customer.lost")
    done, waiting = recorded(app, db, items=[LOST[0], LOST[0]])
    now = utcnow()
    run(app, deliver_all, [done, waiting], now)
    assert [d.state for d in deliveries(db)] == [DeliveryState.DELIVERED, DeliveryState.PENDING]
    assert run(app, prune_deliveries, now + timedelta(days=29)) == 0
    assert run(app, prune_deliveries, now + timedelta(days=31)) == 1
    assert [d.id for d in deliveries(db)] == [waiting]
    from survey_app.jobs.runner import execute
    from survey_app.jobs.services import submit

    assert run(app, lambda: execute(submit("prune_jobs", {}).id)) is not None  # the daily clean-up runs it too


def test_an_admin_sends_a_failed_event_again_once_the_endpoint_is_fixed(app, client, db, login, receiver):
    receiver.statuses = [500, 204]
    login("admin")
    hook = endpoint(db, receiver.url, "customer.lost")
    ids = recorded(app, db)
    run(app, deliver_all, ids)
    with app.app_context():  # as if every attempt had been spent
        _db.session.execute(WebhookDelivery.__table__.update().values(state="failed", attempts=MAX_ATTEMPTS,
                                                                      next_attempt_at=None))
        _db.session.commit()
        _db.session.remove()
    log = client.get(f"/staff/webhooks/{hook.id}").text
    assert "Send again" in log and "Failed" in log
    assert client.post(f"/staff/webhooks/{hook.id}/deliveries/{ids[0]}/again").status_code == 302
    assert wait_for(lambda: settled(db) and deliveries(db)[0].state == DeliveryState.DELIVERED, 60)
    [row] = deliveries(db)
    assert (row.attempts, row.status_code) == (MAX_ATTEMPTS, 204) and len(receiver.received) == 2
    page = client.post(f"/staff/webhooks/{hook.id}/deliveries/{ids[0]}/again", follow_redirects=True)
    assert "it is not sent again" in page.text and len(receiver.received) == 2
    other = endpoint(db, receiver.url, "customer.lost")
    assert client.post(f"/staff/webhooks/{other.id}/deliveries/{ids[0]}/again").status_code == 404
