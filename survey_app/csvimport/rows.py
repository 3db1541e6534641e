"""Reading CSV files exported from spreadsheets, writing their good rows in batches, reporting the bad ones.

Accepts UTF-8 with or without BOM and comma or semicolon separators (Excel in France and Poland
writes semicolons). Files are streamed line by line and written a batch at a time, so memory stays
flat however long they are. Each batch is one transaction: a failure mid-file leaves the database
as it was before that batch, and the report says so.
"""
from __future__ import annotations

import codecs
import csv
import io
import logging
import re
from collections import deque
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO, TypeVar

from ..extensions import db
from ..languages import parse_locale as parse_locale  # shared by the imports
from ..spreadsheet import csv_writer, safe_cell

#: Why a row was refused, in any import (each import adds its own reasons; translated where shown).
MISSING_REF = "missing_ref"
BAD_LOCALE = "bad_locale"
TOO_LONG = "too_long"
BAD_ROW = "bad_row"
EXTRA_VALUES = "extra_values"
BATCH_FAILED = "batch_failed"
UNCLOSED_QUOTE = "unclosed_quote"
BAD_ENCODING = "bad_encoding"
BAD_VALUE = "bad_value"
#: Why a whole file was refused.
BAD_HEADER = "bad_header"
NOT_UTF8 = "not_utf8"

V = TypeVar("V")
T = TypeVar("T")

logger = logging.getLogger(__name__)
#: A quoted value may span at most this many lines; a quote still open after them was never closed.
MAX_RECORD_LINES = 1000


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
    #: Lines up to this one were dealt with by an earlier run of the same import (resumed after an interruption).
    resume_after: int = 0
    #: What an import keeps between runs (saved with each checkpoint).
    memo: dict = field(default_factory=dict)
    #: Called with the last line of each batch inside the batch's transaction, before it commits.
    checkpoint: Callable[[int], None] | None = None

    @property
    def rejected(self) -> int:
        """Rows left out (a row with several problems counts once)."""
        return len({e.line for e in self.errors if e.reason != BATCH_FAILED})

    def counts(self) -> tuple[int, int, int, int]:
        """(created, updated, skipped, errors listed): to put back if a batch is rolled back."""
        return self.created, self.updated, self.skipped, len(self.errors)

    def restore(self, counts: tuple[int, int, int, int]) -> None:
        """Forget what a rolled-back batch counted."""
        self.created, self.updated, self.skipped, errors = counts
        del self.errors[errors:]


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

    def seekable(self) -> bool:
        return _seekable(self.raw)

    def seek(self, offset: int, whence: int = 0) -> int:
        self.done = self.raw.seek(offset, whence)
        return self.done


def _seekable(stream: BinaryIO) -> bool:
    check = getattr(stream, "seekable", None)
    return bool(check and check())


