"""Every endpoint of the API end to end: what it answers, what it stores, and how it refuses bad input."""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from survey_app.customers.models import Customer, CustomerStatus
from survey_app.dbtypes import utcnow
from survey_app.invitations.models import Invitation
from survey_app.purchases.models import Purchase
from survey_app.responses.models import Response
from survey_app.winback.models import WinbackCase
from survey_app.winback.rules import CaseState
from survey_app.winback.services import open_case
from tests.reports.conftest import new_response


def _customers(db) -> dict[str, Customer]:
    with db() as session:
        return {c.external_ref: c for c in session.scalars(select(Customer))}


def _responses(app, db, survey, buckets, customer=None, start=datetime(2024, 5, 1, 12)):
    with db() as session:
        for n, bucket in enumerate(buckets):
            session.add(new_response(survey, bucket, at=start + timedelta(days=n), customer=customer,
                                     text="Too slow to answer" if n == 0 else None))


# Surveys

def test_surveys_are_listed_and_read_with_their_questions(analyst_api, make_survey, app, db):
    survey = make_survey("exit", slug="exit-api")
    make_survey("loyalty", slug="loyalty-api", state="draft")
    _responses(app, db, survey, ["indifference", "competitor"])
    listed = analyst_api.get("/api/v1/surveys").get_json()["surveys"]
    assert {s["slug"]: (s["kind"], s["state"], s["responses"]) for s in listed} == {
        "exit-api": ("exit", "open", 2), "loyalty-api": ("loyalty", "draft", 0)}
    read = analyst_api.get("/api/v1/surveys/exit-api").get_json()
    assert [q["type"] for q in read["questions"]] == [q.type.value for q in survey.questions]
    assert read["questions"][0]["text"]["fr"] and read["reason_codes"]
    missing = analyst_api.get("/api/v1/surveys/nope")
    assert missing.status_code == 404 and missing.get_json()["type"].endswith("#problem-not_found")


# Customers

def test_customers_are_upserted_by_reference_with_per_row_errors(api, db, make_customer, make_user):
    make_customer(ref="OLD-1", name="Old name", locale="en")
    manager = make_user("analyst", email="ola@example.com")
    rows = [
        {"external_ref": "NEW-1", "name": "Acme", "email": "IT@Acme.example.COM", "locale": "fr",
         "annual_revenue": 1250.5, "customer_since": "2020-02-01", "account_manager": "OLA@example.com"},
        {"external_ref": "OLD-1", "name": "New name"},
        {"external_ref": "BAD-1", "email": "not an address"},
        {"external_ref": "BAD-2", "locale": "xx", "customer_since": "yesterday"},
        {"name": "no reference"},
        {"external_ref": "NEW-1", "name": "Twice"},
        {"external_ref": "BAD-3", "annual_revenue": "lots", "colour": "red"},
        {"external_ref": "BAD-4", "account_manager": "nobody@example.com"},
        "not an object",
    ]
    answer = api.post("/api/v1/customers", json={"customers": rows}, headers={"Accept-Language": "en"})
    assert answer.status_code == 200
    result = answer.get_json()
    assert (result["created"], result["updated"]) == (1, 1)
    refused = {r["index"]: r for r in result["refused"]}
    assert sorted(refused) == [2, 3, 4, 5, 6, 7, 8]
    assert refused[2]["errors"] == {"email": ["Not a valid email address."]}
    assert set(refused[3]["errors"]) == {"locale", "customer_since"}
    assert refused[4]["errors"] == {"external_ref": ["This value is required."]}
    assert refused[5]["errors"] == {"external_ref": ["This reference already appears earlier in the file."]}
    assert set(refused[6]["errors"]) == {"annual_revenue", "colour"} and refused[6]["external_ref"] == "BAD-3"
    assert refused[7]["errors"] == {"account_manager": ["No staff account has this email."]}
    stored = _customers(db)
    assert set(stored) == {"NEW-1", "OLD-1"}
    new = stored["NEW-1"]
    assert (new.email, new.locale, str(new.annual_revenue), new.customer_since, new.account_manager_id) == (
        "IT@acme.example.com", "fr", "1250.50", date(2020, 2, 1), manager.id)
    assert stored["OLD-1"].name == "New name" and stored["OLD-1"].locale == "en"  # fields left out stay
    read = api.get("/api/v1/customers/NEW-1").get_json()
    assert read["annual_revenue"] == "1250.50" and read["account_manager"] == "ola@example.com"
    assert read["status"] == "active" and read["customer_since"] == "2020-02-01"


