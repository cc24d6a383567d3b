"""PROTOCOL.md §3, every row for every profile: who is invited, required or recommended, and why."""
import pytest

from .helpers import PROFILES, run

# fact row -> case facts, then per profile: (agency, required, source) or None when the
# partnership's procedure says nothing about it.
ROWS = {
    "child in school or nursery": (
        {"in_education": True},
        {"hackney": ("education_dsl", True, "hackney 6.1"), "bristol": ("education_dsl", False, "bristol attendees (additional)"),
         "triborough": ("education_dsl", False, "triborough 9"), "walsall": ("education_dsl", True, "walsall Accountabilities (who attends)"),
         "darlington": ("education_dsl", False, "darlington strategy discussion")},
    ),
    "child looked after": (
        {"looked_after": True},
        {"hackney": ("fostering_service", True, "hackney 6.1"),
         "bristol": ("fostering_service", True, "Working Together 2023 (national; quoted by triborough 8, darlington)"),
         "triborough": ("fostering_service", True, "triborough 8"),  # social care "including the fostering service" (14.2)
         "walsall": ("fostering_service", True, "Working Together 2023 (national; quoted by triborough 8, darlington)"),
         "darlington": ("fostering_service", True, "darlington strategy discussion")},
    ),
    "significant medical implications": (
        {"medical_implications": True},
        {"hackney": ("paediatrician", True, "hackney 6.3"), "bristol": ("paediatrician", False, "bristol health role"),
         "triborough": ("paediatrician", True, "triborough 11"), "walsall": ("paediatrician", False, "walsall Child Protection Paediatricians"),
         "darlington": None},
    ),
    "child in hospital": (
        {"in_hospital": True},
        {"hackney": ("hospital_consultant", True, "hackney 6.3"), "bristol": ("hospital_consultant", False, "bristol venue"),
         "triborough": ("hospital_consultant", True, "triborough 11"), "walsall": ("hospital_consultant", True, "walsall Inpatients in Hospital"),
         "darlington": ("hospital_consultant", False, "darlington strategy discussion")},
    ),
    "in-patient": (
        {"in_hospital": True, "inpatient": True},
        {"hackney": ("ward_nurse", True, "hackney 6.3"), "bristol": None, "triborough": ("ward_nurse", True, "triborough 11"),
         "walsall": None, "darlington": None},
    ),
    "unborn child: the mother's midwife (bristol and darlington name one among the health services to consider)": (
        {"concerns": ["unborn_child"]},
        {"hackney": None, "triborough": None, "walsall": None,
         "bristol": ("midwife", False, "bristol attendees (additional; any health services the child or family members are receiving, e.g. midwife)"),
         "darlington": ("midwife", False, "darlington strategy discussion (health representatives from all those involved, e.g. midwife)")},
    ),
    "fabricated or induced illness: a paediatrician (its medical implications are significant)": (
        {"concerns": ["fabricated_induced_illness"]},
        {"hackney": ("paediatrician", True, "hackney 6.3"), "bristol": None, "triborough": ("paediatrician", True, "triborough 11"),
         "walsall": None, "darlington": None},
    ),
    "child sexual abuse: CSA paediatricians": (
        {"concerns": ["sexual_abuse"]},
        {"hackney": ("csa_paediatrician", True, "hackney 6.4"), "bristol": None, "triborough": None, "walsall": None, "darlington": None},
    ),
    "child sexual exploitation: SARC": (
        {"concerns": ["sexual_exploitation"]},
        {"hackney": None, "bristol": None, "triborough": None, "walsall": ("sarc", True, "walsall Child Sexual Assault Referral Centre (SARC)"), "darlington": None},
    ),
    "complex disability or medical background": (
        {"complex_disability_or_medical": True},
        {"hackney": ("paediatrician", False, "hackney appendix 1"), "bristol": None, "triborough": None, "walsall": None,
         "darlington": None},
    ),
    "adult services support the parents": (
        {"adult_services_involved": True},
        {"hackney": ("adult_services", True, "hackney 6.5"), "bristol": ("adult_services", False, "bristol attendees (additional)"),
         "triborough": None, "walsall": ("adult_services", False, "walsall Health Attendance at Strategy Meetings"), "darlington": None},
    ),
    "another authority involved": (
        {"other_authority_involved": True},
        {"hackney": None, "bristol": None, "triborough": None,
         "walsall": ("other_authority", True, "walsall Out of Area/Borough Children"), "darlington": None},
    ),
    "the referrer": (
        {"referrer_agency": "GP"},
        {"hackney": ("referrer", False, "hackney 6.2"), "bristol": ("referrer", False, "bristol attendees (additional)"),
         "triborough": ("referrer", False, "triborough 9"), "walsall": ("referrer", False, "walsall General Practitioners (GP)"),
         "darlington": ("referrer", False, "darlington strategy discussion")},
    ),
    "specialist expertise (FGM)": (
        {"concerns": ["fgm"]},
        {"hackney": ("specialist", False, "hackney 6.6"), "bristol": ("specialist", False, "bristol attendees (additional)"),
         "triborough": ("specialist", False, "triborough 11"), "walsall": None, "darlington": None},
    ),
    "legal questions (immediate protective action)": (
        {"immediate_protective_action": True},
        {"hackney": None, "bristol": ("legal", False, "bristol attendees (additional)"), "triborough": None, "walsall": None,
         "darlington": None},
    ),
}
AGENCY_OF_ROW = {row: next(e[0] for e in expected.values() if e) for row, (_, expected) in ROWS.items()}

