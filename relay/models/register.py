"""Organisations: ministries, Statsforvalter offices, counties and municipalities (and the Swedish profile)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from relay.models.base import Base

# kind values: ministry, office, county, municipality (Norway); lansstyrelse, region, lan, kommun (Sweden)
MALFORMS = ("bokmal", "nynorsk", "noytral")


class Organisation(Base):
    __tablename__ = "organisation"
    __table_args__ = (UniqueConstraint("profile", "kind", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    profile: Mapped[str] = mapped_column(String(2))  # "no" or "se"
    kind: Mapped[str] = mapped_column(String(20), index=True)
    code: Mapped[str] = mapped_column(String(20))  # kommunenummer, fylkesnummer, orgnr or ministry code
    name: Mapped[str] = mapped_column(String(200))
    org_number: Mapped[str | None] = mapped_column(String(20))
    county_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    office_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    malform: Mapped[str | None] = mapped_column(String(10))  # bokmal | nynorsk | noytral
    malform_source: Mapped[str | None] = mapped_column(Text)
    malform_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    sami_area: Mapped[bool] = mapped_column(Boolean, default=False)
    previous_code: Mapped[str | None] = mapped_column(String(20))  # the 2020-2023 kommunenummer
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    mail_domains: Mapped[str | None] = mapped_column(Text)  # space-separated, for self sign-up
    fallback_email: Mapped[str | None] = mapped_column(String(320))  # the municipality's postmottak

    county: Mapped[Organisation | None] = relationship(
        remote_side="Organisation.id", foreign_keys=[county_id]
    )
    office: Mapped[Organisation | None] = relationship(
        remote_side="Organisation.id", foreign_keys=[office_id]
    )
    names: Mapped[list[OrganisationName]] = relationship(back_populates="organisation", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<Organisation {self.kind} {self.code} {self.name}>"


class OrganisationName(Base):
    """A name form with its validity period, so renamings never rewrite history."""

    __tablename__ = "organisation_name"
    __table_args__ = (UniqueConstraint("organisation_id", "form", "valid_from"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    form: Mapped[str] = mapped_column(String(20))  # official, sme, sma, smj, fkv
    name: Mapped[str] = mapped_column(String(300))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)

    organisation: Mapped[Organisation] = relationship(back_populates="names")
