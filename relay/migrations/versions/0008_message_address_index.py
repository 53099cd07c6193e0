"""message address index: the sign-in mail limit per address reads recent sign-in mails to one
address on every sign-in request, which without it scans the whole outbox

Revision ID: 0008
Revises: 0007
"""

from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_message_to_address_kind', 'message', ['to_address', 'kind'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_message_to_address_kind', table_name='message')
