"""After saving /p/{token}, the page shows exactly what is stored, so saving it again unchanged
changes nothing (it once showed the choices from before the save, and a second save undid them)."""

from __future__ import annotations

import re

from relay import links
from relay.db import transaction
from relay.models import Contact
from tests import factories
from tests.web.conftest import csrf_of


def _path(settings, contact_id) -> str:
    return links.preferences_url(settings, contact_id=contact_id).replace(settings.base_url, "")


def _shown(html: str) -> dict[str, str]:
    """The form as the page sends it back: every checked radio (freq-<sector> and language)."""
    return dict(re.findall(r'name="([^"]+)" value="([^"]+)" checked', html))


def _stored(engine, contact_id):
    with transaction(engine) as s:
        contact = s.get(Contact, contact_id)
        subs = sorted((x.sector, x.frequency, x.active, x.created_at, x.ended_at) for x in contact.subscriptions)
        return subs, contact.language, contact.status


def _active(engine, contact_id) -> dict[str, str]:
    return {sector: freq for sector, freq, active, *_ in _stored(engine, contact_id)[0] if active}


def test_the_saved_page_shows_the_new_choices(client_for, settings, engine, world):
    path = _path(settings, world.contact)
    anonymous = client_for("anonymous")
    page = anonymous.post(path, data={"csrf_token": csrf_of(anonymous, path), "freq-child-welfare": "immediate",
                                      "freq-health-care": "monthly", "freq-education": "weekly"})
    assert page.status_code == 200
    stored = _active(engine, world.contact)
    assert stored == {"child-welfare": "immediate", "health-care": "monthly", "education": "weekly"}
    shown = {k.removeprefix("freq-"): v for k, v in _shown(page.text).items() if k.startswith("freq-") and v != "none"}
    assert shown == stored


def test_saving_the_saved_page_again_changes_nothing(client_for, settings, engine, world):
    path = _path(settings, world.contact)
    anonymous = client_for("anonymous")
    token = csrf_of(anonymous, path)
    first = anonymous.post(path, data={"csrf_token": token, "freq-child-welfare": "none",
                                       "freq-housing": "monthly"})
    after_first = _stored(engine, world.contact)
    assert _active(engine, world.contact) == {"housing": "monthly"}

    second = anonymous.post(path, data={"csrf_token": token, **_shown(first.text)})
    assert second.status_code == 200
    assert _stored(engine, world.contact) == after_first
    assert _shown(second.text) == _shown(first.text)


def test_the_language_shown_is_the_one_the_mails_use(client_for, settings, engine, world):
    """A neutral municipality that has not confirmed its choice gets nynorsk (register_queries.written_standard);
    the page must not offer bokmål as the current choice, or an unchanged save would switch the mails."""
    with transaction(engine) as s:
        office = s.get(Contact, world.contact).municipality.office
        muni = factories.make_municipality(s, office=office, code="4602", name="Kinn", malform="noytral",
                                           confirmed=False)
        contact_id = factories.make_contact(s, municipality=muni).id
    path = _path(settings, contact_id)
    anonymous = client_for("anonymous")
    page = anonymous.get(path)
    assert _shown(page.text)["language"] == "nn"
    before = _stored(engine, contact_id)
    anonymous.post(path, data={"csrf_token": csrf_of(anonymous, path), **_shown(page.text)})
    subs, language, status = _stored(engine, contact_id)
    assert (subs, status) == (before[0], before[2]) and language in (None, "nn")
