"""The section 47 census return. Each expectation is stated from the census (its element names and
order, its rules' checks as the DfE words them), not read back from the code's output."""
import csv
import io
import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta, timezone

import pytest

from tab import census
from tab.census import S47Row

REFERENCE_DATE = date(2026, 3, 31)  # the 2025 to 2026 census's reference date, a Tuesday
S47_ITEMS = ["S47ActualStartDate", "InitialCPCtarget", "DateOfInitialCPC", "ICPCnotRequired"]


def weekdays_after(day: date, n: int) -> date:
    """A calendar of weekdays only: the dates below were chosen with no bank holiday among them."""
    while n:
        day += timedelta(days=1)
        n -= day.weekday() < 5
    return day


def enquiry(start=date(2025, 6, 2), *, child="C1001", target=date(2025, 6, 23), held=date(2025, 6, 20),
            not_required=False) -> S47Row:
    # Defaults: an enquiry started on Monday 2 June 2025, conference target Monday 23 June and held
    # Friday 20 June, all inside the census year: a row no rule objects to.
    return S47Row(child, start, target, held, not_required)


def rules(*rows: S47Row) -> set[str]:
    return {p.rule for p in census.problems(list(rows), reference_date=REFERENCE_DATE,
                                            working_days_after=weekdays_after)}


# --- the census year ---------------------------------------------------------------------------

@pytest.mark.parametrize("day, expected", [
    (date(2026, 3, 31), (date(2025, 4, 1), date(2026, 3, 31))),
    (date(2025, 4, 1), (date(2025, 4, 1), date(2026, 3, 31))),
    (date(2025, 3, 31), (date(2024, 4, 1), date(2025, 3, 31))),
])
def test_the_census_year_runs_from_1_april_to_31_march(day, expected):
    assert census.census_year(day) == expected


# --- CSV ---------------------------------------------------------------------------------------

def test_the_csv_has_the_census_element_names_and_reads_back_to_the_same_values():
    rows = [enquiry(), enquiry(date(2025, 7, 1), child="C, 'quoted'", target=None, held=None, not_required=True)]
    read = list(csv.reader(io.StringIO(census.to_csv(rows))))
    assert read == [
        ["LAchildID", *S47_ITEMS],
        ["C1001", "2025-06-02", "2025-06-23", "2025-06-20", "false"],
        ["C, 'quoted'", "2025-07-01", "", "", "true"],
    ]


# --- XML ---------------------------------------------------------------------------------------

def tags(element: ET.Element) -> list[str]:
    return [child.tag for child in element]


def test_the_xml_has_the_census_header_in_the_schemas_order():
    generated = datetime(2026, 4, 2, 9, 30, tzinfo=timezone.utc)
    root = ET.fromstring(census.to_xml([], la_code="201", reference_date=REFERENCE_DATE, generated_at=generated))
    assert root.tag == "Message" and tags(root) == ["Header", "Children"]
    details, source = root.find("Header")
    assert tags(details) == ["Collection", "Year", "ReferenceDate"]
    # Year is the year the census year ends: the 2025 to 2026 census is the 2026 collection.
    assert [e.text for e in details] == ["CIN", "2026", "2026-03-31"]
    assert tags(source) == ["SourceLevel", "LEA", "SoftwareCode", "Release", "SerialNo", "DateTime"]
    assert (source.findtext("SourceLevel"), source.findtext("LEA")) == ("L", "201")
    assert source.findtext("SerialNo").isdigit() and len(source.findtext("SerialNo")) >= 3
    assert datetime.fromisoformat(source.findtext("DateTime")) == generated


def test_an_empty_list_gives_a_return_with_no_children():
    root = ET.fromstring(census.to_xml([], la_code="201", reference_date=REFERENCE_DATE,
                                       generated_at=datetime(2026, 4, 2, 9, 30)))
    assert root.find("Children") is not None and len(root.find("Children")) == 0
    assert census.to_csv([]).splitlines() == [",".join(["LAchildID", *S47_ITEMS])]
    assert census.problems([], reference_date=REFERENCE_DATE, working_days_after=weekdays_after) == []


def test_each_child_appears_once_with_its_section_47_groups_in_the_schemas_order():
    rows = [enquiry(), enquiry(date(2025, 9, 1), child="C2002", target=None, held=None, not_required=True),
            enquiry(date(2025, 11, 3), target=date(2025, 11, 24), held=date(2025, 11, 21))]
    root = ET.fromstring(census.to_xml(rows, la_code="201", reference_date=REFERENCE_DATE,
                                       generated_at=datetime(2026, 4, 2, 9, 30)))
    children = root.findall("Children/Child")
    # Rule 8510: a LAchildID is unique in the return, so C1001's two enquiries share one Child.
    assert [c.findtext("ChildIdentifiers/LAchildID") for c in children] == ["C1001", "C2002"]
    first, second = children
    assert tags(first) == ["ChildIdentifiers", "CINdetails"]
    assert tags(first.find("CINdetails")) == ["Section47", "Section47"]
    s47 = first.find("CINdetails/Section47")
    assert tags(s47) == S47_ITEMS
    assert [e.text for e in s47] == ["2025-06-02", "2025-06-23", "2025-06-20", "false"]
    # InitialCPCtarget and DateOfInitialCPC are optional: absent, not empty, when there is none.
    assert tags(second.find("CINdetails/Section47")) == ["S47ActualStartDate", "ICPCnotRequired"]
    assert second.findtext("CINdetails/Section47/ICPCnotRequired") == "true"


