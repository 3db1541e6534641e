"""The OpenAPI 3.1 document is valid, and every endpoint's answers, successes and problems, match it."""
from __future__ import annotations

from datetime import datetime

from openapi_spec_validator import validate

from survey_app.customers.models import CustomerStatus
from tests.reports.conftest import new_response

METHODS = {"get", "post", "put", "patch", "delete"}


def test_the_document_is_valid_and_every_endpoint_answers_as_it_says(app, db, api, make_key, make_survey,
                                                                     make_customer, openapi_doc):
    served = app.test_client().get("/api/openapi.json")
    assert served.status_code == 200
    spec = served.get_json()
    assert spec["openapi"].startswith("3.1")
    validate(spec)  # raises on any error against the OpenAPI 3.1 schema
    assert spec == openapi_doc[0]

    survey = make_survey("exit", slug="exit-doc")
    make_customer(ref="DOC-1")
    make_customer(ref="DOC-LOST", status=CustomerStatus.LOST, lost_at=datetime(2024, 3, 1).date())
    with db() as session:
        for n in range(3):
            session.add(new_response(survey, "competitor", at=datetime(2024, 5, 1 + n, 9)))
    analyst = make_key("analyst")
    calls = [
        ("GET", "/api/v1/surveys", None), ("GET", "/api/v1/surveys/exit-doc", None),
        ("GET", "/api/v1/surveys/missing", None),
        ("POST", "/api/v1/customers", {"customers": [{"external_ref": "DOC-2", "annual_revenue": "12.5"},
                                                    {"external_ref": "DOC-3", "email": "x"}]}),
        ("POST", "/api/v1/customers", {"customers": "nope"}),
        ("GET", "/api/v1/customers/DOC-1", None), ("GET", "/api/v1/customers/none", None),
        ("POST", "/api/v1/purchases", {"purchases": [{"external_ref": "DOC-1", "date": "2024-05-01", "amount": 3},
                                                    {"external_ref": "DOC-1", "date": "x", "amount": 3}]}),
        ("POST", "/api/v1/purchases", {"purchases": [{}] * 1001}),
        ("POST", "/api/v1/surveys/exit-doc/invitations", {"customers": ["DOC-1", "DOC-9"]}),
        ("POST", "/api/v1/surveys/exit-doc/invitations", {"customers": "DOC-1"}),
        ("GET", "/api/v1/responses?limit=2", None), ("GET", "/api/v1/responses?limit=x", None),
        ("GET", "/api/v1/reports/breakdown?survey=exit-doc", None),
        ("GET", "/api/v1/reports/breakdown?kind=x", None),
        ("GET", "/api/v1/reports/lost-ratio?since=2024-01-01&until=2024-12-31", None),
        ("GET", "/api/v1/reports/lost-ratio?unit=x", None),
        ("GET", "/api/v1/winback/cases", None), ("GET", "/api/v1/winback/cases?state=x", None),
        ("GET", "/api/v1/winback/results", None), ("GET", "/api/v1/winback/results?since=x", None),
        ("DELETE", "/api/v1/customers/DOC-2", None), ("DELETE", "/api/v1/customers/DOC-2", None),
    ]
    for method, path, body in calls:
        api.call(method, path, json=body)
        api.call(method, path, key=None, json=body)  # 401
        api.call(method, path, key=analyst, json=body)  # 403 on the administrators' endpoints
    api.call("GET", "/api/v1/surveys", key="sak_revoked-or-never-made")

    # Every operation of the document was answered at least once with a success and once with a problem.
    statuses: dict[tuple[str, str], set[int]] = {}
    for method, path, status in api.checked:
        statuses.setdefault((method, _template(spec, path)), set()).add(status)
    operations = {(method.upper(), path) for path, item in spec["paths"].items()
                  for method in item if method in METHODS}
    assert set(statuses) == operations
    for operation, seen in statuses.items():
        assert any(s < 300 for s in seen) and any(s >= 400 for s in seen), (operation, seen)
    assert {403, 404, 413, 422} <= set().union(*statuses.values())


def _template(spec: dict, path: str) -> str:
    """The document's path template a concrete path belongs to."""
    parts = path.split("?")[0].split("/")
    for template in spec["paths"]:
        pieces = template.split("/")
        if len(pieces) == len(parts) and all(p == q or p.startswith("{") for p, q in zip(pieces, parts, strict=True)):
            return template
    raise AssertionError(f"no path of the document matches {path}")


def test_the_docs_page_is_drawn_from_the_document_without_scripts(client):
    assert '<html lang="pl">' in client.get("/api/docs", headers={"Accept-Language": "pl"}).text
    page = client.get("/api/docs")
    assert page.status_code == 200
    assert "<script" not in page.text and "cdn" not in page.text.lower()
    for text in ("GET /api/v1/responses", "POST /api/v1/customers", "DELETE /api/v1/customers/{external_ref}",
                 "<code>cursor</code>", 'id="schema-CustomerRow"', 'id="schema-Problem"', "curl -H",
                 'id="problem-unauthorized"', "Authorization: Bearer", "/api/openapi.json", "at most 1000 rows"):
        assert text in page.text, text
    assert "%(" not in page.text
    assert "Administrator keys only." in page.text and "Analyst and administrator keys." in page.text


def test_the_keys_page_links_to_the_docs(client, login):
    login("admin")
    assert 'href="/api/docs"' in client.get("/staff/api-keys/").text
