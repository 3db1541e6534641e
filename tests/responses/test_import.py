"""Importing past answers from CSV: classification, every kind of bad row, re-imports, CLI and upload page."""
import io
import time
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from survey_app.csvimport import rows as csvrows
from survey_app.dbtypes import utcnow
from survey_app.reports.models import DataRevision
from survey_app.responses import importer as imp
from survey_app.responses.definition import definition_by_slug
from survey_app.responses.models import Channel, ClassificationSource, Response
from survey_app.surveys.models import QuestionType, Survey

from ..conftest import PASSWORD, csrf_token

HEADER = "external_ref,submitted_at,locale,channel,reason_code,text\n"
POLISH_COMPETITOR = "Znaleźliśmy to samo dużo taniej u konkurencji."


def run_import(app, slug: str, text: str, encoding: str = "utf-8", **kwargs) -> csvrows.ImportReport:
    with app.app_context():
        return imp.import_responses(io.BytesIO(text.encode(encoding)), definition_by_slug(slug), **kwargs)


def stored(db, slug: str) -> list[Response]:
    """The survey's responses with their answers, oldest answer first."""
    with db() as session:
        found = session.scalars(select(Response).join(Survey).where(Survey.slug == slug)
                                .order_by(Response.submitted_at)).all()
        for response in found:
            _ = response.answers  # load them before the session ends
        return found


def primary(response: Response) -> tuple:
    answer = response.primary_answer
    return answer.reason_code, answer.text, answer.bucket, answer.cause_group, answer.source


@pytest.fixture
def survey(make_survey):
    return make_survey("exit", slug="exit-past")


@pytest.fixture
def customers(make_customer):
    return {"EN": make_customer(locale="en", ref="EN-1"), "PL": make_customer(locale="pl", ref="PL-1"),
            "FR": make_customer(locale="fr", ref="FR-1")}


def test_cli_imports_reason_codes_and_free_text_classified_like_any_answer(runner, db, survey, customers, classifier,
                                                                            tmp_path):
    source = tmp_path / "past.csv"
    source.write_text(HEADER
                      + "EN-1,2024-03-01,,,cheaper_elsewhere,\n"
                      + f"PL-1,2024-03-02 14:30,,email,,{POLISH_COMPETITOR}\n"
                      + "FR-1,2024-03-03T09:00:00+02:00,en,LINK,moved,Nous avons déménagé à Lyon.\n", encoding="utf-8")
    result = runner.invoke(args=["responses", "import", "--survey", survey.slug, str(source)])
    assert result.exit_code == 0, result.output
    assert "3 created, 0 already imported, 0 rows refused; texts: 2 sorted, 0 left for review, 0 pending" in \
        result.output

    chosen, typed, both = stored(db, survey.slug)
    assert (chosen.customer_id, chosen.submitted_at, chosen.locale, chosen.channel) == (
        customers["EN"].id, datetime(2024, 3, 1), "en", Channel.INTERVIEW)
    assert primary(chosen) == ("cheaper_elsewhere", None, "competitor", "competitor", ClassificationSource.CHOICE)

    assert (typed.customer_id, typed.submitted_at, typed.locale, typed.channel) == (
        customers["PL"].id, datetime(2024, 3, 2, 14, 30), "pl", Channel.EMAIL)
    assert primary(typed) == (None, POLISH_COMPETITOR, "competitor", "competitor", ClassificationSource.MODEL)
    assert typed.primary_answer.model_version == classifier and typed.primary_answer.confidence >= 0.55

    assert (both.submitted_at, both.locale, both.channel) == (datetime(2024, 3, 3, 7, 0), "en", Channel.LINK)
    assert primary(both) == ("moved", None, "circumstances", "customer", ClassificationSource.CHOICE)
    [text_answer] = [a for a in both.answers if a.text]
    assert text_answer.text == "Nous avons déménagé à Lyon." and not text_answer.is_primary
    assert text_answer.source == ClassificationSource.MODEL

    with db() as session:  # cached report figures learn that answers were added
        assert session.scalar(select(DataRevision.value).where(DataRevision.name == "reports")) >= 1


