"""One table model for every list: rows of plain values described by a column spec.

A list describes its columns with `Column` (what key, what title, what kind of value); the model
formats them (money with thousands separators, UTC times in local time, lookups by id) and the
proxy sorts on the raw values, never on the formatted text. Rows are plain values (dicts, tuples
or frozen dataclasses), never ORM objects.

Rows come from a `RowSource`. `ListSource` holds a list already loaded (settings lists; the
proxy sorts and quick-filters them in memory). `PagedSource` serves very long lists (100,000
customers): it asks a service for one page at a time (`fetch(offset, limit)`, 200 rows) and for the
total once (`total()`), and the model fetches the next page through Qt's `canFetchMore`/`fetchMore`
as the person scrolls. Such lists are sorted by the service, not the proxy: a column that the
service can sort by names its `sort_key`, and the list page reloads with that key when its header
is clicked (see `RecordListPage(server_sort=True)`). `ServerSort` is that (key, descending) pair.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Protocol

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication

from crm_desktop.core.errors import CrmError
from crm_desktop.core.i18n import _
from crm_desktop.core.money import format_money, to_money

Row = Any
AnyIndex = QModelIndex | QPersistentModelIndex

KINDS = ("text", "int", "money", "date", "datetime", "bool", "lookup")
LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
CENTER = Qt.AlignmentFlag.AlignCenter


@dataclass(frozen=True)
class Column:
    """One column of a list.

    key: dict key, tuple index or attribute name of the value in a row.
    title: the header text (already translated with `_()`).
    kind: text, int, money, date, datetime, bool or lookup (see `KINDS`).
    formatter: turns the raw value into text, replacing the kind's formatting.
    alignment: overrides the kind's alignment (money and int right, bool centred).
    width: the initial width in pixels (remembered widths win).
    lookup: for kind "lookup": id -> name.
    bool_words: for kind "bool": show Yes/No instead of a tick.
    sort_key: for server-sorted lists: the service's sort key for this column (None: the column
        cannot be sorted there).
    emphasis: marks cells that need attention (e.g. an overdue date): shown bold in a warning
        colour.
    """

    key: str | int
    title: str
    kind: str = "text"
    formatter: Callable[[Any], str] | None = None
    alignment: Qt.AlignmentFlag | None = None
    width: int | None = None
    lookup: Mapping[Any, str] | None = None
    bool_words: bool = False
    sort_key: str | None = None
    emphasis: Callable[[Row], bool] | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}")

    def raw(self, row: Row) -> Any:
        if isinstance(row, Mapping):
            return row.get(self.key)
        if isinstance(self.key, int):
            return row[self.key]
        return getattr(row, self.key, None)

    def text(self, row: Row) -> str:
        return self.format(self.raw(row))

    def format(self, value: Any) -> str:
        if self.formatter is not None:
            return self.formatter(value)
        if value is None:
            return ""
        kind = self.kind
        if kind == "money":
            return format_money(to_money(value) if not isinstance(value, Decimal) else value)
        if kind == "datetime" and isinstance(value, datetime):
            return local_time(value).strftime("%Y-%m-%d %H:%M")
        if kind == "date" and isinstance(value, date):
            return value.isoformat()
        if kind == "bool":
            if self.bool_words:
                return _("Yes") if value else _("No")
            return "✓" if value else ""
        if kind == "lookup":
            return (self.lookup or {}).get(value, "")
        return str(value)

    def sort_value(self, row: Row) -> Any:
        """What sorting compares: the raw value, or the shown text for lookups and formatters."""
        if self.kind == "lookup" or self.formatter is not None:
            return self.text(row).casefold()
        value = self.raw(row)
        if isinstance(value, str):
            return value.casefold()
        if isinstance(value, datetime) and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value

    def align(self) -> Qt.AlignmentFlag:
        if self.alignment is not None:
            return self.alignment
        if self.kind in ("money", "int"):
            return RIGHT
        if self.kind == "bool":
            return CENTER
        return LEFT


def shorten(text: str | None, limit: int = 60) -> str:
    """A long text on one line, cut to `limit` characters with "…", for a table cell (the whole
    text is in the tooltip)."""
    flat = " ".join((text or "").split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def local_time(value: datetime) -> datetime:
    """A stored (UTC) time in the computer's time zone; naive values are taken as UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone()


@dataclass(frozen=True)
class ServerSort:
    """The order a server-sorted list asks its service for: a `Column.sort_key` and direction."""

    key: str
    descending: bool = False


