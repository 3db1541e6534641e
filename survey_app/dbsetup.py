"""Database engine settings that depend on the backend, and how long a write may wait for SQLite's lock.

SQLite has one write lock for the whole file. A person waiting for a page must not queue behind it for long:
web requests give up after ``DB_BUSY_TIMEOUT_SECONDS`` and the person sees the "try again" page that keeps what
they typed. Work nobody watches — the command line, background imports and sending, demo seeding, migrations —
has no page to show and would rather wait: it gets ``DB_BATCH_BUSY_TIMEOUT_SECONDS``. The choice is made each time
a connection is taken from the pool, by whether a request is being served.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from flask import current_app, has_request_context
from sqlalchemy import Connection, event
from sqlalchemy.engine import Engine

_sqlite_writer = threading.Lock()


class DatabaseBusy(Exception):
    """Another writer kept the database's write lock for longer than this write may wait."""

    def __init__(self, waited: float) -> None:
        super().__init__(f"the database write lock stayed taken for {waited:.2f} s")
        #: Seconds waited before giving up.
        self.waited = waited


def busy_timeout(config: Mapping) -> float:
    """Seconds a write may wait for the lock: short while someone waits for a page, long for batch work."""
    return float(config["DB_BUSY_TIMEOUT_SECONDS" if has_request_context() else "DB_BATCH_BUSY_TIMEOUT_SECONDS"])


def _set_busy_timeout(dbapi_connection, info: dict, seconds: float) -> None:
    """Set SQLite's busy timeout on a connection, unless it already has that value."""
    milliseconds = max(0, round(seconds * 1000))
    if info.get("busy_timeout_ms") != milliseconds:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={milliseconds:d}")
        cursor.close()
        info["busy_timeout_ms"] = milliseconds


@contextmanager
def write_lock(connection: Connection, timeout: float | None = None) -> Iterator[None]:
    """Hold this process's turn to write on SQLite for the block, waiting at most ``timeout`` seconds in all.

    Threads queue on a Python lock instead of spinning in SQLite's busy handler; the time spent in that queue is
    taken off SQLite's own wait for other processes (for the rest of this checkout of ``connection``), so the
    write gives up within ``timeout`` — by default the request's or the batch's busy timeout. Server databases
    need no such lock.

    :raise DatabaseBusy: if other threads of this process kept the lock for the whole time.
    """
    if connection.dialect.name != "sqlite":
        yield
        return
    if timeout is None:
        timeout = busy_timeout(current_app.config)
    started = time.monotonic()
    if not _sqlite_writer.acquire(timeout=max(timeout, 0)):
        raise DatabaseBusy(timeout)
    try:
        _set_busy_timeout(connection.connection.dbapi_connection, connection.info,
                          timeout - (time.monotonic() - started))
        yield
    finally:
        _sqlite_writer.release()


def configure_engine_events(engine: Engine, config: Mapping) -> None:
    """Turn on WAL and foreign keys for SQLite connections, and give each checkout the busy timeout it needs."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, record) -> None:
        _set_busy_timeout(dbapi_connection, record.info, busy_timeout(config))
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "checkout")
    def _sqlite_busy_timeout(dbapi_connection, record, _proxy) -> None:
        _set_busy_timeout(dbapi_connection, record.info, busy_timeout(config))
