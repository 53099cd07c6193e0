"""Signed VERP bounce addresses (and the mailto unsubscribe address built the same way)."""

from __future__ import annotations

import pytest

from relay.mail import envelope
from relay.settings import load_settings


def _settings(tmp_path, key: str, old: list[str] | None = None, **mail):
    return load_settings(
        data_dir=tmp_path, base_url="https://relay.test", secret_key=key, old_secret_keys=old or [],
        mail={"from_address": "relay@relay.test", **mail},
    )


@pytest.mark.parametrize("key", ["digest:12", "alert:3:7", "optin:5:0a1b2c3d4e5f", "signin:ab12cd34ef56ab78"])
def test_a_bounce_address_round_trips(tmp_path, key):
    settings = _settings(tmp_path, "current")
    address = envelope.bounce_address(settings, key)

    local = address.split("@")[0]
    assert address.endswith("@relay.test") and local.startswith("bounces+")
    assert ":" not in local and len(local) <= 64
    assert envelope.read_bounce_address(settings, address) == key
    shouted = address.replace("bounces+", "Bounces+").replace("@relay.test", "@RELAY.TEST")
    assert envelope.read_bounce_address(settings, shouted) == key
    assert envelope.read_bounce_address(settings, f"<{address}>") == key


def test_the_bounce_domain_setting_is_used(tmp_path):
    settings = _settings(tmp_path, "current", bounce_domain="bounce.relay.test")
    assert envelope.bounce_address(settings, "digest:1").endswith("@bounce.relay.test")


def test_a_forged_or_damaged_mac_is_rejected(tmp_path):
    settings = _settings(tmp_path, "current")
    address = envelope.bounce_address(settings, "digest:12")
    local, domain = address.split("@")
    encoded, mac = local.removeprefix("bounces+").rsplit(".", 1)

    forged_key = f"bounces+digest=3A13.{mac}@{domain}"
    forged_mac = f"bounces+{encoded}.{'0' * 16}@{domain}"
    truncated = f"bounces+{encoded}.{mac[:8]}@{domain}"
    other_secret = envelope.bounce_address(_settings(tmp_path, "someone-else"), "digest:12")
    for address in (forged_key, forged_mac, truncated, other_secret, "postmaster@relay.test", "bounces+@relay.test"):
        assert envelope.read_bounce_address(settings, address) is None, address


def test_a_bounce_signed_before_a_key_rotation_still_verifies(tmp_path):
    before = envelope.bounce_address(_settings(tmp_path, "old-key"), "digest:12")
    rotated = _settings(tmp_path, "new-key", old=["old-key"])

    assert envelope.read_bounce_address(rotated, before) == "digest:12"
    assert envelope.read_bounce_address(_settings(tmp_path, "new-key"), before) is None


def test_bounce_and_unsubscribe_addresses_are_not_interchangeable(tmp_path):
    settings = _settings(tmp_path, "current")
    unsubscribe = envelope.unsubscribe_address(settings, "digest:12")

    assert envelope.read_unsubscribe_address(settings, unsubscribe) == "digest:12"
    assert envelope.read_bounce_address(settings, unsubscribe.replace("unsubscribe+", "bounces+")) is None


def test_keys_with_any_character_survive_the_local_part(tmp_path):
    settings = _settings(tmp_path, "current")
    for key in ("a.b.c", "x=y", "blå:ø", "with space"):
        address = envelope.bounce_address(settings, key)
        assert " " not in address and envelope.read_bounce_address(settings, address) == key


def test_message_ids_are_unique_and_on_the_from_domain(tmp_path):
    settings = _settings(tmp_path, "current", bounce_domain="bounce.relay.test")
    ids = {envelope.new_message_id(settings) for _ in range(100)}
    assert len(ids) == 100 and all(i.startswith("<") and i.endswith("@relay.test>") for i in ids)
