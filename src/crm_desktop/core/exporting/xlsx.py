"""Tables to an Excel workbook that a person can keep calculating with.

One writer for every export (statistics tables and whole lists): the header row bold and frozen,
numbers written as numbers (money exact to the cent with a thousands format, shares as
percentages), dates as dates, local times as times, and text as text — a code or phone like 007
keeps its zeros and a name starting with "=" is never run as a formula.

Rows are streamed into openpyxl's write-only workbook (`WorkbookStream`): a list of 100,000
customers never holds 100,000 rows of cells in memory. Column widths come from the header and the
first `WIDTH_SAMPLE` rows, held back until the widths are known. The file is written next to the
target and renamed into place, so a failed or cancelled export never leaves a half-written
workbook (nor destroys the previous one).
"""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol

from openpyxl import Workbook
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE, Cell, WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from crm_desktop.core.clock import as_utc
from crm_desktop.core.errors import ValidationError
from crm_desktop.core.i18n import _
from crm_desktop.core.reports.tables import ReportTable

SHEET_NAME_LIMIT = 31  # Excel refuses longer sheet names
MAX_ROWS = 1_048_576  # rows of an Excel sheet, the header included
MONEY_FORMAT = "#,##0.00"
PERCENT_FORMAT = "0.0%"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
TEXT_FORMAT = "@"
MIN_WIDTH, MAX_WIDTH = 6, 60
WIDTH_SAMPLE = 1000  # rows measured for the column widths before anything is written
_BAD_SHEET_CHARS = re.compile(r"[\\/?*\[\]:]")
BOLD = Font(bold=True)
ITALIC = Font(italic=True)
_ERROR_CODES = frozenset(ERROR_CODES)
_NUMBERS = frozenset((int, Decimal, float))
_TEXT_LIMIT = 32_767  # characters in a cell; openpyxl cuts longer text


class SheetColumn(Protocol):
    """What the writer needs of a column (`ReportColumn`, `lists.ExportColumn`).

    kind: "text", "code" (always text: codes, phones), "money", "percent", "int", "number",
    "days", "date", "datetime", "month" (text like 2026-01), "bool".
    """

    @property
    def label(self) -> str: ...

    @property
    def kind(self) -> str: ...


def write_tables(path: Path | str, tables: Sequence[ReportTable]) -> Path:
    """Write the tables, one sheet each, to `path` (replaced atomically) and return it."""
    target = Path(path)
    with WorkbookStream(target) as book:
        for table in tables:
            _fill(book.sheet(table.title, table.columns), table)
    return target


def _fill(sheet: SheetWriter, table: ReportTable) -> None:
    for row in table.rows:
        sheet.add(row)
    if table.totals is not None:
        sheet.add(table.totals, bold=True)
    if table.note:
        sheet.note(table.note)


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


class WorkbookStream:
    """A write-only workbook bound for `target`: add sheets, stream rows, then `save`.

    As a context manager it saves when the block ends normally and throws everything away
    (openpyxl's temporary files included) when it raises, e.g. on Cancel.
    """

    def __init__(self, target: Path | str) -> None:
        self.target = Path(target)
        check_target(self.target)
        self.workbook = Workbook(write_only=True)
        self._sheets: list[SheetWriter] = []
        self._used: set[str] = set()
        self._done = self._discarded = False

    def sheet(self, title: str, columns: Sequence[SheetColumn]) -> SheetWriter:
        writer = SheetWriter(self.workbook.create_sheet(sheet_name(title, self._used)), columns)
        self._sheets.append(writer)
        return writer

    def save(self, before_replace: Callable[[], None] | None = None) -> Path:
        """Write the file next to the target, call `before_replace` (an audit that may still
        refuse), then rename it into place."""
        for writer in self._sheets:
            writer.flush()
        if not self._sheets:  # a workbook needs a sheet
            self.sheet("", [])
        self._done = True
        try:
            _save(self.workbook, self.target, before_replace)
        except BaseException:
            self.discard()
            raise
        return self.target

    def discard(self) -> None:
        """Forget the rows written so far: no file, no temporary files."""
        if self._discarded:
            return
        self._done = self._discarded = True
        for sheet in self.workbook.worksheets:
            _discard_sheet(sheet)

    def __enter__(self) -> WorkbookStream:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if kind is not None:
            self.discard()
        elif not self._done:
            self.save()


