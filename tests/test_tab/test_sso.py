"""The tab's sign-in: only a Microsoft Entra ID access token issued to this app, for a person in an
allowed tenant, signed with a key Entra publishes, names a Viewer. Every forgery is refused with a
reason fit for a log line; Entra's keys out of reach is KeysUnavailable (503), never NotSignedIn.
Keys come from a local key server over real HTTP; PyJWT runs unmocked; time is the app's clock."""
import asyncio
import logging
import socket

import pytest

from tab.sso import EntraTokens, KeysUnavailable, NotSignedIn, Viewer
from tests.support.entra_keys import APP_ID, CONSUMER_TENANT, HOST, OTHER_TENANT, TENANT, EntraKeys, new_key, v2_issuer


@pytest.fixture
async def keys():
    server = await EntraKeys().start()
    yield server
    await server.close()


def make_entra(keys, clock, **overrides) -> EntraTokens:
    options = {"app_id": APP_ID, "host": HOST, "allowed_tenants": (TENANT,), "home_tenant": TENANT,
               "metadata_url": keys.metadata_url, "now": lambda: clock.now().timestamp()}
    options.update(overrides)
    return EntraTokens(**options)


@pytest.fixture
async def entra(keys, clock):
    tokens = make_entra(keys, clock)
    yield tokens
    await tokens.close()


def now(clock) -> float:
    return clock.now().timestamp()


async def refused(entra, authorization) -> str:
    """The reason given, which must never repeat the token (or any sizeable piece of it)."""
    with pytest.raises(NotSignedIn) as caught:
        await entra.viewer(authorization)
    reason = str(caught.value)
    for piece in (authorization or "").replace("Bearer ", "").split("."):
        assert len(piece) < 12 or piece not in reason
    return reason


# --- what gets in ---------------------------------------------------------------------------

async def test_a_genuine_token_names_the_viewer(entra, keys, clock):
    # Rule: a token Entra signed for this app, for an allowed tenant, with access_as_user, is a Viewer.
    viewer = await entra.viewer(f"Bearer {keys.token(now(clock))}")
    assert viewer == Viewer(oid="33333333-3333-3333-3333-333333333333", tenant_id=TENANT, name="Mila Nikolova")


async def test_a_token_without_a_name_still_names_the_viewer(entra, keys, clock):
    # Rule: `name` is for display only and optional; the viewer's name is then "".
    assert (await entra.viewer(f"Bearer {keys.token(now(clock), name=None)}")).name == ""


@pytest.mark.parametrize(
    ("audience", "issuer"),
    [(APP_ID, v2_issuer(TENANT)), (f"api://{HOST}/{APP_ID}", f"https://sts.windows.net/{TENANT}/"),
     (f"api://{HOST}/{APP_ID}", v2_issuer(TENANT))],
    ids=["v2-client-id", "v1-application-id-uri", "v2-issuer-with-uri"],
)
async def test_both_audiences_naming_this_app_and_both_issuer_forms_are_accepted(entra, keys, clock, audience, issuer):
    # Rule: v2.0 tokens carry the client id in aud, v1.0 tokens the Application ID URI
    # api://{host}/{app_id}; the issuer is Entra for the token's own tenant, v2.0 or v1.0 form.
    assert (await entra.viewer(f"Bearer {keys.token(now(clock), aud=audience, iss=issuer)}")).tenant_id == TENANT


async def test_the_scheme_is_case_insensitive_and_other_scopes_may_ride_along(entra, keys, clock):
    # Rule: "Bearer" is matched case-insensitively (RFC 6750); scp is a space-separated list.
    assert await entra.viewer(f"bearer {keys.token(now(clock), scp='openid access_as_user profile')}")


# --- forgeries ------------------------------------------------------------------------------

async def test_a_token_signed_with_another_key_is_refused(entra, keys, clock):
    # Rule: the signature must verify with the published key the token names.
    reason = await refused(entra, f"Bearer {keys.token(now(clock), key=new_key())}")
    assert "signature does not verify" in reason


