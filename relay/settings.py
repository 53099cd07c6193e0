"""One typed settings object: config/relay.toml, then RELAY_* environment overrides.

Nested settings are overridden with a double underscore: RELAY_SMTP__HOST=mail.example.
Secrets never live in the TOML: they come from RELAY_<NAME> or from a file named by
RELAY_<NAME>_FILE (RELAY_SMTP__PASSWORD_FILE=/run/secrets/smtp).
"""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

PROJECT_HOME = Path(__file__).resolve().parent.parent


def home() -> Path:
    """The folder holding config/ and templates/ (the checkout, or RELAY_HOME in a container)."""
    return Path(os.environ.get("RELAY_HOME", PROJECT_HOME))


class SettingsError(Exception):
    """An invalid setting; the message names it."""


class SmtpSettings(BaseModel):
    host: str = Field("", description="SMTP server; empty writes mail to the local maildir instead")
    mode: Literal["smarthost", "direct"] = Field(
        "smarthost", description="smarthost: send through smtp.host; direct: to each recipient domain's MX "
                                 "(relay/delivery/direct.py), whose 250 is evidence of arrival")
    dns_server: str = Field("", description="direct mode: resolver as host[:port]; empty uses the system's")
    direct_port: int = Field(25, ge=1, le=65535, description="direct mode: port of the mail exchangers")
    port: int = Field(25, ge=1, le=65535, description="SMTP port")
    username: str = Field("", description="SMTP user name, empty for no authentication")
    password: SecretStr = Field(SecretStr(""), description="SMTP password (secret: env or _FILE)")
    starttls: bool = Field(False, description="upgrade the connection with STARTTLS")
    tls: bool = Field(False, description="implicit TLS (usually port 465)")
    timeout: float = Field(60.0, gt=0, description="seconds per SMTP command")
    concurrency: int = Field(4, ge=1, le=64, description="parallel SMTP connections")
    messages_per_connection: int = Field(100, ge=1, description="messages sent before reconnecting")
    domain_rate_per_minute: int = Field(120, ge=1, description="messages per minute to one recipient domain, all workers together")
    retry_deadline_hours: float = Field(72.0, gt=0, description="give up retrying 4xx after this many hours")
    lease_seconds: float = Field(30.0, ge=5, description="a worker's claim lapses this long after its last renewal; "
                                 "then any worker takes the messages over")
    heartbeat_seconds: float = Field(10.0, gt=0, description="how often a working worker renews its claims "
                                     "(well under lease_seconds)")
    dkim_selector: str = Field("", description="DKIM selector; signing is on when a key is given")
    dkim_key_file: str = Field("", description="path to the DKIM private key (PEM)")

    @model_validator(mode="after")
    def _tls_modes(self) -> SmtpSettings:
        if self.tls and self.starttls:
            raise ValueError("choose either tls or starttls, not both")
        if self.heartbeat_seconds * 2 > self.lease_seconds:
            # One late or failed renewal must not let another worker take over live claims.
            raise ValueError("heartbeat_seconds must be at most half of lease_seconds")
        return self


class MailSettings(BaseModel):
    from_address: str = Field("relay@relay.example", description="From: of every message")
    from_name: str = Field("Relay", description="display name in From: of mail no office sends (sign-in, notices)")
    reply_to: str = Field("", description="Reply-To:, usually the office's postmottak")
    bounce_domain: str = Field("", description="domain of the signed bounce addresses; default: From's domain")
    maildir: str = Field("", description="local maildir used when smtp.host is empty; default data_dir/maildir")

    @field_validator("from_address")
    @classmethod
    def _address(cls, value: str) -> str:
        if "@" not in value or any(c in value for c in "\r\n<> ,"):
            raise ValueError("must be a plain e-mail address")
        return value


class HttpSettings(BaseModel):
    user_agent: str = Field(
        "Relay/0.1 (+https://github.com/relay; relay@relay.example)",
        description="User-Agent for every fetch; carry a contact address",
    )
    connect_timeout: float = Field(10.0, gt=0, description="seconds to connect")
    read_timeout: float = Field(60.0, gt=0, description="seconds between bytes")
    max_bytes: int = Field(50_000_000, gt=0, description="largest body read from a source")
    run_deadline: float = Field(600.0, gt=0, description="seconds one source run may take")
    request_deadline: float = Field(300.0, gt=0, description="seconds one request may take, retries included")
    host_delay: float = Field(1.0, ge=0, description="pause between requests to one host")
    retries: int = Field(3, ge=0, le=10, description="retries on connection trouble and 5xx")


