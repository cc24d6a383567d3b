"""The working-day calendar: table tests for the awkward weeks, properties for everything else."""
from datetime import date, datetime, time, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduling.calendar import WorkingCalendar

ENGLAND = WorkingCalendar(subdivision="ENG")
days = st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31))
counts = st.integers(min_value=0, max_value=70)


@pytest.mark.parametrize(
    "day, working",
    [
        (date(2026, 12, 24), True), (date(2026, 12, 25), False), (date(2026, 12, 28), False),  # Boxing Day observed
        (date(2026, 12, 29), True), (date(2027, 1, 1), False), (date(2027, 1, 4), True),
        (date(2027, 3, 26), False), (date(2027, 3, 29), False), (date(2027, 3, 30), True),  # Easter 2027
        (date(2026, 11, 28), False), (date(2026, 11, 29), False),  # weekend
    ],
)
def test_working_days_around_christmas_new_year_and_easter(day, working):
    assert ENGLAND.is_working_day(day) is working


@pytest.mark.parametrize(
    "start, n, expected",
    [
        (date(2026, 12, 23), 1, date(2026, 12, 24)),
        (date(2026, 12, 24), 1, date(2026, 12, 29)),
        (date(2026, 12, 24), 3, date(2026, 12, 31)),
        (date(2026, 12, 31), 1, date(2027, 1, 4)),
        (date(2027, 3, 25), 1, date(2027, 3, 30)),
        (date(2027, 3, 27), 0, date(2027, 3, 27)),
    ],
)
def test_add_working_days_table(start, n, expected):
    assert ENGLAND.add_working_days(start, n) == expected


def test_regions_differ():
    scotland, wales = WorkingCalendar(subdivision="SCT"), WorkingCalendar(subdivision="WLS")
    assert ENGLAND.is_working_day(date(2027, 1, 4)) and not scotland.is_working_day(date(2027, 1, 4))  # 2 January (substitute)
    assert ENGLAND.is_working_day(date(2026, 11, 30)) and not scotland.is_working_day(date(2026, 11, 30))  # St Andrew's Day
    assert not wales.is_working_day(date(2026, 12, 28))


def test_closure_days_are_not_working_days():
    closed = WorkingCalendar(closure_days=[date(2026, 12, 24)])
    assert not closed.is_working_day(date(2026, 12, 24))
    assert closed.holiday_name(date(2026, 12, 24)) == "local closure day"
    assert closed.add_working_days(date(2026, 12, 23), 1) == date(2026, 12, 29)


def test_why_a_day_is_closed_is_said_in_words():
    closed = WorkingCalendar(closure_days=[date(2026, 12, 24)])
    assert closed.closed_because(date(2026, 12, 23)) is None  # a Wednesday
    assert closed.closed_because(date(2026, 12, 24)) == "a local closure day"
    assert closed.closed_because(date(2026, 12, 25)) == "a bank holiday (Christmas Day)"
    assert closed.closed_because(date(2026, 12, 12)) == "a Saturday"
    assert closed.closed_because(date(2026, 12, 13)) == "a Sunday"
    assert WorkingCalendar(subdivision="SCT").closed_because(date(2026, 11, 30)) == "a bank holiday (Saint Andrew's Day)"


def test_unknown_region_is_refused():
    with pytest.raises(ValueError, match="unknown UK holiday region 'XYZ'"):
        WorkingCalendar(subdivision="XYZ")


@pytest.mark.parametrize(
    "day, end",
    [
        (date(2027, 3, 26), "2027-03-26T17:00:00+00:00"),  # the Friday before the clocks go forward
        (date(2027, 3, 29), "2027-03-29T17:00:00+01:00"),  # the Monday after
        (date(2026, 10, 23), "2026-10-23T17:00:00+01:00"),  # the Friday before the clocks go back
        (date(2026, 10, 26), "2026-10-26T17:00:00+00:00"),
    ],
)
def test_end_of_working_day_is_1700_on_the_wall_clock_across_dst(day, end):
    assert ENGLAND.end_of_working_day(day).isoformat() == end


