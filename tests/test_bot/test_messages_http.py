"""The bot through its real HTTP surface: Teams-shaped activities POSTed to /api/messages of the
running app, replies captured by the local connector named as the activity's serviceUrl."""
import asyncio

import pytest

from tests.conftest import ROOT, make_settings, migrate, start_bot, stop_bot
from tests.support import activities


async def test_help_in_a_personal_chat(running_bot):
    response = await running_bot.post(activities.personal(running_bot.connector.url, "help"))
    assert response.status == 201
    [reply] = await running_bot.connector.wait_for(1)
    assert reply["type"] == "message"
    assert "convenes and follows through child protection strategy discussions" in reply["text"]
    assert "City & Hackney" in reply["text"]
    assert "**help**" in reply["text"]
    assert reply["_conversation_id"] == "a:1personal-chat"
    assert reply["replyToId"].startswith("act-")


@pytest.mark.parametrize("text", ["/help", "HELP", " help ", "/Help please"])
async def test_help_with_a_slash_or_any_case(running_bot, text):
    await running_bot.post(activities.personal(running_bot.connector.url, text))
    [reply] = await running_bot.connector.wait_for(1)
    assert "strategy discussions" in reply["text"]


@pytest.mark.parametrize("text", ["help", "/help", "&nbsp;help"])
async def test_help_in_a_channel_with_an_at_mention(running_bot, text):
    activity = activities.channel_mention(running_bot.connector.url, text)
    assert activity["text"].startswith("<at>Strategy Bot</at>")
    response = await running_bot.post(activity)
    assert response.status == 201
    [reply] = await running_bot.connector.wait_for(1)
    assert "strategy discussions" in reply["text"]
    assert reply["_conversation_id"] == "19:mash-channel@thread.tacv2;messageid=1700000000000"


@pytest.mark.parametrize("text", ["Morning all, is the MASH meeting still at 10?", "help", "thanks", ""])
async def test_people_talking_in_a_channel_without_mentioning_the_bot_get_no_answer_from_it(running_bot, text):
    # With resource-specific consent Teams sends the bot every channel message; the manifest tells the admin it
    # answers only what is meant for it. A slash command or an @mention is; a reply in the channel is not.
    response = await running_bot.post(activities.channel_message(running_bot.connector.url, text))
    assert response.status in (200, 201)
    await running_bot.post(activities.channel_message(running_bot.connector.url, "/help"))
    [reply] = await running_bot.connector.wait_for(1)  # only the slash command's answer
    assert "strategy discussions" in reply["text"]


async def test_an_unknown_command_gets_a_helpful_answer(running_bot):
    await running_bot.post(activities.personal(running_bot.connector.url, "convene"))
    [reply] = await running_bot.connector.wait_for(1)
    assert reply["text"] == "Sorry, I don't understand that. Type **help** to see what I can do."


async def test_a_near_miss_suggests_the_command(running_bot):
    await running_bot.post(activities.personal(running_bot.connector.url, "/hlep"))
    [reply] = await running_bot.connector.wait_for(1)
    assert "Did you mean **help**?" in reply["text"]


async def test_free_text_is_not_quoted_back_into_the_chat(running_bot):
    # A person might type case detail by mistake; the bot must not repeat it into a channel.
    await running_bot.post(activities.channel_mention(running_bot.connector.url, "Jane Smith 01/02/2015 bruising"))
    [reply] = await running_bot.connector.wait_for(1)
    assert "Jane" not in reply["text"]
    assert reply["text"] == "Sorry, I don't understand that. Type **help** to see what I can do."


async def test_a_bare_mention_is_greeted(running_bot):
    await running_bot.post(activities.channel_mention(running_bot.connector.url, ""))
    [reply] = await running_bot.connector.wait_for(1)
    assert reply["text"].startswith("Hello.")


async def test_installing_the_bot_says_hello(running_bot):
    activity = activities.personal(running_bot.connector.url, "")
    activity.update(type="conversationUpdate", membersAdded=[{"id": activities.BOT_ID}])
    del activity["text"]
    assert (await running_bot.post(activity)).status == 201
    [reply] = await running_bot.connector.wait_for(1)
    assert "I'm Strategy Bot" in reply["text"]


@pytest.mark.parametrize(
    "body, content_type, status",
    [
        (b"{not json", "application/json", 400),
        (b"[1, 2, 3]", "application/json", 400),
        (b'{"text": "help"}', "application/json", 400),  # no activity type
        (b'{"type": "message"}', "text/plain", 415),
    ],
)
async def test_malformed_requests_are_4xx_and_the_service_keeps_serving(running_bot, body, content_type, status):
    response = await running_bot.post(body, headers={"Content-Type": content_type})
    assert response.status == status
    assert "error" in await response.json()
    await running_bot.post(activities.personal(running_bot.connector.url, "help"))
    assert "strategy discussions" in (await running_bot.connector.wait_for(1))[0]["text"]


