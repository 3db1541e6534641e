"""Purchase CSV import: formats, bad rows by line, importing again adds nothing, customers' dates, CLI and page."""
import io
import time
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from survey_app.csvimport.rows import ImportFileError
from survey_app.customers.models import Customer
from survey_app.purchases import importer as imp
from survey_app.purchases.models import Purchase
from survey_app.signals import purchase_recorded


def run_import(app, text: str, encoding: str = "utf-8", **kwargs):
    with app.app_context():
        return imp.import_purchases(io.BytesIO(text.encode(encoding)), **kwargs)


def purchases(db) -> list[tuple]:
    with db() as session:
        return [tuple(row) for row in session.execute(
            select(Customer.external_ref, Purchase.day, Purchase.amount, Purchase.order_ref)
            .join(Customer, Customer.id == Purchase.customer_id).order_by(Purchase.day, Purchase.id))]


@pytest.fixture
def two_customers(make_customer):
    return make_customer("pl", ref="PL-1"), make_customer("ru", ref="RU-1")


def test_semicolons_bom_decimal_comma_and_order_refs(app, db, two_customers):
    text = ("external_ref;date;amount;order_ref\n"
            "PL-1;2025-03-02;1 234,50;FV/2025/03/17\n"
            "RU-1;2025-04-10;99,90;\n")
    report = run_import(app, text, encoding="utf-8-sig")
    assert (report.created, report.skipped, report.errors) == (2, 0, [])
    assert purchases(db) == [("PL-1", date(2025, 3, 2), Decimal("1234.50"), "FV/2025/03/17"),
                             ("RU-1", date(2025, 4, 10), Decimal("99.90"), None)]


def test_commas_decimal_point_and_columns_in_any_order(app, db, two_customers):
    report = run_import(app, 'amount,external_ref,date\n"1,200.00",PL-1,2024-12-31\n')
    assert report.created == 1 and purchases(db)[0][2] == Decimal("1200.00")


@pytest.mark.parametrize("row, reason, column", [
    ("NOBODY;2025-01-01;10;", imp.UNKNOWN_CUSTOMER, "external_ref"),
    (";2025-01-01;10;", imp.MISSING_REF, "external_ref"),
    ("PL-1;01.02.2025;10;", imp.BAD_DATE, "date"),
    ("PL-1;2025-02-30;10;", imp.BAD_DATE, "date"),
    ("PL-1;;10;", imp.MISSING_VALUE, "date"),
    ("PL-1;2025-01-01;dziesięć;", imp.BAD_AMOUNT, "amount"),
    ("PL-1;2025-01-01;-5;", imp.BAD_AMOUNT, "amount"),
    ("PL-1;2025-01-01;NaN;", imp.BAD_AMOUNT, "amount"),
    ("PL-1;2025-01-01;;", imp.MISSING_VALUE, "amount"),
    ("PL-1;2025-01-01;10;" + "x" * 65, imp.TOO_LONG, "order_ref"),
])
def test_each_bad_row_is_reported_with_its_line_and_the_good_rows_are_added(app, db, two_customers, row, reason,
                                                                             column):
    text = "external_ref;date;amount;order_ref\nPL-1;2025-01-01;10;A\n" + row + "\nRU-1;2025-01-02;20;B\n"
    report = run_import(app, text)
    assert report.created == 2 and report.rejected == 1
    assert [(e.line, e.reason, e.column) for e in report.errors] == [(3, reason, column)]


def test_a_header_without_the_needed_columns_refuses_the_whole_file(app):
    with pytest.raises(ImportFileError):
        run_import(app, "external_ref;amount\nPL-1;10\n")


def test_importing_the_same_file_again_adds_nothing(app, db, two_customers):
    text = ("external_ref,date,amount,order_ref\n"
            "PL-1,2025-01-05,10.00,A-1\n"
            "PL-1,2025-01-05,10.00,A-2\n"   # same day and amount, another order: a purchase of its own
            "RU-1,2025-02-01,15.5,\n"
            "RU-1,2025-03-01,15.5,\n")
    first = run_import(app, text, batch_size=2)
    again = run_import(app, text, batch_size=3)
    assert (first.created, first.skipped) == (4, 0)
    assert (again.created, again.skipped, again.rejected) == (0, 4, 0)
    assert len(purchases(db)) == 4


