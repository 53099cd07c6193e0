"""A newcomer meets no dead end (issue 21): the demo opens sign-up and prints a sign-in link for every
role; a page that needs a sign-in says so; a refused page says what is wrong; the acknowledgement page
says which button registers it; the confirm page changes its heading; a source never collected is not
shown as in order."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

from relay.db import transaction
from relay.demo import load_demo
from relay.models import Source
from relay.setup import initialise
from relay.web.app import create_app
from tests import factories
from tests.web.conftest import csrf_of


def test_the_demo_opens_sign_up_and_prints_a_working_sign_in_link_for_each_role(engine, settings):
    initialise(settings=settings, engine=engine)
    lines = load_demo(settings=settings, engine=engine)
    links = {m.group(1): m.group(2) for m in
             (re.search(r"sign in as .*?, (\S+@\S+): https://relay\.test(/login/\S+)$", line) for line in lines) if m}
    assert set(links) == {"governor@statsforvalteren.demo", "ministry@kdd.demo", "admin@relay.demo"}
    assert any("/signup" in line and "bergen.kommune.demo" in line for line in lines)
    client = TestClient(create_app(settings, engine), base_url="https://relay.test")
    signup = client.get("/signup").text
    assert ">Bergen</option>" in signup and ">Voss</option>" in signup
    assert "Prøv demoen" in client.get("/").text
    confirm = client.get(links["ministry@kdd.demo"])
    token = re.search(r'name="csrf_token" value="([^"]+)"', confirm.text).group(1)
    signed_in = client.post(links["ministry@kdd.demo"], data={"csrf_token": token, "next": "/reports"})
    assert signed_in.status_code == 200 and signed_in.url.path == "/reports"
    again = load_demo(settings=settings, engine=engine)  # a second start adds nothing but fresh links
    assert sum("sign in as" in line for line in again) == 3


def test_a_page_behind_sign_in_says_why_and_a_refused_page_says_what_is_wrong(client_for, world):
    anonymous = client_for("anonymous")
    login = anonymous.get("/reports")
    assert login.url.path == "/login" and "Du må logge inn for å se den siden." in login.text
    assert "Du må logge inn" not in anonymous.get("/login").text
    refused = client_for("contact").get("/reports")
    assert refused.status_code == 403
    assert "Du har ikke tilgang til denne siden" in refused.text and "Noe gikk galt" not in refused.text
    assert 'href="/login?next=/reports"' in refused.text or 'href="/login?next=%2Freports"' in refused.text


def test_a_source_never_collected_is_not_in_order(client_for, world, engine):
    with transaction(engine) as s:
        s.add(Source(key="ny-kilde", kind="rss", name="Ny kilde", url="https://example.test/feed"))
    page = client_for("admin").get("/admin/sources").text
    row = page[page.index('data-source="ny-kilde"'):]
    row = row[:row.index("</tr>")]
    assert "Ikke hentet ennå" in row and "I orden" not in row


def test_the_ack_page_names_its_button_and_the_confirm_page_its_outcome(client_for, world, settings, engine):
    from relay import links

    client = client_for("anonymous")
    ack = client.get(links.ack_url(settings, alert_id=world.alert_a, contact_id=world.contact))
    assert ack.status_code == 200 and "Trykk «" in ack.text
    with transaction(engine) as s:
        pending = factories.make_contact(s, municipality=s.get(factories.Organisation, world.munis_a[1]),
                                         status="pending")
        pending_id = pending.id
    url = links.confirm_url(settings, contact_id=pending_id)
    page = client.get(url)
    assert "<h1>Bekreft abonnementet</h1>" in page.text
    choices = re.search(r'name="choices" value="([^"]*)"', page.text).group(1)
    done = client.post(url, data={"csrf_token": csrf_of(client, url), "choices": choices})
    assert "<h1>Abonnementet er bekreftet</h1>" in done.text
