"""sqlite delivery times: the old executemany path (fastmany.py, gone) wrote four delivery times on
SQLite in the driver's format ('2026-12-01 10:00:09.123457+00:00', or without the fraction at a whole
second) where the ORM writes '2026-12-01 10:00:09.123457'. Both read back as the same time, but SQLite
compares the text, so they are put in the ORM's one format. PostgreSQL stores real timestamps: nothing.

Revision ID: 0011
Revises: 0010
"""

from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

COLUMNS = (("attempt", "started_at"), ("attempt", "finished_at"), ("message", "sent_at"),
           ("receipt_event", "occurred_at"))


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table, column in COLUMNS:
        bare = f"substr({column}, 1, length({column}) - 6)"  # without '+00:00'
        op.execute(f"UPDATE {table} SET {column} = CASE WHEN instr({bare}, '.') THEN {bare} "  # noqa: S608 - names above
                   f"ELSE {bare} || '.000000' END WHERE {column} LIKE '%+00:00'")


def downgrade() -> None:
    pass  # the ORM's format is what every version reads and writes
