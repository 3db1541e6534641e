"""CSV and XLSX downloads: the filtered answers and the figures behind each chart, with formula cells neutralised."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime

import pytest

from survey_app.reports.exports import ANSWER_COLUMNS, TABLES

BOM = "\ufeff".encode()
XSS = "<script>alert(1)</script>"


def norm(value):
    """One spelling for a cell read from CSV (text) or XLSX (typed): numbers as rounded floats, empty as ""."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    try:
        return round(float(value), 6)
    except (TypeError, ValueError):
        return str(value)


def download(client, name: str, fmt: str, query: str = "") -> tuple[list, list[list]]:
    """Header and rows of an export, cells as the file gives them."""
    response = client.get(f"/staff/reports/export/{name}.{fmt}{query}")
    assert response.status_code == 200, response.text[:500]
    assert response.headers["Content-Disposition"] == f"attachment; filename={name}-{date.today().isoformat()}.{fmt}"
    if fmt == "csv":
        assert response.mimetype == "text/csv"
        assert response.data.startswith(BOM)
        rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    else:
        from openpyxl import load_workbook

        assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        workbook = load_workbook(io.BytesIO(response.data))
        assert workbook.sheetnames == [name]
        rows = [list(row) for row in workbook[name].iter_rows(values_only=True)]
    return rows[0], rows[1:]


def normalised(client, name: str, fmt: str, query: str = "") -> tuple[list, list[list]]:
    header, rows = download(client, name, fmt, query)
    return header, [[norm(v) for v in row] for row in rows]


# -- the answers -----------------------------------------------------------------------------------

@pytest.fixture
def two_responses(make_survey, customer, respond):
    survey = make_survey("exit", slug="exit-x")
    payer = customer(segment="SMB", revenue="1000.10", ref="R-00042")
    first = respond(survey, "indifference", at=datetime(2024, 5, 15, 12), locale="fr", channel="email",
                    customer=payer, text="Personne n'a rappelé.")[0]
    second = respond(survey, "unclassified", at=datetime(2024, 5, 16, 9, 30), text="Not sure.", extra=False)[0]
    return first, second


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_answers_export_has_every_answer_with_its_classification(analyst, two_responses, fmt):
    first, second = two_responses
    header, rows = normalised(analyst, "answers", fmt)
    assert header == list(ANSWER_COLUMNS)
    common = [first, "2024-05-15 12:00:00", "exit-x", "exit", "email", "fr", "R-00042", "SMB", 1000.1]
    # Answers stored without a form (imports, interviews) show no consent notice.
    assert rows == [
        [*common, "main_reason", 1, "no_follow_up", "", "", "indifference", "company", "choice", 1, ""],
        [*common, "free_text", 0, "", "Personne n'a rappelé.", "", "unclassified", "", "model", 0.3, ""],
        [*common, "other_reasons", 0, "better_offer", "", "", "competitor", "competitor", "choice", 1, ""],
        [*common, "scale_0_10", 0, "", "", 4, "", "", "", "", ""],
        [second, "2024-05-16 09:30:00", "exit-x", "exit", "link", "en", "", "", "", "free_text", 1, "",
         "Not sure.", "", "unclassified", "", "model", 0.41, ""],
    ]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("payload", ['=HYPERLINK("http://x","y")', "+1+1", "-2", "@SUM(A1)", "=1+1;cmd|' /C calc'!A0",
                                     "\t=1+1"])
def test_formula_text_is_neutralised(analyst, make_survey, customer, respond, payload, fmt):
    survey = make_survey("exit")
    who = customer(segment=payload, ref=payload, name="Formula Ltd")
    respond(survey, "unclassified", text=payload, customer=who, extra=False)
    header, rows = download(analyst, "answers", fmt)
    row = dict(zip(header, rows[0], strict=False))
    # In a CSV a tab may start a new cell, so the formula after it is neutralised too.
    expected = "'\t'=1+1" if fmt == "csv" and payload == "\t=1+1" else "'" + payload
    for column in ("text", "segment", "customer_ref"):
        assert row[column] == expected, column
    if fmt == "xlsx":
        from openpyxl import load_workbook

        response = analyst.get("/staff/reports/export/answers.xlsx")
        sheet = load_workbook(io.BytesIO(response.data))["answers"]
        assert all(cell.data_type == "s" for cell in sheet[2] if isinstance(cell.value, str))


@pytest.mark.parametrize("payload", ['\x01=HYPERLINK("http://x","y")', "\x02\x08=1+1", "\x1b@SUM(A1)"])
def test_control_characters_cannot_smuggle_a_formula_into_xlsx(analyst, make_survey, respond, payload):
    # openpyxl refuses control characters, so they are dropped; what is left must still be inert text.
    from openpyxl import load_workbook

    respond(make_survey("exit"), "unclassified", text=payload, extra=False)
    response = analyst.get("/staff/reports/export/answers.xlsx")
    sheet = load_workbook(io.BytesIO(response.data))["answers"]
    cell = sheet.cell(row=2, column=ANSWER_COLUMNS.index("text") + 1)
    assert cell.data_type == "s" and cell.value == "'" + payload.lstrip("\x01\x02\x08\x1b")


