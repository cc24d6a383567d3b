"""Repositories and the unit of work, on SQLite and on a real PostgreSQL 15."""
import asyncio
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError

from storage import database
from storage.models import Action, ActionUpdate, Contact, Decision, Discussion, Invitation, Obligation
from storage.unit_of_work import UnitOfWork
from tests.conftest import migrate

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc)


@pytest.fixture
async def uow_factory(database_url, clock):
    engine = database.create_engine(database_url)
    sessions = database.session_factory(engine)
    yield lambda: UnitOfWork(sessions, clock)
    await engine.dispose()


def a_discussion(**overrides) -> Discussion:
    values = dict(case_reference="CR-1042", child_initials="AB", profile="hackney", chair_aad_id="aad-chair-1",
                  facts={"received_at": NOW.isoformat(), "concerns": ["serious_neglect"]},
                  deadline=NOW.replace(hour=17), created_at=NOW, updated_at=NOW)
    values.update(overrides)
    return Discussion(**values)


async def test_a_discussion_and_its_parts_round_trip(uow_factory):
    async with uow_factory() as uow:
        discussion = uow.discussions.add(a_discussion())
        discussion.invitations.append(Invitation(agency="police", name="DS Jones", email="jones@police.example", required=True))
        discussion.decisions.append(Decision(child_initials="AB", kind="s47_joint", reasoning="injury unexplained", created_at=NOW))
        action = Action(child_initials="AB", description="CP medical", owner_agency="health", due_at=NOW + timedelta(days=1),
                        created_at=NOW, updated_at=NOW)
        action.history.append(ActionUpdate(status="open", by="chair", at=NOW))
        discussion.actions.append(action)
        await uow.commit()
        discussion_id = discussion.id

    async with uow_factory() as uow:
        loaded = await uow.discussions.get(discussion_id)
        assert loaded.case_reference == "CR-1042"
        assert loaded.facts["concerns"] == ["serious_neglect"]
        assert loaded.deadline == datetime(2026, 11, 23, 17, 0, tzinfo=timezone.utc)
        assert loaded.deadline.tzinfo is not None
        assert [i.agency for i in loaded.invitations] == ["police"]
        assert loaded.invitations[0].rsvp == "none"
        assert loaded.decisions[0].kind == "s47_joint"
        assert loaded.actions[0].status == "open"
        assert [d.case_reference for d in await uow.discussions.by_case_reference("CR-1042")] == ["CR-1042"]


async def test_leaving_without_commit_keeps_nothing(uow_factory):
    async with uow_factory() as uow:
        uow.discussions.add(a_discussion(case_reference="CR-ROLLBACK"))
    async with uow_factory() as uow:
        assert await uow.discussions.by_case_reference("CR-ROLLBACK") == []


async def test_a_failure_inside_the_unit_of_work_loses_nothing_already_saved(uow_factory):
    async with uow_factory() as uow:
        uow.discussions.add(a_discussion(case_reference="CR-SAVED"))
        await uow.commit()
    with pytest.raises(RuntimeError):
        async with uow_factory() as uow:
            uow.discussions.add(a_discussion(case_reference="CR-HALF"))
            raise RuntimeError("Graph fell over mid-turn")
    async with uow_factory() as uow:
        assert len(await uow.discussions.by_case_reference("CR-SAVED")) == 1
        assert await uow.discussions.by_case_reference("CR-HALF") == []


async def test_naive_datetimes_are_refused(uow_factory):
    async with uow_factory() as uow:
        uow.discussions.add(a_discussion(deadline=datetime(2026, 11, 23, 17, 0)))
        with pytest.raises(Exception, match="naive datetime"):
            await uow.commit()


async def test_obligations_are_created_once_per_key_and_swept_by_due_time(uow_factory):
    def obligation(key, due):
        return Obligation(key=key, kind="information_update", subject_type="invitation", subject_id="inv-1",
                          due_at=due, created_at=NOW, updated_at=NOW)

    async with uow_factory() as uow:
        _, created = await uow.obligations.add_once(obligation("d1:info:police", NOW + timedelta(hours=1)))
        _, again = await uow.obligations.add_once(obligation("d1:info:police", NOW + timedelta(hours=1)))
        await uow.obligations.add_once(obligation("d1:info:health", NOW - timedelta(hours=1)))
        await uow.commit()
    assert (created, again) == (True, False)
    async with uow_factory() as uow:
        assert [o.key for o in await uow.obligations.due(NOW)] == ["d1:info:health"]
        assert [o.key for o in await uow.obligations.due(NOW + timedelta(hours=2))] == ["d1:info:health", "d1:info:police"]


