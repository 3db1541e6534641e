#!/usr/bin/env python3
"""Reports at N answers (default 1,000,000): the app's aggregates against hand-written SQL, and page times.

    .venv/bin/python benchmarks/report_aggregate.py [--answers N] [--database-url URL] [--explain] [--keep]

Builds a throwaway instance (a SQLite file in a temporary folder by default; with
``--database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_reports`` a PostgreSQL database
of that name, created and dropped by this script through the ``postgres`` maintenance database; its
name must start with "bench"), runs the migrations (``flask db upgrade``, so the real indexes are
there) and loads a data set: the reason catalogue, an exit and a loyalty survey and an analyst
through the app's services; account managers, interviewers, customers (segments, managers, annual
revenue, locales) and invitations with SQLAlchemy Core executemany; then N responses over two years
across both surveys, channels and locales, each with one primary answer (a chosen reason, or free
text classified by the model or left unclassified, whose bucket the response keeps as ``primary_bucket``,
with its month as ``submitted_month``, as the app's writers do) and some (--secondary) with a non-primary one, in
batches of 20,000 tuples through the driver: executemany on SQLite, COPY on PostgreSQL (SQLAlchemy's
per-row parameter handling cost more than the inserts). Then ANALYZE (VACUUM ANALYZE on PostgreSQL,
which also sets the visibility map that index-only scans need, as autovacuum would in production).

In the same run it measures, best of --repeat (default 3) after one untimed call whose result is
checked against the baseline:
  * ``reports.queries`` aggregates (bucket_counts for five filters, trend_counts, revenue_by_bucket),
    called directly in an app context (not through the cache), against the same question as a
    hand-written GROUP BY on a raw DBAPI connection (sqlite3 / psycopg) on the same tables;
  * dashboard and chart pages through the Flask test client as a signed-in analyst, cold (after
    ``cache.clear()``) and warm (the same URL again).
It prints a table, the query plans of any aggregate over the 1.5x budget (of all with --explain),
and a final one-line JSON summary.
"""
from __future__ import annotations

import argparse
import bisect
import hashlib
import itertools
import json
import logging
import os
import random
import sqlite3
import sys
import tempfile
import time
import warnings
from datetime import date, datetime, timedelta
from decimal import Decimal

EXIT_SLUG, LOYALTY_SLUG = "exit-bench", "loyalty-bench"
PASSWORD = "benchmark password"
END = datetime(2026, 11, 1)  # responses fall in the two years before
SPAN_SECONDS = 730 * 86400
PERIOD = (date(2026, 5, 1), date(2026, 7, 31))  # the "3 months" filter
BUDGET = 1.5
BATCH = 20_000

SEGMENTS = {"SMB": 55, "Retail": 25, "Enterprise": 15, "Public sector": 5}
LOCALES = {"en": 40, "fr": 25, "pl": 20, "ru": 15}
CHANNELS = {"email": 65, "link": 25, "interview": 10}
#: Bucket weights per kind, in taxonomy.BUCKETS order (as in the demo data).
BUCKET_WEIGHTS = {"exit": (56, 19, 13, 6, 6), "loyalty": (30, 32, 28, 6, 4)}
INVITATION_STATES = {"answered": 30, "sent": 48, "bounced": 5, "pending": 12, "failed": 5}
TEXTS = ("Nobody called us back after the complaint.", "Le concurrent était moins cher.",
         "Przeprowadziliśmy się do innego miasta.", "Качество упало за последний год.",
         "We found a supplier closer to us.", "Service was slow and nobody seemed to care.")


class Picker:
    """Weighted choice with one random number (faster than random.choices for millions of rows)."""

    def __init__(self, rng: random.Random, weights: dict) -> None:
        self.rng, self.values = rng, list(weights)
        total = sum(weights.values())
        self.bounds = list(itertools.accumulate(w / total for w in weights.values()))

    def __call__(self):
        return self.values[min(bisect.bisect(self.bounds, self.rng.random()), len(self.values) - 1)]


# -- the database -------------------------------------------------------------------------------

