"""Approval never sends one standard's words to the other's municipalities (issue 19).

Office A (Vestland) has Voss (nynorsk) and Bergen (neutral, confirmed: bokmål unless a contact
chose nynorsk). A standard the targets read and the governor left empty is filled by Apertium and
flagged "maskinomsett, ikkje gjennomlese"; without Apertium the approval is refused with the reason.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from relay import nynorsk
from relay.db import transaction
from relay.models import Alert, Organisation
from tests import factories
from tests.web.conftest import csrf_of
from tests.web.test_queue import _approve_form

needs_apertium = pytest.mark.skipif(not nynorsk.available(), reason="Apertium (apertium-nno-nob) is not installed")
EMPTY_NN = {"title_nn": "", "summary_nn": "", "meaning_nn": ""}
EMPTY_NB = {"title_nb": "", "summary_nb": "", "meaning_nb": ""}


def _alert_of(engine, item_id) -> Alert | None:
    with transaction(engine) as s:
        alert = s.scalars(select(Alert).where(Alert.item_id == item_id)).first()
        if alert is not None:
            s.expunge(alert)
        return alert


@needs_apertium
def test_empty_nynorsk_fields_get_the_machine_draft_flagged_unread(client_for, world, engine):
    gov = client_for("governor_a")
    done = gov.post(f"/queue/{world.item}/approve", data=_approve_form(csrf_of(gov), **EMPTY_NN),
                    follow_redirects=False)
    assert done.status_code == 303
    alert = _alert_of(engine, world.item)
    assert alert.nynorsk_origin == "machine" and alert.bokmal_origin == "manual"
    assert alert.title_nn and alert.title_nn != alert.title_nb  # "omsorgsovertaking": Apertium's nynorsk
    assert "omsorgsovertaking" in alert.title_nn and alert.summary_nn == "EMD fann brot på artikkel 8."
    page = gov.get(f"/alerts/{alert.id}")
    assert "Nynorsk: maskinomsett, ikkje gjennomlese" in page.text or "maskinoversatt, ikke gjennomlest" in page.text
    assert 'href="#review"' in page.text and 'name="reviewed" value="nn"' in page.text
    listing = gov.get("/alerts")
    assert f'href="/alerts/{alert.id}#review" data-machine="nn"' in listing.text
    flag = f'href="/alerts/{alert.id}#review" data-machine="nn"'
    assert flag in gov.get("/queue?state=approved").text and flag in gov.get(f"/reports/alerts/{alert.id}").text
    # One click to the texts; saving them there is reading them.
    values = {n: getattr(alert, n) for n in ("title_nb", "summary_nb", "meaning_nb", "title_nn", "summary_nn",
                                              "meaning_nn")}
    gov.post(f"/alerts/{alert.id}/edit", data={"csrf_token": csrf_of(gov), **values, "reviewed": "nn"})
    assert _alert_of(engine, world.item).nynorsk_origin == "manual"
    assert 'data-machine="nn"' not in gov.get("/alerts").text


def test_without_apertium_approval_is_refused_with_the_reason_and_nothing_typed_is_lost(
        client_for, world, engine, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")  # Apertium is absent, as far as Relay sees
    gov = client_for("governor_a")
    form = _approve_form(csrf_of(gov), **EMPTY_NN, summary_nb="Mitt eige sammendrag", priority="urgent")
    page = gov.post(f"/queue/{world.item}/approve", data=form)
    assert page.status_code == 400
    assert 'id="standard-refusal"' in page.text and "Voss" in page.text.split('id="standard-refusal"')[1][:800]
    assert "Apertium is not installed" in page.text
    assert 'value="Samvær etter omsorgsovertakelse"' in page.text and ">Mitt eige sammendrag</textarea>" in page.text
    assert 'id="f-title_nn" name="title_nn" type="text" value="" aria-invalid="true"' in page.text
    assert _alert_of(engine, world.item) is None


def test_without_apertium_an_office_of_bokmal_municipalities_needs_no_nynorsk(client_for, world, engine, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    gov = client_for("governor_a")
    form = _approve_form(csrf_of(gov), **EMPTY_NN, municipalities=[str(world.munis_a[1])], municipalities_listed="1")
    assert gov.post(f"/queue/{world.item}/approve", data=form, follow_redirects=False).status_code == 303
    assert _alert_of(engine, world.item).nynorsk_origin == "manual"  # Bergen reads bokmål; nothing was needed


def test_a_neutral_municipalitys_contact_who_chose_nynorsk_needs_nynorsk(client_for, world, engine, monkeypatch):
    with transaction(engine) as s:
        factories.make_contact(s, municipality=s.get(Organisation, world.munis_a[1]), language="nn")
    monkeypatch.setenv("PATH", "/nonexistent")
    gov = client_for("governor_a")
    form = _approve_form(csrf_of(gov), **EMPTY_NN, municipalities=[str(world.munis_a[1])], municipalities_listed="1")
    page = gov.post(f"/queue/{world.item}/approve", data=form)
    assert page.status_code == 400 and "Bergen" in page.text.split('id="standard-refusal"')[1][:800]


@needs_apertium
def test_only_nynorsk_written_gives_bokmal_municipalities_a_flagged_bokmal_draft(client_for, world, engine):
    gov = client_for("governor_a")
    done = gov.post(f"/queue/{world.item}/approve", data=_approve_form(csrf_of(gov), **EMPTY_NB),
                    follow_redirects=False)
    assert done.status_code == 303
    alert = _alert_of(engine, world.item)
    assert (alert.bokmal_origin, alert.nynorsk_origin) == ("machine", "manual")
    assert alert.title_nb and alert.meaning_nb and "tenesta" not in alert.meaning_nb.lower()
    assert 'data-machine="nb"' in gov.get("/alerts").text


def test_the_sources_english_title_is_refused_as_the_alerts_title(client_for, world, engine):
    gov = client_for("governor_a")
    form = _approve_form(csrf_of(gov), title_nb="CASE OF A.B. v. NORWAY: care order and contact rights")
    page = gov.post(f"/queue/{world.item}/approve", data=form)
    assert page.status_code == 400 and "source" in page.text
    assert _alert_of(engine, world.item) is None


@needs_apertium
def test_a_contact_who_chose_nynorsk_after_approval_gets_a_flagged_machine_draft(world, engine, settings):
    """Bergen (neutral) needed only bokmål at approval; a contact who then picks nynorsk must not get bokmål."""
    from relay.digests.plan import plan_due
    from relay.digests.render import render_pending
    from relay.models import Message

    with transaction(engine) as s:
        bergen = s.get(Organisation, world.munis_a[1])
        alert = factories.make_alert(s, office=s.get(Organisation, world.office_a), municipalities=[bergen],
                                     title_nb="Hva kommunen ikke kan gjøre", title_nn="")
        contact = factories.make_contact(s, municipality=bergen, language="nn", frequency="immediate")
    with transaction(engine) as s:
        plan_due(session=s, tz=settings.timezone)
        render_pending(session=s, settings=settings)
        message = s.scalars(select(Message).where(Message.purpose_key == f"alert:{alert.id}:{contact.id}")).one()
        alert = s.get(Alert, alert.id)
        assert alert.title_nn and alert.nynorsk_origin == "machine"
        assert alert.title_nn in message.subject and "ikke" not in message.subject


def test_pages_name_a_sami_area_municipality_by_its_official_bilingual_name(client_for, world, engine, settings):
    from datetime import date

    from relay import links
    from relay.models import OrganisationName

    with transaction(engine) as s:
        office = s.get(Organisation, world.office_a)
        kautokeino = factories.make_municipality(s, office=office, code="5612", name="Kautokeino", sami_area=True)
        s.add(OrganisationName(organisation_id=kautokeino.id, form="official", name="Guovdageaidnu - Kautokeino",
                               valid_from=date(2020, 1, 1)))
        alert = factories.make_alert(s, office=office, municipalities=[kautokeino])
        contact = factories.make_contact(s, municipality=kautokeino)
        alert_id, contact_id = alert.id, contact.id
    gov = client_for("governor_a")
    assert "Guovdageaidnu - Kautokeino" in gov.get(f"/alerts/{alert_id}").text
    assert "Guovdageaidnu - Kautokeino</label>" in gov.get(f"/queue/{world.item}").text
    ack = client_for("anonymous").get(links.ack_url(settings, alert_id=alert_id, contact_id=contact_id)
                                      .removeprefix(settings.base_url))
    assert "Statsforvalteren i Vestland · Guovdageaidnu - Kautokeino" in ack.text
