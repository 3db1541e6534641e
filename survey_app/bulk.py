"""Many rows into one table with one driver ``executemany``: what an import writes per batch.

SQLAlchemy's Core ``insert`` with a list of dicts prepares every row's parameters through its generic
machinery; here each column's own bind processor (the same conversion SQLAlchemy applies: dates to ISO text on
SQLite, decimals to floats, enums to their values) is applied in one tuple per row, and the statement goes
straight to the driver.
"""
from __future__ import annotations

from collections.abc import Sequence
from operator import itemgetter

from sqlalchemy import Connection, Table


def insert_many(connection: Connection, table: Table, rows: Sequence[dict]) -> None:
    """Insert ``rows`` (dicts of column name → value, every row naming the same columns) into ``table``."""
    if not rows:
        return
    dialect = connection.dialect
    names = list(rows[0])
    columns = [table.c[name] for name in names]
    processors = [column.type.dialect_impl(dialect).bind_processor(dialect) for column in columns]
    quote = dialect.identifier_preparer.quote
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    # Only the table's own column names (looked up in its metadata above), quoted by the dialect; values are bound.
    sql = (f"INSERT INTO {quote(table.name)} ({', '.join(quote(c.name) for c in columns)}) "  # nosec B608
           f"VALUES ({', '.join([marker] * len(columns))})")
    values = itemgetter(*names) if len(names) > 1 else (lambda row: (row[names[0]],))
    converted = [(index, process) for index, process in enumerate(processors) if process is not None]
    params = []
    for row in rows:
        line = list(values(row))
        for index, process in converted:
            if line[index] is not None:
                line[index] = process(line[index])
        params.append(tuple(line))
    connection.exec_driver_sql(sql, params)
