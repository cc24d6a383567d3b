"""The one check of an incoming activity, after its token and before botbuilder or the bot reads it.

The fields the bot reads must have the shape Teams sends; anything else is refused with a 400 and
one log line, never a traceback (msrest and the bot would otherwise fail deep inside a turn). Every
string is normalised here, once, so that SQLite and PostgreSQL accept and refuse the same inputs:
NUL and other control characters (bar tab and newlines; Word's vertical tab and form feed become
newlines) are dropped, lone surrogates become U+FFFD.
So are the bidirectional overrides and isolates (U+202A-U+202E, U+2066-U+2069), which make a
name or a line on a card read other than it is written.
"""
from __future__ import annotations

import functools
import json
import re
from datetime import datetime
from urllib.parse import urlsplit

from yarl import URL

MAX_DEPTH = 24  # Teams' deepest activities (a card's value inside channelData) are under ten
MAX_STRING = 64_000  # a Teams message is at most about 28 KB of text
MAX_NAME = 200  # the name columns (Entra allows 256: a longer display name is shortened, not refused)
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
# Characters that show nothing (zero-width spaces and joiners, the soft hyphen, word joiners, the byte
# order mark, the Hangul fillers): a text of these alone, with or without spaces, passed every "was
# anything written?" check and completed an agency's update with nothing in it (a security trial).
INVISIBLE = "\u00ad\u034f\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u2060-\u2064\u2800\u3164\ufeff\uffa0"
_SHOWS_NOTHING = re.compile(rf"\s*[{INVISIBLE}][\s{INVISIBLE}]*")


def visible(value: str) -> str:
    """`value` without the spaces around it, or "" when nothing in it would show: for a part of a typed message
    that must say something (an update's text, a reason), which the edge cannot judge as a whole string (a
    re-check: `update` followed by zero-width spaces completed an agency's update)."""
    return "" if _SHOWS_NOTHING.fullmatch(value) else value.strip()


class Malformed(ValueError):
    """Why an activity is refused (said in the 400 and the log; never echoes the body)."""


def clean_text(value: str) -> str:
    """A string as it may be stored: no control characters, no lone surrogates (PostgreSQL refuses both),
    and nothing at all where nothing would show.
    A vertical tab or form feed is Word's line or page break in pasted text: a line break, not nothing
    (a re-check: "Word paste<VT>soft break" was stored as "Word pastesoft break")."""
    value = CONTROL.sub("", value.replace("\x0b", "\n").replace("\x0c", "\n"))
    if _SHOWS_NOTHING.fullmatch(value):  # written, but nothing to read: nothing
        return ""
    try:  # UTF-8 encodes every code point but a lone surrogate: the check, in C
        value.encode("utf-8")
    except UnicodeEncodeError:  # each lone surrogate becomes U+FFFD (a pair split in two is joined again)
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return value


def _cleaned(value, depth: int = 0):
    if depth > MAX_DEPTH:
        raise Malformed(f"nested deeper than {MAX_DEPTH}")
    if isinstance(value, str):
        if len(value) > MAX_STRING:
            raise Malformed(f"a string over {MAX_STRING} characters")
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_text(str(k)): _cleaned(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_cleaned(v, depth + 1) for v in value]
    return value


# What, in UTF-8 JSON, may decode to something `_cleaned` changes: an escape (\u, \b, \f), a raw
# DEL, a byte that starts an encoded surrogate (json reads bytes with "surrogatepass"), the
# bidirectional overrides and isolates as UTF-8, and the characters that show nothing (INVISIBLE).
_MARKS = re.compile(rb"\\[ubf]|\x7f|\xed|\xe2\x80[\x8b-\x8f\xaa-\xae]|\xe2\x81[\xa0-\xa4\xa6-\xa9]|\xe2\xa0\x80|\xc2\xad|\xcd\x8f"
                    rb"|\xe1\x85[\x9f\xa0]|\xe1\x9e[\xb4\xb5]|\xe1\xa0\x8e|\xe3\x85\xa4|\xef\xbb\xbf|\xef\xbe\xa0")


def _nothing_to_clean(raw: bytes) -> bool:
    """Whether `_cleaned` would find nothing to change or refuse in what `raw`, a JSON text, decodes
    to, told from the text alone (issue 19: walking every string of every activity was 3 % of a
    `help` turn): UTF-8 with none of the marks above (no decoded string is longer than the text,
    and no value is nested deeper than the text has brackets). Any other text, UTF-16 and -32
    included, is walked."""
    return (len(raw) <= MAX_STRING and raw.count(b"{") + raw.count(b"[") <= MAX_DEPTH
            and json.detect_encoding(raw) == "utf-8" and _MARKS.search(raw) is None)


def _object(body: dict, key: str, *, required: bool = False) -> dict:
    value = body.get(key)
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise Malformed(f"`{key}` must be an object")
    return value


def _string(body: dict, key: str, *, required: bool = False, limit: int = 1024, where: str = "") -> str | None:
    value = body.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or (required and not value.strip()):
        raise Malformed(f"`{where}{key}` must be a{' non-empty' if required else ''} string")
    if len(value) > limit:
        raise Malformed(f"`{where}{key}` is over {limit} characters")
    return value