async def test_contacts_by_agency_and_hours_agency_lead_first(uow_factory):
    async with uow_factory() as uow:
        uow.contacts.add(Contact(agency="police", name="PC Day", email="day@police.example", hours="in_hours"))
        uow.contacts.add(Contact(agency="police", name="DI Lead", email="lead@police.example", hours="any", agency_lead=True))
        uow.contacts.add(Contact(agency="police", name="PPU Night", email="ppu@police.example", hours="out_of_hours"))
        uow.contacts.add(Contact(agency="police", name="Gone", email="gone@police.example", active=False))
        await uow.commit()
    async with uow_factory() as uow:
        assert [c.name for c in await uow.contacts.for_agency("police", hours="in_hours")] == ["DI Lead", "PC Day"]
        assert [c.name for c in await uow.contacts.for_agency("police", hours="out_of_hours")] == ["DI Lead", "PPU Night"]


async def test_conversation_references_upsert_and_keep_the_tenant(uow_factory):
    async with uow_factory() as uow:
        await uow.conversations.save(scope="user", key="aad-1", tenant_id="t1", service_url="https://smba/", reference={"v": 1}, now=NOW)
        await uow.commit()
    async with uow_factory() as uow:
        await uow.conversations.save(scope="user", key="aad-1", tenant_id="t1", service_url="https://smba2/", reference={"v": 2}, now=NOW)
        await uow.commit()
    async with uow_factory() as uow:
        row = await uow.conversations.get(scope="user", key="aad-1")
        assert (row.tenant_id, row.service_url, row.reference) == ("t1", "https://smba2/", {"v": 2})


async def test_the_audit_trail_is_append_only_in_the_database(uow_factory):
    async with uow_factory() as uow:
        uow.audit.record(actor="aad-chair-1", action="discussion.created", subject_type="discussion", subject_id="d1",
                         details={"case_reference": "CR-1"}, correlation_id="act-1")
        uow.audit.record(actor="aad-chair-1", action="discussion.viewed", subject_type="discussion", subject_id="d1")
        await uow.commit()
    async with uow_factory() as uow:
        events = await uow.audit.for_subject("discussion", "d1")
        assert [e.action for e in events] == ["discussion.created", "discussion.viewed"]
        assert events[0].at == NOW
    for statement in ("UPDATE audit_events SET actor = 'someone else'", "DELETE FROM audit_events"):
        async with uow_factory() as uow:
            with pytest.raises(DBAPIError, match="append-only"):
                await uow.session.execute(text(statement))
    async with uow_factory() as uow:
        assert len(await uow.audit.for_subject("discussion", "d1")) == 2


async def test_the_audit_trail_cannot_be_rewritten_by_replace_or_upsert(uow_factory):
    async with uow_factory() as uow:
        uow.audit.record(actor="aad-chair-1", action="discussion.created", subject_type="discussion", subject_id="d1")
        await uow.commit()
    async with uow_factory() as uow:
        [event] = await uow.audit.for_subject("discussion", "d1")
        sqlite = uow.session.bind.dialect.name == "sqlite"
    row = (f"({event.id}, '2026-11-23 10:00:00', 'forger', 'discussion.deleted', 'discussion', 'd1', '{{}}')")
    columns = "(id, at, actor, action, subject_type, subject_id, details)"
    tampering = [f"INSERT INTO audit_events {columns} VALUES {row} ON CONFLICT (id) DO UPDATE SET actor = 'forger'",
                 f"INSERT INTO audit_events {columns} VALUES {row} ON CONFLICT (id) DO NOTHING"]
    if sqlite:  # SQLite's own ways to replace a row
        tampering += [f"INSERT OR REPLACE INTO audit_events {columns} VALUES {row}", f"REPLACE INTO audit_events {columns} VALUES {row}"]
    for statement in tampering:
        async with uow_factory() as uow:
            try:
                await uow.session.execute(text(statement))
                await uow.commit()
            except DBAPIError:
                pass  # refused: what matters is below
    async with uow_factory() as uow:
        events = await uow.audit.for_subject("discussion", "d1")
        assert [(e.id, e.actor, e.action) for e in events] == [(event.id, "aad-chair-1", "discussion.created")]


