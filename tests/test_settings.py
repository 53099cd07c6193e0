"""One typed settings object: file, environment overrides, secrets by file, loud failures."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from relay.settings import SettingsError, load_settings

DOCS = Path(__file__).resolve().parent.parent / "docs" / "configuration.md"


def test_it_reads_the_toml_file_and_lets_the_environment_override_it(tmp_path, monkeypatch):
    config = tmp_path / "relay.toml"
    config.write_text('base_url = "https://relay.example.no"\n[smtp]\nhost = "smtp.example.no"\nport = 587\n')
    monkeypatch.setenv("RELAY_CONFIG", str(config))
    monkeypatch.setenv("RELAY_SMTP__PORT", "2525")
    settings = load_settings()
    assert settings.base_url == "https://relay.example.no"
    assert settings.smtp.host == "smtp.example.no"
    assert settings.smtp.port == 2525


def test_it_reads_secrets_from_a_file_named_in_the_environment(tmp_path, monkeypatch):
    secret = tmp_path / "smtp-password"
    secret.write_text("hemmelig\n")
    monkeypatch.setenv("RELAY_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("RELAY_SMTP__PASSWORD_FILE", str(secret))
    monkeypatch.setenv("RELAY_SECRET_KEY_FILE", str(secret))
    settings = load_settings()
    assert settings.smtp.password.get_secret_value() == "hemmelig"
    assert settings.signing_keys()[0] == "hemmelig"


def test_only_secrets_are_read_from_files_and_settings_ending_in_file_stay_ordinary(tmp_path, monkeypatch):
    token = tmp_path / "metrics-token"
    token.write_text("scrape-me\n")
    monkeypatch.setenv("RELAY_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("RELAY_OPS__METRICS_TOKEN_FILE", str(token))
    monkeypatch.setenv("RELAY_SOURCES_FILE", "/etc/relay/sources.toml")  # a path setting, not a secret
    settings = load_settings()
    assert settings.ops.metrics_token.get_secret_value() == "scrape-me"
    assert settings.sources_file == "/etc/relay/sources.toml"


def test_an_unreadable_secret_file_is_named(tmp_path, monkeypatch):
    monkeypatch.setenv("RELAY_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("RELAY_SMTP__PASSWORD_FILE", str(tmp_path / "missing"))
    with pytest.raises(SettingsError, match="smtp.password"):
        load_settings()


@pytest.mark.parametrize(("env", "value", "named"), [
    ("RELAY_SMTP__PORT", "not-a-port", "smtp.port"),
    ("RELAY_SMTP__PORT", "70000", "smtp.port"),
    ("RELAY_BASE_URL", "relay.example.no", "base_url"),
    ("RELAY_TIMEZONE", "Europe/Narnia", "timezone"),
    ("RELAY_PROFILE", "dk", "profile"),
    ("RELAY_MAIL__FROM_ADDRESS", "relay@x\r\nBcc: y@z", "mail.from_address"),
])
def test_an_invalid_setting_stops_start_up_with_its_name(tmp_path, monkeypatch, env, value, named):
    monkeypatch.setenv("RELAY_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.setenv(env, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert re.search(rf"^\s+{re.escape(named)}:", str(caught.value), re.M)


def test_an_unknown_setting_in_the_file_is_refused(tmp_path, monkeypatch):
    config = tmp_path / "relay.toml"
    config.write_text('smtp_hots = "typo"\n')
    monkeypatch.setenv("RELAY_CONFIG", str(config))
    with pytest.raises(SettingsError, match="smtp_hots"):
        load_settings()


def test_a_laptop_needs_no_configuration(tmp_path, monkeypatch):
    monkeypatch.setenv("RELAY_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert settings.resolved_database_url.startswith("sqlite:///")
    assert settings.maildir_path == tmp_path / "data" / "maildir"
    key = settings.signing_keys()[0]
    assert len(key) > 40 and settings.signing_keys()[0] == key  # generated once, then kept


def test_every_setting_is_documented():
    from relay.settings_docs import render

    documented = DOCS.read_text(encoding="utf-8")
    assert "`ops.metrics_token`" in documented and "`smtp.host`" in documented  # nested groups are walked
    assert documented == render(), "regenerate: python -m relay.settings_docs > docs/configuration.md"