async def test_an_unknown_kid_is_refused_and_the_key_set_is_refetched_at_most_once_a_minute(entra, keys, clock):
    # Rule: an unknown kid may be a rollover, so the key set is fetched again, but not more than
    # once a minute however many random kids a forger sends.
    for attempt in range(5):
        reason = await refused(entra, f"Bearer {keys.token(now(clock), key=new_key(), kid=f'random-{attempt}')}")
        assert "key Entra does not publish" in reason
    assert keys.fetches == 1
    clock.advance(seconds=59)
    await refused(entra, f"Bearer {keys.token(now(clock), kid='random-again')}")
    assert keys.fetches == 1
    clock.advance(seconds=2)
    await refused(entra, f"Bearer {keys.token(now(clock), kid='random-later')}")
    assert keys.fetches == 2


async def test_a_key_rolled_over_is_picked_up_on_its_first_token(entra, keys, clock):
    # Rule: when Entra starts signing with a new key, its first token triggers one refetch.
    await entra.viewer(f"Bearer {keys.token(now(clock))}")
    rolled = new_key()
    keys.publish("entra-key-2", rolled)
    clock.advance(minutes=5)
    assert await entra.viewer(f"Bearer {keys.token(now(clock), key=rolled, kid='entra-key-2')}")
    assert keys.fetches == 2


async def test_keys_are_cached_for_a_day(entra, keys, clock):
    # Rule: the key set is fetched once and reused; after 24 h it is fetched again.
    for _ in range(3):
        await entra.viewer(f"Bearer {keys.token(now(clock))}")
    assert keys.fetches == 1
    clock.advance(hours=24)
    await entra.viewer(f"Bearer {keys.token(now(clock))}")
    assert keys.fetches == 2


async def test_requests_arriving_together_fetch_the_keys_once(entra, keys, clock):
    # Rule: concurrent first requests wait for one fetch rather than each starting their own.
    token = keys.token(now(clock))
    await asyncio.gather(*(entra.viewer(f"Bearer {token}") for _ in range(10)))
    assert keys.fetches == 1


@pytest.mark.parametrize(
    "audience",
    [f"api://other.example.org/{APP_ID}", f"api://{APP_ID}", "00000000-0000-0000-0000-0000000000ff", "https://graph.microsoft.com"],
    ids=["another-host", "default-uri-without-host", "another-app", "graph"],
)
async def test_a_token_for_another_audience_is_refused(entra, keys, clock, audience):
    # Rule: aud must name this app: api://{host}/{app_id} or the bare app id, nothing else.
    reason = await refused(entra, f"Bearer {keys.token(now(clock), aud=audience)}")
    assert "another audience" in reason


@pytest.mark.parametrize(
    "issuer",
    [v2_issuer(OTHER_TENANT), "https://evil.example/", f"https://login.microsoftonline.com/{TENANT}",
     f"https://sts.windows.net/{TENANT}", f"https://login.microsoftonline.com/{TENANT}/v2.0/evil"],
    ids=["another-tenants-issuer", "stranger", "v2-without-suffix", "v1-without-slash", "suffixed"],
)
async def test_a_token_from_another_issuer_is_refused(entra, keys, clock, issuer):
    # Rule: iss must be Entra for the token's own tid, exactly, in the v2.0 or v1.0 form.
    reason = await refused(entra, f"Bearer {keys.token(now(clock), iss=issuer)}")
    assert "is not Entra ID for the token's tenant" in reason


async def test_a_tenant_not_allowed_is_refused_even_when_all_else_is_genuine(entra, keys, clock):
    # Rule: the token's tid must be in the allowed tenants.
    reason = await refused(entra, f"Bearer {keys.token(now(clock), tid=OTHER_TENANT, iss=v2_issuer(OTHER_TENANT))}")
    assert f"tenant {OTHER_TENANT!r} is not allowed" in reason


async def test_without_an_allow_list_only_the_home_tenant_gets_in(keys, clock):
    # Rule: an empty allow-list means the home tenant alone.
    entra = make_entra(keys, clock, allowed_tenants=(), home_tenant=OTHER_TENANT)
    try:
        token = keys.token(now(clock), tid=OTHER_TENANT, iss=v2_issuer(OTHER_TENANT))
        assert (await entra.viewer(f"Bearer {token}")).tenant_id == OTHER_TENANT
        assert "is not allowed" in await refused(entra, f"Bearer {keys.token(now(clock))}")
    finally:
        await entra.close()


