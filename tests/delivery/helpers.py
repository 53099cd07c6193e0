"""Building outbox rows and SMTP settings for the delivery tests."""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime

from pydantic import SecretStr

from relay.db import transaction
from relay.delivery.outbox import enqueue
from relay.models import utcnow


def build(to: str, key: str, *, size: int = 0, when: datetime | None = None) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Relay <relay@relay.test>"
    message["To"] = to
    message["Subject"] = f"Nytt frå Relay {key}"
    message["Date"] = format_datetime(when or utcnow())
    message["Message-ID"] = f"<{key}@relay.test>"
    message["List-Id"] = "Relay digests <digest.4621.relay.test>"
    message["List-Unsubscribe"] = "<https://relay.test/u/tok>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content("Samvær etter omsorgsovertaking.\n" + "x" * size)
    return message


def queue(engine, addresses: list[str], *, now: datetime | None = None, deadline_hours: float = 72,
          prefix: str = "m", size: int = 0) -> list[int]:
    """Enqueue one message per address; returns the row ids."""
    ids = []
    with transaction(engine) as session:
        for n, address in enumerate(addresses):
            key = f"{prefix}{n}"
            row = enqueue(session=session, purpose_key=f"test:{key}", kind="alert", to_address=address,
                          envelope_from="bounces+x@relay.test", message=build(address, key, size=size, when=now),
                          subject=f"Nytt frå Relay {key}", message_id_header=f"<{key}@relay.test>",
                          now=now, deadline_hours=deadline_hours)
            ids.append(row.id)
    return ids


def with_smtp(settings, **smtp):
    if "password" in smtp:
        smtp["password"] = SecretStr(smtp["password"])
    return settings.model_copy(update={"smtp": settings.smtp.model_copy(update=smtp)})