def test_without_an_order_ref_the_same_customer_day_and_amount_counts_once(app, db, two_customers):
    text = "external_ref,date,amount\nRU-1,2025-02-01,15.50\nRU-1,2025-02-01,15.5\nRU-1,2025-02-01,15.51\n"
    report = run_import(app, text)
    assert (report.created, report.skipped) == (2, 1)


def test_a_newer_file_adds_only_the_new_purchases(app, db, two_customers):
    run_import(app, "external_ref,date,amount,order_ref\nPL-1,2025-01-05,10,A-1\n")
    report = run_import(app, "external_ref,date,amount,order_ref\nPL-1,2025-01-05,10,A-1\nPL-1,2025-02-05,12,A-2\n")
    assert (report.created, report.skipped) == (1, 1)


def test_customers_first_and_last_purchase_dates_follow_the_purchases(app, db, make_customer):
    make_customer(ref="EN-1", customer_since=date(2024, 6, 1), last_purchase=date(2024, 6, 1))
    run_import(app, "external_ref,date,amount\nEN-1,2023-01-10,5\nEN-1,2025-07-01,5\nEN-1,2024-01-01,5\n")
    with db() as session:
        customer = session.scalar(select(Customer).where(Customer.external_ref == "EN-1"))
        assert (customer.customer_since, customer.last_purchase) == (date(2023, 1, 10), date(2025, 7, 1))


def test_recorded_purchases_are_announced_once_per_batch(app, db, two_customers):
    heard = []

    def listen(_sender, customer_ids):
        heard.append(customer_ids)

    with purchase_recorded.connected_to(listen):
        run_import(app, "external_ref,date,amount\nPL-1,2025-01-01,1\nRU-1,2025-01-01,1\nPL-1,2025-01-02,1\n",
                   batch_size=2)
        run_import(app, "external_ref,date,amount\nPL-1,2025-01-01,1\n")  # nothing new: nothing said
    ids = sorted(c.id for c in two_customers)
    assert heard == [ids, [two_customers[0].id]]


def test_cli_imports_and_writes_the_report(app, runner, db, two_customers, tmp_path):
    path = tmp_path / "zakupy.csv"
    path.write_text("external_ref;date;amount\nPL-1;2025-01-01;10\nXX-9;2025-01-01;10\n", encoding="utf-8")
    report = tmp_path / "report.csv"
    result = runner.invoke(args=["purchases", "import", str(path), "--report", str(report)])
    assert result.exit_code == 0, result.output
    assert "1 added, 0 already imported, 1 rows refused" in result.output
    assert '3,"external_ref","XX-9",' in report.read_text(encoding="utf-8")
    again = runner.invoke(args=["purchases", "import", str(path)])
    assert "0 added, 1 already imported, 1 rows refused" in again.output


def test_upload_page_imports_in_the_background_in_the_viewers_language(client, login, db, two_customers):
    login("admin")
    data = {"file": (io.BytesIO("external_ref;date;amount\nPL-1;2025-01-01;10\nZZ-1;2025-01-01;5\n".encode()),
                     "zakupy.csv")}
    started = client.post("/staff/purchases/import?lang=pl", data=data, content_type="multipart/form-data")
    assert started.status_code == 303
    deadline = time.time() + 20
    page = client.get(started.headers["Location"])
    while 'http-equiv="refresh"' in page.text and time.time() < deadline:
        time.sleep(0.05)
        page = client.get(started.headers["Location"])
    assert page.status_code == 200 and "Dodano 1 zakup" in page.text, page.text[-3000:]
    link = page.text.split('href="/staff/purchases/import/report/')[1].split('"')[0]
    report = client.get(f"/staff/purchases/import/report/{link}").get_data(as_text=True)
    assert '3,"external_ref","ZZ-1","Nie ma klienta o tym identyfikatorze' in report


def test_upload_page_refuses_a_file_without_the_columns_with_a_400_and_keeps_the_form(client, login):
    login("admin")
    page = client.post("/staff/purchases/import", data={"file": (io.BytesIO(b"ref;kwota\n1;2\n"), "x.csv")},
                       content_type="multipart/form-data")
    assert page.status_code == 400 and "external_ref" in page.text


@pytest.mark.parametrize("role", ["analyst", "interviewer"])
def test_only_admins_import_purchases(client, login, role):
    login(role)
    assert client.get("/staff/purchases/import").status_code == 403
