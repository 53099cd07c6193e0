"""The annual report's chapter on sufficiency, knowledge and follow-up: the year's surveys, how often
the archive and its feeds were read (counted without personal data), and the share of acknowledged
alerts the municipalities marked for follow-up. Plain values, so the report's JSON carries them too."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from relay.archive.counts import feed_readers, hit_totals
from relay.models import Organisation, Survey
from relay.settings import get_settings
from relay.surveys.evidence import rungs_for
from relay.surveys.results import survey_results


def knowledge_chapter(*, session: Session, year: int, language: str, office_id: int | None = None) -> dict:
    start, end = date(year, 1, 1), date(year + 1, 1, 1)
    surveys = session.scalars(select(Survey).where(
        Survey.closes_on >= start, Survey.opens_on < end, Survey.state != "draft").order_by(Survey.closes_on)).all()
    rows = []
    for survey in surveys:
        if office_id is not None and survey.office_id not in (None, office_id):
            continue
        result = survey_results(session=session, settings=get_settings(), survey=survey, language=language,
                                may_read_text=False, office_id=office_id)
        scores = [row[5] for row in result.tables[3].rows if row[5] is not None]
        rows.append({"title": survey.title, "invited": result.invited, "answered": result.answered,
                     "rate": result.rate, "score": round(sum(scores) / len(scores), 1) if scores else None})
    municipalities = None
    if office_id is not None:
        municipalities = list(session.scalars(select(Organisation.id).where(Organisation.office_id == office_id)))
    rungs = rungs_for(session=session, municipality_ids=municipalities,
                      start=datetime(year, 1, 1, tzinfo=UTC), end=datetime(year + 1, 1, 1, tzinfo=UTC))
    acknowledged = [r for r in rungs if r.acknowledged]
    following = sum(1 for r in acknowledged if r.follow_up in ("will-follow-up", "followed-up"))
    hits = hit_totals(session=session, start=start, end=end)
    return {
        "surveys": rows,
        "page_views": hits.get("page", 0), "searches": hits.get("search", 0), "feed_fetches": hits.get("feed", 0),
        "feeds_daily": feed_readers(session=session, start=start, end=end),
        "acknowledged": len(acknowledged), "following_up": following,
        "follow_up_share": round(100 * following / len(acknowledged), 1) if acknowledged else None,
    }
