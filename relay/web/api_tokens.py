"""API tokens for machine clients, made by an administrator in the browser (no CLI needed).

A token acts as one user, with that user's role. Only its sha256 is stored: the token is shown once,
on the page that created it, and can be revoked.
"""

from __future__ import annotations

import secrets

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select

from relay import audit
from relay.auth import get_user_by_email
from relay.db import transaction
from relay.models import ApiToken, User
from relay.web.access import ADMIN
from relay.web.api import token_hash
from relay.web.api_models import Id
from relay.web.templating import render

router = APIRouter()
ACCESS = {"tokens": ADMIN, "token_create": ADMIN, "token_revoke": ADMIN}


def _page(request, session, *, created=None, values=None, errors=None, status_code=200):
    rows = session.execute(select(ApiToken, User.email).join(User, User.id == ApiToken.user_id)
                           .order_by(ApiToken.created_at.desc())).all()
    return render(request, "sources_tokens.html", {"tokens": rows, "created": created, "errors": errors or {},
                                           "values": values or {"name": "", "email": request.state.user.email}},
                  status_code=status_code)


@router.get("/admin/tokens", response_class=HTMLResponse, name="tokens", include_in_schema=False)
def tokens(request: Request):
    with transaction(request.app.state.engine) as session:
        return _page(request, session)


@router.post("/admin/tokens", response_class=HTMLResponse, name="token_create", include_in_schema=False)
async def token_create(request: Request):
    form = await request.form()
    values = {"name": str(form.get("name", "")).strip()[:100], "email": str(form.get("email", "")).strip()}
    with transaction(request.app.state.engine) as session:
        owner = get_user_by_email(session=session, email=values["email"]) if values["email"] else None
        errors = {}
        if not values["name"]:
            errors["name"] = "required"
        if owner is None or owner.role == "contact":
            errors["email"] = "no_user"
        if errors:
            return _page(request, session, values=values, errors=errors, status_code=400)
        token = "rly_" + secrets.token_urlsafe(32)
        row = ApiToken(user_id=owner.id, name=values["name"], token_hash=token_hash(token))
        session.add(row)
        session.flush()
        audit.record(session=session, actor=session.get(User, request.state.user.id), action="token.create",
                     entity="api_token", entity_id=row.id, after={"name": row.name, "user": owner.email})
        # Shown in this response only; a reload does not show it again.
        return _page(request, session, created=token)


@router.post("/admin/tokens/{token_id}/revoke", name="token_revoke", include_in_schema=False)
def token_revoke(request: Request, token_id: Id):
    with transaction(request.app.state.engine) as session:
        row = session.get(ApiToken, token_id)
        if row is None:
            raise HTTPException(status_code=404, detail="no such token")
        row.revoked = True
        audit.record(session=session, actor=session.get(User, request.state.user.id), action="token.revoke",
                     entity="api_token", entity_id=row.id, after={"name": row.name})
    return RedirectResponse("/admin/tokens", status_code=303)
