"""message body: the wire form moves out of the message row into message_body, so the sender's three
updates of each message row (claim, attempt, outcome) stop rewriting several kB of bytes each time

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'message_body',
        sa.Column('message_id', sa.Integer(), nullable=False),
        sa.Column('mime', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(['message_id'], ['message.id'], name=op.f('fk_message_body_message_id_message'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('message_id', name=op.f('pk_message_body')),
    )
    op.execute('INSERT INTO message_body (message_id, mime) SELECT id, mime FROM message')
    # Not batch mode on SQLite: a batch rebuild drops and re-creates the message table, and with foreign
    # keys on, dropping it deletes every attempt and receipt that cascades from it. SQLite ≥ 3.35 drops
    # a plain column in place.
    op.drop_column('message', 'mime')


def downgrade() -> None:
    op.add_column('message', sa.Column('mime', sa.LargeBinary(), nullable=False, server_default=sa.text("''")))
    op.execute('UPDATE message SET mime = (SELECT mime FROM message_body WHERE message_body.message_id = message.id)')
    op.drop_table('message_body')
