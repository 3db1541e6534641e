"""Labels shown to people: money in each language's own currency pattern (Babel, not a hand-written one), and the
names of languages inside sentences in the reader's language."""
import pytest
from flask_babel import force_locale

from survey_app.labels import language_name, money

NBSP, NNBSP = "\u00a0", "\u202f"


@pytest.mark.parametrize("locale, expected", [("en", "€2,576,950"), ("fr", f"2{NNBSP}576{NNBSP}950{NBSP}€"),
                                              ("pl", f"2{NBSP}576{NBSP}950{NBSP}€"),
                                              ("ru", f"2{NBSP}576{NBSP}950{NBSP}€")])
def test_money_follows_each_languages_pattern_in_whole_units(app, locale, expected):
    with app.test_request_context(), force_locale(locale):
        assert money(2576950.4) == expected


def test_money_in_another_currency(app):
    app.config["REPORT_CURRENCY"] = "PLN"
    with app.test_request_context(), force_locale("pl"):
        assert money(1234) == "1\u00a0234\u00a0zł"


@pytest.mark.parametrize("locale, expected", [("en", "Polish"), ("fr", "polonais"), ("pl", "polski"),
                                              ("ru", "польский")])
def test_language_names_in_the_readers_language(app, locale, expected):
    with app.test_request_context(), force_locale(locale):
        assert language_name("pl") == expected


@pytest.mark.parametrize("locale, expected", [("en", "Dec 1, 2026 9:05\u202fPM"), ("fr", "1 déc. 2026 21:05"),
                                              ("pl", "1 gru 2026 21:05"), ("ru", "1 дек. 2026\u202fг. 21:05")])
def test_dates_and_times_name_the_month(app, locale, expected):
    from datetime import datetime

    from survey_app.labels import when

    with app.test_request_context(), force_locale(locale):
        assert when(datetime(2026, 12, 1, 21, 5)) == expected
