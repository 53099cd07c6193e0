"""Operations: metrics, structured logs, incidents, retention, privacy, backup (docs/operations.md).

`ops_setting` reads settings.ops.<name>. Until the `ops` group exists in relay/settings.py the
defaults below apply, so every job works on a fresh checkout; DEFAULTS is also what the docs list.
"""

from __future__ import annotations

DEFAULTS: dict[str, object] = {
    "metrics_token": "",  # bearer token for /metrics (secret: RELAY_OPS__METRICS_TOKEN or _FILE)
    "log_format": "text",  # text | json
    "log_level": "INFO",
    "source_failing_minutes": 720,  # a source failing this long opens an incident
    "outbox_max_age_minutes": 60,  # the oldest queued message older than this opens one
    "bounce_rate_threshold": 0.10,  # bounced / sent over the window
    "bounce_window_hours": 24,
    "bounce_min_messages": 20,  # fewer sent messages than this: no bounce-rate judgement
    "leader_stale_minutes": 5,  # no scheduler leader seen for this long opens an incident
    "erase_unsubscribed_days": 30,  # unsubscribed contacts' addresses erased after this many days
}


def ops_setting(settings, name: str):
    """settings.ops.<name>, or the default while the settings group is not declared yet."""
    value = getattr(getattr(settings, "ops", None), name, DEFAULTS[name])
    secret = getattr(value, "get_secret_value", None)
    return secret() if callable(secret) else value
