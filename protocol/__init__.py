"""The statutory rules and the partnership profiles. Pure: no clock, no database, no network."""
from .assessment import (Assessment, Invitee, Outcome, RuleRef, as_owed_review, as_review, as_unplanned_review, assess,
                         clocks_owed)
from .deadlines import met_out_of_hours
from .errors import FactsError, ProfileError, ProtocolError
from .facts import Facts
from .loading import load_profile, parse_profile, profile_names
from .profile import Profile

__all__ = [
    "Assessment", "Facts", "FactsError", "Invitee", "Profile", "ProfileError", "ProtocolError",
    "Outcome", "RuleRef", "as_owed_review", "as_review", "as_unplanned_review", "assess", "clocks_owed", "load_profile", "met_out_of_hours", "parse_profile", "profile_names",
]
