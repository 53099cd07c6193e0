"""The annual evaluation a ministry can attach to a white paper: the year's figures by county and
sector, with the method, as HTML and as PDF (WeasyPrint), in bokmål, nynorsk or English."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.orm import Session

from relay.dates import show_date
from relay.i18n import translator
from relay.models import utcnow
from relay.reports import charts
from relay.reports.national import national_report
from relay.reports.reach import REPORT_TZ, quiet_period
from relay.reports.schemas import AnnualReport, Filters
from relay.reports.tables import fmt, national_tables
from relay.settings import home

STATIC = Path(__file__).resolve().parent.parent / "web" / "static"
REPORT_LANGUAGES = ("nb", "nn", "en")


def annual_report(*, session: Session, year: int, language: str = "nb", office_id: int | None = None,
                  today: date | None = None) -> AnnualReport:
    filters = Filters(start=f"{year}-01", end=f"{year}-12", office_id=office_id)
    national = national_report(session=session, filters=filters, language=language)
    covered = sum(1 for m in national.municipalities) - len(national.gaps)
    today = today or utcnow().astimezone(REPORT_TZ).date()
    # A year not yet over is reported "per <date>", never "at the end of the year".
    as_of = today if today.year <= year else None
    from relay.surveys.annual import knowledge_chapter  # issue 23's chapter

    return AnnualReport(year=year, language=language, national=national, as_of=as_of,
                        municipalities_total=len(national.municipalities), municipalities_fully_covered=covered,
                        chapters={"knowledge": knowledge_chapter(session=session, year=year, language=language,
                                                                 office_id=office_id)})


def render_html(report: AnnualReport, *, for_pdf: bool = False) -> str:
    """A standalone document: the web serves it as is and WeasyPrint prints the same markup."""
    t = translator(report.language)
    env = Environment(loader=FileSystemLoader(str(home() / "templates" / "web")), autoescape=select_autoescape())
    template = env.get_template("report_annual.html")
    return template.render(
        report=report, n=report.national, t=t, lang=report.language, for_pdf=for_pdf, fmt=fmt,
        date_text=lambda day: show_date(day, report.language),
        quiet_days=f"{quiet_period().total_seconds() / 86400:g}",
        tables={tb.key: tb for tb in national_tables(report.national, t, annual=True)},
        trend=charts.trend_chart(report.national.by_month, t, report.language),
        counties=charts.bar_chart(report.national.by_county, t, "reports.chart.counties", report.language),
        stylesheet=(STATIC / "charts" / "annual.css").as_uri() if for_pdf else "/static/charts/annual.css",
    )


def render_pdf(report: AnnualReport) -> bytes:
    from weasyprint import HTML  # imported here: only the PDF needs pango

    # PDF/UA-1: a tagged PDF (structure, language, title) that screen readers can read.
    return HTML(string=render_html(report, for_pdf=True), base_url=str(STATIC)).write_pdf(pdf_variant="pdf/ua-1")
