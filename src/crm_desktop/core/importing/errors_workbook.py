"""The rows an import could not take, as a workbook a person fixes and imports again.

The sheet has the file's original header, each refused row's cells as read (text stays text, so
00571 keeps its zeros; numbers and dates stay numbers and dates), and one last column saying
why. Its header is not a field synonym, so importing the fixed file ignores it. Written with the
export's streaming writer: atomic (temporary file renamed into place), frozen bold header.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from crm_desktop.core.exporting.xlsx import WorkbookStream
from crm_desktop.core.i18n import _
from crm_desktop.core.importing.model import ErrorRow


@dataclass(frozen=True)
class _Column:
    label: str
    kind: str = "text"  # cells are typed by their value; text is never a formula


def write_error_workbook(path: Path, headers: list[str], rows: list[ErrorRow]) -> Path:
    """Write `rows` under `headers` plus a reason column to `path` and return it."""
    width = max([len(headers), *(len(row.cells) for row in rows)])
    labels = [*headers, *([""] * (width - len(headers)))]
    columns = [_Column(label) for label in labels] + [_Column(_("Error reason"))]
    with WorkbookStream(Path(path)) as book:
        sheet = book.sheet(_("Rows not imported"), columns)
        for row in rows:
            cells = [*row.cells[:width], *([None] * (width - len(row.cells)))]
            sheet.add([*cells, row.reason])
    return Path(path)
