"""The assessment: from case facts and a profile to the deadline, format, invitees, quorum and
clocks, each answer carrying the rule and source that produced it."""
from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta

from .conditions import holds
from .deadlines import WorkingDayCalendar, describe_within, due_by, met_out_of_hours
from .facts import Facts
from .profile import OWED_WHEN_TEXT, Profile, Timescale


@dataclass(frozen=True)
class RuleRef:
    rule: str
    text: str
    source: str


@dataclass(frozen=True)
class Target:
    due: datetime
    rule: str
    text: str
    source: str


@dataclass(frozen=True)
class Invitee:
    agency: str
    required: bool
    reason: str
    source: str


@dataclass(frozen=True)
class ClockDue:
    clock: str
    source: str
    text: str
    due: datetime | None = None
    rule: str | None = None
    applies_when: str | None = None


@dataclass(frozen=True)
class Outcome:
    """How the discussion went, as far as the clocks care: which are owed once it is recorded."""

    held_at: datetime
    s47_started: bool = False
    not_researched: tuple[str, ...] = ()  # agencies that had not fully researched their records
    quorate: bool = True


@dataclass(frozen=True)
class Assessment:
    profile: str
    received_at: datetime
    out_of_hours: bool
    convened_by: str  # "day team" or "Emergency Duty Team"
    deadline: datetime
    deadline_rule: RuleRef
    matched_rules: tuple[str, ...]
    format: str
    format_rule: RuleRef
    invitees: tuple[Invitee, ...]
    quorum: tuple[str, ...]
    clocks: tuple[ClockDue, ...]
    target: Target | None = None

    def to_json(self) -> dict:
        """The documented `python -m protocol assess` output (README, "Protocol contract")."""
        out = {
            "profile": self.profile,
            "received_at": self.received_at.isoformat(),
            "out_of_hours": self.out_of_hours,
            "convened_by": self.convened_by,
            "deadline": self.deadline.isoformat(),
            "deadline_rule": asdict(self.deadline_rule),
            "matched_rules": list(self.matched_rules),
            "format": self.format,
            "format_rule": asdict(self.format_rule),
            "invitees": [asdict(i) for i in self.invitees],
            "quorum": list(self.quorum),
            "clocks": [_clock_json(c) for c in self.clocks],
        }
        if self.target:
            out["target"] = {**asdict(self.target), "due": self.target.due.isoformat()}
        return out


def _clock_json(clock: ClockDue) -> dict:
    out = {"clock": clock.clock, "text": clock.text, "source": clock.source}
    if clock.due is not None:
        out["due"] = clock.due.isoformat()
    if clock.rule is not None:
        out["rule"] = clock.rule
    if clock.applies_when:
        out["applies_when"] = clock.applies_when
    return out


def assess(profile: Profile, facts: Facts, calendar: WorkingDayCalendar) -> Assessment:
    received = calendar.local(facts.received_at)
    minimum = profile.same_day.minimum_hours_to_convene
    # Specific rules are exceptions to the default: the default applies only when none matches. A
    # timescale never tests `out_of_hours` (Timescales refuses it): that is worked out from the deadline.
    matched = [r for r in profile.timescales.rules if holds(r.when, facts, out_of_hours=None)] or [profile.timescales.default]
    deadlines = [(due_by(r.within, received, calendar, same_day_minimum_hours=minimum), index, r) for index, r in enumerate(matched)]
    deadline, _, winner = min(deadlines, key=lambda item: (item[0], item[1]))
    edt = met_out_of_hours(deadline, calendar)

    def applies(rule) -> bool:  # `out_of_hours` in a rule: the discussion is the Emergency Duty Team's
        return holds(rule.when, facts, out_of_hours=edt)

    format_rules = [r for r in profile.formats.rules if applies(r)]
    if format_rules:
        first = format_rules[0]
        format_, format_rule = "meeting", RuleRef(first.rule, first.text, first.source)
    else:
        format_, format_rule = "any", RuleRef("default", profile.formats.default.text, profile.formats.default.source)

    return Assessment(
        profile=profile.id,
        received_at=received,
        out_of_hours=not calendar.in_working_hours(received),
        convened_by="Emergency Duty Team" if edt else "day team",
        deadline=deadline,
        deadline_rule=RuleRef(winner.rule, winner.text, winner.source),
        matched_rules=tuple(r.rule for r in matched),
        target=_target(profile, winner, received, deadline, calendar),
        format=format_,
        format_rule=format_rule,
        invitees=_invitees([r for r in profile.invitees if applies(r)], facts),
        quorum=profile.quorum.agencies,
        clocks=tuple(_clock(c, received, calendar, minimum) for c in profile.clocks if applies(c)),
    )


def as_review(assessment: Assessment, agreed_at: datetime, profile: Profile, calendar: WorkingDayCalendar) -> Assessment:
    """A review discussion's assessment: held when the last discussion agreed ("a clear timescale should
    be set" for a further discussion, hackney 9.2, triborough 16), not within the referral's timescale
    counted again from the day it is convened. Agreed for a time in working hours, the day team holds
    it by the close of that working day (or a meeting's length after the time, if later); agreed for a
    time outside them (an evening, a weekend, a bank holiday), the Emergency Duty Team, a meeting's
    length after it. Who convenes follows from the time agreed, never from a deadline a meeting's
    length past the close of the day (a hostile trial: 16:30 a week ahead was handed to the EDT)."""
    agreed = calendar.local(agreed_at)
    meeting = agreed_at + timedelta(minutes=profile.meetings.minutes)
    in_hours = calendar.in_working_hours(agreed_at)
    deadline = max(calendar.end_of_working_day(agreed.date()), meeting) if in_hours else meeting
    said = f"the review was agreed at the last discussion for {agreed:%H:%M %a} {agreed.day} {agreed:%b}"
    return replace(assessment, deadline=deadline, target=None, convened_by="day team" if in_hours else "Emergency Duty Team",
                   deadline_rule=RuleRef("review", said if in_hours else f"{said}, outside working hours", "agreed at the discussion"))


