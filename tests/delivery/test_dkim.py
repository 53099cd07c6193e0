"""DKIM: signed at send time, verified with dkimpy against the public half of a generated key."""

from __future__ import annotations

import base64
import re

import dkim
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from relay.delivery.worker import send_all
from relay.models import utcnow
from tests.delivery.faults import FaultServer
from tests.delivery.helpers import queue, with_smtp


def _key(tmp_path):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                            serialization.NoEncryption())
    path = tmp_path / "dkim.pem"
    path.write_bytes(pem)
    public = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)

    def dnsfunc(name, timeout=5):
        return record if name == b"sel1._domainkey.relay.test." else None

    return path, dnsfunc


def test_it_signs_at_send_time_covering_the_unsubscribe_headers(engine, settings, tmp_path):
    path, dnsfunc = _key(tmp_path)
    queue(engine, ["a@voss.test"], now=utcnow())
    with FaultServer() as server:
        cfg = with_smtp(settings, host="127.0.0.1", port=server.port, dkim_selector="sel1", dkim_key_file=str(path))
        assert send_all(engine=engine, settings=cfg, worker="t").sent == 1
        [(_, _, data)] = server.received
    assert data.startswith(b"DKIM-Signature:")
    assert dkim.verify(data, dnsfunc=dnsfunc)
    signed = re.search(rb"h=([^;]+);", data.replace(b"\r\n", b"").replace(b" ", b"")).group(1).split(b":")
    for header in (b"from", b"to", b"subject", b"date", b"message-id", b"list-id", b"list-unsubscribe",
                   b"list-unsubscribe-post"):
        assert header in signed
    tampered = data.replace(b"List-Unsubscribe-Post: List-Unsubscribe=One-Click", b"List-Unsubscribe-Post: x")
    assert not dkim.verify(tampered, dnsfunc=dnsfunc)


def test_it_fails_technically_when_the_key_cannot_be_read(engine, settings, tmp_path):
    queue(engine, ["a@voss.test", "b@voss.test"], now=utcnow())
    cfg = with_smtp(settings, dkim_selector="sel1", dkim_key_file=str(tmp_path / "missing.pem"))
    report = send_all(engine=engine, settings=cfg, worker="t")
    assert report.technical_failure == 1 and report.released == 1
