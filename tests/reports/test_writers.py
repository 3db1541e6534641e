"""The dashboard follows every writer that changes a response's cause: answers stored, imported, reclassified,
reviewed by staff, and customers erased. Figures are read as an analyst downloads them, through the report cache."""
from __future__ import annotations

import csv
import io
from decimal import Decimal

from sqlalchemy import select

from survey_app.responses.models import Answer, Response
from survey_app.taxonomy import BUCKETS, PENDING, UNCLASSIFIED
from tests.conftest import answer_data

CHEAPER = "We went with a cheaper supplier"


def table(client, name: str, query: str) -> list[dict[str, str]]:
    response = client.get(f"/staff/reports/export/{name}.csv?{query}")
    assert response.status_code == 200, response.text[:500]
    return list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))


def figures(client, query: str = "") -> dict:
    """What the dashboard counts: causes per bucket, per survey kind, over time, and the revenue behind them."""
    counts = {row["bucket"]: int(row["answers"]) for row in table(client, "benchmark", query) if int(row["answers"])}
    exit_counts = {row["bucket"]: int(row["exit_answers"]) for row in table(client, "kinds", query)
                   if int(row["exit_answers"])}
    trend = table(client, "trend", query)
    over_time = {bucket: sum(int(row[f"{bucket}_answers"]) for row in trend) for bucket in BUCKETS}
    over_time[UNCLASSIFIED] = sum(int(row["unclassified"]) for row in trend)
    over_time[PENDING] = sum(int(row["pending"]) for row in trend)
    revenue = {row["cause"]: Decimal(row["annual_revenue"]) for row in table(client, "revenue", query)
               if row["cause"] in BUCKETS and Decimal(row["annual_revenue"])}
    return {"counts": counts, "kinds": exit_counts, "trend": {b: n for b, n in over_time.items() if n},
            "revenue": revenue}


def expect(counts: dict[str, int], revenue: dict[str, str] | None = None) -> dict:
    classified = {b: n for b, n in counts.items() if b not in (UNCLASSIFIED, PENDING)}
    return {"counts": counts, "kinds": classified, "trend": counts,
            "revenue": {b: Decimal(amount) for b, amount in (revenue or {}).items()}}


def primary_text_answer(db) -> Answer:
    with db() as session:
        return session.scalar(select(Answer).where(Answer.text == CHEAPER, Answer.is_primary.is_(True)))


def test_dashboard_follows_each_writer_that_changes_a_cause(app, client, db, runner, login, classifier, make_survey,
                                                            make_optional, make_customer, tmp_path, sort_answers):
    app.config["CLASSIFIER_THRESHOLD"] = 0.99  # the model is unsure of everything: free text waits for review
    survey = make_survey("exit", slug="exit-writers")
    make_optional(survey)
    customer = make_customer(ref="W-1", segment="SMB", annual_revenue=Decimal("1000.00"))
    login("admin")
    smb = "segment=SMB"
    assert figures(client) == expect({}) and figures(client, smb) == expect({})

    # Respondents: a free text alone is the cause (pending, then unclassified); a chosen reason outranks a text.
    for data in (answer_data(survey, free_text=CHEAPER),
                 answer_data(survey, main_reason="moved", free_text="Le concurrent était moins cher.")):
        assert client.post(f"/s/o/{survey.slug}", data=data).status_code == 303
    assert figures(client) == expect({PENDING: 1, "circumstances": 1})

    # The sorting job: the model is unsure, so the text waits for review.
    assert sort_answers()["answers"] == 2
    assert figures(client) == expect({UNCLASSIFIED: 1, "circumstances": 1})

    # Import of past answers, by a known customer with revenue.
    past = tmp_path / "past.csv"
    past.write_text("external_ref,submitted_at,reason_code,text\nW-1,2024-03-01,cheaper_elsewhere,\n")
    result = runner.invoke(args=["responses", "import", "--survey", survey.slug, str(past)])
    assert result.exit_code == 0, result.output
    assert figures(client) == expect({UNCLASSIFIED: 1, "circumstances": 1, "competitor": 1},
                                     {"competitor": "1000.00"})
    assert figures(client, smb) == expect({"competitor": 1}, {"competitor": "1000.00"})

    # Reclassification: the model decides every free text (the chosen reason's response keeps its cause).
    app.config["CLASSIFIER_THRESHOLD"] = 0.0
    result = runner.invoke(args=["classify", "backlog"])
    assert result.exit_code == 0, result.output
    answer = primary_text_answer(db)
    assert answer.bucket in BUCKETS
    expected = {"circumstances": 1, "competitor": 1}
    expected[answer.bucket] = expected.get(answer.bucket, 0) + 1
    assert figures(client) == expect(expected, {"competitor": "1000.00"})

    # Staff review: a corrected bucket, then "not a reason" (the response then has no cause).
    assert client.post(f"/staff/review/{answer.id}", data={"bucket": "relationship"}).status_code == 302
    assert figures(client) == expect({"circumstances": 1, "competitor": 1, "relationship": 1},
                                     {"competitor": "1000.00"})
    assert client.post(f"/staff/review/{answer.id}", data={"bucket": "none"}).status_code == 302
    assert figures(client) == expect({"circumstances": 1, "competitor": 1}, {"competitor": "1000.00"})

    # Erasure: the customer's response stays, anonymous: no longer in their segment, its revenue unknown.
    assert client.post(f"/staff/customers/{customer.id}/erase").status_code == 302
    assert figures(client) == expect({"circumstances": 1, "competitor": 1})
    assert figures(client, smb) == expect({})

    with db() as session:  # each response holds its primary answer's bucket
        held = {r.id: r.primary_bucket for r in session.scalars(select(Response))}
        primary = {a.response_id: a.bucket for a in session.scalars(select(Answer).where(Answer.is_primary))}
    assert held == primary and len(held) == 3
