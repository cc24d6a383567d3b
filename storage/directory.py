"""The contacts directory: who answers for each agency, and when. Loaded from a YAML or CSV file
at start-up; a malformed file stops the service with the line that is wrong."""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from protocol.vocabulary import AGENCIES

AVAILABILITY = ("in_hours", "out_of_hours", "on_call")
FIELDS = ("agency", "role", "name", "email", "aad_object_id", "teams_user_id", "phone", "availability", "lead")
# No spaces, and none of the separators a list of addresses or a display name uses (, ; < > " ( )):
# "office@school,example.org" is a slip for a dot, not an address to send an invitation to.
_EMAIL = re.compile(r'^[^@\s,;<>"()]+@[^@\s,;<>"()]+\.[^@\s,;<>"()]+$')
EXAMPLES = Path(__file__).resolve().parent / "directories"


def is_email(value: str) -> bool:
    """The one check of an email address, for the directory and every card that asks for one."""
    return bool(_EMAIL.match(value))


class DirectoryError(ValueError):
    pass


@dataclass(frozen=True)
class Contact:
    agency: str
    role: str
    name: str
    email: str
    phone: str = ""
    aad_object_id: str | None = None
    # Where Teams knows the person by another id than their Entra object id: the Agents Playground's
    # "user-id-…" people. Real Teams opens a personal chat from the Entra id; leave it empty there.
    teams_user_id: str | None = None
    availability: str = "in_hours"
    lead: bool = False

    def describe(self) -> str:
        """How the chair can reach them, in one line."""
        return f"{self.name}, {self.role} ({self.phone}, {self.email})"

    def available(self, *, in_hours: bool) -> bool:
        return self.availability == "on_call" or self.availability == ("in_hours" if in_hours else "out_of_hours")


class Directory:
    def __init__(self, contacts: list[Contact], *, source: str):
        self.contacts = tuple(contacts)
        self.source = source

    def on_duty(self, agency: str, *, in_hours: bool) -> list[Contact]:
        """Who to invite for an agency at that time: available people, the agency lead last."""
        return sorted((c for c in self.contacts if c.agency == agency and c.available(in_hours=in_hours)), key=lambda c: c.lead)

    def next_to_try(self, agency: str, *, in_hours: bool, tried: set[str]) -> Contact | None:
        """Who to ask when everyone tried from an agency has not come: someone else on duty, then the
        agency lead; never someone already tried (emails, lower case)."""
        for contact in [*self.on_duty(agency, in_hours=in_hours), self.lead(agency)]:
            if contact is not None and contact.email.lower() not in tried:
                return contact
        return None

    def lead(self, agency: str) -> Contact | None:
        return next((c for c in self.contacts if c.agency == agency and c.lead), None)

    def by_email(self, email: str) -> Contact | None:
        return next((c for c in self.contacts if c.email.lower() == email.lower()), None)

    def by_aad_object_id(self, aad_object_id: str) -> list[Contact]:
        return [c for c in self.contacts if c.aad_object_id and c.aad_object_id == aad_object_id]

    def teams_id_of(self, aad_object_id: str | None) -> str | None:
        """The id to open a personal chat with: the directory's Teams id for them, else their Entra id."""
        known = next((c.teams_user_id for c in self.by_aad_object_id(aad_object_id or "") if c.teams_user_id), None)
        return known or aad_object_id


def example_path(profile_id: str) -> Path:
    return EXAMPLES / f"{profile_id}.yaml"


def load_directory(path: Path) -> Directory:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise DirectoryError(f"{path}: cannot read ({error.strerror})") from None
    rows = _csv_rows(text) if path.suffix.lower() == ".csv" else _yaml_rows(text, path)
    contacts = [_contact(row, line, path) for line, row in rows]
    return Directory(contacts, source=str(path))


def _yaml_rows(text: str, path: Path):
    try:
        document = yaml.compose(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "?"
        raise DirectoryError(f"{path}: {where}: not valid YAML") from None
    if document is None or not isinstance(document, yaml.MappingNode):
        raise DirectoryError(f"{path}: line 1: expected a mapping with a 'contacts:' list")
    entries = dict((k.value, v) for k, v in document.value).get("contacts")
    if not isinstance(entries, yaml.SequenceNode):
        raise DirectoryError(f"{path}: line {document.start_mark.line + 1}: expected 'contacts:' to be a list")
    loader_rows = yaml.safe_load(text)["contacts"]
    return [(node.start_mark.line + 1, row) for node, row in zip(entries.value, loader_rows)]


def _csv_rows(text: str):
    reader = csv.DictReader(text.splitlines())
    missing = [f for f in ("agency", "name", "email") if f not in (reader.fieldnames or [])]
    if missing:
        raise DirectoryError(f"line 1: the header must name {', '.join(missing)}")
    return [(reader.line_num, dict(row)) for row in reader]


def _contact(row, line: int, path: Path) -> Contact:
    where = f"{path}: line {line}"
    if not isinstance(row, dict):
        raise DirectoryError(f"{where}: expected a contact with {', '.join(FIELDS)}")
    unknown = sorted(set(row) - set(FIELDS))
    if unknown:
        raise DirectoryError(f"{where}: unknown field {unknown[0]!r}")
    values = {k: ("" if v is None else str(v).strip()) for k, v in row.items()}
    if values.get("agency") not in AGENCIES:
        raise DirectoryError(f"{where}: unknown agency {values.get('agency')!r}")
    if not values.get("name"):
        raise DirectoryError(f"{where}: name is missing")
    if not is_email(values.get("email", "")):
        raise DirectoryError(f"{where}: {values.get('email')!r} is not an email address")
    availability = values.get("availability") or "in_hours"
    if availability not in AVAILABILITY:
        raise DirectoryError(f"{where}: availability must be one of {', '.join(AVAILABILITY)}")
    lead = values.get("lead", "").lower()
    if lead not in ("", "true", "false", "yes", "no"):
        raise DirectoryError(f"{where}: lead must be true or false")
    return Contact(agency=values["agency"], role=values.get("role", ""), name=values["name"], email=values["email"],
                   phone=values.get("phone", ""), aad_object_id=values.get("aad_object_id") or None,
                   teams_user_id=values.get("teams_user_id") or None,
                   availability=availability, lead=lead in ("true", "yes"))
