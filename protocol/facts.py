"""The case facts an assessment starts from, validated strictly: an unknown key or value is an
error that names it, never a silent default (a mistyped concern must not shorten a deadline)."""
from __future__ import annotations

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from .vocabulary import Concern


class Facts(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    received_at: AwareDatetime
    concerns: tuple[Concern, ...] = ()
    forensic_evidence_needed: bool | None = None
    immediate_protective_action: bool | None = None
    in_education: bool | None = None
    looked_after: bool | None = None
    in_hospital: bool | None = None
    inpatient: bool | None = None
    medical_implications: bool | None = None
    complex_disability_or_medical: bool | None = None
    adult_services_involved: bool | None = None
    other_authority_involved: bool | None = None
    child_age_years: float | None = Field(default=None, ge=0, le=25)
    referrer_agency: str | None = Field(default=None, min_length=1, max_length=120)

    def is_true(self, fact: str) -> bool:
        return getattr(self, fact) is True
