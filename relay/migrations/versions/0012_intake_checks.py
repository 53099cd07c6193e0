"""intake checks: per-record rejections and deferred items kept with each source run, the rejections of the
last run on the source; the paragraphs of a document an office chose for its alert; language versions of
one case attached to its first-stored version (French versions were entries of their own)

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('source_run') as batch:
        batch.add_column(sa.Column('items_rejected', sa.Integer(), nullable=False, server_default=sa.text('0')))
        batch.add_column(sa.Column('items_deferred', sa.Integer(), nullable=False, server_default=sa.text('0')))
        batch.add_column(sa.Column('rejected', sa.JSON().with_variant(sa.JSON(none_as_null=True), 'postgresql'), nullable=True))
    with op.batch_alter_table('source') as batch:
        batch.add_column(sa.Column('items_rejected_last_run', sa.Integer(), nullable=False, server_default=sa.text('0')))
    op.create_table(
        'alert_paragraph',
        sa.Column('alert_id', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['alert_id'], ['alert.id'], name=op.f('fk_alert_paragraph_alert_id_alert'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['item_id'], ['item.id'], name=op.f('fk_alert_paragraph_item_id_item'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('alert_id', 'item_id', name=op.f('pk_alert_paragraph')),
    )
    op.create_index('ix_item_primary_item_id', 'item', ['primary_item_id'], unique=False)
    # One entry per case: every other-language version of the same kind points at the group's oldest item.
    op.execute(sa.text("""
        UPDATE item SET primary_item_id = (
            SELECT min(lead.id) FROM item lead
            WHERE lead.group_key = item.group_key AND lead.kind = item.kind AND lead.language IS NOT NULL)
        WHERE item.body = 'ECHR' AND item.group_key IS NOT NULL AND item.language IS NOT NULL
          AND EXISTS (SELECT 1 FROM item older
                      WHERE older.group_key = item.group_key AND older.kind = item.kind
                        AND older.id < item.id AND older.language IS NOT NULL
                        AND older.language <> item.language)
    """))


def downgrade() -> None:
    op.drop_index('ix_item_primary_item_id', table_name='item')
    op.drop_table('alert_paragraph')
    with op.batch_alter_table('source') as batch:
        batch.drop_column('items_rejected_last_run')
    with op.batch_alter_table('source_run') as batch:
        batch.drop_column('rejected')
        batch.drop_column('items_deferred')
        batch.drop_column('items_rejected')
