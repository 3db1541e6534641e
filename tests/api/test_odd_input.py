"""Odd values in every query parameter and path of the API: always a 2xx or a 4xx problem the document describes."""
from __future__ import annotations

from urllib.parse import quote

import pytest

ODD = ["", "\x00", "9" * 5000, "0000-01-01", "9999-12-31", "-1", "1e3", "NaN", "ü\u202e", "%ZZ", "2024-02-30",
       "1 OR 1=1", "a" * 300]


@pytest.fixture
def data(make_survey, make_customer):
    make_survey("exit", slug="exit-odd")
    make_customer(ref="ODD-1")


def test_odd_query_values_are_never_a_5xx(api, data, openapi_doc):
    spec = openapi_doc[0]
    for path, item in spec["paths"].items():
        if "get" not in item:
            continue
        concrete = path.replace("{slug}", "exit-odd").replace("{external_ref}", "ODD-1")
        names = [p["name"] for p in item["get"].get("parameters", []) if p["in"] == "query"] + ["lang", "unknown"]
        for name in names:
            for value in ODD:
                answer = api.get(f"{concrete}?{quote(name)}={quote(value, safe='%')}")
                assert answer.status_code < 500, (path, name, value)


@pytest.mark.parametrize("ref", ["\x00", "a" * 5000, "../../etc/passwd", "ODD-1/../ODD-1", "%00", " ODD-1 "])
def test_odd_paths_are_never_a_5xx(api, data, ref):
    headers = {"Authorization": f"Bearer {api.key}"}
    answers = [api.client.open(f"/api/v1/customers/{quote(ref, safe='/%')}", method=method, headers=headers)
               for method in ("GET", "DELETE")]
    answers.append(api.client.get(f"/api/v1/surveys/{quote(ref, safe='%')}", headers=headers))
    answers.append(api.client.post(f"/api/v1/surveys/{quote(ref, safe='%')}/invitations", headers=headers,
                                   json={"customers": [ref]}))
    for answer in answers:
        assert answer.status_code < 500 and answer.mimetype in ("application/json", "application/problem+json")


@pytest.mark.parametrize("row", [{"external_ref": "\x00"}, {"external_ref": "x" * 65}, {"external_ref": 5},
                                 {"external_ref": "ODD-2", "annual_revenue": "1e400"},
                                 {"external_ref": "ODD-2", "annual_revenue": 10 ** 20},
                                 {"external_ref": "ODD-2", "customer_since": "0000-01-01"},
                                 {"external_ref": "ODD-2", "email": "a@" + "b" * 300 + ".com"},
                                 {"external_ref": "ODD-2", "name": "\u202e" * 300}, [], None, 7])
def test_odd_rows_are_refused_one_by_one(api, data, row):
    for endpoint, name in (("/api/v1/customers", "customers"), ("/api/v1/purchases", "purchases")):
        answer = api.post(endpoint, json={name: [row, {"external_ref": "ODD-1", "date": "2024-01-01", "amount": 1}
                                                 if name == "purchases" else {"external_ref": "ODD-1"}]})
        assert answer.status_code == 200, (endpoint, row, answer.get_json())
        assert [r["index"] for r in answer.get_json()["refused"]] in ([0], []), answer.get_json()
