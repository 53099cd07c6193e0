"""Every page group and API module, in one list. Each module has `router` and `ACCESS`
(route name → roles admitted); relay.web.access builds the one policy table from them.
The pages live in relay.web.pages by room: public, desk (the governor's), dashboard (the ministry's
reports and surveys) and admin."""

from relay.web import api, api_tokens
from relay.web.pages.admin import audit, ops, raw_reports, sources
from relay.web.pages.dashboard import municipality, report_api, report_export, reports, surveys
from relay.web.pages.desk import alerts, contacts, digests, queue
from relay.web.pages.public import (
    archive,
    archive_feeds,
    front,
    login,
    receipts,
    subscriptions,
    survey_answer,
)

MODULES = [
    front,
    archive_feeds,
    archive,
    municipality,
    login,
    receipts,
    reports,
    report_export,
    report_api,
    subscriptions,
    contacts,
    queue,
    alerts,
    digests,
    sources,
    audit,
    raw_reports,
    ops,
    surveys,
    survey_answer,
    api,
    api_tokens,
]
