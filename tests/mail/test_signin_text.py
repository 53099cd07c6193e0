"""The sign-in mail's text part has no button, so it points at the link instead (issue 21)."""

from __future__ import annotations

import pytest

from relay.i18n import LANGUAGES
from tests.mail.conftest import build, parse, parts


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_text_part_points_at_the_link_not_a_button(settings, language):
    text, _html = parts(parse(build("signin", settings, language)))
    assert "knapp" not in text.casefold() and "button" not in text.casefold()
    assert {"nb": "lenken nedenfor", "nn": "lenkja nedanfor", "en": "link below", "sv": "länken nedan"}[language] in text
    assert "\nhttps://" in text  # the link itself, on its own line
