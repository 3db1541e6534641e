#!/usr/bin/env python3
"""Send N invitations (default 10,000) to a local SMTP server: the app's sender against raw smtplib.

    .venv/bin/python benchmarks/send_invitations.py [N]

A real SMTP server (aiosmtpd) listens on 127.0.0.1. The app renders each email in the customer's
language and records every state change; the baseline sends N prebuilt messages over one
smtplib connection to the same server, in the same run.
"""
import os
import smtplib
import socket
import sys
import tempfile
import time
from email.message import EmailMessage

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


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
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

        message = EmailMessage()
        message["From"], message["Subject"] = "surveys@example.com", "Why did you stop buying from us?"
        message.set_content("Hello,\n\nplease answer: http://127.0.0.1:5000/s/xxxxxxxx\n" * 3)
        start = time.perf_counter()
        with smtplib.SMTP("127.0.0.1", controller.port) as smtp:
            for i in range(n):
                del message["To"]
                message["To"] = f"c{i}@example.com"
                smtp.send_message(message)
        baseline = time.perf_counter() - start

        start = time.perf_counter()
        report = send_due(survey)
        elapsed = time.perf_counter() - start
    controller.stop()
    print(f"baseline (raw smtplib, one connection): {n / baseline:,.0f} messages/s")
    print(f"app: {report.sent:,} sent in {elapsed:.1f} s = {report.sent / elapsed:,.0f} messages/s "
          f"(server received {counter.count - n:,}); ratio app/baseline = {baseline / elapsed:.2f}")


if __name__ == "__main__":
    main()