async def test_duplicate_invitation_of_the_same_person_is_refused(uow_factory):
    async with uow_factory() as uow:
        discussion = uow.discussions.add(a_discussion())
        discussion.invitations.append(Invitation(agency="police", name="A", email="a@police.example"))
        discussion.invitations.append(Invitation(agency="police", name="A", email="a@police.example"))
        with pytest.raises(DBAPIError):
            await uow.commit()


async def test_the_sweep_claims_what_is_due_once_and_again_only_if_the_claim_runs_out(uow_factory):
    def obligation(key, **values):
        return Obligation(key=key, kind="action", subject_type="action", subject_id="a1", due_at=NOW + timedelta(hours=4),
                          created_at=NOW - timedelta(minutes=1), updated_at=NOW, **values)

    async with uow_factory() as uow:
        for item in (obligation("new"), obligation("later", next_attempt_at=NOW + timedelta(hours=1)),
                     obligation("snoozed", snoozed_until=NOW + timedelta(days=1), next_attempt_at=NOW + timedelta(days=1)),
                     obligation("done", state="satisfied")):
            await uow.obligations.add_once(item)
        await uow.commit()

    async def claim(at):
        async with uow_factory() as uow:
            ids = await uow.obligations.claim_due(at, until=at + timedelta(minutes=5), limit=10)
            await uow.commit()
            return sorted([(await uow.obligations.get(i)).key for i in ids])

    assert await claim(NOW) == ["new"]  # a new obligation is looked at at once
    assert await claim(NOW + timedelta(minutes=1)) == []  # held by the sweeper that claimed it
    # The sweeper died without finishing: once the claim runs out, it is due again, with "later".
    assert await claim(NOW + timedelta(hours=1)) == ["later", "new"]
    assert await claim(NOW + timedelta(days=1)) == ["later", "new", "snoozed"]


async def test_sqlite_writers_take_turns_instead_of_failing_or_sleeping_in_sqlite(tmp_path, clock):
    """Two turns writing at once. SQLite's busy timeout is set to nothing here, so without the
    queue the second write fails at once with "database is locked"; with it, it waits its turn."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'writers.db'}"
    await asyncio.to_thread(migrate, url)
    engine = database.create_engine(url)
    event.listen(engine.sync_engine, "connect", lambda connection, _: connection.cursor().execute("PRAGMA busy_timeout = 0"))
    sessions = database.session_factory(engine)
    order = []
    first_has_written = asyncio.Event()
    second_turn = None

    async def first():
        async with UnitOfWork(sessions, clock) as uow:
            uow.discussions.add(a_discussion(case_reference="CR-FIRST"))
            await uow.session.flush()  # SQLite's write lock is taken here
            first_has_written.set()
            # Other work inside this transaction, until the second turn has tried to write (and is
            # queued, or has failed): yields to the event loop, no timed sleep.
            while not (writers.waiting or (second_turn.done() if second_turn else False)):
                await asyncio.sleep(0)
            order.append("first commits")
            await uow.commit()

    async def second():
        await first_has_written.wait()
        async with UnitOfWork(sessions, clock) as uow:
            uow.discussions.add(a_discussion(case_reference="CR-SECOND"))
            await uow.session.flush()
            order.append("second has written")
            await uow.commit()

    writers = database.sqlite_writers(engine)
    second_turn = asyncio.ensure_future(second())
    await asyncio.gather(first(), second_turn)
    async with UnitOfWork(sessions, clock) as uow:
        saved = [d.case_reference for d in await uow.discussions.by_case_reference("CR-FIRST")
                 + await uow.discussions.by_case_reference("CR-SECOND")]
    await engine.dispose()
    assert order == ["first commits", "second has written"] and saved == ["CR-FIRST", "CR-SECOND"]


async def test_saving_a_discussion_writes_its_changed_columns_once_and_refuses_an_overtaken_version(uow_factory):
    """DiscussionRepository.save: one UPDATE that checks and moves the version, as the ORM's flush would."""
    from sqlalchemy.orm.exc import DetachedInstanceError, StaleDataError

    async with uow_factory() as uow:
        discussion_id = uow.discussions.add(a_discussion(draft={"step": "child"})).id
        await uow.commit()
    async with uow_factory() as first, uow_factory() as second:
        mine = await first.discussions.get(discussion_id, load=())
        theirs = await second.discussions.get(discussion_id, load=())
        mine.draft, mine.case_reference = {"step": "concern"}, "CR-2"
        await first.discussions.save(mine)
        await first.commit()
        assert mine.draft == {"step": "concern"} and mine.version == 2  # still readable, as saved
        with pytest.raises(DetachedInstanceError):
            mine.invitations  # a child not loaded is never fetched silently
        theirs.draft = {"step": "child", "values": {"child": {"initials": "ZZ"}}}
        with pytest.raises(StaleDataError):
            await second.discussions.save(theirs)  # read at version 1: overtaken
    async with uow_factory() as uow:
        saved = await uow.discussions.get(discussion_id, load=())
        assert (saved.draft, saved.case_reference, saved.version) == ({"step": "concern"}, "CR-2", 2)
        await uow.discussions.save(saved)  # nothing changed: nothing written
        await uow.commit()
    async with uow_factory() as uow:
        assert (await uow.discussions.get(discussion_id, load=())).version == 2


