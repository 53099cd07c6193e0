"""The issue's 'must show' on the demo's own data (what `relay run --demo` loads: the register, the demo
sources, Bergen's and Voss's contacts and the demo accounts), in Debian's chromium: the demo ministry
sends a national survey, Voss (nynorsk) and Bergen (bokmål) answer through the signed links in their mail,
the rest are reminded, the results are reached from the ministry's /reports dashboard, and the annual
report's PDF carries the chapter (its text read with pdftotext)."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date

import pytest
from sqlalchemy import func, select

from relay.db import transaction
from relay.demo import CONTACTS, load_demo
from relay.models import Message, Organisation, SurveyInvitation, User
from tests.surveys.test_survey_browser import _links
from tests.web.browser import WCAG_TAGS, axe, page_as, start_server

pytestmark = pytest.mark.browser
TITLE = "Får kommunen nok informasjon? Demo"


@pytest.fixture
def demo(register, tmp_path):
    """The served app with the demo loaded into its database, as `relay run --demo` does."""
    engine = register
    base, settings, stop = start_server(engine, tmp_path)
    load_demo(settings=settings, engine=engine)
    yield engine, base, settings
    stop()


def _pdf_text(pdf: bytes, tmp_path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed (apt-get install poppler-utils): the PDF's text cannot be read")
    path = tmp_path / "annual.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, timeout=60)
    return re.sub(r"\s+", " ", out.stdout.decode())


def test_a_national_survey_on_the_demo_data(demo, browser, tmp_path):
    engine, base, settings = demo
    bergen_mail, voss_mail, kristiansand_mail = (c[0] for c in CONTACTS[:3])
    with transaction(engine) as s:
        minister_id = s.scalars(select(User.id).where(User.email == "ministry@kdd.demo")).one()
        municipalities = s.scalar(select(func.count()).select_from(Organisation)
                                  .where(Organisation.kind == "municipality", Organisation.profile == "no"))
    minister = page_as(browser, base, settings, engine, minister_id)
    minister.goto(base + "/surveys")
    minister.get_by_label("Spør").select_option(label="Kommunal- og distriktsdepartementet")
    minister.get_by_label("Tittel").fill(TITLE)
    minister.get_by_role("button", name="Opprett").click()
    minister.wait_for_url(re.compile(r".*/surveys/\d+$"))
    survey_url = minister.url
    minister.get_by_role("button", name="Send til kommunene").click()
    assert "kommuner." in minister.locator("[role=status]").inner_text()

    links = _links(engine, base)
    assert {bergen_mail, voss_mail, kristiansand_mail} <= set(links)  # the demo's own contacts were asked
    for address, name, scale, thanks in (
            (voss_mail, "Kari Nordmann", "Har kommunen fått tilstrekkeleg informasjon om menneskerettane innan "
             "Barnevern?", "Takk! Svaret frå Voss er registrert."),
            (bergen_mail, "Ola Nordmann", "Har kommunen fått tilstrekkelig informasjon om menneskerettighetene "
             "innen Barnevern?", "Takk! Svaret fra Bergen er registrert.")):
        page = page_as(browser, base, settings, engine, None)
        page.goto(links[address])
        page.locator("#f-responder_name").fill(name)
        page.get_by_role("group", name=scale).get_by_label("4", exact=True).check()
        page.locator("#f-missing").fill("Kurs for dei tilsette." if address == voss_mail else "Mer om barnevern.")
        page.get_by_role("button").filter(has_text="Send svaret").click()
        assert page.locator("[role=status]").inner_text() == thanks
        page.context.close()

    with transaction(engine) as s:
        before = s.scalar(select(func.count()).select_from(Message).where(Message.kind == "survey"))
        asked = s.scalar(select(func.count(func.distinct(SurveyInvitation.municipality_id))))
    minister.get_by_role("button", name="Send påminnelse til dem som ikke har svart").click()
    reminded = re.search(r"Påminnelse sendt: (\d+) e-poster til (\d+) kommuner\.",
                         minister.locator("[role=status]").inner_text())
    assert reminded and int(reminded.group(2)) == asked - 2  # every asked municipality but Voss and Bergen
    with transaction(engine) as s:
        reminders = s.scalars(select(Message.to_address).where(Message.kind == "survey",
                                                               Message.purpose_key.like("%remind%"))).all()
        assert s.scalar(select(func.count()).select_from(Message).where(Message.kind == "survey")) > before
    assert kristiansand_mail in reminders and not {bergen_mail, voss_mail} & set(reminders)

    # The ministry's dashboard leads to the results.
    minister.goto(base + "/reports")
    violations = axe(minister, WCAG_TAGS)  # the dashboard with its new link to the surveys
    minister.locator("#surveys-link").click()
    minister.wait_for_url(base + "/surveys")
    minister.get_by_role("link", name=TITLE).click()
    assert minister.url == survey_url
    response = minister.locator("#survey-response").inner_text()
    assert response.startswith(f"2 av {municipalities} kommuner har svart")
    assert "Kurs for dei tilsette." in minister.content()
    violations += axe(minister, WCAG_TAGS)
    assert violations == [], "\n".join(violations)

    year = date.today().year
    minister.goto(f"{base}/reports/annual/{year}")
    assert f"{TITLE}: 2 av {municipalities} kommuner svarte" in minister.locator("#knowledge").inner_text()
    pdf = minister.request.get(f"{base}/reports/annual/{year}.pdf")
    assert pdf.ok and pdf.body().startswith(b"%PDF")
    text = _pdf_text(pdf.body(), tmp_path)
    assert "Nok informasjon, kunnskap og oppfølging" in text
    assert f"{TITLE}: 2 av {municipalities} kommuner svarte" in text
