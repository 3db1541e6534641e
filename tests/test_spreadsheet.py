"""Formula guard (issue 10, item 12): text that a spreadsheet could run as a formula is inert in every CSV and XLSX
the app writes, also when a CSV is opened with ";" as list separator (as in French, Polish and Russian Excel)."""
from __future__ import annotations

import csv
import io
import re

import pytest

from survey_app.csvimport import rows as csvrows
from survey_app.customers import importer as imp
from survey_app.spreadsheet import safe_cell, safe_xlsx_cell
from tests.conftest import answer_data

#: Texts that hide a formula behind a list separator, an invisible character or a line break.
HIDDEN = ("x;=HYPERLINK(A1);y", "\ufeff=1+1", "a\t=1+1", "ok\n=1+1", "ok\r\n@SUM(A1)", "note; -2+3",
          "x;\u200b=1", "\u00a0=1+1", " +1", "=1+1", "a;b;\t=cmd|' /C calc'!A0")
#: What a spreadsheet skips before deciding that a cell is a formula.
INVISIBLE = "".join(map(chr, range(33))) + "\u00a0\u200b\ufeff"
#: Separators a spreadsheet may split a CSV line on (its list separator, tab) and what a careless reader splits on.
SEPARATORS = (",", ";", "\t")


NUMBER = re.compile(r'"?-?[0-9]+(\.[0-9]+)?"?')


def formula_cells(cells) -> list[str]:
    """The cells a spreadsheet would run as a formula (a negative number is just a number)."""
    return [c for c in cells if isinstance(c, str) and c.lstrip(INVISIBLE)[:1] in ("=", "+", "-", "@")
            and not NUMBER.fullmatch(c.strip())]


def cells_as_opened(text: str) -> list[str]:
    """Every cell of a CSV as a spreadsheet could read it: with each list separator, quotes honoured or not."""
    cells = []
    text = text.replace("\r\n", "\n").replace("\r", "\n")  # spreadsheets end a line at either
    for separator in SEPARATORS:
        cells += [c for row in csv.reader(io.StringIO(text), delimiter=separator) for c in row]
        cells += [c for line in text.splitlines() for c in line.split(separator)]
    return cells


@pytest.mark.parametrize("value", HIDDEN)
def test_a_csv_cell_is_inert_with_any_list_separator(value):
    buffer = io.StringIO()
    csv.writer(buffer).writerow([1, safe_cell(value), "after"])
    assert formula_cells(cells_as_opened(buffer.getvalue())) == [], buffer.getvalue()


@pytest.mark.parametrize("value", HIDDEN)
def test_an_xlsx_cell_is_inert_and_otherwise_unchanged(value):
    cell = safe_xlsx_cell(value)
    assert formula_cells([cell]) == []
    assert cell in (value, "'" + value)


@pytest.mark.parametrize("value", ["Service was fine, prices were not", "12 months", "a-b", "e-mail: x@y.z", 42,
                                   None, 3.5, "Price - too high", "50% off; still leaving"])
def test_harmless_values_are_unchanged(value):
    assert safe_cell(value) == value and safe_xlsx_cell(value) == value


@pytest.fixture
def hidden_answers(app, make_survey, make_customer):
    survey = make_survey("exit", slug="hidden")
    public = app.test_client()
    for i, text in enumerate(HIDDEN):
        make_customer(ref=f"=R{i};=1", name=text, segment=text[:60])
        assert public.post("/s/o/hidden", data=answer_data(survey, main_reason="moved",
                                                             free_text=f"Because {text}")).status_code == 303
        assert public.post("/s/o/hidden", data=answer_data(survey, main_reason="moved", free_text=text)).status_code \
            in (303, 400)
    return survey


def test_the_answers_csv_quotes_every_text_cell_and_is_inert_with_semicolons(client, login, hidden_answers):
    login("analyst")
    body = client.get("/staff/reports/export/answers.csv?survey=hidden").data.decode("utf-8-sig")
    assert formula_cells(cells_as_opened(body)) == []
    rows = list(csv.reader(io.StringIO(body)))
    texts = [row[rows[0].index("text")] for row in rows[1:]]
    assert "Because x;'=HYPERLINK(A1);y" in texts
    for line in body.splitlines()[1:]:
        if "Because x;'=HYPERLINK" in line:
            assert ',"Because x;\'=HYPERLINK(A1);y",' in line, "text cells are quoted"
            assert line.startswith(tuple("0123456789")), "numbers are not"


def test_the_answers_xlsx_is_inert_and_keeps_the_text(client, login, hidden_answers):
    from openpyxl import load_workbook

    login("analyst")
    sheet = load_workbook(io.BytesIO(client.get("/staff/reports/export/answers.xlsx?survey=hidden").data)).active
    cells = [c for row in sheet.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    assert formula_cells([c.value for c in cells]) == []
    assert "Because x;=HYPERLINK(A1);y" in [c.value for c in cells], "a cell is never split: its text is kept"


def test_chart_csvs_are_inert_too(client, login, hidden_answers):
    login("analyst")
    for name in ("benchmark", "groups", "kinds", "trend", "revenue", "reach"):
        body = client.get(f"/staff/reports/export/{name}.csv").data.decode("utf-8-sig")
        assert formula_cells(cells_as_opened(body)) == [], name


def test_an_import_report_is_inert_with_semicolons():
    report = csvrows.ImportReport(errors=[csvrows.RowError(2 + i, imp.BAD_EMAIL, "email", value)
                                          for i, value in enumerate(HIDDEN)])
    text = csvrows.report_csv(report, lambda e: "Not a valid email address.")
    assert formula_cells(cells_as_opened(text)) == []
