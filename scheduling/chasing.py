"""When to chase what is owed, and whom: a pure ladder over the working-day calendar.

For an obligation due at D: a reminder at the start of the working day before D (one due as a
working day opens, owed only after that, a day before D), a chase at the start of D's working
day, then escalation after the profile's working hours overdue:
to the owner's agency lead, then the chair, then the chair's manager. Chases wait for working
hours, except for what is due today, out-of-hours (EDT) discussions, and what is breached.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

STAGES = ("reminder", "due", "escalate_lead", "escalate_chair", "escalate_manager")
RECIPIENT = {"reminder": "owner", "due": "owner", "escalate_lead": "agency_lead", "escalate_chair": "chair",
             "escalate_manager": "chair_manager"}


@dataclass(frozen=True)
class Step:
    stage: str
    at: datetime  # when it becomes due to send (before the working-hours rule)

    @property
    def recipient(self) -> str:
        return RECIPIENT[self.stage]


# Before a meeting there is no time for a ladder of working days: the owner is reminded part of
# the way to the meeting, and the chair is told (with the next contact to try) later on. The way is
# counted in working hours where it has any (a re-check: asked on Thursday for Monday, half way fell on
# Saturday and three quarters on Sunday, both waited for Monday, and the invitees were never asked:
# only the chair was told); a meeting with none before it (the EDT's, tonight) counts the clock.
BEFORE_MEETING = {"rsvp": (("due", 0.5), ("escalate_chair", 0.75)), "record_check": (("due", 0.6),)}


def ladder(*, due_at: datetime, created_at: datetime, calendar, rules, kind: str = "") -> list[Step]:
    """Every step of the ladder for one obligation, in order; steps already past at creation are kept
    (a late-created obligation still gets its chase), reminders that would precede creation are not."""
    if kind == "quorum_at_risk":
        return [Step("escalate_chair", max(created_at, due_at - timedelta(hours=rules.quorum_warning_hours)))]
    if kind in BEFORE_MEETING:
        working = calendar.working_hours_between(created_at, due_at)
        if working > 0:
            return [Step(stage, calendar.add_working_hours(created_at, working * share)) for stage, share in BEFORE_MEETING[kind]]
        span = max(due_at - created_at, timedelta(0))
        return [Step(stage, created_at + span * share) for stage, share in BEFORE_MEETING[kind]]
    local_due = calendar.local(due_at)
    due_day = local_due.date()
    # The chase on the day: at the hour the working day opens, on a day without working hours too (an EDT
    # obligation due tonight is chased from the morning; a procedures expert's trial found an action due on
    # New Year's Day chased at five past midnight), or when it falls due, if that is earlier.
    day_starts = calendar.start_of_working_day(due_day)
    steps = []
    if rules.remind_working_days_before:
        day = due_day
        for _ in range(rules.remind_working_days_before):
            day = calendar.previous_working_day(day)
        remind = calendar.start_of_working_day(day)
        if remind <= created_at and due_at <= day_starts:
            # Due as the working day opens (an EDT discussion's record "before the start of the next working
            # day", bristol): the chase on the day comes only as it falls late, so with the working day before
            # gone by (a Saturday night's record before a bank holiday), the reminder is a day before it is due.
            remind = datetime.combine(due_day - timedelta(days=1), local_due.time(), tzinfo=calendar.zone)
        if remind > created_at:
            steps.append(Step("reminder", remind))
    steps.append(Step("due", min(day_starts, due_at)))
    # Escalation counts from when it fell due, or from when it came to be owed if that is later (a record
    # finalised days after the meeting owes updates already late: their owners are asked first, and given
    # the ladder's hours before it climbs; a walk saw five go straight to the manager).
    moment = max(due_at, created_at)
    for stage, hours in zip(STAGES[2:], rules.ladder_working_hours):
        moment = calendar.add_working_hours(moment, hours)
        steps.append(Step(stage, moment))
    return steps


def may_send_now(*, now: datetime, due_at: datetime, out_of_hours: bool, calendar) -> bool:
    """Working hours on working days only, except what is due today, EDT discussions, and breaches."""
    if calendar.in_working_hours(now) or out_of_hours or now > due_at:
        return True
    return calendar.local(due_at).date() == calendar.local(now).date()


def next_step(*, level: int, now: datetime, due_at: datetime, created_at: datetime, calendar,
              rules, kind: str = "") -> tuple[int, Step] | None:
    """The step to take next, and its place on the ladder; None at the top. `level` steps are done.
    After a pause (the service was down) only the latest step already due is taken, so the
    sweep catches up once instead of sending every step it missed."""
    steps = ladder(due_at=due_at, created_at=created_at, calendar=calendar, rules=rules, kind=kind)
    if level >= len(steps):
        return None
    latest = max((i for i in range(level, len(steps)) if steps[i].at <= now), default=level)
    return latest, steps[latest]


def when_to_send(step: Step, *, now: datetime, due_at: datetime, out_of_hours: bool, calendar) -> datetime:
    """The step's own time, moved to the next working moment unless it may go out of hours."""
    at = max(step.at, now)
    if may_send_now(now=at, due_at=due_at, out_of_hours=out_of_hours, calendar=calendar):
        return at
    return calendar.next_working_moment(at)
