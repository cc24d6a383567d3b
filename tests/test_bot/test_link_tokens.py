"""The signed link's token parser (bot/links.py), as a property: whatever arrives in the path, it
returns the claim the bot signed, or a LinkError to show on the page; never anything else (an
exception there was a 500). Any change to a genuine token is refused."""
from datetime import datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.links import Claim, LinkError, Links
from scheduling.clock import FixedClock

NOW = datetime(2027, 5, 28, 11, 0, tzinfo=timezone.utc)


def links(secret: bytes = b"s" * 32) -> Links:
    return Links(secret, base_url="https://bot.example/", clock=FixedClock(NOW))


def token_of(url: str) -> str:
    return url.rsplit("/respond/", 1)[1]


GENUINE = token_of(links().make(obligation_id="ob-1", purpose="action", sent_to="escalate_lead"))
PATHS = st.one_of(st.text(max_size=300), st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.=",
                                                 max_size=300),
                  st.builds(lambda a, b: f"{a}.{b}", st.text(max_size=80), st.text(max_size=80)))


@settings(max_examples=400, deadline=None, derandomize=True)
@given(PATHS)
def test_any_path_is_a_claim_or_a_link_error(path):
    try:
        claim = links().read(path)
    except LinkError as error:
        assert str(error)  # words for the person holding the link
    else:
        assert isinstance(claim, Claim) and path == GENUINE


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.integers(min_value=0, max_value=len(GENUINE) - 1), st.characters())
def test_any_change_to_a_genuine_token_is_refused(position, character):
    changed = GENUINE[:position] + character + GENUINE[position + 1:]
    if changed == GENUINE:
        return
    try:
        links().read(changed)
    except LinkError:
        return
    raise AssertionError(f"accepted a changed token: {changed!r}")


def test_a_genuine_token_reads_back_and_expires():
    claim = links().read(GENUINE)
    assert (claim.obligation_id, claim.purpose, claim.expires) == ("ob-1", "action", NOW + timedelta(days=14))
    # Whose email it was is the audit trail's actor (a security trial: the owner's and their manager's were one).
    assert claim.actor == "link:ob-1:escalate_lead"
    later = Links(b"s" * 32, base_url="https://bot.example/", clock=FixedClock(NOW + timedelta(days=15)))
    try:
        later.read(GENUINE)
    except LinkError as error:
        assert "expired" in str(error)
    else:
        raise AssertionError("an expired link was accepted")


def test_a_link_made_before_it_said_whose_it_was_still_reads_as_the_obligations():
    import base64
    import hashlib
    import hmac
    import json

    payload = base64.urlsafe_b64encode(json.dumps({"o": "ob-1", "p": "action", "e": int((NOW + timedelta(days=1)).timestamp())},
                                                  separators=(",", ":")).encode()).rstrip(b"=").decode()
    signature = base64.urlsafe_b64encode(hmac.new(b"s" * 32, payload.encode(), hashlib.sha256).digest()).rstrip(b"=").decode()
    claim = links().read(f"{payload}.{signature}")
    assert (claim.sent_to, claim.actor) == ("", "link:ob-1")


def test_another_secret_refuses_it():
    try:
        links(b"t" * 32).read(GENUINE)
    except LinkError:
        return
    raise AssertionError("a token signed with another secret was accepted")
