"""Purchase CSV import: streamed, checked row by row, added in batches; importing a file again adds nothing.

Columns ``external_ref``, ``date``, ``amount`` and optionally ``order_ref``, separated by ``,`` or
``;``, with or without a BOM, amounts with a decimal comma or point (see :mod:`survey_app.csvimport.rows`
for what every CSV import accepts). A purchase is already imported when its customer has one with the
same ``order_ref``, or, without a reference, one on the same day for the same amount.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import BinaryIO

from sqlalchemy import Date, bindparam, case, or_, select, tuple_, update

from ..bounds import parse_amount, parse_day
from ..bulk import insert_many
from ..csvimport.rows import (
    MISSING_REF,
    TOO_LONG,
    CsvRows,
    ImportReport,
    RowError,
    commit_batch,
    import_rows,
    read_rows,
)
from ..customers.models import Customer
from ..dbtypes import utcnow
from ..extensions import db
from ..signals import purchase_recorded
from ..text import one_line
from .models import Purchase

COLUMNS = ("external_ref", "date", "amount", "order_ref")
REQUIRED = ("external_ref", "date", "amount")
BATCH_SIZE = 2000

#: Why a row was refused (translated where shown); missing_ref and too_long are shared.
UNKNOWN_CUSTOMER = "unknown_customer"
BAD_AMOUNT = "bad_amount"
BAD_DATE = "bad_date"
MISSING_VALUE = "missing_value"


def open_file(stream: BinaryIO) -> CsvRows:
    """Check the header of a purchase CSV and return its rows.

    :raise ImportFileError: if the file is not UTF-8 or lacks one of the columns external_ref, date, amount.
    """
    return read_rows(stream, COLUMNS, required=REQUIRED)


def check_row(line: int, row: dict[str, str]) -> tuple[dict, list[RowError]]:
    """Turn one row into purchase values (with the customer's reference), or into the reasons it is refused."""
    ref = one_line(row.get("external_ref", ""))
    if not ref:
        return {}, [RowError(line, MISSING_REF, "external_ref")]
    errors: list[RowError] = []
    values: dict = {"external_ref": ref, "order_ref": one_line(row.get("order_ref", "")) or None}
    for column, value in (("external_ref", ref), ("order_ref", values["order_ref"] or "")):
        if len(value) > 64:
            errors.append(RowError(line, TOO_LONG, column, value[:40]))
    text = row.get("date", "").strip()
    try:
        values["day"] = parse_day(text)
    except ValueError:
        errors.append(RowError(line, BAD_DATE if text else MISSING_VALUE, "date", text))
    text = row.get("amount", "").strip()
    try:
        values["amount"] = parse_amount(text)
    except ValueError:
        errors.append(RowError(line, BAD_AMOUNT if text else MISSING_VALUE, "amount", text))
    return values, errors


def import_purchases(stream: BinaryIO, progress: Callable[[int], None] | None = None,
                     batch_size: int = BATCH_SIZE, report: ImportReport | None = None) -> ImportReport:
    """Import a purchase CSV from a binary stream; ``progress`` is told the line reached after each batch.

    ``created`` counts the purchases added and ``skipped`` those already imported; memory stays flat
    however long the file (rows are read one at a time and written a batch at a time).

    :raise ImportFileError: if the file cannot be read as a purchase CSV at all.
    """
    report = report or ImportReport()
    rows = open_file(stream)

    def write(batch: list[tuple[int, dict]]) -> bool:
        def tally(written: tuple[int, int, list[RowError]]) -> None:
            created, skipped, unknown = written
            report.created += created
            report.skipped += skipped
            report.errors.extend(unknown)

        return commit_batch(batch, report, lambda: _add(batch), tally)

    return import_rows(rows, check_row, write, report, progress, batch_size)


def add_checked(batch: list[tuple[int, dict]]) -> tuple[int, int, list[RowError]]:
    """Add purchases already read by :func:`check_row` (the API's bulk add), in the caller's transaction, as one
    batch of an import: purchases already there are skipped, ``purchase_recorded`` is sent for the others.

    :return: how many were added, how many were already there, and the rows whose customer is unknown.
    """
    return _add(batch)


def _add(batch: list[tuple[int, dict]]) -> tuple[int, int, list[RowError]]:
    """Add the purchases of a batch that are not there yet (the caller commits).

    :return: how many were added, how many were already there, and the rows whose customer is unknown.
    """
    refs = {values["external_ref"] for _line, values in batch}
    customers = dict(db.session.execute(select(Customer.external_ref, Customer.id)
                                        .where(Customer.external_ref.in_(refs))).all())
    unknown, known = [], []
    for line, values in batch:
        customer_id = customers.get(values["external_ref"])
        if customer_id is None:
            unknown.append(RowError(line, UNKNOWN_CUSTOMER, "external_ref", values["external_ref"]))
        else:
            known.append({"customer_id": customer_id, "day": values["day"], "amount": values["amount"],
                          "order_ref": values["order_ref"]})
    seen = _already_imported(known)
    new = []
    for row in known:
        key = _key(row)
        if key not in seen:
            seen.add(key)  # a row repeated within the batch counts once
            new.append(row)
    if new:
        now = utcnow()
        # One executemany on the table: the ORM would insert row by row to learn each new id.
        insert_many(db.session.connection(), Purchase.__table__, [{**row, "created_at": now} for row in new])
        _extend_customer_dates(new)
        purchase_recorded.send(None, customer_ids=sorted({row["customer_id"] for row in new}))
    return len(new), len(known) - len(new), unknown


def _key(row: dict) -> tuple:
    """What makes a purchase the same one: its reference, or without one its day and amount."""
    if row["order_ref"] is not None:
        return row["customer_id"], "ref", row["order_ref"]
    return row["customer_id"], "day", row["day"], Decimal(row["amount"])


def _already_imported(rows: list[dict]) -> set[tuple]:
    """The keys (see :func:`_key`) of these rows that are in the database already."""
    with_ref = {(r["customer_id"], r["order_ref"]) for r in rows if r["order_ref"] is not None}
    without = {(r["customer_id"], r["day"], r["amount"]) for r in rows if r["order_ref"] is None}
    found: set[tuple] = set()
    if with_ref:
        for customer_id, order_ref in db.session.execute(
                select(Purchase.customer_id, Purchase.order_ref)
                .where(tuple_(Purchase.customer_id, Purchase.order_ref).in_(sorted(with_ref)))):
            found.add((customer_id, "ref", order_ref))
    if without:
        customer_ids = sorted({customer_id for customer_id, _day, _amount in without})
        days = [day for _customer, day, _amount in without]
        for customer_id, day, amount in db.session.execute(
                select(Purchase.customer_id, Purchase.day, Purchase.amount)
                .where(Purchase.customer_id.in_(customer_ids), Purchase.order_ref.is_(None),
                       Purchase.day.between(min(days), max(days)))):
            found.add((customer_id, "day", day, Decimal(amount)))
    return found


def _extend_customer_dates(rows: list[dict]) -> None:
    """Move each customer's first and last purchase dates out to cover the purchases just added."""
    spans: dict[int, tuple[date, date]] = {}
    for row in rows:
        first, last = spans.get(row["customer_id"], (row["day"], row["day"]))
        spans[row["customer_id"]] = (min(first, row["day"]), max(last, row["day"]))
    table = Customer.__table__
    since, latest = table.c.customer_since, table.c.last_purchase
    first, last = bindparam("p_first", type_=Date()), bindparam("p_last", type_=Date())
    db.session.execute(
        update(table).where(table.c.id == bindparam("p_id"))
        .values(customer_since=case((or_(since.is_(None), since > first), first), else_=since),
                last_purchase=case((or_(latest.is_(None), latest < last), last), else_=latest)),
        [{"p_id": customer_id, "p_first": a, "p_last": b} for customer_id, (a, b) in spans.items()])
