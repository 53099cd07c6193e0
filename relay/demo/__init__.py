"""`relay run --demo`: the whole flow on a laptop with no network and no mail server.

Bundled sample material (written in the real HUDOC and regjeringen.no formats) is collected and
tagged; a governor in Vestland approves an item; contacts in a bokmål and a nynorsk municipality
get it (one immediately, one in this week's digest) in the local maildir; one acknowledges; the
report shows it. Running the demo twice adds nothing the second time.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import Engine

from feeds.records import Payload
from relay.auth import create_login_link
from relay.collect import ingest
from relay.curation import AlertDraft, approve_item
from relay.db import transaction
from relay.models import Alert, Contact, Item, Organisation, Source, Subscription, Tag, User, utcnow
from relay.settings import Settings
from relay.users import save_user

DATA = Path(__file__).parent / "data"
VESTLAND_ORGNR = "974760665"
DEMO_SOURCES = [
    ("demo-echr-json", "hudoc", "EMD – dommer mot Norge (demo, JSON)", "hudoc_echr_norway.json", {"instance": "ECHR"}),
    ("demo-echr-rss", "hudoc-rss", "EMD – RSS (demo)", "hudoc_echr_norway.xml", {"instance": "ECHR"}),
    ("demo-regjeringen", "rss", "Regjeringen – barnevern (demo)", "regjeringen_barnevern.xml", {"states": ["NOR"]}),
]
# Sign-up is open to addresses at these domains (the municipality's sign-up domains), so /signup lists them.
SIGNUP_DOMAINS = {"4601": "bergen.kommune.demo", "4621": "voss.herad.demo"}
ROLES = [  # (e-mail, what the printed sign-in link is for)
    ("governor@statsforvalteren.demo", "the Vestland governor (queue, alerts, contacts)"),
    ("ministry@kdd.demo", "the ministry (reports)"),
    ("admin@relay.demo", "the administrator (sources, audit log)"),
]
CONTACTS = [  # (e-mail, name, kommunenummer, frequency)
    ("barnevern@bergen.kommune.demo", "Barnevernstjenesten i Bergen", "4601", "immediate"),
    ("postmottak@voss.herad.demo", "Voss herad, barnevern", "4621", "weekly"),
    # Outside Vestland, so the demo's alert does not reach it: a survey's reminder has someone to remind.
    ("barnevern@kristiansand.kommune.demo", "Barnevernet i Kristiansand", "4204", "weekly"),
]


def load_demo(*, settings: Settings, engine: Engine) -> list[str]:
    from relay.delivery.worker import send_all
    from relay.digests.periods import period_containing
    from relay.digests.plan import plan_period
    from relay.digests.render import render_pending
    from relay.pipeline import plan_and_render
    from relay.receipts.acks import acknowledge

    lines = []
    with transaction(engine) as session:
        for key, kind, name, _file, params in DEMO_SOURCES:
            if session.scalars(select(Source).where(Source.key == key)).first() is None:
                session.add(Source(key=key, kind=kind, name=name, origin="admin", paused=True, params=params))
    for key, _kind, _name, filename, _params in DEMO_SOURCES:
        result = ingest(engine=engine, key=key, payloads=[Payload(body=(DATA / filename).read_bytes())])
        lines.append(f"collected {key}: {result.found} found, {result.new} new" + ("" if result.ok else f" ({result.error})"))
    with transaction(engine) as session:
        office = session.scalars(select(Organisation).where(Organisation.org_number == VESTLAND_ORGNR)).one()
        governor = save_user(session=session, email="governor@statsforvalteren.demo", role="governor",
                             office_org_number=VESTLAND_ORGNR, name="Demo Governor", actor="demo")
        save_user(session=session, email="ministry@kdd.demo", role="ministry", name="Demo Ministry", actor="demo")
        save_user(session=session, email="admin@relay.demo", role="admin", name="Demo Admin", actor="demo")
        for code, domain in SIGNUP_DOMAINS.items():
            muni = session.scalars(select(Organisation).where(Organisation.code == code,
                                                              Organisation.kind == "municipality")).one()
            muni.mail_domains = muni.mail_domains or domain
        for email, name, code, frequency in CONTACTS:
            muni = session.scalars(select(Organisation).where(Organisation.code == code,
                                                              Organisation.kind == "municipality")).one()
            contact = session.scalars(select(Contact).where(Contact.email == email)).first()
            if contact is None:
                contact = Contact(email=email, name=name, municipality_id=muni.id, status="active",
                                  created_at=utcnow() - timedelta(days=30), confirmed_at=utcnow())
                contact.subscriptions = [Subscription(sector="child-welfare", frequency=frequency,
                                                      created_at=utcnow() - timedelta(days=30))]
                session.add(contact)
        item = session.scalars(
            select(Item).join(Tag, Tag.item_id == Item.id).where(Tag.sector == "child-welfare", Tag.removed.is_(False))
            .order_by(Item.key_case.desc(), Item.id)
        ).first()
        if item is None:
            lines.append("no child-welfare item was tagged; nothing to approve")
            return lines
        alert = session.scalars(select(Alert).where(Alert.item_id == item.id)).first() or approve_item(
            session=session, item_id=item.id, office_id=office.id, actor=governor, draft=_draft(item))
        lines.append(f"approved for {office.name}: {alert.title_nb}")
    plan_and_render(engine=engine, settings=settings)
    with transaction(engine) as session:
        # Plan this week's digest now, so the weekly subscriber's mail is there to look at.
        plan_period(session=session, frequency="weekly", period=period_containing("weekly", utcnow().date()),
                    tz=settings.timezone)
        render_pending(session=session, settings=settings)
    lines.append(f"sent: {send_all(engine=engine, settings=settings, worker='demo')}")
    with transaction(engine) as session:
        bergen = session.scalars(select(Contact).where(Contact.email == CONTACTS[0][0])).one()
        acknowledge(session=session, alert_id=alert.id, contact_id=bergen.id, follow_up="will-follow-up",
                    comment="Tas opp i ledermøtet i barnevernstjenesten.", evidence={"channel": "demo"})
    lines.append(f"mail written to {settings.maildir_path}")
    lines += sign_in_lines(settings=settings, engine=engine)
    lines.append(f"sign up as a contact: {settings.base_url}/signup (an address at "
                 + " or ".join(SIGNUP_DOMAINS.values()) + ")")
    lines.append(f"what to try: {settings.base_url}/")
    return lines


def sign_in_lines(*, settings: Settings, engine: Engine) -> list[str]:
    """A fresh single-use sign-in link for each demo role, with the address it signs in."""
    lines = []
    with transaction(engine) as session:
        for email, purpose in ROLES:
            user = session.scalars(select(User).where(User.email == email)).one()
            token = create_login_link(session=session, settings=settings, user=user)
            if token:
                lines.append(f"sign in as {purpose}, {email}: {settings.base_url}/login/{token}")
    return lines


def _draft(item: Item) -> AlertDraft:
    from relay import nynorsk

    summary = ("Storkammeret fant at Norge krenket retten til familieliv (EMK artikkel 8) da barnevernet "
               "fratok foreldreansvaret og samtykket til adopsjon etter en omsorgsovertakelse.")
    meaning = ("Barneverntjenesten må legge til rette for samvær og arbeide for gjenforening så lenge det er "
               "til barnets beste, og vurdere foreldrenes situasjon på nytt før vedtak om adopsjon.")
    title = "Retten til familieliv etter omsorgsovertakelse"
    draft = AlertDraft(title_nb=title, summary_nb=summary, meaning_nb=meaning, sectors=["child-welfare"])
    if nynorsk.available():
        draft.title_nn, draft.summary_nn, draft.meaning_nn = (nynorsk.draft(t) for t in (title, summary, meaning))
        draft.nynorsk_origin = "apertium"
    else:  # Vestland's nynorsk municipalities need nynorsk: approval refuses without it (issue 19)
        draft.title_nn = "Retten til familieliv etter omsorgsovertaking"
        draft.summary_nn = ("Storkammeret fann at Noreg krenkte retten til familieliv (EMK artikkel 8) då barnevernet "
                            "tok frå foreldra foreldreansvaret og samtykte til adopsjon etter ei omsorgsovertaking.")
        draft.meaning_nn = ("Barnevernstenesta må leggje til rette for samvær og arbeide for gjenforeining så lenge "
                            "det er til beste for barnet, og vurdere situasjonen til foreldra på nytt før vedtak "
                            "om adopsjon.")
    return draft
