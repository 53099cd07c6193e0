"""Direct mode: MX lookup against a local DNS server, delivery to local SMTP servers, and the reports
count the exchanger's 250 as handed over at once (issue 18). Nothing leaves the machine."""

from __future__ import annotations

import socket
import threading
from datetime import timedelta

import dns.message
import dns.rcode
import dns.rrset
import pytest
from sqlalchemy import select

from relay.db import transaction
from relay.delivery.worker import send_all
from relay.models import Message, utcnow
from relay.pipeline import plan_and_render
from relay.reports.drilldown import alert_report
from relay.reports.refresh import ensure_fresh
from relay.settings import load_settings
from tests.factories import make_alert, make_contact, make_municipality, make_office
from tests.smtpsink import SmtpSink


class LocalDns:
    """A tiny authoritative DNS server on 127.0.0.1 (UDP), answering from a dict of records:
    name → list of (type, text), e.g. ("MX", "10 mx1.voss.test."), ("A", "127.0.0.1")."""

    def __init__(self, records: dict[str, list[tuple[str, str]]]):
        self.records = {k.rstrip(".").lower(): v for k, v in records.items()}
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _answer(self, wire: bytes) -> bytes:
        query = dns.message.from_wire(wire)
        response = dns.message.make_response(query)
        question = query.question[0]
        name = question.name.to_text().rstrip(".").lower()
        kind = dns.rdatatype.to_text(question.rdtype)
        if name not in self.records:
            response.set_rcode(dns.rcode.NXDOMAIN)
            return response.to_wire()
        values = [v for t, v in self.records[name] if t == kind]
        if values:
            response.answer.append(dns.rrset.from_text_list(question.name, 60, "IN", kind, values))
        return response.to_wire()

    def _serve(self) -> None:
        while True:
            try:
                wire, peer = self.sock.recvfrom(4096)
            except OSError:
                return
            self.sock.sendto(self._answer(wire), peer)

    def __enter__(self) -> LocalDns:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.sock.close()


@pytest.fixture
def towns(engine):
    with transaction(engine) as session:
        office = make_office(session)
        voss = make_municipality(session, office=office, code="4621", name="Voss")
        bergen = make_municipality(session, office=office, code="4601", name="Bergen")
        odda = make_municipality(session, office=office, code="4615", name="Ullensvang")
        for muni, address in ((voss, "kari@voss.test"), (bergen, "ola@bergen.test"), (odda, "per@gone.test")):
            make_contact(session, municipality=muni, email=address, frequency="immediate")
        return make_alert(session, office=office, municipalities=[voss, bergen, odda],
                          approved_at=utcnow() - timedelta(hours=1)).id


def test_direct_mode_delivers_to_each_domains_exchanger_and_counts_its_250_as_handed_over(engine, settings, towns):
    with SmtpSink() as sink, LocalDns({
        "voss.test": [("MX", "10 mx1.voss.test."), ("MX", "20 mx2.voss.test.")],
        # The preferred exchanger does not answer (nothing listens on 127.0.0.2): the next one takes it.
        "mx1.voss.test": [("A", "127.0.0.2")], "mx2.voss.test": [("A", "127.0.0.1")],
        "bergen.test": [("A", "127.0.0.1")],  # no MX: the domain is its own exchanger
        "gone.test": [("MX", "0 .")],  # null MX: accepts no mail
    }) as dns_server:
        direct = load_settings(data_dir=settings.data_dir, database_url=settings.database_url,
                               base_url="https://relay.test", secret_key="test-signing-key-not-secret",
                               scheduler=False, mail={"from_address": "relay@relay.test"},
                               smtp={"mode": "direct", "dns_server": f"127.0.0.1:{dns_server.port}",
                                     "direct_port": sink.port, "timeout": 5})
        plan_and_render(engine=engine, settings=direct)
        report = send_all(engine=engine, settings=direct)
        assert report.sent == 2
        assert sorted(r.rcpt_tos[0] for r in sink.received) == ["kari@voss.test", "ola@bergen.test"]
    with transaction(engine) as session:
        hosts = {m.to_address: (m.status, m.remote_host) for m in session.scalars(select(Message))}
    assert hosts["kari@voss.test"][0] == "sent" and hosts["kari@voss.test"][1].startswith("mx:mx2.voss.test ")
    assert hosts["ola@bergen.test"][1].startswith("mx:bergen.test ")
    assert hosts["per@gone.test"][0] == "permanent-failure"
    ensure_fresh(engine)
    with transaction(engine) as session:
        pairs = {p.code: (p.rung, p.acceptance) for p in alert_report(session=session, alert_id=towns).municipalities}
    # No quiet period: the municipality's own server took it. Ullensvang's domain takes no mail at all.
    assert pairs == {"4621": ("handed-over", "direct"), "4601": ("handed-over", "direct"), "4615": ("failed", None)}
