"""A partnership's rules as typed data. Everything local lives in the YAML profiles; this module
only says what shape a profile must have, so a wrong field is caught when the profile loads."""
from __future__ import annotations

from datetime import date, time
from typing import Literal, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .vocabulary import Agency, BooleanFact, Concern


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Condition(Strict):
    """All the stated tests must hold (an empty condition always holds)."""

    concerns_any: tuple[Concern, ...] = ()
    facts: tuple[BooleanFact, ...] = ()
    facts_any: tuple[BooleanFact, ...] = ()
    # Each is true or not said: the chair did not say no to it. hackney's school-age child has "the child's
    # school or college" invited unless the chair ticked "Not in education": a school not there to invite.
    facts_not_denied: tuple[BooleanFact, ...] = ()
    age_under: float | None = None
    age_at_least: float | None = None  # the age is known and at least this (a 16- or 17-year-old at college)
    school_age: bool | None = None  # of compulsory school age (the age is known and in SCHOOL_AGE)
    other_child_school_age: bool | None = None  # another child the discussion is about is of compulsory school age
    age_known: bool | None = None
    has_referrer: bool | None = None
    out_of_hours: bool | None = None


class WorkingDays(Strict):
    working_days: int = Field(ge=1, le=60)


# same_day: end of the working day of receipt (EDT: 23:59 that day when received out of hours).
# immediately: used only as a target (the aim), never as a binding deadline.
# next_working_day_start: before the next working day begins (out-of-hours records).
# as_soon_as_practicable: no computable due time.
Within = Union[
    Literal["same_day", "immediately", "next_working_day_start", "as_soon_as_practicable"],
    WorkingDays,
]


class Sourced(Strict):
    text: str = Field(min_length=1)
    source: str = Field(min_length=1)


class Timescale(Sourced):
    rule: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    within: Within
    when: Condition = Condition()
    target: Within | None = None
    target_text: str | None = None

    @field_validator("within")
    @classmethod
    def deadline_is_computable(cls, value):
        if value in ("immediately", "as_soon_as_practicable"):
            raise ValueError(f"a deadline cannot be {value!r}; state it as a target instead")
        return value


class Target(Sourced):
    rule: str
    within: Within


class Timescales(Strict):
    default: Timescale
    rules: tuple[Timescale, ...] = ()
    target: Target | None = None

    @model_validator(mode="after")
    def who_meets_is_not_a_test(self):
        # Who meets (the day team or the Emergency Duty Team) follows from the deadline these rules decide.
        if any(r.when.out_of_hours is not None for r in (self.default, *self.rules)):
            raise ValueError("a timescale cannot test out_of_hours: whether the Emergency Duty Team meets follows from the deadline")
        return self

    @model_validator(mode="after")
    def unique_rule_ids(self):
        ids = [self.default.rule, *(r.rule for r in self.rules)]
        duplicates = {i for i in ids if ids.count(i) > 1}
        if duplicates:
            raise ValueError(f"duplicate timescale rule ids: {', '.join(sorted(duplicates))}")
        return self


class InviteeRule(Strict):
    agency: Agency
    required: bool
    reason: str = Field(min_length=1)
    source: str = Field(min_length=1)
    when: Condition = Condition()


class FormatRule(Sourced):
    rule: str
    format: Literal["meeting"]
    when: Condition


class Formats(Strict):
    default: Sourced
    rules: tuple[FormatRule, ...] = ()


class Quorum(Strict):
    agencies: tuple[Agency, ...] = Field(min_length=1)
    source: str
    not_quorate_text: str  # a noun phrase: "As things stand this is <it>", "Recorded as <it>"
    # Who else stands for a quorum agency: a paediatrician or hospital consultant is the health in the room
    # (bristol: "Health professionals (Community Pediatrician ... Hospital Staff)").
    counts_as: dict[Agency, Agency] = {}
    counts_as_source: str = ""

    @model_validator(mode="after")
    def counts_as_a_quorum_agency(self):
        wrong = [f"{a} -> {b}" for a, b in self.counts_as.items() if b not in self.agencies or a in self.agencies]
        if wrong:
            raise ValueError(f"counts_as must map an agency outside the quorum to one in it: {', '.join(wrong)}")
        if self.counts_as and not self.counts_as_source:
            raise ValueError("counts_as needs its counts_as_source")
        return self