def test_the_local_authority_code_must_be_three_digits():
    with pytest.raises(ValueError):
        census.to_xml([], la_code="E09000012", reference_date=REFERENCE_DATE, generated_at=datetime(2026, 4, 2))


# --- validation rules --------------------------------------------------------------------------

def test_a_complete_enquiry_inside_the_census_year_breaks_no_rule():
    assert rules(enquiry()) == set()


def test_8500_la_child_id_must_be_present():
    assert "8500" in rules(enquiry(child=""))
    assert "8500" not in rules(enquiry(child="C1001"))


def test_1570_la_child_id_no_longer_than_20_characters():
    assert "1570" in rules(enquiry(child="X" * 21))
    assert "1570" not in rules(enquiry(child="X" * 20))


def test_1580_la_child_id_only_alphanumeric():
    assert "1580" in rules(enquiry(child="C-1001"))
    assert "1580" not in rules(enquiry(child="C1001"))


def test_8615_s47_start_on_or_before_the_conference():
    assert "8615" in rules(enquiry(date(2025, 6, 2), held=date(2025, 5, 30)))
    assert "8615" not in rules(enquiry(date(2025, 6, 2), held=date(2025, 6, 2)))


def test_8715_conference_on_or_between_the_start_of_the_census_year_and_the_reference_date():
    assert "8715" in rules(enquiry(date(2025, 3, 24), held=date(2025, 3, 31)))   # the year before
    assert "8715" in rules(enquiry(date(2026, 3, 24), held=date(2026, 4, 1)))    # after the reference date
    assert "8715" not in rules(enquiry(date(2026, 3, 24), held=date(2026, 3, 31)))


def test_8875_conference_not_on_a_weekend():
    assert "8875" in rules(enquiry(held=date(2025, 6, 21)))  # a Saturday
    assert "8875" not in rules(enquiry(held=date(2025, 6, 20)))  # a Friday


def test_8870Q_conference_target_should_not_be_a_weekend():
    problems = census.problems([enquiry(target=date(2025, 6, 22))], reference_date=REFERENCE_DATE,
                               working_days_after=weekdays_after)  # a Sunday
    assert [(p.rule, p.field, p.severity) for p in problems] == [("8870Q", "InitialCPCtarget", "query")]
    assert "8870Q" not in rules(enquiry(target=date(2025, 6, 23)))


def test_8740_an_enquiry_with_no_conference_and_not_marked_not_required_started_in_the_census_year():
    assert "8740" in rules(enquiry(date(2025, 3, 31), held=None))
    assert "8740" not in rules(enquiry(date(2025, 4, 1), held=None))
    # Concluded without a conference: the rule does not apply.
    assert "8740" not in rules(enquiry(date(2025, 3, 31), target=None, held=None, not_required=True))


def test_8675Q_an_open_enquiry_should_not_start_more_than_15_working_days_before_the_reference_date():
    # 15 working days before Tuesday 31 March 2026 is Tuesday 10 March.
    assert "8675Q" in rules(enquiry(date(2026, 3, 9), target=date(2026, 3, 30), held=None))
    assert "8675Q" not in rules(enquiry(date(2026, 3, 10), target=date(2026, 3, 31), held=None))
    assert "8675Q" not in rules(enquiry(date(2026, 3, 9), target=None, held=None, not_required=True))
    found = census.problems([enquiry(date(2026, 3, 9), target=date(2026, 3, 30), held=None)],
                            reference_date=REFERENCE_DATE, working_days_after=weekdays_after)
    assert [(p.rule, p.severity) for p in found] == [("8675Q", "query")]


def test_8839_only_one_open_enquiry_per_child():
    assert "8839" in rules(enquiry(date(2026, 3, 20), held=None), enquiry(date(2026, 3, 25), held=None))
    assert "8839" not in rules(enquiry(), enquiry(date(2026, 3, 25), held=None))


def test_8890_an_enquiry_does_not_start_while_another_for_the_child_is_ongoing():
    # The first runs from 2 June to its conference on 20 June 2025.
    assert "8890" in rules(enquiry(), enquiry(date(2025, 6, 10), target=date(2025, 7, 1), held=date(2025, 6, 27)))
    assert "8890" not in rules(enquiry(), enquiry(date(2025, 6, 23), target=date(2025, 7, 14), held=date(2025, 7, 11)))
    # An enquiry with no conference yet runs on to the reference date.
    assert "8890" in rules(enquiry(held=None), enquiry(date(2025, 9, 1), target=date(2025, 9, 22), held=date(2025, 9, 19)))


def test_errors_and_queries_are_told_apart_and_name_a_census_element():
    problems = census.problems([enquiry(date(2025, 3, 3), child="C 1", target=date(2025, 3, 22), held=None)],
                               reference_date=REFERENCE_DATE, working_days_after=weekdays_after)
    assert {(p.rule, p.severity) for p in problems} == {
        ("1580", "error"), ("8740", "error"), ("8675Q", "query"), ("8870Q", "query")}
    assert {p.field for p in problems} <= {"LAchildID", *S47_ITEMS}
    assert all(p.child_reference == "C 1" and p.message for p in problems)
