"""API keys: created on the staff page or with ``flask api-keys``, shown once, stored hashed, revoked, expiring."""
from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import select

from survey_app.api.models import ApiKey
from survey_app.api.services import TOUCH_EVERY, hash_key
from survey_app.audit.models import AuditEvent
from survey_app.dbtypes import utcnow
from tests.conftest import csrf_token

KEY_RE = re.compile(r'<code id="api-key">(sak_[A-Za-z0-9_-]+)</code>')


def _stored(db) -> list[ApiKey]:
    with db() as session:
        return list(session.scalars(select(ApiKey).order_by(ApiKey.id)))


def test_an_admin_creates_a_key_on_the_page_and_sees_it_once(app, client, login, db):
    login("admin")
    app.config["WTF_CSRF_ENABLED"] = True
    page = client.get("/staff/api-keys/")
    assert page.status_code == 200 and "No API key yet." in page.text
    assert 'href="/staff/api-keys/"' in page.text  # linked from the admin's navigation
    created = client.post("/staff/api-keys/", data={"name": "Shop", "role": "analyst", "expires": "",
                                                   "csrf_token": csrf_token(page.text)})
    assert created.status_code == 200
    key = KEY_RE.search(created.text).group(1)
    [stored] = _stored(db)
    assert stored.key_hash == hash_key(key) and key not in stored.key_hash and stored.role.value == "analyst"
    assert stored.prefix == key[:12] and stored.created_by_id is not None
    again = client.get("/staff/api-keys/")
    assert key not in again.text and f"{stored.prefix}…" in again.text and "Shop" in again.text


def test_a_bad_key_form_keeps_what_was_typed_with_a_message(client, login, db):
    login("admin")
    page = client.post("/staff/api-keys/", data={"name": "Shop", "role": "analyst",
                                                "expires": (date.today() - timedelta(days=1)).isoformat()})
    assert page.status_code == 400 and "Choose a day after today." in page.text and 'value="Shop"' in page.text
    page = client.post("/staff/api-keys/", data={"name": "", "role": "interviewer"}, headers={"Accept-Language": "fr"})
    assert page.status_code == 400 and '<html lang="fr">' in page.text
    assert _stored(db) == []


def test_only_admins_see_the_keys_page(client, login):
    login("analyst")
    assert client.get("/staff/api-keys/").status_code == 403
    assert client.post("/staff/api-keys/", data={"name": "x", "role": "admin"}).status_code == 403


def test_the_page_revokes_a_key_and_the_key_stops_working(client, login, make_key, db):
    key = make_key("analyst", name="Old CRM")
    assert client.get("/api/v1/surveys", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    login("admin")
    [stored] = _stored(db)
    answer = client.post(f"/staff/api-keys/{stored.id}/revoke", follow_redirects=True)
    assert answer.status_code == 200 and "was revoked" in answer.text and "Revoked" in answer.text
    refused = client.get("/api/v1/surveys", headers={"Authorization": f"Bearer {key}"})
    assert refused.status_code == 401 and refused.mimetype == "application/problem+json"
    with db() as session:
        revoked = session.scalar(select(AuditEvent).where(AuditEvent.action == "api_key.revoke"))
    assert revoked.actor_label.startswith("admin") and revoked.target_id == str(stored.id)


def test_the_command_creates_lists_and_revokes_keys(runner, app, db):
    result = runner.invoke(args=["api-keys", "create", "--name", "ERP", "--role", "admin", "--expires", "2999-01-01"])
    assert result.exit_code == 0, result.output
    key = result.stdout.strip()
    assert key.startswith("sak_") and "not shown again" in result.stderr
    [stored] = _stored(db)
    assert stored.key_hash == hash_key(key) and stored.expires_at.date() == date(2999, 1, 1)
    listed = runner.invoke(args=["api-keys", "list"])
    assert stored.prefix in listed.output and "working" in listed.output and key not in listed.output
    assert runner.invoke(args=["api-keys", "revoke", str(stored.id)]).exit_code == 0
    assert "revoked" in runner.invoke(args=["api-keys", "list"]).output
    assert _stored(db)[0].revoked_at is not None
    assert runner.invoke(args=["api-keys", "revoke", "nope"]).exit_code != 0
    bad = runner.invoke(args=["api-keys", "create", "--name", "x", "--role", "interviewer"])
    assert bad.exit_code != 0
    with db() as session:
        logged = session.execute(select(AuditEvent.action, AuditEvent.actor_label, AuditEvent.detail)
                                 .where(AuditEvent.target_id == str(stored.id)).order_by(AuditEvent.id)).all()
    assert [(action, who) for action, who, _detail in logged] == [("api_key.create", "CLI"), ("api_key.revoke", "CLI")]
    assert key not in str(logged) and logged[0][2]["prefix"] == stored.prefix


def test_an_expired_key_is_refused(client, make_key, db):
    key = make_key("admin")
    with db() as session:
        session.scalars(select(ApiKey)).one().expires_at = utcnow() - timedelta(seconds=1)
    answer = client.get("/api/v1/surveys", headers={"Authorization": f"Bearer {key}"})
    assert answer.status_code == 401 and answer.get_json()["type"].endswith("#problem-unauthorized")


def test_last_use_is_noted_at_most_once_a_minute(client, make_key, db):
    key = make_key("analyst")
    assert _stored(db)[0].last_used_at is None
    client.get("/api/v1/surveys", headers={"Authorization": f"Bearer {key}"})
    first = _stored(db)[0].last_used_at
    assert first is not None and utcnow() - first < timedelta(minutes=1)
    client.get("/api/v1/surveys", headers={"Authorization": f"Bearer {key}"})
    assert _stored(db)[0].last_used_at == first  # not written again within the minute
    with db() as session:
        session.scalars(select(ApiKey)).one().last_used_at = first - TOUCH_EVERY
    client.get("/api/v1/surveys", headers={"Authorization": f"Bearer {key}"})
    assert _stored(db)[0].last_used_at > first - TOUCH_EVERY
