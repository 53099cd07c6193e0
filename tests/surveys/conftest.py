"""A survey world: a ministry and two offices; Voss (nynorsk, a contact), Bergen (bokmål, postmottak only),
Tysnes (no address at all) in Vestland, and Kristiansand (a contact) in Agder."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from relay.db import transaction
from relay.models import Organisation
from tests import factories
from tests.archive.conftest import signed_in, web  # noqa: F401  (the same clients as the archive tests)
from tests.web.conftest import browser  # noqa: F401


@dataclass
class World:
    ministry: int
    office_a: int
    office_b: int
    voss: int
    bergen: int
    tysnes: int
    kristiansand: int
    voss_contact: int
    minister: int  # a ministry user of that ministry
    governor_a: int
    governor_b: int


@pytest.fixture
def world(engine) -> World:
    with transaction(engine) as s:
        ministry = Organisation(profile="no", kind="ministry", code="KDD", name="Kommunal- og distriktsdepartementet")
        s.add(ministry)
        a = factories.make_office(s, name="Statsforvalteren i Vestland", org_number="974760665")
        b = factories.make_office(s, name="Statsforvalteren i Agder", org_number="974762994")
        voss = factories.make_municipality(s, office=a, code="4621", name="Voss", malform="nynorsk")
        bergen = factories.make_municipality(s, office=a, code="4601", name="Bergen",
                                             fallback_email="postmottak@bergen.kommune.no")
        tysnes = factories.make_municipality(s, office=a, code="4616", name="Tysnes", malform="nynorsk")
        kristiansand = factories.make_municipality(s, office=b, code="4204", name="Kristiansand")
        contact = factories.make_contact(s, municipality=voss, email="barnevern@voss.kommune.no")
        factories.make_contact(s, municipality=kristiansand, email="helse@kristiansand.kommune.no")
        s.flush()
        return World(ministry.id, a.id, b.id, voss.id, bergen.id, tysnes.id, kristiansand.id, contact.id,
                     factories.make_user(s, role="ministry", organisation_id=ministry.id).id,
                     factories.make_user(s, role="governor", office=a).id,
                     factories.make_user(s, role="governor", office=b).id)
