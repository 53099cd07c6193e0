"""Helpers for the operations tests: settings with an `ops` group before relay/settings.py has one."""

from __future__ import annotations

from types import SimpleNamespace

import pytest


class WithOps:
    """The real settings, plus settings.ops.<name> values for this test."""

    def __init__(self, settings, **ops):
        self._settings = settings
        self.ops = SimpleNamespace(**ops)

    def __getattr__(self, name):
        return getattr(self._settings, name)


@pytest.fixture
def with_ops(settings):
    return lambda **ops: WithOps(settings, **ops)
