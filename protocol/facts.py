"""The case facts an assessment starts from, validated strictly: an unknown key or value is an
error that names it, never a silent default (a mistyped concern must not shorten a deadline).
Strict means strict: yes/no are true/false, never "yes" or 1; an age is a number, never "9" or
true; the time received is an ISO 8601 time with its offset, never a Unix timestamp."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StrictBool, field_validator

from .vocabulary import Concern

YesNo = Annotated[StrictBool | None, Field(default=None)]
EARLIEST, LATEST = 2000, 2100  # a received time outside these years is a typing slip (and 9999 overflows the calendar)


class Facts(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    received_at: AwareDatetime
    concerns: tuple[Concern, ...] = Field(default=(), max_length=40)
    forensic_evidence_needed: YesNo
    immediate_protective_action: YesNo
    in_education: YesNo
    looked_after: YesNo
    in_hospital: YesNo
    inpatient: YesNo
    medical_implications: YesNo
    complex_disability_or_medical: YesNo
    adult_services_involved: YesNo
    other_authority_involved: YesNo
    sarc_referral: YesNo
    # A strategy discussion is about a child (Children Act 1989 s47): under 18 on the day of receipt.
    child_age_years: Annotated[float | None, Field(default=None, ge=0, lt=18, strict=True)]
    # The other children the discussion is about (siblings, others in the household), by age: a rule
    # for the child may be owed for one of them too (their school, a procedures expert's finding).
    other_children_ages: tuple[Annotated[float, Field(ge=0, lt=18, strict=True)], ...] = Field(default=(), max_length=20)
    referrer_agency: str | None = Field(default=None, min_length=1, max_length=120)

    @field_validator("received_at", mode="before")
    @classmethod
    def an_iso_time(cls, value):
        if isinstance(value, datetime):
            return value
        if not isinstance(value, str) or "T" not in value and " " not in value.strip():
            raise ValueError("must be an ISO 8601 time with its offset, e.g. 2026-11-23T10:00:00+00:00 (not a Unix timestamp)")
        return value

    @field_validator("received_at")
    @classmethod
    def a_plausible_year(cls, value: datetime) -> datetime:
        if not EARLIEST <= value.year <= LATEST:
            raise ValueError(f"the year must be between {EARLIEST} and {LATEST}")
        return value

    def is_true(self, fact: str) -> bool:
        return getattr(self, fact) is True
