"""Helpers for the e-mail tests: build any kind in any language and parse it back as a receiver would."""

from __future__ import annotations

import email
import email.policy

import pytest

from relay.mail.compose import ComposedMessage, build_message
from relay.mail.context import as_dict
from tests.mail import samples

SUBSCRIPTION_KINDS = ("digest", "alert")


def build(kind: str, settings, language: str = "nn", context=None, **overrides) -> ComposedMessage:
    subscription = kind in SUBSCRIPTION_KINDS
    context = context if context is not None else samples.context_for(kind, settings, language)
    arguments = dict(
        to="kari.nordmann@voss.kommune.no",
        language=language,
        context=context,
        settings=settings,
        message_key=f"{kind}:42:7",
        list_id="digest.4621" if subscription else None,
        # The same signed URL as in the footer, as relay.digests.render passes it.
        unsubscribe_url=as_dict(context)["unsubscribe_url"] if subscription else None,
    )
    arguments.update(overrides)
    return build_message(kind, **arguments)


def parse(composed: ComposedMessage) -> email.message.EmailMessage:
    return email.message_from_bytes(composed.message.as_bytes(), policy=email.policy.default)


def parts(message) -> tuple[str, str]:
    """The text and HTML bodies, with the wire's CRLF line ends turned back into newlines."""
    return tuple(message.get_body((sub,)).get_content().replace("\r\n", "\n") for sub in ("plain", "html"))


@pytest.fixture
def build_mail():
    return build