class RowSource(Protocol):
    """Where a model's rows come from; a paged source fetches more when asked."""

    def count(self) -> int:
        """How many rows are loaded (the model's row count)."""
        ...

    def total(self) -> int:
        """How many rows the list has in all, loaded or not."""
        ...

    def row(self, index: int) -> Row: ...

    def can_fetch_more(self) -> bool: ...

    def fetch_more(self) -> Sequence[Row]:
        """Read the next page without adding it; the model adds it with `append`."""
        ...

    def append(self, rows: Sequence[Row]) -> None: ...


class ListSource:
    """All rows in memory (settings lists, a few thousand rows at most)."""

    def __init__(self, rows: Sequence[Row] = ()) -> None:
        self.rows = list(rows)

    def count(self) -> int:
        return len(self.rows)

    def total(self) -> int:
        return len(self.rows)

    def row(self, index: int) -> Row:
        return self.rows[index]

    def can_fetch_more(self) -> bool:
        return False

    def fetch_more(self) -> Sequence[Row]:
        return ()

    def append(self, rows: Sequence[Row]) -> None:
        self.rows.extend(rows)


PAGE_SIZE = 200
Fetch = Callable[[int, int], Sequence[Row]]


class PagedSource:
    """Rows read from a service a page at a time: `fetch(offset, limit)`, and `counter()` for
    the total.

    The first page is read when the source is made, so a service error surfaces in the list
    page's loader, where it is shown. The total is not: counting a million follow-ups takes
    seconds, so the list page runs `counter` off the GUI thread and hands the result to
    `set_total`; until then `total()` is what is loaded. `fill_to(n)` reads up to n rows before
    the source is shown (a refresh keeps the rows the person had scrolled to). Rows inserted or
    removed on the server between pages may shift a row by a page; the next reload puts it right.
    """

    def __init__(
        self,
        fetch: Fetch,
        counter: Callable[[], int] | None = None,
        *,
        page_size: int = PAGE_SIZE,
    ) -> None:
        self._fetch = fetch
        self.counter = counter
        self.page_size = page_size
        self._total: int | None = None
        self.rows: list[Row] = []
        self._exhausted = False
        self.rows.extend(self._read(page_size))

    def fill_to(self, count: int) -> None:
        """Read more rows until `count` are loaded (or the list ends); before it is shown."""
        if count > len(self.rows) and not self._exhausted:
            self.rows.extend(self._read(count - len(self.rows)))

    def _read(self, limit: int) -> Sequence[Row]:
        try:
            rows = self._fetch(len(self.rows), limit)
        except CrmError:
            self._exhausted = True  # do not ask again on every scroll; a reload tries afresh
            raise
        if len(rows) < limit:
            self._exhausted = True
        return rows

    def total_known(self) -> bool:
        return self._total is not None or self._exhausted

    def set_total(self, total: int) -> None:
        self._total = total
        if len(self.rows) >= total:
            self._exhausted = True

    def count(self) -> int:
        return len(self.rows)

    def total(self) -> int:
        return max(self._total or 0, len(self.rows))

    def row(self, index: int) -> Row:
        return self.rows[index]

    def can_fetch_more(self) -> bool:
        return not self._exhausted

    def fetch_more(self) -> Sequence[Row]:
        return () if self._exhausted else self._read(self.page_size)

    def append(self, rows: Sequence[Row]) -> None:
        self.rows.extend(rows)


def service_pages(
    list_rows: Callable[..., Sequence[Row]],
    count_rows: Callable[..., int],
    db: Any,
    actor: Any,
    wanted: Any,
    sort: ServerSort,
) -> PagedSource:
    """Pages of a sorted list service: `list_rows(db, actor, wanted, sort=, descending=, limit=,
    offset=)` and `count_rows(db, actor, wanted)`, the shape every such service has."""
    return PagedSource(
        lambda offset, limit: list_rows(
            db,
            actor,
            wanted,
            sort=sort.key,
            descending=sort.descending,
            limit=limit,
            offset=offset,
        ),
        lambda: count_rows(db, actor, wanted),
    )


