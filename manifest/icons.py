"""The app's icons, drawn: a shield (protection) holding a clock hand at the hour (timescales).
Colour 192x192 on the accent colour; outline 32x32, white on transparent, as Teams requires."""
from __future__ import annotations

from io import BytesIO

from PIL import Image, ImageDraw

ACCENT = "#0B5C6B"


def _shield(size: float, inset: float) -> list[tuple[float, float]]:
    left, right, top = inset, size - inset, inset
    middle, bottom = size / 2, size - inset * 0.6
    shoulder = top + (size - 2 * inset) * 0.55
    return [(left, top + size * 0.08), (middle, top), (right, top + size * 0.08), (right, shoulder), (middle, bottom),
            (left, shoulder)]


def colour_icon(size: int = 192) -> bytes:
    image = Image.new("RGBA", (size, size), ACCENT)
    draw = ImageDraw.Draw(image)
    draw.polygon(_shield(size, size * 0.2), fill="white")
    centre, radius = (size / 2, size * 0.46), size * 0.17
    draw.ellipse([centre[0] - radius, centre[1] - radius, centre[0] + radius, centre[1] + radius], outline=ACCENT, width=max(2, size // 40))
    draw.line([centre, (centre[0], centre[1] - radius * 0.75)], fill=ACCENT, width=max(2, size // 36))
    draw.line([centre, (centre[0] + radius * 0.6, centre[1])], fill=ACCENT, width=max(2, size // 36))
    return _png(image)


def outline_icon(size: int = 32) -> bytes:
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.polygon(_shield(size, 3), outline="white", width=2)
    centre = (size / 2, size * 0.44)
    draw.line([centre, (centre[0], centre[1] - 6)], fill="white", width=2)
    draw.line([centre, (centre[0] + 4, centre[1])], fill="white", width=2)
    return _png(image)


def _png(image: Image.Image) -> bytes:
    buffer = BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