Clock = Literal[
    "information_updates", "record_distribution", "out_of_hours_record",
    "out_of_hours_not_quorate", "not_quorate", "icpc", "s47_review", "assessment", "agency_contact", "lado_notification",
]


# What the discussion's outcome must be for a clock to be owed (one per clock kind, so that the
# assessment and the finalised record name the same clocks for the same facts and decisions).
OwedWhen = Literal["always", "s47_started", "records_not_researched", "held_out_of_hours", "held_out_of_hours_not_quorate",
                   "held_in_hours_not_quorate", "before_discussion"]
OWED_WHEN_TEXT = {
    "always": None,
    "s47_started": "the discussion decides to start section 47 enquiries",
    "records_not_researched": "an agency has not fully researched its records by the discussion",
    "held_out_of_hours": "the discussion is held out of hours (the Emergency Duty Team)",
    "held_out_of_hours_not_quorate": "an out-of-hours discussion is not quorate",
    "held_in_hours_not_quorate": "a discussion in working hours is not quorate",
    "before_discussion": "before the discussion (shown when convening; not owed once it is recorded)",
}


class ClockRule(Sourced):
    clock: Clock
    starts: Literal["referral", "discussion"]
    within: Within
    when: Condition = Condition()
    owed_when: OwedWhen = "always"
    # "As soon as practicable" has no end to count to, so such a clock is not chased unless the profile
    # says from when: the partnership's reading, stated with its own source (a procedures trial: bristol's
    # "inform the LADO" was on no list and chased by nobody).
    chased_after: Within | None = None
    chased_after_source: str | None = None
    # Clocks whose closing (met, or not needed) ends this one as well: hackney's review discussion "if s47
    # enquiries are not concluded within 15 working days" is owed no more once they are, by the conference or
    # the decision that none is needed (a trial: every case with its conference held still listed it overdue).
    concluded_by: tuple[Clock, ...] = ()
    # How many working days ahead its owner is reminded, where the profile's one lead time (chasing) is too
    # short: a conference cannot be arranged the day before it is due (a procedures trial). A reading, sourced.
    remind_working_days_before: int | None = Field(None, ge=1, le=15)
    remind_source: str | None = None

    @model_validator(mode="after")
    def a_reminder_of_its_own_says_whose_reading_it_is(self):
        if (self.remind_working_days_before is None) != (self.remind_source is None):
            raise ValueError(f"{self.clock}: remind_working_days_before and remind_source go together")
        return self

    @model_validator(mode="after")
    def chased_after_reads_as_soon_as_practicable(self):
        if self.chased_after is None:
            if self.chased_after_source is not None:
                raise ValueError("chased_after_source without chased_after")
            return self
        if self.within != "as_soon_as_practicable":
            raise ValueError(f"chased_after reads 'as_soon_as_practicable' only; {self.clock} is due {self.within!r} already")
        if self.chased_after in ("immediately", "as_soon_as_practicable"):
            raise ValueError(f"chased_after cannot be {self.chased_after!r}: it needs a time to chase from")
        if not self.chased_after_source:
            raise ValueError("chased_after needs chased_after_source: whose reading of 'as soon as practicable' it is")
        return self


class SameDay(Strict):
    """The reading of "same day" (PROTOCOL.md §2): the close of the working day unless that leaves
    less than `minimum_hours_to_convene`; then, and out of hours, 23:59 with the Emergency Duty Team."""

    minimum_hours_to_convene: float = Field(ge=0, le=8)
    source: str = Field(min_length=1)