def _muted_brush() -> QBrush:
    app = QApplication.instance()
    if isinstance(app, QApplication):
        return app.palette().brush(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
    return QBrush(QColor("gray"))


def _emphasis(role: int) -> QFont | QBrush:
    if role == Qt.ItemDataRole.FontRole:
        font = QFont()
        font.setBold(True)
        return font
    return QBrush(QColor("#c62828"))


class RecordTableModel(QAbstractTableModel):
    """Rows of plain values shown through a column spec.

    `muted(row)` greys out a row (inactive entries); `key` names the identity used to keep the
    selection across reloads (default "id"). `fetch_failed` carries a `CrmError` raised while
    fetching the next page (the page shows it).
    """

    fetch_failed = Signal(object)

    def __init__(
        self,
        columns: Sequence[Column],
        source: RowSource | None = None,
        *,
        muted: Callable[[Row], bool] | None = None,
        key: str | int = "id",
        parent: Any = None,
    ) -> None:
        super().__init__(parent)
        self.columns = list(columns)
        self.source: RowSource = source if source is not None else ListSource()
        self.muted = muted
        self.key_column = Column(key, "")
        self._search: dict[int, str] = {}

    # --- rows ------------------------------------------------------------------------------
    def set_source(self, source: RowSource) -> None:
        self.beginResetModel()
        self.source = source
        self._search.clear()
        self.endResetModel()

    def set_rows(self, rows: Sequence[Row]) -> None:
        self.set_source(ListSource(rows))

    def row_at(self, row: int) -> Row:
        return self.source.row(row)

    def total(self) -> int:
        """How many rows the list has in all (more than `rowCount` while pages are unread)."""
        total = getattr(self.source, "total", None)
        return int(total()) if callable(total) else self.source.count()

    def key_of(self, row: Row) -> Any:
        return self.key_column.raw(row)

    def find_key(self, key: Any) -> int:
        """The source row holding the record with this key, or -1."""
        for index in range(self.source.count()):
            if self.key_of(self.source.row(index)) == key:
                return index
        return -1

    def search_text(self, row: int) -> str:
        """The row's shown texts, folded for the quick filter (cached until the next reload)."""
        text = self._search.get(row)
        if text is None:
            record = self.source.row(row)
            text = "\t".join(column.text(record) for column in self.columns).casefold()
            self._search[row] = text
        return text

    # --- Qt --------------------------------------------------------------------------------
    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self.source.count()

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def canFetchMore(self, parent: AnyIndex) -> bool:
        return not parent.isValid() and self.source.can_fetch_more()

    def fetchMore(self, parent: AnyIndex) -> None:
        if parent.isValid():
            return
        try:
            rows = self.source.fetch_more()
        except CrmError as exc:
            self.fetch_failed.emit(exc)
            return
        if not rows:
            return
        first = self.source.count()
        self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
        self.source.append(rows)
        self.endInsertRows()

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        column = self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.text(self.source.row(index.row()))
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(column.align().value)
        if (
            role == Qt.ItemDataRole.ForegroundRole
            and self.muted is not None
            and self.muted(self.source.row(index.row()))
        ):
            return _muted_brush()
        if role in (Qt.ItemDataRole.FontRole, Qt.ItemDataRole.ForegroundRole) and (
            column.emphasis is not None and column.emphasis(self.source.row(index.row()))
        ):
            return _emphasis(role)
        if role == Qt.ItemDataRole.ToolTipRole:
            text = column.text(self.source.row(index.row()))
            return text if len(text) > 40 else None
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.columns):
            return None
        column = self.columns[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.title
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(column.align().value)
        return None


def _sort_key(value: Any) -> tuple[int, Any]:
    """Empty values sort first; values of one column are compared as they are."""
    return (0, 0) if value is None or value == "" else (1, value)


class RecordFilterProxy(QSortFilterProxyModel):
    """Sorts on raw values (Decimal, dates) and filters on the shown text of every column."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._needle = ""

    def records(self) -> RecordTableModel:
        model = self.sourceModel()
        assert isinstance(model, RecordTableModel)
        return model

    def set_quick_filter(self, text: str) -> None:
        self.beginFilterChange()
        self._needle = text.strip().casefold()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def quick_filter(self) -> str:
        return self._needle

    def filterAcceptsRow(self, source_row: int, source_parent: AnyIndex) -> bool:
        if not self._needle:
            return True
        haystack = self.records().search_text(source_row)
        return all(word in haystack for word in self._needle.split())

    def lessThan(self, left: AnyIndex, right: AnyIndex) -> bool:
        model = self.records()
        column = model.columns[left.column()]
        a = _sort_key(column.sort_value(model.row_at(left.row())))
        b = _sort_key(column.sort_value(model.row_at(right.row())))
        try:
            return a < b
        except TypeError:
            return str(a[1]) < str(b[1])

    def row_at(self, proxy_row: int) -> Row:
        source = self.mapToSource(self.index(proxy_row, 0))
        return self.records().row_at(source.row())
