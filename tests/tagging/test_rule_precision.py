"""The narrowed rules of docs/tagging.md's log: a word in a list of domains, a shelter, an eviction in a
land dispute or a broad welfare word does not decide a sector alone; the right itself still does."""

from __future__ import annotations

import pytest

from relay.tagging.engine import tag
from relay.tagging.sectors import get_ruleset

RULES = get_ruleset("config/sectors.toml")


def _sectors(text: str) -> set[str]:
    return {d.sector for d in tag({"title": "", "text": text, "meta": {}}, ruleset=RULES)}


@pytest.mark.parametrize("text", [
    "Secure equal access for refugees to public services, housing and transport.",
    "Guarantee newcomers their rights to housing, work and schooling.",
    "Fund more shelters run by civil society organisations.",
    "Settle land disputes in rural districts and review eviction procedures.",
])
def test_housing_named_in_passing_is_not_housing(text):
    assert "housing" not in _sectors(text)


@pytest.mark.parametrize("text", [
    "Secure adequate housing, schooling and health care for refugee families.",
    "Reduce homelessness among young adults.",
    "Halt the eviction of tenants from municipal flats.",
    "Expand emergency shelters for homeless families.",
])
def test_the_right_to_housing_homelessness_and_evictions_still_are_housing(text):
    assert "housing" in _sectors(text)


def test_broad_welfare_words_need_a_second_sign_but_poverty_decides():
    assert "social-services" not in _sectors("Improve schools, clinics and social services in rural districts.")
    assert "social-services" not in _sectors("Address the poor conditions in police cells.")
    assert "social-services" in _sectors("Reduce child poverty among single-parent households.")
    assert "social-services" in _sectors("Extend social protection and social security to low-income households.")


def test_land_tenure_and_emissions_are_planning_and_environment():
    assert "planning-environment" in _sectors("Give smallholders secure land tenure.")
    assert "planning-environment" in _sectors("Cut greenhouse gas emissions in line with the Paris Agreement.")


def test_immunity_is_not_immunisation():
    assert "health-care" not in _sectors("Ratify the agreement on the privileges and immunities of the court.")
    assert "health-care" in _sectors("Raise childhood immunisation coverage.")


def test_occupational_groups_are_not_labour_rights():
    assert "employment" not in _sectors("Protect journalists and media workers from attacks.")
    assert "employment" in _sectors("Protect migrant workers from unpaid wages.")