@pytest.mark.parametrize(
    "at, expected",
    [
        ("2026-11-23T10:00:00+00:00", "2026-11-23T10:00:00+00:00"),  # in hours: now
        ("2026-11-23T07:00:00+00:00", "2026-11-23T09:00:00+00:00"),  # before opening
        ("2026-11-27T18:00:00+00:00", "2026-11-30T09:00:00+00:00"),  # Friday evening -> Monday
        ("2027-03-25T17:00:00+00:00", "2027-03-30T09:00:00+01:00"),  # Maundy Thursday close -> Tuesday after Easter, BST
    ],
)
def test_next_working_moment(at, expected):
    assert ENGLAND.next_working_moment(datetime.fromisoformat(at)).isoformat() == expected


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="naive"):
        ENGLAND.in_working_hours(datetime(2026, 11, 23, 10, 0))


@settings(max_examples=300, deadline=None)
@given(days, st.integers(min_value=1, max_value=70))
def test_never_lands_on_a_weekend_or_holiday(day, n):
    result = ENGLAND.add_working_days(day, n)
    assert result.weekday() < 5
    assert ENGLAND.holiday_name(result) is None
    assert result > day


@settings(max_examples=300, deadline=None)
@given(days, counts, counts)
def test_monotone_in_n(day, a, b):
    low, high = sorted((a, b))
    assert ENGLAND.add_working_days(day, low) <= ENGLAND.add_working_days(day, high)


@settings(max_examples=300, deadline=None)
@given(days, days, counts)
def test_monotone_in_the_start_day(a, b, n):
    early, late = sorted((a, b))
    assert ENGLAND.add_working_days(early, n) <= ENGLAND.add_working_days(late, n)


@settings(max_examples=300, deadline=None)
@given(days, counts)
def test_add_then_count_round_trips(day, n):
    assert ENGLAND.working_days_between(day, ENGLAND.add_working_days(day, n)) == n


@settings(max_examples=200, deadline=None)
@given(st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(timezone.utc)))
def test_next_working_moment_is_in_hours_and_not_before(at):
    moment = ENGLAND.next_working_moment(at)
    assert moment >= at
    assert ENGLAND.in_working_hours(moment)
    assert moment - at < timedelta(days=6)


@settings(max_examples=200, deadline=None)
@given(days)
def test_working_hours_are_0900_to_1700_local(day):
    if ENGLAND.is_working_day(day):
        assert ENGLAND.start_of_working_day(day).time() == time(9)
        assert ENGLAND.end_of_working_day(day) - ENGLAND.start_of_working_day(day) == timedelta(hours=8)


@settings(max_examples=200, deadline=None)
@given(days)
def test_previous_working_day_is_the_inverse_of_next(day):
    before = ENGLAND.previous_working_day(day)
    assert ENGLAND.is_working_day(before) and before < day
    if ENGLAND.is_working_day(day):
        assert ENGLAND.next_working_day(before) == day


# Independent oracles (issue 16): the expected value is worked out here from the rule itself,
# England's bank holidays read straight from the `holidays` package and the days counted one by
# one, never from the calendar under test.
def _oracle_working_day(day: date) -> bool:
    import holidays

    return day.weekday() < 5 and day not in holidays.country_holidays("GB", subdiv="ENG", years=day.year)


def _oracle_add(day: date, n: int) -> date:
    while n:
        day += timedelta(days=1)
        n -= _oracle_working_day(day)
    return day


@settings(max_examples=300, deadline=None)
@given(days, counts)
def test_adding_working_days_agrees_with_counting_them_one_by_one(day, n):
    assert ENGLAND.add_working_days(day, n) == _oracle_add(day, n)


@settings(max_examples=300, deadline=None)
@given(days)
def test_a_working_day_is_a_weekday_that_is_not_an_english_bank_holiday(day):
    assert ENGLAND.is_working_day(day) is _oracle_working_day(day)


@settings(max_examples=200, deadline=None)
@given(st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(timezone.utc)))
def test_the_next_working_moment_is_now_in_hours_else_the_next_0900_on_a_working_day(at):
    from zoneinfo import ZoneInfo

    local = at.astimezone(ZoneInfo("Europe/London"))
    if _oracle_working_day(local.date()) and time(9) <= local.time() < time(17):
        expected = at
    else:
        day = local.date() if local.time() < time(9) and _oracle_working_day(local.date()) else _oracle_add(local.date(), 1)
        expected = datetime.combine(day, time(9), tzinfo=ZoneInfo("Europe/London"))
    assert ENGLAND.next_working_moment(at) == expected