class Baseline(Strict):
    """The national rules every local profile extends (protocol/baselines/)."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    name: str
    seed: str
    same_day: SameDay
    invitees: tuple[InviteeRule, ...] = ()
    clocks: tuple[ClockRule, ...] = ()


class WorkingHours(Strict):
    starts: time = time(9, 0)
    ends: time = time(17, 0)

    @model_validator(mode="after")
    def ordered(self):
        if self.starts >= self.ends:
            raise ValueError("working_hours.starts must be before working_hours.ends")
        return self


class MeetingRules(Strict):
    """When a meeting can be held, for the slots the bot proposes."""

    minutes: int = Field(60, ge=15, le=240)
    paediatrician_notice_hours: float = Field(0, ge=0, le=72)
    paediatrician_earliest: time | None = None
    source: str = ""


RecordField = Literal[
    "household", "other_children", "reason", "purpose", "concerns", "duration", "frequency", "severity", "intent",
    "impact", "background", "risk", "protective", "whereabouts", "seen_alone", "interpreter", "others_affected",
    "shared_with_family", "legal_action", "safe_discharge",
]


class RequiredWhen(Strict):
    """A part of the record required for some cases only (safe discharge, for a child in hospital)."""

    field: RecordField
    when: Condition
    source: str


class RecordRules(Strict):
    """Which parts of the record (PROTOCOL.md §5) must be filled in before it can be finalised."""

    required: tuple[RecordField, ...] = ("household", "reason", "purpose", "concerns", "severity", "impact", "background",
                                         "risk", "protective", "whereabouts", "seen_alone", "shared_with_family")
    required_when: tuple[RequiredWhen, ...] = ()
    source: str = ""


class ChasingRules(Strict):
    """How the bot follows up what is owed: a reminder the working day before, a chase on the
    day, then up the ladder (owner -> agency lead -> chair -> chair's manager) after these
    working hours overdue."""

    remind_working_days_before: int = Field(1, ge=0, le=5)
    ladder_working_hours: tuple[float, float, float] = (4, 8, 8)
    quorum_warning_hours: float = Field(2, ge=0, le=48)  # tell the chair this long before a meeting without quorum
    source: str = ""


class DisagreementRules(Strict):
    """Professional disagreement (PROTOCOL.md §7): the chair records it, it never blocks the discussion,
    and the managers named here are told, with the escalation policy the procedures name (none named:
    the bot says so). `tell`: the disagreeing agency's lead and the chair's manager (the directory's
    social care lead), as on the chasing ladder."""

    policy: str | None = Field(None, min_length=1, max_length=120)
    link: str | None = Field(None, pattern=r"^https://\S+$", max_length=300)
    tell: tuple[Literal["agency_lead", "chair_manager"], ...] = ("agency_lead", "chair_manager")
    source: str = ""

    @model_validator(mode="after")
    def a_policy_says_where_it_comes_from(self):
        if self.policy and not self.source:
            raise ValueError("disagreement: a policy needs its source (the procedure that names it)")
        if self.link and not self.policy:
            raise ValueError("disagreement: a link needs the policy it is for")
        return self


class Profile(Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    name: str
    seed: str
    extends: str | None = None  # a baseline in protocol/baselines/, merged in by protocol.loading
    same_day: SameDay
    time_zone: str = "Europe/London"
    holiday_region: Literal["ENG", "WLS", "SCT", "NIR"] = "ENG"
    closure_days: tuple[date, ...] = ()
    working_hours: WorkingHours = WorkingHours()
    timescales: Timescales
    invitees: tuple[InviteeRule, ...]
    formats: Formats
    quorum: Quorum
    clocks: tuple[ClockRule, ...] = ()
    meetings: MeetingRules = MeetingRules()
    record: RecordRules = RecordRules()
    chasing: ChasingRules = ChasingRules()
    disagreement: DisagreementRules = DisagreementRules()

    def chasing_for(self, kind: str) -> ChasingRules:
        """The chasing rules for an obligation of this kind: the profile's, with its clock's own reminder if it has one."""
        own = next((c.remind_working_days_before for c in self.clocks if c.clock == kind and c.remind_working_days_before), None)
        return self.chasing if own is None else self.chasing.model_copy(update={"remind_working_days_before": own})

    @field_validator("time_zone")
    @classmethod
    def known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @model_validator(mode="after")
    def quorum_agencies_are_invited(self):
        always = {r.agency for r in self.invitees if r.required and r.when == Condition()}
        missing = [a for a in self.quorum.agencies if a not in always]
        if missing:
            raise ValueError(f"quorum agencies must always be required invitees: {', '.join(missing)}")
        return self

    @model_validator(mode="after")
    def a_clock_is_concluded_by_clocks_it_has(self):
        named = {rule.clock for rule in self.clocks}
        for rule in self.clocks:
            if unknown := [c for c in rule.concluded_by if c not in named or c == rule.clock]:
                raise ValueError(f"clock {rule.clock}: concluded_by names {', '.join(unknown)}, not another clock of this profile")
        return self