GOOD = "EN-1,2024-01-10,,,moved,"


@pytest.mark.parametrize("row, reason, column", [
    (",2024-01-11,,,moved,", csvrows.MISSING_REF, "external_ref"),
    ("NOBODY-1,2024-01-11,,,moved,", imp.UNKNOWN_CUSTOMER, "external_ref"),
    ("PL-1,,,,moved,", imp.MISSING_DATE, "submitted_at"),
    ("PL-1,11/01/2024,,,moved,", imp.BAD_DATETIME, "submitted_at"),
    ("PL-1,2024-02-30,,,moved,", imp.BAD_DATETIME, "submitted_at"),
    (f"PL-1,{(utcnow() + timedelta(days=2)).date()},,,moved,", imp.FUTURE_DATE, "submitted_at"),
    ("PL-1,2024-01-11,de,,moved,", csvrows.BAD_LOCALE, "locale"),
    ("PL-1,2024-01-11,,phone,moved,", imp.BAD_CHANNEL, "channel"),
    ("PL-1,2024-01-11,,,rude_owl,", imp.UNKNOWN_REASON, "reason_code"),
    ("PL-1,2024-01-11,,,," + "x" * 31, csvrows.TOO_LONG, "text"),
    ("PL-1,2024-01-11,pl,email,,", imp.NO_ANSWER, "reason_code, text"),
    ("PL-1,2024-01-11,,,," + "x" * 140_000, csvrows.BAD_ROW, ""),
    ("PL-1,2024-01-11,,,,Too expensive, and slow", csvrows.EXTRA_VALUES, ""),
])
def test_each_bad_row_is_reported_with_its_line_and_the_good_rows_are_imported(app, db, survey, customers, row,
                                                                                reason, column):
    app.config["MAX_TEXT_LENGTH"] = 30
    report = run_import(app, survey.slug, HEADER + GOOD + "\n" + row + "\nFR-1,2024-01-12,,,moved,\n")
    assert (report.created, report.rejected) == (2, 1)
    assert [(e.line, e.reason, e.column) for e in report.errors] == [(3, reason, column)]
    assert [r.customer_id for r in stored(db, survey.slug)] == [customers["EN"].id, customers["FR"].id]


def test_a_row_with_several_problems_counts_once(app, survey, customers):
    report = run_import(app, survey.slug, HEADER + "PL-1,soon,xx,fax,,\n")
    assert [e.reason for e in report.errors] == [imp.BAD_DATETIME, csvrows.BAD_LOCALE, imp.BAD_CHANNEL,
                                                 imp.NO_ANSWER]
    assert report.rejected == 1 and report.created == 0


def test_importing_the_same_file_again_adds_nothing(app, db, survey, customers, tmp_path, runner):
    text = HEADER + "EN-1,2024-01-10,,,moved,\nPL-1,2024-01-10 08:00,,,,Za drogo\nFR-1,2024-01-11,,,moved,\n"
    first = run_import(app, survey.slug, text, batch_size=2)
    assert (first.created, first.skipped, first.errors) == (3, 0, [])
    source = tmp_path / "again.csv"
    source.write_text(text + "FR-1,2024-01-12,,,moved,\n", encoding="utf-8")
    result = runner.invoke(args=["responses", "import", "--survey", survey.slug, str(source)])
    assert result.exit_code == 0, result.output
    assert "1 created, 3 already imported, 0 rows refused" in result.output
    assert len(stored(db, survey.slug)) == 4


def test_a_row_repeated_in_the_file_is_imported_once_even_across_batches(app, db, survey, customers):
    text = HEADER + "EN-1,2024-01-10,,,moved,\nEN-1,2024-01-10,,,moved,\nPL-1,2024-01-10,,,moved,\n" \
        + "EN-1,2024-01-10T00:00:00,,,cheaper_elsewhere,\n"
    report = run_import(app, survey.slug, text, batch_size=1)
    assert (report.created, report.skipped, report.errors) == (2, 2, [])
    assert len(stored(db, survey.slug)) == 2


