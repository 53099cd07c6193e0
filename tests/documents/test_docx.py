"""DOCX in the real WordprocessingML shape, built here with zipfile; and DOCX that is not one."""

from __future__ import annotations

import io
import zipfile

import pytest

from relay.documents import docx
from relay.documents.blocks import ExtractError
from relay.documents.extract import extract
from relay.documents.structure import heading_path

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/word/document.xml"
 ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>
</Types>"""
RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
 Target="word/document.xml"/></Relationships>"""
STYLES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles xmlns:w="{W_NS}">
<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style>
<w:style w:type="paragraph" w:styleId="HChG"><w:name w:val="_ H _Ch_G"/><w:basedOn w:val="Normal"/>
 <w:rPr><w:b/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="H1G"><w:name w:val="_ H_1_G"/><w:basedOn w:val="Normal"/>
 <w:pPr><w:outlineLvl w:val="1"/></w:pPr><w:rPr><w:b/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="H23G"><w:name w:val="_ H_2/3_G"/><w:basedOn w:val="H1G"/></w:style>
<w:style w:type="paragraph" w:styleId="SingleTxtG"><w:name w:val="_ Single Txt_G"/><w:basedOn w:val="Normal"/>
 <w:pPr><w:numPr><w:numId w:val="1"/></w:numPr></w:pPr></w:style>
</w:styles>"""
NUMBERING = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:numbering xmlns:w="{W_NS}">
<w:abstractNum w:abstractNumId="0">
 <w:lvl w:ilvl="0"><w:start w:val="26"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1."/></w:lvl>
 <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="lowerLetter"/><w:lvlText w:val="(%2)"/></w:lvl>
</w:abstractNum>
<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>
</w:numbering>"""


def para(text: str, style: str | None = None, *, bold: bool = False, ilvl: int | None = None) -> str:
    ppr = ""
    if style or ilvl is not None:
        num = f'<w:numPr><w:ilvl w:val="{ilvl}"/><w:numId w:val="1"/></w:numPr>' if ilvl is not None else ""
        pstyle = f'<w:pStyle w:val="{style}"/>' if style else ""
        ppr = f"<w:pPr>{pstyle}{num}</w:pPr>"
    rpr = "<w:rPr><w:b/></w:rPr>" if bold else ""
    head, _, tail = text.partition(" ")
    # Word splits runs at whim (spell-check, revisions): the text must be joined without spaces lost.
    return (f"<w:p>{ppr}<w:r>{rpr}<w:t>{head}</w:t></w:r><w:r>{rpr}<w:tab/></w:r>"
            f'<w:r>{rpr}<w:t xml:space="preserve">{tail}</w:t></w:r></w:p>')


def document(*paragraphs: str) -> str:
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document xmlns:w="{W_NS}">'
            f"<w:body>{''.join(paragraphs)}<w:sectPr/></w:body></w:document>")


def build_docx(document_xml: str | bytes, *, styles=STYLES, numbering=NUMBERING, extra: dict | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", RELS)
        if document_xml is not None:
            z.writestr("word/document.xml", document_xml)
        if styles:
            z.writestr("word/styles.xml", styles)
        if numbering:
            z.writestr("word/numbering.xml", numbering)
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return out.getvalue()


CO_DOCX = document(
    para("III. Main areas of concern and recommendations", "HChG"),
    para("F. Family environment and alternative care", "H1G"),
    para("Children deprived of a family environment", "H23G"),
    para("The Committee is concerned about the number of children in out-of-home care.", "SingleTxtG"),
    para("The Committee urges the State party to:", "SingleTxtG"),
    para("Support families before a care order is issued;", "SingleTxtG", ilvl=1),
    para("Ensure contact between children in foster homes and their parents.", "SingleTxtG", ilvl=1),
)


def test_it_reads_paragraphs_headings_and_word_numbering():
    fmt, doc = extract(build_docx(CO_DOCX), doc_type="concluding-observations", max_chars=10**6)
    assert fmt == "docx"
    assert "26. The Committee is concerned" in doc.text
    recs = doc.structure["recommendations"]
    assert [r["n"] for r in recs] == ["27"]
    text = doc.text[recs[0]["start"]:recs[0]["end"]]
    assert text == ("27. The Committee urges the State party to:\n\n(a) Support families before a care order is"
                    " issued;\n\n(b) Ensure contact between children in foster homes and their parents.")
    assert heading_path(doc.structure, recs[0]) == [
        "III. Main areas of concern and recommendations", "F. Family environment and alternative care",
        "Children deprived of a family environment"]


def test_it_marks_bold_runs():
    blocks = docx.docx_blocks(build_docx(document(para("THE LAW", bold=True), para("plain text here"))))
    assert [(b.text, b.bold) for b in blocks] == [("THE LAW", True), ("plain text here", False)]


def test_it_refuses_a_file_that_is_not_a_zip():
    with pytest.raises(ExtractError, match="not a zip archive"):
        docx.docx_blocks(b"PK\x03\x04 but then garbage")


def test_it_refuses_a_zip_without_a_document():
    with pytest.raises(ExtractError, match="no word/document.xml"):
        docx.docx_blocks(build_docx(None))


def test_it_refuses_an_entity_bomb():
    bomb = (f'<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">'
            f']><w:document xmlns:w="{W_NS}"><w:body><w:p><w:r><w:t>&b;</w:t></w:r></w:p></w:body></w:document>')
    with pytest.raises(ExtractError, match="DTD"):
        docx.docx_blocks(build_docx(bomb))


def test_it_refuses_an_external_entity_in_styles_too():
    evil = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'
    with pytest.raises(ExtractError, match="word/styles.xml declares a DTD"):
        docx.docx_blocks(build_docx(CO_DOCX, styles=evil))


def test_it_stops_inflating_a_member_past_the_cap(monkeypatch):
    monkeypatch.setattr(docx, "MEMBER_CAP", 10_000)
    huge = document(*[para(f"{n}. The applicant complained again and again.") for n in range(1, 2_000)])
    with pytest.raises(ExtractError, match="inflates to more than 10,000 bytes"):
        docx.docx_blocks(build_docx(huge))


def test_it_refuses_malformed_xml():
    with pytest.raises(ExtractError, match="not well-formed"):
        docx.docx_blocks(build_docx("<w:document><w:body><w:p>"))