def test_formula_typed_into_the_public_form_is_inert_in_xlsx(app, analyst, make_survey):
    from openpyxl import load_workbook

    from tests.conftest import answer_data

    survey = make_survey("exit", slug="exit-form")
    data = answer_data(survey, main_reason="moved", free_text='\x01=HYPERLINK("http://evil.example","Click")')
    assert app.test_client().post(f"/s/o/{survey.slug}", data=data).status_code == 303
    sheet = load_workbook(io.BytesIO(analyst.get("/staff/reports/export/answers.xlsx").data))["answers"]
    texts = [cell for cell in sheet["M"][1:] if cell.value]
    assert [cell.data_type for cell in texts] == ["s"]
    assert not texts[0].value.startswith("=")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_ordinary_text_and_numbers_are_left_alone(analyst, make_survey, respond, fmt):
    survey = make_survey("exit")
    respond(survey, "unclassified", text="Prices went up 20%, -so- we left.", extra=False)
    header, rows = download(analyst, "answers", fmt)
    assert dict(zip(header, rows[0], strict=False))["text"] == "Prices went up 20%, -so- we left."


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_markup_is_exported_verbatim(analyst, make_survey, customer, respond, fmt):
    survey = make_survey("exit")
    respond(survey, "unclassified", text=XSS, customer=customer(segment=XSS), extra=False)
    header, rows = download(analyst, "answers", fmt)
    row = dict(zip(header, rows[0], strict=False))
    assert row["text"] == XSS and row["segment"] == XSS


def test_markup_is_escaped_on_the_dashboard_and_the_printed_report(app, analyst, make_survey, customer, respond,
                                                                   manager):
    from urllib.parse import quote

    boss = manager("<img src=x onerror=alert(2)>")
    survey = make_survey("exit")
    respond(survey, "unclassified", text=XSS, customer=customer(segment=XSS, manager=boss), extra=False)
    dashboard = analyst.get("/staff/reports/").text
    printed = analyst.get(f"/staff/reports/print?segment={quote(XSS)}&manager={boss.id}").text
    for page in (dashboard, printed):
        assert XSS not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dashboard and "&lt;img src=x onerror=alert(2)&gt;" in dashboard
    assert "segment &lt;script&gt;alert(1)&lt;/script&gt;" in printed
    assert "account manager &lt;img src=x onerror=alert(2)&gt;" in printed


@pytest.mark.parametrize("query, responses", [
    ("", {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}),
    ("?locale=fr", {3, 4, 10}),
    ("?kind=loyalty", {8, 9, 10}),
    ("?survey=exit-b", {6, 7}),
    ("?segment=SMB&since=2024-03-31&until=2024-06-30", {5, 6, 7}),
    ("?channel=interview", {4, 10}),
])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_filters_apply_to_the_answers_export(analyst, dataset, query, responses, fmt):
    header, rows = download(analyst, "answers", fmt, query)
    first_id = min(int(row[0]) for row in download(analyst, "answers", "csv")[1]) - 1
    assert {int(row[0]) - first_id for row in rows} == responses
    # Every answer of those responses, not only the primary ones: r11 has two (other reasons and a scale).
    assert len(rows) == sum(2 if r == 11 else 3 for r in responses)


# -- the figures behind each chart -----------------------------------------------------------------

