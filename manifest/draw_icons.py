"""Draw the Teams app icons, `color.png` and `outline.png`, next to this file.

    python manifest/draw_icons.py

One glyph, a calendar page with a video camera on it, drawn as a coverage mask on a 32-unit grid
and supersampled, so that it is antialiased yet the same pixels on every run. `color.png` is
the glyph in white on the manifest's accent color (192x192, opaque); `outline.png` is the glyph
in white on transparency (32x32), as Teams requires of an outline icon.
"""

from __future__ import annotations

import json
from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent
COLOR_SIZE = 192
OUTLINE_SIZE = 32
GRID = 32  # the glyph's units: one unit is one pixel of the outline icon
COLOR_GLYPH = 120  # the glyph's size inside the color icon, centred (Teams' safe area)
SUPERSAMPLE = 16
WHITE = (255, 255, 255)


def accent_color() -> tuple[int, int, int]:
    """The manifest's `accentColor`, the color icon's background."""
    manifest = json.loads((HERE / "manifest.json").read_text(encoding="utf-8"))
    value: str = manifest["accentColor"]
    return (int(value[1:3], 16), int(value[3:5], 16), int(value[5:7], 16))


def glyph_mask(size: int, glyph: int) -> Image.Image:
    """The glyph's coverage ("L", 255 inside) on a `size` square, `glyph` pixels wide, centred."""
    big = size * SUPERSAMPLE
    unit = glyph * SUPERSAMPLE / GRID
    origin = (big - glyph * SUPERSAMPLE) / 2

    def box(left: float, top: float, right: float, bottom: float) -> list[float]:
        return [origin + left * unit, origin + top * unit, origin + right * unit - 1,
                origin + bottom * unit - 1]  # fmt: skip

    mask = Image.new("L", (big, big), 0)
    draw = ImageDraw.Draw(mask)
    # The page: a frame with a solid header band, and two binder rings above it.
    # Whole units keep the edges of the 32x32 outline icon crisp.
    draw.rounded_rectangle(box(3, 6, 29, 29), radius=4 * unit, fill=255)
    draw.rounded_rectangle(box(5, 12, 27, 27), radius=2 * unit, fill=0)
    for left in (9, 20):
        draw.rounded_rectangle(box(left, 3, left + 3, 9), radius=1.5 * unit, fill=255)
    # The camera: its body, and the lens opening out to the right.
    draw.rounded_rectangle(box(8, 15, 19, 24), radius=2 * unit, fill=255)
    lens = [(20, 19.5), (24, 16), (24, 23)]
    draw.polygon([(origin + x * unit, origin + y * unit) for x, y in lens], fill=255)
    return mask.resize((size, size), Image.Resampling.BOX)


def draw_color() -> Image.Image:
    """The 192x192 full-color icon: the white glyph on the accent color, no transparency."""
    background = Image.new("RGB", (COLOR_SIZE, COLOR_SIZE), accent_color())
    white = Image.new("RGB", (COLOR_SIZE, COLOR_SIZE), WHITE)
    return Image.composite(white, background, glyph_mask(COLOR_SIZE, COLOR_GLYPH))


def draw_outline() -> Image.Image:
    """The 32x32 outline icon: every pixel white, the glyph's coverage as its alpha."""
    white = Image.new("L", (OUTLINE_SIZE, OUTLINE_SIZE), 255)
    alpha = glyph_mask(OUTLINE_SIZE, GRID)
    return Image.merge("RGBA", (white, white, white, alpha))


def main() -> None:
    draw_color().save(HERE / "color.png", optimize=True)
    draw_outline().save(HERE / "outline.png", optimize=True)


if __name__ == "__main__":
    main()