# A second mutation run (mutmut 3.8.1) found these unpinned ------------------------------------
def test_an_unknown_region_lists_the_four_uk_regions():
    with pytest.raises(ValueError, match=r"^unknown UK holiday region 'XYZ'; use one of ENG, WLS, SCT, NIR$"):
        WorkingCalendar(subdivision="XYZ")


@pytest.mark.parametrize("starts, ends", [(time(9), time(9)), (time(17), time(9))])
def test_a_working_day_that_does_not_start_before_it_ends_is_refused(starts, ends):
    with pytest.raises(ValueError, match=r"^working day must start before it ends$"):
        WorkingCalendar(day_starts=starts, day_ends=ends)


def test_the_calendar_counts_on_the_region_it_was_given():
    assert WorkingCalendar(subdivision="SCT").subdivision == "SCT"
    assert WorkingCalendar().subdivision == "ENG"


def test_a_naive_time_is_refused_saying_it_needs_its_offset():
    with pytest.raises(ValueError, match=r"^naive datetime: times must carry their offset$"):
        ENGLAND.local(datetime(2026, 11, 23, 10, 0))


def test_a_negative_number_of_working_days_is_refused():
    with pytest.raises(ValueError, match=r"^n must not be negative$"):
        ENGLAND.add_working_days(date(2026, 11, 23), -1)


@pytest.mark.parametrize("at, inside", [
    ("2026-11-23T08:59:00+00:00", False), ("2026-11-23T09:00:00+00:00", True),
    ("2026-11-23T16:59:00+00:00", True), ("2026-11-23T17:00:00+00:00", False),
])
def test_working_hours_run_from_0900_up_to_but_not_including_1700(at, inside):
    assert ENGLAND.in_working_hours(datetime.fromisoformat(at)) is inside


@pytest.mark.parametrize("at, hours, expected", [
    ("2026-11-23T13:00:00+00:00", 4, "2026-11-23T17:00:00+00:00"),  # exactly the rest of the day: 17:00 today
    ("2026-11-23T13:00:00+00:00", 5, "2026-11-24T10:00:00+00:00"),  # one hour more: 10:00 the next working day
    ("2026-11-27T18:00:00+00:00", 8, "2026-11-30T17:00:00+00:00"),  # Friday evening: Monday's eight hours
])
def test_adding_working_hours_uses_up_the_working_day_before_moving_to_the_next(at, hours, expected):
    assert ENGLAND.add_working_hours(datetime.fromisoformat(at), hours).isoformat() == expected


@pytest.mark.parametrize("start, end, hours", [
    ("2026-11-23T10:00:00+00:00", "2026-11-23T14:00:00+00:00", 4),  # within a working day
    ("2026-11-26T12:00:00+00:00", "2026-11-30T11:00:00+00:00", 15),  # Thursday 12:00 to Monday 11:00: 5 + 8 + 2
    ("2026-11-27T18:00:00+00:00", "2026-11-30T08:00:00+00:00", 0),  # Friday evening to Monday before opening: none
    ("2027-03-25T16:00:00+00:00", "2027-03-30T10:00:00+01:00", 2),  # Maundy Thursday 16:00 to the Tuesday after Easter
    ("2026-11-23T14:00:00+00:00", "2026-11-23T10:00:00+00:00", 0),  # the end before the start
])
def test_working_hours_between_two_moments_count_only_working_hours_on_working_days(start, end, hours):
    assert ENGLAND.working_hours_between(datetime.fromisoformat(start), datetime.fromisoformat(end)) == hours



@pytest.mark.parametrize("since, now, passed", [
    ("2026-12-24T17:00:00+00:00", "2026-12-29T16:59:00+00:00", 0),  # Christmas, Boxing Day (observed 28th), a weekend; the 29th under way
    ("2026-12-24T17:00:00+00:00", "2026-12-29T17:00:00+00:00", 1),  # the 29th's working hours are over at 17:00
    ("2026-12-31T17:00:00+00:00", "2027-01-05T14:00:00+00:00", 1),  # New Year's Day, a weekend, then Monday 4th
    ("2026-11-27T12:00:00+00:00", "2026-11-27T18:00:00+00:00", 0),  # the day it fell due never counts
    ("2026-11-27T17:00:00+00:00", "2026-11-29T23:00:00+00:00", 0),  # nothing but a weekend
    ("2026-11-23T17:00:00+00:00", "2026-11-27T09:30:00+00:00", 3),  # Tuesday to Thursday; Friday under way
])
def test_working_days_passed_counts_the_working_days_over_since_the_day_something_fell_due(since, now, passed):
    assert ENGLAND.working_days_passed(datetime.fromisoformat(since), datetime.fromisoformat(now)) == passed


