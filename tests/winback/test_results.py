"""Win-back results from a hand-computed set of cases: the rate, median days to return and revenue recovered in the
12 months after return, overall and per priority, reason bucket, cause group, owner and channel of the step before
the purchase; the span filters, the chart in Polish and Russian, the CSV and XLSX exports, and who may see them.

The cases (lost N days ago; steps done and purchases N days after the lost date):

====  ========  ================  =========  =============  =============================  =====  =========
case  priority  reason            owner      lost (ago)     steps done                     back   recovered
====  ========  ================  =========  =============  =============================  =====  =========
A     1         competitor        Ola        900            call +5, offer +20             +30    175
B     1         dissatisfaction   Ola        800            call +10                       +50    200
C     1         —                 Ola        700            —                              —      0
D     2         competitor        Ana        600            email +3 (not won back)        —      0
E     2         indifference      Ana        500            — (a visit planned, not done)  +10    80
F     3         dissatisfaction   nobody     450            visit +5, call +100            +20    300
G     4         —                 nobody     300            — (let go)                     —      0
====  ========  ================  =========  =============  =============================  =====  =========

A's recovered revenue: 100 on the return day, 50 at +200 and 25 at 364 days after the return; 1000 at 400 days after
the return is left out. F's call came after the return: the visit preceded the purchase.
"""
import csv
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from survey_app.customers.models import Customer
from survey_app.purchases.services import record_purchase
from survey_app.winback import results as results_view
from survey_app.winback.models import WinbackCase
from survey_app.winback.queries import results
from survey_app.winback.rules import CaseState, Channel
from survey_app.winback.services import add_step, move, open_case, set_details, set_done, set_reason
from tests.winback.test_cases import ago, make_lost, run_sweep  # noqa: F401  (make_lost: a fixture)

URL = "/staff/winback/results/"


def _plan(session, ref: str, lost_days: int, *, reason: str | None = None, steps=(), planned=(),
          owner_id: int | None = -1) -> WinbackCase:
    case = session.scalars(select(WinbackCase).join(Customer).where(Customer.external_ref == ref)).one()
    if reason:
        set_reason(case, reason_code=reason, text="")
    if owner_id != -1:
        set_details(case, offer="", owner_id=owner_id)
    for channel, after in steps:
        set_done(add_step(case, channel, "", ago(lost_days - after)), True, ago(lost_days - after), None)
    for channel in planned:
        add_step(case, channel, "", ago(1))
    return case


@pytest.fixture
def outcomes(app, db, make_lost, make_user):  # noqa: F811  (the fixture imported above)
    """The seven cases of the module's table."""
    ola = make_user("interviewer", email="ola@example.com")
    ana = make_user("analyst", email="ana@example.com")
    with db() as session:
        session.get(type(ola), ola.id).name = "Ola"
        session.get(type(ana), ana.id).name = "Ana"
    lost = {"A": (1, 900, ola), "B": (1, 800, ola), "C": (1, 700, ola), "D": (2, 600, ana), "E": (2, 500, ana),
            "F": (3, 450, None), "G": (4, 300, None)}
    customers = {ref: make_lost(ref, days=days, priority=priority,
                                account_manager_id=owner.id if owner else None)
                 for ref, (priority, days, owner) in lost.items()}
    run_sweep(db)  # opens A–F (priority 1–3)
    with db() as session:
        open_case(session.get(Customer, customers["G"].id), ago(0))  # priority 4: opened by hand
        _plan(session, "A", 900, reason="cheaper_elsewhere", steps=[(Channel.CALL, 5), (Channel.OFFER, 20)])
        _plan(session, "B", 800, reason="poor_quality", steps=[(Channel.CALL, 10)])
        _plan(session, "C", 700)
        move(_plan(session, "D", 600, reason="better_offer", steps=[(Channel.EMAIL, 3)]), CaseState.NOT_WON_BACK,
             "Signed for three years elsewhere")
        _plan(session, "E", 500, reason="no_follow_up", planned=[Channel.VISIT])
        _plan(session, "F", 450, reason="late_deliveries", steps=[(Channel.VISIT, 5), (Channel.CALL, 100)],
              owner_id=None)
        move(_plan(session, "G", 300, owner_id=None), CaseState.LET_GO, "Too small to chase")
        for ref, lost_days, after, amount in [("A", 900, 30, "100.00"), ("A", 900, 230, "50.00"),
                                              ("A", 900, 30 + 364, "25.00"), ("A", 900, 30 + 400, "1000.00"),
                                              ("B", 800, 50, "200.00"), ("E", 500, 10, "80.00"),
                                              ("F", 450, 20, "300.00")]:
            record_purchase(customers[ref].id, ago(lost_days - after), Decimal(amount))
    with db() as session:
        states = {ref: state for ref, state in session.execute(
            select(Customer.external_ref, WinbackCase.state).select_from(WinbackCase).join(WinbackCase.customer))}
    assert states == {"A": CaseState.WON_BACK, "B": CaseState.WON_BACK, "C": CaseState.OPEN,
                      "D": CaseState.NOT_WON_BACK, "E": CaseState.WON_BACK, "F": CaseState.WON_BACK,
                      "G": CaseState.LET_GO}
    return customers