def pg_admin(url: str):
    """(database name, libpq URL of the maintenance database) for a PostgreSQL URL."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    name = parsed.database or ""
    if not name.startswith("bench"):
        sys.exit(f"refusing to create and drop database {name!r}: its name must start with 'bench'")
    maintenance = parsed.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    return name, maintenance


def pg_create(url: str) -> None:
    import psycopg
    from psycopg import sql

    name, maintenance = pg_admin(url)
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def pg_drop(url: str) -> None:
    import psycopg
    from psycopg import sql

    name, maintenance = pg_admin(url)
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def raw_connection(url: str):
    """A plain DBAPI connection (sqlite3 or psycopg) to the benchmark database."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return sqlite3.connect(parsed.database)
    import psycopg

    return psycopg.connect(parsed.set(drivername="postgresql").render_as_string(hide_password=False),
                           autocommit=True)


# -- loading ------------------------------------------------------------------------------------

RESPONSE_COLUMNS = ("id", "survey_id", "invitation_id", "customer_id", "locale", "channel", "interviewer_id",
                    "submitted_at", "primary_bucket", "submitted_month")
ANSWER_COLUMNS = ("id", "response_id", "question_id", "reason_code", "text", "number", "bucket", "cause_group",
                  "source", "confidence", "model_version", "is_primary")


