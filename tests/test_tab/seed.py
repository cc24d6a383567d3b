"""Discussions for the oversight tab, written straight to the database, each with what a manager
would count. The clock of these tests stands at Monday 23 November 2026, 10:00 (London = UTC)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import insert

from storage import database
from storage.models import Action, ActionUpdate, Chase, Decision, Discussion, Invitation, Obligation

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc)
CHAIR = "33333333-3333-3333-3333-333333333333"        # the token's oid in tests/support/entra_keys.py
OTHER_CHAIR = "44444444-4444-4444-4444-444444444444"
DAY = timedelta(days=1)


def _discussion(n: int, *, chair: str, status: str, rule: str, received: datetime, deadline: datetime, held: datetime | None,
                quorate: bool | None = None, conversation: str | None = None) -> dict:
    return dict(id=f"d{n:031d}", case_reference=f"CR-{n}", child_initials="AB", profile="hackney", status=status,
                facts={"received_at": received.isoformat()}, assessment={"deadline_rule": {"rule": rule}}, deadline=deadline,
                chair_aad_id=chair, chair_name="Chair", tenant_id="11111111-1111-1111-1111-111111111111",
                conversation_id=conversation, meeting_start=held, children=[],
                record={"quorate": quorate} if quorate is not None else None, created_at=received, updated_at=received)


async def seed(url: str) -> None:
    """Held in November 2026 (all Hackney):
    1. same-day rule, received 2 Nov 09:00, deadline 17:00, held 14:00: in time; quorate; s47 (ICPC held 16 Nov, due 23 Nov).
    2. three-working-day rule, received 3 Nov 09:00, deadline 6 Nov 17:00, held 9 Nov 10:00: late; not quorate.
    3. three-working-day rule, received 4 Nov 09:00, deadline 9 Nov 17:00, held 5 Nov 11:00: in time; quorate (other chair).
    Open: 4. convened, deadline 24 Nov 17:00, meeting 24 Nov 14:00, police invited (accepted) and health (no reply);
          an overdue information update from police (due 20 Nov 17:00, chased twice) and an action A1 for health
          (due 19 Nov 17:00, agreed for 17 Nov, not chased); 5. the other chair's, with an overdue record distribution."""
    engine = database.create_engine(url)
    d = [
        _discussion(1, chair=CHAIR, status="recorded", rule="serious_risk_of_harm", received=datetime(2026, 11, 2, 9, tzinfo=timezone.utc),
                    deadline=datetime(2026, 11, 2, 17, tzinfo=timezone.utc), held=datetime(2026, 11, 2, 14, tzinfo=timezone.utc), quorate=True),
        _discussion(2, chair=CHAIR, status="closed", rule="default_three_working_days", received=datetime(2026, 11, 3, 9, tzinfo=timezone.utc),
                    deadline=datetime(2026, 11, 6, 17, tzinfo=timezone.utc), held=datetime(2026, 11, 9, 10, tzinfo=timezone.utc), quorate=False),
        _discussion(3, chair=OTHER_CHAIR, status="closed", rule="default_three_working_days",
                    received=datetime(2026, 11, 4, 9, tzinfo=timezone.utc), deadline=datetime(2026, 11, 9, 17, tzinfo=timezone.utc),
                    held=datetime(2026, 11, 5, 11, tzinfo=timezone.utc), quorate=True),
        _discussion(4, chair=CHAIR, status="convened", rule="default_three_working_days", received=NOW - DAY,
                    deadline=datetime(2026, 11, 24, 17, tzinfo=timezone.utc), held=datetime(2026, 11, 24, 14, tzinfo=timezone.utc),
                    conversation="19:mash@thread.tacv2;messageid=1700000000004"),
        _discussion(5, chair=OTHER_CHAIR, status="recorded", rule="default_three_working_days", received=NOW - 3 * DAY,
                    deadline=NOW - DAY, held=NOW - 2 * DAY, quorate=True),
    ]
    invitations = [
        dict(id="i4p", discussion_id=d[3]["id"], agency="police", name="DS Pat", email="pat@police.example", quorum=True, rsvp="accepted",
             record_check="none"),
        dict(id="i4h", discussion_id=d[3]["id"], agency="health", name="Nurse Ann", email="ann@nhs.example", quorum=True, rsvp="none",
             record_check="requested"),
    ]
    obligation = dict(subject_type="discussion", rule_source="hackney", attempts=0, escalation_level=0, out_of_hours=False,
                      snooze_reason="")
    obligations = [
        # Information updates answered: police in 5 hours (discussion 1), health in 30 hours (discussion 2).
        dict(obligation, id="o1", key="d1:information_update:police:pat@police.example", kind="information_update",
             discussion_id=d[0]["id"], subject_id=d[0]["id"], owner_agency="police", due_at=datetime(2026, 11, 3, 17, tzinfo=timezone.utc),
             state="satisfied", created_at=datetime(2026, 11, 2, 15, tzinfo=timezone.utc),
             updated_at=datetime(2026, 11, 2, 20, tzinfo=timezone.utc), next_attempt_at=datetime(2026, 11, 3, 17, tzinfo=timezone.utc)),
        dict(obligation, id="o2", key="d2:information_update:health:ann@nhs.example", kind="information_update",
             discussion_id=d[1]["id"], subject_id=d[1]["id"], owner_agency="health", due_at=datetime(2026, 11, 10, 17, tzinfo=timezone.utc),
             state="satisfied", created_at=datetime(2026, 11, 9, 11, tzinfo=timezone.utc),
             updated_at=datetime(2026, 11, 10, 17, tzinfo=timezone.utc), next_attempt_at=datetime(2026, 11, 10, 17, tzinfo=timezone.utc)),
        # Discussion 1 started s47: its ICPC was due 23 Nov and held on 16 Nov.
        dict(obligation, id="o3", key="d1:icpc", kind="icpc", discussion_id=d[0]["id"], subject_id=d[0]["id"], owner_agency="social_care",
             due_at=datetime(2026, 11, 23, 17, tzinfo=timezone.utc), state="satisfied", created_at=datetime(2026, 11, 2, 15, tzinfo=timezone.utc),
             updated_at=datetime(2026, 11, 16, 10, tzinfo=timezone.utc), next_attempt_at=datetime(2026, 11, 23, 17, tzinfo=timezone.utc)),
        # Overdue on discussion 4.
        dict(obligation, id="o4", key=f"{d[3]['id']}:information_update:police:pat@police.example", kind="information_update",
             discussion_id=d[3]["id"], subject_id=d[3]["id"], owner_agency="police", due_at=datetime(2026, 11, 20, 17, tzinfo=timezone.utc),
             state="open", created_at=NOW - 4 * DAY, updated_at=NOW - DAY, next_attempt_at=NOW + DAY),
        dict(obligation, id="o5", key=f"{d[3]['id']}:action:1", kind="action", discussion_id=d[3]["id"], subject_type="action",
             subject_id="1", owner_agency="health", due_at=datetime(2026, 11, 19, 17, tzinfo=timezone.utc), state="open",
             created_at=NOW - 5 * DAY, updated_at=NOW - 5 * DAY, next_attempt_at=NOW + DAY),
        dict(obligation, id="o6", key=f"{d[4]['id']}:record_distribution", kind="record_distribution", discussion_id=d[4]["id"],
             subject_id=d[4]["id"], owner_agency="social_care", due_at=NOW - DAY, state="open", created_at=NOW - 2 * DAY,
             updated_at=NOW - 2 * DAY, next_attempt_at=NOW + DAY),
    ]
    actions = [
        dict(id="a1", discussion_id=d[3]["id"], number=1, child_initials="AB", description="Health checks", owner_agency="health",
             owner_name="Nurse Ann, her sister's neighbour", owner_email="named.nurse@hackney.example.org", due_at=datetime(2026, 11, 19, 17, tzinfo=timezone.utc), status="open", created_at=NOW - 5 * DAY,
             updated_at=NOW - 5 * DAY, agreed_due_at=datetime(2026, 11, 17, 17, tzinfo=timezone.utc)),  # a new date given since
        # Discussion 2's action, completed by police 48 hours after it was agreed.
        dict(id="a2", discussion_id=d[1]["id"], number=1, child_initials="AB", description="Police checks", owner_agency="police",
             owner_name="DS Pat", owner_email="", due_at=datetime(2026, 11, 12, 17, tzinfo=timezone.utc), status="completed",
             created_at=datetime(2026, 11, 9, 11, tzinfo=timezone.utc), updated_at=datetime(2026, 11, 11, 11, tzinfo=timezone.utc),
             agreed_due_at=datetime(2026, 11, 12, 17, tzinfo=timezone.utc)),
    ]
    updates = [dict(id="u2", action_id="a2", status="completed", by="DS Pat", at=datetime(2026, 11, 11, 11, tzinfo=timezone.utc))]
    chases = [dict(id="c1", key="o4:due", obligation_id="o4", stage="due", recipient="pat@police.example", channel="email",
                   status="sent", at=datetime(2026, 11, 20, 9, tzinfo=timezone.utc)),
              dict(id="c2", key="o4:escalate_lead", obligation_id="o4", stage="escalate_lead", recipient="DI Lead",
                   channel="teams", status="sent", at=datetime(2026, 11, 23, 9, tzinfo=timezone.utc))]
    decisions = [dict(id="x1", discussion_id=d[0]["id"], child_initials="AB", kind="s47_joint", reasoning="Injury",
                      created_at=datetime(2026, 11, 2, 15, tzinfo=timezone.utc))]
    async with engine.begin() as connection:
        await connection.execute(insert(Discussion), d)
        await connection.execute(insert(Invitation), invitations)
        await connection.execute(insert(Action), actions)
        await connection.execute(insert(ActionUpdate), updates)
        await connection.execute(insert(Obligation), obligations)
        await connection.execute(insert(Chase), chases)
        await connection.execute(insert(Decision), decisions)
    await engine.dispose()
