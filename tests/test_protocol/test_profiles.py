"""Loading a profile validates it and names the exact field that is wrong."""
import copy

import pytest
import yaml

from protocol import ProfileError, load_profile, parse_profile, profile_names
from protocol.loading import load_baseline
from protocol.loading import PROFILE_DIR

from .helpers import PROFILES


def test_the_five_partnerships_ship_as_profiles():
    assert profile_names() == sorted(PROFILES)


@pytest.mark.parametrize("name", PROFILES)
def test_every_rule_in_every_profile_names_its_source(name):
    profile = load_profile(name)
    rules = [profile.timescales.default, *profile.timescales.rules, *profile.invitees, *profile.formats.rules, *profile.clocks]
    baseline = load_baseline("england")
    national = {c.clock for c in baseline.clocks} | {r.agency for r in baseline.invitees}
    assert all(rule.source.startswith(name) or ((getattr(rule, "clock", None) or getattr(rule, "agency", None)) in national
                                                and rule.source.startswith("Working Together 2023")) for rule in rules)
    assert (PROFILE_DIR.parent.parent.parent / "shared" / "seeds" / profile.seed).exists()


def raw(name="hackney") -> dict:
    return yaml.safe_load((PROFILE_DIR / f"{name}.yaml").read_text())


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda p: p["timescales"]["rules"][1]["when"].update(concerns_any=["penetrative_sex_abuse"]),
         "timescales.rules.1.when.concerns_any.0: unknown value 'penetrative_sex_abuse'"),
        (lambda p: p["invitees"][3].update(agency="school"), "invitees.3.agency: unknown value 'school'"),
        (lambda p: p["timescales"]["default"].update(within={"working_days": 0}),
         "timescales.default.within.WorkingDays.working_days: Input should be greater than or equal to 1"),
        (lambda p: p["timescales"]["default"].update(within="immediately"), "a deadline cannot be 'immediately'"),
        (lambda p: p["clocks"][0].update(starts="meeting"), "clocks.0.starts: unknown value 'meeting'"),
        (lambda p: p.update(time_zone="Europe/Londres"), "time_zone: Value error, unknown time zone 'Europe/Londres'"),
        (lambda p: p["invitees"][1].update(requried=True), "invitees.1.requried: unknown key"),
        (lambda p: p["quorum"].update(agencies=["social_care", "police", "paediatrician"], counts_as={}),
         "quorum agencies must always be required invitees: paediatrician"),
        (lambda p: p["quorum"]["counts_as"].update(ward_nurse="legal"),
         "counts_as must map an agency outside the quorum to one in it: ward_nurse -> legal"),
        (lambda p: p["quorum"]["counts_as"].update(police="health"),
         "counts_as must map an agency outside the quorum to one in it: police -> health"),
        (lambda p: p["quorum"].pop("counts_as_source"), "counts_as needs its counts_as_source"),
        (lambda p: p["clocks"][0].update(remind_working_days_before=3),
         "remind_working_days_before and remind_source go together"),
        (lambda p: p["clocks"].append("icpc"), "clocks.4: Input should be a valid dictionary or instance of ClockRule"),
        (lambda p: p["working_hours"].update(starts="18:00"), "working_hours.starts must be before working_hours.ends"),
        (lambda p: p["timescales"]["rules"].append(copy.deepcopy(p["timescales"]["rules"][0])),
         "duplicate timescale rule ids: serious_risk_of_harm"),
    ],
)
def test_a_broken_profile_is_refused_naming_the_field(mutate, message):
    profile = raw()
    mutate(profile)
    with pytest.raises(ProfileError) as error:
        parse_profile(profile, origin="hackney.yaml")
    assert message in str(error.value)
    assert str(error.value).startswith("hackney.yaml: ")


def test_unknown_profile_name_lists_the_choices():
    with pytest.raises(ProfileError, match="unknown profile 'leeds'; choose one of bristol, darlington, hackney"):
        load_profile("leeds")


def test_a_profile_file_with_bad_yaml(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("id: [unclosed\n")
    with pytest.raises(ProfileError, match="not valid YAML"):
        load_profile(path)


# ---- the baseline's invitees, merged as a profile loads (read afresh here: the loaded profiles are cached) ----
def fresh(name: str, edit=None):
    from protocol import parse_profile

    loaded = raw(name)
    if edit:
        edit(loaded)
    return parse_profile(loaded, origin=name)


def fostering_rules(profile) -> list:
    return [(r.required, r.source) for r in profile.invitees if r.agency == "fostering_service"]


def test_a_profiles_own_rule_for_an_agency_stands_instead_of_the_baselines():
    assert fostering_rules(fresh("hackney")) == [(True, "hackney 6.1")]  # not the national one as well
    assert fostering_rules(fresh("bristol")) == [(True, "Working Together 2023 (national; quoted by triborough 8, darlington)")]


def test_a_profile_without_invitees_or_with_a_broken_list_is_refused_naming_the_field():
    from protocol import ProfileError

    with pytest.raises(ProfileError, match=r"invitees: Field required"):
        fresh("bristol", lambda r: r.pop("invitees"))
    with pytest.raises(ProfileError, match=r"invitees: Input should be a valid tuple"):
        fresh("bristol", lambda r: r.update(invitees="police"))
