"""Accounts: a contact's account is tied to its contact, so its menu can offer its own preferences page."""

from __future__ import annotations

import pytest

from relay.db import transaction
from relay.users import UserError, save_user
from tests import factories


def test_a_contact_account_is_linked_to_the_contact_with_its_address(engine):
    with transaction(engine) as s:
        contact_id = factories.make_contact(s, email="ola@voss.kommune.no").id
        account = save_user(session=s, email="Ola@Voss.kommune.no", role="contact")
        assert account.contact_id == contact_id


def test_a_contact_account_without_a_contact_is_refused_with_the_reason(engine):
    with transaction(engine) as s, pytest.raises(UserError, match="add the contact first"):
        save_user(session=s, email="nobody@voss.kommune.no", role="contact")


def test_other_roles_are_tied_to_no_contact(engine):
    with transaction(engine) as s:
        factories.make_contact(s, email="kari@voss.kommune.no")
        assert save_user(session=s, email="kari@voss.kommune.no", role="ministry").contact_id is None