def figures(rates) -> dict:
    """(cases, won back, rate rounded, median days, recovered) per key."""
    return {r.key: (r.cases, r.won_back, None if r.rate is None else round(r.rate, 4), r.median_days, r.recovered)
            for r in rates}


def test_the_results_from_the_hand_computed_cases(app, outcomes):
    with app.app_context():
        found = results()
    assert figures([found.total]) == {"all": (7, 4, 0.5714, 25.0, 755.0)}
    assert list(figures(found.by_priority).items()) == [(1, (3, 2, 0.6667, 40.0, 375.0)), (2, (2, 1, 0.5, 10.0, 80.0)),
                                                        (3, (1, 1, 1.0, 20.0, 300.0)), (4, (1, 0, 0.0, None, 0.0))]
    assert list(figures(found.by_bucket).items()) == [
        ("indifference", (1, 1, 1.0, 10.0, 80.0)), ("dissatisfaction", (2, 2, 1.0, 35.0, 500.0)),
        ("competitor", (2, 1, 0.5, 30.0, 175.0)), (None, (2, 0, 0.0, None, 0.0))]
    assert list(figures(found.by_group).items()) == [
        ("company", (3, 3, 1.0, 20.0, 580.0)), ("competitor", (2, 1, 0.5, 30.0, 175.0)),
        (None, (2, 0, 0.0, None, 0.0))]
    assert list(figures(found.by_manager).items()) == [
        ("Ana", (2, 1, 0.5, 10.0, 80.0)), ("Ola", (3, 2, 0.6667, 40.0, 375.0)), (None, (2, 1, 0.5, 20.0, 300.0))]
    # Per channel: the cases whose plan used it; won back with it as the last step before the purchase.
    assert list(figures(found.by_channel).items()) == [
        ("call", (3, 1, 0.3333, 50.0, 200.0)), ("visit", (1, 1, 1.0, 20.0, 300.0)), ("email", (1, 0, 0.0, None, 0.0)),
        ("offer", (1, 1, 1.0, 30.0, 175.0)), (None, (3, 1, 0.3333, 10.0, 80.0))]


def test_revenue_counts_only_the_365_days_from_the_return(app, db, outcomes):
    with app.app_context():
        before = results().by_priority[0].recovered
    with db():  # the last day of the window counts, the day after it does not
        record_purchase(outcomes["B"].id, ago(800 - 50 - 364), Decimal("7.00"))
        record_purchase(outcomes["B"].id, ago(800 - 50 - 365), Decimal("9000.00"))
    with app.app_context():
        assert results().by_priority[0].recovered == before + 7


