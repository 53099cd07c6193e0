"""The alert page shows its acknowledgement deadline in the page language's one date format."""

from __future__ import annotations

from datetime import date

from relay.db import transaction
from relay.models import Alert


def test_the_acknowledgement_deadline_is_written_as_the_language_writes_dates(client_for, world, engine):
    with transaction(engine) as s:
        s.get(Alert, world.alert_a).ack_deadline = date(2026, 12, 20)
    gov = client_for("governor_a")
    page = gov.get(f"/alerts/{world.alert_a}").text
    assert '<time datetime="2026-12-20">20.12.2026</time>' in page and ">2026-12-20<" not in page
