"""What a person typed, as a command. Works the same in a personal chat ("help", "/help") and in
a channel or group chat ("<at>Strategy Bot</at> help"), where Teams includes the mention text."""
from __future__ import annotations

import difflib
import html
import re
from dataclasses import dataclass

_MENTION = re.compile(r"<at>.*?</at>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class Command:
    name: str
    args: str


def parse(text: str | None) -> Command:
    """'<at>Bot</at>&nbsp;/Help me' -> Command('help', 'me'). Empty text -> Command('', '')."""
    cleaned = html.unescape(_TAG.sub(" ", _MENTION.sub(" ", text or ""))).replace("\xa0", " ").strip()
    word, _, rest = cleaned.partition(" ")
    return Command(word.lstrip("/").lower(), rest.strip())


def closest(name: str, known: list[str]) -> str | None:
    """A known command the person probably meant ("hlep" -> "help"), or None."""
    matches = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    return matches[0] if matches else None
