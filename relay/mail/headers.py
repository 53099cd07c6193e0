"""Header values built from settings and sources, and the policy that writes them.

email.policy.SMTP gives CRLF line ends and RFC 2047 encoding of non-ASCII subjects and names
(utf8=False, so any relay accepts the message). One header needs different folding: see
UriListHeader.
"""

from __future__ import annotations

import re
from email.headerregistry import Address, HeaderRegistry, UnstructuredHeader
from email.policy import SMTP, EmailPolicy

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


_PARSED: dict[tuple, tuple[str, object]] = {}  # (factory, name, value) → the parsed header, shared
_PARSED_MAX = 4096
_MAX_COUNTS: dict[tuple, int | None] = {}


class ParseOncePolicy(EmailPolicy):
    """SMTP's policy, parsing and folding each distinct header value once per process.

    An urgent fan-out sets the same From, Subject, List-Id and MIME headers on ~2,000 messages, and
    the email package's parser and folder were a third of the CPU of rendering one (issue 24). A
    parsed header is immutable, so messages share it; its folded form is kept on it per policy.
    The bytes are the stock policy's (tests/delivery/test_render_identical.py).
    """

    def header_store_parse(self, name, value):
        key = _key(self.header_factory, name, value)
        if key is None:
            return super().header_store_parse(name, value)
        parsed = _PARSED.get(key)
        if parsed is None:
            parsed = super().header_store_parse(name, value)
            parsed[1]._relay_folded = {}
            if len(_PARSED) >= _PARSED_MAX:
                _PARSED.clear()
            _PARSED[key] = parsed
        return parsed

    def header_max_count(self, name):
        # The stock lookup builds a new header class on every header set; the answer never changes.
        key = (self.header_factory, name.lower())
        if key not in _MAX_COUNTS:
            _MAX_COUNTS[key] = super().header_max_count(name)
        return _MAX_COUNTS[key]

    def fold_binary(self, name, value):
        folded = getattr(value, "_relay_folded", None)
        if folded is None:
            return super().fold_binary(name, value)
        key = (name, self.linesep, self.max_line_length, self.utf8, self.cte_type, self.refold_source)
        if key not in folded:
            folded[key] = super().fold_binary(name, value)
        return folded[key]


def _key(factory, name: str, value) -> tuple | None:
    if type(value) is str:
        return factory, name, value
    if type(value) is Address:
        return factory, name, "address", value.display_name, value.username, value.domain
    return None  # header objects and anything else: as the stock policy does


def _policy():
    registry = HeaderRegistry()
    registry.map_to_type("list-unsubscribe", UriListHeader)
    return ParseOncePolicy().clone(**{**_stock_settings(SMTP), "header_factory": registry})


def _stock_settings(policy) -> dict:
    return {name: getattr(policy, name) for name in ("linesep", "max_line_length", "utf8", "cte_type",
                                                     "raise_on_defect", "mangle_from_", "refold_source",
                                                     "message_factory", "verify_generated_headers")
            if hasattr(policy, name)}


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
