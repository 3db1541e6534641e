"""CSV and XLSX downloads: the filtered answers, and the figures behind each chart.

Codes (bucket, cause group, source) stay machine-readable; a label column gives the viewer's language.
Every text cell that a spreadsheet could run as a formula is neutralised; CSV text cells are quoted, and stay inert
when the file is opened with ";" as list separator.
"""
from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from datetime import date

from flask import Response, request, send_file, stream_with_context

from ..audit.services import record_now
from ..customers.models import Customer
from ..extensions import db
from ..labels import bucket_label, group_label
from ..responses.models import Answer
from ..responses.models import Response as SurveyResponse
from ..spreadsheet import csv_writer, safe_cell, safe_xlsx_cell
from ..surveys.models import Question, Survey
from ..taxonomy import BUCKETS, CAUSE_GROUPS, PENDING, UNCLASSIFIED
from . import services
from .filters import ReportFilter
from .queries import filtered_answers
from .stats import BELIEF_GROUPS, wilson_interval

FORMATS = ("csv", "xlsx")
TABLES = ("answers", *services.CHARTS)
ANSWER_COLUMNS = ("response_id", "submitted_at", "survey", "kind", "channel", "locale", "customer_ref", "segment",
                  "annual_revenue", "question_type", "is_primary", "reason_code", "text", "number", "bucket",
                  "cause_group", "source", "confidence", "consent_text")


def _round(share: float) -> float:
    return round(share, 4)


def answer_rows(f: ReportFilter) -> Iterator[list]:
    """Every answer of the filtered responses, oldest first, streamed from the database.

    The query is built at once (an unknown survey is refused before anything is sent); rows come as read.
    """
    query = (filtered_answers(f, SurveyResponse.id, SurveyResponse.submitted_at, Survey.slug, Survey.kind,
                              SurveyResponse.channel, SurveyResponse.locale, Customer.external_ref, Customer.segment,
                              Customer.annual_revenue, Question.type, Answer.is_primary, Answer.reason_code,
                              Answer.text, Answer.number, Answer.bucket, Answer.cause_group, Answer.source,
                              Answer.confidence, SurveyResponse.consent_text, primary_only=False, with_customer=True)
             .join(Survey, Survey.id == SurveyResponse.survey_id).join(Question, Question.id == Answer.question_id)
             .order_by(SurveyResponse.submitted_at, SurveyResponse.id, Answer.id)
             .execution_options(yield_per=2000))
    return _stream(query)


def _stream(query) -> Iterator[list]:
    for row in db.session.execute(query):
        yield [getattr(v, "value", v) if not isinstance(v, bool) else int(v) for v in row]


