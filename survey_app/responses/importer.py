"""Past answers from a CSV file (years of exit-interview notes): one response per row, classified like any other
(the texts of each batch classified together as it is written).

Columns: ``external_ref`` (an existing customer), ``submitted_at`` (ISO date or date-time, UTC unless
it names its offset), ``locale`` (empty: the customer's), ``channel`` (email, link or interview;
empty: interview), and ``reason_code``, ``text`` or both. A row whose customer already has a
response to the survey at that very time is skipped, so importing a file again adds nothing. Closed
surveys take imports too: these answers were given in the past. Each batch is one transaction.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import BinaryIO

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from ..bounds import check_day
from ..classification.services import classify_rows, ensure_model
from ..csvimport.rows import (
    BAD_LOCALE,
    BAD_VALUE,
    MISSING_REF,
    TOO_LONG,
    CsvRows,
    ImportFileError,
    ImportReport,
    RowError,
    commit_batch,
    import_rows,
    parse_locale,
    read_rows,
)
from ..customers.models import Customer
from ..dbtypes import utcnow
from ..extensions import db
from ..signals import answers_changed
from ..surveys.models import QuestionType
from .definition import SurveyDefinition
from .models import Channel, Response
from .services import answer_rows, record_response

logger = logging.getLogger(__name__)

COLUMNS = ("external_ref", "submitted_at", "locale", "channel", "reason_code", "text")
BATCH_SIZE = 500

#: Why a row was refused (translated where shown); missing_ref, bad_locale and too_long are shared.
UNKNOWN_CUSTOMER = "unknown_customer"
MISSING_DATE = "missing_date"
BAD_DATETIME = "bad_datetime"
FUTURE_DATE = "future_date"
BAD_CHANNEL = "bad_channel"
UNKNOWN_REASON = "unknown_reason"
NO_ANSWER = "no_answer"
#: Why a whole file cannot go into this survey.
NO_REASON_QUESTION = "no_reason_question"
NO_TEXT_QUESTION = "no_text_question"
ANONYMOUS_SURVEY = "anonymous_survey"


@dataclass(frozen=True)
class Target:
    """Where the rows go: a survey, and the questions a reason code and a text answer."""

    definition: SurveyDefinition
    #: The survey's main-reason question, if the file has a reason_code column.
    reason_question: int | None
    #: The survey's first free-text question, if the file has a text column.
    text_question: int | None


@dataclass(frozen=True)
class PastAnswer:
    """A row that passed the checks, waiting for its customer to be looked up."""

    external_ref: str
    submitted_at: datetime
    #: None: the customer's language.
    locale: str | None
    channel: Channel
    reason_code: str
    text: str


def _first_question(definition: SurveyDefinition, qtype: QuestionType) -> int | None:
    return next((q.id for q in definition.questions if q.type == qtype), None)


def open_file(stream: BinaryIO, definition: SurveyDefinition) -> tuple[CsvRows, Target]:
    """Check the header against the survey and return the rows with where their answers go.

    :raise ImportFileError: if the file is not UTF-8, lacks a column it needs, or the survey cannot take
        its answers (anonymous, or without the question a column answers).
    """
    if definition.anonymous:  # its responses name no customer, so a second import could not be recognised
        raise ImportFileError(ANONYMOUS_SURVEY)
    rows = read_rows(stream, COLUMNS, required=("external_ref", "submitted_at"), one_of=("reason_code", "text"),
                     refuse_extra_values=True)
    reason_question = _first_question(definition, QuestionType.MAIN_REASON)
    text_question = _first_question(definition, QuestionType.FREE_TEXT)
    if "reason_code" in rows.header and reason_question is None:
        raise ImportFileError(NO_REASON_QUESTION)
    if "text" in rows.header and text_question is None:
        raise ImportFileError(NO_TEXT_QUESTION)
    return rows, Target(definition, reason_question, text_question)


def parse_when(value: str) -> datetime | None:
    """Read "2024-03-31", "2024-03-31 14:05" or "2024-03-31T14:05:00+02:00" as a naive UTC time; None if not ISO
    or not between 1900 and 2999."""
    try:
        when = datetime.fromisoformat(value)
        if when.tzinfo is not None:
            when = when.astimezone(timezone.utc).replace(tzinfo=None)
        check_day(when.date())
    except (ValueError, OverflowError):  # OverflowError: "0001-01-01T00:00+01:00" is before year 1 in UTC
        return None
    return when


def check_row(line: int, row: dict[str, str], definition: SurveyDefinition, max_text: int,
              now: datetime) -> tuple[PastAnswer | None, list[RowError]]:
    """Turn one row into a past answer, or into the reasons it is refused (the customer is looked up later)."""
    errors: list[RowError] = []
    ref = row.get("external_ref", "")
    if not ref:
        errors.append(RowError(line, MISSING_REF, "external_ref"))
    submitted_at = parse_when(row["submitted_at"]) if row.get("submitted_at") else None
    if not row.get("submitted_at"):
        errors.append(RowError(line, MISSING_DATE, "submitted_at"))
    elif submitted_at is None:
        errors.append(RowError(line, BAD_DATETIME, "submitted_at", row["submitted_at"]))
    elif submitted_at > now:
        errors.append(RowError(line, FUTURE_DATE, "submitted_at", row["submitted_at"]))
    locale = parse_locale(row["locale"]) if row.get("locale") else None
    if row.get("locale") and locale is None:
        errors.append(RowError(line, BAD_LOCALE, "locale", row["locale"]))
    channel = Channel.INTERVIEW
    if row.get("channel"):
        try:
            channel = Channel(row["channel"].lower())
        except ValueError:
            errors.append(RowError(line, BAD_CHANNEL, "channel", row["channel"]))
    code, text = row.get("reason_code", "").lower(), row.get("text", "")
    if code and definition.reason(code) is None:
        errors.append(RowError(line, UNKNOWN_REASON, "reason_code", row["reason_code"]))
    if len(text) > max_text:
        errors.append(RowError(line, TOO_LONG, "text", text[:40]))
    if not code and not text:
        errors.append(RowError(line, NO_ANSWER, "reason_code, text"))
    if errors:
        return None, errors
    return PastAnswer(ref, submitted_at, locale, channel, code, text), []


def import_responses(stream: BinaryIO, definition: SurveyDefinition, progress: Callable[[int], None] | None = None,
                     batch_size: int = BATCH_SIZE, report: ImportReport | None = None) -> ImportReport:
    """Import past answers to the survey ``definition`` from a CSV stream; ``progress`` is told the line reached.

    :param report: where to count (a resumed import passes what its earlier run counted).
    :raise ImportFileError: if the file cannot be imported into this survey at all.
    """
    rows, target = open_file(stream, definition)
    max_text, now = current_app.config["MAX_TEXT_LENGTH"], utcnow()
    report = report or ImportReport()
    model_asked: list[bool] = []

    def write(batch: list[tuple[int, PastAnswer]]) -> bool:
        if not model_asked and any(answer.text for _line, answer in batch):
            model_asked.append(True)
            _model_ready()
        return _write_batch(batch, target, report)

    return import_rows(rows, lambda line, row: check_row(line, row, definition, max_text, now), write, report,
                       progress, batch_size)


def _model_ready() -> None:
    """Make sure a model exists before the first batch with a text (a fresh install trains it from the shipped
    examples; a file of reason codes alone needs none); if it cannot be, the texts are stored pending and sorted
    later."""
    try:
        ensure_model()
    except Exception:
        logger.exception("No classifier could be made ready; imported texts will be sorted later")
        db.session.rollback()


def _write_batch(batch: list[tuple[int, PastAnswer]], target: Target, report: ImportReport) -> bool:
    """Store one batch in its own transaction; on failure roll it back, record it and stop."""

    def tally(stored: tuple[int, int, list[RowError], dict[str, int]]) -> None:
        created, skipped, unknown, sorting = stored
        report.created += created
        report.skipped += skipped
        report.errors.extend(unknown)
        for key, count in sorting.items():
            report.memo[key] = report.memo.get(key, 0) + count

    return commit_batch(batch, report, lambda: _store(batch, target), tally)


def _store(batch: list[tuple[int, PastAnswer]], target: Target) -> tuple[int, int, list[RowError], dict[str, int]]:
    """Store the answers of a batch not imported before, their texts classified as one batch (the caller commits).

    :return: how many were created and skipped, the rows whose customer is unknown, and how many texts were
        sorted, left for review and left pending.
    """
    definition = target.definition
    customers = {ref: (customer_id, locale) for ref, customer_id, locale in db.session.execute(
        select(Customer.external_ref, Customer.id, Customer.locale)
        .where(Customer.external_ref.in_(list({answer.external_ref for _line, answer in batch}))))}
    known = {(customer_id, submitted_at) for customer_id, submitted_at in db.session.execute(
        select(Response.customer_id, Response.submitted_at)
        .where(Response.survey_id == definition.survey_id,
               Response.customer_id.in_([customer_id for customer_id, _locale in customers.values()])))}
    skipped, unknown, new = 0, [], []
    for line, answer in batch:
        if answer.external_ref not in customers:
            unknown.append(RowError(line, UNKNOWN_CUSTOMER, "external_ref", answer.external_ref))
            continue
        customer_id, customer_locale = customers[answer.external_ref]
        if (customer_id, answer.submitted_at) in known:  # imported before, or earlier in this file
            skipped += 1
            continue
        known.add((customer_id, answer.submitted_at))
        values = {}
        if answer.reason_code:
            values[target.reason_question] = answer.reason_code
        if answer.text:
            values[target.text_question] = answer.text
        locale = answer.locale or customer_locale
        new.append((line, answer, customer_id, locale, answer_rows(definition, values, locale)))
    rows = [row for *_, answer_rows_ in new for row in answer_rows_]
    sorting = classify_rows(rows, [locale for _l, _a, _c, locale, answer_rows_ in new for _ in answer_rows_])
    connection = db.session.connection()
    for line, answer, customer_id, locale, answer_rows_ in new:
        try:
            record_response(connection, definition, {}, locale=locale, channel=answer.channel,
                            customer_id=customer_id, submitted_at=answer.submitted_at, rows=answer_rows_)
        except SQLAlchemyError:
            raise  # the database refused: the whole batch is rolled back and reported
        except Exception:  # this row could not be stored: nothing of it was written, the rest goes on
            logger.exception("Line %s could not be stored", line)
            unknown.append(RowError(line, BAD_VALUE))
    created = len(new) - sum(1 for error in unknown if error.reason == BAD_VALUE)
    if created:
        answers_changed.send(None, reason="imported")
    return created, skipped, unknown, sorting
