"""The statutory return for section 47 enquiries: the "Section 47 enquiries" group of the
Department for Education's children in need (CIN) census, as CSV and in the census's XML shape,
and the census's validation rules for those items (pure: rows in, text and problems out; the
caller passes the working-day calendar).

Census year: 2025 to 2026 (1 April 2025 to 31 March 2026), and any other, since the year is
worked out from the reference date. Sources:
- DfE, "Children in need census 2025 to 2026: specification" (business and technical
  specification, and validation rules last updated 26 November 2025),
  https://www.gov.uk/government/publications/children-in-need-census-2025-to-2026-specification
  The page was found; the PDF and spreadsheet themselves could not be read from here.
- Element names, order and types: the census XML schema, 2024 collection, as kept in
  github.com/SocialFinanceDigitalLabs/liia-tools (liiatools/cin_census_pipeline/spec/CIN_schema_2024.xsd).
- Rule numbers and checks: github.com/data-to-insight/csc-validator-be-cin, the local
  authorities' open implementation of the DfE rules (rule sets 2022-23 to 2025-26), whose rule
  files quote the DfE spreadsheet's check for each rule.

Data items: LAchildID (N00097), S47ActualStartDate (N00148), InitialCPCtarget (N00109),
DateOfInitialCPC (N00110), ICPCnotRequired (N00111); the header's ReferenceDate is N00603.

Scope: this is the section 47 module only. The authority's case management system merges it into
its full return, which holds what the bot does not know: the rest of ChildIdentifiers (UPN, date
of birth, sex...), ChildCharacteristics, and in CINdetails the referral date and source, primary
need, closure, ReferralNFA, assessments, CIN plans and child protection plans. On its own the XML
is therefore not a return the census schema accepts (those items are mandatory there). A child
appears once (rule 8510: LAchildID is unique in a return), with all its enquiries in one
CINdetails; the case management system puts each enquiry in its episode.

Rules not checked here because they need items outside this module: 1104 and 2889 (conference or
enquiry before the referral date), 2884 (conference recorded at both levels), 2885 (plan start
against conference date), 2991Q (enquiry without assessment), 8565 and 8868 (activity after, or
open enquiry at, the episode's closure).
"""
from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

# The census's element names, in the schema's order within <Section47> (LAchildID first, from
# <ChildIdentifiers>): also the CSV's header row.
COLUMNS = ("LAchildID", "S47ActualStartDate", "InitialCPCtarget", "DateOfInitialCPC", "ICPCnotRequired")

# The header's <Source>: what produced the file (free text in the schema), and its serial number
# (three or more digits).
SOFTWARE_CODE = "strategy-bot"
RELEASE = "1"
SERIAL_NO = "001"

LA_CHILD_ID_MAX = 20  # rule 1570, from the 2024 to 2025 census

WorkingDaysAfter = Callable[[date, int], date]


@dataclass(frozen=True)
class S47Row:
    child_reference: str          # LAchildID: the authority's case reference for the child
    s47_start: date               # the strategy discussion that initiated section 47 enquiries: its date
    icpc_target: date | None      # start + 15 working days (computed by the caller), None when no ICPC is required
    icpc_date: date | None        # the initial child protection conference, if held
    icpc_not_required: bool       # the enquiry concluded that no conference was needed


@dataclass(frozen=True)
class Problem:
    child_reference: str
    rule: str                     # the census rule's number as the census writes it ("8740", "8675Q")
    field: str                    # the XML element name
    message: str                  # what is wrong, in plain words a performance officer understands
    severity: str                 # "error" (the return is rejected) or "query" (explain or amend)


def census_year(reference_date: date) -> tuple[date, date]:
    """The collection period containing `reference_date`: 1 April to 31 March."""
    first = reference_date.year if reference_date.month >= 4 else reference_date.year - 1
    return date(first, 4, 1), date(first + 1, 3, 31)


def to_csv(rows: list[S47Row]) -> str:
    """One line per enquiry under a header of the census's element names; dates ISO, booleans
    true/false, absent dates empty."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    writer.writerows(_values(row) for row in rows)
    return buffer.getvalue()


def to_xml(rows: list[S47Row], *, la_code: str, reference_date: date, generated_at: datetime) -> str:
    """The census message: header, then one <Child> per LAchildID with its <Section47> groups."""
    if not re.fullmatch(r"\d{3}", la_code):
        raise ValueError(f"the census wants a three-digit local authority code, not {la_code!r}")
    message = ET.Element("Message")
    header = ET.SubElement(message, "Header")
    _leaves(ET.SubElement(header, "CollectionDetails"), [
        ("Collection", "CIN"),
        ("Year", str(census_year(reference_date)[1].year)),  # the year the census year ends
        ("ReferenceDate", reference_date.isoformat()),
    ])
    _leaves(ET.SubElement(header, "Source"), [
        ("SourceLevel", "L"),
        ("LEA", la_code),
        ("SoftwareCode", SOFTWARE_CODE),
        ("Release", RELEASE),
        ("SerialNo", SERIAL_NO),
        ("DateTime", generated_at.isoformat(timespec="seconds")),
    ])
    children = ET.SubElement(message, "Children")
    for reference, enquiries in _by_child(rows).items():
        child = ET.SubElement(children, "Child")
        _leaves(ET.SubElement(child, "ChildIdentifiers"), [("LAchildID", reference)])
        details = ET.SubElement(child, "CINdetails")
        for row in enquiries:
            # An absent optional date is left out, not sent empty (the schema types it xs:date).
            _leaves(ET.SubElement(details, "Section47"),
                    [(name, value) for name, value in zip(COLUMNS[1:], _values(row)[1:]) if value])
    ET.indent(message)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(message, encoding="unicode") + "\n"


def problems(rows: list[S47Row], *, reference_date: date, working_days_after: WorkingDaysAfter) -> list[Problem]:
    """The census's rules on these items, child by child; `working_days_after(day, n)` is the
    caller's working-day calendar (bank holidays included)."""
    year = (census_year(reference_date)[0], reference_date)  # the rules' "[Start_Of_Census_Year] to <ReferenceDate>"
    found: list[Problem] = []
    for reference, enquiries in _by_child(rows).items():
        found += _identifier_problems(reference)
        for row in enquiries:
            found += _enquiry_problems(row, year, working_days_after)
        found += _concurrency_problems(reference, enquiries, reference_date)
    return found


