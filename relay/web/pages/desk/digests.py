"""The governor's digest preview: the next digest of one contact, as it will be sent."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse

from relay.db import transaction
from relay.digests.preview import preview_digest
from relay.models import Contact
from relay.web.access import CURATORS, ensure_office
from relay.web.templating import render

router = APIRouter()
ACCESS = {"digest_preview": CURATORS, "digest_preview_html": CURATORS}
# The e-mail's own HTML uses inline styles (Outlook needs them); it is shown alone, sandboxed.
SANDBOX_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"


def _preview(request: Request, contact_id: int):
    with transaction(request.app.state.engine) as session:
        contact = session.get(Contact, contact_id)
        if contact is None:
            raise HTTPException(status_code=404, detail="no such contact")
        ensure_office(request.state.user, contact.municipality.office_id)
        return contact.email, preview_digest(session=session, settings=request.app.state.settings,
                                             contact_id=contact_id)


@router.get("/digests/preview/{contact_id}", response_class=HTMLResponse, name="digest_preview",
            include_in_schema=False)
def digest_preview(request: Request, contact_id: int):
    address, preview = _preview(request, contact_id)
    return render(request, "digest_preview.html", {"address": address, "preview": preview, "contact_id": contact_id})


@router.get("/digests/preview/{contact_id}/html", response_class=HTMLResponse, name="digest_preview_html",
            include_in_schema=False)
def digest_preview_html(request: Request, contact_id: int):
    _, preview = _preview(request, contact_id)
    if preview is None:
        raise HTTPException(status_code=404, detail="nothing to preview")
    return HTMLResponse(preview.html, headers={"content-security-policy": SANDBOX_CSP})
