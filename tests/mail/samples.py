"""Realistic contexts for every e-mail kind: a Vestland digest with three alerts in two sectors."""

from __future__ import annotations

from datetime import UTC, date, datetime

from relay import links
from relay.mail.context import (
    AlertContext,
    AlertView,
    BounceNoticeContext,
    DigestContext,
    OpsAlertContext,
    OptinContext,
    SectorSection,
    SigninContext,
)
from relay.settings import Settings

OFFICE = "Statsforvaltaren i Vestland"
MUNICIPALITY = "Voss herad"


def _alert(settings: Settings, n: int, **fields) -> AlertView:
    values = dict(
        source_date=date(2025, 3, 11),
        source_url=links.click_url(settings, assignment_id=n, url=f"https://hudoc.echr.coe.int/eng?i=001-24{n:04d}"),
        ack_url=links.ack_url(settings, alert_id=n, contact_id=7),
        ack_deadline="",
        urgent=False,
    )
    values.update(fields)
    return AlertView(**values)


def alerts(settings: Settings, language: str = "nn") -> list[SectorSection]:
    nn = language == "nn"
    return [
        SectorSection("child-welfare", "Barnevern", [
            _alert(
                settings, 1,
                title="Samvær etter omsorgsovertaking" if nn else "Samvær etter omsorgsovertakelse",
                summary=("EMD fann brot på artikkel 8 fordi samværet mellom mor og barn vart avgrensa til "
                         "fire timar i året utan ei konkret vurdering.\n\nDommen byggjer på tidlegare "
                         "praksis mot Noreg."),
                meaning="Barnevernstenesta må vurdere samvær konkret og grunngi avgrensingar grundig.",
                source_label="Den europeiske menneskerettsdomstolen (EMD)",
                ack_deadline=date(2025, 4, 1),
            ),
            _alert(
                settings, 2,
                title="Tilsyn med fosterheimar",
                summary="Europarådet tilrår betre oppfølging av barn i fosterheim, særleg dei første månadene.",
                meaning="Kommunane bør gå gjennom rutinane for oppfølgingsbesøk.",
                source_label="Europarådets menneskerettskommissær",
            ),
        ]),
        SectorSection("health-care", "Helsetenester", [
            _alert(
                settings, 3,
                title="Tvang i psykisk helsevern",
                summary="FNs torturkomité ber Noreg redusere bruken av tvang i helsetenesta.",
                meaning="Kommunane bør sjå over korleis dei samarbeider med spesialisthelsetenesta om tvang.",
                source_label="FNs torturkomité (CAT)",
                source_date="2025-03-07",
            ),
        ]),
    ]


def digest(settings: Settings, language: str = "nn") -> DigestContext:
    return DigestContext(
        recipient_name="Kari Nordmann",
        municipality_name=MUNICIPALITY,
        office_name=OFFICE,
        period_label="10.03.2025–16.03.2025",
        sections=alerts(settings, language),
        preferences_url=links.preferences_url(settings, contact_id=7),
        unsubscribe_url=links.unsubscribe_url(settings, contact_id=7, sectors=["child-welfare", "health-care"]),
    )


def urgent(settings: Settings, language: str = "nn") -> AlertContext:
    base = digest(settings, language)
    one = _alert(settings, 4, title="Barn i asylmottak", summary="Barnekomiteen ber om straks-tiltak.",
                 meaning="Kommunar med mottak må sjå til at barna får skuletilbod.",
                 source_label="FNs barnekomité (CRC)", urgent=True, ack_deadline="2025-03-20")
    return AlertContext(**{**base.__dict__, "sections": [SectorSection("education", "Barnehage og skule", [one])],
                           "alert": one})


def optin(settings: Settings) -> OptinContext:
    return OptinContext(municipality_name=MUNICIPALITY,
                        confirm_url=links.confirm_url(settings, contact_id=7), office_name=OFFICE)


def signin(settings: Settings) -> SigninContext:
    return SigninContext(recipient_name="Ola Nordmann", login_url=f"{settings.base_url}/login/abc.def-ghi",
                         minutes=settings.login_link_minutes)


def bounce_notice(settings: Settings) -> BounceNoticeContext:
    return BounceNoticeContext(
        recipient_name="Ola Nordmann", office_name=OFFICE, municipality_name=MUNICIPALITY,
        contact_name="Barnevernstenesta", contact_email="barnevern@voss.kommune.no",
        diagnostic="smtp; 550 5.1.1 <barnevern@voss.kommune.no>: Recipient address rejected",
        bounced_at=datetime(2025, 3, 12, 8, 30, tzinfo=UTC), bounce_count=3,
        contact_url=f"{settings.base_url}/contacts/7",
    )


def ops_alert(settings: Settings) -> OpsAlertContext:
    return OpsAlertContext(
        recipient_name="", incident_kind="source", incident_subject="hudoc-nor",
        detail="HTTP 503 from hudoc.echr.coe.int on the last 6 runs.",
        since=datetime(2025, 3, 12, 6, 0, tzinfo=UTC), dashboard_url=f"{settings.base_url}/ops",
    )


def context_for(kind: str, settings: Settings, language: str = "nn"):
    return {
        "digest": lambda: digest(settings, language), "alert": lambda: urgent(settings, language),
        "optin": lambda: optin(settings), "signin": lambda: signin(settings),
        "bounce-notice": lambda: bounce_notice(settings), "ops-alert": lambda: ops_alert(settings),
        "survey": lambda: survey(settings),
    }[kind]()


def survey(settings: Settings) -> dict:
    from relay.surveys.links import answer_url

    return {"recipient_name": "Kari Nordmann", "municipality_name": "Voss", "asked_by_name": "Kommunal- og distriktsdepartementet",
            "survey_title": "Får kommunen nok informasjon?", "closes_on": "2026-03-31",
            "answer_url": answer_url(settings, invitation_id=7), "reminder": False}
