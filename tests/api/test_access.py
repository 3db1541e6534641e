"""Who may call the API: a working key only (never a session cookie), with its role's rights; limited per key."""
from __future__ import annotations

import pytest

from survey_app.extensions import limiter

#: Endpoints only administrator keys may call (as only administrators may on the staff pages).
ADMIN_ONLY = [("POST", "/api/v1/customers", {"customers": []}), ("GET", "/api/v1/customers/C-1", None),
              ("DELETE", "/api/v1/customers/C-1", None), ("POST", "/api/v1/purchases", {"purchases": []}),
              ("POST", "/api/v1/surveys/exit-1/invitations", {"customers": ["C-1"]})]
#: Endpoints analyst keys may call too.
ANALYST = ["/api/v1/surveys", "/api/v1/responses", "/api/v1/reports/breakdown", "/api/v1/reports/lost-ratio",
           "/api/v1/winback/cases", "/api/v1/winback/results"]


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_ONLY)
def test_an_analyst_key_is_refused_admin_endpoints(analyst_api, method, path, body):
    answer = analyst_api.call(method, path, json=body)
    assert answer.status_code == 403 and answer.mimetype == "application/problem+json"
    assert answer.get_json()["type"] == "/api/docs#problem-forbidden"


@pytest.mark.parametrize("path", ANALYST)
def test_analyst_and_admin_keys_read_the_reports(api, analyst_api, path):
    assert analyst_api.get(path).status_code == 200
    assert api.get(path).status_code == 200


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer sak_wrong", "Basic dXNlcjpwYXNz", "sak_nobearer"])
def test_without_a_working_key_every_endpoint_answers_401(api, header, make_customer):
    headers = {"Authorization": header} if header else {}
    for method, path, body in [("GET", p, None) for p in ANALYST] + ADMIN_ONLY:
        answer = api.call(method, path, key=None, headers=headers, json=body)
        assert answer.status_code == 401, path
        assert answer.mimetype == "application/problem+json" and answer.headers["WWW-Authenticate"].startswith("Bearer")
        problem = answer.get_json()
        assert problem["status"] == 401 and problem["title"] == "Authentication needed"


def test_a_signed_in_admin_has_no_rights_without_a_key(app, client, login, make_customer):
    """CSRF: the API takes no cookie, so a forged cross-site POST from a signed-in browser gets nowhere."""
    login("admin")
    app.config["WTF_CSRF_ENABLED"] = True
    posted = client.post("/api/v1/customers", json={"customers": [{"external_ref": "FORGED"}]},
                         headers={"Origin": "https://evil.example"})
    assert posted.status_code == 401 and posted.mimetype == "application/problem+json"
    assert client.get("/api/v1/surveys").status_code == 401
    assert client.get("/staff/customers/").status_code == 200  # the session itself still works on staff pages


def test_a_key_posts_without_a_csrf_token(app, api):
    app.config["WTF_CSRF_ENABLED"] = True
    answer = api.post("/api/v1/customers", json={"customers": [{"external_ref": "K-1", "name": "Key"}]})
    assert answer.status_code == 200 and answer.get_json()["created"] == 1


@pytest.mark.parametrize("lang", ["fr", "pl", "ru"])
def test_problems_speak_the_language_asked_for(api, lang):
    english = api.get("/api/v1/reports/breakdown?survey=nope").get_json()
    by_header = api.get("/api/v1/reports/breakdown?survey=nope", headers={"Accept-Language": lang})
    by_query = api.get(f"/api/v1/reports/breakdown?survey=nope&lang={lang}", headers={"Accept-Language": "en"})
    assert by_header.headers["Content-Language"] == lang == by_query.headers["Content-Language"]
    assert by_header.get_json()["title"] == by_query.get_json()["title"] != english["title"] == "No such survey"
    assert by_header.get_json()["detail"] != english["detail"]
    assert "Set-Cookie" not in by_query.headers  # ?lang= is not remembered
    unauthorized = api.get(f"/api/v1/surveys?lang={lang}", key="sak_nope")
    assert unauthorized.status_code == 401 and unauthorized.headers["Content-Language"] == lang


def test_an_unknown_language_is_a_problem(api):
    answer = api.get("/api/v1/surveys?lang=xx")
    assert answer.status_code == 400 and answer.mimetype == "application/problem+json"
    assert answer.get_json()["type"].endswith("#problem-unknown_language")


def test_unknown_paths_and_methods_under_api_are_problems(api, client):
    assert api.client.get("/api/v1/nothing-here").mimetype == "application/problem+json"
    wrong = api.client.put("/api/v1/surveys", headers={"Authorization": f"Bearer {api.key}"})
    assert wrong.status_code == 405 and wrong.mimetype == "application/problem+json"
    assert client.get("/staff/nothing-here").mimetype == "text/html"  # pages keep their error pages


def test_the_rate_limit_counts_per_key_and_answers_429(app, make_key):
    from survey_app import create_app
    from survey_app.config import TestingConfig

    limited = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                         RATELIMIT_ENABLED=True, API_RATE_LIMIT="3/minute", RATELIMIT_STORAGE_URI="memory://")
    try:
        client = limited.test_client()
        first, second = make_key("analyst", name="one"), make_key("analyst", name="two")
        statuses = [client.get("/api/v1/surveys", headers={"Authorization": f"Bearer {first}"}).status_code
                    for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        refused = client.get("/api/v1/surveys", headers={"Authorization": f"Bearer {first}", "Accept-Language": "pl"})
        assert refused.mimetype == "application/problem+json" and refused.headers["Content-Language"] == "pl"
        assert refused.get_json()["status"] == 429
        assert client.get("/api/v1/surveys", headers={"Authorization": f"Bearer {second}"}).status_code == 200
    finally:
        limiter.init_app(app)  # the limiter is shared: give the test app back its own settings


def test_the_key_is_in_flask_g_for_the_audit_log(app, make_key):
    from flask import g

    key = make_key("analyst", name="Warehouse")
    with app.test_client() as client:
        client.get("/api/v1/surveys", headers={"Authorization": f"Bearer {key}"})
        assert (g.api_key.name, g.api_key.role) == ("Warehouse", "analyst") and isinstance(g.api_key.id, int)
    with app.test_client() as client:
        client.get("/api/v1/surveys", headers={"Authorization": "Bearer sak_wrong"})
        assert g.get("api_key") is None
