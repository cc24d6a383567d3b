"""Operations' view: with LOG_FORMAT=json every line is one JSON object, a turn's lines carry its
activity id as the correlation id, and no line carries what someone typed."""
import io
import json
import logging

import pytest

import logs
from tests.support import activities


@pytest.fixture
def json_logs():
    root = logging.getLogger()
    saved, level = list(root.handlers), root.level
    stream = io.StringIO()
    logs.configure(level="INFO", form="json", stream=stream)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]  # every line must be JSON
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in saved:
        root.addHandler(handler)
    root.setLevel(level)


async def test_a_failed_turn_is_one_json_line_naming_its_activity_and_nothing_typed(running_bot, json_logs):
    running_bot.connector.fail_next = [500, 500]  # the reply and the apology both fail: the turn logs a warning
    message = activities.personal(running_bot.connector.url, "help Jane Smith 01/02/2015 bruising")
    message["id"] = "act-correlate-me"
    assert (await running_bot.post(message)).status == 201
    lines = json_logs()
    failed = [line for line in lines if "turn failed" in line["message"]]
    assert failed and all(line["correlation_id"] == "act-correlate-me" for line in failed)
    assert {"time", "level", "logger", "message", "correlation_id", "process"} <= set(failed[0])
    assert not [line for line in lines if "Jane" in json.dumps(line) or "bruising" in json.dumps(line)]


def test_an_exception_is_logged_as_its_type_and_place_not_its_text(json_logs):
    logs.correlation.set("act-1")
    try:
        raise ValueError("Jane Smith, 01/02/2015")  # a value from a card, in an exception's text
    except ValueError:
        logging.getLogger("strategy-bot").exception("could not save the record")
    [line] = json_logs()
    assert line["message"] == "could not save the record" and line["correlation_id"] == "act-1"
    assert line["exception"].startswith("ValueError at ") and "Jane" not in json.dumps(line)


def test_text_logs_name_the_correlation_id_too():
    root = logging.getLogger()
    saved, stream = list(root.handlers), io.StringIO()
    try:
        logs.configure(level="INFO", form="text", stream=stream)
        logs.correlation.set("act-2")
        logging.getLogger("strategy-bot").warning("hello")
        assert "[act-2]: hello" in stream.getvalue()
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in saved:
            root.addHandler(handler)


def test_a_request_line_leaves_out_an_emailed_links_token(caplog):
    """A hostile-input trial found each answer's link, a credential, in full in `make run`'s access log."""
    from types import SimpleNamespace

    caplog.set_level(logging.INFO)
    lines = logs.AccessLines(logging.getLogger("aiohttp.access"), "")
    request = SimpleNamespace(remote="127.0.0.1", method="POST", path="/respond/eyJzZWNyZXQiOiJ0b2tlbiJ9.c2lnbmF0dXJl")
    lines.log(request, SimpleNamespace(status=200), 0.0123)
    lines.log(SimpleNamespace(remote="127.0.0.1", method="GET", path="/healthz"), SimpleNamespace(status=200), 0.001)
    assert "eyJzZWNyZXQ" not in caplog.text and "c2lnbmF0dXJl" not in caplog.text
    assert '127.0.0.1 "POST /respond/…" 200 12.3 ms' in caplog.text and '"GET /healthz" 200' in caplog.text