def _account(body: dict, key: str, *, required: bool) -> None:
    account = _object(body, key, required=required)
    if account or required:
        _string(account, "id", required=True, limit=512, where=f"{key}.")
        _string(account, "aadObjectId", limit=64, where=f"{key}.")
        name = _string(account, "name", limit=MAX_STRING, where=f"{key}.")
        if name and len(name) > MAX_NAME:
            account["name"] = name[: MAX_NAME - 1] + "…"


def _members(body: dict, key: str) -> None:
    members = body.get(key)
    if members is None:
        return
    if not isinstance(members, list) or not all(isinstance(m, dict) for m in members):
        raise Malformed(f"`{key}` must be a list of accounts")
    for member in members:
        _string(member, "id", required=True, limit=512, where=f"{key}[].")


def _timestamp(body: dict, key: str) -> None:
    value = _string(body, key, limit=64)
    if value is None:
        return
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise Malformed(f"`{key}` is not an ISO 8601 time") from None


def _service_url(body: dict) -> None:
    """An http(s) URL the connector can be reached at: every reply is posted to it, so a bracket
    left open, a port out of range, a host label over 63 characters or a line break is refused
    here, not found by aiohttp in the middle of a turn."""
    if not postable_url(_string(body, "serviceUrl", required=True, limit=2048)):
        raise Malformed("`serviceUrl` is not an http(s) URL")


@functools.lru_cache(maxsize=256)  # Teams sends a handful of service URLs, each thousands of times: judged once each
def postable_url(value: str) -> bool:
    """An http(s) URL with a host that aiohttp can send to (the one check, for every address the bot posts or puts to)."""
    try:
        if any(c.isspace() or not c.isprintable() for c in value):
            return False  # spaces or control characters
        parts = urlsplit(value)
        parts.port  # noqa: B018 (read for its check: ValueError when out of range or not a number)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            return False
        parts.hostname.encode("idna")  # UnicodeError: an empty label, or one over 63 characters
        URL(value).raw_host  # noqa: B018 (and as aiohttp will read it)
    except (ValueError, UnicodeError):
        return False
    return True


def _card_action(body: dict) -> None:
    """An Action.Execute press: value.action.verb a string, value.action.data an object."""
    value = _object(body, "value", required=True)
    action = _object(value, "action", required=True)
    _string(action, "verb", required=True, limit=100, where="value.action.")
    if action.get("data") is not None and not isinstance(action["data"], dict):
        raise Malformed("`value.action.data` must be an object")


def _channel_data(body: dict) -> None:
    channel_data = _object(body, "channelData")
    for key in ("tenant", "team", "channel"):
        part = _object(channel_data, key)
        if part:
            _string(part, "id", limit=512, where=f"channelData.{key}.")


def checked(body, *, raw: bytes | None = None) -> dict:
    """The activity with its strings normalised, or Malformed. Only what the bot and botbuilder read
    is checked; Teams adds fields over time, and those pass through untouched (but normalised).
    `raw`: the JSON text `body` was read from, when there is one."""
    if not isinstance(body, dict):
        raise Malformed("the body is not a JSON object")
    if raw is None or not _nothing_to_clean(raw):
        body = _cleaned(body)
    kind = _string(body, "type", required=True, limit=64)
    for key in ("id", "channelId", "name", "replyToId", "locale", "textFormat"):
        _string(body, key, limit=512)
    _string(body, "text", limit=MAX_STRING)
    _timestamp(body, "timestamp")
    _timestamp(body, "localTimestamp")
    _service_url(body)
    conversation = _object(body, "conversation", required=True)
    _string(conversation, "id", required=True, limit=1024, where="conversation.")
    for key in ("conversationType", "tenantId"):
        _string(conversation, key, limit=512, where="conversation.")
    if conversation.get("isGroup") is not None and not isinstance(conversation["isGroup"], bool):
        raise Malformed("`conversation.isGroup` must be true or false")
    _account(body, "from", required=kind in ("message", "invoke"))
    _account(body, "recipient", required=False)
    _members(body, "membersAdded")
    _members(body, "membersRemoved")
    _channel_data(body)
    if body.get("channelData") is None:
        # botbuilder's Teams handler reads channelData.team on every conversation update and fails
        # on a missing channelData (a fuzz run found it); Teams always sends one, so an empty one
        # stands in for it and the update is handled as having no team.
        body["channelData"] = {}
    for key in ("entities", "attachments"):
        if body.get(key) is not None and not (isinstance(body[key], list) and all(isinstance(e, dict) for e in body[key])):
            raise Malformed(f"`{key}` must be a list of objects")
    if kind == "invoke" and body.get("name") == "adaptiveCard/action":
        _card_action(body)
    elif body.get("value") is not None and kind == "message":
        value = _object(body, "value")  # an Action.Submit from an older client
        if value.get("verb") is not None and not isinstance(value["verb"], str):
            raise Malformed("`value.verb` must be a string")
    return body


def tenant_of(body: dict) -> str | None:
    """The tenant Teams names in the activity. `channelData.tenant.id` and `conversation.tenantId`
    must agree when both are there: a disagreement is refused as forged."""
    from_channel = ((body.get("channelData") or {}).get("tenant") or {}).get("id")
    from_conversation = (body.get("conversation") or {}).get("tenantId")
    if from_channel and from_conversation and from_channel != from_conversation:
        raise Malformed("the activity names two tenants")
    return from_channel or from_conversation
