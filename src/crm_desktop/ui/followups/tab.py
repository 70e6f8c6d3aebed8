"""The Follow-ups tab: every visit and call in the operator's data scope, newest first.

The demo firm has a million follow-ups, so the list is paged by the service (newest first, the
only order its index walks quickly) and every filter is applied in SQL: salesperson, team,
customer text, method and an inclusive date range. Rows with unread annotations are bold. For
operators who annotate there is a second page, the supervision table.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.core.changes import Changes
from crm_desktop.core.i18n import _, ngettext
from crm_desktop.core.services import followups
from crm_desktop.ui.context import AppContext
from crm_desktop.ui.followups.annotations import AnnotationDialog, open_annotations
from crm_desktop.ui.followups.dialog import (
    FollowUpDialog,
    edit_followup,
    method_choices,
    record_followup,
)
from crm_desktop.ui.followups.supervision import SupervisionView, team_choices
from crm_desktop.ui.widgets import Column, ListAction, RecordListPage
from crm_desktop.ui.widgets.filter_bar import (
    DateRange,
    choice_combo,
    clear_button,
    search_box,
    select,
    signals_blocked,
)
from crm_desktop.ui.widgets.list_export import ListExport
from crm_desktop.ui.widgets.record_table_model import PagedSource, ServerSort, shorten

SEARCH_DELAY_MS = 300
KINDS = ("followups", "annotations", "customers")


def has_unread(row: followups.FollowUpRow) -> bool:
    return row.unread_annotations > 0


def _count(value: int | None) -> str:
    return str(value) if value else ""


def columns() -> list[Column]:
    methods = dict(method_choices())
    return [
        Column("happened_at", _("Date"), "datetime", emphasis=has_unread),
        Column("customer_name", _("Customer"), emphasis=has_unread),
        Column("contact_name", _("Contact")),
        Column("operator_name", _("Salesperson")),
        Column("method", _("Method"), "lookup", lookup=methods),
        Column("subject", _("Subject"), emphasis=has_unread),
        Column("content", _("Content"), formatter=shorten, width=260),
        Column("next_followup_on", _("Next follow-up"), "date"),
        Column("annotations", _("Annotations"), "int", formatter=_count),
        Column("unread_annotations", _("Unread"), "int", formatter=_count, emphasis=has_unread),
    ]


def salesperson_choices(ctx: AppContext) -> list[tuple[int, str]]:
    """The operators whose follow-ups the actor may see (just themselves for own scope)."""
    from crm_desktop.core.services import pool

    return pool.assignable_operators(ctx.db, ctx.actor)


class FollowUpList(QWidget):
    """Filters above the paged list and its actions (record, edit, annotate, open customer)."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.stale = False  # changed while hidden: reload when shown
        self.dialog: FollowUpDialog | AnnotationDialog | None = None  # the last opened (tests)
        self._build_filters()
        can_annotate = ctx.actor.can("followups.annotate")
        self.page = RecordListPage(
            "followups",
            _("Follow-ups"),
            columns(),
            self._source,
            on_new=self.record if ctx.actor.can("followups.create") else None,
            on_edit=self.open_row,
            actions=[
                ListAction(
                    "annotate",
                    _("Annotate…") if can_annotate else _("Annotations…"),
                    self.annotate,
                    tooltip=_("Read the annotations on this follow-up and add one")
                    if can_annotate
                    else _("Read the annotations on this follow-up"),
                ),
                ListAction("customer", _("Open customer"), self.open_customer),
            ],
            empty_text=self._empty_text,
            server_sort=True,
            sort=ServerSort("happened_at", descending=True),  # newest first, the only order
            search_widget=self.search,
            count_text=lambda n: ngettext("{n} follow-up", "{n} follow-ups", n).format(n=f"{n:,}"),
            export=ListExport("followups", ctx, self.current_filter),
        )
        if "new" in self.page.actions_by_key:
            self.page.action("new").setText(_("Record follow-up…"))
            self.page.action("new").setToolTip(_("Record a follow-up (Ctrl+N)"))
        self.page.selection_changed.connect(self._selection_changed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self.filter_bar)
        layout.addWidget(self.page, 1)
        self.page.reload()

    # --- filters -----------------------------------------------------------------------------
    def _build_filters(self) -> None:
        ctx = self.ctx
        self.salesperson = choice_combo(
            "filter_operator", _("All salespeople"), salesperson_choices(ctx)
        )
        self.salesperson.setVisible(self.salesperson.count() > 2)
        self.team = choice_combo("filter_team", _("All teams"), team_choices(ctx))
        self.team.setVisible(self.team.count() > 1)
        self.method = choice_combo("filter_method", _("All methods"), method_choices())
        self.dates = DateRange(
            _("Only follow-ups on or after this day"), _("Only follow-ups on or before this day")
        )
        self.date_from, self.date_to = self.dates.date_from, self.dates.date_to
        self.search, self.search_timer = search_box(
            self,
            _("Customer, subject or content…"),
            self.apply_filters,
            delay_ms=SEARCH_DELAY_MS,
            min_width=None,
            max_width=260,
        )
        for combo in (self.salesperson, self.team, self.method):
            combo.currentIndexChanged.connect(lambda _i: self.apply_filters())
        self.dates.changed.connect(self.apply_filters)

        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        for widget in (self.salesperson, self.team, self.method, self.dates):
            bar.addWidget(widget)
        bar.addWidget(clear_button(self.clear_filters))
        bar.addStretch()
        self.filter_bar = bar

    def current_filter(self) -> followups.FollowUpFilter:
        return followups.FollowUpFilter(
            operator_id=self.salesperson.currentData(),
            team_id=self.team.currentData(),
            method=self.method.currentData(),
            date_from=self.date_from.value(),
            date_to=self.date_to.value(),
            search=self.search.text().strip(),
        )

    def is_filtered(self) -> bool:
        return self.current_filter() != followups.FollowUpFilter()

    def apply_filters(self) -> None:
        self.search_timer.stop()
        self.page.reload(fresh=True)

    def clear_filters(self) -> None:
        self.show_filter(followups.FollowUpFilter())

    def show_filter(self, wanted: followups.FollowUpFilter) -> None:
        """Set every filter widget at once, then read the list once."""
        with signals_blocked([self.salesperson, self.team, self.method, self.search]):
            for combo, value in (
                (self.salesperson, wanted.operator_id),
                (self.team, wanted.team_id),
                (self.method, wanted.method),
            ):
                select(combo, value)
            self.search.setText(wanted.search)
            self.dates.set_value(wanted.date_from, wanted.date_to)
        self.apply_filters()

    def show_day(self, operator_id: int, name: str, day: date) -> None:
        """One person's follow-ups of one day (from the supervision table)."""
        if self.salesperson.findData(operator_id) < 0:  # e.g. someone who has left since
            self.salesperson.addItem(name, operator_id)
        self.show_filter(
            followups.FollowUpFilter(operator_id=operator_id, date_from=day, date_to=day)
        )

    def _empty_text(self) -> str:
        if self.is_filtered():
            return _("No follow-ups match these filters.")
        return _("No follow-ups yet. Record the first with “Record follow-up…” (Ctrl+N).")

    # --- rows --------------------------------------------------------------------------------
    def _source(self, _sort: ServerSort) -> PagedSource:
        wanted = self.current_filter()
        db, actor = self.ctx.db, self.ctx.actor
        return PagedSource(
            lambda offset, limit: followups.list_followups(
                db, actor, wanted, limit=limit, offset=offset
            ),
            lambda: followups.count_followups(db, actor, wanted),
        )

    def may_edit(self, row: followups.FollowUpRow) -> bool:
        """Authors correct their own records; supervisors (annotators) those in their scope."""
        actor = self.ctx.actor
        if row.operator_id == actor.id:
            return actor.can("followups.create")
        return actor.can("followups.annotate")

    def _selection_changed(self, row: followups.FollowUpRow | None) -> None:
        self.page.action("edit").setEnabled(row is not None and self.may_edit(row))

    # --- actions -----------------------------------------------------------------------------
    def record(self) -> FollowUpDialog:
        self.dialog = record_followup(self.ctx, self)
        return self.dialog

    def open_row(self, row: followups.FollowUpRow) -> FollowUpDialog | AnnotationDialog:
        """Enter or double-click: edit a record one may edit, otherwise read it and its notes."""
        if self.may_edit(row):
            self.dialog = edit_followup(self.ctx, self, row.id)
        else:
            self.dialog = open_annotations(self.ctx, self, row.id)
        return self.dialog

    def annotate(self, row: followups.FollowUpRow) -> AnnotationDialog:
        dialog = open_annotations(self.ctx, self, row.id)
        self.dialog = dialog
        return dialog

    def open_customer(self, row: followups.FollowUpRow) -> Any:
        from crm_desktop.ui.customers.detail import open_customer

        return open_customer(self.ctx, self, row.customer_id)


