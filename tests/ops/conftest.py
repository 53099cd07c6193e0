"""Helpers for the operations tests: the real settings with some `ops` values changed."""

from __future__ import annotations

import pytest


@pytest.fixture
def with_ops(settings):
    """with_ops(name=value, …) → a copy of the test settings with those settings.ops values."""
    return lambda **ops: settings.model_copy(update={"ops": settings.ops.model_copy(update=ops)})
