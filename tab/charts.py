"""Charts drawn on the server as SVG (no chart library, no CDN): horizontal bars, one a row.

Colours come from the page (`currentColor` and CSS classes), so the bars follow Teams' light, dark
and high-contrast themes; each chart has a title and a description for screen readers, and the
page shows the table behind it as well."""
from __future__ import annotations

from html import escape

ROW, LABEL, WIDTH = 28, 220, 640
# Room after the longest bar for its value in words, "168.5 h (90 %: 470.5 h)" at 13 px (a trial saw "100.0 % (1 o"
# cut off at the edge).
WORDS = 180


def bars(title: str, rows: list[tuple[str, float | None, str]], *, maximum: float | None = None) -> str:
    """rows: (label, value, value in words). A None value is drawn as 'no data', not as zero."""
    top = maximum or max([v for _, v, _ in rows if v is not None] or [1]) or 1
    span = WIDTH - LABEL - WORDS
    height = ROW * len(rows) + 8
    summary = "; ".join(f"{label}: {words}" for label, _, words in rows)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {WIDTH} {height}" '
           f'width="100%" aria-labelledby="t d"><title id="t">{escape(title)}</title><desc id="d">{escape(summary)}</desc>']
    for n, (label, value, words) in enumerate(rows):
        y = n * ROW + 4
        out.append(f'<text x="0" y="{y + 18}" fill="currentColor" font-size="13">{escape(label[:32])}</text>')
        if value is None:
            out.append(f'<text x="{LABEL}" y="{y + 18}" fill="currentColor" font-size="13" font-style="italic">no data</text>')
            continue
        length = max(1.0, span * value / top)
        out.append(f'<rect class="bar" x="{LABEL}" y="{y + 4}" width="{length:.1f}" height="{ROW - 10}" rx="2"/>')
        out.append(f'<text x="{LABEL + length + 6:.1f}" y="{y + 18}" fill="currentColor" font-size="13">{escape(words)}</text>')
    out.append("</svg>")
    return "".join(out)
