"""evidence ladder: each alert × municipality pair gets its rung of evidence (not sent with its reason,
failed, written locally, in progress, handed over, confirmed) and the roll-ups count each rung (issue 18)

The report tables are cleared, so the next look at a report (relay.reports.refresh.ensure_fresh)
counts everything again under the new definitions; they hold nothing that is not recomputed.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

import relay.models.base

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

COUNTERS = {
    'report_cell': ('not_sent_gap', 'not_sent_due', 'failed', 'local', 'in_progress', 'handed_over', 'confirmed',
                    'direct'),
    'report_alert': ('confirmed', 'not_reached'),
    'report_municipality_month': ('confirmed', 'not_reached'),
}
def _reach_columns() -> list[sa.Column]:
    return [sa.Column('rung', sa.String(length=12), nullable=False, server_default='not-sent'),
            sa.Column('reason', sa.String(length=12), nullable=True),
            sa.Column('acceptance', sa.String(length=10), nullable=True),
            sa.Column('settles_at', relay.models.base.UtcDateTime(timezone=True), nullable=True)]


def _clear() -> None:
    for table in ('report_cell', 'report_latency', 'report_reach', 'report_alert', 'report_municipality_month',
                  'report_state'):
        op.execute(f'DELETE FROM {table}')  # noqa: S608 - fixed names


def upgrade() -> None:
    _clear()
    for table, names in COUNTERS.items():
        with op.batch_alter_table(table) as batch:
            for name in names:
                batch.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default='0'))
    with op.batch_alter_table('report_reach') as batch:
        for column in _reach_columns():
            batch.add_column(column)
    with op.batch_alter_table('report_state') as batch:
        batch.add_column(sa.Column('routes_fingerprint', sa.String(length=100), nullable=False, server_default=''))
    op.create_index('ix_report_reach_settles_at', 'report_reach', ['settles_at'])


def downgrade() -> None:
    _clear()
    op.drop_index('ix_report_reach_settles_at', table_name='report_reach')
    with op.batch_alter_table('report_state') as batch:
        batch.drop_column('routes_fingerprint')
    with op.batch_alter_table('report_reach') as batch:
        for column in _reach_columns():
            batch.drop_column(column.name)
    for table, names in COUNTERS.items():
        with op.batch_alter_table(table) as batch:
            for name in names:
                batch.drop_column(name)
