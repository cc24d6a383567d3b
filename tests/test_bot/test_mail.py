"""Email for people outside Teams: Graph sendMail (fake Graph on 127.0.0.1) or .eml files."""
from email import message_from_bytes, policy

import pytest

from bot.mailer import FileMailer, GraphMailer
from scheduling.meetings.graph import graph_client
from tests.support.fake_graph import Fault, FakeCredential


async def test_graph_sendmail_from_the_service_mailbox(graph):
    mailer = GraphMailer(graph_client(credential=FakeCredential(), base_url=graph.base_url), sender="meetings@council.example.org")
    await mailer.send(to="ds@police.example.org", subject="Due today: Strategy discussion CR-1 (AB)", body="A1 ...", key="k1")
    [mail] = graph.mail  # the SDK sends the action's parameters capitalised, as Graph documents them
    assert mail["Message"]["subject"] == "Due today: Strategy discussion CR-1 (AB)"
    assert mail["Message"]["toRecipients"][0]["emailAddress"]["address"] == "ds@police.example.org"
    assert mail["SaveToSentItems"] is True


async def test_a_throttled_sendmail_fails_at_once_for_the_sweep_to_retry(graph):
    mailer = GraphMailer(graph_client(credential=FakeCredential(), base_url=graph.base_url), sender="meetings@council.example.org")
    graph.faults = [Fault(429, retry_after="30")]
    with pytest.raises(Exception):
        await mailer.send(to="ds@police.example.org", subject="s", body="b", key="k1")
    assert graph.mail == [] and len(graph.requests) == 1  # no hidden wall-clock retries inside the SDK


async def test_a_resent_copy_carries_the_same_message_id(tmp_path):
    mailer = FileMailer(tmp_path)
    for _ in range(2):  # a crash between sending and marking sent: the next sweep sends again
        await mailer.send(to="a@x.org", subject="s", body="b", key="obligation-due")
    [path] = tmp_path.glob("*.eml")
    assert message_from_bytes(path.read_bytes(), policy=policy.default)["Message-ID"] == "<obligation-due@strategy-bot>"
