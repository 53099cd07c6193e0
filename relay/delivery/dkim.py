"""DKIM signing at send time (dkimpy), so the key never touches the stored MIME and can be rotated.

RFC 8058 one-click unsubscribe only counts when the signature covers both List-Unsubscribe
headers, hence the fixed header list. A listed header the message lacks is signed as absent,
so nobody can add it later without breaking the signature.
"""

from __future__ import annotations

from email.parser import BytesHeaderParser
from email.utils import parseaddr
from pathlib import Path

import dkim

SIGNED_HEADERS = (
    b"from", b"to", b"subject", b"date", b"message-id", b"list-id", b"list-unsubscribe", b"list-unsubscribe-post",
)


class DkimError(Exception):
    """Signing is configured but cannot be done: an operator must fix the key or the From address."""


class Signer:
    def __init__(self, *, selector: str, key_pem: bytes):
        self.selector = selector.encode("ascii")
        self.key_pem = key_pem

    @classmethod
    def from_settings(cls, smtp) -> Signer | None:
        """A signer when both selector and key file are set, otherwise None (signing off)."""
        if not (smtp.dkim_selector and smtp.dkim_key_file):
            return None
        try:
            key = Path(smtp.dkim_key_file).read_bytes()
        except OSError as exc:
            raise DkimError(f"smtp.dkim_key_file: cannot read {smtp.dkim_key_file}: {exc.strerror}") from exc
        return cls(selector=smtp.dkim_selector, key_pem=key)

    def sign(self, mime: bytes) -> bytes:
        """The message with a DKIM-Signature header in front, for the From address's domain (aligned)."""
        headers = BytesHeaderParser().parsebytes(mime)
        domain = parseaddr(str(headers.get("From", "")))[1].rpartition("@")[2]
        if not domain:
            raise DkimError("cannot sign: the message has no From address")
        try:
            signature = dkim.sign(
                mime, self.selector, domain.encode("ascii"), self.key_pem,
                canonicalize=(b"relaxed", b"relaxed"), include_headers=list(SIGNED_HEADERS),
            )
        except dkim.DKIMException as exc:
            raise DkimError(f"cannot sign: {exc}") from exc
        return signature + mime
