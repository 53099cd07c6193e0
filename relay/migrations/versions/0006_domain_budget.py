"""domain budget: the per-domain sending rate kept in the database, shared by every worker (issue 7)

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

import relay.models.base

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'domain_budget',
        sa.Column('domain', sa.String(length=255), nullable=False),
        sa.Column('tokens', sa.Float(), nullable=False),
        sa.Column('updated_at', relay.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('domain', name=op.f('pk_domain_budget')),
    )


def downgrade() -> None:
    op.drop_table('domain_budget')
