#!/usr/bin/env python3
"""Respondent throughput with 1, 2 … N app instances behind a round-robin proxy, on one PostgreSQL and one Redis.

    .venv/bin/python benchmarks/instances_throughput.py [--instances 1,2,4] [--seconds 15] [--concurrency 16]
        [--rounds 2] [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_instances] [--redis-url redis://127.0.0.1:6379/14]

Each instance is its own gunicorn (``gunicorn.conf.py``, one worker, its own instance folder) on a
loopback port; all share the database (created and dropped by this script: its name must start with
"bench") and Redis (cache and rate-limit store; the given Redis database is flushed). A small TCP
proxy in this process hands each new connection to the next instance in turn. The load is the shared
simulated respondents (``../shared/bench/respondents.py``, or BENCH_DIR): each GETs the open survey
link, fills in the form and POSTs it. The baseline is one instance through the same proxy, measured in
the same run, after a warm-up of every instance; rounds alternate the counts and keep each one's best.
The table gives cycles/s and the ratio to the baseline for each count, then one JSON line.
"""
from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


class RoundRobinProxy:
    """A TCP proxy on a loopback port that gives each new connection to the next of ``backends``."""

    def __init__(self) -> None:
        self.backends: list[int] = []
        self._turn = itertools.count()
        self.loop = asyncio.new_event_loop()
        self.port = 0
        started = threading.Event()
        threading.Thread(target=self._serve, args=(started,), daemon=True).start()
        started.wait()

    def _serve(self, started: threading.Event) -> None:
        asyncio.set_event_loop(self.loop)
        server = self.loop.run_until_complete(asyncio.start_server(self._connect, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        started.set()
        self.loop.run_forever()

    async def _connect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        port = self.backends[next(self._turn) % len(self.backends)]
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            writer.close()
            return
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()


def flask(env: dict, *args: str) -> str:
    """Run a ``flask`` command of the app and return its output."""
    result = subprocess.run([str(BIN / "flask"), "--app", "survey_app", *args], cwd=ROOT, env=env,
                            capture_output=True, text=True)
    if result.returncode:
        raise SystemExit(f"flask {' '.join(args)} failed:\n{result.stderr[-2000:]}")
    return result.stdout


def fresh_database(url: str) -> None:
    """Drop and create the benchmark database named in ``url``."""
    name = make_url(url).database
    if not name or not name.startswith("bench"):
        raise SystemExit("the database name must start with 'bench' (it is dropped and created)")
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def start_instance(env: dict, folder: Path) -> tuple[subprocess.Popen, int]:
    """Start one gunicorn instance with its own instance folder; return it and its port once it answers."""
    folder.mkdir()
    instance_env = dict(env, INSTANCE_PATH=str(folder))
    server = subprocess.Popen([str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "-w", "1", "-b", "127.0.0.1:0",
                               "--log-level", "warning", "--access-logfile", str(folder / "access.log"),
                               "wsgi:app"], cwd=ROOT, env=instance_env, stderr=subprocess.PIPE, text=True)
    port = None
    deadline = time.monotonic() + 60
    while port is None and time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(server.stderr.read()[-2000:])
        port = listening_port(server.pid)
        time.sleep(0.1)
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return server, port
        except OSError:
            time.sleep(0.2)
    raise SystemExit("an instance did not answer /healthz within 60 s")


def listening_port(pid: int) -> int | None:
    """The loopback port a process listens on (from /proc), or None while it has none yet."""
    inodes = set()
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    except OSError:
        return None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[3] == "0A" and fields[9] in inodes:  # LISTEN
            return int(fields[1].split(":")[1], 16)
    return None


def run_load(respondents: Path, url: str, seconds: float, concurrency: int) -> float:
    """Run the simulated respondents against ``url``; return the answered cycles per second."""
    result = subprocess.run([sys.executable, str(respondents), url, "--seconds", str(seconds),
                             "--concurrency", str(concurrency)], capture_output=True, text=True)
    print("   ", result.stdout.strip() or result.stderr.strip()[-500:], flush=True)
    return float(result.stdout.split()[0]) if result.stdout else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", default="1,2,4")
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=2, help="rounds over the counts; the best of each is kept")
    parser.add_argument("--database-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/bench_instances")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    options = parser.parse_args()
    counts = [int(n) for n in options.instances.split(",")]
    respondents = Path(os.environ.get("BENCH_DIR", ROOT.parent / "shared" / "bench")) / "respondents.py"
    if not respondents.is_file():
        raise SystemExit(f"needs {respondents} (the shared benchmark helpers; set BENCH_DIR)")

    import redis

    redis.Redis.from_url(options.redis_url).flushdb()
    fresh_database(options.database_url)
    work = Path(tempfile.mkdtemp(prefix="bench-instances-"))
    env = dict(os.environ, DATABASE_URL=options.database_url, REDIS_URL=options.redis_url,
               SECRET_KEY="bench-secret", RATELIMIT_PUBLIC="1000000 per minute", INSTANCE_PATH=str(work / "setup"),
               PATH=f"{BIN}:{os.environ['PATH']}")
    flask(env, "db", "upgrade")
    flask(env, "surveys", "create", "--template", "exit", "--slug", "bench", "--open", "--open-link")
    flask(env, "classify", "train", "--folds", "0")

    proxy = RoundRobinProxy()
    servers = []
    results: dict[int, float] = {}
    try:
        for index in range(max(counts)):
            servers.append(start_instance(env, work / f"instance-{index}"))
        print("warming up each instance (templates, the classifier model):", flush=True)
        for _server, port in servers:
            run_load(respondents, f"http://127.0.0.1:{port}/s/o/bench", 2, 2)
        for round_number in range(options.rounds):
            for count in counts:
                proxy.backends = [port for _server, port in servers[:count]]
                print(f"round {round_number + 1}, {count} instance(s):", flush=True)
                rate = run_load(respondents, f"http://127.0.0.1:{proxy.port}/s/o/bench", options.seconds,
                                options.concurrency)
                results[count] = max(results.get(count, 0.0), rate)
        stored = json.loads(flask(env, "reports", "breakdown", "--survey", "bench"))["responses"]
    finally:
        for server, _port in servers:
            server.terminate()
        for server, _port in servers:
            server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)

    base = results[counts[0]] or 1.0
    print(f"\n{'instances':>9}  {'cycles/s':>9}  {'vs ' + str(counts[0]):>6}")
    for count in counts:
        print(f"{count:>9}  {results[count]:>9.1f}  {results[count] / base:>5.2f}x")
    print(f"answers stored: {stored}; machine: {os.cpu_count()} CPUs (the load generator and the proxy share them)")
    print(json.dumps({"cycles_per_second": results, "ratio": {n: round(v / base, 2) for n, v in results.items()},
                      "answers_stored": stored, "cpus": os.cpu_count()}))


if __name__ == "__main__":
    main()
