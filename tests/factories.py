"""Plain functions that build rows, creating missing parents (STYLE C14).

Personas used across tests:
- an office in Vestland (`office`) with two municipalities: Voss (nynorsk) and Bergen (neutral);
- another office (Agder) with Kristiansand (bokmål), whose governor must never see Vestland's work;
- contacts in those municipalities, a ministry reader and an admin.
"""

from __future__ import annotations

import itertools
from datetime import timedelta

from relay.models import (
    Alert,
    AlertSector,
    AlertTarget,
    Contact,
    Item,
    Organisation,
    Subscription,
    User,
    utcnow,
)

_seq = itertools.count(1)


def make_office(session, *, name=None, org_number=None, **fields) -> Organisation:
    n = next(_seq)
    office = Organisation(profile="no", kind="office", code=org_number or f"9{n:08d}",
                          org_number=org_number or f"9{n:08d}", name=name or f"Statsforvalteren {n}", **fields)
    session.add(office)
    session.flush()
    return office


def make_municipality(session, *, office=None, code=None, name=None, malform="bokmal", confirmed=True,
                      **fields) -> Organisation:
    office = office or make_office(session)
    n = next(_seq)
    muni = Organisation(profile="no", kind="municipality", code=code or f"{n:04d}", name=name or f"Kommune {n}",
                        office_id=office.id, malform=malform, malform_confirmed=confirmed, **fields)
    session.add(muni)
    session.flush()
    return muni


def make_contact(session, *, municipality=None, email=None, sectors=("child-welfare",), frequency="weekly",
                 kind="person", subscribed_days_ago=30, **fields) -> Contact:
    municipality = municipality or make_municipality(session)
    n = next(_seq)
    since = utcnow() - timedelta(days=subscribed_days_ago)
    contact = Contact(email=email or f"person{n}@kommune{municipality.code}.test", name=f"Kontakt {n}",
                      municipality_id=municipality.id, kind=kind, status=fields.pop("status", "active"),
                      created_at=since, **fields)
    contact.subscriptions = [Subscription(sector=s, frequency=frequency, created_at=since) for s in sectors]
    session.add(contact)
    session.flush()
    return contact


def make_item(session, *, key=None, title="CASE OF X v. NORWAY", **fields) -> Item:
    n = next(_seq)
    item = Item(key=key or f"test:{n}", kind=fields.pop("kind", "judgment"), title=title,
                states=fields.pop("states", "NOR"), url=fields.pop("url", f"https://hudoc.echr.coe.int/eng?i=001-{n}"),
                **fields)
    session.add(item)
    session.flush()
    return item


def make_alert(session, *, office=None, item=None, sectors=("child-welfare",), municipalities=None,
               priority="normal", approved_at=None, **fields) -> Alert:
    office = office or make_office(session)
    item = item or make_item(session)
    targets = municipalities if municipalities is not None else [make_municipality(session, office=office)]
    alert = Alert(item_id=item.id, office_id=office.id, title_nb=fields.pop("title_nb", f"Varsel om {item.title}"),
                  title_nn=fields.pop("title_nn", f"Varsel om {item.title} (nn)"), priority=priority,
                  approved_at=approved_at or utcnow(), **fields)
    alert.sectors = [AlertSector(sector=s) for s in sectors]
    alert.targets = [AlertTarget(municipality_id=m.id) for m in targets]
    session.add(alert)
    session.flush()
    return alert


def make_user(session, *, role="governor", office=None, email=None, **fields) -> User:
    n = next(_seq)
    user = User(email=email or f"{role}{n}@relay.test", role=role, office_id=office.id if office else None, **fields)
    session.add(user)
    session.flush()
    return user
