"""The oversight tab's API over real HTTP, on the running app: who sees what (Teams SSO tokens in
Azure mode, checked against a local stand-in for Entra ID's keys), and each view's figures worked
out by hand from the seeded discussions (tests/test_tab/seed.py)."""
import csv
import io
import json
import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import select

from storage import database
from storage.models import AuditEvent, Obligation
from tests.conftest import make_settings, start_bot, stop_bot
from tests.support import entra_keys
from tests.support.entra_keys import EntraKeys
from tests.test_tab.seed import CHAIR, NOW, OTHER_CHAIR, seed

MANAGER = "55555555-5555-5555-5555-555555555555"
STRANGER = "66666666-6666-6666-6666-666666666666"


@pytest.fixture
async def keys():
    server = await EntraKeys().start()
    yield server
    await server.close()


@pytest.fixture
async def azure_tab(tmp_path, clock, keys, database_url):
    """The app in Azure mode on each database (the figures are partly the database's arithmetic)."""
    settings = make_settings(tmp_path, database_url=database_url, app_id=entra_keys.APP_ID, app_password="x", app_type="SingleTenant",
                             app_tenant_id=entra_keys.TENANT, allowed_tenant_ids=(entra_keys.TENANT,),
                             public_base_url=f"https://{entra_keys.HOST}", entra_metadata_url=keys.metadata_url,
                             chair_aad_ids=(CHAIR, OTHER_CHAIR), manager_aad_ids=(MANAGER,))
    bot = await start_bot(settings, clock)
    await seed(settings.sqlalchemy_url)
    bot.url = settings.sqlalchemy_url
    yield bot
    await stop_bot(bot)


@pytest.fixture
async def local_tab(tmp_path, clock):
    settings = make_settings(tmp_path)
    bot = await start_bot(settings, clock)
    await seed(settings.sqlalchemy_url)
    yield bot
    await stop_bot(bot)


