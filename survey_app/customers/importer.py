"""Customer CSV import: streamed, validated row by row, upserted in batches by ``external_ref``.

Accepts UTF-8 with or without BOM, comma or semicolon separators (Excel in France and Poland
writes semicolons), decimal comma or point, ISO dates. Bad rows are reported with their line
number and left out; good rows are imported. Each batch is one transaction: a failure mid-file
leaves the database as it was before that batch, and the report says so.
"""
from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import BinaryIO

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.exc import SQLAlchemyError

from ..auth.models import StaffUser
from ..dbtypes import utcnow
from ..extensions import db
from ..i18n import LANGUAGES
from .models import Customer, CustomerStatus

COLUMNS = ("external_ref", "name", "email", "locale", "segment", "account_manager", "annual_revenue",
           "customer_since", "last_purchase", "status", "lost_at")
BATCH_SIZE = 1000
_MONEY_SPACES = re.compile(r"[\s\u00a0\u202f']")

#: Why a row was refused (translated where shown).
MISSING_REF = "missing_ref"
DUPLICATE_REF = "duplicate_ref"
BAD_EMAIL = "bad_email"
BAD_LOCALE = "bad_locale"
BAD_NUMBER = "bad_number"
BAD_DATE = "bad_date"
BAD_STATUS = "bad_status"
UNKNOWN_MANAGER = "unknown_manager"
TOO_LONG = "too_long"
BAD_ROW = "bad_row"
BAD_HEADER = "bad_header"
BATCH_FAILED = "batch_failed"


@dataclass(frozen=True)
class RowError:
    """One refused row (or batch): its line number in the file, a reason code and the value at fault."""

    line: int
    reason: str
    column: str = ""
    value: str = ""


@dataclass
class ImportReport:
    """What an import did."""

    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    stopped_at_line: int | None = None

    @property
    def rejected(self) -> int:
        """Rows left out (a row with several problems counts once)."""
        return len({e.line for e in self.errors if e.reason != BATCH_FAILED})


class ImportFileError(ValueError):
    """The file cannot be read as a customer CSV at all (encoding, missing header)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason)
        self.reason, self.detail = reason, detail


class CountingReader:
    """A binary file that remembers how many bytes have been read from it (for progress displays)."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw, self.done = raw, 0

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.done += len(data)
        return data


def _text_lines(stream: BinaryIO) -> Iterator[str]:
    """Decode the stream as UTF-8 (a BOM is dropped), line by line, without reading it whole."""
    reader = codecs.getreader("utf-8-sig")(stream, errors="strict")
    try:
        yield from reader
    except UnicodeDecodeError as error:
        raise ImportFileError("not_utf8", str(error)) from error


def _dialect(first_line: str) -> str:
    return ";" if first_line.count(";") > first_line.count(",") else ","


def read_rows(stream: BinaryIO) -> Iterator[tuple[int, dict[str, str] | None]]:
    """Yield (line number, row) with normalised header names; the row is None when the line is not valid CSV.

    :raise ImportFileError: if the file is not UTF-8 or has no ``external_ref`` column.
    """
    lines = (line.replace("\0", "") for line in _text_lines(stream))  # NUL is never data, and PostgreSQL refuses it
    first = next(lines, "")
    delimiter = _dialect(first)
    header = [h.strip().lower().replace(" ", "_") for h in next(csv.reader([first], delimiter=delimiter), [])]
    if "external_ref" not in header:
        raise ImportFileError(BAD_HEADER, ", ".join(header))
    reader = csv.reader(lines, delimiter=delimiter)
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error:  # e.g. a field over the csv module's size limit: report the line, go on
            yield reader.line_num + 1, None
            continue
        if not any(cell.strip() for cell in record):
            continue
        yield reader.line_num + 1, {name: (record[i].strip() if i < len(record) else "")
                                    for i, name in enumerate(header) if name in COLUMNS}


def parse_decimal(value: str) -> Decimal:
    """Read "12 345,50", "12345.50" or "12,345.50".

    :raise InvalidOperation: if it is not a number.
    """
    value = _MONEY_SPACES.sub("", value)
    if "," in value and "." in value:  # the last separator is the decimal one
        thousands = "," if value.rfind(".") > value.rfind(",") else "."
        value = value.replace(thousands, "")
    value = value.replace(",", ".")
    number = Decimal(value)
    if not number.is_finite() or number < 0 or number >= Decimal("1e12"):
        raise InvalidOperation(value)
    return number.quantize(Decimal("0.01"))