def table(name: str, f: ReportFilter) -> tuple[list[str], Iterable[list]]:
    """Header and rows of one download."""
    if name == "answers":
        return list(ANSWER_COLUMNS), answer_rows(f)
    if name == "benchmark":
        data = services.survey_breakdown(f)
        rows = [[b, bucket_label(b, short=True), data.counts[b], _round(data.shares[b]),
                 *map(_round, data.interval(b)), _round(data.benchmark_shares[b])] for b in BUCKETS]
        rows.append([UNCLASSIFIED, bucket_label(UNCLASSIFIED, short=True), data.unclassified, "", "", "", ""])
        rows.append([PENDING, bucket_label(PENDING, short=True), data.pending, "", "", "", ""])
        return ["bucket", "label", "answers", "share", "low_95", "high_95", "benchmark_share"], rows
    if name == "groups":
        data = services.survey_breakdown(f)
        rows = [[c, group_label(c), data.group_counts[c], _round(data.group_shares[c]),
                 *map(_round, services.group_interval(data, c)), _round(data.benchmark_group_shares[c])]
                for c in CAUSE_GROUPS]
        return ["cause_group", "label", "answers", "share", "low_95", "high_95", "benchmark_share"], rows
    if name == "kinds":
        comparison = services.kinds(f)
        rows = [[b, bucket_label(b, short=True), comparison.exit.counts[b], _round(comparison.exit.shares[b]),
                 comparison.loyalty.counts[b], _round(comparison.loyalty.shares[b]), _round(comparison.gaps[b])]
                for b in BUCKETS]
        return ["bucket", "label", "exit_answers", "exit_share", "loyalty_answers", "loyalty_share", "gap"], rows
    if name == "beliefs":
        comparison = services.beliefs(f)
        rows = []
        for level, code, label in [*(("bucket", b, bucket_label(b, short=True)) for b in BUCKETS),
                                   *(("cause_group", c, group_label(c)) for c in CAUSE_GROUPS)]:
            row: list = [level, code, label]
            for group in BELIEF_GROUPS:
                data = comparison.of(group)
                count = data.counts[code] if level == "bucket" else data.group_counts[code]
                share = count / data.n if data.n else 0.0
                row += [count, _round(share), *map(_round, wilson_interval(count, data.n))]
            rows.append(row)
        return ["level", "cause", "label", *(f"{group}_{column}" for group in BELIEF_GROUPS
                                            for column in ("answers", "share", "low_95", "high_95"))], rows
    if name == "trend":
        rows = [[day.isoformat(), services.period_label(day, f.period), data.n, data.unclassified,
                 data.pending, *(data.counts[b] for b in BUCKETS), *(_round(data.shares[b]) for b in BUCKETS)]
                for day, data in services.trend(f)]
        return ["period_start", "period", "answers", "unclassified", "pending", *(f"{b}_answers" for b in BUCKETS),
                *(f"{b}_share" for b in BUCKETS)], rows
    if name == "revenue":
        data = services.revenue(f)
        rows = [[b, bucket_label(b, short=True), round(data.amounts[b], 2), _round(data.shares[b])] for b in BUCKETS]
        rows += [[c, group_label(c), round(data.group_amounts[c], 2), _round(data.group_shares[c])]
                 for c in CAUSE_GROUPS]
        rows.append([UNCLASSIFIED, bucket_label(UNCLASSIFIED, short=True), round(data.unclassified, 2), ""])
        return ["cause", "label", "annual_revenue", "share"], rows
    if name == "reach":
        labels = services.funnel_labels()
        rows = [[step, labels[step], count, _round(share)] for step, count, share in services.reach(f).steps()]
        return ["step", "label", "customers", "share_of_invited"], rows
    raise KeyError(name)


def _filename(name: str, fmt: str) -> str:
    return f"{name}-{date.today().isoformat()}.{fmt}"


def download(name: str, f: ReportFilter, fmt: str) -> Response:
    """One table as a CSV (streamed, UTF-8 with BOM for Excel) or XLSX download."""
    header, rows = table(name, f)
    return send_table(name, header, rows, fmt)


def send_table(name: str, header: list[str], rows: Iterable[list], fmt: str, *,
               action: str = "report.export") -> Response:
    """A table as a CSV (streamed, UTF-8 with BOM for Excel) or XLSX download named after ``name``; the download is
    recorded in the audit log as ``action``, with the query that chose its rows."""
    record_now(action, target_type="export", target_id=name,
               detail={"format": fmt, **{k: v[:200] for k, v in request.args.items()}})
    if fmt == "csv":
        def lines() -> Iterator[str]:
            buffer = io.StringIO()
            writer = csv_writer(buffer)
            buffer.write("\ufeff")
            writer.writerow(header)
            for number, row in enumerate(rows, start=1):
                writer.writerow([safe_cell(v) for v in row])
                if number % 1000 == 0:
                    yield buffer.getvalue()
                    buffer.seek(0)
                    buffer.truncate()
            yield buffer.getvalue()

        response = Response(stream_with_context(lines()), mimetype="text/csv")
        response.headers["Content-Disposition"] = f"attachment; filename={_filename(name, fmt)}"
        return response
    return send_file(xlsx(header, rows, sheet=name), as_attachment=True, download_name=_filename(name, fmt),
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def xlsx(header: list[str], rows: Iterable[list], sheet: str) -> io.BytesIO:
    """A one-sheet workbook, written row by row (openpyxl's write-only mode keeps memory flat)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet[:31])
    worksheet.append(header)
    for row in rows:
        worksheet.append([_xlsx_value(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


def _xlsx_value(value):
    if isinstance(value, str):
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE  # control characters are refused in cells

        # Control characters go first (a cell cannot hold them), then the formula check sees what is stored.
        return safe_xlsx_cell(ILLEGAL_CHARACTERS_RE.sub("", value))
    return value


def send_chart(body: bytes) -> Response:
    """A chart drawn as PNG, kept a minute by the viewer's browser only (it is in their language, from their data)."""
    response = Response(body, mimetype="image/png")
    response.headers["Cache-Control"] = "private, max-age=60"
    return response
