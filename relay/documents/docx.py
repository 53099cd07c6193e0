"""DOCX → blocks, reading WordprocessingML with zipfile and lxml: no extra dependency.

A DOCX is untrusted input twice over: a zip (which may be no zip, lack word/document.xml, or
inflate to gigabytes) and XML (which may carry a DTD with an entity bomb). Members are read
with a byte cap whatever their headers claim, and XML is parsed with entities, DTDs and the
network off; a DOCTYPE is refused outright, since Word never writes one.

Word's automatic numbering is not in the text, so paragraph numbers ("27.", "(a)") are
rebuilt from numbering.xml: UN documents number their paragraphs that way.
"""

from __future__ import annotations

import io
import re
import zipfile

from lxml import etree

from relay.documents.blocks import Block, ExtractError, make_block

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MEMBER_CAP = 60_000_000  # bytes inflated per member; a real judgment's document.xml is a few MB
_DOCTYPE = re.compile(rb"<!DOCTYPE", re.I)
_HEADING_NAME = re.compile(r"^heading\s*(\d)$", re.I)
_UN_STYLES = {"hchg": 1, "h1g": 2, "h23g": 3, "h4g": 4, "h56g": 5}
_OFF = frozenset({"0", "false", "off", "none"})
_INLINE = frozenset({W + n for n in ("hyperlink", "ins", "smartTag", "fldSimple", "sdt", "sdtContent", "customXml")})


def docx_blocks(raw: bytes) -> list[Block]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except (zipfile.BadZipFile, ValueError) as exc:
        raise ExtractError(f"the file is not a DOCX: not a zip archive ({exc})") from None
    with archive:
        names = set(archive.namelist())
        if "word/document.xml" not in names:
            raise ExtractError("the file is a zip archive but not a DOCX: it has no word/document.xml")
        document = _parse(_member(archive, "word/document.xml"), "word/document.xml")
        styles = _styles(_parse(_member(archive, "word/styles.xml"), "word/styles.xml")) \
            if "word/styles.xml" in names else {}
        numbering = _Numbering(_parse(_member(archive, "word/numbering.xml"), "word/numbering.xml")) \
            if "word/numbering.xml" in names else None
    body = document.find(W + "body")
    if body is None:
        raise ExtractError("word/document.xml has no w:body")
    out = []
    for paragraph in body.iter(W + "p"):
        block = _paragraph(paragraph, styles, numbering)
        if block:
            out.append(block)
    return out


def _member(archive: zipfile.ZipFile, name: str) -> bytes:
    with archive.open(name) as handle:
        data = handle.read(MEMBER_CAP + 1)
    if len(data) > MEMBER_CAP:
        raise ExtractError(f"{name} inflates to more than {MEMBER_CAP:,} bytes (a zip bomb or an enormous file)")
    return data


def _parse(data: bytes, name: str):
    if _DOCTYPE.search(data[:8192]):
        raise ExtractError(f"{name} declares a DTD, which Word never writes (a possible XML entity bomb)")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                             remove_comments=True, remove_pis=True)
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise ExtractError(f"{name} is not well-formed XML ({exc})") from None


def _on(element) -> bool:
    return element is not None and (element.get(W + "val") or "true").lower() not in _OFF


def _styles(root) -> dict[str, dict]:
    """styleId → {bold, heading, num} with basedOn inheritance resolved."""
    raw = {}
    for style in root.iter(W + "style"):
        sid = style.get(W + "styleId")
        if not sid:
            continue
        name = (style.find(W + "name").get(W + "val") if style.find(W + "name") is not None else sid) or sid
        r_pr, p_pr = style.find(W + "rPr"), style.find(W + "pPr")
        outline = p_pr.find(W + "outlineLvl") if p_pr is not None else None
        match = _HEADING_NAME.match(name)
        heading = int(match.group(1)) if match else _UN_STYLES.get(name.lower()) or _UN_STYLES.get(sid.lower())
        if heading is None and outline is not None and (outline.get(W + "val") or "").isdigit():
            heading = int(outline.get(W + "val")) + 1
        based = style.find(W + "basedOn")
        raw[sid] = {"bold": _on(r_pr.find(W + "b")) if r_pr is not None and r_pr.find(W + "b") is not None else None,
                    "heading": heading, "num": _num_pr(p_pr), "based": based.get(W + "val") if based is not None else None}
    resolved = {}
    for sid in raw:
        seen, current, out = set(), sid, {"bold": None, "heading": None, "num": None}
        while current in raw and current not in seen:
            seen.add(current)
            for key in out:
                if out[key] is None:
                    out[key] = raw[current][key]
            current = raw[current]["based"]
        out["bold"] = bool(out["bold"])
        resolved[sid] = out
    return resolved