# equivalent: scheduling.calendar.xǁWorkingCalendarǁworking_days_between__mutmut_1 `if end < start:` -- when end == start the loop `while day < end` never runs, so the count is 0 either way
# equivalent: scheduling.calendar.xǁWorkingCalendarǁnext_working_moment__mutmut_5 `local.time() <= self.day_star` -- at exactly the start of the day, start_of_working_day(day) is the same moment in the same zone as the local time returned otherwise


# Equivalent mutants of the calendar's memory (it remembers working days and sums of them for speed only):
# a memory that never answers, or never keeps, computes the same day again.
# equivalent: scheduling.calendar.xǁWorkingCalendarǁis_working_day__mutmut_1 `known = None` -- the remembered answer is never read: it is worked out again
# equivalent: scheduling.calendar.xǁWorkingCalendarǁis_working_day__mutmut_2 `._working.get(None)` -- the memory is asked for None: never there, so worked out again
# equivalent: scheduling.calendar.xǁWorkingCalendarǁadd_working_days__mutmut_6 `found = None` -- the remembered sum is never read: it is counted again
# equivalent: scheduling.calendar.xǁWorkingCalendarǁadd_working_days__mutmut_7 `lf._added.get(None)` -- the memory is asked for None: never there, so counted again
# equivalent: scheduling.calendar.xǁWorkingCalendarǁadd_working_days__mutmut_13 `d[(day, n)] = None` -- None is kept instead of the day: the next ask finds None and counts again


@pytest.mark.parametrize("region", ["ENG", "WLS", "SCT", "NIR"])
def test_each_regions_bank_holidays_are_the_packages_own_for_ninety_years(region):
    # The calendar loads the United Kingdom's module alone (issue 19, memory); the oracle is the
    # package's public way in, which loads its whole registry.
    import holidays

    calendar = WorkingCalendar(subdivision=region)
    expected = holidays.country_holidays("GB", subdiv=region, years=range(1990, 2080))
    assert len(expected) > 700
    for day in (date(1990, 1, 1) + timedelta(days=n) for n in range((date(2080, 1, 1) - date(1990, 1, 1)).days)):
        assert calendar.holiday_name(day) == expected.get(day), day


def test_a_calendar_loads_no_other_countrys_holidays():
    import subprocess
    import sys
    from pathlib import Path

    probe = ("import sys; from datetime import date; from scheduling.calendar import WorkingCalendar; "
             "assert WorkingCalendar(subdivision='ENG').holiday_name(date(2026, 12, 28)) == 'Boxing Day (observed)'; "
             "print(sorted(m for m in sys.modules if m.startswith('holidays.countries')))")
    run = subprocess.run([sys.executable, "-c", probe], cwd=Path(__file__).parents[2], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "['holidays.countries.united_kingdom']"


def test_the_united_kingdom_is_loaded_from_its_own_file_once_and_kept(monkeypatch):
    """In this process the registry is loaded already (the oracle above): here the module is taken out
    of sys.modules, as a service finds it at start-up, and loaded the calendar's own way."""
    import sys

    from scheduling import calendar as module

    monkeypatch.delitem(sys.modules, "holidays.countries.united_kingdom", raising=False)
    loaded = module._united_kingdom()
    assert loaded.__name__ == "UnitedKingdom" and loaded.__module__ == "holidays.countries.united_kingdom"
    assert sys.modules["holidays.countries.united_kingdom"].UnitedKingdom is loaded  # one copy, kept for whoever asks next
    assert module._united_kingdom() is loaded
    england_2026 = {day for day, _ in loaded(subdiv="ENG", years=2026).items()}
    assert england_2026 == {date(2026, 1, 1), date(2026, 4, 3), date(2026, 4, 6), date(2026, 5, 4), date(2026, 5, 25),
                            date(2026, 8, 31), date(2026, 12, 25), date(2026, 12, 26), date(2026, 12, 28)}
    # gov.uk's bank holidays for 2026, with Boxing Day itself (a Saturday) beside its substitute Monday
