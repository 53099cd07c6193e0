"""archive and survey: each office's archive setting, anonymous archive counts, full-text search over
alerts (SQLite FTS5 table kept by triggers; PostgreSQL GIN index with the Norwegian configuration), and
the sufficiency survey with its invitations and answers

Revision ID: 0017
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

import relay.models.base

revision = '0017'
down_revision = '0015'
branch_labels = None
depends_on = None

TEXT_COLUMNS = "title_nb, title_nn, summary_nb, summary_nn, meaning_nb, meaning_nn"
# The same expression as relay.archive.search.PG_DOCUMENT: PostgreSQL uses the index only when they match.
PG_DOCUMENT = ("to_tsvector('{config}'::regconfig, title_nb || ' ' || title_nn || ' ' || summary_nb || ' ' || "
               "summary_nn || ' ' || meaning_nb || ' ' || meaning_nn)")
SQLITE_TRIGGERS = {
    "alert_search_insert": "AFTER INSERT ON alert BEGIN INSERT INTO alert_search(rowid, {cols}) "
                           "VALUES (new.id, {new}); END",
    "alert_search_delete": "AFTER DELETE ON alert BEGIN INSERT INTO alert_search(alert_search, rowid, {cols}) "
                           "VALUES ('delete', old.id, {old}); END",
    "alert_search_update": "AFTER UPDATE ON alert BEGIN INSERT INTO alert_search(alert_search, rowid, {cols}) "
                           "VALUES ('delete', old.id, {old}); INSERT INTO alert_search(rowid, {cols}) "
                           "VALUES (new.id, {new}); END",
}


def _create_search() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        # External content: the text stays in `alert`; the index follows it through the triggers.
        op.execute(f"CREATE VIRTUAL TABLE alert_search USING fts5({TEXT_COLUMNS}, content='alert', "
                   "content_rowid='id', tokenize='unicode61')")
        columns = [c.strip() for c in TEXT_COLUMNS.split(",")]
        new = ", ".join(f"new.{c}" for c in columns)
        old = ", ".join(f"old.{c}" for c in columns)
        for name, body in SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} " + body.format(cols=TEXT_COLUMNS, new=new, old=old))
        op.execute("INSERT INTO alert_search(alert_search) VALUES ('rebuild')")
    elif bind.dialect.name == "postgresql":
        present = bind.execute(sa.text("SELECT 1 FROM pg_ts_config WHERE cfgname = 'norwegian'")).first()
        config = "norwegian" if present else "simple"
        op.execute(f"CREATE INDEX ix_alert_search ON alert USING gin ({PG_DOCUMENT.format(config=config)})")


def _drop_search() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS alert_search")
    elif bind.dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_alert_search")


def upgrade() -> None:
    op.create_table('archive_hit',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('subject', sa.String(length=120), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'kind', 'subject', name=op.f('pk_archive_hit'))
    )
    op.create_table('archive_office',
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('visibility', sa.String(length=10), nullable=False),
    sa.Column('updated_by_user_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', relay.models.base.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['office_id'], ['organisation.id'], name=op.f('fk_archive_office_office_id_organisation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_user_id'], ['user_account.id'], name=op.f('fk_archive_office_updated_by_user_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('office_id', name=op.f('pk_archive_office'))
    )
    op.create_table('survey',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('asked_by_id', sa.Integer(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=True),
    sa.Column('sectors', sa.JSON().with_variant(sa.JSON(none_as_null=True), 'postgresql'), nullable=False),
    sa.Column('opens_on', sa.Date(), nullable=False),
    sa.Column('closes_on', sa.Date(), nullable=False),
    sa.Column('repeat', sa.String(length=10), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('created_by_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', relay.models.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', relay.models.base.UtcDateTime(timezone=True), nullable=True),
    sa.Column('next_survey_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['asked_by_id'], ['organisation.id'], name=op.f('fk_survey_asked_by_id_organisation')),
    sa.ForeignKeyConstraint(['created_by_user_id'], ['user_account.id'], name=op.f('fk_survey_created_by_user_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['next_survey_id'], ['survey.id'], name=op.f('fk_survey_next_survey_id_survey'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['office_id'], ['organisation.id'], name=op.f('fk_survey_office_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey'))
    )
    op.create_index(op.f('ix_survey_asked_by_id'), 'survey', ['asked_by_id'], unique=False)
    op.create_index(op.f('ix_survey_office_id'), 'survey', ['office_id'], unique=False)
    op.create_table('survey_invitation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('sent_at', relay.models.base.UtcDateTime(timezone=True), nullable=True),
    sa.Column('reminded_at', relay.models.base.UtcDateTime(timezone=True), nullable=True),
    sa.Column('reminders', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], name=op.f('fk_survey_invitation_contact_id_contact'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['municipality_id'], ['organisation.id'], name=op.f('fk_survey_invitation_municipality_id_organisation')),
    sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], name=op.f('fk_survey_invitation_survey_id_survey'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_invitation')),
    sa.UniqueConstraint('survey_id', 'municipality_id', 'email', name=op.f('uq_survey_invitation_survey_id_municipality_id_email'))
    )
    op.create_index(op.f('ix_survey_invitation_municipality_id'), 'survey_invitation', ['municipality_id'], unique=False)
    op.create_index(op.f('ix_survey_invitation_survey_id'), 'survey_invitation', ['survey_id'], unique=False)
    op.create_table('survey_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('invitation_id', sa.Integer(), nullable=True),
    sa.Column('responder_name', sa.String(length=200), nullable=False),
    sa.Column('sufficiency', sa.JSON().with_variant(sa.JSON(none_as_null=True), 'postgresql'), nullable=False),
    sa.Column('useful', sa.Text(), nullable=False),
    sa.Column('missing', sa.Text(), nullable=False),
    sa.Column('actions', sa.Text(), nullable=False),
    sa.Column('submitted_at', relay.models.base.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['invitation_id'], ['survey_invitation.id'], name=op.f('fk_survey_answer_invitation_id_survey_invitation'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['municipality_id'], ['organisation.id'], name=op.f('fk_survey_answer_municipality_id_organisation')),
    sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], name=op.f('fk_survey_answer_survey_id_survey'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_answer'))
    )
    op.create_index(op.f('ix_survey_answer_municipality_id'), 'survey_answer', ['municipality_id'], unique=False)
    op.create_index(op.f('ix_survey_answer_submitted_at'), 'survey_answer', ['submitted_at'], unique=False)
    op.create_index(op.f('ix_survey_answer_survey_id'), 'survey_answer', ['survey_id'], unique=False)
    _create_search()


def downgrade() -> None:
    _drop_search()
    for table in ("survey_answer", "survey_invitation", "survey", "archive_office", "archive_hit"):
        op.drop_table(table)
