"""The ladder of evidence: what a message, and then an alert × municipality pair, can be shown to have
reached. Pure functions over facts already read; relay.reports.reach reads them, docs/reports.md
defines each rung.

A message's rung (strongest evidence first):
- confirmed: a delivered DSN or an MDN "displayed" names it (a person's mailbox, or a person, has it);
- failed: a bounce (DSN or 5xx refusal) or a final failure status; a bounce arriving after a
  delivered DSN wins, since it is the later word on the same message;
- handed over: accepted by the municipality's own mail server (direct mode: the MX's 250), or by our
  smarthost with no failure DSN within the quiet period;
- in progress: queued, sending, deferred, or accepted by the smarthost less than the quiet period ago;
- local: written to the local Maildir. Nothing left the machine, so it proves nothing about anybody.

A pair takes the strongest rung among its messages, except that a human click or an acknowledgement
confirms it outright (unless every message it has stayed local: then nobody can have clicked on mail
that never left). A pair without any message is not sent, for a reason: a gap (no working address for
the alert's sectors) or not yet due (the planner will assign it at the next digest).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

NOT_SENT, FAILED, LOCAL, IN_PROGRESS, HANDED_OVER, CONFIRMED = (
    "not-sent", "failed", "local", "in-progress", "handed-over", "confirmed")
# Weakest first: a pair takes the highest of its messages' rungs.
ORDER = (NOT_SENT, FAILED, LOCAL, IN_PROGRESS, HANDED_OVER, CONFIRMED)
GAP, NOT_YET_DUE, WITHDRAWN = "gap", "not-yet-due", "withdrawn"
# How the message was accepted (ReportReach.acceptance; the pages say which a figure rests on).
SMARTHOST, DIRECT = "smarthost", "direct"
# Message.remote_host values that name no mail server: relay/delivery/maildir.py, relay/delivery/direct.py.
LOCAL_HOST = "maildir"
DIRECT_PREFIX = "mx:"
GAVE_UP = ("permanent-failure", "temporary-failure", "technical-failure")
DEFAULT_QUIET = timedelta(days=3)


@dataclass
class MessageFacts:
    status: str
    remote_host: str | None = None
    accepted_at: datetime | None = None
    delivered_at: datetime | None = None  # delivered DSN
    read_at: datetime | None = None  # MDN displayed
    bounced_at: datetime | None = None


@dataclass(frozen=True)
class Rung:
    name: str
    acceptance: str | None = None  # smarthost | direct for handed-over and in-progress acceptance
    settles_at: datetime | None = None  # when time alone will move it (the quiet period ends)


def _latest(*times: datetime | None) -> datetime | None:
    known = [t for t in times if t is not None]
    return max(known) if known else None


def message_rung(m: MessageFacts, *, now: datetime, quiet: timedelta = DEFAULT_QUIET) -> Rung:
    if m.remote_host == LOCAL_HOST:
        return Rung(LOCAL)
    confirmed_at = _latest(m.delivered_at, m.read_at)
    if m.bounced_at is not None and (confirmed_at is None or m.bounced_at >= confirmed_at):
        return Rung(FAILED)
    if confirmed_at is not None:
        return Rung(CONFIRMED)
    if m.status in GAVE_UP:
        return Rung(FAILED)
    if m.accepted_at is None:
        return Rung(IN_PROGRESS)
    if (m.remote_host or "").startswith(DIRECT_PREFIX):
        return Rung(HANDED_OVER, DIRECT)
    settles = m.accepted_at + quiet
    if settles <= now:
        return Rung(HANDED_OVER, SMARTHOST)
    return Rung(IN_PROGRESS, SMARTHOST, settles)


def pair_rung(messages: list[Rung], *, person_evidence: bool, routable: bool,
              withdrawn: bool = False) -> tuple[Rung, str | None]:
    """The pair's rung and, for not-sent, its reason. person_evidence: a human click or an
    acknowledgement; routable: the municipality has a working address for one of the alert's sectors;
    withdrawn: the alert was withdrawn (its pairs are shown, never counted in the roll-ups)."""
    if messages and all(m.name == LOCAL for m in messages):
        return Rung(LOCAL), None
    if person_evidence:
        return Rung(CONFIRMED), None
    if not messages:
        return Rung(NOT_SENT), WITHDRAWN if withdrawn else NOT_YET_DUE if routable else GAP
    best = max(messages, key=lambda r: ORDER.index(r.name))
    if best.name == IN_PROGRESS:
        # The earliest moment any of its messages settles is when the pair must be looked at again.
        settles = [m.settles_at for m in messages if m.name == IN_PROGRESS and m.settles_at is not None]
        best = Rung(IN_PROGRESS, best.acceptance, min(settles) if settles else None)
    elif best.name == HANDED_OVER and any(m.name == HANDED_OVER and m.acceptance == DIRECT for m in messages):
        best = Rung(HANDED_OVER, DIRECT)
    return best, None


def _field(row, name):
    """A report_reach row as a dict (while it is computed) or as a ReportReach (once stored)."""
    return row[name] if isinstance(row, dict) else getattr(row, name)


def is_reached(row) -> bool:
    """Handed over or confirmed: the ministry's "levert uten feil" and "bekreftet mottatt" together."""
    return _field(row, "rung") in (HANDED_OVER, CONFIRMED)


def is_not_reached(row) -> bool:
    return _field(row, "rung") in (FAILED, NOT_SENT)


def rung_counts(row) -> dict[str, int]:
    """The one rung counter (report_cell column) this pair adds to, plus "direct" for a direct handover."""
    rung, reason = _field(row, "rung"), _field(row, "reason")
    if reason == WITHDRAWN:
        return {}  # a withdrawn alert's pair is on no counted rung
    column = {FAILED: "failed", LOCAL: "local", IN_PROGRESS: "in_progress", HANDED_OVER: "handed_over",
              CONFIRMED: "confirmed"}.get(rung) or ("not_sent_due" if reason == NOT_YET_DUE else "not_sent_gap")
    counts = {column: 1}
    if rung == HANDED_OVER and _field(row, "acceptance") == "direct":
        counts["direct"] = 1
    return counts
