"""A rejected form comes back with what the user typed and an error tied to the field
(aria-invalid plus aria-describedby naming a visible message): sign-in, sign-up, preferences, source
edit, alert edit, adding a contact and a municipality's postmottak. Nothing is saved on a refusal.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from relay import links
from relay.db import transaction
from relay.models import Alert, Contact, Organisation, Source, Subscription
from tests.web.conftest import csrf_of
from tests.web.pages import seed_pages


def _linked(html: str, field_id: str) -> str:
    """The error text tied to the field with this id (fails when there is none)."""
    tag = re.search(rf'<(?:input|select|textarea)[^>]*\bid="{re.escape(field_id)}"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in tag, tag
    ids = re.search(r'aria-describedby="([^"]+)"', tag).group(1).split()
    texts = [re.search(rf'id="{i}"[^>]*>([^<]+)<', html) for i in ids]
    found = " ".join(m.group(1).strip() for m in texts if m)
    assert found, f"{field_id}: aria-describedby names no message"
    return found


def test_sign_in_keeps_the_address_and_says_what_is_wrong(client_for, world):
    anonymous = client_for("anonymous")
    page = anonymous.post("/login", data={"csrf_token": csrf_of(anonymous), "email": "kari.voss.kommune.no"})
    assert page.status_code == 400
    assert 'value="kari.voss.kommune.no"' in page.text
    assert "gyldig e-postadresse" in _linked(page.text, "email")


def test_sign_up_from_another_domain_keeps_everything_typed(client_for, engine, world):
    seed_pages(engine, world)
    anonymous = client_for("anonymous")
    page = anonymous.post("/signup?lang=nn", data={
        "csrf_token": csrf_of(anonymous), "municipality": "4621", "email": "kari@gmail.test",
        "name": "Rådgjevar barnevern", "sectors": ["child-welfare", "health-care"], "frequency": "monthly"})
    assert page.status_code == 400
    assert "e-postadresse i kommunen" in _linked(page.text, "email")
    assert 'value="kari@gmail.test"' in page.text and 'value="Rådgjevar barnevern"' in page.text
    assert re.search(r'<option value="4621"\s+selected', page.text)
    assert re.search(r'id="s-child-welfare"[^>]*checked', page.text)
    assert re.search(r'id="s-health-care"[^>]*checked', page.text)
    assert re.search(r'id="f-monthly"[^>]*checked', page.text)
    assert 'href="#email"' in page.text  # the summary leads to the field
    with transaction(engine) as s:
        assert s.scalars(select(Contact).where(Contact.email == "kari@gmail.test")).first() is None


def test_sign_up_without_a_sector_marks_the_sector_group(client_for, engine, world):
    seed_pages(engine, world)
    anonymous = client_for("anonymous")
    page = anonymous.post("/signup", data={"csrf_token": csrf_of(anonymous), "municipality": "4621",
                                           "email": "kari@voss.kommune.no", "frequency": "weekly"})
    assert page.status_code == 400
    assert re.search(r'<fieldset class="has-error" aria-describedby="sectors-error">', page.text)
    assert re.search(r'id="sectors-error">Velg minst én sektor', page.text)
    assert 'value="kari@voss.kommune.no"' in page.text


def test_refused_preferences_show_the_choices_sent(client_for, settings, engine, world):
    token_path = links.preferences_url(settings, contact_id=world.contact).replace(settings.base_url, "")
    anonymous = client_for("anonymous")
    anonymous.get(token_path)
    page = anonymous.post(token_path, data={"csrf_token": csrf_of(anonymous, token_path),
                                            "freq-child-welfare": "hourly", "freq-health-care": "monthly"})
    assert page.status_code == 400
    assert _linked(page.text, "p-child-welfare-none") == "Vel kor ofte."  # Voss writes nynorsk
    assert re.search(r'id="p-health-care-monthly"[^>]*checked', page.text)  # kept, though not saved
    with transaction(engine) as s:
        sectors = s.scalars(select(Subscription.sector).where(Subscription.contact_id == world.contact,
                                                              Subscription.active)).all()
        assert sectors == ["child-welfare"]


def test_a_source_edit_keeps_the_typed_values(client_for, engine, world):
    seeded = seed_pages(engine, world)
    admin = client_for("admin")
    page = admin.post(f"/admin/sources/{seeded.source}", data={
        "csrf_token": csrf_of(admin), "name": "NIM (nytt namn)", "url": "javascript:alert(1)",
        "interval_minutes": "1"})
    assert page.status_code == 400
    assert 'value="NIM (nytt namn)"' in page.text and 'value="javascript:alert(1)"' in page.text
    assert "https://" in _linked(page.text, "f-url")
    assert _linked(page.text, "f-interval_minutes")
    with transaction(engine) as s:
        assert s.get(Source, seeded.source).url == "https://www.nhri.no/feed/"


def test_an_alert_edit_without_a_title_keeps_the_other_texts(client_for, engine, world):
    gov = client_for("governor_a")
    page = gov.post(f"/alerts/{world.alert_a}/edit", data={
        "csrf_token": csrf_of(gov), "title_nb": " ", "summary_nb": "Det eg skreiv", "meaning_nn": "Kva det tyder"})
    assert page.status_code == 400
    assert _linked(page.text, "f-title_nb")
    assert ">Det eg skreiv</textarea>" in page.text and ">Kva det tyder</textarea>" in page.text
    with transaction(engine) as s:
        assert s.get(Alert, world.alert_a).title_nb.startswith("Varsel om")


def test_adding_a_contact_with_a_bad_address_keeps_the_form(client_for, engine, world):
    gov = client_for("governor_a")
    page = gov.post("/contacts", data={"csrf_token": csrf_of(gov), "municipality": "4601", "email": "ikkje-e-post",
                                       "name": "Helsesjef", "sectors": ["health-care"], "frequency": "immediate"})
    assert page.status_code == 400
    assert "gyldig e-postadresse" in _linked(page.text, "c-email")
    assert 'value="ikkje-e-post"' in page.text and 'value="Helsesjef"' in page.text
    assert re.search(r'<option value="4601"\s+selected', page.text)
    assert re.search(r'id="cs-health-care"[^>]*checked', page.text) and re.search(r'id="cf-immediate"[^>]*checked',
                                                                              page.text)


def _save_bergen(gov, fallback_email: str, mail_domains: str, **kwargs):
    return gov.post("/municipalities/4601", data={"csrf_token": csrf_of(gov), "fallback_email": fallback_email,
                                                  "mail_domains": mail_domains}, **kwargs)


def test_a_bad_postmottak_is_shown_on_its_own_municipality(client_for, engine, world):
    gov = client_for("governor_a")
    page = _save_bergen(gov, "postmottak-bergen", "bergen.kommune.no")
    assert page.status_code == 400
    assert "gyldig e-postadresse" in _linked(page.text, "fb-4601")
    assert 'value="postmottak-bergen"' in page.text and 'value="bergen.kommune.no"' in page.text
    assert 'id="fb-4621" name="fallback_email" type="email" value=""' in page.text  # Voss untouched
    with transaction(engine) as s:
        bergen = s.scalars(select(Organisation).where(Organisation.code == "4601")).one()
        assert (bergen.fallback_email, bergen.mail_domains) == (None, None)


def test_a_sign_in_link_cannot_send_the_browser_elsewhere(client_for):
    anonymous = client_for("anonymous")
    for target in ("//evil.test/", "/\\evil.test/", "/\t/evil.test", "https://evil.test/"):
        page = anonymous.get("/login", params={"next": target})
        assert 'name="next" value="/"' in page.text, target


def test_a_saved_municipality_says_so_and_an_emptied_postmottak_is_refused(client_for, engine, world):
    gov = client_for("governor_a")
    saved = _save_bergen(gov, "postmottak@bergen.test", "bergen.test", follow_redirects=False)
    assert saved.status_code == 303
    page = gov.get(saved.headers["location"])
    assert "Lagret for Bergen." in page.text and 'role="status"' in page.text
    emptied = _save_bergen(gov, " ", "bergen.test voss.test")
    assert emptied.status_code == 400
    assert "kan ikke være tomt" in _linked(emptied.text, "fb-4601")
    assert 'value="bergen.test voss.test"' in emptied.text
    with transaction(engine) as s:
        bergen = s.scalars(select(Organisation).where(Organisation.code == "4601")).one()
        assert (bergen.fallback_email, bergen.mail_domains) == ("postmottak@bergen.test", "bergen.test")


def test_a_postmottak_that_is_a_persons_address_is_refused_and_the_person_kept(client_for, engine, world):
    """One row per address in a municipality: before, this was the unique constraint's 500."""
    from relay.contacts import save_contact

    with transaction(engine) as s:
        bergen = s.scalars(select(Organisation).where(Organisation.code == "4601")).one()
        save_contact(session=s, municipality=bergen, email="kari@bergen.test", name="Kari", sectors=["education"],
                     frequency="weekly", known_sectors={"education"}, status="active")
    gov = client_for("governor_a")
    page = _save_bergen(gov, "kari@bergen.test", "bergen.test")
    assert page.status_code == 400
    assert "allerede en kontaktperson" in _linked(page.text, "fb-4601")
    assert 'value="kari@bergen.test"' in page.text and 'value="bergen.test"' in page.text
    with transaction(engine) as s:
        bergen = s.scalars(select(Organisation).where(Organisation.code == "4601")).one()
        assert (bergen.fallback_email, bergen.mail_domains) == (None, None)
        [kari] = s.scalars(select(Contact).where(Contact.municipality_id == bergen.id)).all()
        assert (kari.email, kari.kind, kari.status) == ("kari@bergen.test", "person", "active")


