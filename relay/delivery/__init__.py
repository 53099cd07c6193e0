"""Delivery: the crash-safe outbox, claims and leases, SMTP lanes, the Maildir fallback, DKIM.

Entry points: outbox.enqueue (callers), worker.send_all / run_worker (scheduler, CLI),
claim.sweep_expired_leases (scheduler).
"""
