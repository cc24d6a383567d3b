"""Loading profiles and the words the rules are said in: the errors a person editing a profile
sees, the baseline's tightening rule at its edges, school age at its boundaries, and how each
kind of time limit is put into words on the cards (a mutation run found these unpinned)."""
import re

import pytest
import yaml

from protocol import Facts, ProfileError, load_profile, parse_profile
from protocol.conditions import school_age
from protocol.deadlines import describe_within, limit_words
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


@pytest.mark.parametrize("within, words", [
    (WorkingDays(working_days=1), "1 working day"), (WorkingDays(working_days=3), "3 working days"), ("same_day", "same day"),
    ("immediately", "immediately"), ("next_working_day_start", "before the next working day"),
    ("as_soon_as_practicable", "as soon as practicable"),
])
def test_a_time_limit_alone_heads_the_tabs_figures_in_the_same_words(within, words):
    assert limit_words(within) == words


# A second mutation run (mutmut 3.8.1) found these unpinned ------------------------------------
def test_a_broken_yaml_file_is_reported_on_one_line_with_the_parsers_words_intact(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("id: [unclosed\n")
    with pytest.raises(ProfileError) as refused:
        load_profile(broken)
    message = str(refused.value)
    assert "\n" not in message  # `python -m protocol check` prints one line a profile editor can act on
    assert re.search(r'broken\.yaml: not valid YAML \(ParserError: while parsing a flow sequence\s+in "<unicode string>", '
                     r"line 1, column 5", message), message


def test_a_wrong_field_in_a_profile_file_is_named_after_that_file(tmp_path):
    edited = tmp_path / "walsall-edited.yaml"
    edited.write_text((PROFILE_DIR / "walsall.yaml").read_text().replace("agency: sarc", "agency: sarcc"))
    with pytest.raises(ProfileError) as refused:
        load_profile(edited)
    assert str(refused.value).startswith(f"{edited}: invitees.5.agency: unknown value 'sarcc'")


def test_a_profile_given_as_data_is_called_profile_in_its_errors():
    with pytest.raises(ProfileError) as refused:
        parse_profile(["not", "a", "mapping"])
    assert str(refused.value) == "profile: a profile must be a mapping of fields"


def test_a_loosened_national_clock_is_reported_against_the_file_that_loosened_it():
    raw = yaml.safe_load((PROFILE_DIR / "darlington.yaml").read_text())
    looser = {**raw, "clocks": [{"clock": "assessment", "starts": "referral", "within": {"working_days": 50},
                                 "text": "later locally", "source": "darlington strategy discussion"}]}
    with pytest.raises(ProfileError) as refused:
        parse_profile(looser, origin="darlington-edited.yaml")
    assert str(refused.value).startswith("darlington-edited.yaml: clocks: assessment may only be tightened from the baseline's")


def test_a_profile_with_its_own_reading_of_same_day_keeps_it_over_the_baselines():
    raw = yaml.safe_load((PROFILE_DIR / "darlington.yaml").read_text())
    own = {"minimum_hours_to_convene": 1, "source": "darlington strategy discussion"}
    same_day = parse_profile({**raw, "same_day": own}).same_day
    assert (same_day.minimum_hours_to_convene, same_day.source) == (1, "darlington strategy discussion")


@pytest.fixture
def baselines(tmp_path, monkeypatch):
    """A baseline folder a profile editor has added to: England's, and whatever the test writes."""
    import protocol.loading

    (tmp_path / "england.yaml").write_text((protocol.loading.BASELINE_DIR / "england.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setattr(protocol.loading, "BASELINE_DIR", tmp_path)
    return tmp_path


def test_an_unknown_baseline_lists_every_baseline_there_is(baselines):
    (baselines / "wales.yaml").write_text((baselines / "england.yaml").read_text(encoding="utf-8").replace("id: england", "id: wales"),
                                          encoding="utf-8")
    raw = yaml.safe_load((PROFILE_DIR / "darlington.yaml").read_text())
    with pytest.raises(ProfileError, match="extends: unknown baseline 'atlantis'; choose one of england, wales$"):
        parse_profile({**raw, "extends": "atlantis"})


def test_a_wrong_field_in_a_baseline_is_named_after_the_baseline_file(baselines):
    text = (baselines / "england.yaml").read_text(encoding="utf-8").replace("minimum_hours_to_convene: 2", "minimum_hours_to_convene: 9")
    (baselines / "broken.yaml").write_text(text, encoding="utf-8")
    raw = yaml.safe_load((PROFILE_DIR / "darlington.yaml").read_text())
    with pytest.raises(ProfileError) as refused:
        parse_profile({**raw, "extends": "broken"})
    assert str(refused.value).startswith(f"{baselines / 'broken.yaml'}: same_day.minimum_hours_to_convene: ")


# A stricter baseline, to try the tightening rule on every kind of time limit: sooner is tighter
# (immediately < same day < before the next working day starts < within 1 working day < ... <
# as soon as practicable).
TIGHT_BASELINE = """
id: tight
name: a stricter national baseline
seed: none
same_day: {minimum_hours_to_convene: 2, source: national}
clocks:
  - {clock: information_updates, starts: discussion, within: {working_days: 1}, text: national, source: national}
  - {clock: agency_contact, starts: referral, within: same_day, owed_when: before_discussion, text: national, source: national}
  - {clock: lado_notification, starts: discussion, within: immediately, text: national, source: national}
"""


@pytest.mark.parametrize("clock, within, allowed", [
    ("information_updates", "immediately", True), ("information_updates", "same_day", True),
    ("information_updates", "next_working_day_start", True), ("information_updates", {"working_days": 1}, True),
    ("information_updates", {"working_days": 2}, False),
    ("agency_contact", "immediately", True), ("agency_contact", "same_day", True),
    ("agency_contact", "next_working_day_start", False), ("agency_contact", {"working_days": 1}, False),
    ("lado_notification", "immediately", True), ("lado_notification", "same_day", False),
])
def test_each_kind_of_national_time_limit_may_be_restated_only_as_tight_or_tighter(baselines, clock, within, allowed):
    (baselines / "tight.yaml").write_text(TIGHT_BASELINE, encoding="utf-8")
    raw = yaml.safe_load((PROFILE_DIR / "darlington.yaml").read_text())
    restated = {**raw, "extends": "tight", "clocks": [{"clock": clock, "starts": "discussion", "within": within, "text": "local",
                                                       "source": "darlington strategy discussion"}]}
    if allowed:
        assert [c.source for c in parse_profile(restated).clocks if c.clock == clock] == ["darlington strategy discussion"]
    else:
        with pytest.raises(ProfileError, match=f"{clock} may only be tightened"):
            parse_profile(restated)


@pytest.fixture
def ascii_locale():
    """A server whose locale is not UTF-8 (a profile file is UTF-8 whatever the machine's locale)."""
    import locale

    before = locale.setlocale(locale.LC_CTYPE)
    locale.setlocale(locale.LC_CTYPE, "C")
    try:
        yield
    finally:
        locale.setlocale(locale.LC_CTYPE, before)


def test_profiles_and_the_baseline_are_read_as_utf8_whatever_the_servers_locale(tmp_path, ascii_locale):
    edited = tmp_path / "darlington-edited.yaml"
    edited.write_text((PROFILE_DIR / "darlington.yaml").read_text(encoding="utf-8")
                      .replace("\nname: ", "\nname: Darlington – edited under PROTOCOL.md §2, ", 1), encoding="utf-8")
    loaded = load_profile(edited)
    assert loaded.name.startswith("Darlington – edited under PROTOCOL.md §2, ")
    assert loaded.same_day.source == 'PROTOCOL.md §2 (the reading of "same day")'  # the baseline's words (england.yaml)


# equivalent: protocol.loading.x_load_profile__mutmut_16 `ext(encoding="UTF-8"))` -- encoding "UTF-8" and "utf-8" name the same codec (codec lookup ignores case)
# equivalent: protocol.loading.x_load_baseline__mutmut_16 `ext(encoding="UTF-8")))` -- encoding "UTF-8" and "utf-8" name the same codec (codec lookup ignores case)
# equivalent: protocol.loading.x__looseness__mutmut_4 `mmediately": -3, "same_day":` -- immediately at -3 instead of -2 keeps every comparison: it stays below same_day (-1) and equal to itself
# equivalent: protocol.loading.x__looseness__mutmut_16 `able": float("INF")}[within]` -- float("INF") == float("inf"): float() reads infinity case-insensitively
