#!/usr/bin/env python3
"""Sorting answers off the respondent's path: batch throughput, time from stored to sorted, web-process memory.

    .venv/bin/python benchmarks/sorting.py [--answers 20000] [--respondents 300] [--redis-url redis://127.0.0.1:6379/13]

Three measures, each against a baseline taken in the same run:

1. **Batch throughput** (target ≥ 1,000 answers/s): N pending answers with texts no two alike (the encoder's
   cache never helps) in a fresh SQLite database, sorted by ``sort_pending`` — the sorting job's own work,
   reading, classifying and writing a batch per transaction. Baseline: the same loop of reads and writes
   with the simplest scikit-learn classifier (word TF-IDF + logistic regression).
2. **Stored → sorted** (target ≤ 5 s): respondents post answers with free text to an app under gunicorn
   (thread mode, no Redis) at a steady pace; the time from each POST's reply to its answer leaving
   *pending* is read from the database. Baseline: the same respondents on a survey without free text
   (nothing to sort), for the POST time alone.
3. **Web-process memory** (target: unchanged when a worker sorts): the resident memory of the gunicorn
   worker before and after the respondents, with an RQ worker doing the sorting (``REDIS_URL``), against
   the same run in thread mode, where the web process loads the model itself.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
RADIO = re.compile(r'<input type="radio" name="(q\d+)" value="([^"]+)"')
TEXTAREA = re.compile(r'<textarea id="(q\d+)" name="(q\d+)"')

SEED = r'''
from flask_migrate import upgrade
from survey_app import create_app
from survey_app.classification.services import ensure_model
from survey_app.extensions import db
from survey_app.surveys.services import create_from_template, install_catalogue, open_survey
with create_app().app_context():
    upgrade()
    install_catalogue()
    open_survey(create_from_template("exit", "bench-sort", "en", open_link=True))
    db.session.commit()
    ensure_model()
print("ok")
'''

PENDING = r'''
import json, sys
from sqlalchemy import text
from survey_app import create_app
from survey_app.extensions import db
with create_app().app_context():
    print(json.dumps(list(db.session.execute(text(
        "SELECT sum(CASE WHEN bucket = 'pending' THEN 1 ELSE 0 END), count(*) FROM answer WHERE text IS NOT NULL"
    )).one())))
'''


def texts(n: int, salt: str) -> list[tuple[str, str]]:
    """N answer texts in four languages, no two alike (the shipped examples, each made unique)."""
    from survey_app.classification.model import shipped_examples

    examples = shipped_examples()
    return [(f"{examples[i % len(examples)].text} ({salt} {i})", examples[i % len(examples)].lang) for i in range(n)]


# -- 1. batch throughput ---------------------------------------------------------------------

def batch_throughput(n: int) -> dict:
    """Sort N pending answers with the app's job and with a bare classifier over the same reads and writes."""
    from flask_migrate import upgrade
    from sqlalchemy import text, update

    from survey_app import create_app
    from survey_app.classification import services
    from survey_app.classification.model import sentence_encoder, shipped_examples
    from survey_app.extensions import db
    from survey_app.responses.models import Answer
    from survey_app.surveys.services import create_from_template, install_catalogue

    folder = Path(tempfile.mkdtemp(prefix="bench-sort-"))
    os.environ["INSTANCE_PATH"] = str(folder)
    app = create_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder}/bench.sqlite3", SECRET_KEY="bench",
                     SCHEDULER_IN_PROCESS=False, SORT_AFTER_STORING=False)
    with app.app_context():
        upgrade()
        install_catalogue()
        survey = create_from_template("exit", "bench", "en")
        db.session.commit()
        question = next(q.id for q in survey.questions if q.type.value == "free_text")
        services.ensure_model()
        rows = texts(n, "batch")
        connection = db.session.connection()
        for start in range(0, n, 2000):
            chunk = rows[start:start + 2000]
            ids = [connection.execute(text("INSERT INTO response (survey_id, locale, channel, submitted_at) VALUES "
                                           "(:s, :l, 'link', CURRENT_TIMESTAMP) RETURNING id"),
                                      {"s": survey.id, "l": lang}).scalar_one() for _text, lang in chunk]
            connection.execute(text("INSERT INTO answer (response_id, question_id, text, bucket, is_primary) VALUES "
                                    "(:r, :q, :t, 'pending', 1)"),
                               [{"r": rid, "q": question, "t": t} for rid, (t, _lang) in zip(ids, chunk, strict=True)])
        db.session.commit()

        sentence_encoder()._cache.clear()
        t0 = time.perf_counter()
        counts = services.sort_pending()
        app_seconds = time.perf_counter() - t0
        assert counts["answers"] == n, counts

        # Baseline: the same loop, the simplest classifier.
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline

        examples = shipped_examples()
        bare = make_pipeline(TfidfVectorizer(), LogisticRegression(max_iter=1000))
        bare.fit([e.text for e in examples], [e.bucket for e in examples])
        db.session.execute(update(Answer).values(bucket="pending", source=None, model_version=None))
        db.session.commit()
        statement = text("UPDATE answer SET bucket = :b, source = 'model', confidence = :c WHERE id = :i")
        t0 = time.perf_counter()
        last = 0
        while True:
            batch = db.session.execute(text("SELECT id, text FROM answer WHERE bucket = 'pending' AND id > :last "
                                            "ORDER BY id LIMIT 500"), {"last": last}).all()
            if not batch:
                break
            probabilities = bare.predict_proba([t for _i, t in batch])
            db.session.execute(statement, [{"b": str(bare.classes_[p.argmax()]), "c": float(p.max()), "i": i}
                                           for (i, _t), p in zip(batch, probabilities, strict=True)])
            db.session.commit()
            last = batch[-1][0]
        bare_seconds = time.perf_counter() - t0
    shutil.rmtree(folder, ignore_errors=True)
    return {"answers": n, "app_per_s": round(n / app_seconds), "baseline_per_s": round(n / bare_seconds),
            "ratio": round(bare_seconds / app_seconds, 3)}