def test_the_same_customer_at_another_time_is_another_response(app, db, survey, customers):
    report = run_import(app, survey.slug, HEADER + "EN-1,2024-01-10,,,moved,\nEN-1,2024-01-10 12:00,,,moved,\n")
    assert (report.created, report.skipped) == (2, 0)


def test_semicolon_file_with_only_a_text_column(app, db, survey, customers):
    text = ("external_ref;submitted_at;text\n"
            "FR-1;2023-11-05;Le service ne répondait jamais; nous sommes partis.\n"
            "PL-1;2023-11-06;\"Obsługa; brak kontaktu\"\n")
    report = run_import(app, survey.slug, text, encoding="utf-8-sig")
    assert report.created == 1
    assert report.errors == [csvrows.RowError(2, csvrows.EXTRA_VALUES, "", "nous sommes partis.")]
    [response] = stored(db, survey.slug)
    assert (response.customer_id, response.locale, response.channel, primary(response)[1]) == (
        customers["PL"].id, "pl", Channel.INTERVIEW, "Obsługa; brak kontaktu")


def test_quoted_semicolon_file_from_excel(app, db, survey, customers):
    text = ("External Ref;Submitted At;Locale;Channel;Reason Code;Text\n"
            "FR-1;2023-11-05 10:15;fr;email;cheaper_elsewhere;\"Moins cher ailleurs; 20 % de moins\"\n"
            "PL-1;2023-11-06;;;;Za drogo\n")
    report = run_import(app, survey.slug, text, encoding="utf-8-sig")
    assert (report.created, report.errors) == (2, [])
    fr, pl = stored(db, survey.slug)
    assert (fr.locale, fr.channel, primary(fr)[0]) == ("fr", Channel.EMAIL, "cheaper_elsewhere")
    assert [a.text for a in fr.answers if a.text] == ["Moins cher ailleurs; 20 % de moins"]
    assert (pl.locale, primary(pl)[1]) == ("pl", "Za drogo")


def test_separators_pasted_into_a_text_and_multi_line_cells_stay_in_their_row(app, db, survey, customers):
    text = (HEADER + "PL-1,2024-01-10,,,,Za drogo\u2028i wolno\x0c!\x1e\n"
            + 'FR-1,2024-01-11,,,,"Trop cher.\r\nEt lent."\r\n' + "EN-1,2024-01-12,,,bogus,\n")
    report = run_import(app, survey.slug, text)
    assert report.created == 2 and [(e.line, e.reason) for e in report.errors] == [(5, imp.UNKNOWN_REASON)]
    assert [primary(r)[1] for r in stored(db, survey.slug)] == ["Za drogo\u2028i wolno\x0c!", "Trop cher.\r\nEt lent."]


def test_a_file_with_old_mac_line_endings(app, db, survey, customers):
    report = run_import(app, survey.slug, "external_ref;submitted_at;reason_code\rEN-1;2024-01-10;moved\r"
                                          "PL-1;2024-01-11;bogus\r")
    assert report.created == 1 and [(e.line, e.reason) for e in report.errors] == [(3, imp.UNKNOWN_REASON)]


def test_an_import_into_a_fresh_install_trains_the_first_model_and_sorts_its_texts(app, db, survey, customers,
                                                                                   caplog):
    caplog.set_level("INFO", logger="survey_app.classification.services")
    report = run_import(app, survey.slug, HEADER + "PL-1,2024-01-10,,,,\"Za drogo, u konkurencji taniej\"\n"
                        + "EN-1,2024-01-11,,,,dunno\n")
    assert "No classifier yet: training the first one from the shipped examples" in caplog.text
    first, second = stored(db, survey.slug)
    assert primary(first) == (None, "Za drogo, u konkurencji taniej", "competitor", "competitor", "model")
    assert primary(second)[2] == "unclassified"  # "not a reason" never goes into a bucket
    assert report.memo == {"sorted": 1, "review": 1, "pending": 0}


