"""What a CSV file can hold that people did not mean: an unclosed quote, bytes that are not UTF-8, values no
parser expects. Every problem is named by its line, and none stops the rows around it."""
import io

import pytest
from sqlalchemy import func, select

from survey_app.csvimport import rows as csvrows
from survey_app.customers import importer as imp
from survey_app.customers.models import Customer
from survey_app.responses.models import Answer
from tests.customers.test_import import HEADER, customers, run_import


def good_rows(start: int, count: int) -> str:
    return "".join(f"G-{i:05d};Name {i};;en;;;;;;;\n" for i in range(start, start + count))


def test_an_unclosed_quote_is_reported_at_its_line_and_the_rows_after_it_are_imported(app, db):
    text = HEADER + good_rows(0, 1) + 'Q-1;"Anna Nowak;;pl;;;;;;;\n' + good_rows(1, 10)
    report = run_import(app, text)
    assert [(e.line, e.reason) for e in report.errors] == [(3, csvrows.UNCLOSED_QUOTE)]
    assert report.created == 11 and "Q-1" not in customers(db)


def test_an_unclosed_quote_far_from_the_end_does_not_swallow_the_file(app, db):
    text = HEADER + 'Q-1;"Anna;;pl;;;;;;;\n' + good_rows(0, 2500)
    report = run_import(app, text)
    assert [(e.line, e.reason) for e in report.errors] == [(2, csvrows.UNCLOSED_QUOTE)]
    assert report.created == 2500


def test_a_quoted_value_over_several_lines_is_still_one_value(app, db):
    text = "external_ref,name\nM-1,\"First line\nsecond line, with a comma\nthird\"\nM-2,Next\n"
    report = run_import(app, text)
    assert report.created == 2 and report.errors == []
    assert customers(db)["M-1"].name == "First line second line, with a comma third"  # names stay on one line


def test_a_file_that_is_not_utf8_deep_inside_is_refused_whole_naming_the_line(app, db, runner, tmp_path):
    data = (HEADER + good_rows(0, 2499)).encode() + "B-1;Zoé;;fr;;;;;;;\n".encode("latin-1") \
        + good_rows(3000, 500).encode()
    with pytest.raises(csvrows.ImportFileError) as error:
        run_import_bytes(app, data)
    assert (error.value.reason, error.value.detail) == (csvrows.NOT_UTF8, "2501")
    source = tmp_path / "customers.csv"
    source.write_bytes(data)
    result = runner.invoke(args=["customers", "import", str(source)])
    assert result.exit_code != 0
    assert "Line 2501 of the file is not UTF-8 text, so nothing was imported." in result.output
    with db() as session:
        assert session.scalar(select(func.count()).select_from(Customer)) == 0


def test_a_file_that_is_not_utf8_is_refused_on_the_upload_page_naming_the_line(client, login):
    login("admin")
    data = (HEADER + good_rows(0, 3)).encode() + "B-1;Zoé;;fr;;;;;;;\n".encode("cp1252")
    page = client.post("/staff/customers/import?lang=pl", data={"file": (io.BytesIO(data), "x.csv")},
                       content_type="multipart/form-data")
    assert page.status_code == 400 and "Wiersz 5 pliku nie jest tekstem UTF-8" in page.text


class Unseekable(io.RawIOBase):
    """A stream read once, front to back (a pipe): it cannot be checked before the import."""

    def __init__(self, data: bytes) -> None:
        self.inner = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        return self.inner.read(size)


def run_import_bytes(app, data: bytes, **kwargs):
    with app.app_context():
        return imp.import_customers(io.BytesIO(data), **kwargs)


def test_a_line_that_is_not_utf8_in_a_stream_is_refused_alone(app, db):
    data = (HEADER + good_rows(0, 3)).encode() + "B-1;Zoé;;fr;;;;;;;\n".encode("latin-1") + good_rows(3, 3).encode()
    with app.app_context():
        report = imp.import_customers(Unseekable(data))
    assert [(e.line, e.reason) for e in report.errors] == [(5, csvrows.BAD_ENCODING)]
    assert report.created == 6


def test_a_value_that_breaks_a_check_refuses_its_row_alone(app, db, monkeypatch):
    real = imp.check_row

    def check_row(line, row, managers):
        if row["external_ref"] == "G-00002":
            raise OverflowError("no parser expected this")
        return real(line, row, managers)

    monkeypatch.setattr(imp, "check_row", check_row)
    report = run_import(app, HEADER + good_rows(0, 5))
    assert [(e.line, e.reason) for e in report.errors] == [(4, csvrows.BAD_VALUE)]
    assert report.created == 4


@pytest.mark.parametrize("when", ["0001-01-01T00:00+01:00", "9999-12-31T23:30-05:00", "2024-02-30", "+10000-01-01"])
def test_a_past_answer_at_an_impossible_time_is_refused_at_its_line(app, db, when):
    from survey_app.responses import importer as answers
    from survey_app.responses.definition import definition_by_slug
    from tests.responses.test_import import HEADER as ANSWERS_HEADER

    with app.app_context():
        from survey_app.customers.services import add_customer
        from survey_app.extensions import db as _db
        from survey_app.surveys.services import create_from_template, install_catalogue, open_survey

        install_catalogue()
        open_survey(create_from_template("exit", "past", "en"))
        add_customer("EN-1", "Ann", "ann@example.com", "en")
        _db.session.commit()
        text = ANSWERS_HEADER + "EN-1,2024-01-10,,,moved,\n" + f"EN-1,{when},,,moved,\n" + "EN-1,2024-01-11,,,moved,\n"
        report = answers.import_responses(io.BytesIO(text.encode()), definition_by_slug("past"))
    assert [(e.line, e.reason) for e in report.errors] == [(3, answers.BAD_DATETIME)]
    assert report.created == 2


def test_past_answers_the_model_fails_on_are_kept_pending_for_the_sorting_job(app, db, monkeypatch, classifier):
    from survey_app.classification.model import TextClassifier
    from survey_app.responses import importer as answers
    from survey_app.responses.definition import definition_by_slug
    from tests.responses.test_import import HEADER as ANSWERS_HEADER

    real = TextClassifier.predict

    def predict(self, texts, langs):
        if any("poison" in text for text in texts):
            raise ValueError("the model cannot take this text")
        return real(self, texts, langs)

    monkeypatch.setattr(TextClassifier, "predict", predict)
    with app.app_context():
        from survey_app.customers.services import add_customer
        from survey_app.extensions import db as _db
        from survey_app.surveys.services import create_from_template, install_catalogue, open_survey

        install_catalogue()
        open_survey(create_from_template("exit", "past", "en"))
        add_customer("EN-1", "Ann", "ann@example.com", "en")
        _db.session.commit()
        text = (ANSWERS_HEADER + "EN-1,2024-01-10,,,,too expensive\n" + "EN-1,2024-01-11,,,,poison pill\n"
                + "EN-1,2024-01-12,,,moved,\n" + "EN-1,2024-01-13,,,,We moved to another city\n")
        report = answers.import_responses(io.BytesIO(text.encode()), definition_by_slug("past"), batch_size=2)
    assert report.errors == [] and report.created == 4 and report.stopped_at_line is None
    # the batch holding the text the model fails on is stored pending, whole; the next batch is sorted
    assert report.memo == {"sorted": 1, "review": 0, "pending": 2}
    with db() as session:
        buckets = session.scalars(select(Answer.bucket).order_by(Answer.id)).all()
    assert buckets == ["pending", "pending", "circumstances", "circumstances"]
