"""With an app id configured, only Bot Framework tokens get in: anything else is a 401 at our
edge (botbuilder itself answers a malformed token with a 500)."""
import jwt
import pytest

from tests.conftest import make_settings, start_bot, stop_bot
from tests.support import activities


@pytest.fixture
async def secured_bot(tmp_path, clock):
    bot = await start_bot(make_settings(tmp_path, app_id="00000000-0000-0000-0000-0000000000b0", app_password="secret"), clock)
    yield bot
    await stop_bot(bot)


def foreign_token() -> str:
    # Well formed, but issued by someone who is not the Bot Framework: refused before any key fetch.
    return jwt.encode({"iss": "https://sts.evil.example/", "aud": "00000000-0000-0000-0000-0000000000b0"}, "k" * 32, algorithm="HS256")


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer",
        "Bearer not-a-token",
        "Bearer aaa.bbb.ccc",
        "Basic dXNlcjpwYXNz",
        f"Bearer {foreign_token()}",
    ],
    ids=["missing", "empty", "no-token", "garbage", "three-garbage-segments", "basic-auth", "foreign-issuer"],
)
async def test_missing_malformed_or_foreign_tokens_are_401(secured_bot, authorization):
    headers = {} if authorization is None else {"Authorization": authorization}
    response = await secured_bot.post(activities.personal(secured_bot.connector.url, "help"), headers=headers)
    assert response.status == 401
    assert secured_bot.connector.sent == []


async def test_the_service_keeps_serving_after_refusals(secured_bot):
    for _ in range(3):
        assert (await secured_bot.post(activities.personal(secured_bot.connector.url, "help"))).status == 401
    response = await secured_bot.http.get(secured_bot.server.make_url("/healthz"))
    assert (await response.json())["mode"] == "azure"


# ---- local mode: no app id, so no token is asked for ------------------------------------------
class CountingAuthentication:
    """botbuilder's own authentication, counting how often it is asked."""

    def __init__(self, inner):
        self.inner, self.asked = inner, 0

    async def authenticate_request(self, activity, auth_header):
        self.asked += 1
        return await self.inner.authenticate_request(activity, auth_header)


def botbuilders_local_mode():
    from types import SimpleNamespace

    from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication

    return ConfigurationBotFrameworkAuthentication(SimpleNamespace(APP_ID=None, APP_PASSWORD=None, APP_TYPE="MultiTenant", APP_TENANTID=None))


def identity_of(result) -> tuple:
    identity = result.claims_identity
    return identity.claims, identity.is_authenticated, identity.authentication_type, result.audience, result.caller_id


async def test_local_mode_answers_a_tokenless_request_as_botbuilder_does_and_works_it_out_once(clock):
    from botbuilder.schema import Activity

    from bot.connector import ConnectorPool, PooledAuthentication

    counted = CountingAuthentication(botbuilders_local_mode())
    authentication = PooledAuthentication(counted, ConnectorPool(clock=clock))
    activity = Activity(type="message", channel_id="msteams", service_url="http://127.0.0.1:1/")
    first = await authentication.authenticate_request(activity, "")
    second = await authentication.authenticate_request(activity, None)
    botbuilders = await botbuilders_local_mode().authenticate_request(activity, "")
    assert identity_of(first) == identity_of(second) == identity_of(botbuilders)
    assert first.claims_identity.is_authenticated and first.claims_identity.authentication_type == "anonymous"
    assert first.claims_identity is not second.claims_identity  # each turn its own identity to keep
    assert counted.asked == 1
    assert first.connector_factory is not None and second.connector_factory is not None


async def test_local_mode_still_asks_botbuilder_about_the_emulators_skill_calls_and_tokens(clock):
    from botbuilder.schema import Activity, ChannelAccount, ConversationReference

    from bot.connector import ConnectorPool, PooledAuthentication

    counted = CountingAuthentication(botbuilders_local_mode())
    authentication = PooledAuthentication(counted, ConnectorPool(clock=clock))
    skill_call = Activity(type="message", channel_id="emulator", service_url="http://127.0.0.1:1/",
                          recipient=ChannelAccount(id="bot", role="skill"), relates_to=ConversationReference())
    for _ in range(2):
        result = await authentication.authenticate_request(skill_call, "")
        assert result.claims_identity.claims.get("appid") == "AnonymousSkill"  # botbuilder's anonymous skill claim
    assert counted.asked == 2
