"""The chasing ladder (scheduling/chasing.py), stated from its rule: a reminder at the start of the
working day before the due day, a chase at the start of the due day, then up the ladder; chases wait
for working hours except what is due today, out-of-hours (EDT) discussions, and breaches."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from protocol import load_profile, profile_names
from scheduling.calendar import calendar_for
from scheduling.chasing import ladder, when_to_send, Step

LONDON = ZoneInfo("Europe/London")
PROFILE = load_profile("hackney")
CALENDAR = calendar_for(PROFILE)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=LONDON)  # November 2026: Mon 23, Sat 28, Sun 29, Mon 30


def test_an_obligation_made_days_ahead_gets_its_reminder_the_working_day_before():
    steps = ladder(due_at=at(25, 17), created_at=at(23, 10), calendar=CALENDAR, rules=PROFILE.chasing)
    assert [(s.stage, s.at) for s in steps[:2]] == [("reminder", at(24, 9)), ("due", at(25, 9))]


def test_the_reminder_before_a_monday_deadline_is_on_friday():
    steps = ladder(due_at=at(30, 17), created_at=at(23, 10), calendar=CALENDAR, rules=PROFILE.chasing)
    assert steps[0] == Step("reminder", datetime(2026, 11, 27, 9, 0, tzinfo=LONDON))


def test_a_breached_step_at_two_on_a_sunday_goes_at_once_not_on_monday():
    step = Step("escalate_lead", at(29, 2))
    assert when_to_send(step, now=at(29, 2), due_at=at(27, 17), out_of_hours=False, calendar=CALENDAR) == at(29, 2)


def test_an_out_of_hours_discussions_step_goes_in_the_night():
    step = Step("due", at(29, 2))
    assert when_to_send(step, now=at(29, 2), due_at=at(30, 9), out_of_hours=True, calendar=CALENDAR) == at(29, 2)


def test_an_ordinary_reminder_on_a_saturday_waits_for_monday_morning():
    step = Step("reminder", at(28, 10))
    assert when_to_send(step, now=at(28, 10), due_at=at(30, 17), out_of_hours=False, calendar=CALENDAR) == at(30, 9)


def test_a_record_due_as_the_working_day_opens_is_reminded_the_day_before_even_after_a_bank_holiday():
    """A procedures expert's trial: bristol's out-of-hours record (due "before the start of the next working
    day"), made on a Saturday night before the August bank holiday, was first chased as it fell late, at
    09:00 on the Tuesday: its working day before (Friday) had gone by before it was owed."""
    bristol = load_profile("bristol")
    calendar = calendar_for(bristol)
    made, due = datetime(2027, 8, 28, 22, 0, tzinfo=LONDON), datetime(2027, 8, 31, 9, 0, tzinfo=LONDON)  # 30 Aug: bank holiday
    steps = ladder(due_at=due, created_at=made, calendar=calendar, rules=bristol.chasing)
    assert [(s.stage, s.at) for s in steps[:2]] == [("reminder", datetime(2027, 8, 30, 9, 0, tzinfo=LONDON)), ("due", due)]
    # An EDT discussion's follow-up goes at any hour: the reminder on the bank holiday morning, before it is late.
    assert when_to_send(steps[0], now=steps[0].at, due_at=due, out_of_hours=True, calendar=calendar) == steps[0].at
    # Made on the Thursday, the working day before (Friday 09:00) is still ahead: the usual reminder.
    thursday = ladder(due_at=due, created_at=datetime(2027, 8, 26, 22, 0, tzinfo=LONDON), calendar=calendar, rules=bristol.chasing)
    assert thursday[0] == Step("reminder", datetime(2027, 8, 27, 9, 0, tzinfo=LONDON))
    # Owed at the very moment its working day before begins (Friday 09:00): that reminder would not precede it either.
    at_nine = ladder(due_at=due, created_at=datetime(2027, 8, 27, 9, 0, tzinfo=LONDON), calendar=calendar, rules=bristol.chasing)
    assert at_nine[0] == Step("reminder", datetime(2027, 8, 30, 9, 0, tzinfo=LONDON))
    # Due at the close of the day, the chase on the day is before it is late: no reminder moved for it.
    late_made = ladder(due_at=datetime(2027, 8, 31, 17, 0, tzinfo=LONDON), created_at=made, calendar=calendar, rules=bristol.chasing)
    assert [s.stage for s in late_made[:1]] == ["due"]


def varied_profile():
    """A profile unlike every shipped one: another time zone, other working hours, a closure day,
    a two-day reminder and a different ladder (issue 16: settings no shipped profile varies)."""
    import yaml

    from protocol import parse_profile
    from protocol.loading import PROFILE_DIR

    raw = yaml.safe_load((PROFILE_DIR / "hackney.yaml").read_text())
    raw.update(id="varied", time_zone="America/New_York", working_hours={"starts": "08:30", "ends": "16:30"},
               closure_days=["2026-11-25"], chasing={"remind_working_days_before": 1, "ladder_working_hours": [2, 3, 5]})
    return parse_profile(raw)


def test_the_ladder_follows_the_profiles_zone_hours_closure_days_and_steps():
    profile = varied_profile()
    calendar = calendar_for(profile)
    new_york = ZoneInfo("America/New_York")

    def local(day, hour, minute=0):
        return datetime(2026, 11, day, hour, minute, tzinfo=new_york)

    steps = ladder(due_at=local(26, 16, 30), created_at=local(23, 10), calendar=calendar, rules=profile.chasing)
    # Stated from the rule: the reminder at the start of the working day before (Wednesday 25 is closed: Tuesday),
    # the chase when Thursday's working day starts, then 2, 3 and 5 working hours past 16:30 on Thursday.
    assert [(s.stage, s.at) for s in steps] == [
        ("reminder", local(24, 8, 30)), ("due", local(26, 8, 30)), ("escalate_lead", local(27, 10, 30)),
        ("escalate_chair", local(27, 13, 30)), ("escalate_manager", local(30, 10, 30))]


@pytest.mark.parametrize("name", profile_names())
def test_every_shipped_profile_reminds_the_working_day_before_and_chases_on_the_day(name):
    profile = load_profile(name)
    starts = profile.working_hours.starts
    steps = ladder(due_at=at(25, 17), created_at=at(23, 10), calendar=calendar_for(profile), rules=profile.chasing)
    assert [(s.stage, s.at) for s in steps[:2]] == [("reminder", at(24, starts.hour, starts.minute)),
                                                    ("due", at(25, starts.hour, starts.minute))]


# The ladder's other shapes (issue 16: a mutation run showed none of these pinned down by a fast test).
def test_a_meeting_without_quorum_is_told_to_the_chair_the_profiles_warning_hours_before_it():
    hours = PROFILE.chasing.quorum_warning_hours
    meeting = at(25, 14)
    steps = ladder(due_at=meeting, created_at=at(23, 10), calendar=CALENDAR, rules=PROFILE.chasing, kind="quorum_at_risk")
    assert [(s.stage, s.recipient) for s in steps] == [("escalate_chair", "chair")]
    assert steps[0].at == meeting - timedelta(hours=hours)


def test_a_quorum_warning_made_inside_the_warning_window_goes_at_once():
    steps = ladder(due_at=at(25, 14), created_at=at(25, 13, 30), calendar=CALENDAR, rules=PROFILE.chasing,
                   kind="quorum_at_risk")
    assert [(s.stage, s.at) for s in steps] == [("escalate_chair", at(25, 13, 30))]


def test_an_unanswered_invitation_is_chased_halfway_to_the_meeting_then_the_chair_told_at_three_quarters():
    # Made at 10:00, meeting at 14:00: four hours; the owner is chased at 12:00 and the chair told at 13:00.
    steps = ladder(due_at=at(25, 14), created_at=at(25, 10), calendar=CALENDAR, rules=PROFILE.chasing, kind="rsvp")
    assert [(s.stage, s.recipient, s.at) for s in steps] == [("due", "owner", at(25, 12)),
                                                              ("escalate_chair", "chair", at(25, 13))]


def test_the_way_to_a_meeting_is_counted_in_working_hours_so_a_weekend_does_not_swallow_the_invitees_chase():
    # A re-check: asked Thursday 12:00 for Monday 11:00, half way fell on Saturday and three quarters on Sunday; both waited
    # for Monday 09:00, and only the chair was told. In working hours (09:00-17:00): Thursday 5, Friday 8, Monday 2 = 15;
    # half (7.5) is Friday 11:30, three quarters (11.25) Friday 15:15.
    steps = ladder(due_at=at(30, 11), created_at=at(26, 12), calendar=CALENDAR, rules=PROFILE.chasing, kind="rsvp")
    assert [(s.stage, s.at) for s in steps] == [("due", at(27, 11, 30)), ("escalate_chair", at(27, 15, 15))]
    # Under an hour of working time counts as well: asked 16:30 for 09:15 the next morning, 45 working minutes; half
    # is 16:52:30 the same day, three quarters 09:03:45 (half the clock's way would be 00:52:30, in the night).
    steps = ladder(due_at=at(26, 9, 15), created_at=at(25, 16, 30), calendar=CALENDAR, rules=PROFILE.chasing, kind="rsvp")
    assert [(s.stage, s.at) for s in steps] == [("due", at(25, 16, 52) + timedelta(seconds=30)),
                                                ("escalate_chair", at(26, 9, 3) + timedelta(seconds=45))]
    # An evening meeting with no working hours before it (the Emergency Duty Team's): the clock's way, 18:00 to 21:00.
    steps = ladder(due_at=at(25, 21), created_at=at(25, 18), calendar=CALENDAR, rules=PROFILE.chasing, kind="rsvp")
    assert [(s.stage, s.at) for s in steps] == [("due", at(25, 19, 30)), ("escalate_chair", at(25, 20, 15))]


def test_the_record_check_before_a_meeting_is_one_chase_sixty_percent_of_the_way():
    steps = ladder(due_at=at(25, 15), created_at=at(25, 10), calendar=CALENDAR, rules=PROFILE.chasing,
                   kind="record_check")
    assert [(s.stage, s.at) for s in steps] == [("due", at(25, 13))]


def test_an_invitation_made_after_its_meeting_began_is_chased_at_once_not_before_it_was_made():
    steps = ladder(due_at=at(25, 14), created_at=at(25, 15), calendar=CALENDAR, rules=PROFILE.chasing, kind="rsvp")
    assert [s.at for s in steps] == [at(25, 15), at(25, 15)]


def test_the_ladder_climbs_lead_chair_manager_after_the_profiles_working_hours_overdue():
    # Hackney: 4, 8 and 8 working hours (09:00-17:00). Due Wednesday 17:00: the lead at Thursday 13:00,
    # the chair 8 working hours later (Friday 13:00), the manager 8 more (Monday 13:00).
    assert tuple(PROFILE.chasing.ladder_working_hours) == (4, 8, 8)
    steps = ladder(due_at=at(25, 17), created_at=at(23, 10), calendar=CALENDAR, rules=PROFILE.chasing)
    assert [(s.stage, s.recipient, s.at) for s in steps[2:]] == [
        ("escalate_lead", "agency_lead", at(26, 13)), ("escalate_chair", "chair", at(27, 13)),
        ("escalate_manager", "chair_manager", at(30, 13))]


def test_an_obligation_owed_only_after_it_fell_due_asks_its_owner_first_then_climbs_from_then():
    """A walk: a record finalised days late owed updates due days before; they went straight to the manager."""
    from scheduling.chasing import next_step

    created = at(30, 10)  # Monday 10:00; due the Wednesday before
    steps = ladder(due_at=at(25, 17), created_at=created, calendar=CALENDAR, rules=PROFILE.chasing)
    assert [(s.stage, s.at) for s in steps] == [("due", at(25, 9)), ("escalate_lead", at(30, 14)),
                                                ("escalate_chair", at(1, 14).replace(month=12)),
                                                ("escalate_manager", at(2, 14).replace(month=12))]
    assert next_step(level=0, now=created, due_at=at(25, 17), created_at=created, calendar=CALENDAR,
                     rules=PROFILE.chasing) == (0, steps[0])  # the owner first


def test_a_reminder_that_would_come_before_the_obligation_existed_is_left_out():
    steps = ladder(due_at=at(25, 17), created_at=at(24, 9, 30), calendar=CALENDAR, rules=PROFILE.chasing)
    assert steps[0].stage == "due"
    steps = ladder(due_at=at(25, 17), created_at=at(24, 8, 59), calendar=CALENDAR, rules=PROFILE.chasing)
    assert steps[0] == Step("reminder", at(24, 9))


def test_a_profile_without_reminders_starts_at_the_chase_on_the_day():
    rules = PROFILE.chasing.model_copy(update={"remind_working_days_before": 0})
    steps = ladder(due_at=at(25, 17), created_at=at(23, 10), calendar=CALENDAR, rules=rules)
    assert [s.stage for s in steps] == ["due", "escalate_lead", "escalate_chair", "escalate_manager"]


@pytest.mark.parametrize("name", ["hackney", "bristol", "triborough", "walsall", "darlington"])
def test_an_icpc_is_reminded_a_working_week_ahead_in_every_profile_and_the_rest_the_day_before(name):
    """A procedures trial: a conference had one reminder, the working day before it was due; it cannot be
    arranged in a day. The baseline's ICPC clock reminds five working days ahead; a profile that restates the
    clock to tighten it keeps that; every other obligation is reminded as the profile's chasing says."""
    profile = load_profile(name)
    due = datetime(2026, 12, 4, 17, 0, tzinfo=LONDON)  # Friday 4 December
    steps = ladder(due_at=due, created_at=at(2, 10), calendar=CALENDAR, rules=profile.chasing_for("icpc"), kind="icpc")
    assert steps[0] == Step("reminder", at(27, 9))  # five working days before Friday 4 December: Friday 27 November
    steps = ladder(due_at=due, created_at=at(2, 10), calendar=CALENDAR, rules=profile.chasing_for("action"), kind="action")
    assert steps[0] == Step("reminder", datetime(2026, 12, 3, 9, 0, tzinfo=LONDON))


def test_a_two_day_reminder_goes_two_working_days_before_skipping_the_weekend():
    rules = PROFILE.chasing.model_copy(update={"remind_working_days_before": 2})
    steps = ladder(due_at=at(30, 17), created_at=at(23, 10), calendar=CALENDAR, rules=rules)
    assert steps[0] == Step("reminder", at(26, 9))  # Monday 30 -> Friday 27 -> Thursday 26


def test_what_falls_due_before_the_working_day_starts_is_chased_when_it_falls_due():
    steps = ladder(due_at=at(25, 8), created_at=at(23, 10), calendar=CALENDAR, rules=PROFILE.chasing)
    assert steps[1] == Step("due", at(25, 8))


def test_what_falls_due_on_a_sunday_night_is_chased_that_sunday_morning_not_at_midnight():
    """A procedures expert's trial: an action due on New Year's Day (a date its owner chose, and was warned of)
    was chased at five past midnight; so was all that fell due on a weekend or a bank holiday."""
    steps = ladder(due_at=at(29, 22), created_at=at(23, 10), calendar=CALENDAR, rules=PROFILE.chasing)
    assert steps[0] == Step("reminder", at(27, 9))  # the working day before Sunday: Friday
    assert steps[1] == Step("due", at(29, 9))  # when the working day would open: it goes, being due that day
    assert when_to_send(steps[1], now=at(29, 9), due_at=at(29, 22), out_of_hours=False, calendar=CALENDAR) == at(29, 9)
    early = ladder(due_at=at(29, 7), created_at=at(23, 10), calendar=CALENDAR, rules=PROFILE.chasing)
    assert early[1] == Step("due", at(29, 7))  # due before that hour: chased as it falls due


def test_after_an_outage_only_the_latest_step_due_is_taken_and_then_the_next_one():
    from scheduling.chasing import next_step

    kwargs = dict(due_at=at(25, 17), created_at=at(23, 10), calendar=CALENDAR, rules=PROFILE.chasing)
    # Down from Monday to Thursday 14:00: the reminder, the chase and the lead's step are all past; only the lead's is taken.
    assert next_step(level=0, now=at(26, 14), **kwargs) == (2, Step("escalate_lead", at(26, 13)))
    assert next_step(level=0, now=at(27, 14), **kwargs) == (3, Step("escalate_chair", at(27, 13)))
    # Before anything is due, the first step is the next one (not yet due).
    assert next_step(level=0, now=at(23, 11), **kwargs) == (0, Step("reminder", at(24, 9)))
    # Four steps done: the manager's is next, at its own time; with all five done, the ladder is at its top.
    assert next_step(level=4, now=at(27, 14), **kwargs) == (4, Step("escalate_manager", at(30, 13)))
    assert next_step(level=5, now=at(30, 14), **kwargs) is None


def test_what_is_due_today_may_be_chased_after_hours_but_tomorrows_waits():
    from scheduling.chasing import may_send_now

    assert may_send_now(now=at(25, 18), due_at=at(25, 23), out_of_hours=False, calendar=CALENDAR) is True
    assert may_send_now(now=at(25, 18), due_at=at(26, 17), out_of_hours=False, calendar=CALENDAR) is False
    assert may_send_now(now=at(25, 10), due_at=at(26, 17), out_of_hours=False, calendar=CALENDAR) is True
    # Overdue by a minute counts as breached, at any hour.
    assert may_send_now(now=at(26, 17, 1), due_at=at(26, 17), out_of_hours=False, calendar=CALENDAR) is True


def test_a_step_whose_time_has_passed_goes_now_not_at_its_old_time():
    step = Step("due", at(25, 9))
    assert when_to_send(step, now=at(25, 11), due_at=at(25, 17), out_of_hours=False, calendar=CALENDAR) == at(25, 11)
    # A step not yet due goes at its own time.
    assert when_to_send(step, now=at(24, 16), due_at=at(25, 17), out_of_hours=False, calendar=CALENDAR) == at(25, 9)


def test_an_obligation_made_at_the_very_moment_its_reminder_would_go_gets_no_reminder():
    # The owner is told of it as it is made; a reminder in the same minute would only repeat that.
    steps = ladder(due_at=at(25, 17), created_at=at(24, 9), calendar=CALENDAR, rules=PROFILE.chasing)
    assert steps[0].stage == "due"


def test_a_step_whose_moment_is_exactly_now_is_taken_now():
    from scheduling.chasing import next_step

    kwargs = dict(due_at=at(25, 17), created_at=at(23, 10), calendar=CALENDAR, rules=PROFILE.chasing)
    assert next_step(level=0, now=at(26, 13), **kwargs) == (2, Step("escalate_lead", at(26, 13)))


def test_the_next_step_of_an_unanswered_invitation_follows_the_invitations_ladder():
    from scheduling.chasing import next_step

    assert next_step(level=0, now=at(25, 12, 30), due_at=at(25, 14), created_at=at(25, 10), calendar=CALENDAR,
                     rules=PROFILE.chasing, kind="rsvp") == (0, Step("due", at(25, 12)))
    assert next_step(level=1, now=at(25, 13), due_at=at(25, 14), created_at=at(25, 10), calendar=CALENDAR,
                     rules=PROFILE.chasing, kind="rsvp") == (1, Step("escalate_chair", at(25, 13)))


# Equivalent mutants (bench/mutation.py counts these as killed, each for the reason given):
# equivalent: scheduling.chasing.x_ladder__mutmut_1 `kind: str = "XXXX") -> list[Step]` -- the default kind "" -> "XXXX": neither names a special ladder
# equivalent: scheduling.chasing.x_next_step__mutmut_1 `kind: str = "XXXX") -> tuple[in` -- the same default, in next_step
# equivalent: scheduling.chasing.x_may_send_now__mutmut_4 `hours or now >= due_at:` -- now > due_at -> now >= due_at: at now == due_at both dates
#   are the same local day, so the "due today" rule that follows answers True anyway
