"""The whole role × route matrix, generated from the app's routes and the one policy table.

For every route and every persona (anonymous, contact, governor of office A, governor of office B,
ministry, admin) the answer must follow the policy: a role the table refuses gets 403 (anonymous: a
sign-in redirect for pages, 401 for the API); a role it admits is never refused, except where an
object belongs to another office (office A's alert for office B's governor). Every POST is refused
without a CSRF token and accepted past the CSRF check with one.
"""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute

from relay.web.access import policy, role_of  # noqa: F401  (role names come from the same module)
from relay.web.routes import MODULES
from tests.web.conftest import ROLES, csrf_of

PERSONA_ROLE = {"anonymous": "anonymous", "contact": "contact", "governor_a": "governor",
                "governor_b": "governor", "ministry": "ministry", "admin": "admin"}
# Office A's objects in the path: office B's governor is admitted by role, refused by ensure_office.
# Office A's alert; Voss, office A's municipality; a contact in Voss.
OFFICE_A_OBJECTS = {"alert_id", "code", "contact_id"}
# Routes that name office A's object but are open to everyone: the alert's public archive page.
OPEN_OBJECT_ROUTES = {"archive_alert"}


def app_routes() -> list[tuple[str, str, str]]:
    """(method, path, name) for every route the page and API modules register."""
    found = []
    for module in MODULES:
        for route in module.router.routes:
            if isinstance(route, APIRoute):
                for method in sorted(route.methods - {"HEAD"}):
                    found.append((method, route.path, route.name))
    return found


# Signing out ends the session (its version is raised): the sweep signs out last.
ROUTES = sorted(app_routes(), key=lambda route: route[2] == "logout")


def test_every_route_is_in_the_policy_table():
    table = policy()
    assert [name for _, _, name in ROUTES if name not in table] == []


def _fill(path: str, world) -> str:
    values = {"item_id": world.item, "alert_id": world.alert_a, "office_id": world.office_a,
              "contact_id": world.contact, "source_id": 1, "token_id": 1, "code": "4621"}
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: str(values.get(m.group(1), "not-a-valid-token")), path)


def _refused(response, path: str) -> bool:
    if response.status_code in (401, 403):
        return True
    return response.status_code in (302, 303, 307) and response.headers.get("location", "").startswith("/login")


@pytest.mark.parametrize("persona", ROLES)
def test_the_policy_decides_every_route_for_every_role(client_for, world, persona):
    table, role, problems = policy(), PERSONA_ROLE[persona], []
    client = client_for(persona)
    token = csrf_of(client)
    for method, template, name in ROUTES:
        path = _fill(template, world)
        data = {"csrf_token": token} if method == "POST" else None
        response = client.request(method, path, data=data, follow_redirects=False)
        admitted = role in table[name]
        object_refusal = persona == "governor_b" and name not in OPEN_OBJECT_ROUTES and any(f"{{{p}}}" in template for p in OFFICE_A_OBJECTS)
        if not admitted:
            expected = 401 if (role == "anonymous" and path.startswith("/api/")) else None
            ok = response.status_code == expected if expected else _refused(response, path)
            if role == "anonymous" and table[name] and not path.startswith("/api/"):
                ok = response.status_code == 303 and response.headers["location"].startswith("/login")
            elif role != "anonymous":
                ok = response.status_code == 403
        elif object_refusal:
            ok = response.status_code == 403
        else:
            ok = not _refused(response, path) and response.status_code != 500
        if not ok:
            problems.append(f"{persona} {method} {path} ({name}, admitted={admitted}) → {response.status_code}")
    assert problems == []


def test_a_governor_cannot_act_for_another_office(client_for, world):
    b = client_for("governor_b")
    token = csrf_of(b)
    office_a = str(world.office_a)
    assert b.get(f"/queue?office={office_a}").status_code == 403
    assert b.get(f"/queue/{world.item}?office={office_a}").status_code == 403
    for action in ("approve", "reject", "draft-nn", "tags"):
        answer = b.post(f"/queue/{world.item}/{action}", data={"csrf_token": token, "office": office_a,
                                                                "title_nb": "x", "sectors": ["child-welfare"],
                                                                "sector": "child-welfare", "present": "1"})
        assert answer.status_code == 403, action
    bulk = b.post("/queue/bulk", data={"csrf_token": token, "office": office_a, "action": "approve",
                                       "item_ids": [str(world.item)]})
    assert bulk.status_code == 403
    assert b.get(f"/alerts/{world.alert_a}").status_code == 403
    assert b.post(f"/alerts/{world.alert_a}/edit", data={"csrf_token": token, "title_nb": "x"}).status_code == 403
    assert b.get(f"/api/v1/alerts/{world.alert_a}").status_code == 403
    assert b.get(f"/alerts/{world.alert_b}").status_code == 200


def test_the_ministry_reads_any_alert_but_edits_none(client_for, world):
    ministry = client_for("ministry")
    page = ministry.get(f"/alerts/{world.alert_a}")
    assert page.status_code == 200 and 'action="/alerts/' not in page.text
    assert ministry.post(f"/alerts/{world.alert_a}/edit", data={"csrf_token": csrf_of(ministry),
                                                                "title_nb": "x"}).status_code == 403


POSTS = [(path, name) for method, path, name in ROUTES if method == "POST" and not path.startswith("/u/")]


@pytest.mark.parametrize(("template", "name"), POSTS, ids=[n for _, n in POSTS])
def test_every_post_is_refused_without_a_csrf_token(client_for, world, template, name):
    """With an admitted persona, so that only the token differs between the two requests."""
    table = policy()
    persona = next(p for p in ("admin", "governor_a", "ministry", "contact", "anonymous")
                   if PERSONA_ROLE[p] in table[name])
    path = _fill(template, world)
    without = client_for(persona)
    csrf_of(without)  # the browser has its CSRF cookie; the form lacks the token
    refused = without.post(path, data={"title_nb": "x"}, follow_redirects=False)
    assert refused.status_code == 403
    with_token = client_for(persona)
    accepted = with_token.post(path, data={"csrf_token": csrf_of(with_token), "title_nb": "x"},
                               follow_redirects=False)
    assert accepted.status_code != 403, accepted.text[:300]
    forged = client_for(persona)
    csrf_of(forged)
    assert forged.post(path, data={"csrf_token": "forged"}, follow_redirects=False).status_code == 403