class SheetWriter:
    """One sheet: bold frozen header, typed cells, widths measured on the first rows."""

    def __init__(self, sheet: WriteOnlyWorksheet, columns: Sequence[SheetColumn]) -> None:
        self.sheet = sheet
        self.labels = [column.label for column in columns]
        self.kinds = [column.kind for column in columns]
        self.widths = [_width(label) for label in self.labels]
        self.rows = 0  # data rows added (totals included)
        self._held: list[tuple[Sequence[Any], bool]] | None = []
        cells = _Cells(sheet)
        self._convert = [cells.converter(kind) for kind in self.kinds]
        if hasattr(sheet, "_values_to_row"):  # openpyxl 3.1's write-only row builder
            sheet._values_to_row = _row_cells(sheet)

    def add(self, values: Sequence[Any], *, bold: bool = False) -> None:
        """One row of values in column order; None and "" leave the cell empty."""
        if self.rows + 1 >= MAX_ROWS:
            raise ValidationError(
                _("More than {n} rows do not fit on an Excel sheet; narrow the filters.").format(
                    n=f"{MAX_ROWS - 1:,}"
                )
            )
        self.rows += 1
        if self._held is None:
            self._write(values, bold)
            return
        self._held.append((values, bold))
        for index, (kind, value) in enumerate(zip(self.kinds, values, strict=False)):
            if value is not None and value != "":
                self.widths[index] = max(self.widths[index], _width(_shown(value, kind)))
        if len(self._held) >= WIDTH_SAMPLE:
            self.flush()

    def note(self, text: str) -> None:
        """An italic line under the table, after an empty row."""
        self.flush()
        self.sheet.append([])
        self.sheet.append([_cell(self.sheet, text, "text", ITALIC)])

    def flush(self) -> None:
        """Write the widths, the header and the rows held back (once)."""
        held, self._held = self._held, None
        if held is None:
            return
        for index, width in enumerate(self.widths, start=1):
            self.sheet.column_dimensions[get_column_letter(index)].width = min(
                max(width + 2, MIN_WIDTH), MAX_WIDTH
            )
        self.sheet.freeze_panes = "A2"
        self.sheet.append([_cell(self.sheet, label, "text", BOLD) for label in self.labels])
        for values, bold in held:
            self._write(values, bold)

    def _write(self, values: Sequence[Any], bold: bool) -> None:
        if bold:  # the totals row: every cell styled, rare
            self.sheet.append(
                [
                    None if value is None or value == "" else _cell(self.sheet, value, kind, BOLD)
                    for kind, value in zip(self.kinds, values, strict=False)
                ]
            )
            return
        self.sheet.append(
            [convert(value) for convert, value in zip(self._convert, values, strict=False)]
        )


class _Cells:
    """Per column, the cheapest way to write a value the way `_cell` types it.

    A 100,000-row export spends most of its time inside openpyxl serializing cells; what the
    writer adds per cell has to stay small. So a column's converter is chosen once: the common
    value (text of a text column, a date, a number of a count column) goes to openpyxl as it is,
    and the styled cells it needs (codes as "@" text, local times, money) are made from one style
    prepared per number format, instead of looking the format up for every cell. Anything
    unusual (a number in a text column, a formula-like text) takes `_cell`, the one definition of
    how a value is typed.
    """

    def __init__(self, sheet: WriteOnlyWorksheet) -> None:
        self.sheet = sheet
        self._styles: dict[str, Any] = {}

    def style(self, number_format: str) -> Any:
        """openpyxl's style array for a number format, registered with the workbook once."""
        if number_format not in self._styles:
            prototype = WriteOnlyCell(self.sheet)
            prototype.number_format = number_format
            self._styles[number_format] = prototype._style
        return self._styles[number_format]

    def styled(self, value: Any, number_format: str, data_type: str) -> Cell:
        """A cell for a value already fit for Excel (its type known; text within the length
        limit and without control characters), so openpyxl's checks are not run again. The
        style array is shared: write-only cells are never restyled."""
        cell = Cell(self.sheet, row=1, column=1)
        cell._style = self.style(number_format)
        cell._value = value
        cell.data_type = data_type
        return cell

    def converter(self, kind: str) -> Callable[[Any], Any]:
        sheet = self.sheet

        def general(value: Any) -> Any:
            return None if value is None or value == "" else _cell(sheet, value, kind)

        if kind == "code":
            return self._code(general)
        if kind == "datetime":
            return self._datetime(general)
        if kind == "money":
            return self._number(general, MONEY_FORMAT)
        if kind == "percent":
            return self._number(general, PERCENT_FORMAT)
        return self._plain(general)

    @staticmethod
    def _plain(general: Callable[[Any], Any]) -> Callable[[Any], Any]:
        """Text, dates and counts go in as they are (openpyxl formats a date as DATE_FORMAT)."""

        def convert(value: Any) -> Any:
            cls = value.__class__
            if cls is str:
                if not value.isprintable():  # control characters Excel refuses
                    value = ILLEGAL_CHARACTERS_RE.sub("", value)
                if value and value[0] != "=" and value not in _ERROR_CODES:
                    return value
            elif cls is date or cls in _NUMBERS:
                return value
            return general(value)

        return convert

    def _code(self, general: Callable[[Any], Any]) -> Callable[[Any], Any]:
        def convert(value: Any) -> Any:
            if value.__class__ is str and 0 < len(value) <= _TEXT_LIMIT and value.isprintable():
                return self.styled(value, TEXT_FORMAT, "s")  # never a formula, whatever it is
            return general(value)

        return convert

    def _datetime(self, general: Callable[[Any], Any]) -> Callable[[Any], Any]:
        def convert(value: Any) -> Any:
            if value.__class__ is datetime:
                return self.styled(_local(value), DATETIME_FORMAT, "d")
            return general(value)

        return convert

    def _number(self, general: Callable[[Any], Any], number_format: str) -> Callable[[Any], Any]:
        def convert(value: Any) -> Any:
            if value.__class__ in _NUMBERS:
                return self.styled(value, number_format, "n")
            return general(value)

        return convert