def bulk_writer(conn, dialect: str, timings: dict):
    """write(table, columns, rows of tuples) in the connection's transaction: the driver's executemany on
    SQLite, COPY on PostgreSQL (SQLAlchemy's per-row parameter handling would cost more than the inserts).
    Time spent writing adds up in ``timings["write_s"]``."""
    timings["write_s"] = 0.0
    if dialect == "postgresql":
        cursor = conn.connection.driver_connection.cursor()
        if cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()[0]:
            # Skip the foreign-key triggers while loading rows that are consistent by construction.
            cursor.execute("SET LOCAL session_replication_role = replica")

        def send(table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
    else:
        def send(table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
            conn.exec_driver_sql(f"INSERT INTO {table} ({', '.join(columns)}) "
                                 f"VALUES ({', '.join('?' * len(columns))})", rows)

    def write(table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        start = time.perf_counter()
        send(table, columns, rows)
        timings["write_s"] += time.perf_counter() - start
    return write


def load(app, n: int, n_customers: int, secondary: float, seed: int) -> dict:
    """Build the schema and the data set; return ids and timings."""
    from flask_migrate import upgrade
    from sqlalchemy import func, insert, select, text

    from survey_app.auth.models import StaffUser
    from survey_app.auth.services import create_user
    from survey_app.customers.models import Customer
    from survey_app.extensions import db
    from survey_app.invitations.models import Invitation
    from survey_app.surveys.models import QuestionType
    from survey_app.surveys.services import create_from_template, open_survey, reasons_by_code
    from survey_app.taxonomy import BUCKET_GROUP, BUCKETS

    rng = random.Random(seed)
    timings: dict[str, float] = {}
    with app.app_context():
        start = time.perf_counter()
        upgrade()
        timings["schema_s"] = time.perf_counter() - start

        start = time.perf_counter()
        surveys = {kind: create_from_template(kind, slug, open_link=True)
                   for kind, slug in (("exit", EXIT_SLUG), ("loyalty", LOYALTY_SLUG))}
        for survey in surveys.values():
            open_survey(survey)
        analyst = create_user("analyst@bench.example.com", "analyst", PASSWORD, name="Ana Analyst")
        # Account managers (analysts) and interviewers share the analyst's password hash: one slow hash is enough.
        db.session.execute(insert(StaffUser.__table__), [
            {"email": f"{job}{i}@bench.example.com", "name": f"{job.title()} {i}", "role": role,
             "password_hash": analyst.password_hash, "active": True, "created_at": analyst.created_at}
            for job, role, count in (("manager", "analyst", 6), ("interviewer", "interviewer", 3))
            for i in range(1, count + 1)])
        db.session.commit()
        managers = list(db.session.scalars(select(StaffUser.id).where(StaffUser.email.like("manager%"))))
        interviewers = list(db.session.scalars(select(StaffUser.id).where(StaffUser.role == "interviewer")))
        reasons = reasons_by_code()
        plan = {}
        for kind, survey in surveys.items():
            questions = {q.type: q.id for q in survey.questions}
            codes = {b: [c for c in survey.reason_codes if reasons[c].bucket == b] for b in BUCKETS}
            plan[kind] = {"id": survey.id, "main": questions[QuestionType.MAIN_REASON],
                          "others": questions[QuestionType.OTHER_REASONS],
                          "text": questions[QuestionType.FREE_TEXT], "scale": questions[QuestionType.SCALE_0_10],
                          "codes": codes, "bucket": Picker(rng, dict(zip(BUCKETS, BUCKET_WEIGHTS[kind], strict=False)))}
        created = surveys["exit"].created_at
        # The login cookie names the account and its session version (a signed-out session is refused).
        ids = {"analyst": analyst.get_id(), "exit": surveys["exit"].id, "loyalty": surveys["loyalty"].id}
        # End the session's transaction: an open one would keep PostgreSQL's VACUUM from marking the loaded
        # pages all-visible (index-only scans would then read the table anyway).
        db.session.commit()

        segment, locale, channel, state = (Picker(rng, SEGMENTS), Picker(rng, LOCALES), Picker(rng, CHANNELS),
                                           Picker(rng, INVITATION_STATES))
        customers = []
        for i in range(1, n_customers + 1):
            r = rng.random()
            status = "lost" if r < 0.35 else "returned" if r < 0.40 else "active"
            customers.append({
                "id": i, "external_ref": f"C{i:07d}", "name": f"Customer {i}",
                "email": None if rng.random() < 0.04 else f"customer{i}@example.com", "locale": locale(),
                "segment": None if rng.random() < 0.02 else segment(),
                "account_manager_id": rng.choice(managers) if rng.random() < 0.8 else None,
                "annual_revenue": None if rng.random() < 0.07 else Decimal(f"{rng.lognormvariate(10, 1.2):.2f}"),
                "customer_since": date(2012, 1, 1) + timedelta(days=rng.randrange(5000)), "last_purchase": None,
                "status": status, "lost_at": (END - timedelta(days=rng.randrange(730))).date()
                if status == "lost" else None,
                "unreachable": rng.random() < 0.03, "opted_out": rng.random() < 0.02, "created_at": created})
        customer_locale = [None] + [c["locale"] for c in customers]

        invitations = []
        for kind, wanted in (("exit", ("lost", "returned")), ("loyalty", ("active",))):
            for c in customers:
                if c["status"] in wanted and c["email"] and rng.random() < 0.7:
                    at = END - timedelta(seconds=rng.randrange(SPAN_SECONDS))
                    st = state()
                    invitations.append({
                        "id": len(invitations) + 1, "survey_id": plan[kind]["id"], "customer_id": c["id"],
                        "token_hash": hashlib.sha256(f"{kind}:{c['id']}".encode()).hexdigest(),
                        "locale": c["locale"], "state": st, "created_at": at, "expires_at": at + timedelta(days=60),
                        "sent_at": at if st != "pending" else None, "reminders_sent": 0, "attempts": 1,
                        "opened_at": at + timedelta(hours=5) if st == "answered" or rng.random() < 0.2 else None})

        counts = {"responses": 0, "answers": 0, "primary": 0}
        dialect = db.engine.dialect.name
        # SQLAlchemy stores SQLite timestamps as this text; PostgreSQL's COPY takes datetimes.
        stamp = (lambda d: d.isoformat(" ", "microseconds")) if dialect == "sqlite" else (lambda d: d)
        with db.engine.begin() as conn:
            if dialect == "sqlite":
                conn.exec_driver_sql("PRAGMA cache_size=-400000")  # 400 MB page cache while loading
            conn.execute(insert(Customer.__table__), customers)
            conn.execute(insert(Invitation.__table__), invitations)
            write = bulk_writer(conn, dialect, timings)
            answer_id = 0
            for first in range(1, n + 1, BATCH):
                responses, answers = [], []
                for rid in range(first, min(first + BATCH, n + 1)):
                    kind = "exit" if rng.random() < 0.55 else "loyalty"
                    p = plan[kind]
                    customer_id = None if rng.random() < 0.03 else rng.randint(1, n_customers)
                    lang = customer_locale[customer_id] if customer_id and rng.random() < 0.9 else locale()
                    how = channel()
                    x = (1 + 3 * rng.random()) ** 0.5 - 1  # density rising by half over the two years
                    at = END - timedelta(seconds=int((1 - x) * SPAN_SECONDS))
                    responses.append((rid, p["id"], None, customer_id, lang, how,
                                      rng.choice(interviewers) if how == "interview" else None, stamp(at)))
                    bucket = p["bucket"]()
                    answer_id += 1
                    if rng.random() < 0.9:  # the main reason chosen
                        answers.append((answer_id, rid, p["main"], rng.choice(p["codes"][bucket]), None, None,
                                        bucket, BUCKET_GROUP[bucket], "choice", 1.0, None, True))
                    else:  # only free text: classified by the model, or left for review below the threshold
                        confidence = round(rng.uniform(0.3, 0.99), 4)
                        if confidence < 0.55:
                            bucket = "unclassified"
                        answers.append((answer_id, rid, p["text"], None, rng.choice(TEXTS), None, bucket,
                                        BUCKET_GROUP.get(bucket), "model", confidence, "bench-1", True))
                    # The response keeps its primary answer's bucket and its month, as the app writes them.
                    responses[-1] += (bucket, at.strftime("%Y-%m"))
                    if rng.random() < secondary:  # another reason ticked, or the 0-10 scale
                        answer_id += 1
                        if rng.random() < 0.5:
                            other = p["bucket"]()
                            answers.append((answer_id, rid, p["others"], rng.choice(p["codes"][other]), None, None,
                                            other, BUCKET_GROUP[other], "choice", 1.0, None, False))
                        else:
                            answers.append((answer_id, rid, p["scale"], None, None, rng.randint(0, 10), None, None,
                                            None, None, None, False))
                write("response", RESPONSE_COLUMNS, responses)
                write("answer", ANSWER_COLUMNS, answers)
                counts["responses"] += len(responses)
                counts["primary"] += len(responses)
                counts["answers"] = answer_id
                print(f"\r  loaded {counts['responses']:,} / {n:,} responses", end="", file=sys.stderr, flush=True)
            print(file=sys.stderr)
            if dialect == "postgresql":  # ids were given explicitly: move the sequences on
                for table in ("customer", "invitation", "response", "answer"):
                    conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                      f"(SELECT max(id) FROM {table}))"))
        timings["data_s"] = time.perf_counter() - start

        start = time.perf_counter()
        if dialect == "postgresql":  # VACUUM also sets the visibility map (index-only scans)
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
        else:
            with db.engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE")
        timings["analyze_s"] = time.perf_counter() - start
        counts["customers"] = db.session.scalar(select(func.count()).select_from(Customer))
        counts["invitations"] = len(invitations)
        db.session.remove()
    return {"ids": ids, "timings": timings, "counts": counts}


# -- the cases ----------------------------------------------------------------------------------

def raw_sql(dialect: str) -> dict[str, tuple[str, tuple]]:
    """Hand-written SQL per case, as someone would write it for this schema, with its parameters.

    Each response carries its cause (``primary_bucket``, the bucket of its primary answer) and its month
    (``submitted_month``), so the best hand-written queries read the response table alone, as the app does.
    """
    mark = "?" if dialect == "sqlite" else "%s"
    by_survey = f"r.survey_id = (SELECT id FROM survey WHERE slug = {mark})"
    since, until = PERIOD[0].isoformat(), (PERIOD[1] + timedelta(days=1)).isoformat()
    month = "r.submitted_month"
    revenue = ("SELECT r.primary_bucket, sum(c.annual_revenue), "
               "sum(CASE WHEN c.annual_revenue IS NULL THEN 1 ELSE 0 END) "
               "FROM response r LEFT JOIN customer c ON c.id = r.customer_id")
    return {
        "buckets_all": ("SELECT primary_bucket, count(*) FROM response GROUP BY primary_bucket", ()),
        "buckets_survey": (f"SELECT r.primary_bucket, count(*) FROM response r WHERE {by_survey} "
                           "GROUP BY r.primary_bucket", (EXIT_SLUG,)),
        "buckets_survey_3_months": (
            f"SELECT r.primary_bucket, count(*) FROM response r WHERE {by_survey} AND r.submitted_at >= {mark} "
            f"AND r.submitted_at < {mark} GROUP BY r.primary_bucket", (EXIT_SLUG, since, until)),
        "buckets_segment": ("SELECT r.primary_bucket, count(*) FROM response r JOIN customer c ON c.id = r.customer_id "
                            f"WHERE c.segment = {mark} GROUP BY r.primary_bucket", ("Enterprise",)),
        "buckets_locale_channel": (f"SELECT r.primary_bucket, count(*) FROM response r WHERE r.locale = {mark} "
                                   f"AND r.channel = {mark} GROUP BY r.primary_bucket", ("fr", "interview")),
        "trend_all": (f"SELECT {month} AS m, r.primary_bucket, count(*) FROM response r "
                      "GROUP BY m, r.primary_bucket ORDER BY m", ()),
        "trend_survey": (f"SELECT {month} AS m, r.primary_bucket, count(*) FROM response r WHERE {by_survey} "
                         "GROUP BY m, r.primary_bucket ORDER BY m", (EXIT_SLUG,)),
        "revenue_all": (f"{revenue} GROUP BY r.primary_bucket", ()),
        "revenue_survey": (f"{revenue} WHERE {by_survey} GROUP BY r.primary_bucket", (EXIT_SLUG,)),
    }


def app_cases():
    """Per case: the filter and the app's query function, with a normaliser of its result."""
    from survey_app.reports import queries
    from survey_app.reports.filters import ReportFilter

    exit_only = ReportFilter(surveys=(EXIT_SLUG,))
    buckets = queries.bucket_counts

    def trend(f):
        return {(day.strftime("%Y-%m"), b): c for day, counts in queries.trend_counts(f) for b, c in counts.items()}

    def revenue(f):
        amounts, unknown = queries.revenue_by_bucket(f)
        return {b: (round(float(amounts[b])), unknown[b]) for b in amounts}

    return {
        "buckets_all": (buckets, ReportFilter()),
        "buckets_survey": (buckets, exit_only),
        "buckets_survey_3_months": (buckets, ReportFilter(surveys=(EXIT_SLUG,), since=PERIOD[0], until=PERIOD[1])),
        "buckets_segment": (buckets, ReportFilter(segment="Enterprise")),
        "buckets_locale_channel": (buckets, ReportFilter(locale="fr", channel="interview")),
        "trend_all": (trend, ReportFilter()),
        "trend_survey": (trend, exit_only),
        "revenue_all": (revenue, ReportFilter()),
        "revenue_survey": (revenue, exit_only),
    }


def normalise_raw(name: str, rows: list) -> dict:
    if name.startswith("trend"):
        return {(m if isinstance(m, str) else m.strftime("%Y-%m"), b): c for m, b, c in rows if b}
    if name.startswith("revenue"):
        return {b: (round(float(total or 0)), int(missing or 0)) for b, total, missing in rows if b}
    return {b: c for b, c in rows if b}


def best_interleaved(first, second, repeat: int) -> tuple[float, float]:
    """The fastest of ``repeat`` calls of each function, in seconds (timeit's advice: the minimum is the least
    disturbed), alternating them so that both see the same background load."""
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        for fn, kept in ((first, times[0]), (second, times[1])):
            start = time.perf_counter()
            fn()
            kept.append(time.perf_counter() - start)
    return min(times[0]), min(times[1])


def explain(raw, dialect: str, statement: str, params) -> str:
    cursor = raw.cursor()
    if dialect == "sqlite":
        cursor.execute("EXPLAIN QUERY PLAN " + statement, params)
        return "\n".join(f"    {'  ' * (parent > 0)}{detail}" for _id, parent, _nu, detail in cursor.fetchall())
    cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + statement, params or None)
    return "\n".join(f"    {line}" for (line,) in cursor.fetchall())


