"""A list page described by data: title, toolbar actions, quick filter, the table, empty state.

```python
page = RecordListPage(
    "products",
    _("Products"),
    columns=[Column("code", _("Code")), Column("unit_price", _("Unit price"), "money")],
    loader=lambda: products.list_products(ctx.db, ctx.actor),
    on_new=add_product,            # called with no arguments
    on_edit=edit_product,          # called with the selected row (double-click, Enter, Edit)
    on_toggle_active=set_active,   # called with (row, new_active); text follows the row
    actions=[ListAction("delete", _("Delete"), delete_entry)],
)
```

Reloading keeps the selected record (by its `id`). Column widths are remembered per list name in
QSettings (`lists/<name>/widths`). A loader that raises a `CrmError` shows its message instead of
the table.

A refresh (another tab's save, or a change another PC made) keeps the selection, the current row
and the scroll position: the rows the person was looking at stay where they were. Only a selected
record that was on screen and moved out of view (renamed, re-sorted) is scrolled back into view;
one the person had scrolled away from is left where it is.

Very long lists (customers) are paged and sorted by the service instead of in memory:

```python
page = RecordListPage(
    "customers",
    _("Customers"),
    columns=[Column("name", _("Name"), sort_key="name"), Column("phone", _("Phone"))],
    loader=lambda sort: PagedSource(
        lambda offset, limit: customers.list_customers(
            db, actor, current_filter, sort=sort.key, descending=sort.descending,
            limit=limit, offset=offset),
        lambda: customers.count_customers(db, actor, current_filter),
    ),
    server_sort=True,              # the loader gets a ServerSort; headers re-query, never sort
    sort=ServerSort("name"),       # the first order (default: the first column with a sort_key)
    search_widget=search_box,      # the tab's own search (Ctrl+F); no local quick filter
    count_text=lambda n: _("{n} customers").format(n=f"{n:,}"),
)
```

`export=ListExport(kind, ctx, filters=...)` adds "Export to Excel…" (Ctrl+E, only for operators
with the list's export permission): the rows the current filter selects, the visible columns in
their on-screen order (see `list_export`).

A header click on a column with a `sort_key` reloads with that key (clicking again flips the
direction); columns without one do not sort. Server lists have no local quick filter (it would
filter only the loaded page); a tab gives its own `search_widget`, which Ctrl+F focuses. The total
(`count_text`) is shown beside the title. A plain `reload()` reads again as many rows as were
loaded (up to `KEEP_LOADED`), so the selection survives; `reload(fresh=True)` starts from the first
page (a new search, filter or order).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QEvent, QItemSelectionModel, QObject, QSettings, Qt, Signal
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QStackedWidget,
    QTableView,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.core.errors import CrmError
from crm_desktop.core.i18n import _
from crm_desktop.ui.widgets import prompts
from crm_desktop.ui.widgets.list_export import ListExport, attach_export
from crm_desktop.ui.widgets.record_table_model import (
    Column,
    RecordFilterProxy,
    RecordTableModel,
    Row,
    RowSource,
    ServerSort,
)

Loader = Callable[[], Sequence[Row] | RowSource]
SortedLoader = Callable[[ServerSort], Sequence[Row] | RowSource]
KEEP_LOADED = 5000  # a refresh reads again at most this many rows to keep the selection in view
SIZE_SAMPLE_ROWS = 40  # server lists size columns to fit from a sample, not a whole page


@dataclass
class ListAction:
    """A toolbar action. With `needs_selection` it is enabled only when a row is selected and the
    handler gets that row; otherwise it gets None. `enabled` refines when it is enabled."""

    key: str
    text: str
    handler: Callable[[Row | None], Any]
    needs_selection: bool = True
    shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None
    enabled: Callable[[Row], bool] | None = None
    tooltip: str = ""


class RecordListPage(QWidget):
    """Title, toolbar, quick filter and a sortable table over rows from `loader`.

    With `server_sort` the loader takes a `ServerSort` and the service orders the rows (see the
    module docstring); `search_widget` replaces the quick filter; `count_text(total)` labels the
    number of records; `empty_text` may be a callable (e.g. a different text while filtered);
    `bars` are shown between the toolbar and the table (a filter bar).
    """

    selection_changed = Signal(object)  # the selected row or None
    loaded = Signal()

    def __init__(
        self,
        name: str,
        title: str,
        columns: Sequence[Column],
        loader: Loader | SortedLoader,
        *,
        on_new: Callable[[], Any] | None = None,
        on_edit: Callable[[Row], Any] | None = None,
        on_toggle_active: Callable[[Row, bool], Any] | None = None,
        active_key: str = "active",
        actions: Sequence[ListAction] = (),
        empty_text: str | Callable[[], str] = "",
        muted: Callable[[Row], bool] | None = None,
        key: str | int = "id",
        settings: QSettings | None = None,
        header_widgets: Sequence[QWidget] = (),
        server_sort: bool = False,
        sort: ServerSort | None = None,
        search_widget: QWidget | None = None,
        count_text: Callable[[int], str] | None = None,
        bars: Sequence[QWidget] = (),
        export: ListExport | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.name = name
        self.loader = loader
        self.on_edit = on_edit
        self.active_key = active_key
        self.empty_text = empty_text or _("Nothing here yet.")
        self.server_sort = server_sort
        self.sort = sort if sort is not None or not server_sort else _first_sort(columns)
        self.count_text = count_text
        self._settings = settings
        self._restoring = False
        self._widths_restored = False
        self._stale = False  # changed while hidden: reload when shown
        if muted is None and on_toggle_active is not None:
            muted = lambda row: not Column(active_key, "").raw(row)  # noqa: E731

        self.model = RecordTableModel(columns, muted=muted, key=key, parent=self)
        self.model.fetch_failed.connect(lambda exc: prompts.show_error(self, exc))
        self.proxy = RecordFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.count_label = QLabel(self)  # a parent first: showing a parentless label opens a window
        self.count_label.setObjectName("recordCount")
        self.count_label.setVisible(count_text is not None)

        # title and toolbar
        self.title = QLabel(title)
        self.title.setObjectName("pageTitle")
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.title.setFont(font)
        self.toolbar = QToolBar()
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.actions_by_key: dict[str, QAction] = {}
        self._specs: dict[str, ListAction] = {}
        specs: list[ListAction] = []
        if on_new is not None:
            specs.append(
                ListAction(
                    "new",
                    _("New"),
                    lambda _row: on_new(),
                    needs_selection=False,
                    shortcut=QKeySequence.StandardKey.New,
                    tooltip=_("New (Ctrl+N)"),
                )
            )
        if on_edit is not None:
            specs.append(ListAction("edit", _("Edit"), on_edit, tooltip=_("Edit (Enter)")))
        if on_toggle_active is not None:
            specs.append(
                ListAction(
                    "toggle_active",
                    _("Deactivate"),
                    lambda row: on_toggle_active(row, not self._is_active(row)),
                )
            )
        specs.extend(actions)
        specs.append(
            ListAction(
                "refresh",
                _("Refresh"),
                lambda _row: self.reload(),
                needs_selection=False,
                shortcut=QKeySequence.StandardKey.Refresh,
                tooltip=_("Refresh (F5)"),
            )
        )
        for spec in specs:
            self.add_action(spec)
        self.list_export: ListExport | None = None
        self.export_operation: Any = None  # the export running or run last (tests wait on it)
        if export is not None:
            attach_export(self, export)

        self.filter = QLineEdit()
        self.filter.setPlaceholderText(_("Filter…"))
        self.filter.setClearButtonEnabled(True)
        self.filter.setMaximumWidth(260)
        self.filter.textChanged.connect(self._filter_changed)
        self.search_widget = search_widget
        local_filter = search_widget is None and not server_sort
        find_target = self.filter if local_filter else search_widget
        if find_target is not None:
            QShortcut(
                QKeySequence.StandardKey.Find,
                self,
                activated=lambda: _focus(find_target),
                context=Qt.ShortcutContext.WidgetWithChildrenShortcut,
            )

        # table and empty state
        self.table = QTableView()
        self.table.setObjectName(f"list_{name}")
        self.table.setModel(self.proxy)
        if server_sort:
            self._init_server_sort()
        else:
            self.table.setSortingEnabled(True)
            self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 10)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setHighlightSections(False)
        header.sectionResized.connect(self._remember_widths)
        self.table.doubleClicked.connect(lambda _index: self._edit_current())
        self.table.installEventFilter(self)  # Enter edits
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.empty = QLabel()
        self.empty.setObjectName("emptyState")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.setStyleSheet("QLabel#emptyState { color: palette(mid); padding: 24px; }")
        self.stack = QStackedWidget()
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.empty)

        top = QHBoxLayout()
        top.addWidget(self.title)
        top.addWidget(self.count_label)
        for widget in header_widgets:
            top.addWidget(widget)
        top.addStretch()
        if local_filter:
            top.addWidget(self.filter)
        else:
            self.filter.setParent(self)  # owned (deleted with the page), never shown
            self.filter.hide()
            if search_widget is not None:
                top.addWidget(search_widget)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.toolbar)
        for bar in bars:
            layout.addWidget(bar)
        layout.addWidget(self.stack, 1)
        self._update_actions()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.table
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        ):
            self._edit_current()
            return True
        return super().eventFilter(watched, event)

    # --- actions -----------------------------------------------------------------------------
    def add_action(self, spec: ListAction) -> QAction:
        action = QAction(spec.text, self)
        action.setObjectName(f"action_{spec.key}")
        if spec.shortcut is not None:
            action.setShortcut(QKeySequence(spec.shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        if spec.tooltip:
            action.setToolTip(spec.tooltip)
        action.triggered.connect(lambda _checked=False, s=spec: self._run(s))
        self.toolbar.addAction(action)
        self.addAction(action)  # so its shortcut works anywhere on the page
        self.actions_by_key[spec.key] = action
        self._specs[spec.key] = spec
        return action

    def action(self, key: str) -> QAction:
        return self.actions_by_key[key]

    def set_action_visible(self, key: str, visible: bool) -> None:
        self.actions_by_key[key].setVisible(visible)

    def _run(self, spec: ListAction) -> None:
        row = self.selected_row()
        if spec.needs_selection and row is None:
            return
        try:
            spec.handler(row if spec.needs_selection else None)
        except CrmError as exc:
            prompts.show_error(self, exc)

    def _edit_current(self) -> None:
        if self.on_edit is not None and self.actions_by_key["edit"].isVisible():
            self._run(self._specs["edit"])

    def _is_active(self, row: Row) -> bool:
        return bool(Column(self.active_key, "").raw(row))

    def _update_actions(self) -> None:
        row = self.selected_row()
        for key, spec in self._specs.items():
            action = self.actions_by_key[key]
            enabled = row is not None or not spec.needs_selection
            if enabled and row is not None and spec.enabled is not None:
                enabled = spec.enabled(row)
            action.setEnabled(enabled)
        toggle = self.actions_by_key.get("toggle_active")
        if toggle is not None:
            active = row is None or self._is_active(row)
            toggle.setText(_("Deactivate") if active else _("Activate"))

    # --- server-side sorting -----------------------------------------------------------------
    def _init_server_sort(self) -> None:
        header = self.table.horizontalHeader()
        header.setResizeContentsPrecision(SIZE_SAMPLE_ROWS)
        header.setSectionsClickable(True)
        header.setSortIndicatorShown(True)
        self._show_sort()
        header.sortIndicatorChanged.connect(self._header_sort_changed)

    def _show_sort(self) -> None:
        """Put the header's arrow on the column the rows are sorted by."""
        header = self.table.horizontalHeader()
        section = next(
            (
                i
                for i, column in enumerate(self.model.columns)
                if self.sort is not None and column.sort_key == self.sort.key
            ),
            -1,
        )
        descending = self.sort is not None and self.sort.descending
        order = Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder
        blocked = header.blockSignals(True)
        header.setSortIndicator(section, order)
        header.blockSignals(blocked)

    def _header_sort_changed(self, section: int, order: Qt.SortOrder) -> None:
        key = (
            self.model.columns[section].sort_key
            if 0 <= section < self.model.columnCount()
            else None
        )
        if key is None:  # the service cannot sort by this column: keep the current order
            self._show_sort()
            return
        self.set_sort(ServerSort(key, order == Qt.SortOrder.DescendingOrder))

    def set_sort(self, sort: ServerSort) -> None:
        """Ask the service for the rows in this order (server lists)."""
        self.sort = sort
        self._show_sort()
        self.reload(fresh=True)

    # --- rows --------------------------------------------------------------------------------
    def _load(self) -> Sequence[Row] | RowSource:
        if self.server_sort:
            assert self.sort is not None, "a server-sorted list needs a column with a sort_key"
            return self.loader(self.sort)  # type: ignore[call-arg]
        return self.loader()  # type: ignore[call-arg]

    def reload_when_shown(self) -> None:
        """Reload now if the list is on screen, else the next time it is shown: a change made
        while another tab is in front must not cost a query per change."""
        if self.isVisible():
            self.reload()
        else:
            self._stale = True

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self._stale = False
            self.reload()

    def reload(self, *, fresh: bool = False) -> None:
        """Load the rows again, keeping the selected record and the sort order.

        A paged list reads again as many rows as it had loaded (so the selection stays in view),
        unless `fresh` (a new search, filter or order), which starts from the first page.
        """
        selected = self.selected_row()
        key = self.model.key_of(selected) if selected is not None else None
        had = 0 if fresh else min(self.model.rowCount(), KEEP_LOADED)
        follow = fresh or self._selection_on_screen()
        try:
            loaded = self._load()
            fill_to = getattr(loaded, "fill_to", None)
            if had and callable(fill_to):
                fill_to(had)
        except CrmError as exc:
            self.model.set_rows([])
            self._show_empty(exc.message)
            self._show_count()
            self.loaded.emit()
            return
        if isinstance(loaded, Sequence):
            self.model.set_rows(loaded)
        else:
            self.model.set_source(loaded)
            self._count_in_background(loaded)
        self._show_count()
        self._restore_widths()
        if key is not None:  # a model reset keeps the scroll bars; only this could move them
            self.select_key(key, scroll=follow)
        self._refresh_empty()
        self._update_actions()
        self.selection_changed.emit(self.selected_row())
        self.loaded.emit()

    def _selection_on_screen(self) -> bool:
        """Is the selected row (partly) in view? Then a refresh keeps it in view."""
        indexes = self.table.selectionModel().selectedRows()
        if not indexes:
            return False
        rect = self.table.visualRect(indexes[0])
        return rect.isValid() and self.table.viewport().rect().intersects(rect)

    def rows(self) -> list[Row]:
        """The rows as shown (filtered and sorted)."""
        return [self.proxy.row_at(i) for i in range(self.proxy.rowCount())]

    def selected_row(self) -> Row | None:
        indexes = self.table.selectionModel().selectedRows()
        if not indexes:
            return None
        return self.proxy.row_at(indexes[0].row())

    def select_key(self, key: Any, *, scroll: bool = True) -> bool:
        """Select the record with `key`; `scroll` brings it into view if it is not."""
        source_row = self.model.find_key(key)
        if source_row < 0:
            return False
        index = self.proxy.mapFromSource(self.model.index(source_row, 0))
        if not index.isValid():
            return False
        auto_scroll = self.table.hasAutoScroll()
        self.table.setAutoScroll(scroll)  # a new current row scrolls to it unless told not to
        try:
            self.table.selectionModel().setCurrentIndex(
                index,
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )
        finally:
            self.table.setAutoScroll(auto_scroll)
        if scroll:
            self.table.scrollTo(index)
        return True

    def _selection_changed(self, *_args: Any) -> None:
        self._update_actions()
        self.selection_changed.emit(self.selected_row())

    def _filter_changed(self, text: str) -> None:
        self.proxy.set_quick_filter(text)
        self._refresh_empty()

    def total(self) -> int:
        """How many records the list has in all (paged lists: also those not loaded yet)."""
        return self.model.total()

    def _count_in_background(self, source: RowSource) -> None:
        """Count a paged list's rows off the GUI thread; the label says "counting" meanwhile."""
        counter = getattr(source, "counter", None)
        if counter is None or source.total_known():  # type: ignore[attr-defined]
            return
        from crm_desktop.ui import ops

        def counted(total: int) -> None:
            if self.model.source is source:  # not replaced by a newer search meanwhile
                source.set_total(total)  # type: ignore[attr-defined]
                self._show_count()

        ops.run(
            lambda _progress: counter(),
            parent=self,
            show_progress=False,
            on_success=counted,
            on_error=lambda _exc: None,  # the rows are shown; only the total stays unknown
        )

    def _show_count(self) -> None:
        if self.count_text is None:
            return
        known = getattr(self.model.source, "total_known", lambda: True)()
        self.count_label.setText(self.count_text(self.total()) if known else _("Counting…"))

    def _refresh_empty(self) -> None:
        if self.proxy.rowCount():
            self.stack.setCurrentWidget(self.table)
        elif self.model.rowCount():
            self._show_empty(_("Nothing matches “{text}”.").format(text=self.filter.text()))
        else:
            empty = self.empty_text
            self._show_empty(empty() if callable(empty) else empty)

    def _show_empty(self, text: str) -> None:
        self.empty.setText(text)
        self.stack.setCurrentWidget(self.empty)

    # --- remembered column widths ------------------------------------------------------------
    def settings(self) -> QSettings:
        return self._settings if self._settings is not None else QSettings()

    def _widths_key(self) -> str:
        return f"lists/{self.name}/widths"

    def _restore_widths(self) -> None:
        if self._widths_restored:
            return
        self._widths_restored = True
        saved = self.settings().value(self._widths_key())
        if isinstance(saved, str):  # a one-element list comes back as a string
            saved = [saved]
        widths = [int(w) for w in saved] if isinstance(saved, list) else []
        self._restoring = True
        try:
            for section, column in enumerate(self.model.columns):
                width = widths[section] if section < len(widths) else column.width
                if width:
                    self.table.setColumnWidth(section, int(width))
                elif section < len(self.model.columns) - 1:
                    self.table.resizeColumnToContents(section)
                    self.table.setColumnWidth(
                        section, min(max(self.table.columnWidth(section), 60), 320)
                    )
        finally:
            self._restoring = False

    def _remember_widths(self, *_args: Any) -> None:
        if self._restoring or not self._widths_restored:
            return
        header = self.table.horizontalHeader()
        widths = [header.sectionSize(i) for i in range(header.count())]
        self.settings().setValue(self._widths_key(), widths)


def _first_sort(columns: Sequence[Column]) -> ServerSort | None:
    key = next((column.sort_key for column in columns if column.sort_key), None)
    return ServerSort(key) if key else None


def _focus(widget: QWidget) -> None:
    widget.setFocus(Qt.FocusReason.ShortcutFocusReason)
    select_all = getattr(widget, "selectAll", None)
    if callable(select_all):
        select_all()
