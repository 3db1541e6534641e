"""What /healthz checks: the database answers a read and takes a write, each within a request's budget."""
from __future__ import annotations

import logging
from datetime import datetime

from flask import current_app
from sqlalchemy import Connection, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from .dbsetup import DatabaseBusy, write_lock
from .dbtypes import utcnow
from .extensions import db

logger = logging.getLogger(__name__)

#: Words for what failed, by SQLite primary result code.
_SQLITE_FAILURES = {5: "locked", 6: "locked", 8: "read-only", 13: "disk full", 14: "unavailable"}
#: Words for what failed, by PostgreSQL SQLSTATE (class 08: the connection).
_POSTGRESQL_FAILURES = {"55P03": "locked", "57014": "timeout", "25006": "read-only", "53100": "disk full",
                        "57P01": "unavailable", "57P02": "unavailable", "57P03": "unavailable"}


class HealthCheck(db.Model):
    """The one row /healthz writes, to prove the database takes writes."""

    __tablename__ = "health_check"

    #: Always 1: there is one row.
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    #: When a health check last wrote the row.
    checked_at: Mapped[datetime]

    def __repr__(self) -> str:
        return f"<HealthCheck {self.checked_at}>"


def failure(error: Exception) -> str:
    """Name what kept the database from answering: locked, timeout, read-only, disk full, unavailable or error."""
    if isinstance(error, DatabaseBusy):
        return "locked"
    original = getattr(error, "orig", None)
    sqlite_code = getattr(original, "sqlite_errorcode", None)
    if sqlite_code is not None:
        return _SQLITE_FAILURES.get(sqlite_code & 0xFF, "error")
    sqlstate = getattr(original, "sqlstate", None)
    if sqlstate:
        return "unavailable" if sqlstate.startswith("08") else _POSTGRESQL_FAILURES.get(sqlstate, "error")
    return "unavailable"  # no answer from the server at all


def _limit(connection: Connection, seconds: float) -> None:
    """Make PostgreSQL give up this transaction's statements after ``seconds`` (lock waits a little sooner)."""
    if connection.dialect.name == "postgresql":
        milliseconds = max(2, round(seconds * 1000))
        connection.exec_driver_sql(f"SET LOCAL statement_timeout = {milliseconds:d}")
        # Sooner, so that a statement stuck behind another transaction's lock is reported as "locked".
        connection.exec_driver_sql(f"SET LOCAL lock_timeout = {milliseconds * 9 // 10:d}")


def _read(timeout: float) -> None:
    with db.engine.connect() as connection, connection.begin():
        _limit(connection, timeout)
        connection.execute(select(HealthCheck.checked_at).where(HealthCheck.id == 1)).first()


def _write(timeout: float) -> None:
    with db.engine.connect() as connection, write_lock(connection, timeout), connection.begin():
        _limit(connection, timeout)
        insert = sqlite_insert if connection.dialect.name == "sqlite" else postgresql_insert
        statement = insert(HealthCheck).values(id=1, checked_at=utcnow())
        connection.execute(statement.on_conflict_do_update(index_elements=[HealthCheck.id],
                                                           set_={"checked_at": statement.excluded.checked_at}))


def _run(name: str, check, timeout: float) -> str:
    try:
        check(timeout)
    except Exception as error:  # any failure means "not healthy", never a 500 page
        logger.error("Health check: the database failed the %s check: %s", name, error)
        return failure(error)
    return "ok"


def check_database() -> dict[str, str]:
    """Read the health row, then write it (committed), each within ``DB_BUSY_TIMEOUT_SECONDS``; say how each went.

    A failed read leaves the write ``skipped``. Failures are logged with their details.
    """
    timeout = current_app.config["DB_BUSY_TIMEOUT_SECONDS"]
    checks = {"read": _run("read", _read, timeout)}
    checks["write"] = _run("write", _write, timeout) if checks["read"] == "ok" else "skipped"
    return checks
