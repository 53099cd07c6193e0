"""docs/configuration.md, written from the settings model so the two cannot drift apart.

Regenerate after adding a setting: `python -m relay.settings_docs > docs/configuration.md`.
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import BaseModel, SecretStr

from relay.settings import Settings

HEADER = """# Configuration

Every setting, its default and what it does. Set it in `config/relay.toml`, or override it with
`RELAY_<NAME>` (nested: `RELAY_SMTP__HOST`). Secrets (marked) are read only from the environment or
from a file named by `RELAY_<NAME>_FILE`. `relay check` validates everything at once.

This page is generated: `python -m relay.settings_docs > docs/configuration.md`.

| setting | environment | default | meaning |
|---|---|---|---|
"""


def rows(model: type[BaseModel] = Settings, prefix: str = "") -> Iterator[tuple[str, str, str, str]]:
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            yield from rows(annotation, f"{prefix}{name}.")
            continue
        default = field.get_default(call_default_factory=True)
        shown = "(secret)" if isinstance(default, SecretStr) or annotation is SecretStr else str(default)
        env = "RELAY_" + (prefix + name).replace(".", "__").upper()
        yield prefix + name, env, shown, field.description or ""


def render() -> str:
    lines = [f"| `{name}` | `{env}` | `{default}` | {meaning} |" for name, env, default, meaning in rows()]
    return HEADER + "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render(), end="")
