"""The words of the import engine, shared by readers, targets, the CLI and the wizard.

An import reads one sheet (`SheetData`), takes one row as the header, maps columns to the fields
of one kind of record (`FieldSpec`), converts each data row to typed values, decides per row what
to do (`RowPlan`: create, update, unchanged, skip, error) and writes the plans in short
transactions under one `ImportBatch`, recording every created or changed row (`ImportChange`)
so Cancel, a crash or a later Undo can take the whole import back exactly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from crm_desktop.core.errors import CrmError
from crm_desktop.core.i18n import N_

Progress = Callable[[int, int], bool]  # (done, total) -> False cancels

# column index (0-based, in the sheet) -> field key of the kind being imported
Mapping = dict[int, str]


class ImportKind(StrEnum):
    CUSTOMERS = "customers"
    CONTACTS = "contacts"
    PRODUCTS = "products"
    ORDERS = "orders"  # sales history: one sheet row per order line
    LEADS = "leads"


KIND_LABELS: dict[ImportKind, str] = {
    ImportKind.CUSTOMERS: N_("Customers"),
    ImportKind.CONTACTS: N_("Contacts"),
    ImportKind.PRODUCTS: N_("Products"),
    ImportKind.ORDERS: N_("Sales history"),
    ImportKind.LEADS: N_("Leads"),
}


class ImportMode(StrEnum):
    CREATE = "create"  # new records only; rows matching an existing record are skipped
    UPDATE = "update"  # existing records only; rows matching nothing are skipped
    UPSERT = "upsert"  # update what matches, create the rest


MODE_LABELS: dict[ImportMode, str] = {
    ImportMode.CREATE: N_("Create new records only"),
    ImportMode.UPDATE: N_("Update existing records only"),
    ImportMode.UPSERT: N_("Update existing and create new records"),
}


class MatchKey(StrEnum):
    NAME = "name"  # normalized like the customers tab's duplicate guard
    PHONE = "phone"  # digits only
    CODE = "code"


MATCH_KEY_LABELS: dict[MatchKey, str] = {
    MatchKey.NAME: N_("Name"),
    MatchKey.PHONE: N_("Phone"),
    MatchKey.CODE: N_("Code"),
}


class RowAction(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"  # matched, and every mapped value is already stored
    SKIP = "skip"  # a duplicate (create mode) or no match (update mode): reported, not an error
    ERROR = "error"  # cannot be imported: goes to the error workbook with the reason


class ImportFileError(CrmError):
    """The file cannot be read as a table; the message names the file and says why."""


class ImportCancelled(CrmError):
    """The person pressed Cancel; nothing of the import is left in the database."""


@dataclass(frozen=True)
class SheetData:
    """One sheet as read: raw cell values, row by row (`rows[0]` is the sheet's first row).

    Values are what the file holds: str, int, float, bool, date, datetime, time; an empty cell is
    "" (as calamine gives it) or None, and every converter treats both as empty. Numbers
    shown with leading zeros by a number format (00571) are already text with their zeros.
    Merged cells hold their value in the top-left cell only.
    """

    path: Path
    sheet: str  # the sheet's name; "" for CSV/text files
    sheets: tuple[str, ...]  # every sheet in the file, in order
    rows: list[list[Any]]
    # Things the person should know about how the file was read (translated), e.g. a text file
    # named .xlsx that was read as text: shown by the CLI and the wizard.
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class FieldSpec:
    """A field a column can be mapped to.

    kind: "text", "code" (text, zeros kept), "phone", "email", "date", "money", "decimal",
    "int", "percent" (10 %, 0.1, 10), "bool" (是/否, yes/no, 1/0), "base:<BaseDataKind>"
    (text matched to a base data entry), "operator" (name or code of an operator),
    "customer" (name or code of an existing customer), "product" (code or name).
    """

    key: str
    label: str  # marked with N_, translated where shown
    kind: str = "text"
    required: bool = False
    synonyms: tuple[str, ...] = ()  # header texts (Chinese and English) that mean this field


@dataclass(frozen=True)
class ImportRequest:
    kind: ImportKind
    path: Path
    sheet: str | None = None  # None: the first sheet
    header_row: int | None = None  # 0-based index into SheetData.rows; None: detect it
    mapping: Mapping | None = None  # None: suggest from the header texts
    mode: ImportMode = ImportMode.CREATE
    key: MatchKey = MatchKey.NAME
    create_missing: bool = False  # create base data entries (regions, types, ...) not found


@dataclass
class RowPlan:
    """What one sheet row (or, for sales history, one order's rows) will do."""

    line: int  # 1-based row number in the sheet, as Excel shows it
    action: RowAction
    values: dict[str, Any] = field(default_factory=dict)  # converted values by field key
    problems: dict[str, str] = field(default_factory=dict)  # field key -> readable problem
    message: str = ""  # why skipped or refused, or what matched
    entity_id: int | None = None  # the matched record for update/unchanged
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # update: field -> old, new


@dataclass(frozen=True)
class ErrorRow:
    line: int
    cells: list[Any]  # the original row as read
    reason: str


@dataclass
class Preview:
    """The first rows as they will be stored, before anything is written."""

    headers: list[str]
    header_row: int
    mapping: Mapping
    rows: list[RowPlan]
    total_rows: int  # data rows in the sheet (blank rows not counted)
    missing_base_data: dict[str, list[str]] = field(default_factory=dict)  # kind -> names
    unmapped_required: list[str] = field(default_factory=list)  # field keys


@dataclass
class ImportResult:
    batch_id: int | None  # None for a dry run or when nothing was written
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    errors: list[ErrorRow] = field(default_factory=list)
    dry_run: bool = False
    backup_path: Path | None = None
    error_file: Path | None = None
    skipped_rows: list[ErrorRow] = field(default_factory=list)  # skipped rows and why


@dataclass(frozen=True)
class BatchRow:
    id: int
    kind: str
    filename: str
    sheet: str | None
    operator_name: str
    started_at: Any
    finished_at: Any
    status: str  # running, finished, cancelled, failed, undone
    created: int
    updated: int
    unchanged: int
    skipped: int
    errors: int
    mode: str | None


@dataclass
class UndoResult:
    batch_id: int
    removed: int = 0
    restored: int = 0
