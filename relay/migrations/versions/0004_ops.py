"""ops: aggregated receipt events, one open incident per kind and subject, indexes for alerts and metrics

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'receipt_event_month',
        sa.Column('alert_id', sa.Integer(), nullable=False),
        sa.Column('municipality_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('filtered', sa.Boolean(), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('alert_id', 'municipality_id', 'kind', 'month', 'filtered',
                                name=op.f('pk_receipt_event_month')),
    )
    # Close all but the newest of any duplicate open incidents first, or the index cannot be built.
    op.execute(
        "UPDATE incident SET closed_at = opened_at WHERE closed_at IS NULL AND id NOT IN "
        "(SELECT MAX(id) FROM incident WHERE closed_at IS NULL GROUP BY kind, subject)"
    )
    op.create_index(
        'uq_incident_open', 'incident', ['kind', 'subject'], unique=True,
        sqlite_where=sa.text('closed_at IS NULL'), postgresql_where=sa.text('closed_at IS NULL'),
    )


    op.create_index('ix_receipt_event_kind_occurred_at', 'receipt_event', ['kind', 'occurred_at'])
    op.create_index('ix_message_sent_at', 'message', ['sent_at'])


def downgrade() -> None:
    op.drop_index('ix_message_sent_at', table_name='message')
    op.drop_index('ix_receipt_event_kind_occurred_at', table_name='receipt_event')
    op.drop_index('uq_incident_open', table_name='incident')
    op.drop_table('receipt_event_month')
