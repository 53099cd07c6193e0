"""The thin real path: feed → item → tag → governor approves in the web UI → digest over SMTP →
the contact follows the acknowledgement link in the mail → the report shows the acknowledgement.

Everything is real except the internet: a local HTTP server serves the feed, aiosmtpd receives the
mail, the app runs in-process, and the links are read out of the received message.
"""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select
from starlette.testclient import TestClient

from relay.collect import run_source
from relay.db import transaction
from relay.delivery.worker import send_all
from relay.digests.periods import period_containing
from relay.http import HttpClient
from relay.models import Acknowledgement, Contact, Item, Organisation, Source, Subscription, utcnow
from relay.pipeline import plan_and_render
from relay.settings import load_settings
from relay.users import save_user
from relay.web.app import create_app
from tests.httpserver import LocalServer, Reply
from tests.smtpsink import SmtpSink

VESTLAND = "974760665"
FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>NIM – nyheter</title><link>https://www.nhri.no/</link>
<description>Norges institusjon for menneskerettigheter</description>
<item><title>EMD: Norge dømt for brudd på retten til familieliv etter omsorgsovertakelse</title>
<link>https://www.nhri.no/2026/emd-dom-omsorgsovertakelse/</link>
<guid isPermaLink="false">nhri-2026-1142</guid>
<pubDate>Tue, 17 Nov 2026 09:00:00 +0100</pubDate>
<description>Den europeiske menneskerettsdomstolen fant at barnevernet ikke la nok vekt på samvær og
gjenforening etter omsorgsovertakelsen. Dommen har betydning for kommunenes barneverntjeneste.</description>
</item></channel></rss>""".encode()


def _path(url: str) -> str:
    return re.sub(r"^https://relay\.test", "", url)


def test_it_carries_an_item_from_feed_to_acknowledgement(register, settings):
    engine = register
    with LocalServer() as feed_server, SmtpSink() as smtp:
        settings = load_settings(data_dir=settings.data_dir, database_url=settings.database_url,
                                 base_url="https://relay.test", secret_key="test-signing-key-not-secret",
                                 scheduler=False, smtp={"host": "127.0.0.1", "port": smtp.port},
                                 mail={"from_address": "relay@relay.test"})
        feed_server.route("/nyheter.rss", Reply(200, {"Content-Type": "application/rss+xml"}, FEED))

        # 1. A configured generic RSS source is collected, stored and tagged.
        with transaction(engine) as session:
            session.add(Source(key="nim-news", kind="rss", name="NIM", url=feed_server.url("/nyheter.rss"),
                               params={"states": ["NOR"]}))
        with HttpClient(settings.http.model_copy(update={"host_delay": 0})) as http:
            result = run_source(engine=engine, key="nim-news", http=http)
            assert result.ok and result.new == 1, result
            assert run_source(engine=engine, key="nim-news", http=http).new == 0  # deduplicated
        with transaction(engine) as session:
            item = session.scalars(select(Item)).one()
            assert "child-welfare" in [t.sector for t in item.tags if not t.removed]
            item_id = item.id

        # A governor in Vestland, and a contact in nynorsk Voss who follows child welfare weekly.
        with transaction(engine) as session:
            governor = save_user(session=session, email="kari@statsforvalteren.test", role="governor",
                                 office_org_number=VESTLAND)
            save_user(session=session, email="ministry@kdd.test", role="ministry")
            voss = session.scalars(select(Organisation).where(Organisation.code == "4621")).one()
            assert voss.malform == "nynorsk"
            contact = Contact(email="barnevern@voss.test", name="Barnevernstenesta", municipality_id=voss.id,
                              status="active", created_at=utcnow() - timedelta(days=10))
            contact.subscriptions = [Subscription(sector="child-welfare", frequency="weekly",
                                                  created_at=utcnow() - timedelta(days=10))]
            session.add(contact)
            governor_email = governor.email

        app = create_app(settings, engine)
        with TestClient(app, base_url="https://relay.test") as web:
            # 2. The governor signs in with the magic link read from the mail.
            page = web.get("/login")
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
            assert web.post("/login", data={"email": governor_email, "csrf_token": csrf}).status_code == 200
            send_all(engine=engine, settings=settings, worker="test")
            signin = smtp.received[-1].message
            link = re.search(r"https://relay\.test/login/\S+", signin.get_body(("plain",)).get_content()).group(0)
            confirm = web.get(_path(link))
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', confirm.text).group(1)
            form_next = re.search(r'name="next" value="([^"]*)"', confirm.text).group(1)
            signed_in = web.post(_path(link).split("?")[0], data={"csrf_token": csrf, "next": form_next},
                                 follow_redirects=False)
            assert signed_in.status_code == 303

            # 3. The governor approves the item in the queue, with a nynorsk text.
            queue = web.get("/queue")
            assert f"/queue/{item_id}" in queue.text
            form = web.get(f"/queue/{item_id}")
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
            approved = web.post(f"/queue/{item_id}/approve", data={
                "csrf_token": csrf, "priority": "normal", "sectors": ["child-welfare"], "ack_deadline": "",
                "title_nb": "Samvær etter omsorgsovertakelse", "summary_nb": "EMD fant brudd på artikkel 8.",
                "meaning_nb": "Barneverntjenesten må vurdere samvær på nytt.",
                "title_nn": "Samvær etter omsorgsovertaking", "summary_nn": "EMD fann brot på artikkel 8.",
                "meaning_nn": "Barnevernstenesta må vurdere samvær på nytt.",
            }, follow_redirects=False)
            assert approved.status_code == 303, approved.text[:500]

            # 4. Next week the digest is planned (catching up the ended week) and sent over SMTP.
            next_week = utcnow() + timedelta(days=7)
            plan_and_render(engine=engine, settings=settings, now=next_week)
            plan_and_render(engine=engine, settings=settings, now=next_week)  # idempotent
            report = send_all(engine=engine, settings=settings, worker="test")
            digests = [r for r in smtp.received if r.rcpt_tos == ["barnevern@voss.test"]]
            assert len(digests) == 1, report
            digest = digests[0].message
            text = digest.get_body(("plain",)).get_content()
            html = digest.get_body(("html",)).get_content()
            assert "Samvær etter omsorgsovertaking" in text and "Motteke" in html  # nynorsk municipality
            assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
            start, _ = period_containing("weekly", utcnow().date())
            assert start.strftime("%d.%m.%Y") in text
            assert "Kjelde: NIM" in text  # a source without an issuing body is named by its own name

            # 5. The contact follows the acknowledgement link in the mail (no sign-in).
            ack_link = re.search(r"https://relay\.test/a/[^\s\"<>]+", text).group(0)
            anonymous = TestClient(app, base_url="https://relay.test")
            page = anonymous.get(_path(ack_link))
            assert page.status_code == 200 and "Motteke" in page.text
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
            done = anonymous.post(_path(ack_link), data={"csrf_token": csrf, "follow_up": "will-follow-up"})
            assert done.status_code == 200
            anonymous.post(_path(ack_link), data={"csrf_token": csrf})  # a second press records nothing new
            with transaction(engine) as session:
                assert session.scalars(select(Acknowledgement)).all().__len__() == 1

            # 6. The report shows Voss as confirmed (its acknowledgement) and acknowledged.
            page = web.get("/reports")
            table = re.search(r'<table class="report-table" data-table="municipalities">(.*?)</table>', page.text, re.S)
            row = re.search(r'<tr>\s*<th scope="row"><a href="/reports/municipalities/4621">.*?</tr>', table.group(1), re.S)
            numbers = re.findall(r'<td class="num[^"]*">\s*([^<]*?)\s*</td>', row.group(0))  # col-extra: hidden on a phone
            assert numbers[:4] == ["1", "1", "0", "100 %"]  # targeted, confirmed, not reached, share acknowledged
