"""The ranges of values accepted from people (pure), and the imports that read dates and amounts through them."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from survey_app.bounds import MAX_ID, parse_amount, parse_day, parse_int
from survey_app.customers import importer as customer_import
from survey_app.responses.importer import parse_when


@pytest.mark.parametrize("text, number", [("1", 1), (" 42 ", 42), (str(MAX_ID), MAX_ID), ("007", 7)])
def test_parse_int_reads_whole_numbers_in_range(text, number):
    assert parse_int(text) == number


@pytest.mark.parametrize("text", ["0", "-1", str(MAX_ID + 1), "9" * 20, "9" * 5000, "1e3", "1.0", "\u0663", "\uff11",
                                  "", " ", "+1", "0x10", "NaN"])
def test_parse_int_refuses_anything_else(text):
    with pytest.raises(ValueError):
        parse_int(text)


@pytest.mark.parametrize("text", ["1900-01-01", "2999-12-31", "2024-02-29"])
def test_parse_day_reads_dates_from_1900_to_2999(text):
    assert parse_day(text) == date.fromisoformat(text)


@pytest.mark.parametrize("text", ["1899-12-31", "3000-01-01", "9999-12-31", "0001-01-01", "2024-02-30", "yesterday",
                                  ""])
def test_parse_day_refuses_other_dates(text):
    with pytest.raises(ValueError):
        parse_day(text)


@pytest.mark.parametrize("text, amount", [("12 345,50", "12345.50"), ("12,345.50", "12345.50"), ("0", "0.00"),
                                          ("999999999999.99", "999999999999.99"), ("1\u202f000", "1000.00")])
def test_parse_amount_reads_money_as_typed(text, amount):
    assert parse_amount(text) == Decimal(amount)


@pytest.mark.parametrize("text", ["Infinity", "-inf", "NaN", "sNaN", "1e12", "1e20", "-0.01", "abc", "", "1,2,3.4.5"])
def test_parse_amount_refuses_what_is_not_an_amount(text):
    with pytest.raises(ValueError):
        parse_amount(text)


@pytest.mark.parametrize("column", ["customer_since", "last_purchase", "lost_at"])
@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31"])
def test_customer_import_refuses_dates_out_of_range(column, value):
    _values, errors = customer_import.check_row(2, {"external_ref": "A", column: value}, lambda _email: None)
    assert [(e.reason, e.column) for e in errors] == [(customer_import.BAD_DATE, column)]


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31 10:00", "1899-12-31T23:00:00+00:00",
                                   "0001-01-01T00:30:00+01:00"])
def test_past_answer_dates_out_of_range_are_not_dates(value):
    assert parse_when(value) is None


def test_past_answer_dates_in_range_are_read_as_utc():
    assert parse_when("2024-03-31T14:05:00+02:00") == datetime(2024, 3, 31, 12, 5)
