"""A real browser (Debian's Chromium, driven by Playwright) against the app served by gunicorn on 127.0.0.1.

Skipped, with the reason in the test summary, when Playwright or /usr/bin/chromium is missing.
"""
from __future__ import annotations

import email
import email.policy
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
#: Screenshots of every step (kept out of git; a few are copied to docs/screenshots for the README).
SCREENSHOTS = ROOT / "build" / "screenshots"
PHONE = {"width": 375, "height": 667}
DESKTOP = {"width": 1280, "height": 900}

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - playwright is a test dependency
    sync_playwright = None

MISSING = (f"browser tests skipped: no Chromium at {CHROMIUM} (apt-get install chromium)"
           if not Path(CHROMIUM).exists() else "browser tests skipped: Playwright is not installed"
           if sync_playwright is None else None)


def pytest_collection_modifyitems(config, items):
    """Without a browser, skip this folder's tests and say why in the summary."""
    if MISSING:
        here = Path(__file__).parent
        for item in items:
            if here in Path(item.fspath).parents:
                item.add_marker(pytest.mark.skip(reason=MISSING))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mailbox:
    """An SMTP server's handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """Seed a fresh SQLite database, email the invitations through a real SMTP server on 127.0.0.1, and serve the
    app with gunicorn; yield the base URL and the seeded facts, with each language's links as received by email.

    The SMTP server keeps running, so what the app sends later arrives in ``facts["mailbox"]`` too.
    """
    from aiosmtpd.controller import Controller

    instance = tmp_path_factory.mktemp("e2e-instance")
    port = _free_port()
    mailbox = Mailbox()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=_free_port())
    smtp.start()
    env = {**os.environ, "INSTANCE_PATH": str(instance), "DATABASE_URL": f"sqlite:///{instance}/e2e.sqlite3",
           "SECRET_KEY": "e2e-secret", "BASE_URL": f"http://127.0.0.1:{port}", "RATELIMIT_ENABLED": "false",
           "SURVEY_APP_ENV": "development", "GUNICORN_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "2",
           "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(smtp.port),
           # The seed sorts its free text with a first model; an unsure threshold leaves some for the review queue.
           "CLASSIFIER_THRESHOLD": "0.9"}
    env.pop("TEST_DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    seeded = subprocess.run([sys.executable, "-m", "tests.e2e.seed"], cwd=ROOT, env=env, check=True,
                            capture_output=True, text=True)
    facts = json.loads(seeded.stdout.strip().splitlines()[-1])
    subprocess.run([sys.executable, "-m", "flask", "--app", "survey_app", "invitations", "send"], cwd=ROOT, env=env,
                   check=True, capture_output=True)
    link = re.compile(rf"http://127\.0\.0\.1:{port}/s/[\w-]+(?=\s)")
    by_address = {m["To"].addresses[0].addr_spec: m for m in mailbox.messages}
    facts["emails"] = {lang: [by_address[a] for a in addresses] for lang, addresses in facts["addresses"].items()}
    facts["links"] = {lang: [link.search(m.get_body(("plain",)).get_content()).group(0) for m in messages]
                      for lang, messages in facts["emails"].items()}
    facts["mailbox"] = mailbox
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    server = subprocess.Popen([gunicorn, "-c", "gunicorn.conf.py", "wsgi:app"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1)
            break
        except OSError:
            if server.poll() is not None:
                raise RuntimeError(server.stderr.read().decode()[-2000:]) from None
            time.sleep(0.1)
    yield base, facts
    server.terminate()
    server.wait(10)
    smtp.stop()


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole run."""
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--headless"])
        yield instance
        instance.close()


@pytest.fixture
def shot(request):
    """Save a full-page screenshot named after the test and the step."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = request.node.name.replace("[", "-").replace("]", "").replace("/", "_")

    def take(page, step: str) -> Path:
        path = SCREENSHOTS / f"{name}--{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def axe_violations(page, impacts=("serious", "critical")) -> list[str]:
    """Run axe-core (the copy bundled by axe-playwright-python) on the page; return serious or worse findings."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
            for v in results.response["violations"] if v.get("impact") in impacts]