async def get(bot, path, token=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return await bot.http.get(bot.server.make_url(path), headers=headers)


def token_for(keys, oid):
    return keys.token(NOW.timestamp(), oid=oid)


async def test_the_page_is_served_for_teams_to_frame_with_its_own_scripts(local_tab):
    response = await get(local_tab, "/tab")
    assert response.status == 200 and "Strategy discussions" in await response.text()
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors https://teams.microsoft.com" in policy and "script-src 'self'" in policy
    assert 'data-mode="local"' in await response.text()  # the page shows the local-mode banner
    script = await get(local_tab, "/tab/static/vendor/MicrosoftTeams-2.58.0.min.js")
    assert script.status == 200 and script.content_type == "text/javascript"
    for path in ("/tab/static/../app.py", "/tab/static/.env", "/tab/static/index.html"):
        assert (await get(local_tab, path)).status == 404


async def test_without_a_valid_teams_sign_in_the_api_says_sign_in_again(azure_tab, keys):
    assert (await get(azure_tab, "/api/tab/discussions")).status == 401
    forged = keys.token(NOW.timestamp(), key=entra_keys.new_key())
    assert (await get(azure_tab, "/api/tab/discussions", forged)).status == 401
    expired = keys.token(NOW.timestamp() - 7200)
    response = await get(azure_tab, "/api/tab/discussions", expired)
    assert response.status == 401 and "Sign in again" in (await response.json())["error"]


async def test_a_chair_sees_their_own_open_discussions_most_urgent_first(azure_tab, keys):
    response = await get(azure_tab, "/api/tab/discussions", token_for(keys, CHAIR))
    data = await response.json()
    assert data["scope"] == "mine"
    assert [d["case_reference"] for d in data["discussions"]] == ["CR-1", "CR-4"]  # deadlines 2 Nov, then 24 Nov
    cr4 = data["discussions"][1]
    assert cr4["initials"] == "AB" and cr4["time_left_hours"] == 31.0  # Monday 10:00 to Tuesday 17:00
    # CR-1 is recorded: its deadline was met or missed when it was held (a walk read "3 days" left on one recorded).
    assert data["discussions"][0]["status"] == "recorded" and data["discussions"][0]["time_left_hours"] is None
    assert cr4["quorum"] == {"agencies": ["Police", "Health"], "held": False, "coming": ["Police"]}
    assert cr4["records_checks"] == [{"agency": "Health", "state": "requested"}]
    assert [(o["what"], o["agency"], o["overdue"]) for o in cr4["obligations"]] == [
        ("A1", "Health", True), ("information update", "Police", True)]
    # A1's owner gave a new date since: the date agreed at the discussion is beside it here too, as on the Overdue view.
    assert [(o["due"], o["agreed"]) for o in cr4["obligations"]] == [
        ("2026-11-19T17:00+00:00", "2026-11-17T17:00+00:00"), ("2026-11-20T17:00+00:00", None)]
    assert cr4["link"].startswith("https://teams.microsoft.com/l/message/19%3Amash%40thread.tacv2/1700000000004?")


async def test_a_manager_sees_the_services_discussions(azure_tab, keys):
    data = await (await get(azure_tab, "/api/tab/discussions", token_for(keys, MANAGER))).json()
    assert data["scope"] == "service" and [d["case_reference"] for d in data["discussions"]] == ["CR-1", "CR-5", "CR-4"]


async def test_someone_neither_chair_nor_manager_sees_no_case_data_and_the_attempt_is_audited(azure_tab, keys):
    response = await get(azure_tab, "/api/tab/discussions", token_for(keys, STRANGER))
    body = await response.text()
    assert response.status == 403 and "CR-" not in body and "chairs and managers" in body
    me = await (await get(azure_tab, "/api/tab/me", token_for(keys, STRANGER))).json()
    assert me["role"] == "none"
    engine = database.create_engine(azure_tab.url)
    async with engine.connect() as connection:
        refused = (await connection.execute(select(AuditEvent.actor, AuditEvent.subject_id).where(AuditEvent.action == "tab.refused"))).all()
    await engine.dispose()
    assert refused == [(STRANGER, "discussions")]


async def test_overdue_is_grouped_by_agency_and_person_with_each_chase(azure_tab, keys):
    data = await (await get(azure_tab, "/api/tab/overdue", token_for(keys, CHAIR))).json()
    assert data["count"] == 2
    assert [(a["agency"], [p["person"] for p in a["people"]]) for a in data["agencies"]] == [
        ("Health", ["Nurse Noor Lead (fictional)"]), ("Police", ["pat@police.example"])]
    # Whose, as the directory names them (else the address): never the "person and role responsible" the chair typed.
    assert "sister" not in json.dumps(data)
    [update] = data["agencies"][1]["people"][0]["items"]
    assert update["late_hours"] == 65.0  # Friday 17:00 to Monday 10:00
    # ...and no working day wholly passed since (Monday's is under way); A1, due Thursday 17:00, is a working day (Friday) late.
    assert (update["late_working_days"], data["agencies"][0]["people"][0]["items"][0]["late_working_days"]) == (0, 1)
    [action] = data["agencies"][0]["people"][0]["items"]  # a new date given since: the one agreed beside it
    assert (action["due"], action["agreed"], update["agreed"]) == ("2026-11-19T17:00+00:00", "2026-11-17T17:00+00:00", None)
    assert [(c["stage"], c["to"], c["by"]) for c in update["chases"]] == [
        ("due", "pat@police.example", "email"), ("escalate lead", "DI Lead", "teams")]
    manager = await (await get(azure_tab, "/api/tab/overdue", token_for(keys, MANAGER))).json()
    assert manager["count"] == 3 and "Children's social care" in [a["agency"] for a in manager["agencies"]]


async def test_a_chair_snoozes_from_the_tab_with_a_reason_and_it_is_audited(azure_tab, keys):
    async def snooze(oid, body):
        return await azure_tab.http.post(azure_tab.server.make_url("/api/tab/snooze"), json=body,
                                         headers={"Authorization": f"Bearer {token_for(keys, oid)}"})

    missing = await snooze(CHAIR, {"obligation_id": "o4", "days": 2, "reason": " "})
    assert missing.status == 400 and "reason" in (await missing.json())["error"]
    for days in ("1e400", "-1e400", "NaN", '"1e400"', "null", "[2]"):  # as typed JSON: 1e400 is infinity once read
        refused = await azure_tab.http.post(
            azure_tab.server.make_url("/api/tab/snooze"), data=f'{{"obligation_id": "o4", "days": {days}, "reason": "court"}}',
            headers={"Authorization": f"Bearer {token_for(keys, CHAIR)}", "Content-Type": "application/json"})
        assert refused.status == 400 and "number of days" in (await refused.json())["error"], days
    # Nothing but a whole number is a number of days, and nothing but words a reason (a security trial: true was
    # 1 day, 3.9 was 3, " 3 " was 3, and a reason sent as an object was stored as its Python spelling).
    for days in (True, 3.9, " 3 ", "3"):
        refused = await snooze(CHAIR, {"obligation_id": "o4", "days": days, "reason": "court"})
        assert refused.status == 400 and "whole number" in (await refused.json())["error"], days
    for reason, said in (({"a": "<b>x</b>"}, "as words"), (["court"], "as words"), ("\u200b\u200b", "Give the reason"),
                         ("x" * 501, "under 500 characters")):
        refused = await snooze(CHAIR, {"obligation_id": "o4", "days": 2, "reason": reason})
        assert refused.status == 400 and said in (await refused.json())["error"], reason
    too_long = await snooze(CHAIR, {"obligation_id": "o4", "days": 45, "reason": "court"})
    assert too_long.status == 400
    not_theirs = await snooze(CHAIR, {"obligation_id": "o6", "days": 2, "reason": "court"})
    assert not_theirs.status == 403
    # A NUL, a lone surrogate and a right-to-left override are cleaned as in every typed text (PostgreSQL refused
    # the first two with a 500 that logged the reason); 2.0 is two whole days.
    done = await snooze(CHAIR, {"obligation_id": "o4", "days": 2.0, "reason": "Waiting for the\u0000 court date\u202e\ud800"})
    assert done.status == 200 and (await done.json())["snoozed_until"].startswith("2026-11-25T10:00")
    engine = database.create_engine(azure_tab.url)
    async with engine.connect() as connection:
        row = (await connection.execute(select(Obligation.snooze_reason, Obligation.next_attempt_at).where(Obligation.id == "o4"))).one()
        audit = (await connection.execute(select(AuditEvent.details).where(AuditEvent.action == "obligation.snoozed"))).scalars().all()
    await engine.dispose()
    assert row.snooze_reason == "Waiting for the court date\ufffd" and row.next_attempt_at.replace(tzinfo=None) >= NOW.replace(tzinfo=None)
    assert audit[0]["reason"] == "Waiting for the court date\ufffd" and audit[0]["from"] == "tab"


async def test_timeliness_for_november_as_a_manager_counts_it(azure_tab, keys):
    data = await (await get(azure_tab, "/api/tab/timeliness?from=2026-11-01&to=2026-11-30", token_for(keys, MANAGER))).json()
    # Held in November: CR-1 (same day, in time), CR-3 (in time), CR-2 (3 days, late), CR-5 (in time).
    assert [(s["label"], s["count"], s["met"], s["percent"]) for s in data["within_deadline"]] == [
        ("same day", 1, 1, 100.0), ("3 working days", 3, 2, 66.7), ("all", 4, 3, 75.0)]
    assert data["median_hours_to_discussion"] == 25.0  # 5, 24, 26 and 145 hours: (24 + 26) / 2
    assert (data["quorate"]["count"], data["quorate"]["met"]) == (4, 3)
    assert (data["conferences"]["count"], data["conferences"]["met"]) == (1, 1)
    assert [(t["agency"], t["kind"], t["median_hours"]) for t in data["response_times"]] == [
        ("Health", "information update", 30.0), ("Police", "action", 48.0), ("Police", "information update", 5.0)]
    assert data["charts"]["within_deadline"].startswith("<svg")
    chair = await (await get(azure_tab, "/api/tab/timeliness?from=2026-11-01&to=2026-11-30", token_for(keys, CHAIR))).json()
    assert chair["within_deadline"][-1]["count"] == 2  # their own: CR-1 and CR-2


async def test_a_period_that_makes_no_sense_is_refused_in_words(azure_tab, keys):
    for query, words in (("from=2026-12-01&to=2026-11-01", "starts after it ends"), ("from=yesterday", "YYYY-MM-DD"),
                         ("from=2020-01-01&to=2026-11-01", "13 months"), ("to=9999-12-31", "between 2000 and 2100"),
                         ("from=0001-01-01&to=0001-02-01", "between 2000 and 2100"), ("to=0001-02-01", "between 2000 and 2100")):
        for path in ("timeliness", "return", "return.csv", "return.xml"):
            response = await get(azure_tab, f"/api/tab/{path}?{query}", token_for(keys, MANAGER))
            assert response.status == 400 and words in (await response.json())["error"], (path, query)


async def test_a_period_ending_on_29_february_starts_a_year_before_it(azure_tab, keys):
    response = await get(azure_tab, "/api/tab/timeliness?to=2028-02-29", token_for(keys, MANAGER))
    assert response.status == 200, await response.text()


async def test_the_statutory_return_lists_each_section_47_start_as_csv_and_census_xml(azure_tab, keys):
    manager = token_for(keys, MANAGER)
    data = await (await get(azure_tab, "/api/tab/return?from=2026-11-01&to=2026-11-30", manager)).json()
    # CR-1 decided joint s47 on Monday 2 November: its conference target is 15 working days on, Monday 23 November.
    assert data["rows"] == [{"child_reference": "CR-1", "s47_start": "2026-11-02", "icpc_target": "2026-11-23",
                             "icpc_date": "2026-11-16", "icpc_not_required": False}]
    response = await get(azure_tab, "/api/tab/return.csv?from=2026-11-01&to=2026-11-30", manager)
    assert "attachment" in response.headers["Content-Disposition"]
    [row] = list(csv.DictReader(io.StringIO(await response.text())))
    assert row["LAchildID"] == "CR-1" and row["S47ActualStartDate"] == "2026-11-02"
    xml = await (await get(azure_tab, "/api/tab/return.xml?from=2026-11-01&to=2026-11-30", manager)).text()
    tree = ET.fromstring(xml)
    assert [e.text for e in tree.iter() if e.tag.endswith("LAchildID")] == ["CR-1"]
    assert [e.text for e in tree.iter() if e.tag.endswith("InitialCPCtarget")] == ["2026-11-23"]


async def test_in_local_mode_the_page_is_open_and_shows_the_service(local_tab):
    me = await (await get(local_tab, "/api/tab/me")).json()
    assert me == {"name": "Local mode", "role": "manager", "mode": "local"}
    data = await (await get(local_tab, "/api/tab/discussions")).json()
    assert len(data["discussions"]) == 3


async def test_when_the_managers_group_cannot_be_read_the_tab_says_try_again_not_a_server_error(azure_tab, keys):
    from app import SERVICES

    async def graph_down(aad_object_id):
        raise RuntimeError("Graph timed out")

    azure_tab.server.app[SERVICES].access.managers_group = graph_down
    response = await get(azure_tab, "/api/tab/discussions", token_for(keys, STRANGER))
    body = await response.json()
    assert response.status == 503 and "try again" in body["error"] and "CR-" not in json.dumps(body)


async def test_the_tab_counts_the_quorum_as_the_chairs_card_does(azure_tab, keys):
    # Social care chairs, so it is there (cards.discussion.quorum_state); a delegate or a share-only reply counts as coming.
    from sqlalchemy import insert, update

    from storage.models import Invitation

    engine = database.create_engine(azure_tab.url)
    async with engine.begin() as connection:
        await connection.execute(update(Invitation).where(Invitation.id == "i4h").values(rsvp="delegated"))
        await connection.execute(insert(Invitation).values(
            id="i4s", discussion_id="d0000000000000000000000000000004", agency="social_care", name="Jo Reyes",
            email="jo@council.example", quorum=True, rsvp="none", record_check="none"))
        # CR-1, recorded: police declined the invitation but came; health accepted and did not (a trial read "1 of 3 coming"
        # on a recorded discussion, from the replies).
        await connection.execute(insert(Invitation), [
            dict(id=f"i1{agency[0]}", discussion_id="d0000000000000000000000000000001", agency=agency, name="N", email=f"{agency}@x.example",
                 quorum=True, rsvp=rsvp, record_check="none", attendance=came) for agency, rsvp, came in
            (("police", "declined", "attended"), ("health", "accepted", "apologies"))])
    await engine.dispose()
    data = await (await get(azure_tab, "/api/tab/discussions", token_for(keys, CHAIR))).json()
    cr4 = next(d for d in data["discussions"] if d["case_reference"] == "CR-4")
    assert cr4["quorum"] == {"agencies": ["Police", "Health", "Children's social care"], "held": False,
                             "coming": ["Police", "Health", "Children's social care"]}
    cr1 = next(d for d in data["discussions"] if d["case_reference"] == "CR-1")
    assert cr1["quorum"] == {"agencies": ["Police", "Health"], "held": True, "coming": ["Police"]}


def test_the_link_to_a_discussions_card_goes_to_its_thread_or_the_bots_chat_and_nowhere_without_a_bot_id():
    """A walk: in local mode "Open the card" went to teams.microsoft.com/l/chat/0/0?users=28%3A, a chat with nobody."""
    from tab.views import deep_link

    thread = {"conversation_id": "19:mash@thread.tacv2;messageid=17", "tenant_id": "t"}
    assert deep_link(thread, "") == "https://teams.microsoft.com/l/message/19%3Amash%40thread.tacv2/17?tenantId=t&parentMessageId=17"
    assert deep_link({"conversation_id": "a:personal"}, "app-1") == "https://teams.microsoft.com/l/chat/0/0?users=28%3Aapp-1"
    assert deep_link({"conversation_id": "a:personal"}, "") is None


async def test_local_mode_refuses_another_sites_page_and_a_name_pointed_at_this_machine(local_tab):
    """Local mode checks no token. A security trial posted to it from a page of another site (a snooze, the
    clock, an activity as a chair), and read the tab's API through a name of its own pointed at 127.0.0.1.
    (/_debug: test_chasers.test_local_mode_can_move_the_clock_to_watch_the_ladder.)"""
    url = local_tab.server.make_url
    snooze = {"obligation_id": "o4", "days": 2, "reason": "court"}
    message = {"type": "message", "id": "m1", "text": "help", "serviceUrl": "http://127.0.0.1:1/", "channelId": "msteams",
               "from": {"id": "29:x"}, "conversation": {"id": "a:1"}, "recipient": {"id": "28:bot"}}
    another_site = {"Origin": "http://evil.example"}
    for response in (await local_tab.http.post(url("/api/tab/snooze"), json=snooze, headers=another_site),
                     await local_tab.http.post(url("/api/tab/snooze"), json=snooze, headers={"Origin": "null"}),
                     await local_tab.http.post(url("/api/messages"), json=message, headers=another_site)):
        assert response.status == 403 and "another site" in (await response.json())["error"], response.url
    rebound = {"Host": "evil.example:3978"}
    for response in (await local_tab.http.get(url("/api/tab/discussions"), headers=rebound),
                     await local_tab.http.post(url("/api/messages"), json=message, headers=rebound)):
        assert response.status == 403 and "addressed to this machine" in (await response.json())["error"], response.url
    # A form of another site cannot send JSON unasked: the snooze takes nothing else.
    form = await local_tab.http.post(url("/api/tab/snooze"), data="obligation_id=o4&days=2&reason=x",
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert form.status == 415
    # The tab's own page (same origin), curl and the Playground's server (no Origin), by any loopback name: answered.
    own = {"Origin": f"http://{url('/').host}:{url('/').port}"}
    assert (await local_tab.http.get(url("/api/tab/discussions"), headers={"Host": "localhost:3978"})).status == 200
    assert (await local_tab.http.get(url("/api/tab/discussions"), headers={"Host": "[::1]:3978"})).status == 200
    assert (await local_tab.http.post(url("/api/tab/snooze"), json=snooze, headers=own)).status == 200


async def test_the_return_has_each_child_with_s47_counts_a_conference_by_the_day_held_and_stands_at_the_periods_end(azure_tab, keys):
    """A trial by a performance officer: a sibling with s47 was missing from the return; a conference held on its
    target day but said three days later was counted late; and a return to 31 October carried November's decisions."""
    from datetime import datetime, timezone

    from sqlalchemy import insert

    from storage.models import Decision, Discussion

    def utc(*args):
        return datetime(*args, tzinfo=timezone.utc)

    engine = database.create_engine(azure_tab.url)
    # CR-7, held Monday 5 October 2026 (census year 2026-27), s47 for JK and their sister LM, "no further action" for
    # NP: its conference, target 15 working days on (Monday 26 October), held on the 26th, said on the 29th.
    # CR-8, held Thursday 15 October, s47: its conference found not needed on 2 November, after the period below.
    async with engine.begin() as connection:
        # CR-9, a review of CR-7 held by the date agreed (its own line of the figures, not a referral's).
        for n, held, initials, rule in ((7, utc(2026, 10, 5, 10), "JK", "default_three_working_days"),
                                        (8, utc(2026, 10, 15, 10), "QR", "default_three_working_days"), (9, utc(2026, 10, 20, 10), "JK", "review")):
            await connection.execute(insert(Discussion).values(
                id=f"d{n:031d}", case_reference=f"CR-{n}", child_initials=initials, profile="hackney", status="recorded",
                facts={"received_at": held.isoformat()}, assessment={"deadline_rule": {"rule": rule}},
                deadline=held, chair_aad_id=CHAIR, chair_name="Chair", tenant_id="t", meeting_start=held, children=[],
                created_at=held, updated_at=held))
        await connection.execute(insert(Decision), [
            dict(id=f"x7{who}", discussion_id=f"d{7:031d}", child_initials=who, kind=kind, reasoning="r", created_at=utc(2026, 10, 5, 11))
            for who, kind in (("JK", "s47_joint"), ("LM", "s47_single"), ("NP", "no_further_action"))] + [
            dict(id="x8", discussion_id=f"d{8:031d}", child_initials="QR", kind="s47_joint", reasoning="r", created_at=utc(2026, 10, 15, 11))])
        owed = dict(subject_type="discussion", rule_source="hackney", owner_agency="social_care", kind="icpc", attempts=0,
                    escalation_level=0, out_of_hours=False, snooze_reason="")
        await connection.execute(insert(Obligation), [
            dict(owed, id="o7", key="d7:icpc", discussion_id=f"d{7:031d}", subject_id="d7", due_at=utc(2026, 10, 26, 17), state="satisfied",
                 met_at=utc(2026, 10, 26, 0), created_at=utc(2026, 10, 5, 11), updated_at=utc(2026, 10, 29, 9),
                 next_attempt_at=utc(2026, 10, 26, 17)),
            dict(owed, id="o8", key="d8:icpc", discussion_id=f"d{8:031d}", subject_id="d8", due_at=utc(2026, 11, 5, 17), state="cancelled", met_at=None,
                 created_at=utc(2026, 10, 15, 11), updated_at=utc(2026, 11, 2, 9), next_attempt_at=utc(2026, 11, 5, 17))])
    await engine.dispose()
    manager = token_for(keys, MANAGER)
    data = await (await get(azure_tab, "/api/tab/return?from=2026-10-01&to=2026-10-31", manager)).json()
    assert data["rows"] == [
        {"child_reference": "CR-7", "s47_start": "2026-10-05", "icpc_target": "2026-10-26", "icpc_date": "2026-10-26", "icpc_not_required": False},
        {"child_reference": "CR-7/LM", "s47_start": "2026-10-05", "icpc_target": "2026-10-26", "icpc_date": "2026-10-26",
         "icpc_not_required": False},
        # As at 31 October, CR-8's enquiry is still open: "not required" came on 2 November.
        {"child_reference": "CR-8", "s47_start": "2026-10-15", "icpc_target": "2026-11-05", "icpc_date": None, "icpc_not_required": False}]
    sibling = [p for p in data["problems"] if p["rule"] == "sibling"]
    assert [p["child_reference"] for p in sibling] == ["CR-7/LM"] and "LM, another child of the discussion for CR-7" in sibling[0]["message"]
    november = await (await get(azure_tab, "/api/tab/return?from=2026-10-01&to=2026-11-30", manager)).json()
    assert [r["icpc_not_required"] for r in november["rows"] if r["child_reference"] == "CR-8"] == [True]
    # The conference held on its target day is in time, whenever the chair said so.
    figures = await (await get(azure_tab, "/api/tab/timeliness?from=2026-10-01&to=2026-10-31", manager)).json()
    assert (figures["conferences"]["count"], figures["conferences"]["met"]) == (1, 1)
    assert [(s["label"], s["count"]) for s in figures["within_deadline"]] == [
        ("3 working days", 2), ("all", 2), ("review, by the date agreed", 1)]
    # With no period given, the return is the census year so far (1 April 2026 to today, 23 November).
    default = await (await get(azure_tab, "/api/tab/return", manager)).json()
    assert {r["child_reference"] for r in default["rows"]} == {"CR-1", "CR-7", "CR-7/LM", "CR-8"}
