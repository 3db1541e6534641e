"""Reading CSV files exported from spreadsheets, writing their good rows in batches, reporting the bad ones.

Accepts UTF-8 with or without BOM and comma or semicolon separators (Excel in France and Poland
writes semicolons). Files are streamed line by line and written a batch at a time, so memory stays
flat however long they are. Each batch is one transaction: a failure mid-file leaves the database
as it was before that batch, and the report says so.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO, TypeVar

from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from ..spreadsheet import safe_cell
from ..i18n import LANGUAGES

#: Why a row was refused, in any import (each import adds its own reasons; translated where shown).
MISSING_REF = "missing_ref"
BAD_LOCALE = "bad_locale"
TOO_LONG = "too_long"
BAD_ROW = "bad_row"
EXTRA_VALUES = "extra_values"
BATCH_FAILED = "batch_failed"
#: Why a whole file was refused.
BAD_HEADER = "bad_header"
NOT_UTF8 = "not_utf8"

V = TypeVar("V")
T = TypeVar("T")


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

    #: Rows that added a record.
    created: int = 0
    #: Rows that changed an existing record.
    updated: int = 0
    #: Rows left alone because they were imported before.
    skipped: int = 0
    errors: list[RowError] = field(default_factory=list)
    #: First line of the batch the database refused; nothing from there on was imported.
    stopped_at_line: int | None = None

    @property
    def rejected(self) -> int:
        """Rows left out (a row with several problems counts once)."""
        return len({e.line for e in self.errors if e.reason != BATCH_FAILED})


class ImportFileError(ValueError):
    """The file cannot be imported at all (encoding, missing columns, or nowhere to put its rows)."""

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


class _RawReader(io.RawIOBase):
    """Any object with ``read(size)`` as a raw binary stream (for buffering and decoding)."""

    def __init__(self, stream: BinaryIO) -> None:
        super().__init__()
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._stream.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)


def _text_lines(stream: BinaryIO) -> Iterator[str]:
    """Decode the stream as UTF-8 (a BOM is dropped), line by line, without reading it whole.

    Lines end only at ``\n``, ``\r\n`` or ``\r``, as the csv module expects: form feeds, ``\x1e``
    or U+2028 in a pasted text are data, not line breaks.
    """
    text = io.TextIOWrapper(io.BufferedReader(_RawReader(stream)), encoding="utf-8-sig", errors="strict",
                            newline="")
    try:
        yield from text
    except UnicodeDecodeError as error:
        raise ImportFileError(NOT_UTF8, str(error)) from error


def _dialect(first_line: str) -> str:
    return ";" if first_line.count(";") > first_line.count(",") else ","


class CsvRows:
    """The data lines of a CSV file, read one at a time once its header line has been checked."""

    def __init__(self, stream: BinaryIO, columns: Collection[str], required: Collection[str] = ("external_ref",),
                 one_of: Collection[str] = (), refuse_extra_values: bool = False) -> None:
        """Read and check the header line.

        :param columns: the columns kept in each row; others are ignored.
        :param required: the columns the header must name.
        :param one_of: if given, the header must name at least one of these columns too.
        :param refuse_extra_values: refuse a line with more non-empty values than the header names (an
            unquoted separator in a free text would otherwise cut the text short without a word).
        :raise ImportFileError: if the file is not UTF-8 or its header lacks a column it needs.
        """
        # NUL is never data, and PostgreSQL refuses it.
        self._lines = (line.replace("\0", "") for line in _text_lines(stream))
        first = next(self._lines, "")
        self._delimiter = _dialect(first)
        #: Column names as found in the file, normalised (lower case, ``_`` for spaces).
        self.header = [h.strip().lower().replace(" ", "_")
                       for h in next(csv.reader([first], delimiter=self._delimiter), [])]
        names = set(self.header)
        if not names.issuperset(required) or (one_of and names.isdisjoint(one_of)):
            raise ImportFileError(BAD_HEADER, ", ".join(self.header))
        self._columns = frozenset(columns)
        self._refuse_extra_values = refuse_extra_values

    def __iter__(self) -> Iterator[tuple[int, dict[str, str] | RowError]]:
        """Yield (line number, row) for each non-empty line, or (line number, why it cannot be read)."""
        reader = csv.reader(self._lines, delimiter=self._delimiter)
        while True:
            try:
                record = next(reader)
            except StopIteration:
                return
            except csv.Error:  # e.g. a field over the csv module's size limit: report the line, go on
                yield reader.line_num + 1, RowError(reader.line_num + 1, BAD_ROW)
                continue
            if not any(cell.strip() for cell in record):
                continue
            line = reader.line_num + 1
            if self._refuse_extra_values and any(cell.strip() for cell in record[len(self.header):]):
                yield line, RowError(line, EXTRA_VALUES, "", record[len(self.header)].strip()[:40])
                continue
            yield line, {name: (record[i].strip() if i < len(record) else "")
                         for i, name in enumerate(self.header) if name in self._columns}


def read_rows(stream: BinaryIO, columns: Collection[str], required: Collection[str] = ("external_ref",),
              one_of: Collection[str] = (), refuse_extra_values: bool = False) -> CsvRows:
    """Check the header of a CSV stream and return its rows, keeping ``columns`` (see :class:`CsvRows`).

    :raise ImportFileError: if the file is not UTF-8 or its header lacks a column it needs.
    """
    return CsvRows(stream, columns, required, one_of, refuse_extra_values)


def parse_locale(value: str) -> str | None:
    """The application language named by "pl", "PL", "pl-PL" or "pl_PL"; None if there is none."""
    locale = re.split(r"[-_]", value.lower())[0]
    return locale if locale in LANGUAGES else None


def import_rows(rows: Iterable[tuple[int, dict[str, str] | RowError]],
                check: Callable[[int, dict[str, str]], tuple[V, list[RowError]]],
                write: Callable[[list[tuple[int, V]]], bool], report: ImportReport,
                progress: Callable[[int], None] | None = None, batch_size: int = 1000) -> ImportReport:
    """Check each row and hand the good ones to ``write`` a batch at a time; stop after a batch it could not write.

    :param check: turns a row into the values to write, or into the reasons it is refused.
    :param write: writes one batch of (line, values) in its own transaction; False if the database refused it.
    :param progress: told the line reached after each batch.
    """
    batch: list[tuple[int, V]] = []
    line = 1
    for line, row in rows:
        if isinstance(row, RowError):
            report.errors.append(row)
            continue
        values, errors = check(line, row)
        if errors:
            report.errors.extend(errors)
            continue
        batch.append((line, values))
        if len(batch) >= batch_size:
            if not write(batch):
                break
            batch = []
            if progress:
                progress(line)
    else:
        if batch:
            write(batch)
        if progress:
            progress(line)
    report.errors.sort(key=lambda error: error.line)
    return report


def commit_batch(batch: list[tuple[int, object]], report: ImportReport, write: Callable[[], T]) -> T | None:
    """Run ``write`` and commit it as one transaction; if the database refuses, roll back, report it and return None."""
    first_line, last_line = batch[0][0], batch[-1][0]
    try:
        result = write()
        db.session.commit()
    except SQLAlchemyError as error:
        db.session.rollback()
        report.errors.append(RowError(first_line, BATCH_FAILED, "", f"{first_line}-{last_line}: "
                                      f"{type(getattr(error, 'orig', error)).__name__}"))
        report.stopped_at_line = first_line
        return None
    return result


def report_csv(report: ImportReport, describe: Callable[[RowError], str]) -> str:
    """The refused rows as CSV (line, column, value, reason), for download."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["line", "column", "value", "reason"])
    for error in report.errors:  # never a formula in a spreadsheet
        writer.writerow([error.line, error.column, safe_cell(error.value), describe(error)])
    return buffer.getvalue()
