"""A rate-limit store in a small SQLite file, shared by every worker process of one machine.

Without Redis, each gunicorn worker would count in its own memory and allow the whole limit by itself.
``sqlitefile:///path/ratelimit.sqlite3`` (registered with ``limits`` by the class below) keeps one count per
key for all processes: one short write per hit, in a file of its own (WAL, no fsync: the counts need no
durability). Several machines still need ``REDIS_URL``.
"""
from __future__ import annotations

import itertools
import os
import sqlite3
import threading
import time
from urllib.parse import unquote, urlsplit

from limits.storage import Storage

#: Expired windows are swept out once every this many hits.
SWEEP_EVERY = 1000

_SCHEMA = ("CREATE TABLE IF NOT EXISTS hits (key TEXT PRIMARY KEY, count INTEGER NOT NULL, "
           "expires_at REAL NOT NULL) WITHOUT ROWID")
# A window that has ended starts again at this hit; columns on the right of SET read the row before the update.
_INCR = ("INSERT INTO hits (key, count, expires_at) VALUES (?1, ?2, ?3) ON CONFLICT (key) DO UPDATE SET "
         "count = CASE WHEN expires_at > ?4 THEN count + ?2 ELSE ?2 END, "
         "expires_at = CASE WHEN expires_at > ?4 THEN expires_at ELSE ?3 END "
         "RETURNING count")


class SQLiteStorage(Storage):
    """Fixed-window counters in a SQLite file: ``sqlitefile:///absolute/path.sqlite3``."""

    STORAGE_SCHEME = ["sqlitefile"]

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options: float | str | bool) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.path = unquote(urlsplit(uri).path)
        self._local = threading.local()
        self._hits = itertools.count(1)
        self._open().close()  # create the file and table now, before a server forks its workers

    @property
    def base_exceptions(self) -> type[Exception]:
        return sqlite3.Error

    def _open(self) -> sqlite3.Connection:
        """A new connection in autocommit mode: every statement is its own short transaction."""
        connection = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=OFF")
        connection.execute(_SCHEMA)
        return connection

    def _connection(self) -> sqlite3.Connection:
        """This thread's connection, opened again in a forked process (a connection must not cross a fork)."""
        local = self._local
        if getattr(local, "pid", None) != os.getpid():
            local.connection, local.pid = self._open(), os.getpid()
        return local.connection

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Add ``amount`` to the key's count, starting a window of ``expiry`` seconds if none runs; return it."""
        now = time.time()
        connection = self._connection()
        [(count,)] = connection.execute(_INCR, (key, amount, now + expiry, now)).fetchall()
        if next(self._hits) % SWEEP_EVERY == 0:
            connection.execute("DELETE FROM hits WHERE expires_at <= ?", (now,))
        return count

    def get(self, key: str) -> int:
        """The key's count in its current window (0 when none runs)."""
        row = self._connection().execute("SELECT count FROM hits WHERE key = ? AND expires_at > ?",
                                         (key, time.time())).fetchone()
        return row[0] if row else 0

    def get_expiry(self, key: str) -> float:
        """When the key's window ends (now, when none runs)."""
        now = time.time()
        row = self._connection().execute("SELECT expires_at FROM hits WHERE key = ? AND expires_at > ?",
                                         (key, now)).fetchone()
        return row[0] if row else now

    def check(self) -> bool:
        """Tell whether the file can be read."""
        try:
            self._connection().execute("SELECT 1 FROM hits LIMIT 1").fetchall()
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int | None:
        """Forget every count; return how many keys there were."""
        return self._connection().execute("DELETE FROM hits").rowcount

    def clear(self, key: str) -> None:
        """Forget the key's count."""
        self._connection().execute("DELETE FROM hits WHERE key = ?", (key,))
