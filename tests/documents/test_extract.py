"""Extraction and structure on fixtures written in HUDOC's and OHCHR's real HTML shapes."""

from __future__ import annotations

from pathlib import Path

import pytest

from relay.documents.blocks import sniff_format
from relay.documents.extract import doc_type_for, error_page_reason, extract
from relay.documents.extract_ohchr import pick_file, pick_undl_file
from relay.documents.structure import heading_path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "documents"
BIG = 10**7


def read(name: str, doc_type: str, max_chars: int = BIG):
    return extract((FIXTURES / name).read_bytes(), doc_type=doc_type, max_chars=max_chars)[1]


def section(doc, key: str) -> str:
    s = next(s for s in doc.structure["sections"] if s["key"] == key)
    return doc.text[s["start"]:s["end"]]


def test_it_splits_an_english_judgment_into_the_courts_sections():
    doc = read("hudoc_judgment_en.html", "judgment")
    keys = [s["key"] for s in doc.structure["sections"]]
    assert keys == ["procedure", "facts", "law", "operative", "opinion"]
    assert section(doc, "facts").startswith("THE FACTS")
    assert "emergency foster home" in section(doc, "facts")
    assert "Holds, by thirteen votes to four" in section(doc, "operative")
    assert "Done in English" not in section(doc, "operative")


def test_it_numbers_paragraphs_with_offsets_into_the_text():
    doc = read("hudoc_judgment_en.html", "judgment")
    paragraphs = {p["n"]: p for p in doc.structure["paragraphs"]}
    assert list(paragraphs) == ["1", "2", "3", "4", "5", "6", "7"]
    four = paragraphs["4"]
    assert doc.text[four["start"]:four["end"]].startswith("4. On 8 November 2008")
    assert "contact rights shall be limited" in doc.text[four["start"]:four["end"]]  # the quotation belongs to 4
    assert "(b) family ties" in doc.text[paragraphs["7"]["start"]:paragraphs["7"]["end"]]
    assert heading_path(doc.structure, paragraphs["5"]) == [
        "THE FACTS", "I. THE CIRCUMSTANCES OF THE CASE", "B. Adoption proceedings"]


def test_it_keeps_short_numbered_subheadings_out_of_the_paragraph_sequence():
    doc = read("hudoc_judgment_en.html", "judgment")
    titles = [h["title"] for h in doc.structure["headings"]]
    assert "1. The parties’ submissions" in titles


def test_it_keeps_operative_provisions_and_opinions_apart_from_the_numbering():
    doc = read("hudoc_judgment_en.html", "judgment")
    operative = doc.structure["operative"]
    assert [p["n"] for p in operative] == ["1", "2"]
    assert "EUR 25,000" in doc.text[operative[1]["start"]:operative[1]["end"]]
    assert all("respectfully disagree" not in doc.text[p["start"]:p["end"]] for p in doc.structure["paragraphs"])


def test_it_reads_a_french_judgment():
    doc = read("hudoc_judgment_fr.html", "judgment")
    assert [s["key"] for s in doc.structure["sections"]] == ["procedure", "facts", "law", "operative"]
    assert "famille d’accueil" in section(doc, "facts")
    assert [p["n"] for p in doc.structure["operative"]] == ["1", "2"]


def test_it_drops_scripts_styles_and_hidden_text_and_survives_broken_html():
    doc = read("hudoc_decision_broken.html", "judgment")
    assert "injected" not in doc.text and "alert(" not in doc.text and "Hidden paragraph" not in doc.text
    assert ".evil" not in doc.text and "commented out" not in doc.text
    assert [p["n"] for p in doc.structure["paragraphs"]] == ["1", "2", "3", "4"]
    assert "Declares the application inadmissible." in section(doc, "operative")