def test_a_closed_survey_takes_past_answers(app, db, make_survey, customers):
    closed = make_survey("exit", slug="exit-closed", state="closed")
    report = run_import(app, closed.slug, HEADER + "EN-1,2019-06-01,,,moved,\n")
    assert report.created == 1 and len(stored(db, closed.slug)) == 1


def test_a_failing_batch_is_rolled_back_and_reported(app, db, survey, customers, monkeypatch):
    from sqlalchemy.exc import OperationalError

    original, calls = imp._store, {"n": 0}

    def fail_second(batch, target):
        calls["n"] += 1
        if calls["n"] == 2:
            original(batch, target)
            raise OperationalError("INSERT", {}, Exception("disk full"))
        return original(batch, target)

    monkeypatch.setattr(imp, "_store", fail_second)
    text = HEADER + "".join(f"EN-1,2024-01-{day:02d},,,moved,\n" for day in range(1, 6))
    report = run_import(app, survey.slug, text, batch_size=2)
    assert report.created == 2 and report.stopped_at_line == 4
    assert report.errors[-1].reason == csvrows.BATCH_FAILED
    assert len(stored(db, survey.slug)) == 2


def remove_question(app, slug: str, qtype: QuestionType) -> None:
    with app.app_context():
        from survey_app.extensions import db as _db

        survey = _db.session.scalar(select(Survey).where(Survey.slug == slug))
        for question in [q for q in survey.questions if q.type == qtype]:
            _db.session.delete(question)
        survey.touch()
        _db.session.commit()


@pytest.mark.parametrize("header, missing, reason", [
    ("external_ref,submitted_at,text\n", QuestionType.FREE_TEXT, imp.NO_TEXT_QUESTION),
    ("external_ref,submitted_at,reason_code\n", QuestionType.MAIN_REASON, imp.NO_REASON_QUESTION),
])
def test_a_column_the_survey_has_no_question_for_refuses_the_file(app, db, survey, customers, header, missing,
                                                                   reason):
    remove_question(app, survey.slug, missing)
    with pytest.raises(csvrows.ImportFileError) as error:
        run_import(app, survey.slug, header + "EN-1,2024-01-10,moved\n")
    assert error.value.reason == reason
    assert stored(db, survey.slug) == []


def test_a_survey_without_free_text_still_takes_reason_codes(app, db, survey, customers):
    remove_question(app, survey.slug, QuestionType.FREE_TEXT)
    report = run_import(app, survey.slug, "external_ref,submitted_at,reason_code\nEN-1,2024-01-10,moved\n")
    assert report.created == 1


@pytest.mark.parametrize("text, reason", [
    ("external_ref,reason_code\nEN-1,moved\n", csvrows.BAD_HEADER),
    ("external_ref,submitted_at,locale\nEN-1,2024-01-10,en\n", csvrows.BAD_HEADER),
    (HEADER + "EN-1,2024-01-10,,,,Très cher\n", csvrows.NOT_UTF8),
])
def test_files_that_cannot_be_read_are_refused_whole(app, db, survey, customers, text, reason):
    with pytest.raises(csvrows.ImportFileError) as error:
        run_import(app, survey.slug, text, encoding="latin-1" if reason == csvrows.NOT_UTF8 else "utf-8")
    assert error.value.reason == reason
    assert stored(db, survey.slug) == []


def test_an_anonymous_survey_refuses_past_answers(app, db, make_survey, customers, runner, tmp_path):
    make_survey("exit", slug="exit-anon", anonymous=True)
    source = tmp_path / "past.csv"
    source.write_text(HEADER + "EN-1,2024-01-10,,,moved,\n", encoding="utf-8")
    result = runner.invoke(args=["responses", "import", "--survey", "exit-anon", str(source)])
    assert result.exit_code == 1 and "anonymous" in result.output
    assert stored(db, "exit-anon") == []


