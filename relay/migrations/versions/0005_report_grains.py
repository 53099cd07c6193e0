"""report grains: report_cell and report_latency keep every roll-up at eight grains (issue 9)

The roll-ups are recreated empty and the other report tables are cleared, so the next look at a
report (relay.reports.refresh.ensure_fresh) counts everything again from the source tables.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

LADDER = ('targeted', 'sent', 'reached', 'delivered', 'bounced', 'clicked', 'clicks', 'bot_clicks', 'acknowledged',
          'fu_not_relevant', 'fu_noted', 'fu_will_follow_up', 'fu_followed_up')


def _keys(grains: bool) -> list[sa.Column]:
    columns = [sa.Column('grain', sa.Integer(), nullable=False)] if grains else []
    return columns + [
        sa.Column('sector', sa.String(length=40), nullable=False),
        sa.Column('body', sa.String(length=40), nullable=False),
        sa.Column('county_id', sa.Integer(), nullable=False),
        sa.Column('office_id', sa.Integer(), nullable=False),
        sa.Column('month', sa.String(length=7), nullable=False),
    ]


def _create(grains: bool) -> None:
    cell_key = (['grain'] if grains else []) + ['sector', 'body', 'county_id', 'office_id', 'month']
    if not grains:  # the 0003 key order
        cell_key = ['sector', 'month', 'office_id', 'county_id', 'body']
    op.create_table('report_cell', *_keys(grains), *[sa.Column(c, sa.Integer(), nullable=False) for c in LADDER],
                    sa.PrimaryKeyConstraint(*cell_key, name=op.f('pk_report_cell')))
    latency_key = (['grain', 'sector', 'body', 'county_id', 'office_id', 'month', 'hours'] if grains
                   else ['sector', 'hours', 'month', 'office_id', 'county_id', 'body'])
    op.create_table('report_latency', *_keys(grains), sa.Column('hours', sa.Integer(), nullable=False),
                    sa.Column('pairs', sa.Integer(), nullable=False),
                    sa.PrimaryKeyConstraint(*latency_key, name=op.f('pk_report_latency')))


def _recount_from_nothing() -> None:
    op.drop_table('report_latency')
    op.drop_table('report_cell')
    for table in ('report_reach', 'report_alert', 'report_municipality_month', 'report_state'):
        op.execute(f'DELETE FROM {table}')  # noqa: S608 - fixed names


def upgrade() -> None:
    _recount_from_nothing()
    _create(grains=True)


def downgrade() -> None:
    _recount_from_nothing()
    _create(grains=False)
