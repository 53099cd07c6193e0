"""Every page group and API module, in one list. Each module has `router` and `ACCESS`
(route name → roles admitted); relay.web.access builds the one policy table from them."""

from relay.web import (
    api,
    api_tokens,
    pages_alerts,
    pages_audit,
    pages_contacts,
    pages_digests,
    pages_login,
    pages_ops,
    pages_public,
    pages_queue,
    pages_raw_reports,
    pages_receipts,
    pages_report_api,
    pages_report_export,
    pages_reports,
    pages_sources,
    pages_subscriptions,
)

MODULES = [
    pages_public,
    pages_login,
    pages_receipts,
    pages_reports,
    pages_report_export,
    pages_report_api,
    pages_subscriptions,
    pages_contacts,
    pages_queue,
    pages_alerts,
    pages_digests,
    pages_sources,
    pages_audit,
    pages_raw_reports,
    pages_ops,
    api,
    api_tokens,
]
