"""What the orders and quotes pages share: the filter bar, the paged list, status moves, printing.

Both lists are server-sorted and paged (`RecordListPage` over `PagedSource`); the bar above them
filters by text, status, salesperson and a date range, plus the page's own tick boxes (outstanding
only, archived, all revisions). A page describes its columns, filter and actions; this class does
the rest: reload on the kinds it shows (later if hidden), announce its own changes, ask before a
status move that cannot be undone, and open the print preview.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.core.changes import Changes
from crm_desktop.core.errors import CrmError
from crm_desktop.core.exporting.lists import EXPORT_KINDS
from crm_desktop.core.i18n import _
from crm_desktop.core.models import DocumentStatus
from crm_desktop.core.services import pool
from crm_desktop.core.services.sales_common import STATUS_LABELS, status_label
from crm_desktop.ui.context import AppContext
from crm_desktop.ui.messages import show_info
from crm_desktop.ui.sales.document_dialog import open_document
from crm_desktop.ui.widgets import Column, ListAction, RecordListPage, prompts
from crm_desktop.ui.widgets.filter_bar import (
    DateRange,
    choice_combo,
    clear_button,
    fill_choices,
    search_box,
    signals_blocked,
)
from crm_desktop.ui.widgets.list_export import ListExport
from crm_desktop.ui.widgets.record_table_model import PagedSource, Row, ServerSort, service_pages


def status_column(title: str, width: int | None = None) -> Column:
    return Column("status", title, formatter=status_label, sort_key="status", width=width)


def money_column(key: str, title: str, **options: Any) -> Column:
    return Column(key, title, "money", **options)


class DocumentFilterBar(QWidget):
    """Search, status, salesperson, from/to dates (unless `dates` is False) and the page's tick
    boxes.

    `checks` are (key, text, tooltip); `value()` gives a dict of every filter by its filter
    dataclass field name, so a page builds its filter with `Filter(**bar.value())`.
    """

    changed = Signal()

    def __init__(
        self,
        ctx: AppContext,
        statuses: Sequence[str],
        *,
        placeholder: str,
        checks: Sequence[tuple[str, str, str]] = (),
        dates: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.search, self.timer = search_box(self, placeholder, self._emit)
        self.status = choice_combo(
            "filter_status",
            _("All statuses"),
            [(str(status), _(STATUS_LABELS[status])) for status in statuses],
        )
        self.salesperson = choice_combo("filter_salesperson", _("All salespeople"))
        self.dates = (
            DateRange(
                _("Only documents on or after this day"), _("Only documents on or before this day")
            )
            if dates
            else None
        )
        self.checks: dict[str, QCheckBox] = {}
        for key, text, tooltip in checks:
            box = QCheckBox(text)
            box.setObjectName(f"filter_{key}")
            box.setToolTip(tooltip)
            box.toggled.connect(lambda _on: self._emit())
            self.checks[key] = box
        for combo in (self.status, self.salesperson):
            combo.currentIndexChanged.connect(lambda _i: self._emit())
        self.reload_choices()

        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.status)
        row.addWidget(self.salesperson)
        if self.dates is not None:
            self.dates.changed.connect(self._emit)
            row.addWidget(self.dates)
        for box in self.checks.values():
            row.addWidget(box)
        row.addWidget(clear_button(self.clear))
        row.addStretch()

    def reload_choices(self) -> None:
        """The salespeople the operator may see; hidden when that is only themselves."""
        try:
            people = pool.assignable_operators(self.ctx.db, self.ctx.actor)
        except CrmError:
            people = []
        fill_choices(self.salesperson, people)
        self.salesperson.setVisible(len(people) > 1)

    def _emit(self) -> None:
        self.timer.stop()
        self.changed.emit()

    def value(self) -> dict[str, Any]:
        values: dict[str, Any] = {
            "search": self.search.text().strip(),
            "status": self.status.currentData(),
            "salesperson_id": self.salesperson.currentData(),
        }
        if self.dates is not None:
            values["date_from"], values["date_to"] = self.dates.value()
        values.update({key: box.isChecked() for key, box in self.checks.items()})
        return values

    def is_filtered(self) -> bool:
        return any(value not in (None, "", False) for value in self.value().values())

    def clear(self) -> None:
        """Every filter off, then one query."""
        with signals_blocked([self.search, self.status, self.salesperson, *self.checks.values()]):
            self.search.clear()
            self.status.setCurrentIndex(0)
            self.salesperson.setCurrentIndex(0)
            if self.dates is not None:
                self.dates.set_value(None, None)
            for box in self.checks.values():
                box.setChecked(False)
        self._emit()


class DocumentListPage(QWidget):
    """A filter bar over a paged, server-sorted list of documents with toolbar actions.

    Subclasses set `KINDS` (the Changes kinds that reload the list), `PRINT_KIND` and implement
    `columns`, `make_filter`, `fetch`, `count`, `actions` and the texts.
    """

    KINDS: tuple[str, ...] = ()
    PRINT_KIND = ""
    LIST_NAME = ""  # also the Changes kind a save announces
    DIALOG_KIND: Any = None  # document_dialog's QUOTE or ORDER for the shared editor
    PLAN_OF = ""  # "order_id" or "contract_id": whose payment plan the action opens

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.dialog: QWidget | None = None  # the window opened last (tests look at it)
        self.printing: Any = None  # the print preview being prepared (an ops.Operation)
        self._announced: Changes | None = None
        self.bar = self.make_bar()
        self.bar.changed.connect(self.apply_filter)
        self.page = RecordListPage(
            self.LIST_NAME,
            self.title(),
            self.columns(),
            self._load,
            server_sort=True,
            sort=self.first_sort(),
            search_widget=self.bar.search,
            count_text=self.count_text,
            on_new=self.new_document if self.may_create() else None,
            on_edit=self.open_document,
            actions=self.actions(),
            empty_text=self._empty_text,
            muted=self.muted,
            bars=[self.bar],
            export=ListExport(self.LIST_NAME, ctx, self.make_filter)
            if self.LIST_NAME in EXPORT_KINDS  # orders and quotes (not contracts)
            else None,
        )
        self.page.selection_changed.connect(self.selection_changed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.page)
        self.page.reload()

    # --- what a page describes ---------------------------------------------------------------
    def make_bar(self) -> DocumentFilterBar:
        raise NotImplementedError

    def title(self) -> str:
        raise NotImplementedError

    def columns(self) -> list[Column]:
        raise NotImplementedError

    def first_sort(self) -> ServerSort:
        raise NotImplementedError

    def make_filter(self) -> Any:
        raise NotImplementedError

    def queries(self) -> tuple[Callable[..., Sequence[Row]], Callable[..., int]]:
        """The service's list and count functions, e.g. (list_orders, count_orders)."""
        raise NotImplementedError

    def count_text(self, total: int) -> str:
        raise NotImplementedError

    def empty_texts(self) -> tuple[str, str]:
        """(when filtered, when there is nothing yet)."""
        raise NotImplementedError

    def actions(self) -> list[ListAction]:
        return []

    def may_create(self) -> bool:
        return False

    def new_document(self, customer_id: int | None = None) -> None:
        self.dialog = open_document(
            self.ctx, self, self.DIALOG_KIND, customer_id=customer_id, on_saved=self.saved
        )

    def open_document(self, row: Row) -> None:
        self.dialog = open_document(self.ctx, self, self.DIALOG_KIND, row.id, on_saved=self.saved)

    def saved(self, record_id: Any) -> None:
        """After the dialog saved: reload, select the record, tell the other tabs."""
        self.announce(self.LIST_NAME, select=record_id if isinstance(record_id, int) else None)

    def muted(self, row: Row) -> bool:
        return bool(getattr(row, "archived", False))

    def is_archived(self, row: Row) -> bool:
        """Hook: an archived row takes no status move."""
        return False

    def selection_changed(self, row: Row | None) -> None:
        """Hook: relabel actions for the selected row."""

    # --- the list ----------------------------------------------------------------------------
    def chars(self, count: int) -> int:
        """A column width of `count` characters of the current font (no measuring of rows)."""
        return self.fontMetrics().horizontalAdvance("0") * count + 16

    def _load(self, sort: ServerSort) -> PagedSource:
        list_rows, count_rows = self.queries()
        return service_pages(
            list_rows, count_rows, self.ctx.db, self.ctx.actor, self.make_filter(), sort
        )

    def _empty_text(self) -> str:
        filtered, nothing = self.empty_texts()
        return filtered if self.bar.is_filtered() else nothing

    def apply_filter(self) -> None:
        self.page.reload(fresh=True)

    def rows(self) -> list[Row]:
        return self.page.rows()

    def show_record(self, record_id: int) -> bool:
        """Clear the filters and select the record (e.g. an order just made from a quote)."""
        self.bar.clear()
        if not self.page.select_key(record_id):
            return False
        self.page.table.setFocus()
        return True

    def refresh(self, changes: Changes) -> None:
        """Reload on the kinds this list shows (not a change it just announced itself)."""
        if changes is self._announced:
            return
        if changes.touches("operators"):
            self.bar.reload_choices()
        if changes.touches(*self.KINDS):
            self.page.reload_when_shown()

    def announce(self, *kinds: str, select: int | None = None) -> None:
        """Reload now (selecting `select`) and tell the other tabs what changed."""
        self.page.reload()
        if select is not None:
            self.page.select_key(select)
        self._announced = Changes.of(*kinds)
        try:
            self.ctx.notify(self._announced)
        finally:
            self._announced = None

    # --- shared actions ----------------------------------------------------------------------
    def status_is(self, *statuses: str) -> Callable[[Row], bool]:
        """Enabled for a row in one of `statuses` that is not archived."""
        return lambda row: row.status in statuses and not self.is_archived(row)

    def status_action(
        self, key: str, text: str, status: str, when: Sequence[str], tooltip: str = ""
    ) -> ListAction:
        """Move the row to `status`; offered for rows in one of the `when` statuses."""
        return ListAction(
            key,
            text,
            lambda row: self.set_status(row, status),
            enabled=self.status_is(*when),
            tooltip=tooltip,
        )

    def set_status(self, row: Row, status: str) -> None:
        raise NotImplementedError

    def print_action(self, tooltip: str) -> ListAction:
        return ListAction(
            "print",
            _("Print preview"),
            self.print_preview,
            shortcut=QKeySequence.StandardKey.Print,
            tooltip=tooltip,
        )

    def payment_plan_action(self) -> ListAction:
        return ListAction(
            "payment_plan",
            _("Payment plan…"),
            self.payment_plan,
            enabled=lambda row: row.status != DocumentStatus.CANCELLED,
            tooltip=_("Instalments and their due dates"),
        )

    def payment_plan(self, row: Row) -> None:
        """The instalments of the row (the dialog saves and announces them itself)."""
        from crm_desktop.ui.receipts import payment_plan_dialog

        self.dialog = payment_plan_dialog.open_payment_plan(
            self.ctx, self, **{self.PLAN_OF: row.id}
        )

    def move_status(
        self,
        row: Row,
        status: str,
        change: Callable[[], None],
        question: str | None = None,
        *kinds: str,
    ) -> None:
        """Ask (if the move needs asking), make it, reload and announce."""
        if question is not None and not prompts.confirm(self, _("Change status"), question):
            return
        change()
        self.announce(*(kinds or self.KINDS[:1]))

    def print_preview(self, row: Row) -> None:
        try:
            from crm_desktop.ui.documents.preview import open_preview
        except ImportError:
            show_info(self, _("Print preview"), _("Printing is not available in this version."))
            return
        self.printing = open_preview(self, self.ctx, self.PRINT_KIND, row.number)