def test_the_page_shows_the_figures_and_a_table_per_grouping(client, login, outcomes):
    login("analyst")
    page = client.get(URL)
    assert page.status_code == 200
    text = page.text
    assert "<dt>Win-back rate</dt><dd>57%</dd>" in text and "<dt>Median days to return</dt><dd>25</dd>" in text
    assert "<dt>Revenue recovered in the 12 months after return</dt><dd>€755</dd>" in text
    for row in ("<th scope=\"row\">1 – Win back first</th>", "<th scope=\"row\">4 – Let go</th>",
                "<th scope=\"row\">Reason not known</th>", "<th scope=\"row\">Company-caused</th>",
                "<th scope=\"row\">Ola</th>", "<th scope=\"row\">No owner</th>", "<th scope=\"row\">Call</th>",
                "<th scope=\"row\">No step done</th>"):
        assert row in text, row
    assert "src=\"/staff/winback/results/chart.png\"" in text
    assert "/staff/winback/results/export.xlsx" in text
    assert "/staff/winback/results/" in client.get("/staff/winback/?view=all").text


def test_the_span_filters_the_cases_by_lost_date(app, client, login, outcomes):
    with app.app_context():
        found = results(ago(650), ago(400))  # D, E and F
    assert figures([found.total]) == {"all": (3, 2, 0.6667, 15.0, 380.0)}
    login("analyst")
    page = client.get(f"{URL}?since={ago(650).isoformat()}&until={ago(400).isoformat()}")
    assert page.status_code == 200 and "<dt>Cases</dt><dd>3</dd>" in page.text
    assert f"chart.png?since={ago(650).isoformat()}&amp;until={ago(400).isoformat()}" in page.text
    empty = client.get(f"{URL}?since={ago(10).isoformat()}")
    assert "No win-back cases were lost in this span." in empty.text and "chart.png" not in empty.text
    assert client.get(f"{URL}chart.png?since={ago(10).isoformat()}").status_code == 404


@pytest.mark.parametrize("query", ["since=2026-13-01", "until=yesterday", "since=2026-07-01&until=2026-01-01"])
@pytest.mark.parametrize("path", ["", "chart.png", "export.csv"])
def test_a_bad_filter_is_a_translated_400(client, login, query, path):
    login("analyst", locale="pl")
    page = client.get(f"{URL}{path}?{query}")
    assert page.status_code == 400 and "<html lang=\"pl\"" in page.text


def test_an_unknown_chart_grouping_is_a_400(client, login, outcomes):
    login("analyst")
    assert client.get(f"{URL}chart.png?by=colour").status_code == 400
    assert client.get(f"{URL}?by=colour").status_code == 400
    assert client.get(f"{URL}export.pdf").status_code == 404


@pytest.mark.parametrize("path", ["", "chart.png", "export.csv", "export.xlsx"])
def test_interviewers_do_not_see_the_results(client, login, path):
    login("interviewer")
    assert client.get(f"{URL}{path}").status_code == 403
    assert "/staff/winback/results/" not in client.get("/staff/winback/").text


@pytest.mark.parametrize(("lang", "priority", "group", "headings"), [
    ("pl", "1 – Odzyskać w pierwszej kolejności", "Po stronie firmy", ["Priorytet odzyskania", "Grupa przyczyn"]),
    ("ru", "1 – Вернуть в первую очередь", "По вине компании", ["Приоритет возврата", "Группа причин"]),
])
def test_the_chart_speaks_polish_and_russian(client, login, outcomes, monkeypatch, recwarn, lang, priority, group,
                                              headings):
    drawn = []
    real = results_view.share_panels

    def spy(title, panels, axis_label, **kwargs):
        drawn.extend(panels)
        return real(title, panels, axis_label, **kwargs)

    monkeypatch.setattr(results_view, "share_panels", spy)
    login("analyst")
    png = client.get(f"{URL}chart.png?lang={lang}")
    assert png.status_code == 200 and png.mimetype == "image/png" and png.data.startswith(b"\x89PNG\r\n\x1a\n")
    assert [heading for heading, *_rest in drawn] == headings
    (_h, priorities, shares, notes), (_g, groups, _shares, _notes) = drawn
    assert priorities[0] == priority and group in groups
    assert [round(s, 4) for s in shares] == [0.6667, 0.5, 1.0, 0.0] and notes == ["2/3", "1/2", "1/1", "0/1"]
    # No missing glyphs: matplotlib warns when the font lacks Polish or Cyrillic letters.
    assert not [w for w in recwarn if "missing from font" in str(w.message).lower()]