class ReceiptSettings(BaseModel):
    hard_bounce_threshold: int = Field(3, ge=1, description="hard bounces before a contact is marked bouncing")
    quiet_period_days: float = Field(3, ge=0, description="days a smarthost's acceptance must stay without a failure "
                                                          "DSN before reports count it as handed over")
    raw_report_days: int = Field(90, ge=1, description="days raw DSNs and MDNs are kept for admins")
    request_mdn: bool = Field(False, description="ask for read receipts (MDN); off: they are voluntary and intrusive")
    open_pixel: bool = Field(False, description="an open-tracking image; never counted as read")
    inbound_host: str = Field("127.0.0.1", description="address of the inbound SMTP receiver for bounces")
    inbound_port: int = Field(2525, ge=1, le=65535, description="port of the inbound SMTP receiver")
    imap_host: str = Field("", description="IMAP server of the bounce mailbox; empty: no polling")
    imap_port: int = Field(993, ge=1, le=65535, description="IMAP port (TLS)")
    imap_username: str = Field("", description="IMAP user")
    imap_password: SecretStr = Field(SecretStr(""), description="IMAP password (secret: env or _FILE)")
    imap_folder: str = Field("INBOX", description="folder polled for bounces")
    event_aggregate_months: int = Field(24, ge=1, description="raw receipt events older than this are aggregated")


class OpsSettings(BaseModel):
    metrics_token: SecretStr = Field(SecretStr(""), description="bearer token for Prometheus at /metrics (secret)")
    log_format: Literal["text", "json"] = Field("text", description="log lines as text, or JSON for a collector")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("INFO", description="lowest level logged")
    source_failing_minutes: int = Field(720, ge=1, description="a source failing this long opens an incident")
    outbox_max_age_minutes: int = Field(60, ge=1, description="a queued message older than this opens an incident")
    bounce_rate_threshold: float = Field(0.10, gt=0, le=1, description="bounced / sent over the window that alarms")
    bounce_window_hours: int = Field(24, ge=1, description="window for the bounce rate")
    bounce_min_messages: int = Field(20, ge=1, description="fewer sent messages than this: no bounce-rate judgement")
    leader_stale_minutes: int = Field(5, ge=1, description="no scheduler leader seen for this long opens an incident")
    erase_unsubscribed_days: int = Field(30, ge=1, description="unsubscribed contacts, and sign-ups nobody confirmed, erased after this many days")


