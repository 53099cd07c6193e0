"""Insert, or do nothing on conflict, on SQLite and PostgreSQL alike; then read back.

DELIVERY-AND-RECEIPTS §5.1: never check first and insert afterwards — two requests at once
would both see nothing and both insert.
"""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_ignore(session: Session, model, values: dict, conflict: list[str]) -> bool:
    """True when this call inserted the row, False when it already existed."""
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    # RETURNING rather than rowcount: drivers differ on what rowcount says for DO NOTHING (psycopg can
    # answer -1), while a returned row means exactly "this call inserted it" on both databases.
    statement = (module.insert(model).values(**values).on_conflict_do_nothing(index_elements=conflict)
                 .returning(*model.__table__.primary_key.columns))
    return session.execute(statement).first() is not None