def _num_pr(p_pr) -> tuple[str, int] | None:
    num = p_pr.find(W + "numPr") if p_pr is not None else None
    if num is None or num.find(W + "numId") is None:
        return None
    level = num.find(W + "ilvl")
    ilvl = level.get(W + "val") if level is not None else "0"
    return num.find(W + "numId").get(W + "val") or "0", int(ilvl) if (ilvl or "").isdigit() else 0


def _paragraph(paragraph, styles: dict, numbering: _Numbering | None) -> Block | None:
    p_pr = paragraph.find(W + "pPr")
    style_el = p_pr.find(W + "pStyle") if p_pr is not None else None
    style = styles.get(style_el.get(W + "val") if style_el is not None else "Normal", {})
    pieces: list[tuple[str, bool]] = []
    _runs(paragraph, style.get("bold", False), styles, pieces)
    text = "".join(piece for piece, _ in pieces)
    total = sum(len(p.strip()) for p, _ in pieces)
    bold = total > 0 and sum(len(p.strip()) for p, b in pieces if b) >= 0.9 * total
    num = _num_pr(p_pr) or style.get("num")
    label = numbering.label(*num) if numbering and num and text.strip() else ""
    return make_block(text, bold=bold, heading=style.get("heading"), label=label)


def _runs(element, style_bold: bool, styles: dict, out: list[tuple[str, bool]]) -> None:
    for child in element:
        tag = child.tag
        if tag == W + "r":
            r_pr = child.find(W + "rPr")
            bold = style_bold
            if r_pr is not None:
                r_style = r_pr.find(W + "rStyle")
                if r_style is not None and styles.get(r_style.get(W + "val"), {}).get("bold"):
                    bold = True
                b = r_pr.find(W + "b")
                if b is not None:
                    bold = _on(b)
            for node in child:
                if node.tag == W + "t":
                    out.append((node.text or "", bold))
                elif node.tag in (W + "tab", W + "br", W + "cr"):
                    out.append((" ", bold))
                elif node.tag == W + "noBreakHyphen":
                    out.append(("-", bold))
        elif tag in _INLINE:
            _runs(child, style_bold, styles, out)


class _Numbering:
    """Counters for Word's list numbering: numId → abstract levels (format, text, start)."""

    def __init__(self, root):
        abstract = {}
        for node in root.iter(W + "abstractNum"):
            levels = {}
            for lvl in node.iter(W + "lvl"):
                fmt, text, start = lvl.find(W + "numFmt"), lvl.find(W + "lvlText"), lvl.find(W + "start")
                levels[int(lvl.get(W + "ilvl") or 0)] = (
                    fmt.get(W + "val") if fmt is not None else "decimal",
                    text.get(W + "val") if text is not None else "",
                    int(start.get(W + "val")) if start is not None and (start.get(W + "val") or "").isdigit() else 1)
            abstract[node.get(W + "abstractNumId")] = levels
        self.nums = {}
        for num in root.iter(W + "num"):
            ref = num.find(W + "abstractNumId")
            if ref is not None:
                self.nums[num.get(W + "numId")] = abstract.get(ref.get(W + "val"), {})
        self.counters: dict[str, dict[int, int]] = {}

    def label(self, num_id: str, ilvl: int) -> str:
        levels = self.nums.get(num_id)
        if not levels or ilvl not in levels or levels[ilvl][0] in ("bullet", "none"):
            return ""
        counts = self.counters.setdefault(num_id, {})
        counts[ilvl] = counts.get(ilvl, levels[ilvl][2] - 1) + 1
        for deeper in [k for k in counts if k > ilvl]:
            del counts[deeper]
        text = levels[ilvl][1]
        for k in range(ilvl + 1):
            fmt, _, start = levels.get(k, ("decimal", "", 1))
            text = text.replace(f"%{k + 1}", _format(counts.get(k, start), fmt))
        return text.strip()


def _format(n: int, fmt: str) -> str:
    if fmt in ("lowerLetter", "upperLetter"):
        letter = chr(ord("a") + (n - 1) % 26) * (1 + (n - 1) // 26)
        return letter.upper() if fmt == "upperLetter" else letter
    if fmt in ("lowerRoman", "upperRoman"):
        roman = _roman(n)
        return roman if fmt == "upperRoman" else roman.lower()
    return str(n)


def _roman(n: int) -> str:
    out = ""
    for value, numeral in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"),
                           (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out, n = out + numeral, n - value
    return out
