#!/usr/bin/env python3
"""Sending killed midway, at scale: 10,000 invitations, ``flask invitations send`` SIGKILLed partway, then run again.

    .venv/bin/python benchmarks/send_killed.py [N] [--kill-at 4000] [--database-url URL]

A real SMTP server (aiosmtpd) on 127.0.0.1 records every recipient. Afterwards nobody may have two messages, and
every invitation must be sent except at most the one that was with the server when the process died (it stays
"sending", delivery unknown, and is resent only with --resend-interrupted).
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.load.driver import free_port  # noqa: E402

SEED = r'''
import sys
from flask_migrate import upgrade
from sqlalchemy import insert
from survey_app import create_app
from survey_app.customers.models import Customer
from survey_app.dbtypes import utcnow
from survey_app.extensions import db
from survey_app.surveys.services import create_from_template, install_catalogue, open_survey

n = int(sys.argv[1])
app = create_app()
with app.app_context():
    upgrade()
    install_catalogue()
    open_survey(create_from_template("exit", "killed", "en"))
    now = utcnow()
    db.session.execute(insert(Customer.__table__), [
        {"external_ref": f"S{i}", "name": f"Customer {i}", "email": f"c{i}@example.com",
         "locale": ("en", "fr", "pl", "ru")[i % 4], "status": "lost", "unreachable": False, "opted_out": False,
         "created_at": now} for i in range(n)])
    db.session.commit()
'''

STATES = r'''
import json
from sqlalchemy import func, select
from survey_app import create_app
from survey_app.extensions import db
from survey_app.invitations.models import Invitation
app = create_app()
with app.app_context():
    print(json.dumps({str(s.value if hasattr(s, "value") else s): n for s, n in
                      db.session.execute(select(Invitation.state, func.count()).group_by(Invitation.state))}))
'''


class Recipients:
    """Counts messages per recipient."""

    def __init__(self) -> None:
        self.received: collections.Counter[str] = collections.Counter()

    async def handle_DATA(self, server, session, envelope):
        for address in envelope.rcpt_tos:
            self.received[address] += 1
        return "250 OK"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, nargs="?", default=10_000)
    parser.add_argument("--kill-at", type=int, default=4000, help="messages received before the SIGKILL")
    parser.add_argument("--database-url", help="default: a SQLite file in a temporary folder")
    args = parser.parse_args()
    recipients = Recipients()
    controller = Controller(recipients, hostname="127.0.0.1", port=free_port())
    controller.start()
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "INSTANCE_PATH": folder, "SECRET_KEY": "bench",
               "DATABASE_URL": args.database_url or f"sqlite:///{folder}/send.sqlite3",
               "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(controller.port), "BASE_URL": "http://127.0.0.1:5000"}
        env.pop("TEST_DATABASE_URL", None)
        flask = [sys.executable, "-m", "flask", "--app", "survey_app"]
        subprocess.run([sys.executable, "-c", SEED, str(args.n)], cwd=ROOT, env=env, check=True, capture_output=True)
        subprocess.run([*flask, "invitations", "create", "--survey", "killed"], cwd=ROOT, env=env, check=True,
                       capture_output=True)
        started = time.monotonic()
        sender = subprocess.Popen([*flask, "invitations", "send"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        while sum(recipients.received.values()) < args.kill_at and sender.poll() is None:
            time.sleep(0.002)
        sender.send_signal(signal.SIGKILL)
        sender.wait()
        before = sum(recipients.received.values())
        rerun = subprocess.run([*flask, "invitations", "send"], cwd=ROOT, env=env, capture_output=True, text=True)
        elapsed = time.monotonic() - started
        states = json.loads(subprocess.run([sys.executable, "-c", STATES], cwd=ROOT, env=env, check=True,
                                           capture_output=True, text=True).stdout.strip().splitlines()[-1])
    controller.stop()
    twice = sum(1 for n in recipients.received.values() if n > 1)
    result = {"invitations": args.n, "delivered_before_kill": before, "rerun_exit": rerun.returncode,
              "recipients": len(recipients.received), "messages": sum(recipients.received.values()),
              "received_twice": twice, "states": states, "seconds": round(elapsed, 1)}
    ok = (twice == 0 and rerun.returncode == 0 and states.get("sending", 0) <= 1
          and len(recipients.received) >= args.n - 1 and states.get("sent", 0) >= args.n - 1)
    print(json.dumps({"ok": ok, **result}))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
