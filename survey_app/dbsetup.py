"""Database engine settings that depend on the backend."""
from __future__ import annotations

import threading
from contextlib import AbstractContextManager, nullcontext

from sqlalchemy import event
from sqlalchemy.engine import Engine

_sqlite_writer = threading.Lock()


def write_lock(engine: Engine) -> AbstractContextManager:
    """Serialise writes within this process on SQLite, which has one write lock for the whole file.

    Threads then queue on a Python lock instead of sleeping in SQLite's busy handler; other
    processes still wait on SQLite itself (busy_timeout). Server databases need no such lock.
    """
    return _sqlite_writer if engine.dialect.name == "sqlite" else nullcontext()


def configure_engine_events(engine: Engine) -> None:
    """Turn on WAL, foreign keys and a busy timeout for SQLite connections."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