CASES = [
    pytest.param(facts, name, AGENCY_OF_ROW[row], expected[name], id=f"{row}-{name}")
    for row, (facts, expected) in ROWS.items()
    for name in PROFILES
]


@pytest.mark.parametrize("facts, profile_name, agency, expected", CASES)
def test_every_invitee_row_for_every_profile(facts, profile_name, agency, expected):
    invitees = {i["agency"]: i for i in run(profile_name, **facts).to_json()["invitees"]}
    if expected is None:
        assert agency not in invitees
        return
    _, required, source = expected
    assert invitees[agency]["required"] is required
    assert invitees[agency]["source"] == source
    assert invitees[agency]["reason"]


@pytest.mark.parametrize("profile_name", PROFILES)
def test_social_care_police_and_health_are_always_required_and_are_the_quorum(profile_name):
    assessment = run(profile_name, concerns=["neglect"]).to_json()
    required = {i["agency"] for i in assessment["invitees"] if i["required"]}
    assert required == {"social_care", "police", "health"}
    assert assessment["quorum"] == ["social_care", "police", "health"]


@pytest.mark.parametrize("profile_name", PROFILES)
def test_nothing_beyond_the_minimum_when_no_fact_calls_for_it(profile_name):
    assessment = run(profile_name, concerns=["neglect"], in_education=False, looked_after=False)
    assert [i.agency for i in assessment.invitees] == ["social_care", "police", "health"]


def test_an_agency_named_by_two_rules_appears_once_required_with_both_reasons():
    invitees = run("hackney", medical_implications=True, complex_disability_or_medical=True).invitees
    paediatricians = [i for i in invitees if i.agency == "paediatrician"]
    assert len(paediatricians) == 1
    assert paediatricians[0].required is True
    assert paediatricians[0].source == "hackney 6.3; hackney appendix 1"
    assert "complex disability" in paediatricians[0].reason


def test_the_referrer_is_named_in_the_reason():
    invitees = {i.agency: i for i in run("walsall", referrer_agency="GP surgery").invitees}
    assert "(GP surgery)" in invitees["referrer"].reason


def test_walsall_sarc_for_all_sexual_abuse_concerns_and_hackney_csa_paediatricians():
    walsall = {i.agency for i in run("walsall", concerns=["penetrative_sexual_abuse"]).invitees}
    hackney = {i.agency for i in run("hackney", concerns=["penetrative_sexual_abuse"]).invitees}
    assert "sarc" in walsall and "csa_paediatrician" not in walsall
    assert "csa_paediatrician" in hackney and "sarc" not in hackney


def test_an_agency_named_by_two_rules_gives_each_reason_in_turn_like_its_sources():
    # Received in the evening with a serious injury too: due tonight, so the EDT meets (out of hours).
    evening = run("hackney", received_at="2026-11-23T19:00:00+00:00", concerns=["sexual_abuse", "serious_physical_injury"]).invitees
    csa = next(i for i in evening if i.agency == "csa_paediatrician")
    assert csa.source == "hackney 6.4; hackney appendix 1"
    assert csa.reason == (
        "known or suspected child sexual abuse; paediatricians from the CSA Hub, The Haven and Hackney Ark/Homerton should be invited"
        "; out of hours, the on-call acute paediatrician through the hospital switchboard (in hours the named doctor, "
        "Monday to Friday 09:00-17:00, else the Havens)")


def test_a_referrer_placeholder_with_no_referrer_given_reads_not_stated():
    """A profile editor's rule that mentions {referrer_agency} without requiring a referrer: the card says
    the referrer was not stated, never the raw placeholder."""
    import yaml

    from protocol import Facts, assess, parse_profile
    from protocol.loading import PROFILE_DIR
    from scheduling.calendar import calendar_for

    raw = yaml.safe_load((PROFILE_DIR / "hackney.yaml").read_text())
    referrer = next(r for r in raw["invitees"] if r["agency"] == "referrer")
    del referrer["when"]
    edited = parse_profile(raw)
    invitees = {i.agency: i for i in assess(edited, Facts(received_at="2026-11-23T10:00:00+00:00"), calendar_for(edited)).invitees}
    assert invitees["referrer"].reason == "the referring agency holds information relevant to the concerns (not stated)"


@pytest.mark.parametrize("age, required, reason_starts", [
    (3, False, "the child attends a setting below school age (e.g. a nursery)"),
    (10, True, "the child is of school age; the child's school or college must be involved"),
    (16, True, "the child is at school or college past compulsory school age"),
    (17.5, True, "the child is at school or college past compulsory school age"),
])
def test_hackney_the_childs_school_or_college_must_be_involved_at_any_age_in_it_a_nursery_is_recommended(age, required, reason_starts):
    """Hackney 6.1: "the child's school or college". A procedures expert's trial: a 17-year-old at college
    was a recommended invitee, "(e.g. a nursery)"."""
    [dsl] = [i for i in run("hackney", in_education=True, child_age_years=age).to_json()["invitees"] if i["agency"] == "education_dsl"]
    assert dsl["required"] is required and dsl["reason"].startswith(reason_starts), dsl
    assert "nursery" not in dsl["reason"] or age < 5