def measure_aggregates(app, raw, dialect: str, repeat: int, explain_all: bool) -> tuple[dict, list[str]]:
    from sqlalchemy import event

    from survey_app.extensions import db

    results, plans = {}, []
    statements: list = []

    def capture(_conn, _cursor, statement, parameters, _context, _executemany):
        statements.append((statement, parameters))

    raw_cases = raw_sql(dialect)
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", capture)
        try:
            for name, (function, f) in app_cases().items():
                sql, params = raw_cases[name]

                def run_raw(sql=sql, params=params):
                    cursor = raw.cursor()
                    cursor.execute(sql, params)
                    return cursor.fetchall()

                statements.clear()
                app_result = function(f)  # untimed: warms caches, captures the SQL, checks the answer
                app_sql = next((s for s in reversed(statements) if "GROUP BY" in s[0]), statements[-1])
                raw_result = normalise_raw(name, run_raw())
                if app_result != raw_result:
                    raise SystemExit(f"{name}: the app and the hand-written SQL disagree:\n  app {app_result}\n"
                                     f"  raw {raw_result}")
                app_s, raw_s = best_interleaved(lambda function=function, f=f: function(f), run_raw, repeat)
                db.session.rollback()
                results[name] = {"app_ms": round(app_s * 1000, 1), "raw_ms": round(raw_s * 1000, 1),
                                 "ratio": round(app_s / raw_s, 2)}
                print(f"  {name:<26} app {app_s * 1000:9.1f} ms   raw {raw_s * 1000:9.1f} ms   "
                      f"{app_s / raw_s:5.2f}x", file=sys.stderr)
                if explain_all or app_s / raw_s > BUDGET:
                    plans.append(f"{name}: app/raw = {app_s / raw_s:.2f}x\n  app SQL: {' '.join(app_sql[0].split())}"
                                 f"\n  params: {app_sql[1]}\n  app plan:\n{explain(raw, dialect, *app_sql)}"
                                 f"\n  raw SQL: {sql}\n  raw plan:\n{explain(raw, dialect, sql, params)}")
        finally:
            event.remove(db.engine, "before_cursor_execute", capture)
            db.session.remove()
    return results, plans