# -- 2 and 3. under gunicorn -----------------------------------------------------------------

class Site:
    """The app under gunicorn (one worker), with an RQ worker when ``redis`` is given."""

    def __init__(self, redis: str | None) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="bench-sort-site-"))
        port = _free_port()
        self.base = f"http://127.0.0.1:{port}"
        self.env = {**os.environ, "INSTANCE_PATH": str(self.folder), "SECRET_KEY": "bench", "BASE_URL": self.base,
                    "DATABASE_URL": f"sqlite:///{self.folder}/site.sqlite3", "RATELIMIT_ENABLED": "false",
                    "GUNICORN_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "1", "GUNICORN_THREADS": "4",
                    "SCHEDULER_IN_PROCESS": "0", "SURVEY_APP_ENV": "development"}
        self.env.pop("REDIS_URL", None)
        if redis:
            self.env["REDIS_URL"] = redis
            import redis as redis_client

            redis_client.Redis.from_url(redis).flushdb()
        subprocess.run([sys.executable, "-c", SEED], cwd=ROOT, env=self.env, check=True, capture_output=True)
        self.web = subprocess.Popen([str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"], cwd=ROOT,
                                    env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.worker = subprocess.Popen([str(BIN / "rq"), "worker", "--url", redis, "surveys"], cwd=ROOT,
                                       env=self.env, stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL) if redis else None
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.base + "/healthz", timeout=2)
                break
            except OSError:
                time.sleep(0.1)

    def worker_rss_mb(self) -> float:
        """Resident memory of the gunicorn worker (MB)."""
        child = Path(f"/proc/{self.web.pid}/task/{self.web.pid}/children").read_text().split()[0]
        status = Path(f"/proc/{child}/status").read_text()
        return int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024

    def answer(self, text: str | None) -> float:
        """One respondent: open the form, answer, send; return when the reply came."""
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        form = opener.open(self.base + "/s/o/bench-sort", timeout=30).read().decode()
        radios = RADIO.findall(form)
        fields = {"csrf_token": CSRF.search(form).group(1), radios[0][0]: radios[0][1]}
        for name, value in radios:
            fields.setdefault(name, value)
        if text is not None:
            fields[TEXTAREA.search(form).group(2)] = text
        opener.open(urllib.request.Request(self.base + "/s/o/bench-sort", data=urllib.parse.urlencode(fields).encode(),
                                           headers={"Origin": self.base}), timeout=30).read()
        return time.monotonic()

    def pending(self) -> tuple[int, int]:
        run = subprocess.run([sys.executable, "-c", PENDING], cwd=ROOT, env=self.env, check=True,
                             capture_output=True, text=True)
        pending, total = json.loads(run.stdout.strip().splitlines()[-1])
        return int(pending or 0), int(total)

    def stop(self) -> None:
        for process in (self.web, self.worker):
            if process is not None:
                process.terminate()
                process.wait(30)
        shutil.rmtree(self.folder, ignore_errors=True)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


#: What the timed respondents write (each with its own marker).
TEXT = "The price went up again and a rival was cheaper"


def stored_to_sorted(site: Site, respondents: int, every: float = 0.1) -> dict:
    """Post answers at a steady pace; poll the database for each one leaving pending; return the delays."""
    import sqlite3

    database = sqlite3.connect(f"file:{site.folder}/site.sqlite3?mode=ro", uri=True)
    waiting: dict[str, float] = {}
    delays: list[float] = []
    posted = 0
    deadline = time.monotonic() + respondents * every + 120
    while (posted < respondents or waiting) and time.monotonic() < deadline:
        if posted < respondents:
            marker = f"bench-{posted}-{time.time_ns()}"
            waiting[marker] = site.answer(f"{TEXT} ({marker})")
            posted += 1
        if waiting:
            done = database.execute("SELECT text FROM answer WHERE text IS NOT NULL AND bucket != 'pending' "
                                    "AND text IN (%s)" % ",".join("?" * len(waiting)),  # noqa: S608 (markers)
                                    [f"{TEXT} ({marker})" for marker in waiting]).fetchall()
            now = time.monotonic()
            for (text,) in done:
                marker = text.rsplit("(", 1)[1].rstrip(")")
                delays.append(now - waiting.pop(marker))
        time.sleep(every if posted < respondents else 0.05)
    database.close()
    delays.sort()
    return {"answers": posted, "sorted": len(delays), "unsorted": len(waiting),
            "p50_s": round(statistics.median(delays), 2) if delays else None,
            "p95_s": round(delays[int(len(delays) * 0.95) - 1], 2) if delays else None,
            "max_s": round(delays[-1], 2) if delays else None}


def post_time(site: Site, respondents: int, text: str | None) -> float:
    """Mean seconds per respondent (GET + POST), one after another."""
    t0 = time.monotonic()
    for i in range(respondents):
        site.answer(None if text is None else f"{text} {i}")
    return (time.monotonic() - t0) / respondents


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--answers", type=int, default=20_000)
    parser.add_argument("--respondents", type=int, default=300)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/13")
    options = parser.parse_args()
    result: dict = {}

    result["batch"] = batch = batch_throughput(options.answers)
    print(f"1. batch sorting, {batch['answers']:,} distinct texts: {batch['app_per_s']:,} answers/s "
          f"(baseline word TF-IDF + LR over the same reads and writes: {batch['baseline_per_s']:,}/s; "
          f"ratio {batch['ratio']})")

    for label, redis in (("thread", None), ("rq", options.redis_url)):
        site = Site(redis)
        try:
            site.answer(None)
            before = site.worker_rss_mb()
            plain = post_time(site, 30, None)
            with_text = post_time(site, 30, "Nobody ever called us back")
            delays = stored_to_sorted(site, options.respondents)
            while site.pending()[0]:
                time.sleep(0.2)
            after = site.worker_rss_mb()
        finally:
            site.stop()
        result[label] = {"post_s_without_text": round(plain, 4), "post_s_with_text": round(with_text, 4),
                         "ratio_post": round(plain / with_text, 3), **delays,
                         "web_rss_mb_before": round(before), "web_rss_mb_after": round(after)}
        print(f"2. {label}: stored → sorted p50 {delays['p50_s']} s, p95 {delays['p95_s']} s, max {delays['max_s']} s "
              f"({delays['sorted']} of {delays['answers']}); respondent GET+POST with text {with_text * 1000:.0f} ms "
              f"vs {plain * 1000:.0f} ms without (ratio {plain / with_text:.2f})")
        print(f"3. {label}: web worker memory {before:.0f} MB → {after:.0f} MB")
    result["memory_ratio_rq_vs_thread"] = round(
        (result["rq"]["web_rss_mb_after"] - result["rq"]["web_rss_mb_before"] + 1)
        / (result["thread"]["web_rss_mb_after"] - result["thread"]["web_rss_mb_before"] + 1), 3)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