def _row_cells(sheet: WriteOnlyWorksheet) -> Callable[[Sequence[Any], int], Iterator[Cell]]:
    """The cells of one appended row, as openpyxl's `_values_to_row` makes them, except that a
    ready cell passes straight through: openpyxl first tries to bind it as a value into its
    reused cell and takes it only on the ValueError, which costs about 7 % of a 100,000-row
    export with a styled phone and time per row. Plain values still share one reused cell."""

    def cells(values: Sequence[Any], row: int) -> Iterator[Cell]:
        reused = WriteOnlyCell(sheet)
        for column, value in enumerate(values, 1):
            if value is None:
                continue
            if value.__class__ is Cell:
                value.column, value.row = column, row
                yield value
                continue
            reused.value = value
            reused.column, reused.row = column, row
            yield reused
            if reused.has_style:  # a date got its number format: the next value needs a new one
                reused = WriteOnlyCell(sheet)

    return cells


def _cell(sheet: WriteOnlyWorksheet, value: Any, kind: str, font: Font | None = None) -> Any:
    """One value typed by what it is; the column's kind picks the number format.

    Values that need no style go in as they are (openpyxl then reuses one cell object: a styled
    cell costs about twice as much to write); text that Excel would read as a formula or an
    error code, codes ("@", so a retyped 007 stays text) and styled values get their own cell.
    """
    if kind == "code" and not isinstance(value, str):
        value = str(value)
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if font is None and kind != "code" and value[:1] != "=" and value not in ERROR_CODES:
            return value
    elif font is None and _plain(value, kind):
        return value
    cell = WriteOnlyCell(sheet)
    if isinstance(value, bool):
        cell.value = value
    elif isinstance(value, int | Decimal | float):
        cell.value = value
        if kind == "money":
            cell.number_format = MONEY_FORMAT
        elif kind == "percent":
            cell.number_format = PERCENT_FORMAT
    elif isinstance(value, datetime):
        cell.value = _local(value)
        cell.number_format = DATETIME_FORMAT
    elif isinstance(value, date):
        cell.value = value
        cell.number_format = DATE_FORMAT
    else:
        cell.value = str(value)
        cell.data_type = "s"  # never a formula, whatever the text starts with
        cell.number_format = TEXT_FORMAT
    if font is not None:
        cell.font = font
    return cell


def _local(value: datetime) -> datetime:
    """Excel has no time zones: the local time the person saw."""
    return as_utc(value).astimezone().replace(tzinfo=None)


def _plain(value: Any, kind: str) -> bool:
    """Written right without a style: booleans, counts, dates (openpyxl's own date format is
    DATE_FORMAT)."""
    if isinstance(value, bool):
        return True
    if isinstance(value, int | Decimal | float):
        return kind not in ("money", "percent")
    return isinstance(value, date) and not isinstance(value, datetime)


def _shown(value: Any, kind: str) -> str:
    """Roughly what Excel displays, for the column width."""
    if isinstance(value, int | Decimal | float) and not isinstance(value, bool):
        if kind == "code":
            return str(value)
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


def _discard_sheet(sheet: Any) -> None:
    """Close a write-only sheet's stream and remove its temporary file."""
    writer = getattr(sheet, "_writer", None)
    if writer is None:
        return
    try:
        rows = getattr(sheet, "_rows", None)
        if rows is not None:  # the row stream first: it still writes its closing tag
            sheet._rows = None
            rows.close()
        writer.close()
        writer.cleanup()
    except (OSError, ValueError, RuntimeError):
        pass  # openpyxl removes what is left when the program ends


def _save(
    workbook: Workbook, target: Path, before_replace: Callable[[], None] | None = None
) -> None:
    check_target(target)
    handle, temporary = tempfile.mkstemp(
        prefix=f".{target.stem}-", suffix=".xlsx.part", dir=target.parent
    )
    os.close(handle)
    try:
        workbook.save(temporary)
        if before_replace is not None:
            before_replace()
        os.replace(temporary, target)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise ValidationError(
            _("Could not write {path}: {reason}").format(path=target, reason=exc.strerror or exc)
        ) from exc
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
