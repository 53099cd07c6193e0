"""The organisation register: config/register/ loaded into a real database, and the questions asked of it."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from relay.db import transaction
from relay.models import Organisation, OrganisationName
from relay.register import (
    RegisterFileError,
    UnknownOrganisation,
    get_municipality,
    list_ministries,
    list_municipalities,
    list_offices,
    load_register,
    name_on,
    written_standard,
)
from tests.conftest import shared_path

OSLO_OFFICE = "Statsforvalteren i Østfold, Buskerud, Oslo og Akershus"
SAMI_AREA = {"5610", "5612", "5636", "5622", "5628", "5540", "5518", "5512", "1875", "1826", "5025", "5043", "5041"}
# REGISTRY.md §3: the four Rogaland candidates and the Ålesund/Haram split.
UNCONFIRMED_MALFORM = {"1119", "1144", "1146", "1151", "1508", "1580"}
MALFORM_FROM_CSV = {"bokmål": "bokmal", "nynorsk": "nynorsk", "nøytral": "noytral"}


def _snapshot(session) -> tuple[list, list]:
    orgs = [tuple(getattr(o, c.key) for c in Organisation.__table__.columns)
            for o in session.scalars(select(Organisation).order_by(Organisation.id))]
    names = [tuple(getattr(n, c.key) for c in OrganisationName.__table__.columns)
             for n in session.scalars(select(OrganisationName).order_by(OrganisationName.id))]
    return orgs, names


def _count(session, kind, profile="no") -> int:
    return session.scalar(select(func.count()).select_from(Organisation)
                          .where(Organisation.profile == profile, Organisation.kind == kind))


def test_it_changes_nothing_when_loaded_twice(engine, settings):
    with transaction(engine) as session:
        first = load_register(session=session, profile="no")
    with transaction(engine) as session:
        before = _snapshot(session)
    with transaction(engine) as session:
        second = load_register(session=session, profile="no")
    with transaction(engine) as session:
        after = _snapshot(session)

    assert (first.created, first.updated, first.names_created) == (388, 0, 424)
    assert dict(first.kinds) == {"ministry": 6, "office": 10, "county": 15, "municipality": 357}
    assert (second.created, second.updated, second.unchanged) == (0, 0, 388)
    assert (second.names_created, second.names_updated, second.names_unchanged) == (0, 0, 424)
    assert before == after
    assert "0 created, 0 updated" in str(second)


def test_it_holds_357_municipalities_15_counties_and_10_offices(register):
    with transaction(register) as session:
        assert _count(session, "municipality") == 357
        assert _count(session, "county") == 15
        offices = list_offices(session=session, profile="no")
        per_office = {o.name: len(list_municipalities(session=session, office_id=o.id)) for o in offices}
    assert len(offices) == 10
    assert sorted(per_office.values(), reverse=True) == [52, 46, 43, 41, 39, 38, 27, 25, 23, 23]
    assert per_office["Statsforvaltaren i Vestland"] == 43
    # Ordered by the area served, whatever the title's written form.
    assert [o.name.split(" i ", 1)[1] for o in offices][:3] == ["Agder", "Innlandet", "Møre og Romsdal"]
    assert offices[-1].name == OSLO_OFFICE


def test_it_flags_the_13_sami_area_municipalities(register):
    with transaction(register) as session:
        flagged = set(session.scalars(select(Organisation.code).where(Organisation.sami_area.is_(True))))
    assert flagged == SAMI_AREA


def test_it_records_malform_totals_and_the_unconfirmed_six(register):
    with transaction(register) as session:
        munis = list_municipalities(session=session)
    assert Counter(m.malform for m in munis) == {"bokmal": 119, "nynorsk": 88, "noytral": 150}
    assert {m.code for m in munis if not m.malform_confirmed} == UNCONFIRMED_MALFORM
    assert all(m.malform_source for m in munis)


def test_it_places_oslo_in_county_03_under_the_joint_office(register):
    with transaction(register) as session:
        oslo = get_municipality(session=session, code="0301")
        assert (oslo.kind, oslo.county.kind, oslo.county.code, oslo.county.name) == ("municipality", "county", "03", "Oslo")
        assert oslo.office.name == OSLO_OFFICE and oslo.office.org_number == "974761319"
        assert oslo.county.office_id == oslo.office_id
        assert (oslo.previous_code, oslo.valid_from) == ("0301", date(2024, 1, 1))


def test_it_keeps_names_with_their_validity(register):
    with transaction(register) as session:
        oslo = get_municipality(session=session, code="0301")
        assert name_on(oslo, date(2025, 12, 31)) == "Oslo"
        assert name_on(oslo, date(2026, 1, 1)) == "Oslo - Oslove"
        assert name_on(oslo, date(2026, 1, 1), form="sma") == "Oslove"
        closed = session.scalars(select(OrganisationName).where(
            OrganisationName.organisation_id == oslo.id, OrganisationName.name == "Oslo")).one()
        assert (closed.valid_from, closed.valid_to) == (date(2020, 1, 1), date(2025, 12, 31))

        rana = get_municipality(session=session, code="1833")
        assert (name_on(rana, date(2023, 12, 31)), name_on(rana, date(2024, 1, 1))) == ("Rana", "Rana - Raane")
        lyngen = get_municipality(session=session, code="5536")
        assert name_on(lyngen, date(2026, 3, 1)) == "Lyngen - Ivgu - Yykeä"
        assert name_on(lyngen, date(2026, 3, 1), form="fkv") == "Yykeä"
        assert name_on(get_municipality(session=session, code="5540"), date(2024, 6, 1)) == \
            "Gáivuotna - Kåfjord - Kaivuono"
        office = list_offices(session=session)[-1]
        assert name_on(office, date(2024, 6, 30)) == "Statsforvalteren i Oslo og Viken"
        assert name_on(office, date(2024, 7, 1)) == OSLO_OFFICE


@pytest.mark.parametrize(("malform", "confirmed", "chosen", "expected"), [
    ("nynorsk", True, "nb", "nn"),      # the decision binds, whatever the contact prefers
    ("bokmal", True, "nn", "nb"),
    ("noytral", True, None, "nb"),      # neutral: bokmål by default
    ("noytral", True, "nn", "nn"),      # neutral: the contact's choice
    ("noytral", False, None, "nn"),     # unconfirmed neutral: the safe default
    ("noytral", False, "en", "nn"),     # English is not a written standard under språklova
    ("noytral", False, "nb", "nb"),     # unless the contact chose bokmål
    (None, False, None, "nn"),          # unknown decision: as unconfirmed
])
def test_it_chooses_the_written_standard(malform, confirmed, chosen, expected):
    municipality = Organisation(profile="no", kind="municipality", code="9999", name="Prøve",
                                malform=malform, malform_confirmed=confirmed)
    assert written_standard(municipality, chosen) == expected


def test_it_chooses_the_written_standard_for_loaded_municipalities(register):
    with transaction(register) as session:
        def standard(code, chosen=None):
            return written_standard(get_municipality(session=session, code=code), chosen)

        assert standard("4621") == "nn"           # Voss, nynorsk
        assert standard("1101", "nn") == "nb"     # Eigersund, bokmål
        assert standard("4601") == "nb"           # Bergen, confirmed neutral
        assert standard("1146") == "nn"           # Tysvær, unconfirmed neutral
        assert standard("1508", "nb") == "nb"     # Ålesund, unconfirmed, the contact chose bokmål


def test_it_finds_municipalities_and_ministries(register):
    with transaction(register) as session:
        assert get_municipality(session=session, code="301").name == "Oslo"
        with pytest.raises(UnknownOrganisation):
            get_municipality(session=session, code="0999")
        assert [m.name for m in list_ministries(session=session, codes=["KDD", "JD"])] == [
            "Kommunal- og distriktsdepartementet", "Justis- og beredskapsdepartementet"]
        assert {m.code for m in list_ministries(session=session)} == {"KDD", "JD", "BFD", "KD", "HOD", "AID"}
        agder = list_offices(session=session)[0]
        names = [m.name for m in list_municipalities(session=session, office_id=agder.id)]
        assert names[-2:] == ["Åmli", "Åseral"] and names[0] == "Arendal"  # Norwegian order: Å last
        assert list_municipalities(session=session, on=date(2023, 12, 31)) == []


def test_it_loads_the_swedish_profile(engine, settings):
    with transaction(engine) as session:
        first = load_register(session=session, profile="se")
        assert load_register(session=session, profile="se").updated == 0
        assert first.created == 353
        assert [_count(session, k, "se") for k in ("kommun", "lan", "region", "lansstyrelse")] == [290, 21, 21, 21]
        kommuner = list_municipalities(session=session, profile="se")
        assert Counter(k.county.name for k in kommuner)["Skåne län"] == 33
        assert all(k.office.kind == "lansstyrelse" and k.office.county_id == k.county_id for k in kommuner)
        assert len(list_offices(session=session, profile="se")) == 21
        gotland = get_municipality(session=session, code="0980", profile="se")
        assert (gotland.name, gotland.county.code) == ("Gotland", "09")


def _write(folder, text):
    (folder / "no").mkdir(parents=True, exist_ok=True)
    (folder / "no" / "test.toml").write_text(text, encoding="utf-8")


SMALL = """
[defaults]
names_valid_from = 2024-01-01
[[office]]
code = "900000001"
name = "Statsforvalteren i Prøve"
[[municipality]]
code = "9901"
name = "Nordby"
office = "900000001"
malform = "noytral"
malform_source = "test data, 2024-01-01"
"""


def test_it_never_deletes_and_reports_updates(engine, settings, tmp_path):
    _write(tmp_path, SMALL + '[[municipality]]\ncode = "9902"\nname = "Sørby"\noffice = "900000001"\n')
    with transaction(engine) as session:
        assert load_register(session=session, folder=tmp_path).created == 3
    _write(tmp_path, SMALL.replace('"noytral"', '"nynorsk"\nmalform_confirmed = true'))
    with transaction(engine) as session:
        report = load_register(session=session, folder=tmp_path)
        assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
        assert get_municipality(session=session, code="9902").valid_to is None  # gone from the file, kept
        assert get_municipality(session=session, code="9901").malform == "nynorsk"


def test_it_keeps_a_confirmed_correction_over_an_unconfirmed_file_value(engine, settings, tmp_path):
    _write(tmp_path, SMALL)
    with transaction(engine) as session:
        load_register(session=session, folder=tmp_path)
        nordby = get_municipality(session=session, code="9901")
        nordby.malform, nordby.malform_confirmed, nordby.malform_source = "nynorsk", True, "admin, språkvedtak 2024"
    with transaction(engine) as session:
        assert load_register(session=session, folder=tmp_path).updated == 0
        assert get_municipality(session=session, code="9901").malform == "nynorsk"


@pytest.mark.parametrize(("text", "message"), [
    (SMALL.replace('malform = "noytral"', 'malform = "riksmal"'), "malform must be one of"),
    (SMALL.replace('office = "900000001"', 'office = "900000002"'), "office '900000002' is not in the register"),
    (SMALL.replace('name = "Nordby"', 'name = "Nordby"\nkomune = "x"'), "unknown keys komune"),
    (SMALL + '[[kommun]]\ncode = "0114"\nname = "Upplands Väsby"\n', "not a kind of the 'no' profile"),
])
def test_it_rejects_a_broken_file_naming_it(engine, settings, tmp_path, text, message):
    _write(tmp_path, text)
    with transaction(engine) as session, pytest.raises(RegisterFileError, match=message) as caught:
        load_register(session=session, folder=tmp_path)
    assert "test.toml" in str(caught.value)


# Deliberate differences from ../shared/registry, each with its reason:
# - names after 2023 (Rana - Raane from 2024; Oslo, Steinkjer, Lyngen from 2026; the joint office's
#   renaming on 2024-07-01) are extra name rows, so names are compared on 2023-12-31 (the CSV holds
#   the 2020-2023 forms) and offices by their current name;
# - målform values are the CSV's, but six carry confirmed=false (REGISTRY.md §3), a flag the CSV lacks.
CSV_DAY = date(2023, 12, 31)
FORMS = {"offisielt_navn": "official", "navn_nordsamisk": "sme", "navn_sorsamisk": "sma",
         "navn_lulesamisk": "smj", "navn_kvensk": "fkv"}


def _csv(*parts):
    with shared_path("registry", *parts).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_it_agrees_with_the_shared_norwegian_reference(register):
    kommuner, fylker, offices = _csv("no", "kommuner_2024.csv"), _csv("no", "fylker_2024.csv"), \
        _csv("no", "statsforvaltere.csv")
    with transaction(register) as session:
        munis = {m.code: m for m in list_municipalities(session=session)}
        assert set(munis) == {row["kommunenummer"] for row in kommuner}
        for row in kommuner:
            m = munis[row["kommunenummer"]]
            assert (m.name, m.county.code, m.county.name, m.office.name, m.office.org_number) == (
                row["navn"], row["fylkesnummer"], row["fylke"], row["statsforvalter"], row["statsforvalter_orgnr"])
            assert m.malform == MALFORM_FROM_CSV[row["malform"]], m.code
            assert m.sami_area == (row["samisk_forvaltningsomrade"] == "ja"), m.code
            assert (m.previous_code or "") == row["kommunenummer_2020_2023"]
            for column, form in FORMS.items():
                expected = row[column] or (row["navn"] if form == "official" else m.name)
                assert name_on(m, CSV_DAY, form=form) == expected, (m.code, form)
        counties = {c.code: c for c in session.scalars(select(Organisation).where(Organisation.kind == "county"))}
        assert {(c.code, c.name, c.office.org_number) for c in counties.values()} == {
            (r["fylkesnummer"], r["fylke"], r["statsforvalter_orgnr"]) for r in fylker}
        for row in offices:
            office = next(o for o in list_offices(session=session) if o.org_number == row["organisasjonsnummer"])
            assert office.name == row["statsforvalter"]
            served = {c.code for c in counties.values() if c.office_id == office.id}
            assert served == set(row["fylkesnummer"].split("|"))
            assert len(list_municipalities(session=session, office_id=office.id)) == int(row["antall_kommuner"])


def test_it_agrees_with_the_shared_swedish_reference(engine, settings):
    kommuner, lan = _csv("se", "kommuner.csv"), _csv("se", "lan.csv")
    with transaction(engine) as session:
        load_register(session=session, profile="se")
        loaded = {k.code: k for k in list_municipalities(session=session, profile="se")}
        assert set(loaded) == {row["kommunkod"] for row in kommuner}
        for row in kommuner:
            k = loaded[row["kommunkod"]]
            assert (k.name, k.county.code, k.county.name, k.office.name) == (
                row["kommun"], row["lanskod"], row["lan"], row["lansstyrelse"])
        regions = {r.county.code: r.name for r in session.scalars(
            select(Organisation).where(Organisation.profile == "se", Organisation.kind == "region"))}
        assert regions == {row["lanskod"]: row["region"] for row in lan}


def test_a_municipalitys_malform_needs_a_dated_source(tmp_path):
    """Issue 19: the register states where each språkvedtak comes from and as of when."""
    from relay.register import RegisterFileError, read_register

    folder = tmp_path / "no"
    folder.mkdir()
    (folder / "m.toml").write_text('[[municipality]]\ncode = "4621"\nname = "Voss"\nmalform = "nynorsk"\n'
                                   'malform_source = "Språkrådet"\nvalid_from = 2024-01-01\n', encoding="utf-8")
    with pytest.raises(RegisterFileError, match="its date"):
        read_register(folder, "no")
    shipped = read_register(Path(__file__).resolve().parents[1] / "config" / "register" / "no", "no")
    sources = {e.columns["malform_source"] for e in shipped if e.kind == "municipality"}
    assert len([e for e in shipped if e.kind == "municipality"]) == 357 and all("2021-12-10" in s for s in sources)


def test_the_offices_page_names_the_malform_sources_and_the_sami_names(register, settings):
    from starlette.testclient import TestClient

    from relay.web.app import create_app

    with TestClient(create_app(settings, register), base_url="https://relay.test") as client:
        page = client.get("/offices").text
        found = client.get("/offices", params={"q": "Guovdageaidnu"}).text  # paged: Kautokeino is not on page 1
    assert "norway-geodata municipalities-2025 (language, 2025-06-08)" in page
    assert '<th scope="row">Guovdageaidnu - Kautokeino</th>' in found
