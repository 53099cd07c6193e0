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
    empty = "''::bytea" if op.get_bind().dialect.name == "postgresql" else "X''"
    # The default fills the column for existing rows; a message without a body row keeps it. PostgreSQL
    # drops it again below, as 0008 had none (SQLite would need a table rebuild to, and keeps it).
    op.add_column('message', sa.Column('mime', sa.LargeBinary(), nullable=False, server_default=sa.text(empty)))
    op.execute(sa.text('UPDATE message SET mime = COALESCE((SELECT mime FROM message_body '
                       'WHERE message_body.message_id = message.id), :empty)')
               .bindparams(sa.bindparam('empty', b'', type_=sa.LargeBinary())))
    op.drop_table('message_body')
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column('message', 'mime', server_default=None)
