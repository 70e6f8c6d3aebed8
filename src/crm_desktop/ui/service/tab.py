"""The Service tab: every service request in the operator's data scope, newest accepted first.

A paged list sorted by the service (`service_records.list_service_records`), filtered in SQL by
status ("open ones" = open or in progress), priority, category, handler, the accepted day range and
a search over subject and customer. High priority is shown bold in the priority column; a request
still open three days after it was accepted is marked in its time and status columns, so what is
late stands out. The toolbar moves a record along its life (Start, Resolve…, Close…, Reopen) for
operators with `service.edit`; closing asks the customer's satisfaction (1 to 5, required for a
complaint, see `service_records`) and a comment. "Escalated to me" lists the complaints the
escalation rule sent to the operator (`escalation.py`); the kind and who a complaint was
escalated to are the last two columns. Every change announces `service` and reloads the list.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.core.changes import Changes
from crm_desktop.core.i18n import NC_, _, ngettext
from crm_desktop.core.models import BaseDataKind, ServiceStatus
from crm_desktop.core.services import service_records
from crm_desktop.core.services.service_records import DONE, ServiceFilter, ServiceRow
from crm_desktop.ui.choices import base_data_choices
from crm_desktop.ui.context import AppContext
from crm_desktop.ui.service.dialog import (
    ServiceRecordDialog,
    handler_choices,
    kind_choices,
    new_service_record,
    open_service_record,
    priority_choices,
    satisfaction_choices,
    status_choices,
)
from crm_desktop.ui.widgets import Column, ListAction, RecordListPage
from crm_desktop.ui.widgets.filter_bar import (
    DateRange,
    choice_combo,
    clear_button,
    fill_choices,
    search_box,
    select,
    signals_blocked,
)
from crm_desktop.ui.widgets.list_export import ListExport
from crm_desktop.ui.widgets.record_table_model import PagedSource, ServerSort, service_pages

SEARCH_DELAY_MS = 300
KINDS = ("service", "customers")  # customer names show in the list
OVERDUE_AFTER = timedelta(days=3)  # an open request older than this is late
OPEN_ONES = "open_ones"  # the status filter's "open or in progress" entry


def ask_result(parent: QWidget | None, current: str) -> str | None:
    """What was done to resolve the request, or None when the person cancels (tests replace
    this)."""
    text, ok = QInputDialog.getMultiLineText(
        parent, _("Resolve service record"), _("Result (what was done):"), current
    )
    return text.strip() if ok else None


class SatisfactionDialog(QDialog):
    """Closing a record: how satisfied the customer was (1 to 5) and what they said."""

    def __init__(
        self, parent: QWidget | None, required: bool, score: int | None, comment: str
    ) -> None:
        super().__init__(parent)
        self.setObjectName("satisfactionDialog")
        self.setWindowTitle(_("Close service record"))
        self.score = QComboBox()
        self.score.setObjectName("field_satisfaction")
        if not required:
            self.score.addItem(_("(not rated)"), None)
        for value, stars in satisfaction_choices():
            self.score.addItem(stars, value)
        index = self.score.findData(score)
        self.score.setCurrentIndex(max(index, 0) if score is not None else 0)
        self.comment = QLineEdit(comment)
        self.comment.setObjectName("field_satisfaction_comment")
        self.comment.setMaxLength(300)
        self.comment.setPlaceholderText(_("What the customer said (optional)"))
        form = QFormLayout(self)
        hint = _("A complaint is closed with the customer's satisfaction.") if required else ""
        if hint:
            form.addRow(QLabel(hint))
        form.addRow(_("Satisfaction") + (" *" if required else ""), self.score)
        form.addRow(_("Comment"), self.comment)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("Close record"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def answer(self) -> tuple[int | None, str]:
        return self.score.currentData(), self.comment.text().strip()


def ask_satisfaction(
    parent: QWidget | None, required: bool, score: int | None, comment: str
) -> tuple[int | None, str] | None:
    """The score and comment, or None when the person cancels (tests replace this)."""
    dialog = SatisfactionDialog(parent, required, score, comment)
    return dialog.answer() if dialog.exec() == QDialog.DialogCode.Accepted else None


class ServiceTab(QWidget):
    """Filters above the paged list of service records and the actions on the selected one."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.dialog: ServiceRecordDialog | None = None  # the last opened (tests)
        self._announced: Changes | None = None
        self._late_before = ctx.db.clock.now() - OVERDUE_AFTER
        self._build_filters()
        self.page = RecordListPage(
            "service",
            _("Service records"),
            self._columns(),
            self._source,
            on_new=self.new_record if ctx.actor.can("service.create") else None,
            on_edit=self.open_record,
            actions=self._actions(),
            empty_text=self._empty_text,
            server_sort=True,
            sort=ServerSort("accepted_at", descending=True),
            search_widget=self.search,
            count_text=lambda n: ngettext("{n} service record", "{n} service records", n).format(
                n=f"{n:,}"
            ),
            bars=[self.filter_bar],
            export=ListExport("service", ctx, self.current_filter),
        )
        if not ctx.actor.can("service.edit"):
            self.page.action("edit").setText(_("Open"))
            self.page.action("edit").setToolTip(_("Read the record (Enter)"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.page)
        self.page.reload()

    # --- the list ----------------------------------------------------------------------------
    def _columns(self) -> list[Column]:
        em = self.fontMetrics().horizontalAdvance("0")
        statuses = dict(status_choices())
        priorities = dict(priority_choices())

        def column(key: str, title: str, chars: int, **options: Any) -> Column:
            return Column(key, title, width=em * chars + 16, **options)

        return [
            column(
                "accepted_at",
                _("Accepted at"),
                17,
                kind="datetime",
                sort_key="accepted_at",
                emphasis=self.is_late,
            ),
            column("customer_name", _("Customer"), 26, sort_key="customer"),
            column("subject", _("Subject"), 30, sort_key="subject"),
            column("category_name", _("Category"), 12, sort_key="category"),
            column("handler_name", _(NC_("service", "Handler")), 10, sort_key="handler"),
            column(
                "priority",
                _("Priority"),
                8,
                kind="lookup",
                lookup=priorities,
                sort_key="priority",
                emphasis=is_urgent,
            ),
            column(
                "status",
                _("Status"),
                10,
                kind="lookup",
                lookup=statuses,
                sort_key="status",
                emphasis=self.is_late,
            ),
            column("resolved_at", _("Resolved at"), 17, kind="datetime", sort_key="resolved_at"),
            column("kind", _("Kind"), 8, kind="lookup", lookup=dict(kind_choices())),
            column("escalated_to_name", _("Escalated to"), 10, emphasis=is_escalated_open),
        ]

    def is_late(self, row: ServiceRow) -> bool:
        """Still open (or in progress) three days after it was accepted."""
        accepted: datetime = row.accepted_at
        return row.status not in DONE and accepted < self._late_before

    def _source(self, sort: ServerSort) -> PagedSource:
        db, actor, wanted = self.ctx.db, self.ctx.actor, self.current_filter()
        self._late_before = db.clock.now() - OVERDUE_AFTER
        return service_pages(
            service_records.list_service_records,
            service_records.count_service_records,
            db,
            actor,
            wanted,
            sort,
        )

    def _empty_text(self) -> str:
        if self.current_filter() != ServiceFilter():
            return _("No service record matches these filters.")
        if self.ctx.actor.can("service.create"):
            return _("No service records yet. Press Ctrl+N to record the first request.")
        return _("No service records yet.")

    def refresh(self, changes: Changes) -> None:
        """Reload when service records (or customer names) changed; later if hidden."""
        if changes is self._announced:
            return
        if changes.touches("base_data"):
            fill_choices(
                self.category, base_data_choices(self.ctx, BaseDataKind.SERVICE_CATEGORY)()
            )
        if changes.touches("operators"):
            fill_choices(self.handler, handler_choices(self.ctx))
        if changes.touches(*KINDS):
            self.page.reload_when_shown()

    # --- filters -----------------------------------------------------------------------------
    def _build_filters(self) -> None:
        ctx = self.ctx
        statuses = [(OPEN_ONES, _("Open ones")), *status_choices()]
        self.status = choice_combo("filter_status", _("All statuses"), statuses)
        self.status.setToolTip(_("“Open ones” are those open or in progress"))
        self.priority = choice_combo("filter_priority", _("All priorities"), priority_choices())
        self.category = choice_combo(
            "filter_category",
            _("All categories"),
            base_data_choices(ctx, BaseDataKind.SERVICE_CATEGORY)(),
        )
        self.handler = choice_combo(
            "filter_handler", _(NC_("service", "All handlers")), handler_choices(ctx)
        )
        self.handler.setVisible(self.handler.count() > 2)  # not for someone who sees only own
        self.dates = DateRange(
            _("Only requests accepted on or after this day"),
            _("Only requests accepted on or before this day"),
            label=_("Accepted from"),
            max_width=self.fontMetrics().horizontalAdvance("0000-00-00") + 90,
        )
        self.date_from, self.date_to = self.dates.date_from, self.dates.date_to
        self.search, self.search_timer = search_box(
            self, _("Subject or customer…"), self.apply_filters, delay_ms=SEARCH_DELAY_MS
        )
        for combo in self.combos():
            combo.currentIndexChanged.connect(lambda _index: self.apply_filters())
        self.dates.changed.connect(self.apply_filters)
        self.escalated = QCheckBox(_("Escalated to me"))
        self.escalated.setObjectName("filter_escalated")
        self.escalated.setToolTip(_("Complaints left open too long and sent to you"))
        self.escalated.toggled.connect(lambda _on: self.apply_filters())

        self.filter_bar = QWidget()
        bar = QHBoxLayout(self.filter_bar)
        bar.setContentsMargins(0, 0, 0, 0)
        widgets = (*self.combos(), self.escalated, self.dates, clear_button(self.clear_filters))
        for widget in widgets:
            bar.addWidget(widget)
        bar.addStretch()

    def combos(self) -> tuple[QComboBox, ...]:
        return (self.status, self.priority, self.category, self.handler)

    def current_filter(self) -> ServiceFilter:
        status = self.status.currentData()
        return ServiceFilter(
            search=self.search.text().strip(),
            status=None if status == OPEN_ONES else status,
            open_only=status == OPEN_ONES,
            priority=self.priority.currentData(),
            category_id=self.category.currentData(),
            handler_id=self.handler.currentData(),
            date_from=self.date_from.value(),
            date_to=self.date_to.value(),
            escalated_to_id=self.ctx.actor.id if self.escalated.isChecked() else None,
        )

    def apply_filters(self) -> None:
        self.search_timer.stop()
        self.page.reload(fresh=True)

    def clear_filters(self) -> None:
        self.show_filter(ServiceFilter())

    def show_filter(self, wanted: ServiceFilter) -> None:
        """Set every filter widget at once, then read the list once."""
        with signals_blocked([*self.combos(), self.search, self.escalated]):
            self.escalated.setChecked(wanted.escalated_to_id == self.ctx.actor.id)
            status = OPEN_ONES if wanted.open_only else wanted.status
            values = (status, wanted.priority, wanted.category_id, wanted.handler_id)
            for combo, value in zip(self.combos(), values, strict=True):
                select(combo, value)
            self.search.setText(wanted.search)
            self.dates.set_value(wanted.date_from, wanted.date_to)
        self.apply_filters()

    # --- actions -----------------------------------------------------------------------------
    def _actions(self) -> list[ListAction]:
        actions = []
        if self.ctx.actor.can("service.edit"):
            actions += [
                ListAction(
                    "start",
                    _("Start"),
                    lambda row: self.set_status(row, ServiceStatus.IN_PROGRESS),
                    enabled=lambda row: row.status == ServiceStatus.OPEN,
                    tooltip=_("Someone is working on it now"),
                ),
                ListAction(
                    "resolve",
                    _("Resolve…"),
                    self.resolve,
                    enabled=lambda row: row.status not in DONE,
                    tooltip=_("Record the result and mark it resolved"),
                ),
                ListAction(
                    "close",
                    _("Close…"),
                    self.close_record,
                    enabled=lambda row: row.status != ServiceStatus.CLOSED,
                    tooltip=_("Nothing more to do: record the customer's satisfaction"),
                ),
                ListAction(
                    "reopen",
                    _("Reopen"),
                    lambda row: self.set_status(row, ServiceStatus.OPEN),
                    enabled=lambda row: row.status in DONE,
                    tooltip=_("The problem is back: open the record again"),
                ),
            ]
        actions.append(ListAction("customer", _("Open customer"), self.open_customer))
        return actions

    def new_record(self) -> ServiceRecordDialog:
        self.dialog = new_service_record(self.ctx, self)
        return self.dialog

    def open_record(self, row: ServiceRow) -> ServiceRecordDialog:
        self.dialog = open_service_record(self.ctx, self, row.id)
        return self.dialog

    def open_customer(self, row: ServiceRow) -> Any:
        from crm_desktop.ui.customers.detail import open_customer

        return open_customer(self.ctx, self, row.customer_id)

    def set_status(self, row: ServiceRow, status: str, result: str | None = None) -> None:
        service_records.set_service_status(
            self.ctx.db, self.ctx.actor, row.id, row.version, status, result
        )
        self._announce()

    def resolve(self, row: ServiceRow) -> None:
        current = service_records.get_service_record(self.ctx.db, self.ctx.actor, row.id)
        result = ask_result(self, current.get("result") or "")
        if result is None:
            return
        self.set_status(row, ServiceStatus.RESOLVED, result)

    def close_record(self, row: ServiceRow) -> None:
        """Ask the satisfaction (required for a complaint), then close the record."""
        current = service_records.get_service_record(self.ctx.db, self.ctx.actor, row.id)
        required = service_records.needs_score(current["kind"], ServiceStatus.CLOSED)
        answer = ask_satisfaction(
            self, required, current.get("satisfaction"), current.get("satisfaction_comment") or ""
        )
        if answer is None:
            return
        score, comment = answer
        service_records.set_service_status(
            self.ctx.db,
            self.ctx.actor,
            row.id,
            row.version,
            ServiceStatus.CLOSED,
            satisfaction=score,
            comment=comment,
        )
        self._announce()

    def _announce(self) -> None:
        self.page.reload()
        self._announced = Changes.of("service")
        try:
            self.ctx.notify(self._announced)
        finally:
            self._announced = None


def is_urgent(row: ServiceRow) -> bool:
    return row.priority == 1 and row.status not in DONE


def is_escalated_open(row: ServiceRow) -> bool:
    return row.escalated_at is not None and row.status not in DONE
