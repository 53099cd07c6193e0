"""Header values built from settings and sources, and the policy that writes them.

email.policy.SMTP gives CRLF line ends and RFC 2047 encoding of non-ASCII subjects and names
(utf8=False, so any relay accepts the message). One header needs different folding: see
UriListHeader.
"""

from __future__ import annotations

import re
from email.headerregistry import Address, HeaderRegistry, UnstructuredHeader
from email.policy import SMTP

from relay.mail.sanitize import clean_display_name, clean_header

_URI_LIST = re.compile(r"<[\x21-\x7e]+>(?:, <[\x21-\x7e]+>)*")


class UriListHeader(UnstructuredHeader):
    """List-Unsubscribe written as is, folded only between its URIs.

    The stock folder turns any word longer than 78 characters (a signed https URL) into an RFC 2047
    encoded-word, and no mail client reads an encoded URL. Lines up to 998 characters are legal.
    """

    max_count = 1

    @classmethod
    def parse(cls, value, kwds):
        if not _URI_LIST.fullmatch(value):
            raise ValueError(f"not a list of <URI>s in printable ASCII: {value[:80]!r}")
        super().parse(value, kwds)

    def fold(self, *, policy):
        return f"{self.name}: " + f",{policy.linesep} ".join(str(self).split(", ")) + policy.linesep


def _policy():
    registry = HeaderRegistry()
    registry.map_to_type("list-unsubscribe", UriListHeader)
    return SMTP.clone(header_factory=registry)


POLICY = _policy()


def address(name: str, addr_spec: str) -> Address:
    """A header address; a name from a source cannot break the header, a bad address is refused."""
    addr_spec = addr_spec.strip()
    if not addr_spec or clean_header(addr_spec) != addr_spec or " " in addr_spec or "@" not in addr_spec:
        raise ValueError(f"not a usable e-mail address: {addr_spec!r}")
    local, _, domain = addr_spec.rpartition("@")
    return Address(display_name=clean_display_name(name), username=local, domain=domain)


def list_id_header(phrase: str, list_key: str, domain: str) -> str:
    """RFC 2919: "Statsforvaltaren i Vestland: menneskerettar for Voss (Barnevern) <digest.4621.relay.example>";
    the phrase is relay.mail.sender.list_name, in the recipient's language; the key is kept a dot-atom."""
    key = re.sub(r"[^A-Za-z0-9.-]", "", list_key).strip(".")
    if not key:
        raise ValueError(f"unusable list id {list_key!r}")
    name = clean_display_name(phrase)
    return f"{name} <{key}.{domain}>" if name else f"Relay <{key}.{domain}>"
