"""Bot Framework models to and from JSON, as msrest would read and write them, without its cost.

msrest reads and writes a model generically: for every attribute of every model it copies the
attribute's description, tries each key extractor, looks its type up in a table and, for an
`object`, rebuilds the value item by item. Reading an incoming activity that way was half of a
`help` turn (py-spy); writing one with an adaptive card, a third of a thread reply. The Bot
Framework schema is simple (no flattened keys, no read-only or constant fields, no subtypes or
enums: checked at import for every model an activity or a conversation reference holds), so each
model's reading is worked out once, from its own attribute map, and anything unusual (a date in
another form, a wrong-typed value) is handed to msrest itself, which then decides exactly as it
always did, raising included.
`tests/test_bot/test_schema.py` holds both directions equal to msrest's.
"""
from __future__ import annotations

import json
import re
from datetime import datetime
from enum import Enum

from botbuilder.schema import Activity, ConversationReference
from msrest.serialization import Deserializer, Model, Serializer

_MODELS = Activity._infer_class_models()  # the schema's model classes by name, as msrest resolves types
_MSREST = Deserializer(_MODELS)
_TEAMS_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})")  # 2026-12-01T09:00:05.431Z
_PLAIN = {"str": str, "bool": bool, "int": int}  # JSON already gave these when the type matches exactly


def to_json(value):
    """An SDK model as the JSON msrest would write: its attribute map's keys with the values that are set."""
    if isinstance(value, Model):
        keys = _keys.get(type(value)) or _keys_of(type(value))
        return {keys[attr]: to_json(item) for attr, item in vars(value).items() if item is not None and attr in keys}
    if isinstance(value, (list, tuple)):
        return [to_json(item) for item in value]
    if isinstance(value, dict):
        return {key: to_json(item) for key, item in value.items()}
    if isinstance(value, datetime):
        return Serializer.serialize_iso(value)
    if isinstance(value, Enum):
        return value.value
    return value


def dumps(value) -> bytes:
    """`json.dumps(to_json(value))`, encoded: the same text, with JSON's own values (a card's dicts,
    lists and strings) left to json's C encoder and only the SDK's models, times and enums turned
    into JSON here, as to_json turns them. Walking each card in Python was 3-4 % of a reply in a
    thread (issue 19's profile)."""
    return json.dumps(value, default=_as_json).encode()


def _as_json(value):
    """json's `default`: one level of what to_json does, json encodes what it returns in turn."""
    if isinstance(value, Model):
        keys = _keys.get(type(value)) or _keys_of(type(value))
        return {keys[attr]: item for attr, item in vars(value).items() if item is not None and attr in keys}
    if isinstance(value, datetime):
        return Serializer.serialize_iso(value)
    if isinstance(value, Enum):
        return value.value
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


_keys: dict[type, dict[str, str]] = {}  # a model's attributes -> their JSON keys


def _keys_of(cls: type[Model]) -> dict[str, str]:
    keys = _keys[cls] = {attr: spec["key"] for attr, spec in cls._attribute_map.items()}
    return keys


def from_json(cls: type[Model], data):
    """`cls().deserialize(data)`, the same model with the same values (or the same error)."""
    if not isinstance(data, dict):
        return _MSREST._deserialize(cls, data)
    reading = _readings.get(cls) or _reading_of(cls)
    attrs, extra = {}, None
    for key, value in data.items():
        field = reading.get(key)
        if field is None:  # a key Teams sends that the schema does not name, kept as msrest keeps it
            extra = extra or {}
            extra[key] = value
        elif value is not None:
            attr, kind, inner = field
            attrs[attr] = _read(kind, inner, value)
    # cls(**attrs), without msrest's __init__ (its per-keyword checks were half the reading): every
    # model's __init__ only stores its arguments, so its blank attributes plus these are the same object.
    model = object.__new__(cls)
    model.__dict__.update(_blanks.get(cls) or _blank_of(cls))
    model.__dict__.update(attrs)
    model.additional_properties = extra or {}
    return model


_blanks: dict[type, dict] = {}  # a model's attributes as cls() leaves them


def _blank_of(cls: type[Model]) -> dict:
    blank = _blanks[cls] = vars(cls()).copy()
    return blank


def _read(kind: str, inner, value):
    if kind == "model":
        return from_json(inner, value) if isinstance(value, dict) else _MSREST.deserialize_data(value, inner.__name__)
    if kind == "list":
        if not isinstance(value, list):
            return _MSREST.deserialize_data(value, f"[{inner}]")
        return [None if item is None else _read(*_kind_of(inner), item) for item in value]
    if kind == "object":
        return value  # JSON's own dicts, lists, strings and numbers: msrest would rebuild an equal copy
    if kind in _PLAIN and type(value) is _PLAIN[kind]:
        return value
    if kind == "iso-8601" and type(value) is str and _TEAMS_TIME.fullmatch(value):
        try:  # the form Teams writes, read by the standard library; any doubt goes to msrest below
            moment = datetime.fromisoformat(value)
            moment.utctimetuple()  # msrest refuses a time whose UTC falls outside years 1-9999: so does this
            return moment
        except (ValueError, OverflowError):
            pass
    return _MSREST.deserialize_data(value, kind)  # dates, and values of an unexpected type


_readings: dict[type, dict[str, tuple]] = {}  # a model's JSON keys -> (attribute, kind, inner type)


def _kind_of(type_name: str) -> tuple[str, object]:
    if type_name.startswith("[") and type_name.endswith("]"):
        return "list", type_name[1:-1]
    if type_name in _MODELS:
        return "model", _MODELS[type_name]
    return type_name, None  # str, bool, int, object, iso-8601, {Entity}: the last two go to msrest


def _reading_of(cls: type[Model]) -> dict[str, tuple]:
    unusual = [attr for attr, spec in cls._attribute_map.items()
               if "." in spec["key"] or (spec["key"] == "" and attr != "additional_properties")]
    unusual += list(getattr(cls, "_validation", None) or ()) + list(getattr(cls, "_subtype_map", None) or ())
    if unusual:  # msrest's generic reading handles these; this one does not, so it refuses to guess
        raise TypeError(f"{cls.__name__} has flattened, read-only, constant or subtyped fields: {unusual}")
    _readings[cls] = reading = {spec["key"]: (attr, *_kind_of(spec["type"])) for attr, spec in cls._attribute_map.items()
                                if spec["key"] != ""}
    return reading


def _learn(cls: type[Model]) -> None:
    if cls not in _readings:
        for _, kind, inner in _reading_of(cls).values():
            inner = _MODELS.get(inner) if kind == "list" else inner
            if isinstance(inner, type) and issubclass(inner, Model):
                _learn(inner)
            elif isinstance(inner, type):
                raise TypeError(f"{cls.__name__} holds {inner.__name__}, which this reading does not know")


_learn(Activity)
_learn(ConversationReference)