def measure_pages(app, analyst_id: str, repeat: int) -> dict:
    """Cold (cache cleared) and warm times of pages as a signed-in analyst, each with the time spent in the
    ``reports.queries`` functions (timed by wrapping them in this process) and the ones that spent most."""
    from survey_app.extensions import cache
    from survey_app.reports import queries

    spent: dict[str, float] = {}

    def timing(name, function):
        def wrapped(*args, **kwargs):
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[name] = spent.get(name, 0.0) + time.perf_counter() - start
        return wrapped

    originals = {name: getattr(queries, name) for name in ("cause_counts", "bucket_counts", "response_count",
                                                          "kind_bucket_counts", "trend_counts", "revenue_by_bucket",
                                                          "reach_counts")}
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = analyst_id
        session["_fresh"] = True
    pages = {"dashboard_all": "/staff/reports/",
             "dashboard_survey": f"/staff/reports/?survey={EXIT_SLUG}",
             "chart_benchmark_png": f"/staff/reports/chart/benchmark.png?survey={EXIT_SLUG}"}

    def timed(url: str, clear: bool) -> tuple[float, float, str]:
        """One request: (seconds, seconds in reports.queries, the three functions that spent most)."""
        if clear:
            with app.app_context():
                cache.clear()
        spent.clear()
        start = time.perf_counter()
        response = client.get(url)
        elapsed = time.perf_counter() - start
        if response.status_code != 200:
            raise SystemExit(f"GET {url}: {response.status_code}\n{response.text[:2000]}")
        if "/chart/" in url and response.mimetype != "image/png":
            raise SystemExit(f"GET {url}: {response.mimetype}")
        top = sorted(spent.items(), key=lambda item: -item[1])[:3]
        return elapsed, sum(spent.values()), ", ".join(f"{name} {t * 1000:.0f}" for name, t in top)

    def new_answer() -> None:
        """One more response with its primary answer, as a respondent would store it."""
        from sqlalchemy import insert, select

        from survey_app.extensions import db
        from survey_app.responses.models import Answer, Response
        from survey_app.surveys.models import Question, Survey

        with app.app_context():
            survey_id, question_id = db.session.execute(
                select(Survey.id, Question.id).join(Question, Question.survey_id == Survey.id)
                .where(Survey.slug == EXIT_SLUG).limit(1)).one()
            response_id = db.session.execute(insert(Response).returning(Response.id), {
                "survey_id": survey_id, "locale": "en", "channel": "link",
                "primary_bucket": "circumstances"}).scalar_one()
            db.session.execute(insert(Answer), {"response_id": response_id, "question_id": question_id,
                                                "reason_code": "moved", "bucket": "circumstances",
                                                "cause_group": "customer", "source": "choice", "confidence": 1.0,
                                                "is_primary": True})
            db.session.commit()

    def after_new_answer(url: str) -> tuple[float, float, str]:
        new_answer()
        return timed(url, clear=False)

    results = {}
    for name, function in originals.items():
        setattr(queries, name, timing(name, function))
    try:
        for name, url in pages.items():
            timed(url, clear=True)  # untimed: imports (matplotlib), template compilation
            cold = min(timed(url, clear=True) for _ in range(repeat))
            warm = min(timed(url, clear=False) for _ in range(repeat))
            fresh = min(after_new_answer(url) for _ in range(repeat))
            results[name] = {"url": url, "cold_ms": round(cold[0] * 1000, 1), "cold_sql_ms": round(cold[1] * 1000, 1),
                             "cold_sql_top": cold[2], "warm_ms": round(warm[0] * 1000, 1),
                             "warm_sql_ms": round(warm[1] * 1000, 1), "warm_sql_top": warm[2],
                             "new_answer_ms": round(fresh[0] * 1000, 1)}
            print(f"  {name:<26} cold {cold[0] * 1000:9.1f} ms   warm {warm[0] * 1000:9.1f} ms   after a new answer "
                  f"{fresh[0] * 1000:9.1f} ms", file=sys.stderr)
    finally:
        for name, function in originals.items():
            setattr(queries, name, function)
    return results


