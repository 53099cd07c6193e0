"""contact address case: addresses are compared without regard to case (contacts.same_address), so the
index on the address is on lower(email); the plain one served only exact lookups, which are gone

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index('ix_contact_email', table_name='contact')
    op.create_index('ix_contact_email_lower', 'contact', [sa.text('lower(email)')], unique=False)


def downgrade() -> None:
    op.drop_index('ix_contact_email_lower', table_name='contact')
    op.create_index('ix_contact_email', 'contact', ['email'], unique=False)
