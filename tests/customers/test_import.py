"""Customer CSV import: formats, every kind of bad row in fr/pl/ru data, upserts, batches, CLI and page."""
import io
import time

import pytest
from sqlalchemy import select

from survey_app.csvimport import rows as csvrows
from survey_app.customers import importer as imp
from survey_app.customers.models import Customer, CustomerStatus

HEADER = ("external_ref;name;email;locale;segment;account_manager;annual_revenue;customer_since;last_purchase;"
          "status;lost_at\n")


def run_import(app, text: str, encoding: str = "utf-8", **kwargs):
    with app.app_context():
        return imp.import_customers(io.BytesIO(text.encode(encoding)), **kwargs)


def customers(db):
    with db() as session:
        return {c.external_ref: c for c in session.scalars(select(Customer))}


def test_semicolons_bom_decimal_comma_and_iso_dates(app, db, make_user):
    manager = make_user("admin", email="opiekun@example.com")
    text = HEADER + ("PL-1;Piekarnia „Pod Złotym Kłosem”;kontakt@example.pl;pl;SMB;OPIEKUN@example.com;"
                     "12 345,50;2019-04-01;2026-09-30;lost;2026-10-02\n")
    report = run_import(app, text, encoding="utf-8-sig")
    assert (report.created, report.updated, report.errors) == (1, 0, [])
    customer = customers(db)["PL-1"]
    assert customer.name == "Piekarnia „Pod Złotym Kłosem”" and customer.locale == "pl"
    assert str(customer.annual_revenue) == "12345.50" and customer.status == CustomerStatus.LOST
    assert customer.account_manager_id == manager.id and str(customer.lost_at) == "2026-10-02"


def test_commas_and_decimal_point_and_columns_in_any_order(app, db):
    report = run_import(app, "email,external_ref,annual_revenue,locale\nivan@example.ru,RU-1,\"1,234.5\",ru\n")
    assert report.created == 1 and customers(db)["RU-1"].annual_revenue == pytest.approx(1234.5)


@pytest.mark.parametrize("row, reason, column", [
    (";Élodie;elodie@example.fr;fr;;;;;;;", imp.MISSING_REF, "external_ref"),
    ("FR-9;Élodie;pas-un-email;fr;;;;;;;", imp.BAD_EMAIL, "email"),
    ("PL-9;Łukasz;lukasz@example.pl;de;;;;;;;", imp.BAD_LOCALE, "locale"),
    ("PL-9;Łukasz;lukasz@example.pl;pl;;;dwanaście;;;;", imp.BAD_NUMBER, "annual_revenue"),
    ("RU-9;Иван;ivan@example.ru;ru;;;;2020-13-01;;;", imp.BAD_DATE, "customer_since"),
    ("RU-9;Иван;ivan@example.ru;ru;;;;;01.02.2024;;", imp.BAD_DATE, "last_purchase"),
    ("RU-9;Иван;ivan@example.ru;ru;;;;;;ушёл;", imp.BAD_STATUS, "status"),
    ("FR-9;Élodie;elodie@example.fr;fr;;personne@example.com;;;;;", imp.UNKNOWN_MANAGER, "account_manager"),
])
def test_each_bad_row_is_reported_with_its_line_and_the_good_rows_are_imported(app, db, row, reason, column):
    text = (HEADER + "OK-1;Bon client;ok@example.com;fr;;;;;;;\n" + row
            + "\nOK-2;Dobry klient;ok2@example.com;pl;;;;;;;\n")
    report = run_import(app, text)
    assert report.created == 2 and report.rejected == 1
    assert [(e.line, e.reason, e.column) for e in report.errors] == [(3, reason, column)]
    assert set(customers(db)) == {"OK-1", "OK-2"}


def test_duplicate_reference_within_the_file(app, db):
    report = run_import(app, HEADER + "RU-1;Иван;;ru;;;;;;;\nRU-1;Пётр;;ru;;;;;;;\n")
    assert [(e.line, e.reason) for e in report.errors] == [(3, imp.DUPLICATE_REF)]
    assert customers(db)["RU-1"].name == "Иван"


