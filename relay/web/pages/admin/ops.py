"""Operations pages: /metrics for Prometheus and /admin/incidents, both for administrators.

A Prometheus server is not a signed-in user: its scrape with `Authorization: Bearer <ops.metrics_token>`
is answered by relay.ops.metrics.MetricsMiddleware before it reaches this router. Here /metrics serves
an admin looking at it in the browser (docs/operations.md, "Metrics").
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST

from relay.db import transaction
from relay.ops.incidents import list_incidents
from relay.ops.metrics import render_metrics
from relay.web.access import ADMIN
from relay.web.templating import render

router = APIRouter()
ACCESS = {"metrics": ADMIN, "admin_incidents": ADMIN}


@router.get("/metrics", name="metrics", include_in_schema=False)
def metrics(request: Request):
    return Response(render_metrics(request.app.state.engine), media_type=CONTENT_TYPE_LATEST)


@router.get("/admin/incidents", response_class=HTMLResponse, name="admin_incidents", include_in_schema=False)
def admin_incidents(request: Request):
    with transaction(request.app.state.engine) as session:
        open_, closed = list_incidents(session=session, limit=50)
        return render(request, "ops_incidents.html", {"open_incidents": open_, "closed_incidents": closed})