class IntakeSettings(BaseModel):
    max_new_items_per_run: int = Field(500, ge=1, description="new items one source run stores; the rest wait for the next run")
    max_title_chars: int = Field(1000, ge=50, description="longer titles are cut and the item flagged")
    max_text_chars: int = Field(20_000, ge=200, description="longer descriptions are cut and the item flagged")
    display_languages: list[str] = Field(
        default_factory=lambda: ["nb", "nn", "no", "en", "fr"],
        description="which language version of a case is shown first (ISO 639-1, first present wins)",
    )


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="RELAY_", env_nested_delimiter="__", extra="forbid", frozen=True
    )

    profile: Literal["no", "se"] = Field("no", description="organisation register: Norway or Sweden")
    data_dir: Path = Field(Path("data"), description="folder for the SQLite database, maildir and keys")
    database_url: str = Field("", description="SQLAlchemy URL; empty uses SQLite in data_dir")
    base_url: str = Field("http://127.0.0.1:8000", description="public address used in links in e-mails")
    secret_key: SecretStr = Field(SecretStr(""), description="signing key (secret); generated in data_dir if empty")
    old_secret_keys: list[SecretStr] = Field(default_factory=list, description="retired keys still accepted")
    timezone: str = Field("Europe/Oslo", description="time zone for schedules and display")
    default_language: Literal["nb", "nn", "en", "sv"] = Field("nb", description="language of the web UI")
    sources_file: str = Field("config/sources.toml", description="configured sources, relative to RELAY_HOME")
    sectors_file: str = Field("config/sectors.toml", description="sector rules, relative to RELAY_HOME")
    sector_model_file: str = Field("config/sector-model.json.gz",
                                   description="learned sector model (`relay tag train`); absent: rules only")
    scheduler: bool = Field(True, description="run the scheduler inside `relay run`")
    login_link_minutes: int = Field(20, ge=1, le=1440, description="lifetime of a sign-in link")
    ack_link_days: int = Field(180, ge=1, description="lifetime of an acknowledgement link")
    ministries: list[str] = Field(
        default_factory=lambda: ["KDD", "JD"],
        description="ministry codes from the register that read reports",
    )
    smtp: SmtpSettings = Field(default_factory=SmtpSettings)
    mail: MailSettings = Field(default_factory=MailSettings)
    http: HttpSettings = Field(default_factory=HttpSettings)
    receipts: ReceiptSettings = Field(default_factory=ReceiptSettings)
    ops: OpsSettings = Field(default_factory=OpsSettings)
    intake: IntakeSettings = Field(default_factory=IntakeSettings)

    @classmethod
    def settings_customise_sources(
        cls, settings_cls, init_settings, env_settings, dotenv_settings, file_secret_settings
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_path = Path(os.environ.get("RELAY_CONFIG", home() / "config" / "relay.toml"))
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings, _SecretFileSource(settings_cls)]
        if toml_path.exists():
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=toml_path))
        return tuple(sources)

    @field_validator("base_url")
    @classmethod
    def _base_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with https:// (or http:// for a local trial)")
        return value.rstrip("/")

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @property
    def resolved_data_dir(self) -> Path:
        return self.data_dir if self.data_dir.is_absolute() else Path.cwd() / self.data_dir

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.resolved_data_dir / 'relay.db'}"

    @property
    def maildir_path(self) -> Path:
        return Path(self.mail.maildir) if self.mail.maildir else self.resolved_data_dir / "maildir"

    def path(self, relative: str) -> Path:
        candidate = Path(relative)
        return candidate if candidate.is_absolute() else home() / candidate

    def signing_keys(self) -> list[str]:
        """Current key first, then retired ones: tokens signed with a retired key still verify."""
        current = self.secret_key.get_secret_value() or _generated_key(self.resolved_data_dir)
        return [current] + [k.get_secret_value() for k in self.old_secret_keys]


class _SecretFileSource(PydanticBaseSettingsSource):
    """RELAY_<NAME>_FILE=path for every secret field, nested ones included.

    Only secret fields are read this way: RELAY_SOURCES_FILE is the ordinary setting sources_file.
    """

    def get_field_value(self, field, field_name):  # pragma: no cover - required by the base class
        return None, field_name, False

    def __call__(self) -> dict:
        found: dict = {}
        secrets_ = set(_secret_paths(self.settings_cls))
        for name, value in os.environ.items():
            if not (name.startswith("RELAY_") and name.endswith("_FILE")):
                continue
            parts = tuple(name[len("RELAY_"):-len("_FILE")].lower().split("__"))
            if parts not in secrets_:
                continue
            try:
                secret = Path(value).read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise SettingsError(f"{'.'.join(parts)}: cannot read secret file {value}: {exc.strerror}") from exc
            target = found
            for part in parts[:-1]:
                target = target.setdefault(part, {})
            target[parts[-1]] = secret
        return found


def _secret_paths(model, prefix: tuple[str, ...] = ()):
    """("smtp", "password"), ("secret_key",) …: every SecretStr field, nested groups walked."""
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            yield from _secret_paths(annotation, (*prefix, name))
        elif annotation is SecretStr:
            yield (*prefix, name)


def _generated_key(data_dir: Path) -> str:
    """A random key kept in the data folder, so a laptop trial needs no configuration."""
    key_file = data_dir / "secret_key"
    if key_file.exists():
        return key_file.read_text(encoding="utf-8").strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    key_file.write_text(key, encoding="utf-8")
    key_file.chmod(0o600)
    return key


def load_settings(**overrides) -> Settings:
    """Build the settings, turning validation errors into one message that names each setting."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            where = ".".join(str(p) for p in error["loc"]) or "settings"
            problems.append(f"  {where}: {error['msg']}")
        raise SettingsError("Invalid setting(s):\n" + "\n".join(problems)) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
