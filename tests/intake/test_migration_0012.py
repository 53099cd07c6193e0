"""Migration 0012 attaches the language versions stored before it to one entry per case (French versions
were entries of their own), on SQLite and PostgreSQL alike."""

from __future__ import annotations

from sqlalchemy import create_engine, text

from relay import migrate

ECLI = "ECLI:CE:ECHR:2019:0910JUD003728313"


def _item(conn, key: str, language: str, kind: str = "judgment", primary: int | None = None) -> int:
    conn.execute(text(
        "INSERT INTO item (key, kind, body, title, date_plausible, states, language, text, meta, group_key, "
        "primary_item_id, key_case, relevant, content_hash, first_seen_at, updated_at) VALUES (:key, :kind, "
        "'ECHR', :key, true, 'NOR', :language, '', '{}', :ecli, :primary, false, true, '', "
        "'2026-01-01 00:00:00', '2026-01-01 00:00:00')"),
        {"key": key, "kind": kind, "language": language, "ecli": ECLI, "primary": primary})
    return conn.execute(text("SELECT id FROM item WHERE key = :key"), {"key": key}).scalar_one()


def test_versions_stored_before_the_migration_become_one_entry(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'm.db'}")
    migrate.upgrade(engine, "0011")
    with engine.begin() as conn:
        english = _item(conn, f"{ECLI}:ENG", "en")
        french = _item(conn, f"{ECLI}:FRE", "fr")
        norwegian = _item(conn, f"{ECLI}:NOR", "nb", primary=english)
        summary = _item(conn, f"{ECLI}:ENG:LEGAL-SUMMARY", "en", kind="legal-summary")
    migrate.upgrade(engine)
    with engine.begin() as conn:
        primary = dict(conn.execute(text("SELECT id, primary_item_id FROM item")).all())
    assert primary == {english: None, french: english, norwegian: english, summary: None}
    migrate.downgrade(engine, "0011")
    assert migrate.current_revision(engine) == "0011"