def test_refused_rows_speak_the_language_asked_for(api):
    answer = api.post("/api/v1/customers?lang=fr", json={"customers": [{"external_ref": "X", "email": "nope"},
                                                                      {"name": "x"}]})
    refused = answer.get_json()["refused"]
    assert refused[0]["errors"]["email"] == ["Adresse e-mail invalide."]
    assert answer.headers["Content-Language"] == "fr"


def test_bulk_requests_are_bounded_and_must_be_json(api, db):
    too_many = api.post("/api/v1/customers", json={"customers": [{"external_ref": f"R{n}"} for n in range(1001)]})
    assert too_many.status_code == 413 and too_many.get_json()["type"].endswith("#problem-too_many_rows")
    assert "1000" in too_many.get_json()["detail"]
    not_json = api.post("/api/v1/purchases", data="external_ref,date", headers={"Content-Type": "text/csv"})
    assert not_json.status_code == 400 and not_json.mimetype == "application/problem+json"
    no_list = api.post("/api/v1/customers", json={"rows": []})
    assert no_list.status_code == 422 and "customers" in no_list.get_json()["errors"]
    assert _customers(db) == {}


def test_a_customer_is_erased_and_their_answers_stay_anonymous(api, db, app, make_survey, make_customer,
                                                              make_invitation):
    survey = make_survey("exit")
    customer = make_customer(ref="GONE-1")
    make_invitation(survey, customer)
    _responses(app, db, survey, ["competitor"], customer=customer)
    answer = api.delete("/api/v1/customers/GONE-1")
    assert answer.status_code == 200
    assert answer.get_json() == {"external_ref": "GONE-1", "responses_kept_anonymously": 1}
    with db() as session:
        assert session.scalars(select(Customer)).all() == [] and session.scalars(select(Invitation)).all() == []
        assert [r.customer_id for r in session.scalars(select(Response))] == [None]
    assert api.get("/api/v1/customers/GONE-1").status_code == 404
    assert api.delete("/api/v1/customers/GONE-1").status_code == 404


# Purchases

def test_purchases_are_added_once_and_win_back_a_lost_customer(api, db, make_customer):
    lost_on = utcnow().date() - timedelta(days=30)
    lost = make_customer(ref="LOST-1", status=CustomerStatus.LOST, lost_at=lost_on)
    make_customer(ref="KEPT-1")
    with db() as session:
        open_case(session.get(Customer, lost.id), utcnow().date())
    bought = (lost_on + timedelta(days=10)).isoformat()
    rows = [{"external_ref": "LOST-1", "date": bought, "amount": "250.00", "order_ref": "INV-1"},
            {"external_ref": "KEPT-1", "date": "2024-03-01", "amount": 12.5},
            {"external_ref": "NOBODY", "date": "2024-03-01", "amount": 1},
            {"external_ref": "KEPT-1", "date": "2024-13-01", "amount": -3},
            {"external_ref": "KEPT-1", "amount": 3}]
    result = api.post("/api/v1/purchases", json={"purchases": rows}).get_json()
    assert (result["created"], result["skipped"]) == (2, 0)
    refused = {r["index"]: r["errors"] for r in result["refused"]}
    assert refused[2] == {"external_ref": ["No customer has this reference: import the customer first."]}
    assert set(refused[3]) == {"date", "amount"} and set(refused[4]) == {"date"}
    again = api.post("/api/v1/purchases", json={"purchases": rows[:2]}).get_json()
    assert (again["created"], again["skipped"], again["refused"]) == (0, 2, [])
    with db() as session:
        assert len(session.scalars(select(Purchase)).all()) == 2
        case = session.scalars(select(WinbackCase)).one()
        assert case.state == CaseState.WON_BACK
        assert session.get(Customer, lost.id).status == CustomerStatus.RETURNED


# Invitations

