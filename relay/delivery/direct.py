"""Direct mode (smtp.mode = "direct"): each message goes to its municipality's own mail server.

Through a smarthost, an SMTP 250 proves only that our relay took the message. Here Relay looks up the
recipient domain's MX records (dnspython) and hands the message to the municipality's mail exchanger
itself, so its 250 is evidence that the municipality's mail system has the message: the reports count
it as handed over at once (relay/reports/evidence.py, docs/reports.md). The verdict's host says so:
"mx:<exchanger> [<address>]:<port>".

A DirectLane keeps one SmtpLane per exchanger and tries the exchangers of a domain in preference
order (RFC 5321 §5.1): a connection failure moves on to the next, any SMTP answer is the verdict. A
domain without MX records is its own exchanger (implicit MX); a null MX (RFC 7505) or a domain that
does not exist is a permanent failure; a DNS timeout is retried later like a 4xx.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace

import dns.asyncresolver
import dns.exception
import dns.resolver

from relay.delivery.policy import Verdict
from relay.delivery.smtp import SmtpLane

MAX_EXCHANGERS = 5  # a domain listing more is tried on its five most preferred


class DnsTrouble(Exception):
    """The lookup could not be made now (timeout, no answer from any server): try again later."""


class NoMailDomain(Exception):
    """The domain does not exist, or says it accepts no mail (null MX): the address is dead."""


def resolver(settings) -> dns.asyncresolver.Resolver:
    """The system's resolver, or smtp.dns_server ("127.0.0.1:5353" in tests, a site's own resolver)."""
    if not settings.smtp.dns_server:
        return dns.asyncresolver.Resolver()
    found = dns.asyncresolver.Resolver(configure=False)
    host, _, port = settings.smtp.dns_server.rpartition(":") if ":" in settings.smtp.dns_server else (
        settings.smtp.dns_server, "", "53")
    found.nameservers, found.port = [host], int(port or 53)
    found.lifetime = settings.smtp.timeout
    return found


async def exchangers(domain: str, *, resolve: dns.asyncresolver.Resolver) -> list[str]:
    """The domain's mail exchangers, most preferred first."""
    try:
        answer = await resolve.resolve(domain, "MX")
    except dns.resolver.NXDOMAIN as exc:
        raise NoMailDomain(f"5.1.2 domain {domain} does not exist") from exc
    except dns.resolver.NoAnswer:
        return [domain]  # implicit MX: the domain's own address (RFC 5321 §5.1)
    except (dns.exception.Timeout, dns.resolver.NoNameservers) as exc:
        raise DnsTrouble(f"MX lookup for {domain} failed: {exc}") from exc
    records = sorted(answer, key=lambda r: (r.preference, str(r.exchange)))
    names = [str(r.exchange).rstrip(".") for r in records]
    if names == [""]:
        raise NoMailDomain(f"5.1.10 domain {domain} accepts no mail (null MX)")
    return [n for n in names if n][:MAX_EXCHANGERS]


async def address_of(host: str, *, resolve: dns.asyncresolver.Resolver) -> str:
    try:
        answer = await resolve.resolve(host, "A")
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer) as exc:
        raise OSError(f"mail exchanger {host} has no address") from exc
    except (dns.exception.Timeout, dns.resolver.NoNameservers) as exc:
        raise DnsTrouble(f"address lookup for {host} failed: {exc}") from exc
    return answer[0].address


class DirectLane:
    """A lane that delivers each message to the mail exchanger of its recipient's domain."""

    def __init__(self, settings):
        self.settings = settings
        self.resolve = resolver(settings)
        self.lanes: dict[str, SmtpLane] = {}  # exchanger name → its connection
        self.domains: dict[str, list[str]] = {}  # looked up once per lane's life
        self.usable = True
        self.pending = None  # no pipelining across messages: the next one may go elsewhere

    async def _exchangers(self, domain: str) -> list[str]:
        if domain not in self.domains:
            self.domains[domain] = await exchangers(domain, resolve=self.resolve)
        return self.domains[domain]

    async def _lane(self, exchanger: str) -> SmtpLane:
        lane = self.lanes.get(exchanger)
        if lane is None or not lane.usable:
            address = await address_of(exchanger, resolve=self.resolve)
            smtp = self.settings.smtp.model_copy(update={"host": address, "port": self.settings.smtp.direct_port,
                                                         "username": ""})
            lane = self.lanes[exchanger] = SmtpLane(smtp)
        return lane

    async def deliver(self, item, mime: bytes, following=None) -> Verdict:
        domain = item.to_address.rpartition("@")[2].lower()
        try:
            names = await self._exchangers(domain)
        except NoMailDomain as exc:
            return Verdict("permanent", f"550 {exc}", "address", host=f"mx:{domain}")
        except DnsTrouble as exc:
            return Verdict("retry", f"451 4.4.3 {exc}", "transient")
        verdict, tried = Verdict("retry", f"451 4.4.1 no mail exchanger of {domain} answered", "connection"), domain
        for name in names:
            tried = name
            try:
                lane = await self._lane(name)
            except DnsTrouble as exc:
                verdict = Verdict("retry", f"451 4.4.3 {exc}", "transient")
                continue
            except OSError as exc:
                verdict = Verdict("retry", f"451 4.4.1 {exc}", "connection")
                continue
            verdict = await lane.deliver(item, mime)
            if verdict.evidence == "connection" and verdict.action == "retry" and not lane.usable:
                continue  # could not talk to this exchanger: the next one in preference order
            break
        # One exchanger's trouble is not the next message's (it may go to another domain).
        return replace(verdict, host=f"mx:{tried} {verdict.host or ''}".strip(), close_connection=False,
                       stop_batch=False)

    async def close(self) -> None:
        lanes, self.lanes = list(self.lanes.values()), {}
        await asyncio.gather(*(lane.close() for lane in lanes), return_exceptions=True)