async def test_saving_a_discussion_whose_children_changed_leaves_it_all_to_the_flush(uow_factory):
    async with uow_factory() as uow:
        discussion_id = uow.discussions.add(a_discussion(draft={"step": "invitees"})).id
        await uow.commit()
    async with uow_factory() as uow:
        discussion = await uow.discussions.get(discussion_id, load=("invitations",))
        discussion.invitations.append(Invitation(agency="police", name="DS Jones", email="jones@police.example", required=True))
        discussion.draft = {"step": "when"}
        await uow.discussions.save(discussion)
        await uow.commit()
    async with uow_factory() as uow:
        saved = await uow.discussions.get(discussion_id, load=("invitations",))
        assert saved.draft == {"step": "when"} and [i.email for i in saved.invitations] == ["jones@police.example"]


async def test_changing_an_action_writes_it_at_once_and_leaves_nothing_for_the_flush(uow_factory):
    async with uow_factory() as uow:
        discussion = uow.discussions.add(a_discussion())
        discussion.actions.append(Action(number=1, child_initials="AB", description="CP medical", owner_agency="health",
                                         due_at=NOW + timedelta(days=1), created_at=NOW, updated_at=NOW))
        await uow.commit()
        discussion_id = discussion.id
    later = NOW + timedelta(hours=2)
    async with uow_factory() as uow:
        _, action = await uow.discussions.with_action(discussion_id=discussion_id, number=1)
        await uow.discussions.change_action(action, status="will_complete_by", updated_at=later, due_at=NOW + timedelta(days=3))
        assert (action.status, action.due_at) == ("will_complete_by", NOW + timedelta(days=3))  # the object in hand agrees
        assert not uow.session.dirty  # nothing left for the ORM to write again
        await uow.commit()
    async with uow_factory() as uow:
        _, action = await uow.discussions.with_action(discussion_id=discussion_id, number=1)
        assert (action.status, action.updated_at, action.due_at) == ("will_complete_by", later, NOW + timedelta(days=3))


async def test_a_database_error_names_the_statement_but_never_what_was_typed(database_url):
    """A database error is logged with its traceback: it must not carry the values, which are what people
    typed about a child (a security trial found a snooze's reason, with a NUL PostgreSQL refused, in the log)."""
    engine = database.create_engine(database_url)
    typed = "Sentinel words about the child"
    try:
        async with engine.connect() as connection:
            with pytest.raises(DBAPIError) as refused:  # a discussion with no id: NOT NULL, on either database
                await connection.execute(text("INSERT INTO discussions (id, case_reference) VALUES (NULL, :typed)"),
                                         {"typed": typed})
    finally:
        await engine.dispose()
    assert "INSERT INTO discussions" in str(refused.value) and typed not in str(refused.value)
