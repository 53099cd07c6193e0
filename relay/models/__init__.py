"""The nouns of ARCHITECTURE.md as SQLAlchemy models, one module per aggregate."""

from relay.models.archive import ArchiveHit, ArchiveOffice
from relay.models.base import Base, utcnow
from relay.models.contacts import FREQUENCIES, Contact, Subscription
from relay.models.curation import Alert, AlertSector, AlertTarget, Review
from relay.models.delivery import (
    FINAL_STATUSES,
    MESSAGE_STATUSES,
    Assignment,
    Attempt,
    Digest,
    DigestRun,
    DomainBudget,
    Message,
    MessageBody,
)
from relay.models.documents import Document
from relay.models.items import AlertParagraph, Item, ItemAlias, ItemChange, Source, SourceRun, Tag
from relay.models.ops import ReceiptEventMonth
from relay.models.people import ROLES, ApiToken, AuditEntry, Heartbeat, Incident, LoginToken, User
from relay.models.receipts import EVENT_KINDS, FOLLOW_UPS, Acknowledgement, RawReport, ReceiptEvent
from relay.models.register import MALFORMS, Organisation, OrganisationName
from relay.models.reports import (
    ReportAlert,
    ReportCell,
    ReportLatency,
    ReportMunicipalityMonth,
    ReportReach,
    ReportState,
)
from relay.models.surveys import Survey, SurveyAnswer, SurveyInvitation
from relay.models.tagging import TagLabel

__all__ = [
    "Base", "utcnow", "Organisation", "OrganisationName", "MALFORMS", "Source", "SourceRun", "Item", "ItemAlias",
    "ItemChange", "Tag", "AlertParagraph", "Review", "Alert", "AlertSector", "AlertTarget", "Contact", "Subscription", "FREQUENCIES",
    "DigestRun", "Digest", "DomainBudget", "Assignment", "Message", "MessageBody", "Attempt", "MESSAGE_STATUSES", "FINAL_STATUSES",
    "ReceiptEvent", "ReceiptEventMonth", "Acknowledgement", "RawReport", "EVENT_KINDS", "FOLLOW_UPS", "User",
    "LoginToken", "ApiToken", "AuditEntry", "Heartbeat", "Incident", "ROLES", "Document",
    "ReportAlert", "ReportCell", "ReportLatency", "ReportMunicipalityMonth", "ReportReach", "ReportState",
    "TagLabel",
    "ArchiveOffice", "ArchiveHit", "Survey", "SurveyInvitation", "SurveyAnswer",
]
