"""Email for people outside Teams: Graph sendMail (fake Graph on 127.0.0.1) or .eml files."""
from email import message_from_bytes, policy

import pytest

from bot.mailer import FileMailer, GraphMailer
from bot.outbox import transient
from scheduling.meetings.graph import graph_client
from tests.support.fake_graph import Fault, FakeCredential


async def test_graph_sendmail_from_the_service_mailbox(graph):
    mailer = GraphMailer(graph_client(credential=FakeCredential(), base_url=graph.base_url), sender="meetings@council.example.org")
    await mailer.send(to="ds@police.example.org", subject="Due today: Strategy discussion CR-1 (AB)", body="A1 ...", key="k1")
    [mail] = graph.mail  # the SDK sends the action's parameters capitalised, as Graph documents them
    assert mail["Message"]["subject"] == "Due today: Strategy discussion CR-1 (AB)"
    assert mail["Message"]["toRecipients"][0]["emailAddress"]["address"] == "ds@police.example.org"
    assert mail["SaveToSentItems"] is True


async def test_a_throttled_sendmail_fails_at_once_for_the_outbox_to_retry_when_graph_asks(graph):
    mailer = GraphMailer(graph_client(credential=FakeCredential(), base_url=graph.base_url), sender="meetings@council.example.org")
    graph.faults = [Fault(429, retry_after="30")]
    with pytest.raises(Exception) as failure:
        await mailer.send(to="ds@police.example.org", subject="s", body="b", key="k1")
    assert graph.mail == [] and len(graph.requests) == 1  # no hidden wall-clock retries inside the SDK
    assert transient(failure.value) == (True, 30.0)  # worth another try, after the 30 s Graph asked for


async def test_a_sendmail_graph_never_answers_gives_up_in_its_own_time_for_the_outbox_to_retry(graph):
    """A Graph trial: a hung sendMail waited the SDK's 100 s, holding the sweep of every chase in its batch."""
    from bot.outbox import unanswered

    mailer = GraphMailer(graph_client(credential=FakeCredential(), base_url=graph.base_url), sender="meetings@council.example.org",
                         timeout=0.2)
    graph.faults = [Fault(hang=True)]
    with pytest.raises(Exception) as failure:
        await mailer.send(to="ds@police.example.org", subject="s", body="b", key="k1")
    assert transient(failure.value)[0] is True and unanswered(failure.value)  # tried again, after a look in Sent Items


async def test_a_refused_sendmail_is_not_retried(graph):
    mailer = GraphMailer(graph_client(credential=FakeCredential(), base_url=graph.base_url), sender="meetings@council.example.org")
    graph.faults = [Fault(403)]  # e.g. the application access policy does not cover the mailbox
    with pytest.raises(Exception) as failure:
        await mailer.send(to="ds@police.example.org", subject="s", body="b", key="k1")
    assert transient(failure.value) == (False, None)


async def test_an_email_sent_through_graph_can_be_found_in_sent_items_by_its_message_id(graph):
    """What lets an email whose first attempt was cut short by a crash not go twice."""
    mailer = GraphMailer(graph_client(credential=FakeCredential(), base_url=graph.base_url), sender="meetings@council.example.org")
    assert await mailer.was_sent("chase:ob1:due") is False
    await mailer.send(to="ds@police.example.org", subject="s", body="b", key="chase:ob1:due")
    assert graph.mail[0]["Message"]["internetMessageId"] == "<chase-ob1-due@strategy-bot>"
    assert await mailer.was_sent("chase:ob1:due") is True
    assert await mailer.was_sent("chase:ob1:escalate_lead") is False


async def test_a_resent_copy_carries_the_same_message_id(tmp_path):
    mailer = FileMailer(tmp_path)
    assert await mailer.was_sent("chase:ob1:due") is False
    await mailer.send(to="a@x.org", subject="s", body="b", key="chase:ob1:due")
    [path] = tmp_path.glob("*.eml")
    assert message_from_bytes(path.read_bytes(), policy=policy.default)["Message-ID"] == "<chase-ob1-due@strategy-bot>"
    assert await mailer.was_sent("chase:ob1:due") is True
    await mailer.send(to="a@x.org", subject="s", body="b", key="chase:ob1:due")  # sent again: a second email, visible
    copies = sorted(p.name for p in tmp_path.glob("*.eml"))
    assert copies == ["chase_ob1_due.copy2.eml", "chase_ob1_due.eml"]
    assert {message_from_bytes((tmp_path / c).read_bytes(), policy=policy.default)["Message-ID"] for c in copies} == {
        "<chase-ob1-due@strategy-bot>"}  # with the same Message-ID: a mail client shows it once
