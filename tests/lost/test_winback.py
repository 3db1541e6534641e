"""Who to win back first, from a hand-computed table: revenue and monthly sums per customer counted in SQL, ABC,
XYZ and priorities; the admin's mapping, a priority set by hand, the command, the list page and who may see it.

As of today, every customer with purchases in their twelve months (1,200 in all):

====  =========================  ==========================================  =======  ===  ===  ========
ref   twelve months end          purchases counted                           revenue  ABC  XYZ  priority
====  =========================  ==========================================  =======  ===  ===  ========
L1    lost 91 days ago           12 × 50, one in each twelfth                 600      A    X    1
L2    lost 46 days ago           4 × 90, every third twelfth                  360      A    Z    2   (80 % exactly)
A1    today (active)             6 × 30, every second twelfth                 180      B    Y    —   (95 % exactly)
L3    lost 29 days ago           12 × 5                                        60      C    X    2
L4    lost 149 days ago          none                                           0      C    Z    4
====  =========================  ==========================================  =======  ===  ===  ========

Purchases outside the twelve months (365 days or more before the end day, or after the lost date) are left out.
"""
import io
import json
from datetime import timedelta
from decimal import Decimal

import pytest

from survey_app.customers.models import CustomerStatus
from survey_app.dbtypes import utcnow
from survey_app.extensions import db as _db
from survey_app.lost.models import WinbackOverride
from survey_app.lost.winback import LostFilter, lost_customers, monthly_sums, rankings
from survey_app.purchases.importer import import_purchases
from survey_app.purchases.models import Purchase

from .test_report import answered_exit


def today():
    """Today as the app sees it now (read per use: a run may cross midnight)."""
    return utcnow().date()


def days_ago(n: int):
    return today() - timedelta(days=n)


def _buy(customer, end, amounts_by_diff: dict[int, str]) -> list[Purchase]:
    return [Purchase(customer_id=customer.id, day=end - timedelta(days=diff), amount=Decimal(amount),
                     created_at=utcnow()) for diff, amount in amounts_by_diff.items()]


@pytest.fixture
def lost_team(app, make_user, make_customer, make_survey):
    """The customers of the table above; L1 and L3 are Anna's, the others Boris's."""
    anna, boris = make_user("admin", email="anna@example.com"), make_user("analyst", email="boris@example.com")
    lost = CustomerStatus.LOST
    ends = {"L1": days_ago(91), "L2": days_ago(46), "L3": days_ago(29), "L4": days_ago(149)}
    people = {
        "L1": dict(account_manager_id=anna.id, status=lost, lost_at=ends["L1"], segment="retail"),
        "L2": dict(account_manager_id=boris.id, status=lost, lost_at=ends["L2"], segment="wholesale"),
        "L3": dict(account_manager_id=anna.id, status=lost, lost_at=ends["L3"], segment="retail"),
        "L4": dict(account_manager_id=boris.id, status=lost, lost_at=ends["L4"]),
        "A1": dict(account_manager_id=boris.id),
    }
    customers = {ref: make_customer(ref=ref, name=f"Name {ref}", **fields) for ref, fields in people.items()}
    monthly = [10 + 30 * k for k in range(12)]  # one day in each twelfth of the year before the end day
    with app.app_context():
        rows = [
            *_buy(customers["L1"], ends["L1"], {d: "50" for d in monthly}),
            *_buy(customers["L1"], ends["L1"], {-1: "999", 365: "777"}),  # after the lost date; a year before
            *_buy(customers["L2"], ends["L2"], {monthly[k]: "90" for k in (0, 3, 6, 9)}),
            *_buy(customers["A1"], today(), {0: "30", 61: "30", 122: "30", 183: "30", 244: "30", 364: "30"}),
            *_buy(customers["A1"], today(), {365: "1000"}),  # 365 days ago: outside the twelve months
            *_buy(customers["L3"], ends["L3"], {d: "5" for d in monthly}),
        ]
        _db.session.add_all(rows)
        _db.session.commit()
    survey = make_survey("exit")
    answered_exit(app, survey, customers["L2"], "competitor")
    answered_exit(app, survey, customers["L3"], "indifference")
    return {"customers": customers, "anna": anna, "boris": boris}


EXPECTED = [
    {"external_ref": "L1", "abc": "A", "xyz": "X", "priority": 1, "revenue_12m": 600.0, "overridden": False},
    {"external_ref": "L2", "abc": "A", "xyz": "Z", "priority": 2, "revenue_12m": 360.0, "overridden": False},
    {"external_ref": "L3", "abc": "C", "xyz": "X", "priority": 2, "revenue_12m": 60.0, "overridden": False},
    {"external_ref": "L4", "abc": "C", "xyz": "Z", "priority": 4, "revenue_12m": 0.0, "overridden": False},
]


def test_monthly_sums_are_counted_per_twelfth_in_sql(app, lost_team):
    c = lost_team["customers"]
    with app.app_context():
        sums = monthly_sums(today())
    assert sums[c["L1"].id] == [Decimal("50.00")] * 12
    assert sums[c["L2"].id] == [Decimal(90), 0, 0] * 4
    assert sums[c["A1"].id] == [Decimal(30), 0, Decimal(30), 0, Decimal(30), 0, Decimal(30), 0, Decimal(30), 0, 0,
                                Decimal(30)]
    assert c["L4"].id not in sums