CHART_TABLES = {
    "benchmark": (["bucket", "label", "answers", "share", "low_95", "high_95", "benchmark_share"], [
        ["indifference", "Indifference", 3, 0.3333, 0.1206, 0.6458, 0.68],
        ["dissatisfaction", "Dissatisfaction", 2, 0.2222, 0.0632, 0.5474, 0.14],
        ["competitor", "Competitor", 2, 0.2222, 0.0632, 0.5474, 0.09],
        ["relationship", "Other relationship", 1, 0.1111, 0.0199, 0.435, 0.05],
        ["circumstances", "Circumstances", 1, 0.1111, 0.0199, 0.435, 0.04],
        ["unclassified", "Unclassified", 1, "", "", "", ""],
        ["pending", "Being sorted", 0, "", "", "", ""],
    ]),
    "groups": (["cause_group", "label", "answers", "share", "low_95", "high_95", "benchmark_share"], [
        ["company", "Company-caused", 5, 0.5556, 0.2667, 0.8112, 0.82],
        ["competitor", "Competitor-caused", 3, 0.3333, 0.1206, 0.6458, 0.14],
        ["customer", "Customer-caused", 1, 0.1111, 0.0199, 0.435, 0.04],
    ]),
    "kinds": (["bucket", "label", "exit_answers", "exit_share", "loyalty_answers", "loyalty_share", "gap"], [
        ["indifference", "Indifference", 2, 0.3333, 1, 0.3333, 0.0],
        ["dissatisfaction", "Dissatisfaction", 1, 0.1667, 1, 0.3333, 0.1667],
        ["competitor", "Competitor", 1, 0.1667, 1, 0.3333, 0.1667],
        ["relationship", "Other relationship", 1, 0.1667, 0, 0.0, -0.1667],
        ["circumstances", "Circumstances", 1, 0.1667, 0, 0.0, -0.1667],
    ]),
    "beliefs": (["level", "cause", "label", *(f"{group}_{column}" for group in ("staff", "loyalty", "exit")
                                              for column in ("answers", "share", "low_95", "high_95"))], [
        ["bucket", "indifference", "Indifference", 1, 0.3333, 0.0615, 0.7923,
         1, 0.3333, 0.0615, 0.7923, 2, 0.3333, 0.0968, 0.7],
        ["bucket", "dissatisfaction", "Dissatisfaction", 0, 0.0, 0.0, 0.5615,
         1, 0.3333, 0.0615, 0.7923, 1, 0.1667, 0.0301, 0.5635],
        ["bucket", "competitor", "Competitor", 2, 0.6667, 0.2077, 0.9385,
         1, 0.3333, 0.0615, 0.7923, 1, 0.1667, 0.0301, 0.5635],
        ["bucket", "relationship", "Other relationship", 0, 0.0, 0.0, 0.5615,
         0, 0.0, 0.0, 0.5615, 1, 0.1667, 0.0301, 0.5635],
        ["bucket", "circumstances", "Circumstances", 0, 0.0, 0.0, 0.5615,
         0, 0.0, 0.0, 0.5615, 1, 0.1667, 0.0301, 0.5635],
        ["cause_group", "company", "Company-caused", 1, 0.3333, 0.0615, 0.7923,
         2, 0.6667, 0.2077, 0.9385, 3, 0.5, 0.1876, 0.8124],
        ["cause_group", "competitor", "Competitor-caused", 2, 0.6667, 0.2077, 0.9385,
         1, 0.3333, 0.0615, 0.7923, 2, 0.3333, 0.0968, 0.7],
        ["cause_group", "customer", "Customer-caused", 0, 0.0, 0.0, 0.5615,
         0, 0.0, 0.0, 0.5615, 1, 0.1667, 0.0301, 0.5635],
    ]),
    "trend": (["period_start", "period", "answers", "unclassified", "pending", "indifference_answers",
               "dissatisfaction_answers", "competitor_answers", "relationship_answers", "circumstances_answers",
               "indifference_share", "dissatisfaction_share", "competitor_share", "relationship_share",
               "circumstances_share"], [
        ["2023-12-01", "December 2023", 1, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0],
        ["2024-01-01", "January 2024", 1, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0],
        ["2024-03-01", "March 2024", 2, 1, 0, 1, 0, 1, 0, 0, 0.5, 0, 0.5, 0, 0],
        ["2024-04-01", "April 2024", 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1],
        ["2024-06-01", "June 2024", 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0],
        ["2024-07-01", "July 2024", 2, 0, 0, 1, 0, 1, 0, 0, 0.5, 0, 0.5, 0, 0],
        ["2024-09-01", "September 2024", 1, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0],
    ]),
    "revenue": (["cause", "label", "annual_revenue", "share"], [
        ["indifference", "Indifference", 252000.45, 0.3347],
        ["dissatisfaction", "Dissatisfaction", 250000.25, 0.332],
        ["competitor", "Competitor", 250000.25, 0.332],
        ["relationship", "Other relationship", 1000.1, 0.0013],
        ["circumstances", "Circumstances", 0, 0],
        ["company", "Company-caused", 502000.7, 0.6667],
        ["competitor", "Competitor-caused", 251000.35, 0.3333],
        ["customer", "Customer-caused", 0, 0],
        ["unclassified", "Unclassified", 0, ""],
    ]),
    "reach": (["step", "label", "customers", "share_of_invited"], [
        ["invited", "Invited", 7, 1], ["sent", "Sent", 3, 0.4286], ["opened", "Opened", 2, 0.2857],
        ["answered", "Answered", 1, 0.1429], ["unreachable", "Bounced or unreachable", 3, 0.4286],
    ]),
}


def test_every_chart_has_a_table_export():
    assert set(CHART_TABLES) | {"answers"} == set(TABLES)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("name", list(CHART_TABLES))
