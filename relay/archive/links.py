"""The alert's stable public address, the one mail links and feeds point to."""

from __future__ import annotations

from relay.settings import Settings


def public_alert_path(alert_id: int, language: str = "nb") -> str:
    """/archive/<id>, with ?lang=nn for the nynorsk text (bokmål is the page's own default)."""
    return f"/archive/{alert_id}" + ("?lang=nn" if language == "nn" else "")


def public_alert_url(settings: Settings, *, alert_id: int, language: str = "nb") -> str:
    return settings.base_url + public_alert_path(alert_id, language)