def test_invitations_return_personal_links_that_open_the_survey(api, app, db, make_survey, make_customer):
    make_survey("exit", slug="exit-inv")
    make_customer(ref="INV-1", locale="pl")
    make_customer(ref="INV-2")
    answer = api.post("/api/v1/surveys/exit-inv/invitations", json={"customers": ["INV-1", "INV-2", "NOBODY"]})
    assert answer.status_code == 201
    result = answer.get_json()
    assert [(i["external_ref"], i["locale"]) for i in result["invitations"]] == [("INV-1", "pl"), ("INV-2", "en")]
    assert result["refused"] == [{"index": 2, "external_ref": "NOBODY",
                                  "errors": {"external_ref": ["No customer has this reference."]}}]
    link = result["invitations"][0]["url"]
    assert link.startswith(app.config["BASE_URL"].rstrip("/") + "/s/")
    page = app.test_client().get(link.removeprefix(app.config["BASE_URL"].rstrip("/")))
    assert page.status_code == 200 and '<html lang="pl">' in page.text
    with db() as session:
        assert all(link.rpartition("/")[2] not in i.token_hash for i in session.scalars(select(Invitation)))
    again = api.post("/api/v1/surveys/exit-inv/invitations", json={"customers": ["INV-1"]}).get_json()
    assert again["invitations"] == [] and again["refused"][0]["errors"]["external_ref"] == [
        "This customer is already invited to this survey."]


def test_invitations_are_refused_for_unknown_and_staff_surveys(api, make_survey, make_customer):
    make_customer(ref="INV-3")
    assert api.post("/api/v1/surveys/nope/invitations", json={"customers": ["INV-3"]}).status_code == 404
    make_survey("staff", slug="team-beliefs")
    refused = api.post("/api/v1/surveys/team-beliefs/invitations", json={"customers": ["INV-3"]})
    assert refused.status_code == 409 and refused.get_json()["type"].endswith("#problem-staff_survey_not_invited")
    broken = api.post("/api/v1/surveys/team-beliefs/invitations", data="{oops", content_type="application/json")
    assert broken.status_code == 400 and broken.get_json()["type"].endswith("#problem-bad_request")
    empty = api.post("/api/v1/surveys/team-beliefs/invitations", json={"customers": []})
    assert empty.status_code == 422 and "customers" in empty.get_json()["errors"]


# Responses