def test_a_reference_repeated_in_a_later_batch_is_reported(app, db):
    run_import(app, HEADER + "OLD-1;Old;;en;;;;;;;\n")
    rows = ["NEW-1;A;;en;;;;;;;", "OLD-1;B;;en;;;;;;;", "X-1;C;;en;;;;;;;", "NEW-1;D;;en;;;;;;;", "OLD-1;E;;en;;;;;;;"]
    report = run_import(app, HEADER + "\n".join(rows) + "\n", batch_size=2)
    assert [(e.line, e.reason) for e in report.errors] == [(5, imp.DUPLICATE_REF), (6, imp.DUPLICATE_REF)]
    assert (report.created, report.updated) == (2, 1) and customers(db)["OLD-1"].name == "B"


def test_rows_are_upserted_by_reference(app, db):
    run_import(app, HEADER + "FR-1;Élodie;elodie@example.fr;fr;SMB;;;;;active;\n")
    report = run_import(app, "external_ref,status,lost_at\nFR-1,lost,2026-11-01\nFR-2,active,\n")
    assert (report.created, report.updated) == (1, 1)
    customer = customers(db)["FR-1"]
    assert customer.status == CustomerStatus.LOST and customer.segment == "SMB" and customer.email


def test_not_utf8_and_missing_header_are_refused_whole(app, db):
    with pytest.raises(csvrows.ImportFileError) as error:
        run_import(app, HEADER + "FR-1;Élodie;;fr;;;;;;;\n", encoding="latin-1")
    assert error.value.reason == "not_utf8"
    with pytest.raises(csvrows.ImportFileError):
        run_import(app, "name;email\nÉlodie;e@example.fr\n")
    assert customers(db) == {}


def test_a_failing_batch_is_rolled_back_and_reported(app, db, monkeypatch):
    rows = "".join(f"C-{i:03d};Name {i};;en;;;;;;;\n" for i in range(25))
    calls = {"n": 0}
    original = imp._write_batch

    def fail_third(batch, state, report):
        calls["n"] += 1
        if calls["n"] == 3:
            batch = [*batch, batch[0]]  # the same reference twice: the database refuses the batch
        return original(batch, state, report)

    monkeypatch.setattr(imp, "_write_batch", fail_third)
    report = run_import(app, HEADER + rows, batch_size=10)
    assert report.created == 20 and report.stopped_at_line == 22
    assert report.errors[-1].reason == csvrows.BATCH_FAILED
    assert len(customers(db)) == 20


def test_cli_imports_with_a_report(runner, tmp_path, db):
    source = tmp_path / "customers.csv"
    source.write_text(HEADER + "PL-1;Łukasz;lukasz@example.pl;pl;;;;;;;\nPL-2;Zła;zly-adres;pl;;;;;;;\n",
                      encoding="utf-8")
    report = tmp_path / "report.csv"
    result = runner.invoke(args=["customers", "import", str(source), "--report", str(report)])
    assert result.exit_code == 0, result.output
    assert "1 created, 0 updated, 1 rows refused" in result.output
    assert '3,"email","zly-adres",' in report.read_text(encoding="utf-8")


def test_upload_page_imports_in_the_background_and_offers_the_report(client, login, db):
    login("admin")
    data = {"file": (io.BytesIO((HEADER + "FR-1;Élodie;elodie@example.fr;fr;;;;;;;\n"
                                 "FR-2;=HYPERLINK(\"x\");bad;fr;;;;;;;\n").encode()), "clients.csv")}
    started = client.post("/staff/customers/import?lang=fr", data=data, content_type="multipart/form-data")
    assert started.status_code == 303
    deadline = time.time() + 20
    page = client.get(started.headers["Location"])
    while 'http-equiv="refresh"' in page.text and time.time() < deadline:
        time.sleep(0.05)
        page = client.get(started.headers["Location"])
    assert page.status_code == 200 and "1 client créé" in page.text and "FR-1" not in page.text.split("<tbody>")[-1]
    link = page.text.split('href="/staff/customers/import/report/')[1].split('"')[0]
    report = client.get(f"/staff/customers/import/report/{link}")
    assert report.status_code == 200 and report.mimetype == "text/csv"
    assert '3,"email","bad","Adresse e-mail invalide."' in report.get_data(as_text=True)
    assert "FR-1" in customers(db)


