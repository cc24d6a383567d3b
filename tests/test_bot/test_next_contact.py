"""Who the chair is told to try next for a quorum agency none of whose invitees is coming."""
from datetime import datetime, timezone
from types import SimpleNamespace

from bot.meetings import next_contact
from storage.directory import Contact, Directory

DIRECTORY = Directory([
    Contact("health", "Named nurse", "Nurse Tom Evans", "tom@nhs.example", lead=True),
    Contact("paediatrician", "Consultant paediatrician", "Dr Casey Bello", "casey@nhs.example", availability="on_call"),
    Contact("police", "DS", "DS Pat", "pat@police.example"),
], source="test")


def services(counts_as: dict) -> SimpleNamespace:
    return SimpleNamespace(calendar=SimpleNamespace(in_working_hours=lambda at: True), directory=DIRECTORY,
                           profile=SimpleNamespace(quorum=SimpleNamespace(counts_as=counts_as)))


def discussion(*emails: tuple[str, str]) -> SimpleNamespace:
    return SimpleNamespace(meeting_start=datetime(2026, 12, 2, 14, 0, tzinfo=timezone.utc), chair_aad_id="aad-chair",
                           invitations=[SimpleNamespace(agency=agency, email=email) for agency, email in emails])


def test_health_declined_the_paediatrician_who_counts_as_health_is_next():
    """A walk: "Nobody else from Health" while the on-call paediatrician, who stands for health, was in the directory."""
    declined = discussion(("health", "tom@nhs.example"))
    assert next_contact(services({"paediatrician": "health"}), declined, "health") == (
        "Next to try: Dr Casey Bello, Consultant paediatrician (, casey@nhs.example) (Paediatrician: counts as Health for the quorum).")
    # Where the profile says nobody stands for health, or the paediatrician was asked already: nobody else.
    nobody = "Nobody else from Health is in the contacts directory: ask their duty desk, and add them to it."
    assert next_contact(services({}), declined, "health") == nobody
    assert next_contact(services({"paediatrician": "health"}), discussion(("health", "tom@nhs.example"),
                                                                         ("paediatrician", "Casey@nhs.example")), "health") == nobody


def test_the_agencys_own_people_come_before_those_who_count_as_it():
    assert next_contact(services({"paediatrician": "health"}), discussion(), "health").startswith("Next to try: Nurse Tom Evans")
