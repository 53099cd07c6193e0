"""Relay's own addresses on a message: Message-ID, the signed VERP bounce sender, the mailto unsubscribe.

Every message gets its own envelope sender, bounces+<key>.<mac>@<bounce domain>, so a DSN maps
to exactly one message even when the receiving server mangles the original headers
(DELIVERY-AND-RECEIPTS.md 3.2). The mac is a short HMAC of the message key; it is checked with
every configured key, so a key rotation does not orphan bounces still on their way back.

Message keys contain ':' ("digest:12"), which is not allowed unquoted in a local part, so the
key is written with every character outside [A-Za-z0-9_-] as =XX (the UTF-8 bytes in hex).
Keep keys lower-case: some servers lower-case local parts, and the mac is over the exact key.
"""

from __future__ import annotations

import re
import secrets

from relay.settings import Settings
from relay.tokens import check_short_mac, short_mac

BOUNCE_PREFIX, UNSUBSCRIBE_PREFIX = "bounces", "unsubscribe"
BOUNCE_PURPOSE, UNSUBSCRIBE_PURPOSE = "bounce", "unsubscribe-mailto"
_SAFE = re.compile(r"[A-Za-z0-9_-]")
_TOKEN = re.compile(r"([A-Za-z0-9_-])|=([0-9A-Fa-f]{2})")
_ENCODED = re.compile(r"(?:[A-Za-z0-9_-]|=[0-9A-Fa-f]{2})*")
_MAC = re.compile(r"^[0-9a-f]{16}$")  # exactly short_mac's length: a shorter mac would be weaker


def from_domain(settings: Settings) -> str:
    return settings.mail.from_address.rpartition("@")[2].lower()


def bounce_domain(settings: Settings) -> str:
    # A subdomain of the From domain keeps DMARC alignment (relaxed) while having its own SPF and MX.
    return (settings.mail.bounce_domain or from_domain(settings)).lower()


def new_message_id(settings: Settings) -> str:
    """A random Message-ID on Relay's own domain; stored with the message and reused on every retry."""
    return f"<{secrets.token_hex(16)}@{from_domain(settings)}>"


def encode_key(message_key: str) -> str:
    return "".join(ch if _SAFE.fullmatch(ch) else "".join(f"={b:02X}" for b in ch.encode()) for ch in message_key)


def decode_key(encoded: str) -> str | None:
    if not _ENCODED.fullmatch(encoded):
        return None
    # Work on bytes so that a multi-byte UTF-8 character written as several =XX decodes as one.
    out = bytearray()
    for literal, hex_pair in _TOKEN.findall(encoded):
        out += literal.encode() if literal else bytes.fromhex(hex_pair)
    try:
        return out.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _signed_address(settings: Settings, prefix: str, purpose: str, message_key: str) -> str:
    mac = short_mac(settings.signing_keys(), purpose, message_key)
    return f"{prefix}+{encode_key(message_key)}.{mac}@{bounce_domain(settings)}"


def _read_signed_address(settings: Settings, prefix: str, purpose: str, address: str) -> str | None:
    local = address.strip().strip("<>").rpartition("@")[0]
    head, plus, rest = local.partition("+")
    if not plus or head.lower() != prefix:
        return None
    encoded, dot, mac = rest.rpartition(".")
    mac = mac.lower()
    if not dot or not _MAC.match(mac):
        return None
    message_key = decode_key(encoded)
    if not message_key or not check_short_mac(settings.signing_keys(), purpose, message_key, mac):
        return None
    return message_key


def bounce_address(settings: Settings, message_key: str) -> str:
    """The envelope sender (MAIL FROM) of one message."""
    return _signed_address(settings, BOUNCE_PREFIX, BOUNCE_PURPOSE, message_key)


def read_bounce_address(settings: Settings, address: str) -> str | None:
    """The message key a bounce was sent to, or None when the address is not one of ours or is forged."""
    return _read_signed_address(settings, BOUNCE_PREFIX, BOUNCE_PURPOSE, address)


def unsubscribe_address(settings: Settings, message_key: str) -> str:
    """The mailto: target in List-Unsubscribe; the message's stored scope says what to end."""
    return _signed_address(settings, UNSUBSCRIBE_PREFIX, UNSUBSCRIBE_PURPOSE, message_key)


def read_unsubscribe_address(settings: Settings, address: str) -> str | None:
    return _read_signed_address(settings, UNSUBSCRIBE_PREFIX, UNSUBSCRIBE_PURPOSE, address)
