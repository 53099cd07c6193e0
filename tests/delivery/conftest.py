import pytest

from relay.delivery.ratelimit import reset_shared_limiters


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """The domain buckets live in the process; one test's sends must not slow the next."""
    reset_shared_limiters()
    yield
    reset_shared_limiters()
