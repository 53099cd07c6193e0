"""build_message: every kind in every language, parsed back; headers, escaping, links and language."""

from __future__ import annotations

import dataclasses
import re

import pytest

from relay.i18n import LANGUAGES
from relay.mail import envelope
from relay.mail.templating import KINDS
from relay.settings import load_settings
from tests.mail import samples
from tests.mail.conftest import SUBSCRIPTION_KINDS, build, parse, parts

HREF = re.compile(r'href="([^"]*)"')
URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s<>\"]+")


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", KINDS)
def test_it_builds_a_valid_message_for_every_kind_and_language(kind, language, settings):
    composed = build(kind, settings, language)
    message = parse(composed)

    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    assert message["Message-ID"] == composed.message_id
    assert composed.message_id.endswith("@relay.test>")
    assert message["Date"].datetime is not None
    assert message["From"].addresses[0].addr_spec == "relay@relay.test"
    assert str(message["To"]) == "kari.nordmann@voss.kommune.no"
    assert str(message["Reply-To"]) == "postmottak@sfvl.test"
    assert message["Subject"] == composed.subject and composed.subject
    assert message["Content-Language"] == language
    assert message["MIME-Version"] == "1.0"
    assert message["Auto-Submitted"] == "auto-generated"
    assert composed.envelope_from == envelope.bounce_address(settings, f"{kind}:42:7")
    text, html = parts(message)
    assert f'<html lang="{language}"' in html and text.strip()


@pytest.mark.parametrize("kind", SUBSCRIPTION_KINDS)
def test_subscription_mail_carries_list_headers(kind, settings):
    context = samples.context_for(kind, settings)
    message = parse(build(kind, settings, context=context))

    # The office, the municipality and the mail's sectors, in the recipient's language (nynorsk here).
    sectors = "Barnevern, Helsetenester" if kind == "digest" else "Barnehage og skule"
    assert message["List-Id"] == (f"Statsforvaltaren i Vestland: menneskerettar for Voss herad ({sectors}) "
                                  "<digest.4621.relay.test>")
    assert message["From"].addresses[0].display_name == "Statsforvaltaren i Vestland"
    https, mailto = [u.strip().strip("<>") for u in str(message["List-Unsubscribe"]).split(",")]
    assert https == context.unsubscribe_url
    assert envelope.read_unsubscribe_address(settings, mailto.removeprefix("mailto:")) == f"{kind}:42:7"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert (message["Precedence"] == "bulk") is (kind == "digest")


def test_the_unsubscribe_url_is_not_encoded_on_the_wire(settings):
    raw = build("digest", settings).message.as_bytes()
    header = re.search(rb"\r\nList-Unsubscribe: (.*?)\r\n(?! )", raw, re.S).group(1)
    assert header.startswith(b"<https://relay.test/u/") and b"=?" not in header


@pytest.mark.parametrize("kind", ["optin", "signin", "bounce-notice", "ops-alert"])
def test_other_mail_has_no_list_headers(kind, settings):
    message = parse(build(kind, settings))
    assert message["List-Id"] is None and message["List-Unsubscribe"] is None and message["Precedence"] is None


@pytest.mark.parametrize("kind", KINDS)
def test_every_link_is_absolute_https(kind, settings):
    text, html = parts(parse(build(kind, settings, "nb")))
    hrefs = HREF.findall(html)
    urls = URL.findall(text)
    assert hrefs and urls
    assert all(h.startswith("https://") for h in hrefs), hrefs
    assert all(u.startswith("https://") for u in urls), urls
    assert "http://" not in html and "http://" not in text


def test_a_header_injection_in_a_title_or_name_creates_no_header(settings):
    evil_settings = load_settings(
        data_dir=settings.data_dir, base_url="https://relay.test", secret_key="k",
        mail={"from_address": "relay@relay.test", "from_name": "Relay\r\nBcc: boss@evil.test"},
    )
    base = samples.urgent(evil_settings)
    alert = dataclasses.replace(base.alert, title="Foo\r\nBcc: x@y\nX-Evil: 1\x0b\u2028")
    context = dataclasses.replace(base, alert=alert, municipality_name="Voss\r\nCc: x@y")

    composed = build("alert", evil_settings, context=context)
    headers = composed.message.as_bytes().split(b"\r\n\r\n")[0]
    message = parse(composed)

    assert message["Bcc"] is None and message["Cc"] is None and message["X-Evil"] is None
    assert b"\r\nBcc:" not in headers and b"\r\nX-Evil" not in headers and b"\r\nCc:" not in headers
    assert message["Subject"] == "Viktig: Foo Bcc: x@y X-Evil: 1"
    assert message["From"].addresses[0].display_name == "Statsforvaltaren i Vestland"  # the office, not settings
    assert "\r\n" not in str(message["List-Id"]) and "Voss Cc: x@y" in str(message["List-Id"])
    signin = parse(build("signin", evil_settings))
    assert signin["From"].addresses[0].display_name == "Relay Bcc: boss@evil.test"


