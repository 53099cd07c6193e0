"""Regressions found by walking through Relay as a governor, a municipal contact and a ministry would."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from sqlalchemy import select

from relay import links
from relay.db import transaction
from relay.models import Acknowledgement
from tests import factories
from tests.mail import samples
from tests.mail.conftest import build, parse, parts
from tests.web.conftest import csrf_of


def _path(url: str) -> str:
    """The path of a link from a mail (the in-process client has its own host)."""
    return urlsplit(url).path


def test_the_preferences_page_from_a_nynorsk_mail_speaks_nynorsk(client_for, settings, world):
    client = client_for("anonymous")
    page = client.get(_path(links.preferences_url(settings, contact_id=world.contact)))
    assert page.status_code == 200
    assert "Abonnementa dine" in page.text and "Dine abonnementer" not in page.text
    assert "Barnehage og skule" in page.text  # the sector names too
    # A visitor who picks a language still gets it.
    chosen = client.get(_path(links.preferences_url(settings, contact_id=world.contact)) + "?lang=nb")
    assert "Dine abonnementer" in chosen.text


def test_the_unsubscribe_pages_from_a_nynorsk_mail_speak_nynorsk(client_for, settings, world):
    client = client_for("anonymous")
    path = _path(links.unsubscribe_url(settings, contact_id=world.contact, sectors=["child-welfare"]))
    page = client.get(path)
    assert "Avslutt desse sektorane" in page.text and "Avslutt disse sektorene" not in page.text
    done = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    assert "Du får ikkje lenger varsel om Barnevern" in done.text


def test_an_alert_sent_at_once_only_says_urgent_when_the_governor_chose_urgent(settings):
    urgent = samples.urgent(settings, "nb")
    normal_alert = dataclasses.replace(urgent.alert, urgent=False)
    for language in ("nb", "nn"):
        context = dataclasses.replace(samples.urgent(settings, language), alert=normal_alert)
        message = parse(build("alert", settings, language, context=context))
        text, html = parts(message)
        assert message["Subject"] == "Ny sak: Barn i asylmottak"
        assert "Viktig" not in text.split("Barn i asylmottak")[0]
        assert "straks" in text and "straks" in html
    urgent_message = parse(build("alert", settings, "nb", context=urgent))
    assert urgent_message["Subject"] == "Viktig: Barn i asylmottak"


def test_a_tag_added_by_hand_is_described_in_words_not_as_a_rule(client_for, world):
    client = client_for("governor_a")
    token = csrf_of(client, f"/queue/{world.item}")
    answer = client.post(f"/queue/{world.item}/tags", data={"csrf_token": token, "office": world.office_a,
                                                            "sector": "housing", "present": "1"},
                         follow_redirects=False)
    assert answer.status_code == 303
    page = client.get(f"/queue/{world.item}").text
    housing = page[page.index(">Bolig"):page.index("Legg til sektor")]
    assert "Lagt til manuelt" in housing
    assert "<code>human</code>" not in housing and "added" not in housing
    assert "Poeng: 0.00" not in housing


def test_the_alert_page_names_its_municipalities_and_links_to_their_receipts(client_for, world):
    page = client_for("governor_a").get(f"/alerts/{world.alert_a}").text
    assert '<a href="/reports/municipalities/4621">Voss</a>' in page
    assert '<a href="/reports/municipalities/4601">Bergen</a>' in page
    assert f'href="/reports/alerts/{world.alert_a}"' in page


def test_the_acknowledgement_receipt_shows_norwegian_time_not_utc(client_for, engine, settings, world):
    client = client_for("anonymous")
    path = _path(links.ack_url(settings, alert_id=world.alert_a, contact_id=world.contact))
    token = csrf_of(client, path)
    done = client.post(path, data={"csrf_token": token, "follow_up": "noted"})
    assert done.status_code == 200
    with transaction(engine) as session:
        at = session.scalars(select(Acknowledgement.acknowledged_at).where(
            Acknowledgement.alert_id == world.alert_a, Acknowledgement.contact_id == world.contact)).one()
    local = (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(ZoneInfo(settings.timezone))
    assert local.strftime("%d.%m.%Y kl. %H:%M") in done.text  # one format on every page (issue 21)
    assert " UTC" not in done.text


def test_the_queue_names_an_items_kind_in_words(client_for, engine, world):
    with transaction(engine) as session:
        news_id = factories.make_item(session, title="Ny veileder om samvær", kind="news", body=None).id
    client = client_for("governor_a")
    assert "Den europeiske menneskerettsdomstolen (EMD) dom" in client.get(f"/queue/{world.item}").text
    page = client.get(f"/queue/{news_id}").text
    assert "nyhet" in page and ">news<" not in page and " news</dd>" not in page


def test_the_alert_page_title_is_in_the_readers_written_standard(client_for, world):
    client = client_for("governor_a")
    nynorsk = client.get(f"/alerts/{world.alert_a}?lang=nn").text
    title = re.search(r"<title>([^<]*)</title>", nynorsk).group(1)
    assert "(nn)" in title
