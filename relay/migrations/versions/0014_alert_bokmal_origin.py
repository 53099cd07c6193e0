"""alert bokmal origin: approval fills a missing standard by machine translation (nynorsk from bokmål,
or bokmål from nynorsk) and the governor must be able to see which texts nobody has read; nynorsk had
its origin column, bokmål gets one. Existing alerts were all written by hand.

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('alert') as batch:
        batch.add_column(sa.Column('bokmal_origin', sa.String(length=10), nullable=False, server_default='manual'))


def downgrade() -> None:
    with op.batch_alter_table('alert') as batch:
        batch.drop_column('bokmal_origin')
