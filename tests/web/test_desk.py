"""The governor's desk (issue 21): the queue shows what matters first and keeps its filters in the
address, every action ends in a banner that says what happens next, the item page explains its
evidence in words, and contacts and offices can be searched and paged."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from relay.dates import parse_date, show_date, show_moment
from relay.db import transaction
from relay.models import Item, Tag
from relay.web.pages.desk.queue_view import SEEN_COOKIE, last_visit
from tests import factories
from tests.web.conftest import csrf_of


def _tagged_items(engine, count: int, **fields) -> list[int]:
    ids = []
    with transaction(engine) as s:
        for n in range(count):
            item = factories.make_item(s, title=f"Sak nummer {n:02d} om barnevern", **fields)
            s.add(Tag(item_id=item.id, sector="child-welfare", origin="rule", score=1.5, evidence=[]))
            ids.append(item.id)
    return ids


def test_dates_have_one_format_per_language():
    moment = datetime(2026, 12, 7, 22, 14, tzinfo=UTC)
    assert show_moment(moment, "nb", "Europe/Oslo") == "07.12.2026 kl. 23:14"
    assert show_moment(moment, "nn", "Europe/Oslo") == "07.12.2026 kl. 23:14"
    assert show_date(date(2026, 1, 5), "nb") == "05.01.2026"
    assert parse_date("05.01.2026") == parse_date("2026-01-05") == date(2026, 1, 5)
    assert parse_date("5/1/2026") is None and parse_date("") is None


def test_it_remembers_the_end_of_the_last_visit_not_the_last_page_load():
    start = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
    previous, cookie = last_visit(None, start)
    assert previous is None
    previous, cookie = last_visit(cookie, start + timedelta(minutes=10))  # same visit
    assert previous is None
    previous, cookie = last_visit(cookie, start + timedelta(hours=5))  # a new visit
    assert previous == start + timedelta(minutes=10)
    assert last_visit("nonsense:", start)[0] is None


def test_the_queue_searches_and_pages_with_its_filters_in_the_address(client_for, world, engine):
    _tagged_items(engine, 30)
    gov = client_for("governor_a")
    first = gov.get("/queue?q=barnevern&sector=child-welfare")
    assert "Viser 1–25 av 30" in first.text
    next_link = re.search(r'<a href="([^"]+)" rel="next">', first.text).group(1).replace("&amp;", "&")
    assert "q=barnevern" in next_link and "sector=child-welfare" in next_link and "page=2" in next_link
    second = gov.get(next_link)
    assert "Viser 26–30 av 30" in second.text and 'rel="prev"' in second.text
    narrowed = gov.get("/queue?q=nummer+07")
    assert "Sak nummer 07 om barnevern" in narrowed.text and "Sak nummer 08" not in narrowed.text
    nothing = gov.get("/queue?q=finnesikke")
    assert "Ingen treff på «finnesikke»" in nothing.text


def test_possible_urgent_cases_and_new_arrivals_come_first(client_for, world, engine):
    with transaction(engine) as s:
        s.add(Tag(item_id=factories.make_item(s, title="Nyhet om skole", kind="news", states="").id,
                  sector="child-welfare", origin="rule", score=1.0, evidence=[]))
    gov = client_for("governor_a")
    page = gov.get("/queue").text
    # world.item is a judgment against Norway: a possible urgent case, listed before the newer news item
    assert page.index("CASE OF A.B. v. NORWAY") < page.index("Nyhet om skole")
    with transaction(engine) as s:  # every relevant judgment against Norway in the world, tagged or not (issue 20)
        judgments = s.scalar(select(func.count()).select_from(Item).where(
            Item.kind == "judgment", Item.states == "NOR", Item.relevant.is_(True)))
    assert judgments >= 1 and f"Mulige hastesaker ({judgments})" in page and "Mulig hastesak" in page
    only_urgent = gov.get("/queue?show=urgent").text
    assert "CASE OF A.B. v. NORWAY" in only_urgent and "Nyhet om skole" not in only_urgent
    # a visit that ended an hour ago: what arrived since is marked new
    hour_ago = int((datetime.now(UTC) - timedelta(hours=2)).timestamp())
    for cookie in [c for c in gov.cookies.jar if c.name == SEEN_COOKIE]:
        gov.cookies.jar.clear(cookie.domain, cookie.path, cookie.name)
    gov.cookies.set(SEEN_COOKIE, f":{hour_ago}")
    with transaction(engine) as s:
        s.add(Tag(item_id=factories.make_item(s, title="Helt ny dom", kind="news", states="").id,
                  sector="child-welfare", origin="rule", score=1.0, evidence=[]))
    with transaction(engine) as s:  # every relevant item of the world arrived within the last two hours
        arrived = s.scalar(select(func.count()).select_from(Item).where(Item.relevant.is_(True)))
    marked = gov.get("/queue").text
    assert f"Nye siden sist ({arrived})" in marked and "Ny siden sist</span>" in marked
    assert f"Nye siden sist ({arrived})" in gov.get("/queue").text  # still the same visit


def test_the_queue_reads_dates_as_the_hint_writes_them(client_for, world, engine):
    with transaction(engine) as s:
        s.add(Tag(item_id=factories.make_item(s, title="Gammel sak", date=date(2020, 1, 1)).id,
                  sector="child-welfare", origin="rule", score=1.0, evidence=[]))
    gov = client_for("governor_a")
    page = gov.get("/queue?since=01.01.2021").text
    assert "Gammel sak" not in page
    assert "Gammel sak" in gov.get("/queue?until=31.12.2020").text
    assert 'aria-invalid="true"' in gov.get("/queue?since=1/1/2021").text


def test_approving_says_who_gets_the_alert_and_when(client_for, world, engine):
    gov = client_for("governor_a")
    form = {"csrf_token": csrf_of(gov), "priority": "normal", "sectors": ["child-welfare"], "ack_deadline": "",
            "title_nb": "Samvær", "summary_nb": "S", "meaning_nb": "M", "title_nn": "Samvær", "summary_nn": "S",
            "meaning_nn": "M"}
    done = gov.post(f"/queue/{world.item}/approve", data=form, follow_redirects=False)
    assert done.headers["location"].endswith("?notice=approved#notice")
    page = gov.get(done.headers["location"].split("#")[0]).text
    banner = page[page.index('id="notice"'):page.index("</div>", page.index('id="notice"'))]
    # the world's contact in Voss takes child welfare weekly: the banner names the digest and its time
    assert "Varselet er godkjent" in banner
    assert re.search(r"1 abonnenter får det i ukesoppsummeringen som sendes \d\d\.\d\d\.\d{4} kl\. 00:00", banner)
    assert "postmottak" in banner


def test_rejecting_and_tag_changes_end_in_a_banner_and_nonsense_notices_show_nothing(client_for, world):
    gov = client_for("governor_a")
    tag = gov.post(f"/queue/{world.item}/tags", data={"csrf_token": csrf_of(gov), "office": world.office_a,
                                                     "sector": "housing", "present": "1"})
    assert "Sektoren er lagt til" in tag.text
    rejected = gov.post(f"/queue/{world.item}/reject", data={"csrf_token": csrf_of(gov), "office": world.office_a})
    assert "Saken er avvist" in rejected.text and "Status: Avvist" in rejected.text
    assert 'id="notice"' not in gov.get("/queue?notice=<script>").text


def test_the_item_page_speaks_in_words_and_keeps_rule_ids_behind_a_toggle(client_for, world):
    page = client_for("governor_a").get(f"/queue/{world.item}").text
    words = page[page.index('class="evidence"'):page.index("Vis teknisk grunnlag")]
    assert "Treff i tittelen:" in words and "<mark>care order</mark>" in words
    assert "cw.care-order" not in words and "Vekt" not in words
    technical = page[page.index("Vis teknisk grunnlag"):page.index("</details>", page.index("Vis teknisk grunnlag"))]
    assert "<code>cw.care-order</code>" in technical


def test_contacts_and_offices_are_searchable_and_show_organisation_numbers(client_for, world, engine):
    with transaction(engine) as s:
        office = s.get(factories.Organisation, world.office_a)
        for n in range(60):
            factories.make_municipality(s, office=office, name=f"Testkommune {n:02d}", org_number=f"9{n:08d}")
    gov = client_for("governor_a")
    offices = gov.get("/offices").text
    assert "Viser 1–50 av" in offices and "Organisasjonsnummer 974760665" in offices
    found = gov.get("/offices?q=900000007").text
    assert "Testkommune 07" in found and "Testkommune 08" not in found and "Viser 1–1 av 1" in found
    contacts = gov.get("/contacts?q=voss").text
    assert "Voss" in contacts
    assert "Ingen treff" in gov.get("/contacts?q=finnesikke").text


def test_the_contact_csv_takes_sector_names_and_frequencies_in_words(client_for, world, engine):
    from sqlalchemy import select

    from relay.models import Contact

    gov = client_for("governor_a")
    page = gov.post("/contacts/import", data={"csrf_token": csrf_of(gov), "text": (
        "4621;helse@voss.test;Helsesjef;Barnevern, Bolig;Straks\n"
        "4621;skule@voss.test;Rektor;Barnehage og skule;kvar månad\n"
        "4621;gammal@voss.test;Eldre form;child-welfare housing;weekly\n"
        "4621;feil@voss.test;Feil;Finnes ikke;ukentlig\n")})
    help_text = re.search(r'<p id="import-help">(.*?)</p>', page.text).group(1)
    assert "sektor-id" not in help_text and "immediate" not in help_text and "straks" in help_text
    with transaction(engine) as s:
        subs = {c.email: sorted((x.sector, x.frequency) for x in c.subscriptions)
                for c in s.scalars(select(Contact).where(Contact.email.like("%@voss.test")))}
    assert subs["helse@voss.test"] == [("child-welfare", "immediate"), ("housing", "immediate")]
    assert subs["skule@voss.test"] == [("education", "monthly")]
    assert subs["gammal@voss.test"] == [("child-welfare", "weekly"), ("housing", "weekly")]
    assert "feil@voss.test" not in subs  # an unknown sector name is refused for that row only


def test_an_office_with_more_than_two_hundred_entries_pages_to_the_last(client_for, world, engine):
    # The listing once stopped at 200 entries: the rest could not be paged to or searched.
    with transaction(engine) as s:
        for n in range(230):
            s.add(Tag(item_id=factories.make_item(s, title=f"Mengdesak {n:03d}", kind="news", states="").id,
                      sector="child-welfare", origin="rule", score=1.0, evidence=[]))
        total = s.scalar(select(func.count()).select_from(Item).where(Item.relevant.is_(True)))
    gov = client_for("governor_a")
    last_page = -(-total // 25)
    page = gov.get(f"/queue?page={last_page}").text
    assert f"av {total}" in page and "Mengdesak 000" in page  # the oldest, beyond the first 200
    assert "Mengdesak 000" in gov.get("/queue?q=Mengdesak+000").text
