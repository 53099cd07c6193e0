"""A sector the learned model added reads as the model's on the item page, with its words marked."""

from __future__ import annotations

from relay.db import transaction
from relay.models import Item, Tag
from relay.tagging.combine import model_decision
from relay.tagging.model import Score
from tests.tagging.model_support import flood_model


def test_a_model_tag_shows_its_origin_probability_and_marked_words(client_for, world, engine):
    text = "Houses by the river were lost in the floods."
    decision = model_decision(Score("planning-environment", 0.973), flood_model(), {"title": "", "text": text})
    with transaction(engine) as s:
        s.get(Item, world.item).text = text  # the evidence's positions point into this text
        s.add(Tag(item_id=world.item, sector="planning-environment", origin="model", score=decision.score,
                  evidence=decision.evidence_json()))
    page = client_for("governor_a").get(f"/queue/{world.item}", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert "learned model (probability)" in page.text or "lært modell (sannsynlighet)" in page.text
    assert "<mark>floods</mark>" in page.text and "0.97" in page.text
