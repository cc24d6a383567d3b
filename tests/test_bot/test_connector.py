"""The bot's side of the Bot Framework protocol with an app id, as in Azure: inbound tokens are
checked by botbuilder (signature, issuer, audience, service URL, channel endorsement) against
the Bot Framework's published keys, here served from 127.0.0.1; outbound replies carry the
bot's own token, fetched once and renewed before it expires, over one pooled connector."""
from datetime import timedelta

import jwt
import pytest
from botframework.connector.auth import ChannelValidation, MicrosoftAppCredentials
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.conftest import no_wait, make_settings, start_bot, stop_bot
from tests.support import activities
from tests.support.bot_keys import APP_ID, BotFrameworkKeys

@pytest.fixture
def bot_framework(monkeypatch):
    keys = BotFrameworkKeys()
    monkeypatch.setattr(ChannelValidation, "open_id_metadata_endpoint", keys.metadata_url)
    yield keys
    keys.stop()


@pytest.fixture
def entra_tokens(monkeypatch, clock):
    """The bot's own tokens from Entra ID (MSAL, in Azure): each one lasts an hour from the clock."""
    issued = []

    def get_access_token(credentials, force_refresh: bool = False) -> str:
        expires = clock.now() + timedelta(hours=1)
        issued.append(jwt.encode({"aud": "https://api.botframework.com", "exp": int(expires.timestamp()), "n": len(issued)},
                                 "entra-test-key-of-32-bytes-or-more", algorithm="HS256"))
        return issued[-1]

    monkeypatch.setattr(MicrosoftAppCredentials, "get_access_token", get_access_token)
    return issued


@pytest.fixture
async def azure_bot(tmp_path, clock, bot_framework, entra_tokens):
    bot = await start_bot(make_settings(tmp_path, app_id=APP_ID, app_password="secret"), clock)
    yield bot
    await stop_bot(bot)


async def say_help(bot, bot_framework, **token):
    activity = activities.personal(bot.connector.url, "help")
    return await bot.post(activity, headers={"Authorization": f"Bearer {bot_framework.token(bot.connector.url, **token)}"})


async def test_a_signed_bot_framework_token_gets_in_and_the_reply_carries_the_bots_own_token(azure_bot, bot_framework, entra_tokens):
    response = await say_help(azure_bot, bot_framework)
    assert response.status == 201
    [reply] = await azure_bot.connector.wait_for(1)
    assert "strategy discussions" in reply["text"]
    assert reply["_authorization"] == f"Bearer {entra_tokens[0]}"


async def test_the_bots_token_is_fetched_once_and_renewed_before_it_expires(azure_bot, bot_framework, entra_tokens, clock):
    for _ in range(3):
        assert (await say_help(azure_bot, bot_framework)).status == 201
    assert len(entra_tokens) == 1
    clock.advance(minutes=56)  # five minutes before the hour: renewed, never sent stale
    assert (await say_help(azure_bot, bot_framework)).status == 201
    sent = await azure_bot.connector.wait_for(4)
    assert len(entra_tokens) == 2
    assert [a["_authorization"] for a in sent] == [f"Bearer {entra_tokens[0]}"] * 3 + [f"Bearer {entra_tokens[1]}"]


@pytest.mark.parametrize("token", [
    {"key": rsa.generate_private_key(public_exponent=65537, key_size=2048)},  # right key id, wrong key
    {"audience": "00000000-0000-0000-0000-0000000000ff"},  # another bot's token
    {"kid": "not-a-published-key"},
], ids=["forged-signature", "another-bot", "unknown-key"])
async def test_tokens_that_fail_botbuilders_checks_are_401_and_nothing_runs(azure_bot, bot_framework, token):
    response = await say_help(azure_bot, bot_framework, **token)
    assert response.status == 401
    assert azure_bot.connector.sent == []


async def test_a_token_for_another_service_url_is_401(azure_bot, bot_framework):
    activity = activities.personal(azure_bot.connector.url, "help")
    response = await azure_bot.post(activity, headers={"Authorization": f"Bearer {bot_framework.token('https://smba.evil.example/')}"})
    assert response.status == 401
    assert azure_bot.connector.sent == []


async def test_a_throttled_reply_waits_as_teams_asks_then_goes_once(azure_bot, bot_framework):
    no_wait.waits.clear()
    azure_bot.connector.fail_next = [(429, {"Retry-After": "2"})]
    assert (await say_help(azure_bot, bot_framework)).status == 201
    [reply] = await azure_bot.connector.wait_for(1)
    assert "strategy discussions" in reply["text"] and no_wait.waits == [2.0]


@pytest.mark.parametrize("status", [412, 502, 504])
async def test_a_reply_teams_asks_to_retry_goes_once_after_the_retry(azure_bot, bot_framework, status):
    """Teams' rate-limit guidance retries 412, 502 and 504 as well as 429: one such answer must not
    fail the turn (and tell the user nothing was changed when it was)."""
    no_wait.waits.clear()
    azure_bot.connector.fail_next = [status]
    assert (await say_help(azure_bot, bot_framework)).status == 201
    [reply] = await azure_bot.connector.wait_for(1)
    assert "strategy discussions" in reply["text"] and len(no_wait.waits) == 1


async def test_a_403_on_a_reply_is_not_retried(azure_bot, bot_framework):
    no_wait.waits.clear()
    azure_bot.connector.fail_next = [403, 403]  # e.g. MessageWritesBlocked: the reply, then the apology
    await say_help(azure_bot, bot_framework)
    assert no_wait.waits == [] and azure_bot.connector.sent == []


async def test_a_token_the_connector_refuses_is_fetched_anew_for_the_next_reply(azure_bot, bot_framework, entra_tokens):
    azure_bot.connector.fail_next = [401]  # e.g. the client secret was rotated
    await say_help(azure_bot, bot_framework)
    assert (await say_help(azure_bot, bot_framework)).status == 201
    sent = await azure_bot.connector.wait_for(1)
    assert len(entra_tokens) == 2 and sent[-1]["_authorization"] == f"Bearer {entra_tokens[1]}"
