"""Draw the app icon and write it in the three forms the platforms want.

    .venv/bin/python packaging/make_icons.py

resources/icons/crm-desktop.png (1024 px: the window icon and the master), crm-desktop.ico
(Windows: the executables and the installer) and crm-desktop.icns (the macOS bundle). The files
are committed, so a build needs none of this; run it again only to change the drawing. Pillow
comes with matplotlib, so the build environment already has it (no `iconutil` needed: Pillow
writes .icns on every OS).

The drawing: a white contact card (a person and three lines of text) on a blue rounded square, drawn
at twice the size and scaled down for smooth edges.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

ICONS = Path(__file__).resolve().parents[1] / "resources" / "icons"
SIZE = 1024
SCALE = 2  # drawn at 2048 px, scaled down: Pillow's shapes have no anti-aliasing
TOP, BOTTOM = (58, 123, 213), (31, 78, 140)  # the blue, top to bottom
ICO_SIZES = [(16, 16), (24, 24), (32, 32), (48, 48), (64, 64), (128, 128), (256, 256)]


def gradient(size: int) -> Image.Image:
    """A vertical gradient from TOP to BOTTOM."""
    column = Image.new("RGB", (1, size))
    for y in range(size):
        t = y / (size - 1)
        color = tuple(round(a + (b - a) * t) for a, b in zip(TOP, BOTTOM, strict=True))
        column.putpixel((0, y), color)
    return column.resize((size, size))


def draw(size: int) -> Image.Image:
    """The icon at `size` px (macOS margins: the square fills ~80 % of the canvas)."""
    big = size * SCALE
    u = big / 100  # drawing unit: 1 % of the canvas
    mask = Image.new("L", (big, big), 0)
    ImageDraw.Draw(mask).rounded_rectangle((10 * u, 10 * u, 90 * u, 90 * u), 18 * u, fill=255)
    icon = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    icon.paste(gradient(big), (0, 0), mask)
    pen = ImageDraw.Draw(icon)
    ink, faint = (*BOTTOM, 255), (*TOP, 140)
    pen.rounded_rectangle((20 * u, 28 * u, 80 * u, 72 * u), 6 * u, fill=(255, 255, 255, 255))
    pen.ellipse((29 * u, 36 * u, 43 * u, 50 * u), fill=ink)  # head
    pen.chord((25 * u, 52 * u, 47 * u, 76 * u), 180, 360, fill=ink)  # shoulders
    pen.rounded_rectangle((52 * u, 40 * u, 72 * u, 45 * u), 2.5 * u, fill=ink)
    pen.rounded_rectangle((52 * u, 51 * u, 68 * u, 55 * u), 2 * u, fill=faint)
    pen.rounded_rectangle((52 * u, 59 * u, 71 * u, 63 * u), 2 * u, fill=faint)
    return icon.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    ICONS.mkdir(parents=True, exist_ok=True)
    master = draw(SIZE)
    master.save(ICONS / "crm-desktop.png", optimize=True)
    master.save(ICONS / "crm-desktop.ico", sizes=ICO_SIZES)
    master.save(ICONS / "crm-desktop.icns")
    for name in ("crm-desktop.png", "crm-desktop.ico", "crm-desktop.icns"):
        print(f"{ICONS / name}: {(ICONS / name).stat().st_size // 1024} KiB")


if __name__ == "__main__":
    main()