def test_it_finds_concluding_observation_recommendations_with_their_headings():
    doc = read("crc_co_nor.html", "concluding-observations")  # windows-1252, as OHCHR serves it
    recs = {r["n"]: r for r in doc.structure["recommendations"]}
    assert list(recs) == ["4", "27", "28"]  # 26 is a concern, not a recommendation
    text = doc.text[recs["27"]["start"]:recs["27"]["end"]]
    assert text.startswith("27. The Committee urges") and "(b) Ensure that children in foster homes" in text
    assert heading_path(doc.structure, recs["27"]) == [
        "III. Main areas of concern and recommendations",
        "F. Family environment and alternative care (arts. 5, 9–11, 18 (1) and (2), 20, 21, 25 and 27 (4))",
        "Children deprived of a family environment",
    ]
    assert "Adopted by the Committee" not in doc.text[recs["28"]["start"]:recs["28"]["end"]]


def test_it_finds_monitoring_report_recommendations_to_the_authorities():
    doc = read("ecri_report.html", "report")
    found = [doc.text[r["start"]:r["end"]] for r in doc.structure["recommendations"]]
    assert found[0].startswith("2. ECRI recommends that the authorities")
    assert found[1].startswith("4. ECRI strongly encourages the Norwegian authorities")
    assert found[2] == "- Ensure that Roma and Romani/Tater children attend school regularly."
    assert len(found) == 3  # neither the facts (1, 3) nor the list's lead-in


def test_it_cuts_enormous_texts_at_the_cap_and_says_so():
    doc = read("hudoc_judgment_en.html", "judgment", max_chars=1_000)
    assert len(doc.text) <= 1_000
    assert doc.truncated and doc.structure["truncated"]
    assert doc.structure["source_chars"] > 1_000
    assert all(p["end"] <= len(doc.text) for p in doc.structure["paragraphs"])


def test_it_recognises_an_error_page_served_with_200():
    doc = read("hudoc_error_page.html", "judgment")
    assert "error" in error_page_reason(doc)
    assert error_page_reason(read("hudoc_judgment_en.html", "judgment")) is None


@pytest.mark.parametrize("body, expected", [
    (b"PK\x03\x04rest", "docx"), (b"%PDF-1.7", "pdf"), (b"  <html><body>", "html"),
    (b"<div class='WordSection1'><p>x</p></div>", "html"), (b"just words", "text"),
])
def test_it_sniffs_the_real_format(body, expected):
    assert sniff_format(body) == expected


def test_it_picks_the_english_html_file_from_the_ohchr_listing():
    page = (FIXTURES / "ohchr_download.html").read_bytes()
    chosen = pick_file(page, base_url="https://tbinternet.ohchr.org/_layouts/15/treatybodyexternal/Download.aspx")
    assert chosen.format == "html"
    assert chosen.url == "https://tbinternet.ohchr.org/SelfServices/FilesHandler.ashx?enc=6QkG1dEnHtml"


def test_it_falls_back_to_english_docx_then_pdf():
    page = (FIXTURES / "ohchr_download.html").read_bytes().replace(b'title="English html"', b'title="Print"')
    page = page.replace(b'alt="html"></a></td></tr>\n<tr><td>French', b'alt="x"></a></td></tr>\n<tr><td>French')
    assert pick_file(page, base_url="https://x.test/").format == "docx"
    files = [{"url": "https://digitallibrary.un.org/record/1/files/CRC_C_NOR_CO_7-FR.pdf", "language": "fr"},
             {"url": "https://digitallibrary.un.org/record/1/files/CRC_C_NOR_CO_7-EN.pdf", "language": "en"}]
    assert pick_undl_file(files).url.endswith("-EN.pdf")


def test_it_reads_items_by_their_kind():
    assert doc_type_for("judgment", "ECHR") == "judgment"
    assert doc_type_for("concluding-observations", "CRC") == "concluding-observations"
    assert doc_type_for("report", "ECRI") == "report"
    assert doc_type_for("judgment", "ECHR", "legal-summary") == "legal-summary"