def test_classes_and_priorities_match_the_hand_computed_table(app, lost_team):
    c = lost_team["customers"]
    with app.app_context():
        ranked = rankings(today())
    a1 = ranked[c["A1"].id]
    assert (a1.abc, a1.xyz, a1.revenue_12m, int(a1.priority)) == ("B", "Y", Decimal(180), 2)
    with app.app_context():
        assert [row.as_dict() for row in lost_customers(today())] == EXPECTED


def test_the_command_prints_the_lost_customers_as_json(runner, lost_team):
    result = runner.invoke(args=["winback", "priorities", "--as-of", today().isoformat(), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == EXPECTED


def test_as_of_an_earlier_day_only_customers_lost_by_then_count(runner, lost_team):
    result = runner.invoke(args=["winback", "priorities", "--as-of", days_ago(60).isoformat()])
    assert [row["external_ref"] for row in json.loads(result.output)] == ["L1", "L4"]
    bad = runner.invoke(args=["winback", "priorities", "--as-of", "yesterday"])
    assert bad.exit_code != 0 and "not a date" in bad.output


def test_xyz_thresholds_come_from_the_configuration(app, runner, lost_team):
    app.config.update(XYZ_X_MAX=0.1, XYZ_Y_MAX=1.5)  # L2's √2 ≈ 1.41 becomes Y: AY is priority 1
    rows = json.loads(runner.invoke(args=["winback", "priorities", "--as-of", today().isoformat()]).output)
    assert [(r["external_ref"], r["xyz"], r["priority"]) for r in rows][:2] == [("L1", "X", 1), ("L2", "Y", 1)]


def test_an_admin_changes_the_priority_of_a_cell(client, login, runner, lost_team):
    login("admin")
    page = client.get("/staff/reports/lost/priorities")
    assert page.status_code == 200 and 'name="AZ"' in page.text
    mapping = {cell: str(p) for cell, p in {"AX": 1, "AY": 1, "BX": 1, "AZ": 3, "BY": 2, "CX": 2, "BZ": 3, "CY": 3,
                                            "CZ": 4}.items()}
    saved = client.post("/staff/reports/lost/priorities", data=mapping)
    assert saved.status_code == 302
    rows = json.loads(runner.invoke(args=["winback", "priorities", "--as-of", today().isoformat()]).output)
    assert [(r["external_ref"], r["priority"]) for r in rows] == [("L1", 1), ("L3", 2), ("L2", 3), ("L4", 4)]
    assert client.get("/staff/reports/lost/priorities").text.count('<option selected value="3">') == 3


def test_a_priority_outside_one_to_four_is_refused(client, login, lost_team):
    login("admin")
    page = client.post("/staff/reports/lost/priorities", data={cell: "5" for cell in
                                                              ("AX", "AY", "AZ", "BX", "BY", "BZ", "CX", "CY", "CZ")})
    assert page.status_code == 200 and "Not a valid choice" in page.text


def test_staff_set_one_customers_priority_with_a_note_and_give_it_back(app, client, login, runner, lost_team):
    l4 = lost_team["customers"]["L4"]
    login("analyst")
    saved = client.post(f"/staff/reports/lost/customers/{l4.id}/priority",
                        data={"priority": "1", "note": "Signing a new framework contract"})
    assert saved.status_code == 302 and saved.location.endswith("/staff/reports/lost/customers")
    rows = json.loads(runner.invoke(args=["winback", "priorities", "--as-of", today().isoformat()]).output)
    assert [(r["external_ref"], r["priority"], r["overridden"]) for r in rows][:2] == [("L1", 1, False),
                                                                                     ("L4", 1, True)]
    with app.app_context():
        override = _db.session.get(WinbackOverride, l4.id)
        assert override.note == "Signing a new framework contract" and override.set_by.role == "analyst"
    client.post(f"/staff/reports/lost/customers/{l4.id}/priority", data={"priority": "", "note": ""})
    rows = json.loads(runner.invoke(args=["winback", "priorities", "--as-of", today().isoformat()]).output)
    assert rows == EXPECTED


def test_the_customer_page_shows_the_priority_and_the_note(client, login, lost_team):
    l4 = lost_team["customers"]["L4"]
    login("admin")
    page = client.get(f"/staff/customers/{l4.id}")
    assert "4 – Let go" in page.text and "CZ" in page.text
    saved = client.post(f"/staff/reports/lost/customers/{l4.id}/priority",
                        data={"priority": "2", "note": "Asked for <a quote>"})
    assert saved.location.endswith(f"/staff/customers/{l4.id}")
    page = client.get(f"/staff/customers/{l4.id}")
    assert "2 – Must win back" in page.text and "set by hand" in page.text
    assert "Asked for &lt;a quote&gt;" in page.text


def test_erasing_a_customer_removes_their_override(app, client, login, lost_team):
    l4 = lost_team["customers"]["L4"]
    login("admin")
    client.post(f"/staff/reports/lost/customers/{l4.id}/priority", data={"priority": "1", "note": "x"})
    client.post(f"/staff/customers/{l4.id}/erase")
    with app.app_context():
        assert _db.session.get(WinbackOverride, l4.id) is None


def _refs(page) -> list[str]:
    """The customers listed on the page, in order."""
    import re
    return re.findall(r"Name (L\d|A\d)", page.text)


@pytest.mark.parametrize(("query", "expected"), [
    ("", ["L1", "L2", "L3", "L4"]),
    ("manager={anna}", ["L1", "L3"]),
    ("priority=2", ["L2", "L3"]),
    ("priority=4&manager={boris}", ["L4"]),
    ("since={d60}", ["L2", "L3"]),
    ("until={d60}", ["L1", "L4"]),
    ("since={d100}&until={d40}", ["L1", "L2"]),
    ("reason=competitor", ["L2"]),
    ("reason=indifference&segment=retail", ["L3"]),
    ("segment=retail", ["L1", "L3"]),
    ("reason=circumstances", []),
])
def test_the_list_is_sorted_by_priority_then_revenue_and_filtered_from_the_url(client, login, lost_team, query,
                                                                               expected):
    login("analyst")
    query = query.format(anna=lost_team["anna"].id, boris=lost_team["boris"].id, d60=days_ago(60).isoformat(),
                         d100=days_ago(100).isoformat(), d40=days_ago(40).isoformat())
    page = client.get(f"/staff/reports/lost/customers?{query}")
    assert page.status_code == 200
    assert _refs(page) == expected
    if not expected:
        assert "No lost customer matches these filters." in page.text


def test_the_list_shows_classes_revenue_and_reasons(client, login, lost_team):
    login("analyst")
    text = client.get("/staff/reports/lost/customers").text
    assert "1 – Win back first" in text and "4 – Let go" in text
    assert "Competitor" in text or "competitor" in text.lower()
    assert "4 lost customers" in text


def test_the_lost_report_links_to_the_list(client, login):
    login("analyst")
    assert "/staff/reports/lost/customers" in client.get("/staff/reports/lost/").text


@pytest.mark.parametrize("query", ["priority=5", "priority=x", "reason=nope", "since=2026-13-01",
                                   "since=2026-05-01&until=2026-04-01", "manager=abc"])
def test_a_bad_filter_is_a_translated_400(client, login, query):
    login("analyst", locale="pl")
    page = client.get(f"/staff/reports/lost/customers?{query}")
    assert page.status_code == 400
    assert "Traceback" not in page.text


@pytest.mark.parametrize(("role", "path", "status"), [
    ("interviewer", "/staff/reports/lost/customers", 403),
    ("interviewer", "/staff/reports/lost/priorities", 403),
    ("interviewer", "/staff/reports/lost/customers/{id}/priority", 403),
    ("analyst", "/staff/reports/lost/priorities", 403),
    ("analyst", "/staff/reports/lost/customers", 200),
    ("analyst", "/staff/reports/lost/customers/{id}/priority", 200),
    ("admin", "/staff/reports/lost/priorities", 200),
])
def test_who_may_see_the_list_and_change_priorities(client, login, lost_team, role, path, status):
    login(role)
    assert client.get(path.format(id=lost_team["customers"]["L1"].id)).status_code == status


def test_interviewers_cannot_set_a_priority(client, login, lost_team):
    l1 = lost_team["customers"]["L1"]
    login("interviewer")
    assert client.post(f"/staff/reports/lost/customers/{l1.id}/priority", data={"priority": "4"}).status_code == 403
    assert client.post("/staff/reports/lost/priorities", data={"AX": "4"}).status_code == 403


def test_lost_customers_without_purchases_are_c_z(app, make_customer):
    make_customer(ref="X1", status=CustomerStatus.LOST, lost_at=days_ago(5))
    with app.app_context():
        rows = lost_customers(today(), LostFilter())
    assert [(r.external_ref, r.ranking.abc, r.ranking.xyz, int(r.ranking.priority)) for r in rows] == \
        [("X1", "C", "Z", 4)]


def test_xyz_thresholds_out_of_order_stop_the_application(tmp_path, monkeypatch):
    from survey_app import create_app
    from survey_app.config import ConfigError, TestingConfig
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    with pytest.raises(ConfigError, match="XYZ_X_MAX"):
        create_app(TestingConfig, XYZ_X_MAX=1.5, XYZ_Y_MAX=1.0, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/x.db")


def test_classes_are_kept_until_purchases_change_and_then_counted_afresh(app, lost_team, tmp_path):
    c = lost_team["customers"]
    with app.app_context():
        assert rankings(today())[c["L3"].id].abc == "C"
        # L3 buys a lot in their last month: an import announces it, and the next ranking counts it.
        text = f"external_ref,date,amount\nL3,{days_ago(30).isoformat()},5000\n"
        import_purchases(io.BytesIO(text.encode()))
        assert rankings(today())[c["L3"].id].abc == "A"
