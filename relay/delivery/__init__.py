"""Delivery: the crash-safe outbox, claims and leases, SMTP lanes, the Maildir fallback, DKIM.

Entry points: outbox.enqueue (callers), worker.send_all / run_worker (scheduler, CLI),
claim.sweep_expired_leases (scheduler), wakeup (senders and the planner woken at commit).
"""

from relay.delivery import wakeup  # noqa: F401 - registers the commit hooks wherever delivery is imported
