"""One bad row never throws away a window: each is rejected with its reason, the rest stored, and
`relay sources` and the sources page say which and why."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from relay.cli import collect as collect_cli
from relay.db import transaction
from relay.models import Source, SourceRun
from relay.settings import get_settings
from tests.intake.conftest import add_source, feed, items

STORED = {"ECLI:CE:ECHR:2024:1015JUD005947621:ENG", "ECLI:CE:ECHR:2024:1105JUD000000401:ENG",
          "ECLI:CE:ECHR:2024:1015JUD005947621:ENG:001-237330", "ECLI:CE:ECHR:2099:0101JUD000000601:ENG"}


@pytest.fixture
def relay(settings, database_url, monkeypatch, engine):
    monkeypatch.setenv("RELAY_DATABASE_URL", database_url)
    monkeypatch.setenv("RELAY_DATA_DIR", str(settings.data_dir))
    get_settings.cache_clear()
    group = click.Group()
    group.add_command(collect_cli.sources)
    yield lambda *args: CliRunner().invoke(group, list(args), catch_exceptions=False)
    get_settings.cache_clear()


def test_a_window_with_bad_rows_stores_every_good_one_and_names_each_bad_one(engine):
    add_source(engine, "echr-norway", "hudoc", instance="ECHR", respondent="NOR")
    result = feed(engine, "echr-norway", "hudoc/echr_window_mixed.json")
    assert result.ok
    assert set(items(engine)) == STORED
    reasons = {r.record: r.reason for r in result.rejected}
    assert reasons == {
        "row 2 (001-237300)": "column 'importance' is a number where HUDOC sends text",
        "row 3 (001-237301)": "column 'separateopinion' is a boolean where HUDOC sends text",
        "row 4 (001-237302)": "column 'appno' is a list where HUDOC sends text",
        "row 5 (001-237303)": "column 'docname' is an object where HUDOC sends text",
        "row 7 (001-237320)": "has respondent 'GBR', not NOR",
    }
    stored = items(engine)
    odd = stored["ECLI:CE:ECHR:2024:1105JUD000000401:ENG"]
    assert odd.date is None and odd.date_raw == "31/31/2024" and "unreadable date '31/31/2024'" in odd.meta["warnings"]
    future = stored["ECLI:CE:ECHR:2099:0101JUD000000601:ENG"]
    assert future.date is None and future.date_plausible is False  # flagged, never "new since"
    # A separate decision under the judgment's ECLI is its own document, not a dropped repeat nor a version.
    separate = stored["ECLI:CE:ECHR:2024:1015JUD005947621:ENG:001-237330"]
    assert separate.primary_item_id is None and separate.title.endswith("(Separate decision on just satisfaction)")
    with transaction(engine) as session:
        run = session.scalars(select(SourceRun)).one()
        assert run.ok and run.items_rejected == 5 and len(run.rejected) == 5
        assert session.scalars(select(Source)).one().items_rejected_last_run == 5


def test_relay_sources_lists_the_rejections_with_their_reasons(engine, relay):
    add_source(engine, "echr-norway", "hudoc", instance="ECHR", respondent="NOR")
    feed(engine, "echr-norway", "hudoc/echr_window_mixed.json")
    out = relay("sources")
    assert out.exit_code == 0, out.output
    assert "5 record(s) rejected" in out.output
    assert "rejected row 3 (001-237301): column 'separateopinion' is a boolean where HUDOC sends text" in out.output
    assert "rejected row 7 (001-237320): has respondent 'GBR', not NOR" in out.output


def test_a_payload_mostly_outside_the_filter_is_still_refused_as_silent_substitution(engine):
    add_source(engine, "echr-norway", "hudoc", instance="ECHR", respondent="NOR")
    result = feed(engine, "echr-norway", "hudoc/echr_substituted.json")
    assert not result.ok and "ignored the filter" in result.error
    assert items(engine) == {}
