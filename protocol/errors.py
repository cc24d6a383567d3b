"""Typed protocol errors, each carrying one line a person can act on."""
from __future__ import annotations

from pydantic import ValidationError


class ProtocolError(Exception):
    """Base: the message is what the user sees."""


class ProfileError(ProtocolError):
    pass


class FactsError(ProtocolError):
    pass


def describe(error: ValidationError) -> str:
    """pydantic's errors as 'field.path: problem' lines, naming the exact field that is wrong."""
    lines = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"]) or "(top level)"
        if item["type"] == "extra_forbidden":
            lines.append(f"{where}: unknown key")
        elif item["type"] == "literal_error":
            lines.append(f"{where}: unknown value {item['input']!r} (expected {item['ctx']['expected']})")
        else:
            lines.append(f"{where}: {item['msg']}")
    return "; ".join(lines)
