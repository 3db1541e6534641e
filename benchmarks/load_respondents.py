#!/usr/bin/env python3
"""200 concurrent respondents for 60 s against gunicorn on 127.0.0.1, a worker SIGKILLed on the way; then every
acknowledged answer is looked up in the database.

    .venv/bin/python benchmarks/load_respondents.py [--database sqlite|postgresql|both] [--respondents 200]
        [--seconds 60] [--kill-after 20] [--workers 4]

Each respondent answers personal links one after another (GET the form, POST the answers with its CSRF token).
Reports requests, 5xx, connection errors (the killed worker's requests), answers acknowledged (303) and stored,
stored twice, half-written, and stored without their reply reaching the respondent. PostgreSQL uses a throwaway
database ``survey_load_bench`` on 127.0.0.1:5432 (user postgres).
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.load.driver import Server, run_load  # noqa: E402

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_NAME = "survey_load_bench"


def database(kind: str, folder: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{folder}/load.sqlite3"
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{PG_NAME}"')
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{PG_NAME}"


def one_run(kind: str, args) -> dict:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        server = Server(folder, database(kind, folder), workers=args.workers, threads=4)
        tokens = server.seed(args.links)
        server.start()
        try:
            tally, elapsed, killed = run_load(server, tokens, args.respondents, args.seconds, args.kill_after)
        finally:
            server.stop()
        result = server.check(tally.acknowledged, folder)
    return {"database": kind, "respondents": args.respondents, "seconds": round(elapsed, 1),
            "requests": tally.requests, "requests_per_s": round(tally.requests / elapsed, 1),
            "answers_per_s": round(tally.cycles / elapsed, 1), "status_5xx": tally.server_errors,
            "connection_errors": tally.connection_errors, "worker_killed": killed, **result}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--respondents", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--kill-after", type=float, default=20)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--links", type=int, default=60_000, help="personal links seeded (more than can be used)")
    args = parser.parse_args()
    kinds = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    results = [one_run(kind, args) for kind in kinds]
    keys = [k for k in results[0] if k != "database"]
    print(f"{'':28}" + "".join(f"{r['database']:>14}" for r in results))
    for key in keys:
        print(f"{key:28}" + "".join(f"{str(r[key]):>14}" for r in results))
    ok = all(r["status_5xx"] == 0 and r["acknowledged_missing"] == 0 and r["stored_twice"] == 0
             and r["half_written"] == 0 for r in results)
    print(json.dumps({"ok": ok, "runs": results}))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
