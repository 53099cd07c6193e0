"""tag label: governors' sector decisions (added or removed on the item page, or chosen at approval) kept
one row per decision, so `relay tag train --from-decisions` and `relay tag eval --from-decisions` can read
who decided what about which item, and when

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

import relay.models.base

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'tag_label',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('sector', sa.String(length=40), nullable=False),
        sa.Column('present', sa.Boolean(), nullable=False),
        sa.Column('source', sa.String(length=10), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('created_at', relay.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['item_id'], ['item.id'], name=op.f('fk_tag_label_item_id_item'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_tag_label_user_id_user_account'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_tag_label')),
    )
    op.create_index(op.f('ix_tag_label_item_id'), 'tag_label', ['item_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_tag_label_item_id'), table_name='tag_label')
    op.drop_table('tag_label')
