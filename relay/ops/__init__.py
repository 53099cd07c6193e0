"""Operations: metrics, structured logs, incidents, retention, privacy, backup (docs/operations.md).

`ops_setting` reads settings.ops.<name> (relay.settings.OpsSettings).
"""

from __future__ import annotations

from relay.settings import OpsSettings

# The defaults, as the docs list them (docs/operations.md); the settings group is the one truth.
DEFAULTS: dict[str, object] = {name: field.default for name, field in OpsSettings.model_fields.items()}


def ops_setting(settings, name: str):
    """settings.ops.<name>, with secrets unwrapped."""
    value = getattr(settings.ops, name)
    secret = getattr(value, "get_secret_value", None)
    return secret() if callable(secret) else value