@pytest.mark.parametrize("service_url", [
    "http://[::1/", "http://[zz]/", "http://127.0.0.1:99999/", "http://127.0.0.1:abc/", "http://" + "a" * 300 + ".com/",
    "http://a..b/", "http://127.0.0.1:1/\r\nX-Injected: 1", "ftp://127.0.0.1/", "http:///path",
])
async def test_a_service_url_replies_cannot_be_posted_to_is_a_400_at_the_edge_without_a_traceback(running_bot, caplog, service_url):
    response = await running_bot.post({**activities.personal(running_bot.connector.url, "help"), "serviceUrl": service_url})
    assert response.status == 400 and "serviceUrl" in (await response.json())["error"]
    assert not [r for r in caplog.records if r.exc_info or r.levelname == "ERROR"]
    await running_bot.post(activities.personal(running_bot.connector.url, "help"))
    assert "strategy discussions" in (await running_bot.connector.wait_for(1))[0]["text"]


async def test_a_body_its_encoding_does_not_decode_is_a_400_without_a_traceback(running_bot, caplog):
    response = await running_bot.post(b"\x1f\x8bnot gzip at all", headers={"Content-Encoding": "gzip"})
    assert response.status == 400
    assert not [r for r in caplog.records if r.exc_info or r.levelname == "ERROR"]
    assert running_bot.connector.sent == []


async def test_a_header_too_long_to_read_is_a_400_logged_in_one_line_without_the_token(running_bot, caplog):
    response = await running_bot.post(activities.personal(running_bot.connector.url, "help"),
                                      headers={"Authorization": "Bearer eyJsecret" + "x" * 9000})
    assert response.status == 400
    assert not [r for r in caplog.records if r.exc_info or r.levelname == "ERROR"]
    assert "eyJsecret" not in caplog.text and "not well-formed HTTP (LineTooLong)" in caplog.text


async def test_an_oversized_body_is_413_and_the_service_keeps_serving(running_bot):
    activity = activities.personal(running_bot.connector.url, "help " + "x" * 400_000)
    response = await running_bot.post(activity)
    assert response.status == 413
    assert running_bot.connector.sent == []
    await running_bot.post(activities.personal(running_bot.connector.url, "help"))
    assert "strategy discussions" in (await running_bot.connector.wait_for(1))[0]["text"]


async def test_health_check_reports_the_database(running_bot):
    response = await running_bot.http.get(running_bot.server.make_url("/healthz"))
    assert response.status == 200
    newest = max(p.name.split("_")[0] for p in (ROOT / "storage" / "migrations" / "versions").glob("0*.py"))
    assert await response.json() == {"status": "ok", "database": "ok", "schema": newest, "mode": "local", "profile": "hackney"}


async def test_on_an_empty_database_the_app_is_not_ready_and_migrating_at_start_makes_it_so(tmp_path, clock):
    """`app.main` migrates before serving; an app on a database nobody migrated says it is not ready
    (so an orchestrator sends it nothing) instead of answering every command "Sorry"."""
    settings = make_settings(tmp_path)
    bot = await start_bot(settings, clock, migrated=False)
    try:
        response = await bot.http.get(bot.server.make_url("/healthz"))
        assert response.status == 503 and (await response.json())["schema"] is None
        await asyncio.to_thread(migrate, settings.sqlalchemy_url)  # what app.main does before serving
        await asyncio.to_thread(migrate, settings.sqlalchemy_url)  # a second replica: nothing to do
        response = await bot.http.get(bot.server.make_url("/healthz"))
        assert response.status == 200
    finally:
        await stop_bot(bot)


async def test_a_failing_connector_is_logged_and_the_service_keeps_serving(running_bot, caplog):
    running_bot.connector.fail_next = [500, 500]  # the reply and the apology both fail
    response = await running_bot.post(activities.personal(running_bot.connector.url, "help"))
    assert response.status == 201
    assert "turn failed" in caplog.text
    await running_bot.post(activities.personal(running_bot.connector.url, "help"))
    assert "strategy discussions" in (await running_bot.connector.wait_for(1))[0]["text"]


async def test_a_connector_that_cannot_be_reached_is_logged_in_one_line_each_without_a_traceback(running_bot, caplog):
    # From a Playground walk: the apology's failure was logged with a 70-line traceback.
    response = await running_bot.post(activities.personal("http://127.0.0.1:9/", "help"))  # nothing listens on port 9
    assert response.status == 201
    assert "turn failed" in caplog.text and "could not tell the user" in caplog.text
    assert "Traceback" not in caplog.text and not any(record.exc_info for record in caplog.records)


