"""The governor's queue: what it lists, the evidence it shows, approving, rejecting and bulk decisions."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import select

from relay.db import transaction
from relay.models import Alert, AlertTarget, AuditEntry, Review
from tests import factories
from tests.web.conftest import csrf_of


def _approve_form(csrf: str, **overrides) -> dict:
    form = {"csrf_token": csrf, "priority": "normal", "sectors": ["child-welfare"], "ack_deadline": "",
            "title_nb": "Samvær etter omsorgsovertakelse", "summary_nb": "EMD fant brudd på artikkel 8.",
            "meaning_nb": "Barneverntjenesten må vurdere samvær.", "title_nn": "Samvær etter omsorgsovertaking",
            "summary_nn": "EMD fann brot på artikkel 8.", "meaning_nn": "Barnevernstenesta må vurdere samvær."}
    form.update(overrides)
    return form


def test_it_lists_the_offices_undecided_relevant_items_and_marks_those_without_a_sector(client_for, world, engine):
    with transaction(engine) as s:
        untagged = factories.make_item(s, title="Untagged item")
        irrelevant = factories.make_item(s, title="Irrelevant item", relevant=False)
        for i in (irrelevant,):
            from relay.models import Tag
            s.add(Tag(item_id=i.id, sector="housing"))
        untagged_id = untagged.id
    gov = client_for("governor_a")
    page = gov.get("/queue")
    assert page.status_code == 200
    assert f'href="/queue/{world.item}"' in page.text
    assert "Irrelevant item" not in page.text
    # Nothing vanishes: a relevant item no sector rule placed is listed, marked for review.
    assert f"/queue/{untagged_id}" in page.text and "Uten sektor – vurder" in page.text
    only = gov.get("/queue?sector=none").text
    assert f"/queue/{untagged_id}" in only and f'href="/queue/{world.item}"' not in only


def test_it_drops_an_item_once_this_office_decided_but_not_for_the_other(client_for, world):
    a, b = client_for("governor_a"), client_for("governor_b")
    assert a.post(f"/queue/{world.item}/reject", data={"csrf_token": csrf_of(a)},
                  follow_redirects=False).status_code == 303
    assert f"/queue/{world.item}" not in a.get("/queue").text
    assert f"/queue/{world.item}" in a.get("/queue?state=rejected").text
    assert f"/queue/{world.item}" in b.get("/queue").text


def test_it_filters_by_sector_source_and_date(client_for, world):
    gov = client_for("governor_a")
    assert f"/queue/{world.item}" in gov.get("/queue?sector=child-welfare").text
    assert f"/queue/{world.item}" not in gov.get("/queue?sector=housing").text
    assert f"/queue/{world.item}" not in gov.get("/queue?source=999999").text
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    assert f"/queue/{world.item}" not in gov.get(f"/queue?since={tomorrow}").text
    assert gov.get("/queue?since=not-a-date&state=bogus").status_code == 200


def test_the_item_page_shows_the_evidence_with_the_matched_words_marked(client_for, world):
    page = client_for("governor_a").get(f"/queue/{world.item}")
    assert page.status_code == 200
    assert "cw.care-order" in page.text and "hudoc.article" in page.text
    assert "<mark>care order</mark>" in page.text
    # Prefilled in Norwegian, one title per standard; the source's English title is never offered.
    assert 'name="title_nb" type="text" value="Dom fra EMD: A.B. mot Norge"' in page.text
    assert 'name="title_nn" type="text" value="Dom frå EMD: A.B. mot Noreg"' in page.text
    assert re.search(r'id="sec-child-welfare" name="sectors" value="child-welfare" checked', page.text)
    assert page.text.count('name="municipalities"') == 2  # Voss and Bergen, both ticked
    assert 'href="https://hudoc.echr.coe.int/' in page.text


def test_it_approves_an_item_into_an_alert_for_the_region(client_for, world, engine):
    gov = client_for("governor_a")
    done = gov.post(f"/queue/{world.item}/approve", data=_approve_form(csrf_of(gov)), follow_redirects=False)
    assert done.status_code == 303
    alert_id = _alert_id(done)
    with transaction(engine) as s:
        alert = s.get(Alert, alert_id)
        assert alert.office_id == world.office_a and alert.title_nn == "Samvær etter omsorgsovertaking"
        assert sorted(t.municipality_id for t in alert.targets) == sorted(world.munis_a)
        assert s.scalars(select(AuditEntry).where(AuditEntry.action == "alert.approve")).one().entity_id == str(alert_id)
    page = gov.get(f"/alerts/{alert_id}")
    assert page.status_code == 200 and "Samvær etter omsorgsovertakelse" in page.text


def test_it_targets_only_the_municipalities_ticked(client_for, world, engine):
    gov = client_for("governor_a")
    form = _approve_form(csrf_of(gov), municipalities=[str(world.munis_a[0])], municipalities_listed="1")
    done = gov.post(f"/queue/{world.item}/approve", data=form, follow_redirects=False)
    assert done.status_code == 303
    with transaction(engine) as s:
        assert s.scalars(select(AlertTarget.municipality_id)).all().count(world.munis_a[1]) <= 1
        alert = s.get(Alert, _alert_id(done))
        assert [t.municipality_id for t in alert.targets] == [world.munis_a[0]]


def test_form_errors_keep_every_typed_value_and_are_announced(client_for, world, engine):
    gov = client_for("governor_a")
    form = _approve_form(csrf_of(gov), title_nb="  ", title_nn="", summary_nb="Mitt sammendrag <b>", ack_deadline="2001-01-01",
                         priority="urgent", sectors=["child-welfare", "housing"], meaning_nn="Kva dette tyder")
    page = gov.post(f"/queue/{world.item}/approve", data=form)
    assert page.status_code == 400
    assert 'role="alert"' in page.text
    assert 'id="f-title_nb" name="title_nb" type="text" value="  " aria-invalid="true" aria-describedby="f-title_nb-error"' in page.text
    assert "Mitt sammendrag &lt;b&gt;" in page.text and ">Kva dette tyder</textarea>" in page.text
    assert 'value="2001-01-01" aria-invalid="true"' in page.text
    assert re.search(r'id="prio-urgent" name="priority" value="urgent" checked', page.text)
    assert re.search(r'value="housing" checked', page.text)
    with transaction(engine) as s:
        assert s.scalars(select(Alert).where(Alert.item_id == world.item)).first() is None


def test_an_unparseable_deadline_and_no_sectors_are_errors(client_for, world):
    gov = client_for("governor_a")
    form = _approve_form(csrf_of(gov), ack_deadline="31/12/2099")
    form.pop("sectors")
    page = gov.post(f"/queue/{world.item}/approve", data=form)
    assert page.status_code == 400
    assert 'aria-describedby="f-ack_deadline-hint f-ack_deadline-error"' in page.text and 'id="f-sectors-error"' in page.text


def test_a_deadline_typed_as_the_hint_says_is_saved(client_for, world, engine):
    gov = client_for("governor_a")
    done = gov.post(f"/queue/{world.item}/approve", data=_approve_form(csrf_of(gov), ack_deadline="31.12.2099"),
                    follow_redirects=False)
    assert done.status_code == 303
    with transaction(engine) as s:
        assert s.get(Alert, _alert_id(done)).ack_deadline.isoformat() == "2099-12-31"


def test_the_nynorsk_draft_fills_the_nn_fields_and_keeps_the_rest(client_for, world):
    from relay import nynorsk

    gov = client_for("governor_a")
    form = _approve_form(csrf_of(gov), title_nn="", summary_nn="", meaning_nn="", priority="urgent",
                         title_nb="Kommunen skal vurdere samvær", summary_nb="Dommen gjelder barnevernet.")
    page = gov.post(f"/queue/{world.item}/draft-nn", data=form)
    assert page.status_code == 200
    assert 'value="Kommunen skal vurdere samvær"' in page.text  # the bokmål kept
    assert re.search(r'id="prio-urgent" name="priority" value="urgent" checked', page.text)
    if nynorsk.available():
        assert 'name="nynorsk_origin" value="apertium"' in page.text
        assert re.search(r'id="f-title_nn" name="title_nn" type="text" value="[^"]+"', page.text)
    else:
        assert 'role="alert"' in page.text and 'name="title_nn" type="text" value=""' in page.text


def test_the_nynorsk_draft_without_apertium_says_so_and_keeps_the_manual_fields(client_for, world, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")  # the program is absent from this machine, as far as Relay sees
    gov = client_for("governor_a")
    page = gov.post(f"/queue/{world.item}/draft-nn", data=_approve_form(csrf_of(gov), title_nn="Min tittel"))
    assert page.status_code == 200
    assert 'role="alert"' in page.text and "Apertium" not in page.text.split("<main")[0]
    assert 'name="title_nn" type="text" value="Min tittel"' in page.text


def test_a_rejected_item_is_recorded_with_the_note(client_for, world, engine):
    gov = client_for("governor_a")
    gov.post(f"/queue/{world.item}/reject", data={"csrf_token": csrf_of(gov), "note": "Not for us"})
    with transaction(engine) as s:
        review = s.scalars(select(Review)).one()
        assert (review.state, review.office_id, review.note) == ("rejected", world.office_a, "Not for us")
        assert s.scalars(select(AuditEntry.action)).all() == ["item.reject"]


def test_bulk_approve_creates_an_alert_per_item(client_for, world, engine):
    with transaction(engine) as s:
        from relay.models import Tag

        second = factories.make_item(s, title="CASE OF C v. NORWAY", body="ECHR")
        s.add(Tag(item_id=second.id, sector="education"))
        second_id = second.id
    gov = client_for("governor_a")
    done = gov.post("/queue/bulk", data={"csrf_token": csrf_of(gov), "action": "approve",
                                         "item_ids": [str(world.item), str(second_id), "999999"]},
                    follow_redirects=False)
    assert done.status_code == 303 and "done=2" in done.headers["location"] and "failed=1" in done.headers["location"]
    with transaction(engine) as s:
        alerts = s.scalars(select(Alert).where(Alert.office_id == world.office_a, Alert.item_id.in_(
            [world.item, second_id]))).all()
        # A Norwegian title per standard from what the item holds, never the source's English title.
        assert sorted(a.title_nb for a in alerts) == ["Dom fra EMD: A.B. mot Norge", "Dom fra EMD: C mot Norge"]
        assert sorted(a.title_nn for a in alerts) == ["Dom frå EMD: A.B. mot Noreg", "Dom frå EMD: C mot Noreg"]
        assert {(a.nynorsk_origin, a.bokmal_origin) for a in alerts} == {("manual", "manual")}
        assert {a.sector_ids[0] for a in alerts} == {"child-welfare", "education"}
    assert "CASE OF C v. NORWAY" not in gov.get("/queue").text


def test_an_admin_picks_the_office(client_for, world):
    admin = client_for("admin")
    assert f"/queue/{world.item}" not in admin.get("/queue").text
    page = admin.get(f"/queue?office={world.office_b}")
    assert f"/queue/{world.item}?office={world.office_b}" in page.text
    done = admin.post(f"/queue/{world.item}/approve", data={**_approve_form(csrf_of(admin)),
                                                            "office": str(world.office_b)}, follow_redirects=False)
    assert done.status_code == 303


def test_a_missing_item_or_alert_is_404(client_for, world):
    gov = client_for("governor_a")
    assert gov.get("/queue/999999").status_code == 404
    assert gov.post("/queue/999999/approve", data=_approve_form(csrf_of(gov))).status_code == 404
    assert gov.get("/alerts/999999").status_code == 404


def test_editing_an_alert_is_audited_and_marks_nynorsk_manual(client_for, world, engine):
    gov = client_for("governor_a")
    with transaction(engine) as s:
        alert = s.get(Alert, world.alert_a)
        values = {n: getattr(alert, n) for n in ("title_nb", "summary_nb", "meaning_nb", "title_nn", "summary_nn")}
    done = gov.post(f"/alerts/{world.alert_a}/edit", data={"csrf_token": csrf_of(gov), **values,
                                                           "meaning_nn": "Ny tekst på nynorsk"},
                    follow_redirects=False)
    assert done.status_code == 303
    with transaction(engine) as s:
        assert s.get(Alert, world.alert_a).meaning_nn == "Ny tekst på nynorsk"
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "alert.edit")).one()
        assert entry.before["meaning_nn"] == "" and entry.after["meaning_nn"] == "Ny tekst på nynorsk"
    bad = gov.post(f"/alerts/{world.alert_a}/edit", data={"csrf_token": csrf_of(gov), **values, "title_nb": "",
                                                          "summary_nb": "kept"})
    assert bad.status_code == 400 and ">kept</textarea>" in bad.text and 'aria-invalid="true"' in bad.text


def test_the_language_links_of_a_rejected_form_lead_to_a_page_that_loads(client_for, world):
    """/queue/N/approve answers only POST: its language links once gave "method not allowed"."""
    gov = client_for("governor_a")
    form = _approve_form(csrf_of(gov), title_nb=" ", title_nn="")
    page = gov.post(f"/queue/{world.item}/approve", data=form,
                    headers={"Referer": f"https://relay.test/queue/{world.item}"})
    assert page.status_code == 400
    links = re.findall(r'href="([^"]*lang=nn[^"]*)"', page.text)
    assert links == [f"/queue/{world.item}?lang=nn"]
    assert gov.get(links[0].replace("&amp;", "&")).status_code == 200
    elsewhere = gov.post(f"/queue/{world.item}/approve", data=form, headers={"Referer": "https://evil.example/queue/1"})
    assert re.findall(r'href="([^"]*lang=nn[^"]*)"', elsewhere.text) == ["/?lang=nn"]
    # A form whose address also loads with GET keeps its own.
    again = gov.post("/contacts", data={"csrf_token": csrf_of(gov), "municipality": "4601", "email": "x"})
    assert again.status_code == 400 and re.findall(r'href="([^"]*lang=nn[^"]*)"', again.text) == ["/contacts?lang=nn"]


def test_an_approved_item_shows_its_alert_instead_of_a_second_approval_form(client_for, world, engine):
    gov = client_for("governor_a")
    done = gov.post(f"/queue/{world.item}/approve", data=_approve_form(csrf_of(gov)), follow_redirects=False)
    alert_url = done.headers["location"].split("?")[0]
    page = gov.get(f"/queue/{world.item}")
    assert f'href="{alert_url}"' in page.text and "Samvær etter omsorgsovertakelse" in page.text
    assert f'action="/queue/{world.item}/approve"' not in page.text and f'action="/queue/{world.item}/reject"' not in page.text
    # A form sent from a page loaded before the approval keeps what was typed and says why nothing was saved.
    late = gov.post(f"/queue/{world.item}/approve", data=_approve_form(csrf_of(gov), meaning_nb="Mi nye vurdering"))
    assert late.status_code == 409
    assert "før du sendte skjemaet" in late.text and ">Mi nye vurdering</textarea>" in late.text
    assert f'href="{alert_url}"' in late.text
    with transaction(engine) as s:
        alert = s.scalars(select(Alert).where(Alert.item_id == world.item)).one()
        assert alert.meaning_nb == "Barneverntjenesten må vurdere samvær."


def test_a_sector_removed_by_hand_is_on_record_with_who_and_which_office(client_for, world, engine):
    """Tags are shared by every office's queue, so taking one away must leave a trace."""
    gov = client_for("governor_a")
    answer = gov.post(f"/queue/{world.item}/tags", data={"csrf_token": csrf_of(gov), "office": world.office_a,
                                                         "sector": "child-welfare", "present": "0"},
                      follow_redirects=False)
    assert answer.status_code == 303
    with transaction(engine) as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "tag.remove")).one()
        assert (entry.entity, entry.entity_id, entry.office_id) == ("item", str(world.item), world.office_a)
        assert entry.after == {"sector": "child-welfare", "present": False} and entry.actor.startswith("gov")


def test_after_an_error_the_municipality_hint_counts_what_is_ticked(client_for, world):
    gov = client_for("governor_a")
    form = _approve_form(csrf_of(gov), title_nb=" ", title_nn="", municipalities=[str(world.munis_a[0])], municipalities_listed="1")
    page = gov.post(f"/queue/{world.item}/approve", data=form)
    assert page.status_code == 400
    assert f"1 av {len(world.munis_a)} kommuner i embetet er valgt." in page.text and "Alle " not in page.text


def _alert_id(redirect) -> int:
    """The alert an approval redirected to (/alerts/<id>?notice=approved#notice)."""
    return int(re.search(r"/alerts/(\d+)", redirect.headers["location"]).group(1))
