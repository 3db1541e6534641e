"""Texts in JSON bodies as a client may send them: NUL characters and lone surrogates (``\\ud800``) never fail a
request with a 5xx, on SQLite as on PostgreSQL."""
from __future__ import annotations

import pytest

from survey_app.customers.models import Customer


@pytest.fixture
def survey(make_survey, make_customer):
    make_customer(ref="JT-1")
    return make_survey("exit", slug="exit-json-text")


def _post(api, path: str, body: str):
    return api.post(path, data=body, content_type="application/json")


@pytest.mark.parametrize("path, body", [
    ("/api/v1/customers", '{"customers": [{"external_ref": "JT-2", "name": "\\ud800"}]}'),
    ("/api/v1/customers", '{"customers": [{"external_ref": "JT-\\udfff"}]}'),
    ("/api/v1/purchases", '{"purchases": [{"external_ref": "JT-1", "date": "2024-01-01", "amount": 1, '
                          '"order_ref": "\\ud83d"}]}'),
    ("/api/v1/surveys/exit-json-text/invitations", '{"customers": ["JT-1\\ud800"]}'),
])
def test_a_lone_surrogate_is_a_malformed_request(api, survey, path, body):
    answer = _post(api, path, body)
    assert answer.status_code == 400, answer.get_json()
    assert answer.mimetype == "application/problem+json"


def test_nul_characters_are_removed_from_json_texts_as_from_forms(api, survey, db):
    answer = _post(api, "/api/v1/surveys/exit-json-text/invitations", '{"customers": ["JT-\\u00001"]}')
    assert answer.status_code == 201, answer.get_json()
    assert [i["external_ref"] for i in answer.get_json()["invitations"]] == ["JT-1"]
    answer = _post(api, "/api/v1/customers", '{"customers": [{"external_ref": "JT-\\u00003", "name": "Ann\\u0000e"}]}')
    assert answer.get_json()["created"] == 1
    with db() as session:
        assert session.query(Customer).filter_by(external_ref="JT-3").one().name == "Anne"


@pytest.mark.parametrize("path", ["/api/v1/customers", "/api/v1/surveys/exit-json-text/invitations"])
def test_a_body_nested_too_deeply_is_a_malformed_request(api, survey, path):
    answer = _post(api, path, '{"customers": ' + "[" * 50_000 + "]" * 50_000 + "}")
    assert answer.status_code == 400, answer.get_json()
