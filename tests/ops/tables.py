"""Fill one row into every table of a (reflected or declared) schema, and read every row back.

Generated from the schema itself, so a table a colleague adds tomorrow is covered by the backup and
upgrade tests without anyone remembering to list it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, Integer, LargeBinary, MetaData, Numeric, select

MOMENT = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def _value(column):
    if column.foreign_keys:
        fk = next(iter(column.foreign_keys))
        # A self-reference would need a row that does not exist yet; every other parent has row 1.
        if fk.column.table is column.table and column.nullable:
            return None
        return 1
    kind = column.type
    for types, value in ((Boolean, True), (Integer, 1), (Float, 1.5), (Numeric, 1), (LargeBinary, b"\x00bytes"),
                         (DateTime, MOMENT), (Date, date(2026, 1, 2)), (JSON, {"k": ["v"]})):
        if isinstance(kind, types) or isinstance(getattr(kind, "impl", None), types):
            return value
    length = getattr(kind, "length", None)
    return "x1"[: length or 2]


def fill_every_table(connection, metadata: MetaData, skip=("alembic_version",)) -> dict[str, list]:
    """One row per table (parents first); returns what each table holds afterwards."""
    for table in metadata.sorted_tables:
        if table.name in skip:
            continue
        connection.execute(table.insert().values({c.name: _value(c) for c in table.columns}))
    return read_every_table(connection, metadata)


def read_every_table(connection, metadata: MetaData) -> dict[str, list]:
    rows = {}
    for table in metadata.sorted_tables:
        key = list(table.primary_key.columns) or list(table.columns)
        rows[table.name] = [tuple(_comparable(v) for v in row) for row in
                            connection.execute(select(table).order_by(*key))]
    return rows


def _comparable(value):
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)  # SQLite gives back naive UTC; PostgreSQL aware
    if isinstance(value, memoryview):
        return bytes(value)
    return value


def reflect(connection) -> MetaData:
    """Every table but the archive's full-text index (SQLite FTS5 and its shadow tables): it is derived
    from alert by triggers, so a row written into it by hand would collide with the one the trigger wrote."""
    from relay.archive.search import SEARCH_OBJECTS

    metadata = MetaData()
    metadata.reflect(bind=connection, only=lambda name, _meta: not name.startswith(SEARCH_OBJECTS))
    return metadata
