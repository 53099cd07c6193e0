"""The optional open-tracking image: off by default, and when on, recorded as `image-loaded`, never `read`.

Apple Mail Privacy Protection fetches every image soon after delivery, Outlook blocks remote
images, and scanners fetch them too (DELIVERY-AND-RECEIPTS 3.7), so a load proves only that
something fetched the image. It never enters reach, read or acknowledgement figures.
"""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from relay.models import Message, ReceiptEvent, utcnow
from relay.settings import Settings
from relay.store.upsert import insert_ignore
from relay.tokens import claim_str, sign, verify

PURPOSE = "open-pixel"
# The smallest transparent 1×1 GIF (43 bytes).
GIF = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
_BODY_END = re.compile(r"</body\s*>", re.IGNORECASE)


def pixel_url(settings: Settings, message_key: str) -> str:
    token = sign(settings.signing_keys(), PURPOSE, {"m": message_key})
    return f"{settings.base_url}/o/{token}.gif"


def read_pixel(settings: Settings, token: str) -> str:
    """The message key, or TokenError. No expiry: an old message may be opened years later."""
    return claim_str(verify(settings.signing_keys(), PURPOSE, token, max_age_seconds=None), "m", max_length=200)


def add_to_html(html: str, url: str) -> str:
    """The image just before </body> (or at the end), hidden from screen readers by its empty alt."""
    tag = f'<img src="{url}" width="1" height="1" alt="" style="display:block;border:0" aria-hidden="true">'
    ends = list(_BODY_END.finditer(html))
    if not ends:
        return html + tag
    at = ends[-1].start()
    return html[:at] + tag + html[at:]


def record_image_load(*, session: Session, message_key: str, user_agent: str,
                      now: datetime | None = None) -> bool:
    """One event per message and user agent: a proxy's prefetch and a client's own load stay apart,
    while repeated loads by the same client do not pile up. True when recorded now."""
    message = session.scalars(select(Message).where(Message.purpose_key == message_key)).first()
    if message is None:
        return False
    agent = hashlib.sha256(user_agent.encode()).hexdigest()[:16]
    return insert_ignore(session, ReceiptEvent, {
        "dedupe_key": f"image-loaded:{message.id}:{agent}", "kind": "image-loaded", "occurred_at": now or utcnow(),
        "message_id": message.id, "contact_id": message.contact_id,
        "municipality_id": message.contact.municipality_id if message.contact else None,
        "evidence": {"user_agent": user_agent[:300], "note": "an image load is not evidence of reading"},
    }, ["dedupe_key"])