def test_cli_refuses_an_unknown_survey_and_writes_a_report_of_bad_rows(runner, survey, customers, tmp_path):
    source = tmp_path / "past.csv"
    source.write_text(HEADER + "EN-1,2024-01-10,,,moved,\nNOBODY,2024-01-10,,,moved,\n"
                      "=cmd|' /C calc'!A0,2024-01-11,,,moved,\n", encoding="utf-8")
    result = runner.invoke(args=["responses", "import", "--survey", "no-such-survey", str(source)])
    assert result.exit_code == 2 and "no-such-survey" in result.output
    report = tmp_path / "report.csv"
    result = runner.invoke(args=["responses", "import", "--survey", survey.slug, str(source), "--report", str(report)])
    assert result.exit_code == 0, result.output
    assert "1 created, 0 already imported, 2 rows refused" in result.output
    assert "line 3: No customer has this reference. NOBODY" in result.output
    lines = report.read_text(encoding="utf-8").splitlines()
    assert lines == ['"line","column","value","reason"', '3,"external_ref","NOBODY","No customer has this reference."',
                     '4,"external_ref","\'=cmd|\' /C calc\'!A0","No customer has this reference."']


def follow(client, location: str):
    deadline = time.time() + 20
    page = client.get(location)
    while 'http-equiv="refresh"' in page.text and time.time() < deadline:
        time.sleep(0.05)
        page = client.get(location)
    return page


def test_upload_page_imports_in_the_background_and_offers_the_report(client, login, db, survey, customers,
                                                                      classifier):
    login("analyst")
    show = client.get(f"/staff/surveys/{survey.slug}")
    assert f'href="/staff/surveys/{survey.slug}/responses/import"' in show.text
    form = client.get(f"/staff/surveys/{survey.slug}/responses/import")
    assert form.status_code == 200 and "cheaper_elsewhere" in form.text

    text = (HEADER + "EN-1,2024-01-10,,,moved,\n" + f"PL-1,2024-01-11,,,,{POLISH_COMPETITOR}\n"
            + "NOBODY,2024-01-12,,,moved,\n")
    started = client.post(f"/staff/surveys/{survey.slug}/responses/import?lang=fr",
                          data={"file": (io.BytesIO(text.encode()), "past.csv")}, content_type="multipart/form-data")
    assert started.status_code == 303
    page = follow(client, started.headers["Location"])
    assert page.status_code == 200
    assert "2 réponses importées" in page.text and "0 ligne déjà importée" in page.text
    assert "Textes : 1 classée dans une cause · 0 laissée à vérifier · 0 en attente de tri" in " ".join(
        page.text.split())
    assert "<td>4</td><td><code>external_ref</code></td><td>NOBODY</td>" in page.text
    link = page.text.split(f'href="/staff/surveys/{survey.slug}/responses/import/report/')[1].split('"')[0]
    report = client.get(f"/staff/surveys/{survey.slug}/responses/import/report/{link}")
    assert report.status_code == 200 and report.mimetype == "text/csv"
    assert '4,"external_ref","NOBODY","Aucun client ne correspond à cette référence."' in report.get_data(as_text=True)
    assert [primary(r)[2] for r in stored(db, survey.slug)] == ["circumstances", "competitor"]

    again = client.post(f"/staff/surveys/{survey.slug}/responses/import",
                        data={"file": (io.BytesIO(text.encode()), "past.csv")}, content_type="multipart/form-data")
    page = follow(client, again.headers["Location"])
    assert "0 réponse importée" in page.text and "2 lignes déjà importées" in page.text
    assert len(stored(db, survey.slug)) == 2