def test_upload_page_refuses_a_file_without_header_with_a_400(client, login):
    login("admin")
    page = client.post("/staff/customers/import", data={"file": (io.BytesIO(b"a;b\n1;2\n"), "x.csv")},
                       content_type="multipart/form-data")
    assert page.status_code == 400 and "external_ref" in page.text
    assert client.post("/staff/customers/import", data={}).status_code == 400


def test_formula_values_are_neutralised_in_the_report():
    report = csvrows.ImportReport(errors=[csvrows.RowError(2, imp.BAD_EMAIL, "email", "=cmd|' /C calc'!A0")])
    assert "'=cmd" in csvrows.report_csv(report, lambda e: "bad")


def test_unreadable_lines_and_nul_bytes_do_not_stop_the_import(app, db):
    text = (HEADER + "OK-1;Bon\0client;;fr;;;;;;;\n" + "BIG-1;" + "x" * 140_000 + ";;fr;;;;;;;\n"
            + "OK-2;Dobry;;pl;;;;;;;\n")
    report = run_import(app, text)
    assert [(e.line, e.reason) for e in report.errors] == [(3, csvrows.BAD_ROW)]
    assert report.created == 2 and customers(db)["OK-1"].name == "Bonclient"


def test_a_file_with_an_unreadable_line_is_reported_on_the_upload_page(client, login):
    login("admin")
    data = {"file": (io.BytesIO((HEADER + "BIG-1;" + "x" * 140_000 + "\n").encode()), "big.csv")}
    started = client.post("/staff/customers/import", data=data, content_type="multipart/form-data")
    assert started.status_code == 303


def test_an_upload_larger_than_other_requests_is_taken_with_csrf_on(csrf_app, client, make_user):
    from ..conftest import PASSWORD, csrf_token

    csrf_app.config["MAX_CONTENT_LENGTH"] = 1000  # CSRF protection reads the body before the view runs
    user = make_user("admin")
    client.post("/staff/login", data={"email": user.email, "password": PASSWORD,
                                      "csrf_token": csrf_token(client.get("/staff/login").text)})
    text = HEADER + "".join(f"BIG-{i};Name {i};;en;;;;;;;\n" for i in range(100))
    upload = {"csrf_token": csrf_token(client.get("/staff/customers/import").text),
              "file": (io.BytesIO(text.encode()), "big.csv")}
    started = client.post("/staff/customers/import", data=upload, content_type="multipart/form-data")
    assert started.status_code == 303
    deadline = time.time() + 20
    while 'http-equiv="refresh"' in (page := client.get(started.headers["Location"])).text and time.time() < deadline:
        time.sleep(0.05)
    assert "100 customers created" in page.text
    assert client.post("/staff/customers/new", data={"name": "x" * 2000}).status_code == 413  # other pages: no


EMAILS = ["a@b.co", "A.B@Example.COM", "kontakt+faktury@Sklep-Online.PL", "x@xn--abc.com", "x@a--b.com", "x@1.com",
          "x@b.c1", "a@b.c", "a@test.test", "a@local", "a@foo.LOCALHOST", "a@x.onion", "a@-x.com", "a@x-.com",
          "a_b@x.io", "a-b@x.io", "a..b@x.io", ".a@x.io", "a.@x.io", "a@x..io", "a@x.io.", "a b@x.io", "a@@x.io",
          "\"a\"@x.io", "ivan@пример.рф", "élodie@exemple.fr", "a@[127.0.0.1]", "a@x.123",
          "l" * 64 + "@x.io", "l" * 65 + "@x.io", "a@" + "d" * 63 + ".io", "a@" + "d" * 64 + ".io",
          "a@" + ".".join(["d" * 60] * 4) + ".io", "a@x.io\n", "a@x.i-o", "a@x.io-"]


@pytest.mark.parametrize("address", EMAILS)
def test_email_fast_path_agrees_with_email_validator(address):
    from email_validator import EmailNotValidError, validate_email
    try:
        expected = validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError:
        expected = None
    try:
        got = imp.normalize_email(address)
    except ValueError:
        got = None
    assert got == expected


@pytest.mark.parametrize("value", ["Klient 1", "Piekarnia „Pod Złotym Kłosem”", "a\u00a0:", "a  b", "a\tb",
                                   "a\u2028b", "x\u202ey", " a ", "Иван"])
def test_one_line_fast_path_agrees_with_one_line(value):
    from survey_app.text import one_line
    assert imp._one_line(value) == one_line(value)
