"""One mailbox is one contact, however its address is capitalised (contacts.same_address).

Before: Kari.Nordmann@ typed by the office and kari.nordmann@ typed on /signup were two contacts (two
digests, a second opt-in mail), and a contact account did not find its contact.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from relay.contacts import ContactError, same_address, save_contact, set_fallback, signup_mail_key
from relay.db import transaction
from relay.models import Contact, Subscription
from relay.users import save_user
from tests import factories

SECTORS = {"child-welfare", "education", "health-care"}
TYPED_BY_THE_OFFICE = "Kari.Nordmann@Voss.kommune.no"


def _save(session, voss, email: str, sector: str, *, frequency="weekly", status="active") -> Contact:
    return save_contact(session=session, municipality=voss, email=email, name="Kari", sectors=[sector],
                        frequency=frequency, known_sectors=SECTORS, status=status)


def _voss_with_kari(session):
    voss = factories.make_municipality(session, code="4621", name="Voss", mail_domains="voss.kommune.no")
    return voss, _save(session, voss, TYPED_BY_THE_OFFICE, "child-welfare")


def test_a_sign_up_in_other_letters_finds_the_contact_in_use_and_leaves_it_alone(engine):
    with transaction(engine) as s:
        voss, kari = _voss_with_kari(s)
        again = _save(s, voss, "kari.nordmann@voss.kommune.no", "education", frequency="monthly", status="pending")
        assert again.id == kari.id
        assert signup_mail_key(s, "KARI.NORDMANN@voss.kommune.no") == signup_mail_key(s, TYPED_BY_THE_OFFICE)
    with transaction(engine) as s:
        assert s.scalar(select(func.count()).select_from(Contact)) == 1
        kari = s.scalars(select(Contact)).one()
        assert kari.email == "Kari.Nordmann@voss.kommune.no"  # kept as typed (domain lower-cased): mail goes there
        assert [(sub.sector, sub.frequency, sub.active) for sub in kari.subscriptions] == [
            ("child-welfare", "weekly", True)]


def test_the_office_adding_the_address_in_other_letters_adds_to_the_same_contact(engine):
    with transaction(engine) as s:
        voss, kari = _voss_with_kari(s)
        same = _save(s, voss, "KARI.NORDMANN@voss.kommune.no", "health-care")
        assert same.id == kari.id
    with transaction(engine) as s:
        assert sorted(s.scalars(select(Subscription.sector))) == ["child-welfare", "health-care"]


def test_a_contact_account_finds_its_contact_and_a_person_cannot_be_the_postmottak_in_other_letters(engine):
    with transaction(engine) as s:
        voss, kari = _voss_with_kari(s)
        user = save_user(session=s, email="kari.nordmann@voss.kommune.no", role="contact")
        assert user.contact_id == kari.id
        with pytest.raises(ContactError, match="^fallback_is_a_person$"):
            set_fallback(session=s, municipality=voss, email="KARI.nordmann@voss.kommune.no", actor="test")


def test_the_lookups_use_the_index_on_the_lower_cased_address(engine):
    query = select(Contact.id).where(same_address(Contact.email, TYPED_BY_THE_OFFICE))
    compiled = query.compile(engine, compile_kwargs={"literal_binds": True})
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            plan = " ".join(str(row[-1]) for row in connection.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))
        else:
            connection.execute(text("SET enable_seqscan = off"))  # a near-empty table is cheaper to scan
            plan = " ".join(row[0] for row in connection.execute(text(f"EXPLAIN {compiled}")))
    assert "ix_contact_email_lower" in plan, plan
