"""Statistics tables to an Excel workbook that a person can keep calculating with.

One sheet per `ReportTable`: the header row bold and frozen, numbers written as numbers (money
exact to the cent with a thousands format, shares as percentages), dates as dates, and text as
text — a code like 007 keeps its zeros and a name starting with "=" is never run as a formula.
The file is written next to the target and renamed into place, so a failed export never leaves a
half-written workbook (nor destroys the previous one).
"""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from crm_desktop.core.errors import ValidationError
from crm_desktop.core.i18n import _
from crm_desktop.core.reports.tables import ReportTable

SHEET_NAME_LIMIT = 31  # Excel refuses longer sheet names
MONEY_FORMAT = "#,##0.00"
PERCENT_FORMAT = "0.0%"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
TEXT_FORMAT = "@"
MIN_WIDTH, MAX_WIDTH = 6, 60
_BAD_SHEET_CHARS = re.compile(r"[\\/?*\[\]:]")
BOLD = Font(bold=True)
ITALIC = Font(italic=True)


def write_tables(path: Path | str, tables: Sequence[ReportTable]) -> Path:
    """Write the tables, one sheet each, to `path` (replaced atomically) and return it."""
    target = Path(path)
    workbook = Workbook()
    workbook.remove(workbook.active)
    used: set[str] = set()
    for table in tables:
        _fill(workbook.create_sheet(sheet_name(table.title, used)), table)
    if not tables:  # a workbook needs a sheet
        workbook.create_sheet(sheet_name("", used))
    _save(workbook, target)
    return target


def sheet_name(title: str, used: set[str]) -> str:
    """A valid, unique (Excel compares without case) sheet name of at most 31 characters."""
    base = _BAD_SHEET_CHARS.sub(" ", title).strip().strip("'") or _("Sheet")
    name, number = base[:SHEET_NAME_LIMIT], 1
    while name.casefold() in used or name.casefold() == "history":  # "History" is reserved
        number += 1
        suffix = f" ({number})"
        name = base[: SHEET_NAME_LIMIT - len(suffix)].rstrip() + suffix
    used.add(name.casefold())
    return name


def _fill(sheet: Worksheet, table: ReportTable) -> None:
    kinds = [column.kind for column in table.columns]
    widths = [_width(column.label) for column in table.columns]
    for index, column in enumerate(table.columns, start=1):
        _put(sheet.cell(1, index), column.label, "text").font = BOLD
    sheet.freeze_panes = "A2"
    lines = [(row, False) for row in table.rows]
    if table.totals is not None:
        lines.append((table.totals, True))
    for number, (values, bold) in enumerate(lines, start=2):
        for index, (kind, value) in enumerate(zip(kinds, values, strict=False), start=1):
            if value is None or value == "":
                continue
            cell = _put(sheet.cell(number, index), value, kind)
            if bold:
                cell.font = BOLD
            widths[index - 1] = max(widths[index - 1], _width(_shown(value, kind)))
    if table.note:
        _put(sheet.cell(len(lines) + 3, 1), table.note, "text").font = ITALIC
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(
            max(width + 2, MIN_WIDTH), MAX_WIDTH
        )


def _put(cell: Cell, value: Any, kind: str) -> Cell:
    """Write one value typed by what it is; the column's kind picks the number format."""
    if isinstance(value, bool):
        cell.value = value
    elif isinstance(value, int | Decimal | float):
        cell.value = value
        if kind == "money":
            cell.number_format = MONEY_FORMAT
        elif kind == "percent":
            cell.number_format = PERCENT_FORMAT
    elif isinstance(value, datetime):  # Excel has no time zones: the local time the person saw
        local = value.astimezone() if value.tzinfo else value
        cell.value = local.replace(tzinfo=None)
        cell.number_format = DATETIME_FORMAT
    elif isinstance(value, date):
        cell.value = value
        cell.number_format = DATE_FORMAT
    else:
        cell.value = ILLEGAL_CHARACTERS_RE.sub("", str(value))
        cell.data_type = "s"  # never a formula, whatever the text starts with
        cell.number_format = TEXT_FORMAT
    return cell


def _shown(value: Any, kind: str) -> str:
    """Roughly what Excel displays, for the column width."""
    if isinstance(value, int | Decimal | float) and not isinstance(value, bool):
        if kind == "money":
            return f"{value:,.2f}"
        if kind == "percent":
            return f"{value * 100:.1f}%"
        return f"{value:,}"
    if isinstance(value, datetime):
        return "2026-01-01 00:00"
    if isinstance(value, date):
        return "2026-01-01"
    return str(value)


def _width(text: str) -> int:
    """Characters a column needs; Chinese characters are twice as wide."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def check_target(target: Path) -> None:
    """Refuse a file in a folder that does not exist (before anything is computed or audited)."""
    if not target.parent.is_dir():
        raise ValidationError(_("The folder {folder} does not exist.").format(folder=target.parent))


def _save(workbook: Workbook, target: Path) -> None:
    check_target(target)
    handle, temporary = tempfile.mkstemp(
        prefix=f".{target.stem}-", suffix=".xlsx.part", dir=target.parent
    )
    os.close(handle)
    try:
        workbook.save(temporary)
        os.replace(temporary, target)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise ValidationError(
            _("Could not write {path}: {reason}").format(path=target, reason=exc.strerror or exc)
        ) from exc
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
