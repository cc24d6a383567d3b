"""The contacts directory: YAML or CSV, who is on duty when, and a bad file named by its line."""
from pathlib import Path

import pytest

from protocol import profile_names
from storage.directory import DirectoryError, example_path, load_directory


@pytest.mark.parametrize("profile", profile_names())
def test_every_profile_ships_a_fictional_example_directory(profile):
    directory = load_directory(example_path(profile))
    assert all(c.email.endswith(".example.org") and "(fictional)" in c.name for c in directory.contacts)
    for agency in ("social_care", "police", "health"):
        assert directory.on_duty(agency, in_hours=True) and directory.on_duty(agency, in_hours=False)


def test_on_duty_depends_on_the_hour_and_the_lead_comes_last():
    directory = load_directory(example_path("hackney"))
    assert [c.name for c in directory.on_duty("police", in_hours=True)] == ["DS Pat Placeholder (fictional)", "DI Lee Lead (fictional)"]
    assert [c.name for c in directory.on_duty("police", in_hours=False)] == ["PS Night Example (fictional)", "DI Lee Lead (fictional)"]
    assert directory.lead("police").name == "DI Lee Lead (fictional)"


def test_csv_directories_load(tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_text("agency,role,name,email,availability,lead,aad_object_id\n"
                    "police,DS,Ann Example,ann@police.example.org,in_hours,false,\n"
                    "health,Named nurse,Bob Example,bob@nhs.example.org,on_call,true,aad-bob\n")
    directory = load_directory(path)
    assert [c.name for c in directory.contacts] == ["Ann Example", "Bob Example"]
    assert directory.by_aad_object_id("aad-bob")[0].lead is True


@pytest.mark.parametrize(
    "text, message",
    [
        ("contacts:\n  - agency: police\n    name: A\n    email: a@x.org\n  - agency: polise\n    name: B\n    email: b@x.org\n",
         "line 5: unknown agency 'polise'"),
        ("contacts:\n  - agency: police\n    name: A\n    email: not-an-email\n", "line 2: 'not-an-email' is not an email address"),
        ("contacts:\n  - agency: police\n    name: A\n    email: a@x.org\n    availability: weekends\n", "line 2: availability must be one of"),
        ("contacts:\n  - agency: police\n    nmae: A\n    email: a@x.org\n", "line 2: unknown field 'nmae'"),
        ("contacts: [unclosed\n", "line 2: not valid YAML"),
        ("people: []\n", "expected 'contacts:' to be a list"),
    ],
)
def test_a_malformed_yaml_directory_names_the_line(tmp_path, text, message):
    path = tmp_path / "contacts.yaml"
    path.write_text(text)
    with pytest.raises(DirectoryError, match=message):
        load_directory(path)


def test_a_malformed_csv_directory_names_the_line(tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_text("agency,name,email\npolice,Ann,ann@police.example.org\npolice,,nobody@police.example.org\n")
    with pytest.raises(DirectoryError, match="line 3: name is missing"):
        load_directory(path)


def test_next_to_try_is_someone_on_duty_then_the_lead_never_someone_already_tried():
    directory = load_directory(example_path("hackney"))
    tried = {"cait.ds@hackney.example.org"}
    assert directory.next_to_try("police", in_hours=True, tried=tried).name == "DI Lee Lead (fictional)"
    assert directory.next_to_try("police", in_hours=True, tried=tried | {"ppu.di@hackney.example.org"}) is None
    assert directory.next_to_try("police", in_hours=False, tried=set()).name == "PS Night Example (fictional)"


@pytest.mark.parametrize("typed, ok", [
    ("office@school.example.org", True), ("a.b+c@nhs.net", True),
    ("office@school,example.org", False),  # a comma for a dot: found on a Playground walk, it reached the .ics
    ("a@x.org; b@y.org", False), ("Office <office@school.example.org>", False), ('"a"@x.org', False),
    ("office@school", False), ("office school@x.org", False),
])
def test_an_email_address_is_one_address_and_nothing_else(typed, ok):
    from storage.directory import is_email

    assert is_email(typed) is ok
