"""A survey's mail and answer page, the archive's municipality picker and a municipality's overview name
the municipality by the register's official name of the day, as every other mail and page does."""

from __future__ import annotations

from datetime import date

from relay.db import transaction
from relay.models import OrganisationName
from tests.surveys.test_survey import _create, _link, _mails
from tests.web.conftest import csrf_of

# An official name form that differs from the plain register name, as the Sámi area's bilingual ones do.
OFFICIAL = "Vuossi - Voss"


def test_survey_mail_answer_page_picker_and_overview_use_the_official_name(engine, world, signed_in, web):
    with transaction(engine) as s:
        s.add(OrganisationName(organisation_id=world.voss, form="official", name=OFFICIAL, valid_from=date(2020, 1, 1)))
    minister = signed_in(world.minister)
    survey_id = _create(minister, asked_by=str(world.ministry))
    minister.post(f"/surveys/{survey_id}/send", data={"csrf_token": csrf_of(minister, f"/surveys/{survey_id}")})
    voss = next(m for k, m in _mails(engine).items() if k.startswith("barnevern@voss"))
    assert OFFICIAL in voss["Subject"]
    answer_page = web.get(_link(voss)).text
    assert OFFICIAL in answer_page
    governor = signed_in(world.governor_a)
    assert f'<option value="4621">{OFFICIAL}</option>' in governor.get("/archive").text
    overview = governor.get("/municipalities/4621/overview").text
    assert OFFICIAL in overview.split("<h1>", 1)[1].split("</h1>", 1)[0]