# -- main ---------------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--answers", type=int, default=1_000_000,
                        help="responses to load, each with one primary answer (default 1,000,000)")
    parser.add_argument("--customers", type=int, default=50_000, help="customers (default 50,000)")
    parser.add_argument("--secondary", type=float, default=0.3,
                        help="share of responses with one more, non-primary answer (default 0.3)")
    parser.add_argument("--database-url", help="a PostgreSQL URL whose database name starts with 'bench' "
                        "(created and dropped here); default: a SQLite file in a temporary folder")
    parser.add_argument("--repeat", type=int, default=3, help="timed repetitions, best kept (default 3)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--explain", action="store_true", help="print every query plan, not only those over budget")
    parser.add_argument("--keep", action="store_true", help="keep the database and instance folder afterwards")
    args = parser.parse_args()

    postgres = bool(args.database_url) and not args.database_url.startswith("sqlite")
    if postgres:  # (survey_app is imported only once the environment is set: its Config reads it)
        url = "postgresql+psycopg://" + args.database_url.split("://", 1)[1]
        pg_admin(url)  # refuses a name that does not start with "bench" before anything is made
    work = tempfile.mkdtemp(prefix="bench-reports-")
    if postgres:
        pg_create(url)
    else:
        url = args.database_url or f"sqlite:///{work}/bench.sqlite3"
    for name in ("REDIS_URL", "SURVEY_APP_ENV"):  # the in-memory cache, development settings
        os.environ.pop(name, None)
    os.environ.update(INSTANCE_PATH=work, SECRET_KEY="bench", DATABASE_URL=url, RATELIMIT_ENABLED="0")
    warnings.filterwarnings("ignore", message=".*Decimal objects natively.*")
    from survey_app import create_app
    from survey_app.extensions import db

    app = create_app()
    logging.disable(logging.INFO)  # alembic's and the app's progress messages
    raw = None
    try:
        print(f"loading {args.answers:,} responses into {'PostgreSQL' if postgres else 'SQLite'} ...",
              file=sys.stderr)
        loaded = load(app, args.answers, args.customers, args.secondary, args.seed)
        raw = raw_connection(url)
        dialect = "postgresql" if postgres else "sqlite"
        version = (raw.execute("SELECT version()").fetchone()[0].split(" on ")[0] if postgres
                   else f"SQLite {sqlite3.sqlite_version}")
        load_before = os.getloadavg()[0]
        print("aggregates (best of %d):" % args.repeat, file=sys.stderr)
        aggregates, plans = measure_aggregates(app, raw, dialect, args.repeat, args.explain)
        print("pages (best of %d):" % args.repeat, file=sys.stderr)
        pages = measure_pages(app, loaded["ids"]["analyst"], args.repeat)
    finally:
        if raw is not None:
            raw.close()
        with app.app_context():
            db.engine.dispose()
        if postgres and not args.keep:
            pg_drop(url)
        if not args.keep:
            import shutil

            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"kept {url} and {work}", file=sys.stderr)

    counts, timings = loaded["counts"], loaded["timings"]
    print()
    print(f"database   {version}; machine: {os.cpu_count()} CPUs, load average {load_before:.1f} before the "
          f"measurements, {os.getloadavg()[0]:.1f} after")
    print(f"data       {counts['responses']:,} responses with {counts['answers']:,} answers "
          f"({counts['primary']:,} primary), {counts['customers']:,} customers, {counts['invitations']:,} invitations")
    rows = counts["responses"] + counts["answers"] + counts["customers"] + counts["invitations"]
    print(f"load       schema {timings['schema_s']:.1f} s, data {timings['data_s']:.1f} s "
          f"({rows / timings['data_s']:,.0f} rows/s), ANALYZE {timings['analyze_s']:.1f} s")
    print()
    print(f"{'aggregate (reports.queries)':<30}{'app ms':>10}{'raw ms':>10}{'app/raw':>9}")
    for name, row in aggregates.items():
        flag = "  over budget" if row["ratio"] > BUDGET else ""
        print(f"{name:<30}{row['app_ms']:>10.1f}{row['raw_ms']:>10.1f}{row['ratio']:>8.2f}x{flag}")
    print()
    print(f"{'page (test client, analyst)':<30}{'cold ms':>10}{'warm ms':>10}{'new answer ms':>15}   URL")
    for name, row in pages.items():
        print(f"{name:<30}{row['cold_ms']:>10.1f}{row['warm_ms']:>10.1f}{row['new_answer_ms']:>15.1f}   {row['url']}")
    print("time in reports.queries during those requests, ms (the functions that spent most of it):")
    for name, row in pages.items():
        print(f"  {name:<28}cold {row['cold_sql_ms']:.0f} ({row['cold_sql_top']}); "
              f"warm {row['warm_sql_ms']:.0f} ({row['warm_sql_top']})")
    if plans:
        print()
        print(f"query plans ({'all' if args.explain else f'over the {BUDGET}x budget'}):")
        for plan in plans:
            print(plan)
            print()
    worst = max(aggregates.items(), key=lambda item: item[1]["ratio"])
    print(json.dumps({
        "benchmark": "report_aggregate", "database": version, "responses": counts["responses"],
        "answers": counts["answers"], "customers": counts["customers"], "load_s": round(timings["data_s"], 1),
        "analyze_s": round(timings["analyze_s"], 1), "load_average": round(load_before, 1), "budget_ratio": BUDGET,
        "ratios": {name: row["ratio"] for name, row in aggregates.items()},
        "app_ms": {name: row["app_ms"] for name, row in aggregates.items()},
        "raw_ms": {name: row["raw_ms"] for name, row in aggregates.items()},
        "pages_ms": {name: {"cold": row["cold_ms"], "cold_sql": row["cold_sql_ms"], "warm": row["warm_ms"],
                            "after_new_answer": row["new_answer_ms"],
                            "warm_sql": row["warm_sql_ms"]} for name, row in pages.items()},
        "worst": {"case": worst[0], "ratio": worst[1]["ratio"]},
        "within_budget": all(row["ratio"] <= BUDGET for row in aggregates.values()),
    }))


if __name__ == "__main__":
    main()
