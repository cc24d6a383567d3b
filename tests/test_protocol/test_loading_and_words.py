"""Loading profiles and the words the rules are said in: the errors a person editing a profile
sees, the baseline's tightening rule at its edges, school age at its boundaries, and how each
kind of time limit is put into words on the cards (a mutation run found these unpinned)."""
import pytest
import yaml

from protocol import Facts, ProfileError, load_profile, parse_profile
from protocol.conditions import school_age
from protocol.deadlines import describe_within
from protocol.loading import PROFILE_DIR, load_baseline
from protocol.profile import WorkingDays


def test_an_unknown_profile_name_lists_the_shipped_ones():
    with pytest.raises(ProfileError, match="unknown profile 'narnia'; choose one of bristol, darlington, hackney, triborough, walsall"):
        load_profile("narnia")


def test_a_missing_file_and_broken_yaml_are_named(tmp_path):
    with pytest.raises(ProfileError, match="no such profile file"):
        load_profile(tmp_path / "absent.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("id: [unclosed\n")
    with pytest.raises(ProfileError, match="broken.yaml: not valid YAML"):
        load_profile(broken)


def test_a_profile_must_be_a_mapping_and_its_baseline_must_exist():
    with pytest.raises(ProfileError, match="a profile must be a mapping of fields"):
        parse_profile(["not", "a", "mapping"])
    raw = yaml.safe_load((PROFILE_DIR / "darlington.yaml").read_text())
    with pytest.raises(ProfileError, match="extends: unknown baseline 'atlantis'; choose one of england"):
        parse_profile({**raw, "extends": "atlantis"})


@pytest.mark.parametrize("within, allowed", [({"working_days": 45}, True), ({"working_days": 46}, False), ("same_day", True),
                                              ("next_working_day_start", True), ("as_soon_as_practicable", False)])
def test_a_national_clock_may_be_restated_only_as_tight_or_tighter(within, allowed):
    raw = yaml.safe_load((PROFILE_DIR / "darlington.yaml").read_text())
    restated = {**raw, "clocks": [{"clock": "assessment", "starts": "referral", "within": within, "text": "local",
                                   "source": "darlington strategy discussion"}]}
    if allowed:
        assert [c.source for c in parse_profile(restated).clocks if c.clock == "assessment"] == ["darlington strategy discussion"]
    else:
        with pytest.raises(ProfileError, match="assessment may only be tightened"):
            parse_profile(restated)


def test_a_profile_without_its_own_same_day_reading_takes_the_baselines():
    assert load_profile("walsall").same_day == load_baseline("england").same_day


@pytest.mark.parametrize("age, expected", [(None, None), (4.99, False), (5, True), (15.99, True), (16, False)])
def test_school_age_is_five_to_under_sixteen(age, expected):
    assert school_age(Facts(received_at="2026-11-23T10:00:00+00:00", child_age_years=age)) is expected


@pytest.mark.parametrize("within, words", [
    (WorkingDays(working_days=1), "within 1 working day of the discussion"),
    (WorkingDays(working_days=15), "within 15 working days of the discussion"),
    ("same_day", "the same day as the discussion"),
    ("immediately", "immediately"),
    ("next_working_day_start", "before the start of the next working day after the discussion"),
    ("as_soon_as_practicable", "as soon as practicable after the discussion"),
])
def test_each_kind_of_time_limit_is_put_into_words(within, words):
    assert describe_within(within, after="the discussion") == words