def test_no_tenant_at_all_is_a_configuration_error(keys, clock):
    # Rule: with neither an allow-list nor a home tenant nobody could sign in: refuse to start.
    with pytest.raises(ValueError):
        make_entra(keys, clock, allowed_tenants=(), home_tenant="")


async def test_a_key_published_for_one_tenant_signs_for_no_other(entra, keys, clock):
    # Rule: a key Entra publishes with a fixed issuer (the consumer tenant's) is only good for
    # tokens of that issuer (access-tokens, "Validate the signing key issuer").
    consumer_key = new_key()
    keys.publish("consumer-key", consumer_key, issuer=v2_issuer(CONSUMER_TENANT))
    reason = await refused(entra, f"Bearer {keys.token(now(clock), key=consumer_key, kid='consumer-key')}")
    assert "not one Entra uses for the token's tenant" in reason


async def test_an_expired_token_is_refused_once_the_leeway_is_spent(entra, keys, clock):
    # Rule: exp is honoured against the app's clock, with two minutes' leeway for skew.
    token = keys.token(now(clock))
    clock.advance(seconds=3600 + 119)
    assert await entra.viewer(f"Bearer {token}")
    clock.advance(seconds=2)
    assert "expired" in await refused(entra, f"Bearer {token}")


async def test_a_token_not_yet_valid_is_refused_beyond_the_leeway(entra, keys, clock):
    # Rule: nbf is honoured the same way: up to two minutes early is skew, more is refused.
    assert await entra.viewer(f"Bearer {keys.token(now(clock), nbf=int(now(clock)) + 119)}")
    reason = await refused(entra, f"Bearer {keys.token(now(clock), nbf=int(now(clock)) + 300)}")
    assert "not valid for another" in reason


@pytest.mark.parametrize("scopes", [None, "", "User.Read", "access_as_user_too", "Access_As_User"],
                         ids=["missing", "empty", "another-scope", "lookalike", "other-case"])
async def test_a_token_without_the_access_as_user_scope_is_refused(entra, keys, clock, scopes):
    # Rule: scp must list access_as_user, the scope a Teams SSO app exposes.
    reason = await refused(entra, f"Bearer {keys.token(now(clock), scp=scopes)}")
    assert "access_as_user scope" in reason


async def test_an_unsigned_token_is_refused(entra, keys, clock):
    # Rule: alg "none" is never accepted, and is refused before any key is fetched.
    reason = await refused(entra, f"Bearer {keys.token(now(clock), algorithm='none')}")
    assert "'none'" in reason and "only RS256" in reason
    assert keys.fetches == 0


async def test_hs256_keyed_with_our_public_key_is_refused(entra, keys, clock):
    # Rule: the algorithm is ours to choose, not the token's: an HMAC keyed with the public key
    # (which anyone can download) is the classic confusion forgery.
    reason = await refused(entra, f"Bearer {keys.hs256_with_public_key(now(clock))}")
    assert "'HS256'" in reason and "only RS256" in reason


@pytest.mark.parametrize("claim", ["oid", "tid", "aud", "iss", "exp"])
async def test_a_token_missing_a_required_claim_is_refused(entra, keys, clock, claim):
    # Rule: oid, tid, aud, iss and exp are required.
    reason = await refused(entra, f"Bearer {keys.token(now(clock), **{claim: None})}")
    assert f"lacks the {claim!r} claim" in reason


async def test_a_claim_of_the_wrong_type_is_refused(entra, keys, clock):
    # Rule: the identity claims are strings, the times numbers; anything else is malformed.
    assert "non-empty strings" in await refused(entra, f"Bearer {keys.token(now(clock), aud=[APP_ID])}")
    assert "must be numbers" in await refused(entra, f"Bearer {keys.token(now(clock), exp='tomorrow')}")