class TestAllowedTenants:
    @pytest.fixture
    async def bot(self, tmp_path, clock):
        bot = await start_bot(make_settings(tmp_path, allowed_tenant_ids=(activities.TENANT,)), clock)
        yield bot
        await stop_bot(bot)

    async def test_an_allowed_tenant_is_served(self, bot):
        assert (await bot.post(activities.personal(bot.connector.url, "help"))).status == 201
        assert len(await bot.connector.wait_for(1)) == 1

    async def test_another_tenant_is_refused_and_logged(self, bot, caplog):
        response = await bot.post(activities.personal(bot.connector.url, "help", tenant="00000000-evil-tenant"))
        assert response.status == 403
        assert bot.connector.sent == []
        assert "refused activity" in caplog.text and "00000000-evil-tenant" in caplog.text

    async def test_an_activity_without_a_tenant_is_refused(self, bot):
        activity = activities.personal(bot.connector.url, "help")
        activity["channelData"] = {}
        del activity["conversation"]["tenantId"]
        assert (await bot.post(activity)).status == 403


async def test_lists_in_text_messages_use_bullets_every_teams_client_shows(running_bot):
    """Markdown "- " lists are shown as bare dashes on Teams mobile: help, contacts and the like use "•"."""
    from tests.test_bot.chair import Chair

    chair = Chair(running_bot)
    for command in ("help", "contacts"):
        [reply] = [a["text"] for a in await chair.say(command) if a.get("text")]
        lines = reply.splitlines()
        assert not [line for line in lines if line.lstrip().startswith(("- ", "* "))], command
        assert sum(line.startswith("• ") for line in lines) >= 3, command
        # each bullet its own paragraph: Teams runs lines joined by a single break into one
        assert "\n• " not in reply.replace("\n\n• ", ""), command


@pytest.mark.parametrize("members", ["membersAdded", "membersRemoved"])
async def test_a_conversation_update_without_channel_data_is_handled_not_a_traceback(running_bot, caplog, members):
    # Found by the fuzz run: botbuilder's Teams handler read channelData.team of a missing channelData.
    activity = activities.personal(running_bot.connector.url, "")
    activity.update(type="conversationUpdate", **{members: [{"id": "29:someone"}]})
    del activity["text"], activity["channelData"]
    response = await running_bot.post(activity)
    assert response.status in (200, 201)
    assert "turn failed" not in caplog.text


async def test_a_card_press_whose_turn_fails_is_told_on_the_card_not_given_a_501(running_bot, caplog, monkeypatch):
    # A hostile-input trial: with the bot's token out of reach a press got botbuilder's 501 and Teams a bare error.
    from bot.handler import StrategyBot

    async def fails(self, turn_context, verb, data):
        raise RuntimeError("a fault of ours")

    monkeypatch.setattr(StrategyBot, "_route", fails)
    typed = {"discussion_id": "x", "step": "concern", "referrer_agency": "hospital ED"}
    press = activities.invoke(activities.personal(running_bot.connector.url, ""), "convene.next", typed)
    response = await running_bot.post(press)
    assert response.status == 200
    body = await response.json()
    words = " ".join(b.get("text", "") for b in body["value"]["body"])
    assert "Sorry, something went wrong on my side, and this may not have been done" in words and press["id"] in words
    # The press itself, with what was typed, as "Try again" (a re-walk lost a typed answer to this card).
    [again] = body["value"]["actions"]
    assert (again["title"], again["verb"], again["data"]) == ("Try again", "convene.next", {"verb": "convene.next", **typed})


async def test_a_report_posted_where_there_is_no_recorded_discussion_is_told_where_to_reply(running_bot):
    """A walk posted `A1 done` at the top of the channel, not in the discussion's thread: "Sorry, I don't understand"."""
    before = len(running_bot.connector.sent)
    assert (await running_bot.post(activities.channel_mention(running_bot.connector.url, "A1 done"))).status == 201
    [said] = [a["text"] for a in running_bot.connector.sent[before:] if a.get("text")]
    assert said.startswith("That looks like a report on an agreed action, but there is no recorded discussion here.")
    before = len(running_bot.connector.sent)  # an update is not called a report on an action (a walk)
    assert (await running_bot.post(activities.personal(running_bot.connector.url, "update GP records checked"))).status == 201
    [said] = [a["text"] for a in running_bot.connector.sent[before:] if a.get("text")]
    assert said.startswith("That looks like an information update, but there is no recorded discussion here.")