def as_owed_review(assessment: Assessment, owed_by: datetime, why: str) -> Assessment:
    """A review no date was agreed for, owed because an agency reported that its action needs a further
    discussion ("a clear timescale... subject to regular review by the social work manager", hackney
    9.2): held by the time the chair owes it (the close of a working day, bot.actions), by the day team,
    not within the referral's timescale counted again from its receipt."""
    return replace(assessment, deadline=owed_by, target=None, convened_by="day team",
                   deadline_rule=RuleRef("review", f"{why}, and no date was agreed for it", "owed by the chair, and chased"))


def as_unplanned_review(assessment: Assessment) -> Assessment:
    """A review the chair starts with no date agreed for one and none owed: held within the referral's timescale
    counted from now (the wizard needs a time to offer slots by), said as such and counted as a review, not as a
    referral's discussion (a re-check: it read as a new referral's three working days, in the tab's figures too)."""
    rule = assessment.deadline_rule
    return replace(assessment, deadline_rule=RuleRef("review", f"no date was agreed for a review and none is owed: by the "
                                                               f"referral's timescale from now ({rule.text})", rule.source))


def _target(profile: Profile, winner: Timescale, received: datetime, deadline: datetime, calendar) -> Target | None:
    """A local aim, shown only when it is earlier than the binding deadline."""
    if winner.target is not None:
        due = due_by(winner.target, received, calendar, same_day_minimum_hours=profile.same_day.minimum_hours_to_convene)
        return Target(due, winner.rule, winner.target_text or describe_within(winner.target, after="receipt"), winner.source)
    aim = profile.timescales.target
    if aim is None:
        return None
    due = due_by(aim.within, received, calendar, same_day_minimum_hours=profile.same_day.minimum_hours_to_convene)
    return Target(due, aim.rule, aim.text, aim.source) if due is not None and due < deadline else None


def _invitees(rules, facts: Facts) -> tuple[Invitee, ...]:
    """One entry per agency: required if any matching rule requires it, every reason kept."""
    merged: dict[str, list] = {}
    for rule in rules:
        merged.setdefault(rule.agency, []).append(rule)
    invitees = []
    for agency, agency_rules in merged.items():
        ordered = sorted(agency_rules, key=lambda r: not r.required)
        reasons = [_fill(r.reason, facts) for r in ordered]
        sources = list(dict.fromkeys(r.source for r in ordered))
        invitees.append(Invitee(agency, ordered[0].required, "; ".join(reasons), "; ".join(sources)))
    return tuple(invitees)


def _fill(reason: str, facts: Facts) -> str:
    return reason.replace("{referrer_agency}", facts.referrer_agency or "not stated")


def _clock(rule, received: datetime, calendar, minimum: float) -> ClockDue:
    if rule.starts == "referral":
        return ClockDue(rule.clock, rule.source, rule.text, due=due_by(rule.within, received, calendar, same_day_minimum_hours=minimum),
                        applies_when=OWED_WHEN_TEXT[rule.owed_when])
    said = describe_within(rule.within, after="the discussion")
    if rule.chased_after:
        said += f"; chased if not done {describe_within(rule.chased_after, after='it')} ({rule.chased_after_source})"
    return ClockDue(rule.clock, rule.source, rule.text, rule=said, applies_when=OWED_WHEN_TEXT[rule.owed_when])


def clocks_owed(profile: Profile, facts: Facts, outcome: Outcome, calendar: WorkingDayCalendar) -> tuple[ClockDue, ...]:
    """The clocks a recorded discussion leaves running, each with its due time (None: no fixed end,
    e.g. "as soon as practicable"). The one answer to "what is owed", for `python -m protocol assess
    --outcome` and for the obligations the bot creates when the record is finalised: from the profile
    (its baseline included) alone."""
    received, held = calendar.local(facts.received_at), calendar.local(outcome.held_at)
    held_out_of_hours = not calendar.in_working_hours(held)
    owed_now = {"always": True, "before_discussion": False, "s47_started": outcome.s47_started, "records_not_researched": bool(outcome.not_researched),
                "held_out_of_hours": held_out_of_hours, "held_out_of_hours_not_quorate": held_out_of_hours and not outcome.quorate,
                "held_in_hours_not_quorate": not held_out_of_hours and not outcome.quorate}
    minimum = profile.same_day.minimum_hours_to_convene
    owed = []
    for rule in profile.clocks:  # `out_of_hours` in a clock's rule: the discussion was held out of hours
        if holds(rule.when, facts, out_of_hours=held_out_of_hours) and owed_now[rule.owed_when]:
            start = received if rule.starts == "referral" else held
            # No end of its own ("as soon as practicable"): chased from the time the profile reads it as, if it says one.
            due = due_by(rule.within, start, calendar, same_day_minimum_hours=minimum) or (
                due_by(rule.chased_after, start, calendar, same_day_minimum_hours=minimum) if rule.chased_after else None)
            owed.append(ClockDue(rule.clock, rule.source, rule.text, due=due, applies_when=OWED_WHEN_TEXT[rule.owed_when]))
    return tuple(owed)
