"""The document tests' fixtures (defined in tests/documents/support.py, which tests/web imports too)."""

from tests.documents.support import http, ohchr  # noqa: F401 - fixtures found by name
