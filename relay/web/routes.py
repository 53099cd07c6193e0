"""Every page group and API module, in one list. Each module has `router` and `ACCESS`
(route name → roles admitted); relay.web.access builds the one policy table from them."""

from relay.web import pages_login, pages_public, pages_receipts, pages_contacts, pages_reports, pages_subscriptions
from relay.web import api, api_tokens, pages_alerts, pages_audit, pages_queue, pages_sources
from relay.web import pages_digests

MODULES = [
    pages_public,
    pages_login,
    pages_receipts,
    pages_reports,
    pages_subscriptions,
    pages_contacts,
    pages_queue,
    pages_alerts,
    pages_sources,
    pages_audit,
    api,
    api_tokens,
    pages_digests,
]
from relay.web import pages_report_api, pages_report_export  # noqa: E402 - issue 9: report downloads and JSON API

MODULES += [pages_report_export, pages_report_api]
from relay.web import pages_raw_reports  # noqa: E402 - issue 8: raw DSNs and MDNs for admins

MODULES += [pages_raw_reports]
