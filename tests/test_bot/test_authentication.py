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