def check_utf8(stream: BinaryIO, chunk_size: int = 1 << 20) -> None:
    """Read a whole file to make sure it is UTF-8 text, then go back to its start.

    :raise ImportFileError: naming the first line that is not UTF-8 (nothing has been imported yet).
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    lines_before = 0
    while chunk := stream.read(chunk_size):
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError as error:
            pending = len(error.object) - len(chunk)  # bytes held over from the previous chunk
            bad_at = max(0, error.start - pending)
            raise ImportFileError(NOT_UTF8, str(lines_before + chunk[:bad_at].count(b"\n") + 1)) from error
        lines_before += chunk.count(b"\n")
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as error:
        raise ImportFileError(NOT_UTF8, str(lines_before + 1)) from error
    stream.seek(0)


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


#: Bytes that are not UTF-8 arrive as these lone surrogates (``surrogateescape``).
_UNDECODED = re.compile("[\udc80-\udcff]")


def _text_lines(stream: BinaryIO) -> io.TextIOWrapper:
    """Decode the stream as UTF-8 (a BOM is dropped), line by line, without reading it whole.

    Lines end only at ``\n``, ``\r\n`` or ``\r``, as the csv module expects: form feeds, ``\x1e``
    or U+2028 in a pasted text are data, not line breaks. Bytes that are not UTF-8 come through as
    lone surrogates, so the line holding them can be reported instead of stopping the import.
    """
    return io.TextIOWrapper(io.BufferedReader(_RawReader(stream)), encoding="utf-8-sig", errors="surrogateescape",
                            newline="")


class _UnclosedQuote(Exception):
    """A quoted value ran on past :data:`MAX_RECORD_LINES` lines."""


class _Lines:
    """Numbered lines for the csv reader, remembering those of the record being read, with a push-back buffer."""

    def __init__(self, source: Iterator[str], first_number: int) -> None:
        self._source = source
        self._back: deque[tuple[int, str]] = deque()
        self._number = first_number - 1
        #: The lines the current record was read from.
        self.taken: list[tuple[int, str]] = []
        #: The source ran out while the current record was read.
        self.exhausted = False

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if len(self.taken) >= MAX_RECORD_LINES:
            raise _UnclosedQuote()
        if self._back:
            item = self._back.popleft()
        else:
            try:
                text = next(self._source)
            except StopIteration:
                self.exhausted = True
                raise
            if "\0" in text:  # NUL is never data, and PostgreSQL refuses it
                text = text.replace("\0", "")
            self._number += 1
            item = (self._number, text)
        self.taken.append(item)
        return item[1]

    def start_record(self) -> None:
        """Forget the lines of the previous record."""
        self.taken = []
        self.exhausted = False

    def read_again_after_first(self) -> None:
        """The current record is broken at its first line: read the lines after it again as new records."""
        self._back.extendleft(reversed(self.taken[1:]))
        self.taken = self.taken[:1]


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
        if _seekable(stream):  # a file: refuse it whole, before anything is imported, if it is not UTF-8
            check_utf8(stream)
        self._lines = _text_lines(stream)  # NUL is never data, and PostgreSQL refuses it: _Lines drops it
        first = next(self._lines, "").replace("\0", "")
        if _UNDECODED.search(first):
            raise ImportFileError(NOT_UTF8, "1")
        self._delimiter = _dialect(first)
        #: Column names as found in the file, normalised (lower case, ``_`` for spaces).
        self.header = [h.strip().lower().replace(" ", "_")
                       for h in next(csv.reader([first], delimiter=self._delimiter), [])]
        names = set(self.header)
        if not names.issuperset(required) or (one_of and names.isdisjoint(one_of)):
            raise ImportFileError(BAD_HEADER, ", ".join(self.header))
        self._columns = frozenset(columns)
        #: (position, name) of the columns kept; a name repeated in the header keeps its last value.
        self._kept = [(i, name) for i, name in enumerate(self.header) if name in self._columns]
        #: Every column of the header is kept (the usual case: rows are built with one dict(zip())).
        self._keep_all = len(self._kept) == len(self.header)
        self._refuse_extra_values = refuse_extra_values

    def __iter__(self) -> Iterator[tuple[int, dict[str, str] | RowError]]:
        """Yield (line number, row) for each non-empty record, or (line number, why it cannot be read).

        A record's line is the one it starts on. A quote that is never closed is reported at its line and
        the lines after it are read again, so it cannot swallow the rest of the file.
        """
        lines = _Lines(self._lines, first_number=2)
        reader = csv.reader(lines, delimiter=self._delimiter)
        while True:
            lines.start_record()
            try:
                record = next(reader)
            except StopIteration:
                return
            except (csv.Error, _UnclosedQuote) as error:  # e.g. a value over the csv module's size limit
                yield self._broken(lines, UNCLOSED_QUOTE if isinstance(error, _UnclosedQuote) else BAD_ROW)
                reader = csv.reader(lines, delimiter=self._delimiter)
                continue
            if lines.exhausted and len(lines.taken) > 1 and self._quote_left_open(lines.taken):
                yield self._broken(lines, UNCLOSED_QUOTE)
                reader = csv.reader(lines, delimiter=self._delimiter)
                continue
            if not "".join(record).strip():
                continue
            taken = lines.taken
            line = taken[0][0]
            if (_UNDECODED.search(taken[0][1]) if len(taken) == 1
                    else any(_UNDECODED.search(text) for _number, text in taken)):
                yield line, RowError(line, BAD_ENCODING)
                continue
            if self._refuse_extra_values and any(cell.strip() for cell in record[len(self.header):]):
                yield line, RowError(line, EXTRA_VALUES, "", record[len(self.header)].strip()[:40])
                continue
            if len(record) >= len(self.header):
                yield line, (dict(zip(self.header, map(str.strip, record), strict=False)) if self._keep_all
                             else {name: record[i].strip() for i, name in self._kept})
            else:
                yield line, {name: (record[i].strip() if i < len(record) else "") for i, name in self._kept}

    @staticmethod
    def _broken(lines: _Lines, reason: str) -> tuple[int, RowError]:
        """Report the record at its first line and read the lines after that one again."""
        line, text = lines.taken[0]
        lines.read_again_after_first()
        return line, RowError(line, reason, "", _UNDECODED.sub("\ufffd", text.strip())[:40])

    def _quote_left_open(self, taken: list[tuple[int, str]]) -> bool:
        """Tell whether a record that ran to the end of the file did so inside a quoted value."""
        try:
            list(csv.reader([text for _number, text in taken], delimiter=self._delimiter, strict=True))
        except csv.Error as error:
            return "unexpected end of data" in str(error)
        return False


def read_rows(stream: BinaryIO, columns: Collection[str], required: Collection[str] = ("external_ref",),
              one_of: Collection[str] = (), refuse_extra_values: bool = False) -> CsvRows:
    """Check the header of a CSV stream and return its rows, keeping ``columns`` (see :class:`CsvRows`).

    :raise ImportFileError: if the file is not UTF-8 or its header lacks a column it needs.
    """
    return CsvRows(stream, columns, required, one_of, refuse_extra_values)


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
        if line <= report.resume_after:  # an earlier run imported it, or reported it
            continue
        if isinstance(row, RowError):
            report.errors.append(row)
            continue
        try:
            values, errors = check(line, row)
        except Exception:  # no single value may stop an import: this row is refused, the others go on
            logger.exception("Line %s could not be checked", line)
            values, errors = None, [RowError(line, BAD_VALUE)]
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


def commit_batch(batch: list[tuple[int, object]], report: ImportReport, write: Callable[[], T],
                 tally: Callable[[T], None]) -> bool:
    """Run ``write``, count what it did with ``tally``, checkpoint and commit, as one transaction.

    If anything fails, roll back, forget what the batch counted, report it at the batch's first line and
    return False (the import stops there; every batch before it is kept).
    """
    from ..jobs.services import LostJob

    first_line, last_line = batch[0][0], batch[-1][0]
    before = report.counts()
    try:
        tally(write())
        if report.checkpoint is not None:
            report.checkpoint(last_line)
        db.session.commit()
    except LostJob:  # another run owns the import now: this one must write nothing more
        db.session.rollback()
        raise
    except Exception as error:
        db.session.rollback()
        logger.warning("Batch of lines %s-%s refused: %s", first_line, last_line, error)
        report.restore(before)
        report.errors.append(RowError(first_line, BATCH_FAILED, "", f"{first_line}-{last_line}: "
                                      f"{type(getattr(error, 'orig', error)).__name__}"))
        report.stopped_at_line = first_line
        return False
    return True


def report_lines(errors: Iterable[RowError], describe: Callable[[RowError], str]) -> Iterator[str]:
    """The refused rows as CSV text (line, column, value, reason), in pieces of about 64 kB."""
    buffer = io.StringIO()
    writer = csv_writer(buffer)  # every text cell quoted: a ";" cannot start a new cell in Excel
    writer.writerow(["line", "column", "value", "reason"])
    for error in errors:  # never a formula in a spreadsheet
        writer.writerow([error.line, error.column, safe_cell(error.value), describe(error)])
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def report_csv(report: ImportReport, describe: Callable[[RowError], str]) -> str:
    """The refused rows as CSV (line, column, value, reason), for download."""
    return "".join(report_lines(report.errors, describe))