def test_the_chart_draws_the_grouping_chosen(client, login, outcomes, monkeypatch):
    drawn = []
    real = results_view.share_panels
    monkeypatch.setattr(results_view, "share_panels",
                        lambda title, panels, axis, **kw: drawn.extend(panels) or real(title, panels, axis, **kw))
    login("analyst")
    page = client.get(f"{URL}?by=channel&since={ago(2000).isoformat()}").text
    chart = f"{URL}chart.png?by=channel&amp;since={ago(2000).isoformat()}"
    assert f'src="{chart}"' in page and 'alt="Channel of the step before the purchase: win-back rate"' in page
    assert client.get(chart.replace("&amp;", "&")).status_code == 200
    [(heading, labels, _shares, notes)] = drawn
    assert heading == "Channel of the step before the purchase"
    assert labels == ["Call", "Visit", "Email", "Offer", "No step done"]
    assert notes == ["1/3", "1/1", "0/1", "1/1", "1/3"]


EXPECTED_ROWS = [
    ["All cases", "All cases", 7, 4, 0.5714, 25.0, 755.0],
    ["Win-back priority", "1 – Win back first", 3, 2, 0.6667, 40.0, 375.0],
    ["Win-back priority", "2 – Must win back", 2, 1, 0.5, 10.0, 80.0],
    ["Win-back priority", "3 – Win back if possible", 1, 1, 1.0, 20.0, 300.0],
    ["Win-back priority", "4 – Let go", 1, 0, 0.0, None, 0.0],
    ["Real reason", "Indifference", 1, 1, 1.0, 10.0, 80.0],
    ["Real reason", "Dissatisfaction", 2, 2, 1.0, 35.0, 500.0],
    ["Real reason", "Competitor", 2, 1, 0.5, 30.0, 175.0],
    ["Real reason", "Reason not known", 2, 0, 0.0, None, 0.0],
    ["Cause group", "Company-caused", 3, 3, 1.0, 20.0, 580.0],
    ["Cause group", "Competitor-caused", 2, 1, 0.5, 30.0, 175.0],
    ["Cause group", "Reason not known", 2, 0, 0.0, None, 0.0],
    ["Owner", "Ana", 2, 1, 0.5, 10.0, 80.0],
    ["Owner", "Ola", 3, 2, 0.6667, 40.0, 375.0],
    ["Owner", "No owner", 2, 1, 0.5, 20.0, 300.0],
    ["Channel of the step before the purchase", "Call", 3, 1, 0.3333, 50.0, 200.0],
    ["Channel of the step before the purchase", "Visit", 1, 1, 1.0, 20.0, 300.0],
    ["Channel of the step before the purchase", "Email", 1, 0, 0.0, None, 0.0],
    ["Channel of the step before the purchase", "Offer", 1, 1, 1.0, 30.0, 175.0],
    ["Channel of the step before the purchase", "No step done", 3, 1, 0.3333, 10.0, 80.0],
]
HEADER = ["Grouping", "Value", "Cases", "Won back", "Win-back rate", "Median days to return",
          "Revenue recovered in the 12 months after return"]


def test_the_exports_hold_one_row_per_grouping_and_value(client, login, outcomes):
    login("analyst")
    xlsx = client.get(f"{URL}export.xlsx")
    assert xlsx.status_code == 200
    rows = [list(row) for row in load_workbook(io.BytesIO(xlsx.data)).active.values]
    assert rows == [HEADER, *EXPECTED_ROWS]
    text = client.get(f"{URL}export.csv").get_data(as_text=True)
    lines = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert lines == [HEADER, *([str(v if v is not None else "") for v in row] for row in EXPECTED_ROWS)]
