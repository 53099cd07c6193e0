"""The network half of a document fetch: every request through relay.http.HttpClient.

One function per way a text is reached: a HUDOC body (one URL, or one per section of a
sectioned report), a legal summary (a HUDOC query by application number, then its body) and
an OHCHR document (a listing page, then the chosen file). Each sends the stored validators,
so a source that honours conditional GET answers 304 and nothing is downloaded.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from urllib.parse import urlencode, urljoin

from relay.documents.blocks import ExtractError
from relay.documents.extract_ohchr import pick_file, pick_undl_file
from relay.documents.targets import first_appno, hudoc_headers
from relay.http import FetchError, HttpClient


class NothingYet(Exception):
    """The source has nothing for this document yet (no legal summary published)."""


@dataclass(frozen=True)
class Job:
    """What a fetch needs from the rows, read inside a short transaction and used outside it."""

    document_id: int
    kind: str
    url: str
    via: str
    body: str | None  # the item's issuing body (ECHR, CRC …)
    language: str | None
    meta: dict
    etag: str | None
    last_modified: str | None
    parts: list[dict]  # sectioned documents: [{url, etag, last_modified}]
    file_url: str | None  # OHCHR: the file chosen last time


@dataclass
class Retrieved:
    bodies: list[bytes] = field(default_factory=list)
    not_modified: bool = False
    url: str = ""
    etag: str | None = None
    last_modified: str | None = None
    charset: str | None = None
    extra: dict = field(default_factory=dict)  # kept in Document.structure: file_url, parts, summary itemid


def retrieve(job: Job, http: HttpClient, *, max_bytes: int) -> Retrieved:
    if job.via == "hudoc-sections":
        return _sections(job, http, max_bytes)
    if job.via == "clin-lookup":
        return _legal_summary(job, http, max_bytes)
    if job.via == "ohchr":
        return _ohchr(job, http, max_bytes)
    headers = hudoc_headers(job.body) if job.via in ("hudoc", "clin-lookup") and job.body else {}
    return _one(http, job.url, headers, job.etag, job.last_modified, max_bytes)


def _one(http: HttpClient, url: str, headers: dict, etag, last_modified, max_bytes: int) -> Retrieved:
    response = http.get(url, headers=headers, etag=etag, last_modified=last_modified, max_bytes=max_bytes)
    return Retrieved(bodies=[] if response.not_modified else [response.body], not_modified=response.not_modified,
                     url=url, etag=response.etag, last_modified=response.last_modified, charset=response.charset)


def _sections(job: Job, http: HttpClient, max_bytes: int) -> Retrieved:
    headers = hudoc_headers(job.body) if job.body else {}
    answers = [http.get(p["url"], headers=headers, etag=p.get("etag"), last_modified=p.get("last_modified"),
                        max_bytes=max_bytes) for p in job.parts]
    if all(a.not_modified for a in answers):
        return Retrieved(not_modified=True, url=job.url, extra={"parts": job.parts})
    # One section changed: the unchanged ones are needed too, since the text is rebuilt whole.
    answers = [a if not a.not_modified else http.get(p["url"], headers=headers, max_bytes=max_bytes)
               for a, p in zip(answers, job.parts, strict=True)]
    parts = [{"url": p["url"], "etag": a.etag, "last_modified": a.last_modified} for a, p in zip(answers, job.parts, strict=True)]
    return Retrieved(bodies=[a.body for a in answers], url=job.url, extra={"parts": parts})


def _legal_summary(job: Job, http: HttpClient, max_bytes: int) -> Retrieved:
    """Find the Court's legal summary (CLIN, 002-…) for the judgment's application number."""
    appno = first_appno(job.meta.get("appno"))
    response = http.get(job.url, headers=hudoc_headers("ECHR"), expect="json", max_bytes=2_000_000)
    try:
        rows = [r.get("columns", {}) for r in json.loads(response.body).get("results", [])]
    except (ValueError, AttributeError) as exc:
        raise ExtractError(f"HUDOC's legal-summary search answered something that is not its JSON ({exc})") from None
    # HUDOC answers a query it does not understand with unrelated rows: keep only our application.
    rows = [r for r in rows if str(r.get("itemid", "")).startswith("002-")
            and appno in [a.strip().rstrip("+") for a in str(r.get("appno", "")).split(";")]]
    if not rows:
        raise NothingYet(f"HUDOC has no legal summary for application {appno} yet")
    wanted = "FRE" if job.language == "fr" else "ENG"
    row = next((r for r in rows if r.get("languageisocode") == wanted), rows[0])
    # The summary's body is on the host that answered the query (HUDOC itself, or a test server).
    url = urljoin(job.url, "/app/conversion/docx/html/body?" + urlencode({"library": "ECHR", "id": row["itemid"]}))
    got = _one(http, url, hudoc_headers("ECHR"), None, None, max_bytes)
    got.extra = {"summary_itemid": row["itemid"], "summary_title": row.get("docname") or ""}
    return got


def _ohchr(job: Job, http: HttpClient, max_bytes: int) -> Retrieved:
    try:
        listing = http.get(job.url, expect="html", max_bytes=2_000_000)
        chosen = pick_file(listing.body, base_url=listing.url)
    except (FetchError, ExtractError) as exc:
        fallback = pick_undl_file(job.meta.get("files") or [])
        if fallback is None:
            raise
        chosen, note = fallback, f"OHCHR listing unusable ({exc}); used the UN Digital Library file"
    else:
        note = None
    same = chosen.url == job.file_url
    got = _one(http, chosen.url, {}, job.etag if same else None, job.last_modified if same else None, max_bytes)
    got.extra = {"file_url": chosen.url, "file_label": chosen.label, "file_format": chosen.format}
    if note:
        got.extra["note"] = note
    return got
