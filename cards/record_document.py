"""The record as a document (DOCX and PDF), in the agenda's order (PROTOCOL.md §5). Pure: the
record's data in, bytes out. One neutral outline feeds both renderers, so they cannot drift."""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

from . import words

MARKING = "OFFICIAL-SENSITIVE: child protection. Do not forward beyond the distribution list."


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def outline(*, discussion, record: dict, decisions: dict, attendance_words: dict, text_fields: dict,
            profile_name: str, not_quorate_text: str, zone) -> tuple[str, list[tuple[str, list]]]:
    def local(moment: datetime | None) -> str:
        return moment.astimezone(zone).strftime("%A %d %B %Y, %H:%M") if moment else "not recorded"

    def answers(step: str) -> list:
        saved = record.get(step, {})
        return [f"{label}: {saved.get(field) or 'none recorded'}" for field, label in text_fields[step]]

    title = f"Strategy discussion record: {discussion.case_reference} ({discussion.child_initials})"
    plan = record.get("plan", {})
    medical = ("CP medical to be arranged." if plan.get("cp_medical") else
               f"No CP medical: {plan.get('no_medical_reason', '')}. Medical advice: {plan.get('medical_advice') or 'none recorded'}.")
    next_discussion = record.get("next", {}) or {}
    noted = record.get("disagreement")
    disagreement = ([f"Professional disagreement ({words.agency(noted['agency'])}): {noted['about']}",
                     f"Escalation: {noted['policy']} ({noted['source']})." if noted.get("policy") else
                     "Escalation: the procedures name no policy; the safeguarding partnership's applies.",
                     f"Told when the record was finalised: {', '.join(noted.get('told') or []) or 'nobody in the directory'}."]
                    if noted else ["No professional disagreement recorded."])
    sections = [
        ("Discussion", [f"Held: {local(discussion.meeting_start)}", f"Chair: {discussion.chair_name}",
                        f"Procedures: {profile_name}",
                        "Quorate strategy discussion." if record.get("quorate", True) else f"Recorded as {not_quorate_text}.",
                        f"Record finalised {local(discussion.finalised_at)} by {discussion.finalised_by}."]),
        ("1. Introductions and apologies", [Table(("Agency", "Name", "Attendance", "How information is obtained"), tuple(
            (words.agency(r["agency"]), r["name"], attendance_words.get(r["attendance"], r["attendance"]), r.get("route") or "")
            for r in record["attendance"]))]),
        ("2. Family and household", answers("household")),
        ("3. Reason for and purpose of the discussion", answers("purpose")),
        ("4. Causes of concern and threshold", answers("concerns")),
        ("5. Background, risk and protective factors", answers("background")),
        ("6. Decisions", [Table(("Child", "Decision", "Reasoning"), tuple(
            (d["child"], decisions[d["kind"]], d["reasoning"]) for d in record.get("decisions", []))), *disagreement]),
        ("7. Plan of the enquiries", [medical, f"Achieving-best-evidence interview: {'yes' if plan.get('abe_interview') else 'no'}.",
                                      *answers("plan")]),
        ("8. Action plan", [Table(("No.", "Action", "Person and role", "Agency", "Timescale"), tuple(
            (f"A{a['number']}", a["what"], a["owner"], words.agency(a["agency"]),
             datetime.fromisoformat(a["due"]).astimezone(zone).strftime("%d/%m/%Y")) for a in record.get("actions", [])))]),
        ("9. Distribution", [line for line in record.get("distribution", "").splitlines() if line.strip()]),
        ("10. Next or review discussion", [local(datetime.fromisoformat(next_discussion["next"])) + (
            f", {next_discussion.get('venue')}" if next_discussion.get("venue") else "") if next_discussion.get("next") else "None agreed."]),
    ]
    return title, sections


def docx_bytes(title: str, sections: list) -> bytes:
    from docx import Document

    document = Document()
    document.sections[0].header.paragraphs[0].text = MARKING
    document.add_heading(title, level=1)
    for heading, items in sections:
        document.add_heading(heading, level=2)
        for item in items:
            if isinstance(item, Table):
                table = document.add_table(rows=1, cols=len(item.header))
                table.style = "Table Grid"
                for cell, value in zip(table.rows[0].cells, item.header):
                    cell.text = value
                for row in item.rows:
                    for cell, value in zip(table.add_row().cells, row):
                        cell.text = value
                if not item.rows:
                    document.add_paragraph("None recorded.")
            else:
                document.add_paragraph(item)  # python-docx keeps "\n" as line breaks
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def pdf_bytes(title: str, sections: list) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer
    from reportlab.platypus import Table as PdfTable
    from reportlab.platypus import TableStyle
    from xml.sax.saxutils import escape

    styles = getSampleStyleSheet()
    flow = [Paragraph(escape(MARKING), styles["Italic"]), Paragraph(escape(title), styles["Title"])]
    for heading, items in sections:
        flow.append(Paragraph(escape(heading), styles["Heading2"]))
        for item in items:
            if isinstance(item, Table):
                cells = [[Paragraph(f"<b>{escape(h)}</b>", styles["BodyText"]) for h in item.header]]
                cells += [[Paragraph(escape(v), styles["BodyText"]) for v in row] for row in item.rows]
                table = PdfTable(cells, repeatRows=1, hAlign="LEFT")
                table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                                           ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke)]))
                flow.append(table if item.rows else Paragraph("None recorded.", styles["BodyText"]))
            else:  # line breaks the chair typed (one household member a line) stay line breaks
                flow.append(Paragraph(escape(item).replace("\n", "<br/>"), styles["BodyText"]))
        flow.append(Spacer(1, 6))

    def every_page(canvas, document):
        """The protective marking at the top of every page and the page number at the foot, as in the DOCX."""
        canvas.saveState()
        canvas.setFont("Helvetica-Oblique", 8)
        canvas.drawString(document.leftMargin, A4[1] - 28, MARKING)
        canvas.drawRightString(A4[0] - document.rightMargin, 24, f"Page {document.page}")
        canvas.restoreState()

    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, title=title, author="Strategy Bot").build(flow, onFirstPage=every_page,
                                                                                      onLaterPages=every_page)
    return buffer.getvalue()
