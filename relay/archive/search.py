"""Full-text search over alerts' texts (both written standards): FTS5 on SQLite, the 'norwegian' text
search configuration on PostgreSQL. Both indexes are made by migration 0017; this module only asks them."""

from __future__ import annotations

import re

from sqlalchemy import ColumnElement, func, literal_column, select, text
from sqlalchemy.orm import Session

from relay.models import Alert

# Names the migration creates outside the models (tests/test_migrations.py leaves them out of its comparison).
SEARCH_OBJECTS = ("alert_search", "ix_alert_search")
# The same expression as in migration 0017: PostgreSQL uses the GIN index only when the two match.
PG_DOCUMENT = ("to_tsvector('{config}'::regconfig, alert.title_nb || ' ' || alert.title_nn || ' ' || "
               "alert.summary_nb || ' ' || alert.summary_nn || ' ' || alert.meaning_nb || ' ' || alert.meaning_nn)")
MAX_WORDS = 12
WORD = re.compile(r"\w+", re.UNICODE)


class SearchError(ValueError):
    """The search text holds nothing to search for."""


def words_of(query: str) -> list[str]:
    """The words of what was typed, without any operator syntax: quotes, stars, NEAR and the like are
    the index's language, not the reader's, so "barn*" and 'barn" OR' search for the word barn."""
    return [w.lower() for w in WORD.findall(query or "")][:MAX_WORDS]


def pg_config(session: Session) -> str:
    """The configuration the index was built with: 'norwegian' where the server has it, else 'simple'."""
    present = session.execute(text("SELECT 1 FROM pg_ts_config WHERE cfgname = 'norwegian'")).first()
    return "norwegian" if present is not None else "simple"


def matches(session: Session, query: str) -> ColumnElement[bool]:
    """A condition on Alert: every typed word occurs in one of its texts (bokmål or nynorsk).

    SQLite matches word prefixes (barnevern finds barnevernet, barnevernstenesta); PostgreSQL stems with
    the Norwegian snowball stemmer, and the prefix form as well, so the two databases answer alike for
    the inflected forms a reader types."""
    words = words_of(query)
    if not words:
        raise SearchError("no words to search for")
    if session.get_bind().dialect.name == "postgresql":
        config = pg_config(session)
        terms = " & ".join(f"{w}:*" for w in words)
        document = literal_column(PG_DOCUMENT.format(config=config))
        return document.op("@@")(func.to_tsquery(literal_column(f"'{config}'::regconfig"), terms))
    expression = " AND ".join(f'"{w}"*' for w in words)
    found = select(literal_column("rowid")).select_from(text("alert_search")).where(
        text("alert_search MATCH :expression").bindparams(expression=expression))
    return Alert.id.in_(found)
