#!/usr/bin/env python3
"""Send N invitations (default 10,000) to a local SMTP server: the app's sender against raw smtplib.

    .venv/bin/python benchmarks/send_invitations.py [N]
    REDIS_URL=redis://127.0.0.1:6379/13 DATABASE_URL=postgresql+psycopg://... \
        .venv/bin/python benchmarks/send_invitations.py [N] --rq-workers 1,2,4

A real SMTP server (aiosmtpd) listens on 127.0.0.1. The app renders each email in the customer's
language and records every state change; the baseline sends N prebuilt messages over one
smtplib connection to the same server, in the same run.

With ``--rq-workers``, one survey's sending is split into as many ``send_part`` jobs as there are
workers, run by that many ``rq worker`` processes on the ``surveys`` queue, and the messages per
second are reported for each worker count (timed from enqueueing to the last invitation recorded
as sent; the workers are started and registered before). That mode needs REDIS_URL and a
PostgreSQL DATABASE_URL, whose database it EMPTIES and rebuilds with the migrations; it empties the
``surveys`` queue of that Redis database too.
"""
import argparse
import os
import signal
import smtplib
import socket
import subprocess
import sys
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller


class Counter:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def baseline_rate(port: int, n: int) -> float:
    """Messages per second for N prebuilt messages over one smtplib connection."""
    message = EmailMessage()
    message["From"], message["Subject"] = "surveys@example.com", "Why did you stop buying from us?"
    message.set_content("Hello,\n\nplease answer: http://127.0.0.1:5000/s/xxxxxxxx\n" * 3)
    start = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for i in range(n):
            del message["To"]
            message["To"] = f"c{i}@example.com"
            smtp.send_message(message)
    return n / (time.perf_counter() - start)


def wait_for(predicate, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"gave up waiting for {what}")
        time.sleep(0.02)


def rq_curve(n: int, workers: list[int]) -> None:
    """Split one survey's sending between 1, 2, 4… RQ workers and print messages per second for each."""
    from redis import Redis
    from rq import Queue, Worker

    redis_url, database_url = os.environ.get("REDIS_URL"), os.environ.get("DATABASE_URL", "")
    if not redis_url or not database_url.startswith("postgresql"):
        raise SystemExit("--rq-workers needs REDIS_URL and a PostgreSQL DATABASE_URL")
    counter = Counter()
    controller = Controller(counter, hostname="127.0.0.1", port=free_port())
    controller.start()
    work = tempfile.mkdtemp()
    os.environ.update(INSTANCE_PATH=work, SECRET_KEY="bench", MAIL_SERVER="127.0.0.1", MAIL_PORT=str(controller.port),
                      JOB_HEARTBEAT_SECONDS="5")
    from flask_migrate import upgrade
    from sqlalchemy import func, insert, select, text

    from survey_app import create_app
    from survey_app.customers.models import Customer
    from survey_app.extensions import db
    from survey_app.invitations.jobs import start_parts
    from survey_app.invitations.models import Invitation, InvitationState
    from survey_app.invitations.recipients import RecipientFilter, create_invitations
    from survey_app.jobs.runner import QUEUE
    from survey_app.surveys.services import create_from_template, open_survey

    connection = Redis.from_url(redis_url)
    Queue(QUEUE, connection=connection).empty()
    app = create_app()
    rq = str(Path(sys.executable).parent / "rq")
    with app.app_context():
        db.drop_all()
        db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.session.commit()
        upgrade()
        first = create_from_template("exit", "bench-0")
        db.session.execute(insert(Customer.__table__), [
            {"external_ref": f"C{i}", "name": f"Klient {i}", "email": f"c{i}@example.com",
             "locale": ("en", "fr", "pl", "ru")[i % 4], "status": "lost", "unreachable": False, "opted_out": False,
             "created_at": first.created_at} for i in range(n)])
        db.session.commit()
        print(f"baseline (raw smtplib, one connection): {baseline_rate(controller.port, n):,.0f} messages/s")
        print(f"{n:,} invitations of one survey, split into one send_part job per worker")
        for count in workers:
            survey = create_from_template("exit", f"bench-{count}")
            open_survey(survey)
            create_invitations(survey, RecipientFilter(), 60)
            db.session.commit()
            names = [f"bench-{os.getpid()}-{count}-{i}" for i in range(count)]
            processes = [subprocess.Popen([rq, "worker", "--url", redis_url, "--name", name, QUEUE], env=os.environ,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for name in names]
            try:
                wait_for(lambda names=names: {w.name for w in Worker.all(connection=connection)} >= set(names), 120,
                         "the workers to register")
                received = counter.count
                start = time.perf_counter()
                start_parts(survey, count)
                db.session.commit()

                def sent(survey_id=survey.id) -> int:
                    db.session.rollback()
                    return db.session.scalar(select(func.count()).select_from(Invitation).where(
                        Invitation.survey_id == survey_id, Invitation.state == InvitationState.SENT))

                wait_for(lambda: sent() == n, 3600, "the mailing to end")
                elapsed = time.perf_counter() - start
            finally:
                for process in processes:
                    process.send_signal(signal.SIGTERM)
                for process in processes:
                    process.wait(60)
            print(f"{count} worker(s): {n:,} sent in {elapsed:.1f} s = {n / elapsed:,.0f} messages/s "
                  f"(server received {counter.count - received:,})")
    controller.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=10_000)
    parser.add_argument("--rq-workers", help="comma-separated worker counts, e.g. 1,2,4")
    args = parser.parse_args()
    n = args.n
    if args.rq_workers:
        rq_curve(n, [int(c) for c in args.rq_workers.split(",")])
        return
    counter = Counter()
    controller = Controller(counter, hostname="127.0.0.1", port=free_port())
    controller.start()
    work = tempfile.mkdtemp()
    os.environ.update(INSTANCE_PATH=work, SECRET_KEY="bench", DATABASE_URL=f"sqlite:///{work}/bench.sqlite3",
                      MAIL_SERVER="127.0.0.1", MAIL_PORT=str(controller.port))
    from flask_migrate import upgrade
    from sqlalchemy import insert

    from survey_app import create_app
    from survey_app.customers.models import Customer
    from survey_app.extensions import db
    from survey_app.invitations.recipients import RecipientFilter, create_invitations
    from survey_app.invitations.sending import send_due
    from survey_app.surveys.services import create_from_template, open_survey

    app = create_app()
    with app.app_context():
        upgrade()
        survey = create_from_template("exit", "bench")
        open_survey(survey)
        db.session.execute(insert(Customer.__table__), [
            {"external_ref": f"C{i}", "name": f"Klient {i}", "email": f"c{i}@example.com",
             "locale": ("en", "fr", "pl", "ru")[i % 4], "status": "lost", "unreachable": False, "opted_out": False,
             "created_at": survey.created_at} for i in range(n)])
        create_invitations(survey, RecipientFilter(), 60)
        db.session.commit()

        baseline = n / baseline_rate(controller.port, n)

        start = time.perf_counter()
        report = send_due(survey)
        elapsed = time.perf_counter() - start
    controller.stop()
    print(f"baseline (raw smtplib, one connection): {n / baseline:,.0f} messages/s")
    print(f"app: {report.sent:,} sent in {elapsed:.1f} s = {report.sent / elapsed:,.0f} messages/s "
          f"(server received {counter.count - n:,}); ratio app/baseline = {baseline / elapsed:.2f}")


if __name__ == "__main__":
    main()
