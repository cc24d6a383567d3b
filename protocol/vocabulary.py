"""The protocol's words: concern categories, agencies, the case facts that rules may test."""
from typing import Literal, get_args

Concern = Literal[
    "serious_physical_injury", "serious_neglect", "penetrative_sexual_abuse", "sexual_abuse",
    "sexual_exploitation", "risk_to_life", "organised_abuse", "allegation_against_staff",
    "fabricated_induced_illness", "child_on_child", "cumulative_concerns", "unborn_child", "fgm",
    "honour_based_violence", "criminal_exploitation", "physical_abuse", "emotional_abuse",
    "neglect", "domestic_abuse", "other",
]

Agency = Literal[
    "social_care", "police", "health", "paediatrician", "education_dsl", "fostering_service",
    "hospital_consultant", "ward_nurse", "midwife", "csa_paediatrician", "sarc", "adult_services", "lado",
    "referrer", "other_authority", "specialist", "legal",
]

BooleanFact = Literal[
    "forensic_evidence_needed", "immediate_protective_action", "in_education", "looked_after",
    "in_hospital", "inpatient", "medical_implications", "complex_disability_or_medical",
    "adult_services_involved", "other_authority_involved", "sarc_referral",
]

CONCERNS: tuple[str, ...] = get_args(Concern)
AGENCIES: tuple[str, ...] = get_args(Agency)
BOOLEAN_FACTS: tuple[str, ...] = get_args(BooleanFact)

AGENCY_NAMES = {
    "social_care": "Children's social care",
    "police": "Police",
    "health": "Health",
    "paediatrician": "Paediatrician",
    "education_dsl": "Designated Safeguarding Lead (education setting)",
    "fostering_service": "Fostering or residential service",
    "hospital_consultant": "Responsible medical consultant",
    "ward_nurse": "Senior ward nurse",
    "midwife": "Midwife (maternity safeguarding)",
    "csa_paediatrician": "CSA paediatrician",
    "sarc": "Sexual Assault Referral Centre",
    "adult_services": "Adult services",
    "lado": "Local Authority Designated Officer",
    "referrer": "Referrer",
    "other_authority": "Other local authority or health trust",
    "specialist": "Specialist in this form of abuse",
    "legal": "Legal advice",
}

CONCERN_LABELS = {
    "serious_physical_injury": "Serious physical injury",
    "serious_neglect": "Serious neglect",
    "penetrative_sexual_abuse": "Penetrative sexual abuse",
    "sexual_abuse": "Sexual abuse (other)",
    "sexual_exploitation": "Sexual exploitation",
    "risk_to_life": "Risk to life / serious immediate harm",
    "organised_abuse": "Organised or complex abuse",
    "allegation_against_staff": "Allegation against someone who works with children",
    "fabricated_induced_illness": "Fabricated or induced illness",
    "child_on_child": "Child-on-child abuse",
    "cumulative_concerns": "Ongoing cumulative concerns",
    "unborn_child": "Risk to an unborn child",
    "fgm": "Female genital mutilation",
    "honour_based_violence": "Honour-based violence",
    "criminal_exploitation": "Criminal exploitation",
    "physical_abuse": "Physical abuse",
    "emotional_abuse": "Emotional abuse",
    "neglect": "Neglect",
    "domestic_abuse": "Domestic abuse",
    "other": "Other",
}

# The decisions of a discussion that start section 47 enquiries: what starts the conference and
# review clocks (owed_when: s47_started) and the census's section 47 return.
S47_DECISIONS = frozenset({"s47_single", "s47_joint"})
# An agreed action still to be done: chased, listed by `mine`, and overdue once its due time has passed.
OWED_ACTION_STATUSES = ("open", "will_complete_by")
# What a review strategy discussion meets: one agreed (or asked for since), and hackney's "if s47 enquiries are not
# concluded within 15 working days" (a re-check: a review started with that owed was given a new referral's timescale).
REVIEWS_OWED = ("review_discussion", "s47_review")
# An obligation still owed: chased (open), or chased to the top of its ladder (breached); not yet met or closed.
OWED_OBLIGATION_STATES = ("open", "breached")
