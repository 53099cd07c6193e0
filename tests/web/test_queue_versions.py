"""One case, one entry: an ECtHR Norway window with the English, French and Norwegian versions of the same
judgments gives one queue entry and one digest line per judgment, its versions linked."""

from __future__ import annotations

import email
import re
from datetime import timedelta

from sqlalchemy import select

from relay import links
from relay.db import transaction
from relay.links import read_click
from relay.models import Alert, Contact, Item, Message, Source, Tag, utcnow
from relay.pipeline import plan_and_render
from tests.conftest import FIXTURES
from tests.intake.conftest import add_source, feed
from tests.web.conftest import csrf_of

FIXTURES_VERSIONS = (FIXTURES / "hudoc" / "echr_norway_versions.json").read_text(encoding="utf-8")
# The same window before the Court's Norwegian translations were published.
ENGLISH_AND_FRENCH = "\n".join(line for line in FIXTURES_VERSIONS.splitlines() if '"languageisocode": "NOR"' not in line)
CASES = {"STRAND LOBBEN": 3, "FOLGER": 2, "ABDI IBRAHIM": 2, "PEDERSEN": 2}  # versions in the window


def _entries(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'name="item_ids" value="(\d+)"', page)]


def test_a_window_of_language_versions_gives_one_entry_and_one_digest_line_per_judgment(
        client_for, world, engine, settings):
    add_source(engine, "echr-norway", "hudoc", instance="ECHR", respondent="NOR")
    assert feed(engine, "echr-norway", "hudoc/echr_norway_versions.json").new == 9
    gov = client_for("governor_a")
    with transaction(engine) as session:
        source_id = session.scalar(select(Source.id).where(Source.key == "echr-norway"))
    page = gov.get(f"/queue?source={source_id}").text
    entries = _entries(page)
    assert len(entries) == 4
    with transaction(engine) as session:
        for item_id in entries:
            item = session.get(Item, item_id)
            versions = session.scalars(select(Item).where(Item.primary_item_id == item_id)).all()
            case = next(c for c in CASES if c in item.title.upper())
            assert 1 + len(versions) == CASES[case], item.title
            if not any(t.sector == "child-welfare" and not t.removed for t in item.tags):
                session.add(Tag(item_id=item_id, sector="child-welfare", origin="human"))  # the governor adds it
    # The versions are linked from the entry, and the Norwegian translation is what is shown first.
    assert page.count("Språkversjoner") == 4 and "hreflang=\"fr\"" in page and "hreflang=\"nb\"" in page
    assert "CASE OF STRAND LOBBEN AND OTHERS v. NORWAY - [Norwegian Translation]" in page
    assert "AFFAIRE STRAND LOBBEN" not in page  # the French version is not an entry

    done = gov.post("/queue/bulk", data={"csrf_token": csrf_of(gov), "action": "approve", "item_ids": entries},
                    follow_redirects=False)
    assert done.status_code == 303 and "done=4&failed=0" in done.headers["location"]
    # The alert page's source link is the preferred version too: Strand Lobben's Norwegian translation.
    with transaction(engine) as session:
        lobben = session.scalars(select(Alert).join(Item, Item.id == Alert.item_id)
                                 .where(Item.title.ilike("%strand lobben%"))).one()
    assert 'href="https://hudoc.echr.coe.int/eng?i=001-206452"' in gov.get(f"/alerts/{lobben.id}").text
    # And so is the acknowledgement page a municipality's contact opens from the digest.
    ack = client_for("anonymous").get(links.ack_url(settings, alert_id=lobben.id, contact_id=world.contact))
    assert 'href="https://hudoc.echr.coe.int/eng?i=001-206452"' in ack.text
    plan_and_render(engine=engine, settings=settings, now=utcnow() + timedelta(days=7))
    with transaction(engine) as session:
        contact = session.get(Contact, world.contact)
        messages = session.scalars(select(Message).where(Message.to_address == contact.email)).all()
        assert len(messages) == 1
        body = email.message_from_bytes(messages[0].body.mime, policy=email.policy.default)
        text = body.get_body(("plain",)).get_content()
    # One line a judgment: each alert in the digest carries its source title once, as "Originaltittel"
    # (its subject line is the Norwegian title, issue 19, which names the case too).
    originals = [line.upper() for line in text.splitlines() if line.startswith("Originaltittel:")]
    assert len(originals) == len(set(originals)), text  # no alert twice
    for case in CASES:
        assert sum(case in line for line in originals) == 1, (case, text)
    # "Read the source" leads to the Norwegian translation where there is one (intake.display_languages).
    targets = {read_click(settings, token=t)[1] for t in re.findall(r"https://relay\.test/c/([^\s\"<>]+)", text)}
    assert "https://hudoc.echr.coe.int/eng?i=001-206452" in targets  # Strand Lobben's Norwegian version
    assert "https://hudoc.echr.coe.int/eng?i=001-81356" in targets  # Folgerø: English, no translation


def test_a_version_cannot_be_approved_on_its_own(client_for, world, engine):
    add_source(engine, "echr-norway", "hudoc", instance="ECHR", respondent="NOR")
    feed(engine, "echr-norway", "hudoc/echr_norway_versions.json")
    with transaction(engine) as session:
        french = session.scalars(select(Item).where(Item.key == "ECLI:CE:ECHR:2019:0910JUD003728313:FRE")).one()
        lead = french.primary_item_id
        assert lead is not None
    gov = client_for("governor_a")
    page = gov.get(f"/queue/{french.id}", follow_redirects=False)
    assert page.status_code in (301, 302, 303, 307) and page.headers["location"].startswith(f"/queue/{lead}")


def test_a_norwegian_translation_arriving_after_the_alert_joins_the_entry_and_is_offered(client_for, world, engine):
    add_source(engine, "echr-norway", "hudoc", instance="ECHR", respondent="NOR")
    feed(engine, "echr-norway", ENGLISH_AND_FRENCH.encode())
    gov = client_for("governor_a")
    with transaction(engine) as session:
        lead = session.scalars(select(Item).where(Item.key == "ECLI:CE:ECHR:2021:1210JUD001540515:ENG")).one()
        if not any(t.sector == "child-welfare" for t in lead.tags):
            session.add(Tag(item_id=lead.id, sector="child-welfare", origin="human"))
        lead_id = lead.id
    assert "Norsk oversettelse er nå tilgjengelig" not in gov.get(f"/queue/{lead_id}").text
    done = gov.post("/queue/bulk", data={"csrf_token": csrf_of(gov), "action": "approve", "item_ids": [lead_id]},
                    follow_redirects=False)
    assert "done=1" in done.headers["location"]
    result = feed(engine, "echr-norway", FIXTURES_VERSIONS.encode())  # the translations are published later
    assert result.new == 2  # Strand Lobben's and Abdi Ibrahim's Norwegian versions: no new entry
    with transaction(engine) as session:
        norwegian = session.scalars(select(Item).where(Item.key == "ECLI:CE:ECHR:2021:1210JUD001540515:NOR")).one()
        assert norwegian.primary_item_id == lead_id
    page = gov.get(f"/queue/{lead_id}?state=approved").text
    assert "Norsk oversettelse er nå tilgjengelig" in page and "[Norwegian Translation]" in page
    listing = gov.get("/queue?state=approved").text
    assert listing.count(f'/queue/{lead_id}"') == 1 and f"/queue/{norwegian.id}\"" not in listing
