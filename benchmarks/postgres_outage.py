#!/usr/bin/env python3
"""PostgreSQL really stopped while respondents answer, then started again.

    .venv/bin/python benchmarks/postgres_outage.py [--respondents 40] [--seconds 30] [--down-at 8] [--down-for 8]

Runs as root on a machine with PostgreSQL installed: it creates a throwaway cluster (initdb, as the
``postgres`` user) on a free port of 127.0.0.1, serves the app on it with gunicorn, and lets respondents
answer personal links. Midway ``pg_ctl stop -m fast`` stops the database; later ``pg_ctl start`` brings it
back. A respondent who meets the outage gets the 503 page; the script checks that the page holds what they
typed, waits, and presses "Send again" (the page's own form) until the answer is taken. At the end every
answer that was acknowledged (303, or 409 "already answered" after a 503) must be stored exactly once.
"""
from __future__ import annotations

import argparse
import glob
import html
import http.client
import json
import queue
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.load.driver import CSRF, RADIO, TEXTAREA, Server, free_port  # noqa: E402

HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
ACTION = re.compile(r'<form method="post" action="([^"]+)"')


def pg(binary: str, *args: str) -> None:
    """Run a PostgreSQL program as the postgres user."""
    tool = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{binary}"))[-1]
    subprocess.run(["su", "postgres", "-c", " ".join([tool, *args])], check=True, capture_output=True)


class Cluster:
    """A throwaway PostgreSQL cluster on 127.0.0.1 that can be stopped and started."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="pg-outage-"))
        subprocess.run(["chown", "postgres", str(self.folder)], check=True)
        self.data = self.folder / "data"
        self.port = free_port()
        pg("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres")

    def start(self) -> None:
        options = f"'-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1'"
        pg("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.folder / "log"), "-w", "start")

    def stop(self) -> None:
        pg("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def remove(self) -> None:
        try:
            self.stop()
        except subprocess.CalledProcessError:
            pass
        subprocess.run(["rm", "-rf", str(self.folder)], check=True)


class Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.acknowledged: list[str] = []
        self.statuses: dict[int, int] = {}
        self.outage_pages = 0
        self.outage_pages_keeping_text = 0
        self.resends = 0
        self.connection_errors = 0

    def count(self, status: int) -> None:
        with self.lock:
            self.statuses[status] = self.statuses.get(status, 0) + 1


def respondent(port: int, tokens: queue.Queue, tally: Tally, until: float) -> None:
    """Answer links until time is up; on a 503 keep the page and press "Send again" until the answer is in."""
    def request(method: str, path: str, body: str | None = None, cookie: str = ""):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Cookie": cookie} if cookie else {}
        if body is not None:  # as a browser sends a form: "Send again" is offered only for the site's own forms
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = f"http://127.0.0.1:{port}"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode()
        connection.close()
        tally.count(response.status)
        return response.status, text, response.getheader("Set-Cookie", "").split(";")[0]

    while time.monotonic() < until:
        try:
            token = tokens.get_nowait()
        except queue.Empty:
            return
        path = f"/s/{token}"
        try:
            status, page, cookie = request("GET", path)
            while status == 503:  # the form cannot be shown during the outage: try again shortly
                time.sleep(0.5)
                status, page, cookie = request("GET", path)
            if status != 200:
                continue
            typed = f"outage test {token[:10]} — réponse, odpowiedź, ответ"
            radios = RADIO.findall(page)
            scale = next((name, value) for name, value in radios if name != radios[0][0])
            fields = {"csrf_token": CSRF.search(page).group(1), radios[0][0]: radios[0][1], scale[0]: scale[1],
                      TEXTAREA.search(page).group(2): typed}
            status, page, new_cookie = request("POST", path, urllib.parse.urlencode(fields), cookie)
            cookie = new_cookie or cookie
            met_outage = False
            while status == 503:
                met_outage = True
                with tally.lock:
                    tally.outage_pages += 1
                    tally.outage_pages_keeping_text += typed in html.unescape(page)
                time.sleep(0.5)
                action = html.unescape(ACTION.search(page).group(1))
                again = urllib.parse.urlencode([(n, html.unescape(v)) for n, v in HIDDEN.findall(page)])
                with tally.lock:
                    tally.resends += 1
                status, page, new_cookie = request("POST", action, again, cookie)
                cookie = new_cookie or cookie
            if status == 303 or (status == 409 and met_outage):
                with tally.lock:
                    tally.acknowledged.append(token)
        except (OSError, http.client.HTTPException):
            with tally.lock:
                tally.connection_errors += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--respondents", type=int, default=40)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--down-at", type=float, default=8)
    parser.add_argument("--down-for", type=float, default=8)
    args = parser.parse_args()
    cluster = Cluster()
    cluster.start()
    try:
        with tempfile.TemporaryDirectory() as folder:
            server = Server(Path(folder), cluster.url(), workers=4, threads=4)
            tokens = server.seed(20_000)
            server.start()
            pending: queue.Queue = queue.Queue()
            for token in tokens:
                pending.put(token)
            tally = Tally()
            until = time.monotonic() + args.seconds
            threads = [threading.Thread(target=respondent, args=(server.port, pending, tally, until), daemon=True)
                       for _ in range(args.respondents)]
            for thread in threads:
                thread.start()
            time.sleep(args.down_at)
            cluster.stop()
            stopped = time.monotonic()
            time.sleep(args.down_for)
            cluster.start()
            down = time.monotonic() - stopped
            for thread in threads:
                thread.join(args.seconds + 120)
            server.stop()
            result = server.check(tally.acknowledged, Path(folder))
    finally:
        cluster.remove()
    statuses = dict(sorted(tally.statuses.items()))
    summary = {"respondents": args.respondents, "seconds": args.seconds, "database_down_s": round(down, 1),
               "statuses": statuses, "status_5xx_other_than_503": sum(n for s, n in statuses.items()
                                                                       if s >= 500 and s != 503),
               "outage_pages_after_sending": tally.outage_pages,
               "outage_pages_keeping_the_answer": tally.outage_pages_keeping_text, "resends": tally.resends,
               "connection_errors": tally.connection_errors, **result}
    for key, value in summary.items():
        print(f"{key:36}{value}")
    ok = (summary["status_5xx_other_than_503"] == 0 and result["acknowledged_missing"] == 0
          and result["stored_twice"] == 0 and result["half_written"] == 0
          and tally.outage_pages == tally.outage_pages_keeping_text and tally.outage_pages > 0)
    print(json.dumps({"ok": ok, **summary}))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