def test_the_postmottak_cannot_be_added_as_a_contact_person_by_form_or_csv(client_for, engine, world):
    """The reverse of the test above: the shared mailbox gained a person's subscriptions (which coverage
    does not count, since fallbacks are left out of it) instead of a refusal."""
    gov = client_for("governor_a")
    assert _save_bergen(gov, "postmottak@bergen.test", "bergen.test", follow_redirects=False).status_code == 303
    page = gov.post("/contacts", data={"csrf_token": csrf_of(gov), "municipality": "4601",
                                       "email": "Postmottak@Bergen.test", "name": "Helsesjef",
                                       "sectors": ["health-care"], "frequency": "immediate"})
    assert page.status_code == 400
    assert "er kommunens postmottak" in _linked(page.text, "c-email")
    assert 'value="Postmottak@Bergen.test"' in page.text and 'value="Helsesjef"' in page.text
    imported = gov.post("/contacts/import", data={"csrf_token": csrf_of(gov),
                                                  "text": "4601;postmottak@bergen.test;Skule;education;weekly\n"
                                                          "4601;rektor@bergen.test;Rektor;education;weekly\n"})
    assert "er kommunens postmottak" in imported.text
    with transaction(engine) as s:
        bergen = s.scalars(select(Organisation).where(Organisation.code == "4601")).one()
        contacts = {c.email: c for c in s.scalars(select(Contact).where(Contact.municipality_id == bergen.id))}
        assert set(contacts) == {"postmottak@bergen.test", "rektor@bergen.test"}  # the good CSV row still counts
        assert s.scalars(select(Subscription).where(
            Subscription.contact_id == contacts["postmottak@bergen.test"].id)).all() == []


