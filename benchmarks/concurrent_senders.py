#!/usr/bin/env python3
"""Every sender at once: two ``flask invitations send`` runs and six presses of Send on the invitations page of
gunicorn (4 workers), all on the same pending invitations, against a real SMTP server (aiosmtpd on 127.0.0.1).

    .venv/bin/python benchmarks/concurrent_senders.py [N] [--database-url URL]

Prints one JSON object: messages received, recipients, the most messages one recipient got, how many presses
started a sending job and how many were told one was already under way, what each CLI run says it sent, and
how many of the emailed links open the survey. Expected: N messages, N recipients, at most 1 each, every link 200.
"""
from __future__ import annotations

import argparse
import asyncio
import collections
import email
import email.policy
import json
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.invitations.test_concurrent_sending import SEED_ADMIN, Browser  # noqa: E402
from tests.load.driver import Server, free_port  # noqa: E402

PASSWORD = "benchmark password 1"
LINK = re.compile(r"https?://[^/\s]+(/s/[\w-]{32})\s")


class Recorder:
    """Keeps every message; holds each one until ``senders`` clients are connected, so the senders overlap."""

    def __init__(self, senders: int) -> None:
        self.senders, self.clients, self.messages = senders, set(), []
        self.deadline = time.monotonic() + 30

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.clients.add(session.peer)
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server, session, envelope):
        while len(self.clients) < self.senders and time.monotonic() < self.deadline:
            await asyncio.sleep(0.01)
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("n", nargs="?", type=int, default=300)
    parser.add_argument("--database-url", help="a PostgreSQL URL (default: SQLite in a temporary folder)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="senders-"))
    recorder = Recorder(senders=3)  # the two CLI runs and at least one sending job
    smtp = Controller(recorder, hostname="127.0.0.1", port=free_port())
    smtp.start()
    server = Server(folder, args.database_url or f"sqlite:///{folder}/senders.sqlite3", workers=4, threads=4)
    server.env.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=str(smtp.port))
    try:
        server.python(SEED_ADMIN.replace('"presses"', '"concurrent"'), str(args.n), PASSWORD)
        server.start()
        browsers, page = [], "/staff/surveys/concurrent/invitations/"
        for _ in range(6):
            browser = Browser(server.base)
            browser.post("/staff/login", {"csrf_token": browser.token("/staff/login"), "email": "admin@example.com",
                                          "password": PASSWORD})
            browsers.append(browser)
        tokens = [b.token(page) for b in browsers]
        flask = [sys.executable, "-m", "flask", "--app", "survey_app", "invitations", "send", "--survey",
                 "concurrent"]
        started = time.monotonic()
        barrier = threading.Barrier(8)
        pages: list[str] = []
        outputs: list[str] = []

        def press(browser: Browser, token: str) -> None:
            barrier.wait()
            pages.append(browser.post(page + "send", {"csrf_token": token})[1])

        def cli() -> None:
            barrier.wait()
            run = subprocess.run(flask, cwd=ROOT, env=server.env, capture_output=True, text=True)
            outputs.append(run.stdout.strip())

        threads = [threading.Thread(target=press, args=pair) for pair in zip(browsers, tokens, strict=False)]
        threads += [threading.Thread(target=cli) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(600)
        while "Sending… this page" in browsers[0].get(page) and time.monotonic() - started < 600:
            time.sleep(0.2)
        elapsed = time.monotonic() - started
        per_recipient = collections.Counter(m["To"].addresses[0].addr_spec for m in recorder.messages)
        links = {m["To"].addresses[0].addr_spec: LINK.search(m.get_body(("plain",)).get_content()).group(1)
                 for m in recorder.messages}
        statuses = collections.Counter()
        for link in links.values():
            with urllib.request.urlopen(server.base + link, timeout=30) as answer:
                statuses[answer.status] += 1
    finally:
        server.stop()
        smtp.stop()
    print(json.dumps({
        "invitations": args.n, "messages": len(recorder.messages), "recipients": len(per_recipient),
        "most_messages_to_one_recipient": max(per_recipient.values(), default=0),
        "presses_started": sum("Sending has started" in p for p in pages),
        "presses_told_already_under_way": sum("Sending is already under way" in p for p in pages),
        "cli_runs": outputs, "links_opening_the_survey": statuses.get(200, 0), "seconds": round(elapsed, 1),
        "database": "postgresql" if args.database_url else "sqlite"}))


if __name__ == "__main__":
    main()
