"""Untrusted text: header values, plain-text paragraphs and source HTML."""

from __future__ import annotations

from relay.mail import sanitize


def test_header_values_lose_every_line_break_and_control_character():
    assert sanitize.clean_header("Foo\r\nBcc: x@y\x00\x1b[31m\u2028\x85 end") == "Foo Bcc: x@y [31m end"
    assert sanitize.clean_display_name('Ola "<evil@x>" Nordmann') == "Ola evil@x Nordmann"


def test_plain_text_becomes_escaped_paragraphs():
    html = sanitize.html_paragraphs("Første <b>avsnitt</b>\nlinje to\r\n\r\n\r\nAndre & siste", style="margin:0;")
    assert html == ('<p style="margin:0;">Første &lt;b&gt;avsnitt&lt;/b&gt;<br>\nlinje to</p>\n'
                    '<p style="margin:0;">Andre &amp; siste</p>')


def test_text_paragraphs_wrap_but_never_split_a_url():
    url = "https://relay.test/c/" + "x" * 90
    wrapped = sanitize.text_paragraphs(f"Les meir her: {url} og {'ord ' * 30}", width=40)
    assert url in wrapped.split("\n")
    assert all(len(line) <= 40 for line in wrapped.split("\n") if url not in line)


def test_source_html_keeps_only_inline_tags_and_https_links():
    dirty = (
        '<div class="x"><p style="color:red" onclick="steal()">Tekst <strong>viktig</strong>'
        '<img src="https://t.example/p.gif"><a href="https://www.coe.int/" title="t">ok</a>'
        '<a href="http://plain.example/">http</a><a href="/relative">rel</a>'
        '<a href="javascript:alert(1)">js</a></p><script>alert(1)</script><style>p{}</style></div>'
    )
    clean = str(sanitize.clean_html(dirty))
    assert clean == (
        '<p>Tekst <strong>viktig</strong><a href="https://www.coe.int/">ok</a>'
        "<a>http</a><a>rel</a><a>js</a></p>"
    )


def test_source_html_as_text_writes_links_out():
    text = sanitize.html_to_text('<p>Sjå <a href="https://www.coe.int/">rapporten</a>.</p><ul><li>ein</li><li>to</li></ul>')
    assert text == "Sjå rapporten <https://www.coe.int/>.\n\n- ein\n- to"
