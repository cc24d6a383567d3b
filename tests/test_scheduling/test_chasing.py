"""The chasing ladder (scheduling/chasing.py), stated from its rule: a reminder at the start of the
working day before the due day, a chase at the start of the due day, then up the ladder; chases wait
for working hours except what is due today, out-of-hours (EDT) discussions, and breaches."""
from datetime import datetime
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