def test_chart_table_exports_have_the_right_header_and_numbers(analyst, dataset, name, fmt):
    header, rows = normalised(analyst, name, fmt)
    expected_header, expected_rows = CHART_TABLES[name]
    assert header == expected_header
    assert rows == [[norm(v) for v in row] for row in expected_rows]


@pytest.mark.parametrize("name, query, expected", [
    ("benchmark", "?channel=interview", [("indifference", 1), ("dissatisfaction", 1), ("competitor", 0),
                                         ("relationship", 0), ("circumstances", 0), ("unclassified", 0),
                                         ("pending", 0)]),
    ("groups", "?locale=pl", [("company", 0), ("competitor", 0), ("customer", 1)]),
    ("kinds", "?segment=Enterprise", [("indifference", 1), ("dissatisfaction", 0), ("competitor", 1),
                                      ("relationship", 0), ("circumstances", 0)]),
    ("trend", "?kind=loyalty&period=quarter", [("2024-07-01", 3)]),
    ("trend", "?until=2024-03-31&period=week", [("2023-12-25", 1), ("2024-01-01", 1), ("2024-02-26", 1),
                                                ("2024-03-04", 1), ("2024-03-25", 0)]),
    ("revenue", "?manager=m1", [("indifference", 2000.2), ("dissatisfaction", 0), ("competitor", 0),
                                ("relationship", 1000.1), ("circumstances", 0), ("company", 2000.2),
                                ("competitor", 1000.1), ("customer", 0), ("unclassified", 0)]),
    ("reach", "?survey=exit-b", [("invited", 2), ("sent", 0), ("opened", 0), ("answered", 0), ("unreachable", 3)]),
])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_filters_apply_to_chart_table_exports(analyst, dataset, name, query, expected, fmt):
    query = query.replace("manager=m1", f"manager={dataset.m1.id}")
    _header, rows = normalised(analyst, name, fmt, query)
    assert [(row[0], row[2]) for row in rows] == [(key, norm(value)) for key, value in expected]


def test_labels_follow_the_viewers_language_and_codes_stay(analyst, dataset):
    _header, rows = download(analyst, "groups", "csv", "?lang=fr")
    assert [row[0] for row in rows] == ["company", "competitor", "customer"]
    assert rows[0][1] != "Company-caused"


@pytest.mark.parametrize("path", [
    "/staff/reports/export/answers.csv?survey=nope",
    "/staff/reports/export/answers.xlsx?survey=nope",
    "/staff/reports/export/benchmark.csv?survey=nope",
    "/staff/reports/export/reach.xlsx?survey=nope",
])
def test_an_unknown_survey_is_a_404_page(analyst, dataset, path):
    response = analyst.get(path)
    body = response.data  # a streamed CSV fails only while it is read
    assert response.status_code == 404 and b"nope" in body


@pytest.mark.parametrize("path, status", [
    ("/staff/reports/export/customers.csv", 404),
    ("/staff/reports/export/answers.pdf", 404),
    ("/staff/reports/export/answers.csv?kind=churn", 400),
])
def test_unknown_tables_formats_and_bad_filters_are_refused(analyst, path, status):
    assert analyst.get(path).status_code == status


def test_exports_need_a_staff_login(client, dataset):
    response = client.get("/staff/reports/export/answers.csv")
    assert response.status_code in (302, 401, 403) and BOM not in response.data


def test_empty_exports_still_have_a_header(analyst):
    header, rows = download(analyst, "answers", "csv")
    assert (header, rows) == (list(ANSWER_COLUMNS), [])
    header, rows = normalised(analyst, "reach", "xlsx")
    assert rows == [[step, label, 0, 0] for step, label in (
        ("invited", "Invited"), ("sent", "Sent"), ("opened", "Opened"), ("answered", "Answered"),
        ("unreachable", "Bounced or unreachable"))]


def test_a_large_answers_csv_streams_every_row(app, analyst, make_survey):
    from survey_app.extensions import db
    from survey_app.responses.models import Answer, Channel, Response
    from tests.conftest import app_db

    survey = make_survey("exit")
    main = next(q.id for q in survey.questions if q.type.value == "main_reason")
    with app_db(app):
        for start in range(0, 2500, 500):
            ids = db.session.execute(
                Response.__table__.insert().returning(Response.__table__.c.id),
                [{"survey_id": survey.id, "locale": "en", "channel": Channel.LINK,
                  "submitted_at": datetime(2024, 1, 1)} for _ in range(start, start + 500)]).scalars().all()
            db.session.execute(Answer.__table__.insert(), [
                {"response_id": i, "question_id": main, "reason_code": "moved", "bucket": "circumstances",
                 "cause_group": "customer", "is_primary": True, "confidence": 1.0} for i in ids])
    header, rows = download(analyst, "answers", "csv")
    assert len(rows) == 2500 and len({row[0] for row in rows}) == 2500
