"""Proposed meeting times: before the deadline, in working hours, kind to paediatricians."""
from datetime import datetime, time, timezone

import pytest

from scheduling.calendar import WorkingCalendar
from scheduling.slots import propose_slots

CALENDAR = WorkingCalendar()
MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc)
TODAY_17 = datetime(2026, 11, 23, 17, 0, tzinfo=timezone.utc)


def starts(slots):
    return [s.start.strftime("%a %H:%M") for s in slots]


def test_slots_start_after_a_lead_time_and_end_by_the_deadline():
    slots = propose_slots(now=MONDAY_10, deadline=TODAY_17, calendar=CALENDAR, minutes=60, out_of_hours=False, count=20)
    assert starts(slots)[0] == "Mon 10:30"
    assert starts(slots)[-1] == "Mon 16:00"
    assert all(s.end <= TODAY_17 for s in slots)


def test_slots_skip_nights_weekends_and_holidays():
    friday_16 = datetime(2026, 12, 24, 15, 25, tzinfo=timezone.utc)  # Christmas Eve afternoon
    deadline = datetime(2026, 12, 29, 17, 0, tzinfo=timezone.utc)
    slots = propose_slots(now=friday_16, deadline=deadline, calendar=CALENDAR, minutes=60, out_of_hours=False, count=4)
    assert [s.start.isoformat() for s in slots][:2] == ["2026-12-24T16:00:00+00:00", "2026-12-29T09:00:00+00:00"]


def test_out_of_hours_slots_are_this_evening():
    evening = datetime(2026, 11, 23, 19, 5, tzinfo=timezone.utc)
    tonight = datetime(2026, 11, 23, 23, 59, tzinfo=timezone.utc)
    slots = propose_slots(now=evening, deadline=tonight, calendar=CALENDAR, minutes=60, out_of_hours=True)
    assert starts(slots)[:3] == ["Mon 20:00", "Mon 20:30", "Mon 21:00"]


def test_a_paediatrician_gets_notice_and_afternoons_first_with_the_rest_after():
    deadline = datetime(2026, 11, 24, 17, 0, tzinfo=timezone.utc)
    slots = propose_slots(now=MONDAY_10, deadline=deadline, calendar=CALENDAR, minutes=60, out_of_hours=False,
                          paediatrician_invited=True, paediatrician_notice_hours=4, paediatrician_earliest=time(13), count=30)
    suitable = [s for s in slots if s.suits_paediatrician]
    assert starts(suitable)[0] == "Mon 14:00"
    assert all(s.start.time() >= time(13) for s in suitable)
    assert slots.index(suitable[-1]) < slots.index(next(s for s in slots if not s.suits_paediatrician))


def test_no_slot_when_the_deadline_has_no_room_left():
    late = datetime(2026, 11, 23, 16, 40, tzinfo=timezone.utc)
    assert propose_slots(now=late, deadline=TODAY_17, calendar=CALENDAR, minutes=60, out_of_hours=False) == []


def test_every_proposed_slot_runs_forwards_for_exactly_the_meetings_length():
    """A slot's end is its start plus the profile's minutes, for every proposal, in and out of hours and
    across the clocks going back (end before start would be handed to meeting creation)."""
    from datetime import timedelta

    for now in (MONDAY_10, datetime(2026, 10, 23, 15, 10, tzinfo=timezone.utc), datetime(2026, 11, 23, 18, 5, tzinfo=timezone.utc)):
        for minutes, out_of_hours in ((30, False), (60, False), (90, True)):
            slots = propose_slots(now=now, deadline=now + timedelta(days=5), calendar=CALENDAR, minutes=minutes,
                                  out_of_hours=out_of_hours, count=20)
            assert slots and all(s.end - s.start == timedelta(minutes=minutes) for s in slots), (now, minutes)


# A second mutation run (mutmut 3.8.1) found these unpinned ------------------------------------
def test_slots_start_on_the_half_hour_to_the_second_whatever_the_second_now_is():
    now = datetime(2026, 11, 23, 10, 0, 29, 500_000, tzinfo=timezone.utc)
    slots = propose_slots(now=now, deadline=TODAY_17, calendar=CALENDAR, minutes=60, out_of_hours=False)
    assert slots[0].start == datetime(2026, 11, 23, 10, 30, tzinfo=timezone.utc)
    assert all(s.start.second == 0 and s.start.microsecond == 0 for s in slots)


def test_six_times_are_proposed_unless_asked_otherwise():
    deadline = datetime(2026, 11, 25, 17, 0, tzinfo=timezone.utc)
    assert len(propose_slots(now=MONDAY_10, deadline=deadline, calendar=CALENDAR, minutes=60, out_of_hours=False)) == 6


def test_without_a_paediatrician_invited_the_paediatricians_constraints_change_nothing():
    slots = propose_slots(now=MONDAY_10, deadline=TODAY_17, calendar=CALENDAR, minutes=60, out_of_hours=False,
                          paediatrician_notice_hours=4, paediatrician_earliest=time(13))
    assert starts(slots) == ["Mon 10:30", "Mon 11:00", "Mon 11:30", "Mon 12:00", "Mon 12:30", "Mon 13:00"]
    assert all(s.suits_paediatrician for s in slots)


def test_an_invited_paediatrician_with_no_notice_or_hour_rule_is_suited_by_the_first_slot():
    slots = propose_slots(now=MONDAY_10, deadline=TODAY_17, calendar=CALENDAR, minutes=60, out_of_hours=False,
                          paediatrician_invited=True)
    assert starts(slots)[0] == "Mon 10:30" and slots[0].suits_paediatrician


def test_a_slot_at_the_paediatricians_earliest_hour_suits_them():
    slots = propose_slots(now=MONDAY_10, deadline=TODAY_17, calendar=CALENDAR, minutes=60, out_of_hours=False,
                          paediatrician_invited=True, paediatrician_earliest=time(13))
    assert starts(slots)[0] == "Mon 13:00" and slots[0].suits_paediatrician


@pytest.mark.parametrize("now, deadline, out_of_hours", [
    (MONDAY_10, datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc), False),  # a midday deadline
    (datetime(2026, 11, 23, 19, 5, tzinfo=timezone.utc), datetime(2026, 11, 23, 23, 59, tzinfo=timezone.utc), True),  # EDT tonight
])
def test_no_proposed_meeting_runs_past_the_deadline(now, deadline, out_of_hours):
    slots = propose_slots(now=now, deadline=deadline, calendar=CALENDAR, minutes=60, out_of_hours=out_of_hours, count=50)
    assert slots and all(s.end <= deadline for s in slots)


# equivalent: scheduling.slots.x_propose_slots__mutmut_56 `t)[:count] if (paediatrician_invited) or True else candidat` -- with no paediatrician invited every slot suits, so suitable + rest is the candidates in the same order
