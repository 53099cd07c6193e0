"""executemany on SQLite without SQLAlchemy's per-row bookkeeping.

For an executemany, SQLAlchemy builds each row's parameters through the compiled statement and
runs every bind processor on every value; for a chunk's writes that cost more than SQLite's own
work (the delivery benchmark's profile: the writer thread spent a quarter of its time there).
Here the statement is compiled once per set of columns, the driver gets plain tuples, and a value
shared by the rows (a chunk's `now`) goes through its processor once. The processors are
SQLAlchemy's own, so what is stored is byte for byte what the ORM would store.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

_compiled: dict[tuple, tuple[str, list[tuple[str, object]]]] = {}


def executemany(session: Session, statement, rows: list[dict]) -> None:
    """Run `statement` once per row in the session's transaction (every row has the same keys)."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    if dialect.paramstyle != "qmark":  # only SQLite's driver is spoken to directly
        connection.execute(statement, rows)
        return
    sql, binds = _compile(statement, dialect, tuple(rows[0]))
    memo: dict[tuple[int, int], object] = {}

    def value(index: int, processor, raw):
        if processor is None:
            return raw
        key = (index, id(raw))  # the rows hold their values, so an id is not reused during this call
        if key not in memo:
            memo[key] = processor(raw)
        return memo[key]

    connection.exec_driver_sql(sql, [
        tuple(value(i, processor, row[name] if name in row else constant)
              for i, (name, processor, constant) in enumerate(binds))
        for row in rows
    ])


def _compile(statement, dialect, keys: tuple[str, ...]):
    """SQL and, per placeholder: its parameter's name, bind processor, and the statement's own
    value for it (the literals of .values(status="sent"), which no row carries)."""
    cache_key = (statement, dialect.name, keys)  # the statement itself: an id could be reused
    if cache_key not in _compiled:
        compiled = statement.compile(dialect=dialect, column_keys=list(keys))
        if compiled.insert_prefetch or compiled.update_prefetch:
            # A column the rows leave out would get its model default from SQLAlchemy, which this
            # path never runs: it would store NULL. Every caller names its columns; say so loudly.
            missing = ", ".join(c.key for c in (*compiled.insert_prefetch, *compiled.update_prefetch))
            raise ValueError(f"fastmany.executemany needs every column with a Python default: {missing}")
        binds = [compiled.binds[name] for name in compiled.positiontup]
        _compiled[cache_key] = (str(compiled), [(name, bind.type.bind_processor(dialect), bind.value)
                                                for name, bind in zip(compiled.positiontup, binds, strict=True)])
    return _compiled[cache_key]