class FollowUpsTab(QWidget):
    """The list, and for annotators a second page with the supervision table."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.list = FollowUpList(ctx)
        self.supervision: SupervisionView | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        if ctx.actor.can("followups.annotate"):
            self.pages = QTabWidget()
            self.pages.setObjectName("followupPages")
            self.pages.setDocumentMode(True)
            self.supervision = SupervisionView(ctx)
            self.supervision.open_day.connect(self._open_day)
            self.pages.addTab(self.list, _("Follow-ups"))
            self.pages.addTab(self.supervision, _("Supervision"))
            self.pages.currentChanged.connect(lambda _i: self._reload_stale())
            layout.addWidget(self.pages)
        else:
            layout.addWidget(self.list)

    @property
    def page(self) -> RecordListPage:
        return self.list.page

    def show_supervision(self) -> None:
        if self.supervision is not None:
            self.pages.setCurrentWidget(self.supervision)

    def _open_day(self, operator_id: int, name: str, day: date) -> None:
        self.pages.setCurrentWidget(self.list)
        self.list.show_day(operator_id, name, day)

    def refresh(self, changes: Changes) -> None:
        """Reload when follow-ups, annotations or customer names changed; later if hidden."""
        if not changes.touches(*KINDS):
            return
        self.list.stale = True
        if self.supervision is not None and changes.touches("followups"):
            self.supervision.stale = True
        if self.isVisible():
            self._reload_stale()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._reload_stale()

    def _reload_stale(self) -> None:
        if self.list.stale and self.list.isVisible():
            self.list.stale = False
            self.list.page.reload()
        if self.supervision is not None and self.supervision.stale and self.supervision.isVisible():
            self.supervision.reload()
