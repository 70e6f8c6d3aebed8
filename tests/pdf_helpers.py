"""Reading printed PDFs back with poppler's tools (pdftotext, pdfinfo, pdfimages)."""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path


def _poppler(data: bytes, *command: str, to_stdout: bool = False) -> str:
    """Run a poppler tool on the PDF bytes (written to a temporary file) and return its output."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "doc.pdf"
        path.write_bytes(data)
        argv = [*command, str(path), *(["-"] if to_stdout else [])]
        return subprocess.run(argv, capture_output=True, text=True, check=True, timeout=60).stdout


def pdf_text(data: bytes, page: int | None = None) -> str:
    """The text of the PDF (or of one page, counted from 1)."""
    pages = ["-f", str(page), "-l", str(page)] if page else []
    # -raw: in drawing order, so a name wrapped in its cell reads as one, whatever is beside it
    return _poppler(data, "pdftotext", "-raw", "-enc", "UTF-8", *pages, to_stdout=True)


def flat(text: str) -> str:
    """Text without any whitespace: wrapped lines and table spacing no longer matter."""
    return re.sub(r"\s+", "", text)


def page_count(data: bytes) -> int:
    found = re.search(r"^Pages:\s+(\d+)", _poppler(data, "pdfinfo"), re.MULTILINE)
    assert found, "pdfinfo found no page count"
    return int(found.group(1))


def images_per_page(data: bytes) -> dict[int, int]:
    """How many pictures (logo, seal) each page shows; their soft masks are not counted."""
    counts: dict[int, int] = {}
    for line in _poppler(data, "pdfimages", "-list").splitlines()[2:]:
        parts = line.split()
        if len(parts) > 2 and parts[2] == "image":
            counts[int(parts[0])] = counts.get(int(parts[0]), 0) + 1
    return counts