def test_a_bad_recipient_address_is_refused(settings):
    with pytest.raises(ValueError):
        build("signin", settings, to="kari@voss.test\r\nBcc: x@y")


def test_markup_in_a_title_is_escaped_in_html_and_plain_in_text(settings):
    base = samples.urgent(settings)
    title = '<script>alert("x")</script> & <b>fet</b>'
    alert = dataclasses.replace(base.alert, title=title, summary="A < B\n\n<img src=x onerror=alert(1)>")
    text, html = parts(parse(build("alert", settings, context=dataclasses.replace(base, alert=alert))))

    assert "<script>" not in html and "<img" not in html and "<b>fet" not in html
    assert "&lt;script&gt;" in html and "&amp; &lt;b&gt;fet&lt;/b&gt;" in html
    assert "A &lt; B" in html
    assert title in text and "<img src=x onerror=alert(1)>" in text


def test_source_html_is_sanitised_and_written_out_in_text(settings):
    base = samples.urgent(settings)
    excerpt = ('<p onclick="x()">Les <a href="https://www.coe.int/x">rapporten</a> og '
               '<a href="javascript:alert(1)">dette</a><script>alert(1)</script></p>')
    alert = dataclasses.replace(base.alert, excerpt_html=excerpt)
    text, html = parts(parse(build("alert", settings, context=dataclasses.replace(base, alert=alert))))

    assert '<a href="https://www.coe.int/x">rapporten</a>' in html
    assert "javascript:" not in html and "<script" not in html and "onclick" not in html
    assert "rapporten <https://www.coe.int/x>" in text


def test_the_nynorsk_digest_says_motteke_and_the_bokmal_one_mottatt(settings):
    nn_text, nn_html = parts(parse(build("digest", settings, "nn")))
    nb_text, nb_html = parts(parse(build("digest", settings, "nb")))

    assert "Motteke" in nn_html and "Motteke" in nn_text
    assert "Mottatt" not in nn_html and "Mottatt" not in nn_text
    assert "Mottatt" in nb_html and "Motteke" not in nb_html
    assert "Mottaget" in parts(parse(build("digest", settings, "sv")))[1]
    assert "Received" in parts(parse(build("digest", settings, "en")))[1]


def test_the_digest_groups_alerts_by_sector_with_every_part(settings):
    text, html = parts(parse(build("digest", settings, "nn")))

    assert text.index("Barnevern\n=========") < text.index("Samvær etter omsorgsovertaking\n---")
    assert text.index("Tilsyn med fosterheimar") < text.index("Helsetenester\n=============")
    assert html.count("<h2") == 2 and html.count("<h3") == 3
    for part in (text, html):
        assert "Kva tyder dette for kommunane?" in part and "Les kjelda" in part
        assert "Frist for å stadfeste mottak: 01.04.2025" in part
        assert "Periode: 10.03.2025–16.03.2025" in part
        assert "Frå Statsforvaltaren i Vestland" in part and "Meld deg av" in part
    # The acknowledgement button is a table cell holding the link (Outlook shows its colour).
    assert re.search(r'<td align="center" bgcolor="#1d4e89"[^>]*>\s*<a href="https://relay.test/a/', html)
    assert 'role="presentation"' in html and "max-width:600px" in html


def test_the_urgent_alert_subject_is_prefixed(settings):
    assert build("alert", settings, "nn").subject == "Viktig: Barn i asylmottak"
    assert build("alert", settings, "en").subject == "Important: Barn i asylmottak"
    assert build("alert", settings, "sv").subject == "Viktigt: Barn i asylmottak"


def test_a_long_norwegian_subject_is_encoded_and_folded(settings):
    base = samples.urgent(settings)
    title = "Særskilt vern av born i barnevernsinstitusjonar – åtferd, tvang og rettstryggleik " * 2
    composed = build("alert", settings, context=dataclasses.replace(base, alert=dataclasses.replace(base.alert, title=title)))
    raw = composed.message.as_bytes()

    assert raw.isascii()
    assert all(len(line) <= 78 for line in raw.split(b"\r\n\r\n")[0].split(b"\r\n") if not line.startswith(b"List-"))
    assert parse(composed)["Subject"] == composed.subject == "Viktig: " + title.strip()


def test_dict_contexts_render_like_dataclasses(settings):
    context = samples.digest(settings)
    as_dict = dataclasses.asdict(context)
    as_dict["sections"][0]["alerts"][0]["source_date"] = "2025-03-11"  # render.py passes ISO strings
    for alert in (a for s in as_dict["sections"] for a in s["alerts"]):
        del alert["excerpt_html"]  # optional keys may be missing from dicts
    assert parts(parse(build("digest", settings, context=as_dict))) == parts(parse(build("digest", settings, context=context)))


def test_a_missing_context_key_is_an_error_not_an_empty_text(settings):
    with pytest.raises(Exception, match="login_url"):
        build("signin", settings, context={"recipient_name": "Ola", "minutes": 20})


def test_an_unknown_kind_is_refused(settings):
    with pytest.raises(ValueError, match="unknown e-mail kind"):
        build("newsletter", settings, context={})
