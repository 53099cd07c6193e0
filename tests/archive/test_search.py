"""Searching the archive: words in bokmål and nynorsk, filters by sector, body, year and office."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from relay.archive.queries import ArchiveFilter, list_archive
from relay.archive.search import SearchError, words_of
from relay.db import transaction


def _found(engine, **wanted) -> set[int]:
    with transaction(engine) as s:
        return {a.id for a in list_archive(session=s, wanted=ArchiveFilter(**wanted), signed_in=False).alerts}


def test_it_finds_an_alert_by_a_nynorsk_word_and_by_a_bokmal_word(engine, archive):
    assert _found(engine, words="barnevernstenesta") == {archive.care}
    assert _found(engine, words="Barneverntjenesten") == {archive.care}
    assert _found(engine, words="kommunane samvær") == {archive.care}  # every word must occur
    assert _found(engine, words="kommunane psykisk") == set()


def test_it_finds_inflected_forms_from_the_stem_typed(engine, archive):
    assert _found(engine, words="spesialundervisning") == {archive.school}
    assert _found(engine, words="merknad") == {archive.school}  # merknader / merknadene


def test_it_filters_by_sector_body_year_and_office(engine, archive):
    this_year = datetime.now(UTC).year
    assert _found(engine, sector="education") == {archive.school}
    assert _found(engine, body="ECHR") == {archive.care, archive.health}
    assert _found(engine, year=2024) == {archive.school}
    assert _found(engine, year=this_year) == {archive.care, archive.health}
    assert _found(engine, office_id=archive.office_b) == {archive.health}
    assert _found(engine, office_id=archive.office_a, body="ECHR", words="samvær") == {archive.care}


def test_search_syntax_typed_by_a_reader_is_read_as_words(engine, archive):
    assert words_of('"barn* OR NEAR(') == ["barn", "or", "near"]
    assert _found(engine, words='samvær" OR *') == set()  # "or" is a word here, and no alert has it
    assert _found(engine, words='"samvær"*') == {archive.care}
    with pytest.raises(SearchError), transaction(engine) as s:
        list_archive(session=s, wanted=ArchiveFilter(words="*** ()"), signed_in=False)


def test_an_edited_text_is_found_by_its_new_words_and_not_its_old(engine, archive):
    from relay.models import Alert

    with transaction(engine) as s:
        s.get(Alert, archive.health).summary_nb = "Tvangsinnleggelse uten tilstrekkelig begrunnelse."
    assert _found(engine, words="tvangsinnleggelse") == {archive.health}
    assert _found(engine, words="artikkel") == set()


def test_a_withdrawn_alert_leaves_the_archive(engine, archive, web):
    from relay.models import Alert

    with transaction(engine) as s:
        s.get(Alert, archive.care).status = "withdrawn"
    assert _found(engine, words="samvær") == set()
    assert web.get(f"/archive/{archive.care}").status_code == 404


def test_the_search_page_shows_results_filters_and_a_clear_error(web, archive):
    page = web.get("/archive", params={"q": "barnevernstenesta", "lang": "nn"})
    assert page.status_code == 200
    assert f'href="/archive/{archive.care}?lang=nn"' in page.text and "Samvær etter omsorgsovertaking" in page.text
    assert f"/archive/{archive.school}" not in page.text
    assert re.search(r'<option value="ECHR"[^>]*>', page.text)
    bad = web.get("/archive", params={"q": "()*", "lang": "nb"})
    assert bad.status_code == 200 and 'aria-invalid="true"' in bad.text
    assert "Skriv minst ett ord" in bad.text and f"/archive/{archive.school}" in bad.text  # nothing lost


def test_the_search_index_survives_a_backup_and_restore(tmp_path):
    """The index is not a model, so the backup must carry it as part of the database (SQLite: the file)."""
    from relay import migrate
    from relay.db import make_engine
    from relay.ops.backup import backup, restore
    from tests import factories

    own = make_engine(f"sqlite:///{tmp_path / 'own.db'}")
    migrate.upgrade(own)
    with transaction(own) as s:
        care = factories.make_alert(s, summary_nn="Barnevernstenesta avgrensa samværet.").id
    archive = backup(own, tmp_path / "backups" / "relay.backup")
    with transaction(own) as s:
        s.execute(text("DELETE FROM alert_sector"))
        s.execute(text("DELETE FROM alert_target"))
        s.execute(text("DELETE FROM alert"))
    assert _found(own, words="barnevernstenesta") == set()
    restore(own, archive)
    assert _found(own, words="barnevernstenesta") == {care}
    own.dispose()
