"""Customer CSV import: streamed, validated row by row, upserted in batches by ``external_ref``.

Accepts what every CSV import does (see :mod:`survey_app.csvimport.rows`), plus decimal comma or
point and ISO dates. Bad rows are reported with their line number and left out; good rows are
imported. Each batch is one transaction: a failure mid-file leaves the database as it was before
that batch, and the report says so.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import BinaryIO

from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email
from sqlalchemy import bindparam, func, select, update

from ..auth.models import StaffUser
from ..bounds import parse_amount, parse_day
from ..bulk import insert_many

# Moved to csvimport.rows; still importable from here.
from ..csvimport.rows import BAD_HEADER as BAD_HEADER
from ..csvimport.rows import (
    BAD_LOCALE,
    MISSING_REF,
    TOO_LONG,
    CsvRows,
    ImportReport,
    RowError,
    commit_batch,
    import_rows,
    parse_locale,
    read_rows,
)
from ..csvimport.rows import BAD_ROW as BAD_ROW
from ..csvimport.rows import BATCH_FAILED as BATCH_FAILED
from ..csvimport.rows import CountingReader as CountingReader
from ..csvimport.rows import ImportFileError as ImportFileError
from ..csvimport.rows import report_csv as report_csv
from ..dbtypes import utcnow
from ..extensions import db
from ..signals import customer_changed, customer_lost, customer_returned
from ..text import one_line
from .models import Customer, CustomerStatus

COLUMNS = ("external_ref", "name", "email", "locale", "segment", "account_manager", "annual_revenue",
           "customer_since", "last_purchase", "status", "lost_at")
BATCH_SIZE = 1000
#: Status codes as written in a file (lower case), for a look-up per row.
_STATUSES = {status.value: status for status in CustomerStatus}
#: Columns whose line breaks and control characters become spaces.
_ONE_LINE = frozenset({"external_ref", "name", "segment", "account_manager"})

#: Why a row was refused (translated where shown); missing_ref, bad_locale and too_long are shared.
DUPLICATE_REF = "duplicate_ref"
BAD_EMAIL = "bad_email"
BAD_NUMBER = "bad_number"
BAD_DATE = "bad_date"
BAD_STATUS = "bad_status"
UNKNOWN_MANAGER = "unknown_manager"


#: Addresses email-validator accepts unchanged but for the domain's case: ASCII dot-atoms on a dotted domain of
#: letters, digits and single hyphens with an alphabetic top-level domain. Others go through email-validator.
_PLAIN_EMAIL = re.compile(r"[A-Za-z0-9]+(?:[._+-][A-Za-z0-9]+)*@"
                          r"((?:[A-Za-z0-9](?:-?[A-Za-z0-9]){0,62}\.)+[A-Za-z]{2,63})")
#: Top-level names email-validator refuses (special use); they never take the fast path.
_SPECIAL_USE = frozenset(name.lower() for name in SPECIAL_USE_DOMAIN_NAMES)


def normalize_email(address: str) -> str:
    """Return the address as email-validator normalises it (no DNS look-up), checking plain addresses cheaply.

    :raise ValueError: if it is not a valid address.
    """
    match = _PLAIN_EMAIL.fullmatch(address)
    if match is not None and len(address) <= 254 and address.index("@") <= 64:
        domain = match.group(1).lower()
        if (domain.rpartition(".")[2] not in _SPECIAL_USE
                and (len(domain) <= 63 or all(len(label) <= 63 for label in domain.split(".")))):
            return address[:match.start(1)] + domain
    try:
        return validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise ValueError(address) from error


def _one_line(value: str) -> str:
    """:func:`one_line`, skipping the regular expressions when the value holds nothing to clean."""
    return value if value.isprintable() and "  " not in value and value.strip(" ") == value else one_line(value)


def open_file(stream: BinaryIO) -> CsvRows:
    """Check the header of a customer CSV and return its rows.

    :raise ImportFileError: if the file is not UTF-8 or has no ``external_ref`` column.
    """
    return read_rows(stream, COLUMNS)


def check_row(line: int, row: dict[str, str], managers: Callable[[str], int | None]) -> tuple[dict, list[RowError]]:
    """Turn one row into customer columns, or into the reasons it is refused."""
    errors: list[RowError] = []
    row = {column: _one_line(value) if column in _ONE_LINE else value for column, value in row.items()}
    ref = row.get("external_ref", "")
    if not ref:
        return {}, [RowError(line, MISSING_REF, "external_ref")]
    values: dict = {"external_ref": ref}
    for column, limit in (("external_ref", 64), ("name", 200), ("segment", 64)):
        if len(row.get(column, "")) > limit:
            errors.append(RowError(line, TOO_LONG, column, row[column][:40]))
    if "name" in row:
        values["name"] = row["name"]
    if "segment" in row:
        values["segment"] = row["segment"] or None
    if "email" in row:
        if row["email"]:
            try:
                values["email"] = normalize_email(row["email"])
            except ValueError:
                errors.append(RowError(line, BAD_EMAIL, "email", row["email"]))
        else:
            values["email"] = None
    if row.get("locale"):
        locale = parse_locale(row["locale"])
        if locale:
            values["locale"] = locale
        else:
            errors.append(RowError(line, BAD_LOCALE, "locale", row["locale"]))
    if row.get("status"):
        status = _STATUSES.get(row["status"].lower())
        if status is None:
            errors.append(RowError(line, BAD_STATUS, "status", row["status"]))
        else:
            values["status"] = status
    if row.get("annual_revenue"):
        try:
            values["annual_revenue"] = parse_amount(row["annual_revenue"])
        except ValueError:
            errors.append(RowError(line, BAD_NUMBER, "annual_revenue", row["annual_revenue"]))
    for column in ("customer_since", "last_purchase", "lost_at"):
        if row.get(column):
            try:
                values[column] = parse_day(row[column])
            except ValueError:
                errors.append(RowError(line, BAD_DATE, column, row[column]))
    if values.get("status", CustomerStatus.ACTIVE) != CustomerStatus.ACTIVE or "lost_at" in values:
        values["status_manual"] = True  # lost or returned according to the file: lost-customer detection leaves it
    if row.get("account_manager"):
        manager_id = managers(row["account_manager"].lower())
        if manager_id is None:
            errors.append(RowError(line, UNKNOWN_MANAGER, "account_manager", row["account_manager"]))
        else:
            values["account_manager_id"] = manager_id
    return values, errors


def import_customers(stream: BinaryIO, progress: Callable[[int], None] | None = None,
                     batch_size: int = BATCH_SIZE, report: ImportReport | None = None) -> ImportReport:
    """Import a customer CSV from a binary stream; ``progress`` is told the line reached after each batch.

    Memory stays flat however long the file: rows are read one at a time and written a batch at a
    time, and a reference repeated in a later batch is recognised through the database.

    :param report: where to count (a resumed import passes what its earlier run counted).
    :raise ImportFileError: if the file cannot be read as a customer CSV at all.
    """
    report = report or ImportReport()
    rows = open_file(stream)
    if "last_id_before" not in report.memo:  # kept across a resume: customers above it are this import's
        report.memo["last_id_before"] = db.session.scalar(select(func.max(Customer.id))) or 0
    state = _ImportState(
        managers={email.lower(): i for i, email in db.session.execute(select(StaffUser.id, StaffUser.email))},
        last_id_before=report.memo["last_id_before"],
    )
    in_batch: set[str] = set()

    def check(line: int, row: dict[str, str]) -> tuple[dict, list[RowError]]:
        values, errors = check_row(line, row, state.managers.get)
        if not errors and values["external_ref"] in in_batch:
            errors = [RowError(line, DUPLICATE_REF, "external_ref", values["external_ref"])]
        if not errors:
            in_batch.add(values["external_ref"])
        return values, errors

    def write(batch: list[tuple[int, dict]]) -> bool:
        in_batch.clear()  # a reference repeated in a later batch is recognised through the database
        return _write_batch(batch, state, report)

    return import_rows(rows, check, write, report, progress, batch_size)


def upsert_checked(batch: list[tuple[int, dict]], managers: dict[str, int]) -> tuple[int, int, list[RowError]]:
    """Upsert rows already read by :func:`check_row` (the API's bulk upsert), in the caller's transaction, as one
    batch of an import: the same inserts, updates and signals.

    :return: how many customers were created and updated, and the rows whose reference repeats another's.
    """
    state = _ImportState(managers=managers, last_id_before=db.session.scalar(select(func.max(Customer.id))) or 0)
    created, changed, repeated = _upsert(batch, state)
    return created, len(changed), repeated


@dataclass
class _ImportState:
    """What an import remembers between batches, in constant space per customer already stored."""

    managers: dict[str, int]
    #: Customers with a higher id were created by this import.
    last_id_before: int
    #: One bit per customer that existed before: set once this import has updated it.
    updated: bytearray = field(default_factory=bytearray)

    def seen(self, customer_id: int) -> bool:
        """Tell whether this import already wrote this customer (so the row repeats a reference)."""
        if customer_id > self.last_id_before:
            return True
        byte, bit = divmod(customer_id, 8)
        return byte < len(self.updated) and bool(self.updated[byte] & (1 << bit))

    def mark(self, customer_id: int) -> None:
        """Remember that this import updated this customer."""
        byte, bit = divmod(customer_id, 8)
        if byte >= len(self.updated):
            self.updated.extend(bytes(byte + 1 - len(self.updated)))
        self.updated[byte] |= 1 << bit


def _write_batch(batch: list[tuple[int, dict]], state: _ImportState, report: ImportReport) -> bool:
    """Upsert one batch in its own transaction; on failure roll it back, record it and stop."""
    marked: list[int] = []

    def tally(written: tuple[int, list[dict], list[RowError]]) -> None:
        created, changed, repeated = written
        marked.extend(row["id"] for row in changed)
        report.errors.extend(repeated)
        report.created += created
        report.updated += len(changed)

    if not commit_batch(batch, report, lambda: _upsert(batch, state), tally):
        return False
    for customer_id in marked:
        state.mark(customer_id)
    return True


def _upsert(batch: list[tuple[int, dict]], state: _ImportState) -> tuple[int, list[dict], list[RowError]]:
    """Insert the new customers of a batch and update the known ones (the caller commits).

    :return: how many were created, the rows updated, and the references this import already wrote.
    """
    refs = [v["external_ref"] for _line, v in batch]
    existing = dict(db.session.execute(select(Customer.external_ref, Customer.id)
                                       .where(Customer.external_ref.in_(refs))).all())
    new, changed, repeated = [], [], []
    for line, values in batch:
        customer_id = existing.get(values["external_ref"])
        if customer_id is None:
            new.append(values)
        elif state.seen(customer_id):
            repeated.append(RowError(line, DUPLICATE_REF, "external_ref", values["external_ref"]))
        else:
            changed.append({**values, "id": customer_id})
    turning = _turning(new, changed)
    connection = db.session.connection()
    if new:
        defaults = {"name": "", "email": None, "locale": "en", "segment": None, "account_manager_id": None,
                    "annual_revenue": None, "customer_since": None, "last_purchase": None,
                    "status": CustomerStatus.ACTIVE, "lost_at": None, "unreachable": False, "opted_out": False,
                    "status_manual": False}
        defaults["created_at"] = utcnow()  # one batch, one moment
        insert_many(connection, Customer.__table__, [{**defaults, **v} for v in new])
    for keys, rows in _by_columns(changed).items():
        connection.execute(update(Customer.__table__).where(Customer.__table__.c.id == _bind("id"))
                           .values({k: _bind(k) for k in keys if k != "id"}),
                           [{f"p_{k}": v for k, v in r.items()} for r in rows])
    if changed:  # existing customers may have answers that reports count
        customer_changed.send(None, customer_ids=[row["id"] for row in changed])
    _announce_turns(turning)
    return len(new), changed, repeated


def _turning(new: list[dict], changed: list[dict]) -> dict[CustomerStatus, list[str]]:
    """The references the file makes lost or returned that were not so before (read before writing)."""
    wanted = {status: [v["external_ref"] for v in (*new, *changed) if v.get("status") == status]
              for status in (CustomerStatus.LOST, CustomerStatus.RETURNED)}
    refs = [ref for listed in wanted.values() for ref in listed]
    if not refs:
        return {}
    before = dict(db.session.execute(select(Customer.external_ref, Customer.status)
                                     .where(Customer.external_ref.in_(refs))).all())
    return {status: [ref for ref in listed if before.get(ref) != status
                     and (status == CustomerStatus.LOST or before.get(ref) == CustomerStatus.LOST)]
            for status, listed in wanted.items()}


def _announce_turns(turning: dict[CustomerStatus, list[str]]) -> None:
    """Say who the file made lost, and which lost customers it made returned (after the rows are written)."""
    for status, signal in ((CustomerStatus.LOST, customer_lost), (CustomerStatus.RETURNED, customer_returned)):
        refs = turning.get(status)
        if refs:
            ids = list(db.session.scalars(select(Customer.id).where(Customer.external_ref.in_(refs))))
            signal.send(None, customer_ids=ids)


def _bind(name: str):
    return bindparam(f"p_{name}")


def _by_columns(rows: list[dict]) -> dict[tuple, list[dict]]:
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        groups.setdefault(tuple(sorted(row)), []).append(row)
    return groups