def test_responses_are_filtered_and_paged_by_cursor(analyst_api, app, db, make_survey, make_customer):
    exit_survey, loyalty = make_survey("exit", slug="exit-r"), make_survey("loyalty", slug="loyal-r")
    customer = make_customer(ref="RESP-1", segment="retail")
    _responses(app, db, exit_survey, ["indifference", "competitor", "competitor", "dissatisfaction", "circumstances"],
               customer=customer)
    _responses(app, db, loyalty, ["competitor"], start=datetime(2025, 1, 1, 9))
    seen, cursor = [], None
    while True:
        page = analyst_api.get("/api/v1/responses?survey=exit-r&limit=2" + (f"&cursor={cursor}" if cursor else ""))
        body = page.get_json()
        seen += [r["id"] for r in body["responses"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 5 and seen == sorted(seen, reverse=True)
    first = analyst_api.get("/api/v1/responses?survey=exit-r&limit=5").get_json()["responses"][-1]
    main = next(a for a in first["answers"] if a["is_primary"])
    assert (main["bucket"], main["cause_group"], main["source"], main["confidence"]) == (
        "indifference", "company", "choice", 1.0)
    text = next(a for a in first["answers"] if a["question_type"] == "free_text")
    assert (text["text"], text["source"], text["model_version"]) == ("Too slow to answer", "model", "test-1")
    assert first["customer"] == "RESP-1" and first["submitted_at"].startswith("2024-05-01T12:00:00")
    competitor = analyst_api.get("/api/v1/responses?bucket=competitor").get_json()["responses"]
    assert len(competitor) == 3
    assert len(analyst_api.get("/api/v1/responses?kind=loyalty").get_json()["responses"]) == 1
    assert len(analyst_api.get("/api/v1/responses?group=customer&segment=retail").get_json()["responses"]) == 1
    assert len(analyst_api.get("/api/v1/responses?since=2024-05-04&until=2024-05-31").get_json()["responses"]) == 2


@pytest.mark.parametrize(("query", "field"), [("kind=staffish", "kind"), ("since=2024-02-30", "since"),
                                              ("limit=0", "limit"), ("limit=201", "limit"), ("cursor=%%%", "cursor"),
                                              ("cursor=bm90LWEtY3Vyc29y", "cursor"),
                                              ("since=2024-05-02&until=2024-05-01", "until"),
                                              ("since=0001-01-01", "since"), ("until=9999-12-31", "until"),
                                              ("manager=12.5", "manager"), ("segment=" + "s" * 65, "segment")])
def test_bad_response_filters_are_422_problems(analyst_api, query, field):
    answer = analyst_api.get(f"/api/v1/responses?{query}")
    assert answer.status_code == 422 and answer.mimetype == "application/problem+json"
    assert field in answer.get_json()["errors"]
    assert all(isinstance(m, str) and m for m in answer.get_json()["errors"][field])


# Reports

def test_the_breakdown_is_the_object_the_command_prints(analyst_api, runner, app, db, make_survey):
    survey = make_survey("exit", slug="exit-b")
    _responses(app, db, survey, ["indifference", "competitor", "competitor", "unclassified"])
    api_answer = analyst_api.get("/api/v1/reports/breakdown?survey=exit-b&weight=revenue").get_json()
    printed = runner.invoke(args=["reports", "breakdown", "--survey", "exit-b", "--weight", "revenue"])
    assert api_answer == json.loads(printed.output)
    assert api_answer["buckets"]["competitor"]["count"] == 2 and api_answer["n"] == 3
    unknown = analyst_api.get("/api/v1/reports/breakdown?survey=nope")
    assert unknown.status_code == 404 and unknown.get_json()["type"].endswith("#problem-no_such_survey")
    bad = analyst_api.get("/api/v1/reports/breakdown?since=2024-05-02&until=2024-05-01")
    assert bad.status_code == 422 and "until" in bad.get_json()["errors"]
    assert analyst_api.get("/api/v1/reports/breakdown?benchmark=nope").status_code == 422


def test_the_lost_ratio_counts_lost_customers_per_period(analyst_api, make_customer):
    make_customer(ref="L-1", status=CustomerStatus.LOST, lost_at=date(2024, 2, 10), customer_since=date(2020, 1, 1))
    make_customer(ref="L-2", customer_since=date(2020, 1, 1))
    report = analyst_api.get("/api/v1/reports/lost-ratio?unit=quarter&since=2024-01-01&until=2024-06-30").get_json()
    assert [p["period"] for p in report["periods"]] == ["2024-Q1", "2024-Q2"]
    assert (report["periods"][0]["total"]["customers"], report["periods"][0]["total"]["lost"]) == (2, 1)
    assert report["periods"][0]["total"]["ratio"] == 50.0
    assert analyst_api.get("/api/v1/reports/lost-ratio?since=2024-07-01&until=2024-01-01").status_code == 422
    assert analyst_api.get("/api/v1/reports/lost-ratio?unit=month&since=1900-01-01").status_code == 422
    assert analyst_api.get("/api/v1/reports/lost-ratio?unit=week").status_code == 422
    far = analyst_api.get("/api/v1/reports/lost-ratio?unit=year&since=9999-01-01&until=9999-12-31")
    assert far.status_code == 422 and set(far.get_json()["errors"]) == {"since", "until"}


def test_win_back_cases_and_results(analyst_api, db, make_customer):
    lost = make_customer(ref="WB-1", status=CustomerStatus.LOST, lost_at=utcnow().date() - timedelta(days=20))
    with db() as session:
        open_case(session.get(Customer, lost.id), utcnow().date())
    cases = analyst_api.get("/api/v1/winback/cases").get_json()["cases"]
    assert [(c["customer"], c["state"]) for c in cases] == [("WB-1", "open")]
    assert analyst_api.get("/api/v1/winback/cases?state=won_back").get_json()["cases"] == []
    assert analyst_api.get("/api/v1/winback/cases?priority=9").status_code == 422
    results = analyst_api.get("/api/v1/winback/results").get_json()
    assert (results["total"]["cases"], results["total"]["won_back"], results["total"]["rate"]) == (1, 0, 0.0)
    bad = analyst_api.get("/api/v1/winback/results?since=2024-05-02&until=2024-05-01")
    assert bad.status_code == 422 and "since" in bad.get_json()["errors"]


def test_a_body_over_the_size_limit_is_a_413_problem(api, app):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    answer = api.post("/api/v1/customers", json={"customers": [{"external_ref": "X" * 50, "name": "n" * 100}] * 20})
    assert answer.status_code == 413 and answer.get_json()["type"].endswith("#problem-too_large")


def test_an_unexpected_failure_is_a_500_problem_not_a_page(api, monkeypatch):
    from survey_app.api import views

    def broken():
        raise RuntimeError("boom")

    monkeypatch.setattr(views, "list_surveys", broken)
    answer = api.client.get("/api/v1/surveys", headers={"Authorization": f"Bearer {api.key}"})
    assert answer.status_code == 500 and answer.mimetype == "application/problem+json"
    assert "boom" not in answer.text
