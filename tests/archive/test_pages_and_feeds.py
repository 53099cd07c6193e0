"""The alert's public page, the office's visibility setting, the Atom feeds (read by feedparser), the
front page's feed announcements, the anonymous counts, and the mail link that leads to the page."""

from __future__ import annotations

import re
from datetime import timedelta

import feedparser
from sqlalchemy import inspect, select

from relay.db import transaction
from relay.models import ArchiveHit, MessageBody, utcnow
from tests.web.conftest import csrf_of


def test_the_public_page_shows_both_written_standards_with_sectors_source_and_links(web, archive):
    nb = web.get(f"/archive/{archive.care}?lang=nb")
    assert nb.status_code == 200
    assert "Samvær etter omsorgsovertakelse" in nb.text and "Kommunene må vurdere samvær på nytt." in nb.text
    assert "Barnevern" in nb.text  # the sector's name
    assert 'href="https://hudoc.echr.coe.int/' in nb.text
    assert f'href="/archive/{archive.care}?lang=nn"' in nb.text
    nn = web.get(f"/archive/{archive.care}?lang=nn")
    assert "Samvær etter omsorgsovertaking" in nn.text and "Kommunane må vurdere samvær på nytt." in nn.text
    assert '<article lang="nn">' in nn.text
    assert web.get("/archive/999999").status_code == 404


def test_an_office_that_publishes_to_signed_in_users_only_is_hidden_from_others(engine, web, archive, signed_in):
    governor = signed_in(archive.governor_a)
    form = {"office": str(archive.office_a), "visibility": "signed-in", "csrf_token": csrf_of(governor, "/archive/settings")}
    assert governor.post("/archive/settings", data=form, follow_redirects=False).status_code == 303
    assert "Bare for innloggede" in governor.get("/archive/settings").text

    page = web.get(f"/archive/{archive.care}", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login?next=")
    assert f"/archive/{archive.care}" not in web.get("/archive").text
    assert web.get(f"/archive/feeds/office/{archive.code_a}.atom").status_code == 404
    sector = feedparser.parse(web.get("/archive/feeds/sector/child-welfare.atom").content)
    assert sector.entries == []
    assert governor.get(f"/archive/{archive.care}").status_code == 200
    assert f"/archive/{archive.care}" in governor.get("/archive").text
    # The choice is recorded with who made it.
    from relay.models import AuditEntry
    with transaction(engine) as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "archive.visibility")).one()
        assert entry.after == {"visibility": "signed-in"} and entry.office_id == archive.office_a


def test_a_governor_cannot_set_another_offices_archive_and_a_bad_value_is_refused(web, archive, signed_in):
    governor = signed_in(archive.governor_b)
    token = csrf_of(governor, "/archive/settings")
    other = {"office": str(archive.office_a), "visibility": "signed-in", "csrf_token": token}
    assert governor.post("/archive/settings", data=other).status_code == 403
    bad = governor.post("/archive/settings", data={"office": str(archive.office_b), "visibility": "x",
                                                   "csrf_token": token})
    assert bad.status_code == 400 and "Velg et av alternativene." in bad.text
    no_token = {"office": str(archive.office_b), "visibility": "signed-in"}
    assert governor.post("/archive/settings", data=no_token).status_code == 403
    assert web.get("/archive/settings", follow_redirects=False).status_code == 303  # sign in first


def test_the_feeds_are_valid_atom_per_sector_office_and_both(web, archive):
    sector = web.get("/archive/feeds/sector/child-welfare.atom")
    assert sector.status_code == 200 and sector.headers["content-type"].startswith("application/atom+xml")
    parsed = feedparser.parse(sector.content)
    assert not parsed.bozo, parsed.bozo_exception
    assert parsed.version == "atom10"
    assert [e.title for e in parsed.entries] == ["Samvær etter omsorgsovertakelse"]
    entry = parsed.entries[0]
    assert entry.link == f"https://relay.test/archive/{archive.care}"
    assert entry.id == f"https://relay.test/archive/{archive.care}"
    assert [t.term for t in entry.tags] == ["child-welfare"] and entry.author == "Statsforvalteren i Vestland"

    office = feedparser.parse(web.get(f"/archive/feeds/office/{archive.code_a}.atom").content)
    assert not office.bozo and {e.id.rsplit("/", 1)[1] for e in office.entries} == {str(archive.care),
                                                                                      str(archive.school)}
    both = feedparser.parse(web.get(f"/archive/feeds/office/{archive.code_a}/education.atom?lang=nn").content)
    assert not both.bozo and [e.title for e in both.entries] == ["Barnekomiteen sine merknader om skulen"]
    assert both.entries[0].link.endswith(f"/archive/{archive.school}?lang=nn")
    assert web.get("/archive/feeds/sector/no-such-sector.atom").status_code == 404
    assert web.get("/archive/feeds/office/000000000.atom").status_code == 404


def test_the_front_page_and_the_archive_announce_the_feeds(web, archive):
    for path in ("/", "/archive"):
        page = web.get(path).text
        links = re.findall(r'<link rel="alternate" type="application/atom\+xml" href="([^"]+)"', page)
        assert "/archive/feeds/sector/child-welfare.atom" in links, path
        assert len(links) == 17, path  # one per sector
    listing = web.get("/archive/feeds").text
    assert f"/archive/feeds/office/{archive.code_b}/health-care.atom" in listing


def test_views_and_fetches_are_counted_without_anything_about_the_reader(engine, web, archive):
    web.get(f"/archive/{archive.care}")
    web.get(f"/archive/{archive.care}?lang=nn")
    web.get("/archive/feeds/sector/child-welfare.atom")
    web.get("/archive", params={"q": "samvær"})
    with transaction(engine) as s:
        hits = {(h.kind, h.subject): h.count for h in s.scalars(select(ArchiveHit))}
    assert hits == {("page", f"alert:{archive.care}"): 2, ("feed", "sector/child-welfare"): 1,
                    ("search", "archive"): 1}
    assert {c["name"] for c in inspect(engine).get_columns("archive_hit")} == {"day", "kind", "subject", "count"}


def test_a_digest_links_each_alert_to_its_public_page_in_the_municipalitys_standard(engine, settings, web, archive):
    from relay.models import Organisation
    from relay.pipeline import plan_and_render
    from tests import factories

    with transaction(engine) as s:
        factories.make_contact(s, municipality=s.get(Organisation, archive.voss), sectors=("child-welfare",))
    plan_and_render(engine=engine, settings=settings, now=utcnow() + timedelta(days=7))
    with transaction(engine) as s:
        mime = s.scalars(select(MessageBody.mime)).one()
    import email
    from email import policy

    message = email.message_from_bytes(mime, policy=policy.default)
    text = message.get_body(("plain",)).get_content()
    link = re.search(r"https://relay\.test/archive/\d+\?lang=nn", text).group(0)
    assert link == f"https://relay.test/archive/{archive.care}?lang=nn"
    assert link in message.get_body(("html",)).get_content()
    page = web.get(link.removeprefix("https://relay.test"))
    assert page.status_code == 200 and "Samvær etter omsorgsovertaking" in page.text