def test_upload_page_refuses_a_file_the_survey_cannot_take_with_a_400(app, client, login, survey):
    login("analyst")
    url = f"/staff/surveys/{survey.slug}/responses/import"
    page = client.post(url, data={"file": (io.BytesIO(b"external_ref;name\nEN-1;x\n"), "x.csv")},
                       content_type="multipart/form-data")
    assert page.status_code == 400 and "submitted_at" in page.text
    remove_question(app, survey.slug, QuestionType.FREE_TEXT)
    page = client.post(url, data={"file": (io.BytesIO(HEADER.encode()), "x.csv")}, content_type="multipart/form-data")
    assert page.status_code == 400 and "no free-text question" in page.text
    assert client.post(url, data={}).status_code == 400


def test_upload_page_of_an_unknown_survey_or_import_is_a_404(client, login, survey):
    login("analyst")
    assert client.get("/staff/surveys/no-such-survey/responses/import").status_code == 404
    assert client.get(f"/staff/surveys/{survey.slug}/responses/import/nosuchjob").status_code == 404
    assert client.get(f"/staff/surveys/{survey.slug}/responses/import/report/nosuchjob.csv").status_code == 404
    assert client.get(f"/staff/surveys/{survey.slug}/responses/import/report/..%2Fsecret.csv").status_code == 404


def test_interviewers_may_not_import(client, login, survey):
    login("interviewer")
    url = f"/staff/surveys/{survey.slug}/responses/import"
    assert client.get(url).status_code == 403
    upload = {"file": (io.BytesIO((HEADER + "EN-1,2024-01-10,,,moved,\n").encode()), "past.csv")}
    assert client.post(url, data=upload, content_type="multipart/form-data").status_code == 403
    assert f'href="{url}"' not in client.get(f"/staff/surveys/{survey.slug}").text


def test_an_upload_without_csrf_token_is_refused(csrf_app, client, make_user, db, survey, customers):
    user = make_user("analyst")
    signed_in = client.post("/staff/login", data={"email": user.email, "password": PASSWORD,
                                                  "csrf_token": csrf_token(client.get("/staff/login").text)})
    assert signed_in.status_code == 302
    url = f"/staff/surveys/{survey.slug}/responses/import"
    upload = {"file": (io.BytesIO((HEADER + "EN-1,2024-01-10,,,moved,\n").encode()), "past.csv")}
    assert client.post(url, data=upload, content_type="multipart/form-data").status_code == 400
    token = csrf_token(client.get(url).text)
    upload = {"csrf_token": token, "file": (io.BytesIO((HEADER + "EN-1,2024-01-10,,,moved,\n").encode()), "past.csv")}
    started = client.post(url, data=upload, content_type="multipart/form-data")
    assert started.status_code == 303
    assert "1 answer imported" in follow(client, started.headers["Location"]).text


def test_an_upload_larger_than_other_requests_is_taken_with_csrf_on(csrf_app, client, make_user, survey, customers):
    csrf_app.config["MAX_CONTENT_LENGTH"] = 1000  # CSRF protection reads the body before the view runs
    user = make_user("analyst")
    client.post("/staff/login", data={"email": user.email, "password": PASSWORD,
                                      "csrf_token": csrf_token(client.get("/staff/login").text)})
    url = f"/staff/surveys/{survey.slug}/responses/import"
    text = HEADER + "".join(f"EN-1,2024-01-{day:02d} 10:00,,,moved,\n" for day in range(1, 29)) * 3
    assert len(text) > 1000
    upload = {"csrf_token": csrf_token(client.get(url).text), "file": (io.BytesIO(text.encode()), "past.csv")}
    started = client.post(url, data=upload, content_type="multipart/form-data")
    assert started.status_code == 303
    page = follow(client, started.headers["Location"])
    assert "28 answers imported" in page.text and "56 rows already imported" in page.text


def test_a_file_of_reason_codes_alone_trains_no_model(app, db, survey, customers):
    from survey_app.classification.models import ClassifierVersion

    report = run_import(app, survey.slug, HEADER + "EN-1,2024-01-10,,,moved,\n")
    assert report.created == 1 and report.memo == {"sorted": 0, "review": 0, "pending": 0}
    with db() as session:
        assert session.scalar(select(ClassifierVersion.id)) is None