def _identifier_problems(reference: str) -> list[Problem]:
    def problem(rule: str, message: str) -> Problem:
        return Problem(reference, rule, "LAchildID", message, "error")
    if not reference.strip():
        return [problem("8500", "The child's case reference (LA child ID) is missing.")]
    found = []
    if len(reference) > LA_CHILD_ID_MAX:
        found.append(problem("1570", f"The child's case reference has {len(reference)} characters; "
                                     f"the census allows at most {LA_CHILD_ID_MAX}."))
    if not re.fullmatch(r"[A-Za-z0-9]+", reference):
        found.append(problem("1580", "The child's case reference may hold only letters and digits "
                                     "(no spaces, hyphens, slashes or other signs)."))
    return found


def _enquiry_problems(row: S47Row, year: tuple[date, date], working_days_after: WorkingDaysAfter) -> list[Problem]:
    first, last = year
    in_year = f"the census year ({_day(first)} to {_day(last)})"
    found = []

    def problem(rule: str, field: str, message: str, severity: str = "error") -> None:
        found.append(Problem(row.child_reference, rule, field, message, severity))

    if (held := row.icpc_date) is not None:
        if held < row.s47_start:
            problem("8615", "DateOfInitialCPC", f"The initial child protection conference ({_day(held)}) "
                    f"is dated before the section 47 enquiry started ({_day(row.s47_start)}).")
        if not first <= held <= last:
            problem("8715", "DateOfInitialCPC",
                    f"The initial child protection conference ({_day(held)}) is outside {in_year}.")
        if held.weekday() >= 5:
            problem("8875", "DateOfInitialCPC",
                    f"The initial child protection conference is dated {held:%A} {_day(held)}, a weekend.")
    elif not row.icpc_not_required:  # still open: no conference, and not concluded without one
        if not first <= row.s47_start <= last:
            problem("8740", "S47ActualStartDate", f"The enquiry started {_day(row.s47_start)}, outside "
                    f"{in_year}, and has neither a conference date nor 'conference not required'.")
        # The rule reads "not before the reference date minus 15 working days"; counted forwards
        # on the caller's calendar, that is: 15 working days after the start is not before it.
        due = working_days_after(row.s47_start, 15)
        if due < last:
            problem("8675Q", "DateOfInitialCPC", f"The enquiry started {_day(row.s47_start)}, so its conference "
                    f"was due by {_day(due)}, before the end of the census year, but no conference date is "
                    "recorded and it is not marked 'conference not required'. Amend, or give the DfE a reason.",
                    "query")
    if (target := row.icpc_target) is not None and target.weekday() >= 5:
        problem("8870Q", "InitialCPCtarget", f"The conference target date is {target:%A} {_day(target)}, "
                "a weekend. Amend, or give the DfE a reason.", "query")
    return found


def _concurrency_problems(reference: str, enquiries: list[S47Row], reference_date: date) -> list[Problem]:
    """Rules 8839 and 8890 hold within one CINdetails; this module puts a child's enquiries in one."""
    found = []
    still_open = [row for row in enquiries if row.icpc_date is None and not row.icpc_not_required]
    if len(still_open) > 1:
        starts = ", ".join(_day(row.s47_start) for row in still_open)
        found.append(Problem(reference, "8839", "DateOfInitialCPC", f"{len(still_open)} section 47 enquiries "
                             f"for this child (started {starts}) are open at once; only one may have neither "
                             "a conference date nor 'conference not required'.", "error"))
    for i, row in enumerate(enquiries):
        for j, other in enumerate(enquiries):
            # The other enquiry runs from its start to its conference, or, while still open, to
            # the reference date; one concluded without a conference has no recorded end.
            end = other.icpc_date or (None if other.icpc_not_required else reference_date)
            if i != j and end is not None and other.s47_start <= row.s47_start <= end:
                found.append(Problem(reference, "8890", "S47ActualStartDate", f"The enquiry started "
                                     f"{_day(row.s47_start)} while another for this child, started "
                                     f"{_day(other.s47_start)}, was still going on.", "error"))
                break
    return found


def _by_child(rows: list[S47Row]) -> dict[str, list[S47Row]]:
    """Rows grouped by child reference, children and enquiries in the order given."""
    grouped: dict[str, list[S47Row]] = {}
    for row in rows:
        grouped.setdefault(row.child_reference, []).append(row)
    return grouped


def _values(row: S47Row) -> tuple[str, ...]:
    return (row.child_reference, row.s47_start.isoformat(), _iso(row.icpc_target), _iso(row.icpc_date),
            "true" if row.icpc_not_required else "false")


def _iso(day: date | None) -> str:
    return day.isoformat() if day is not None else ""


def _day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _leaves(parent: ET.Element, items: list[tuple[str, str]]) -> None:
    for name, text in items:
        ET.SubElement(parent, name).text = text