@pytest.mark.parametrize(
    ("make_header", "reason"),
    [
        (lambda token: None, "no Authorization header"),
        (lambda token: "", "no Authorization header"),
        (lambda token: token, "not 'Bearer <token>'"),
        (lambda token: f"Basic {token}", "not 'Bearer <token>'"),
        (lambda token: "Bearer", "not a JWT"),
        (lambda token: "Bearer ", "not a JWT"),
        (lambda token: "Bearer not-a-token", "not a JWT"),
        (lambda token: "Bearer aaa.bbb.ccc", "not a well-formed JWT"),
        (lambda token: f"Bearer {token}.extra", "not a JWT"),
        (lambda token: f"Bearer {token[:-21]}", "not a well-formed JWT"),  # 4n+1 base64 characters
        (lambda token: f"Bearer {token[:-20]}{'A' if token[-20] != 'A' else 'B'}{token[-19:]}", "signature does not verify"),
    ],
    ids=["missing", "empty", "no-scheme", "basic", "bearer-alone", "bearer-space", "garbage", "three-garbage-segments",
         "four-segments", "truncated-signature", "tampered-signature"],
)
async def test_a_missing_or_malformed_header_is_refused(entra, keys, clock, make_header, reason):
    # Rule: only "Bearer <JWT>" is read; anything else is refused with what was wrong.
    assert reason in await refused(entra, make_header(keys.token(now(clock))))


async def test_an_oversized_token_is_refused_before_parsing(entra, keys, clock):
    # Rule: a header over 16 KB is refused unread, even if genuinely signed, and costs no key fetch.
    token = keys.token(now(clock), name="x" * 16 * 1024)
    assert "over 16384 bytes" in await refused(entra, f"Bearer {token}")
    assert keys.fetches == 0


# --- Entra out of reach ---------------------------------------------------------------------

def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/common/v2.0/.well-known/openid-configuration"


async def test_keys_out_of_reach_is_keys_unavailable_not_a_refusal(keys, clock):
    # Rule: with no keys we cannot judge a token: KeysUnavailable (503), not NotSignedIn (401).
    entra = make_entra(keys, clock, metadata_url=closed_port_url())
    try:
        with pytest.raises(KeysUnavailable) as caught:
            await entra.viewer(f"Bearer {keys.token(now(clock))}")
        assert not isinstance(caught.value, NotSignedIn)
    finally:
        await entra.close()


async def test_a_key_server_in_trouble_is_asked_again_at_most_once_a_minute(entra, keys, clock):
    # Rule: a failing key server (503) is KeysUnavailable, and is not retried for a minute.
    keys.down = True
    for _ in range(3):
        with pytest.raises(KeysUnavailable):
            await entra.viewer(f"Bearer {keys.token(now(clock))}")
    keys.down = False
    with pytest.raises(KeysUnavailable):
        await entra.viewer(f"Bearer {keys.token(now(clock))}")
    clock.advance(seconds=61)
    assert await entra.viewer(f"Bearer {keys.token(now(clock))}")


async def test_a_hanging_key_server_times_out_as_keys_unavailable(keys, clock):
    # Rule: the fetch has a timeout, so a stalled Entra cannot stall the API.
    keys.hang = True
    entra = make_entra(keys, clock, fetch_timeout=0.2)
    try:
        with pytest.raises(KeysUnavailable, match="TimeoutError"):
            await entra.viewer(f"Bearer {keys.token(now(clock))}")
    finally:
        await entra.close()


async def test_keys_already_fetched_carry_on_while_entra_is_down(entra, keys, clock, caplog):
    # Rule: a day-old key set that cannot be refreshed is still used (Entra rotates keys rarely),
    # with a warning; only a kid we have never seen needs Entra to be up.
    await entra.viewer(f"Bearer {keys.token(now(clock))}")
    keys.down = True
    clock.advance(hours=25)
    with caplog.at_level(logging.WARNING, logger="tab.sso"):
        assert await entra.viewer(f"Bearer {keys.token(now(clock))}")
    assert "could not be refreshed" in caplog.text
    clock.advance(minutes=2)
    with pytest.raises(KeysUnavailable):
        await entra.viewer(f"Bearer {keys.token(now(clock), key=new_key(), kid='entra-key-9')}")