def test_a_strangers_unconfirmed_signup_of_the_postmottak_address_does_not_block_it(client_for, engine, world):
    """Anyone may sign up postmottak@… on /signup: the pending row is erased (only it and its opt-in mail),
    and the office names its postmottak."""
    from relay.contacts import save_contact

    with transaction(engine) as s:
        bergen = s.scalars(select(Organisation).where(Organisation.code == "4601")).one()
        stranger = save_contact(session=s, municipality=bergen, email="postmottak@bergen.test", name="X",
                                sectors=["education"], frequency="weekly", known_sectors={"education"},
                                status="pending").id
    gov = client_for("governor_a")
    assert _save_bergen(gov, "postmottak@bergen.test", "bergen.test", follow_redirects=False).status_code == 303
    with transaction(engine) as s:
        bergen = s.scalars(select(Organisation).where(Organisation.code == "4601")).one()
        assert bergen.fallback_email == "postmottak@bergen.test"
        rows = {c.id: (c.kind, c.status, c.email) for c in
                s.scalars(select(Contact).where(Contact.municipality_id == bergen.id))}
        assert rows.pop(stranger) == ("person", "erased", None)
        assert list(rows.values()) == [("fallback", "active", "postmottak@bergen.test")]


def test_a_name_too_long_or_with_control_characters_is_refused_before_the_answer(client_for, engine, world):
    """The sign-up is saved after the answer: what the database would refuse (over 200 characters, a NUL
    byte on PostgreSQL) must be refused before it, with the reason, not lost after "check your mail"."""
    seed_pages(engine, world)
    anonymous, gov = client_for("anonymous"), client_for("governor_a")
    for name in ("x" * 201, "Kari\x00Nordmann", "Kari\nNordmann"):
        page = anonymous.post("/signup", data={
            "csrf_token": csrf_of(anonymous), "municipality": "4621", "email": "kari@voss.kommune.no",
            "name": name, "sectors": ["health-care"], "frequency": "weekly"})
        assert page.status_code == 400, repr(name)
        assert "høyst 200 tegn" in _linked(page.text, "name")
        added = gov.post("/contacts", data={"csrf_token": csrf_of(gov), "municipality": "4601",
                                            "email": "kari@bergen.kommune.no", "name": name,
                                            "sectors": ["health-care"], "frequency": "weekly"})
        assert added.status_code == 400, repr(name)
        assert "høyst 200 tegn" in _linked(added.text, "c-name")
    assert 'maxlength="200"' in anonymous.get("/signup").text
    with transaction(engine) as s:
        assert s.scalars(select(Contact).where(Contact.email.like("kari@%"))).all() == []