def check_row(line: int, row: dict[str, str], managers: Callable[[str], int | None]) -> tuple[dict, list[RowError]]:
    """Turn one row into customer columns, or into the reasons it is refused."""
    errors: list[RowError] = []
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
                values["email"] = validate_email(row["email"], check_deliverability=False).normalized
            except EmailNotValidError:
                errors.append(RowError(line, BAD_EMAIL, "email", row["email"]))
        else:
            values["email"] = None
    if row.get("locale"):
        locale = re.split(r"[-_]", row["locale"].lower())[0]  # "pl", "PL", "pl-PL", "pl_PL"
        if locale in LANGUAGES:
            values["locale"] = locale
        else:
            errors.append(RowError(line, BAD_LOCALE, "locale", row["locale"]))
    if row.get("status"):
        try:
            values["status"] = CustomerStatus(row["status"].lower())
        except ValueError:
            errors.append(RowError(line, BAD_STATUS, "status", row["status"]))
    if row.get("annual_revenue"):
        try:
            values["annual_revenue"] = parse_decimal(row["annual_revenue"])
        except (InvalidOperation, ValueError):
            errors.append(RowError(line, BAD_NUMBER, "annual_revenue", row["annual_revenue"]))
    for column in ("customer_since", "last_purchase", "lost_at"):
        if row.get(column):
            try:
                values[column] = date.fromisoformat(row[column])
            except ValueError:
                errors.append(RowError(line, BAD_DATE, column, row[column]))
    if row.get("account_manager"):
        manager_id = managers(row["account_manager"].lower())
        if manager_id is None:
            errors.append(RowError(line, UNKNOWN_MANAGER, "account_manager", row["account_manager"]))
        else:
            values["account_manager_id"] = manager_id
    return values, errors


def import_customers(stream: BinaryIO, progress: Callable[[int], None] | None = None,
                     batch_size: int = BATCH_SIZE) -> ImportReport:
    """Import a customer CSV from a binary stream; ``progress`` is told the line reached after each batch.

    Memory stays flat however long the file: rows are read one at a time and written a batch at a
    time, and a reference repeated in a later batch is recognised through the database.

    :raise ImportFileError: if the file cannot be read as a customer CSV at all.
    """
    report = ImportReport()
    state = _ImportState(
        managers={email.lower(): i for i, email in db.session.execute(select(StaffUser.id, StaffUser.email))},
        last_id_before=db.session.scalar(select(func.max(Customer.id))) or 0,
    )
    batch: list[tuple[int, dict]] = []
    in_batch: set[str] = set()
    line = 1
    for line, row in read_rows(stream):
        if row is None:
            report.errors.append(RowError(line, BAD_ROW))
            continue
        values, errors = check_row(line, row, state.managers.get)
        if not errors and values["external_ref"] in in_batch:
            errors = [RowError(line, DUPLICATE_REF, "external_ref", values["external_ref"])]
        if errors:
            report.errors.extend(errors)
            continue
        in_batch.add(values["external_ref"])
        batch.append((line, values))
        if len(batch) >= batch_size:
            if not _write_batch(batch, state, report):
                report.errors.sort(key=lambda error: error.line)
                return report
            batch, in_batch = [], set()
            if progress:
                progress(line)
    if batch:
        _write_batch(batch, state, report)
    if progress:
        progress(line)
    report.errors.sort(key=lambda error: error.line)
    return report


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
    first_line, last_line = batch[0][0], batch[-1][0]
    refs = [v["external_ref"] for _line, v in batch]
    try:
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
        connection = db.session.connection()
        if new:
            defaults = {"name": "", "email": None, "locale": "en", "segment": None, "account_manager_id": None,
                        "annual_revenue": None, "customer_since": None, "last_purchase": None,
                        "status": CustomerStatus.ACTIVE, "lost_at": None, "unreachable": False, "opted_out": False}
            connection.execute(insert(Customer.__table__),
                               [{**defaults, **v, "created_at": utcnow()} for v in new])
        for keys, rows in _by_columns(changed).items():
            connection.execute(update(Customer.__table__).where(Customer.__table__.c.id == _bind("id"))
                               .values({k: _bind(k) for k in keys if k != "id"}),
                               [{f"p_{k}": v for k, v in r.items()} for r in rows])
        db.session.commit()
    except SQLAlchemyError as error:
        db.session.rollback()
        report.errors.append(RowError(first_line, BATCH_FAILED, "", f"{first_line}-{last_line}: "
                                      f"{type(getattr(error, 'orig', error)).__name__}"))
        report.stopped_at_line = first_line
        return False
    for row in changed:
        state.mark(row["id"])
    report.errors.extend(repeated)
    report.created += len(new)
    report.updated += len(changed)
    return True


def _bind(name: str):
    return bindparam(f"p_{name}")


def _by_columns(rows: list[dict]) -> dict[tuple, list[dict]]:
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        groups.setdefault(tuple(sorted(row)), []).append(row)
    return groups


def report_csv(report: ImportReport, describe: Callable[[RowError], str]) -> str:
    """The refused rows as CSV (line, column, value, reason), for download."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["line", "column", "value", "reason"])
    for error in report.errors:
        value = error.value
        if value[:1] in ("=", "+", "-", "@"):  # never a formula in a spreadsheet
            value = "'" + value
        writer.writerow([error.line, error.column, value, describe(error)])
    return buffer.getvalue()