async def test_a_press_on_a_database_another_process_holds_is_answered_in_time_with_what_was_typed(running_bot, tmp_path,
                                                                                                     monkeypatch):
    """A trial: a press waited up to 15 s for SQLite's lock, about Teams' own limit on a turn, so Teams
    could give up while the press might still be applied. It is answered within the bound, "Something went wrong"
    with Try again carrying what was typed, and Try again works once the lock is free."""
    import sqlite3

    from storage import sqlite_inline

    from .chair import Chair, texts_of

    monkeypatch.setattr(sqlite_inline, "BUSY_SECONDS", 0.05)  # the bound, made short: the behaviour at it is the point
    chair = Chair(running_bot)
    await chair.strategy()
    typed = {"case_reference": "CR-777", "initials": "GH", "dob": "2019-03-02", "education_setting": "Example Primary"}
    other = sqlite3.connect(tmp_path / "bot.db", isolation_level=None)  # as another process (an operator's shell) would
    other.execute("BEGIN IMMEDIATE")
    try:
        press = chair.invoke("convene.next", typed)
        body = await (await running_bot.post(press)).json()
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert "Sorry, something went wrong on my side, and this may not have been done" in texts_of(body["value"])
    [again] = body["value"]["actions"]
    assert again["title"] == "Try again" and {k: again["data"][k] for k in typed} == typed
    retried = await chair.answer(await running_bot.post(activities.invoke(press, again["verb"], again["data"])))
    assert "2 of" in texts_of(retried), texts_of(retried)


async def test_the_bots_token_out_of_reach_is_a_connector_error_in_one_line(clock):
    import requests

    from bot.connector import ConnectorError, _Token

    class Unreachable:
        microsoft_app_id = "00000000-0000-0000-0000-0000000000b0"

        def get_access_token(self):
            raise requests.ConnectionError("login.microsoftonline.com: Name or service not known")

    with pytest.raises(ConnectorError, match="the bot's access token could not be fetched: ConnectionError"):
        await _Token(Unreachable(), clock).header()


async def test_two_chats_messages_with_the_same_id_are_two_messages(running_bot):
    """Teams' message ids are the moment they were sent, unique in their chat only: a hostile-input
    trial's second chair, in another chat, got silence ("already answered")."""
    first = activities.personal(running_bot.connector.url, "strategy", user_id="29:1chair", aad_id="aad-chair-1", name="Sam")
    second = activities.personal(running_bot.connector.url, "strategy", user_id="29:2chair", aad_id="aad-chair-2", name="Alex")
    second["conversation"] = {**second["conversation"], "id": "a:2another-personal-chat"}
    second["id"] = first["id"] = "1700144451242"
    for activity in (first, second, first):  # and the first again: Teams' redelivery, answered once
        assert (await running_bot.post(activity)).status == 201
    await running_bot.services.drain()
    cards = [a for a in running_bot.connector.sent if a.get("attachments")]
    assert sorted(a["_conversation_id"] for a in cards) == ["a:1personal-chat", "a:2another-personal-chat"]


@pytest.mark.parametrize("text", ["help", "overdue", "actions", "mine", "contacts", "convene", "", "A1 done", "update police: seen"])
async def test_a_read_only_answer_is_given_once_when_teams_delivers_the_message_twice(running_bot, text):
    """Teams retries a turn it thinks slow: the same message again, same id. A chair asking `overdue`
    twice is answered twice (two messages, two ids); one message delivered twice is answered once."""
    url = running_bot.connector.url
    message = activities.personal(url, text)
    for _ in range(2):
        assert (await running_bot.post(message)).status == 201
    asked_again = activities.personal(url, text)  # typed again: a new message, a new answer
    assert (await running_bot.post(asked_again)).status == 201
    elsewhere = activities.personal(url, text)
    elsewhere.update(id=message["id"], conversation={**elsewhere["conversation"], "id": "a:2another-personal-chat"})
    assert (await running_bot.post(elsewhere)).status == 201  # another chat's message may have the same id
    await running_bot.services.drain()
    replies = [(a["_conversation_id"], a["replyToId"]) for a in running_bot.connector.sent]
    assert sorted(replies) == sorted([("a:1personal-chat", message["id"]), ("a:1personal-chat", asked_again["id"]),
                                      ("a:2another-personal-chat", message["id"])]), replies


async def test_a_read_only_answer_that_failed_is_answered_when_delivered_again(running_bot, monkeypatch):
    from bot import messages

    url = running_bot.connector.url
    message = activities.personal(url, "convene")
    real = messages.unknown_text
    monkeypatch.setattr(messages, "unknown_text", lambda *a: (_ for _ in ()).throw(RuntimeError("a fault")))
    assert (await running_bot.post(message)).status == 201
    [sorry] = await running_bot.connector.wait_for(1)
    assert "something went wrong" in sorry["text"]
    monkeypatch.setattr(messages, "unknown_text", real)
    assert (await running_bot.post(message)).status == 201
    await running_bot.services.drain()
    assert running_bot.connector.sent[-1]["text"] == "Sorry, I don't understand that. Type **help** to see what I can do."
