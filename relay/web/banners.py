"""Confirmation banners after an action: what happened, what happens next, and when the mail leaves.

A handler that redirects after a form adds ?notice=<kind> to the address it sends the browser to;
base.html shows the banner (role="status", so a screen reader announces it). Only the kinds below
exist: anything else in ?notice= is ignored, so the address cannot put words on a page.

When the mail leaves follows the scheduler (relay/scheduler.py): planning runs every minute and the
sender every 15 seconds, so an urgent alert, or one to an "immediate" subscriber, leaves within about
75 seconds; weekly digests are planned when the week ends (Monday 00:00 Norwegian time), monthly
ones when the month ends; a municipality with no subscriber gets it at its postmottak with the weekly
digest (relay/digests/plan.py).
"""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from relay.dates import as_local, show_moment
from relay.db import transaction
from relay.digests.periods import local_midnight_utc, period_containing
from relay.models import Alert, AlertSector, AlertTarget, Contact, Subscription, utcnow

KINDS = ("approved", "rejected", "bulk", "tag_added", "tag_removed", "contact_added", "imported")
IMMEDIATE_WITHIN = timedelta(seconds=75)


def banner_for(request, t, lang: str) -> dict | None:
    """{title, lines} for ?notice= on this request, or None."""
    kind = request.query_params.get("notice")
    if kind not in KINDS:
        return None
    if kind == "approved":
        match = re.fullmatch(r"/alerts/(\d{1,9})", request.url.path)
        if match:
            return _approved(request, t, lang, int(match.group(1)))
    return {"title": t(f"desk.banner.{kind}.title"), "lines": [t(f"desk.banner.{kind}.next")]}


def _approved(request, t, lang: str, alert_id: int) -> dict | None:
    settings = request.app.state.settings
    with transaction(request.app.state.engine) as session:
        alert = session.get(Alert, alert_id)
        if alert is None:
            return None
        by_frequency = _subscribers(session, alert)
    zone, now = settings.timezone, utcnow()
    soon = show_moment(now + IMMEDIATE_WITHIN, lang, zone)
    lines = []
    if alert.priority == "urgent":
        lines.append(t("desk.banner.approved.urgent", count=sum(by_frequency.values()), when=soon))
    else:
        if by_frequency.get("immediate"):
            lines.append(t("desk.banner.approved.immediate", count=by_frequency["immediate"], when=soon))
        for frequency in ("weekly", "monthly"):
            if by_frequency.get(frequency):
                lines.append(t(f"desk.banner.approved.{frequency}", count=by_frequency[frequency],
                               when=show_moment(_period_end(frequency, now, zone), lang, zone)))
    if not by_frequency:
        lines.append(t("desk.banner.approved.nobody"))
    lines.append(t("desk.banner.approved.fallback"))
    return {"title": t("desk.banner.approved.title"), "lines": lines}


def _subscribers(session, alert: Alert) -> dict[str, int]:
    """Active subscribers in the alert's municipalities and sectors, by frequency (a contact counted once,
    at its most frequent subscription)."""
    rows = session.execute(
        select(Contact.id, Subscription.frequency)
        .join(Subscription, Subscription.contact_id == Contact.id)
        .join(AlertTarget, AlertTarget.municipality_id == Contact.municipality_id)
        .join(AlertSector, (AlertSector.sector == Subscription.sector) & (AlertSector.alert_id == alert.id))
        .where(AlertTarget.alert_id == alert.id, Subscription.active.is_(True), Contact.status == "active",
               Contact.kind != "fallback"))
    order = {"immediate": 0, "weekly": 1, "monthly": 2}
    best: dict[int, str] = {}
    for contact_id, frequency in rows:
        if contact_id not in best or order.get(frequency, 9) < order.get(best[contact_id], 9):
            best[contact_id] = frequency
    counts: dict[str, int] = {}
    for frequency in best.values():
        counts[frequency] = counts.get(frequency, 0) + 1
    return counts


def _period_end(frequency: str, now, zone: str):
    """When the period containing today ends (its digest is planned then), in UTC."""
    _, end = period_containing(frequency, as_local(now, zone).date())
    return local_midnight_utc(end, zone)
