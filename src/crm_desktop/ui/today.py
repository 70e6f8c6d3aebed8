"""The Today tab, opened at login: what needs the salesperson's attention now.

Short lists from one `today_queue` call: customers whose next follow-up is due or overdue
(overdue ones in red), own customers about to return to the public pool, unread annotations
from managers, own customers' unpaid instalments past due, and their signed contracts ending
within 30 days. Double-click opens the customer (or the annotation); the lists refresh whenever
the kinds of records they show change.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSplitter, QVBoxLayout, QWidget

from crm_desktop.core.clock import local_today
from crm_desktop.core.errors import CrmError
from crm_desktop.core.i18n import _, ngettext
from crm_desktop.core.money import format_money
from crm_desktop.core.services import calendar, today
from crm_desktop.ui.context import AppContext
from crm_desktop.ui.widgets import Column, ListAction, RecordListPage
from crm_desktop.ui.widgets.lazy_tab import LazyTab
from crm_desktop.ui.widgets.record_table_model import local_time, shorten

KINDS = (
    "followups",
    "customers",
    "annotations",
    "pool_rules",
    "orders",
    "receipts",
    "payment_plans",
    "contracts",
    "appointments",
    "service",
)


def overdue_text(days: int) -> str:
    if days <= 0:
        return _("Due today")
    return ngettext("{n} day overdue", "{n} days overdue", days).format(n=days)


def is_overdue(row: today.DueCustomer) -> bool:
    return row.overdue_days > 0


def days_left_text(days: int) -> str:
    if days <= 0:
        return _("Ends today")
    return ngettext("{n} day left", "{n} days left", days).format(n=days)


def ends_within_a_week(row: today.ExpiringContract) -> bool:
    return row.days_left <= 7


class TodayTab(LazyTab):
    """Due and overdue customers, customers returning to the pool, unread annotations,
    overdue instalments and contracts ending soon."""

    reload_kinds = KINDS

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.stale = False
        self.queue = today.TodayQueue()
        self.error: CrmError | None = None
        self.dialog: Any = None  # the last dialog opened (tests)

        self.heading = QLabel()
        self.heading.setObjectName("todayHeading")
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.heading.setFont(font)
        self.summary = QLabel()
        self.summary.setObjectName("todaySummary")

        self.appointments: list[calendar.AgendaItem] = []
        self.escalated = 0  # open complaints escalated to this operator
        self.agenda = self._page(
            "today_appointments",
            _("Appointments and tasks"),
            [
                Column("starts_at", _("Time"), formatter=hour_minute, width=70),
                Column("kind", _("Type"), formatter=calendar.kind_label, width=90),
                Column("title", _(calendar.TITLE_LABEL), formatter=shorten),
                Column("customer_name", _("Customer")),
                Column("place", _("Place")),
                Column("done", _("Done"), formatter=lambda done: "✓" if done else "", width=60),
            ],
            lambda: self.appointments,
            key="id",
            empty=_("No appointments today."),
            on_open=self.open_appointment,
        )
        self.due = self._page(
            "today_due",
            _("Follow-ups due"),
            [
                Column("customer_name", _("Customer"), emphasis=is_overdue),
                Column("next_followup_on", _("Due on"), "date", emphasis=is_overdue),
                Column(
                    "overdue_days",
                    _("Status"),
                    formatter=overdue_text,
                    emphasis=is_overdue,
                    width=140,  # "12 days overdue": sized before the rows arrive
                ),
                Column("last_followup_at", _("Last follow-up"), "datetime"),
                Column("next_action", _("Planned"), formatter=shorten),
            ],
            lambda: self.queue.due,
            key="customer_id",
            empty=_("Nothing due today."),
            on_open=self.open_customer,
            actions=self._due_actions(),
        )
        self.returning = self._page(
            "today_returning",
            _("Returning to the public pool"),
            [
                Column("name", _("Customer")),
                Column("returns_on", _("Returns on"), "date", emphasis=lambda _row: True),
                Column("idle_since", _("Idle since"), "date"),
                Column("reason", _("Why")),
            ],
            lambda: self.queue.returning,
            key="customer_id",
            empty=_("No customers are about to return to the pool."),
            on_open=self.open_customer,
        )
        self.annotations = self._page(
            "today_annotations",
            _("Unread annotations"),
            [
                Column("at", _("When"), "datetime"),
                Column("author_name", _("Annotated by"), width=110),
                Column("customer_name", _("Customer")),
                Column("body", _("Annotation"), formatter=shorten),
            ],
            lambda: self.queue.annotations,
            key="annotation_id",
            empty=_("No unread annotations."),
            on_open=self.open_annotation,
            actions=[
                ListAction("customer", _("Open customer"), self.open_customer),
            ],
        )
        self.overdue = self._page(
            "today_overdue",
            _("Overdue instalments"),
            [
                Column("customer_name", _("Customer"), width=240),
                Column("document_number", _("Document"), width=140),
                Column("due_on", _("Due on"), "date", emphasis=lambda _row: True, width=100),
                Column(
                    "overdue_days",
                    _("Status"),
                    formatter=overdue_text,
                    emphasis=lambda _row: True,
                    width=140,
                ),
                Column("outstanding", _("Outstanding"), "money"),
            ],
            lambda: self.queue.overdue,
            key="customer_id",
            empty=_("No instalments are overdue."),
            on_open=self.open_customer,
        )
        self.expiring = self._page(
            "today_expiring",
            _("Contracts ending soon"),
            [
                Column("customer_name", _("Customer"), width=240),
                Column("number", _("Contract"), width=140),
                Column("title", _("Contract title"), formatter=shorten, width=200),
                Column("end_on", _("Ends on"), "date", emphasis=ends_within_a_week, width=100),
                Column(
                    "days_left",
                    _("Status"),
                    formatter=days_left_text,
                    emphasis=ends_within_a_week,
                    width=110,
                ),
                Column("amount", _("Amount"), "money"),
            ],
            lambda: self.queue.expiring,
            key="contract_id",
            empty=_("No contracts end in the next 30 days."),
            on_open=self.open_customer,
        )
        self.splitter = splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.setChildrenCollapsible(False)
        for page in self.pages:
            splitter.addWidget(page)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.heading)
        layout.addWidget(self.summary)
        layout.addWidget(splitter, 1)
        self.reload()

    @property
    def pages(self) -> tuple[RecordListPage, ...]:
        return (
            self.agenda,
            self.due,
            self.returning,
            self.annotations,
            self.overdue,
            self.expiring,
        )

    def _lists(self) -> tuple[Sequence[Any], ...]:
        queue = self.queue
        return (
            self.appointments,
            queue.due,
            queue.returning,
            queue.annotations,
            queue.overdue,
            queue.expiring,
        )

    def _page(
        self,
        name: str,
        title: str,
        columns: list[Column],
        rows: Callable[[], Sequence[Any]],
        *,
        key: str,
        empty: str,
        on_open: Callable[[Any], Any],
        actions: Sequence[ListAction] = (),
    ) -> RecordListPage:
        page = RecordListPage(
            name,
            title,
            columns,
            lambda: self._rows(rows),
            on_edit=on_open,
            actions=actions,
            empty_text=empty,
            key=key,
        )
        page.action("edit").setText(_("Open"))
        page.action("edit").setToolTip(_("Open (Enter or double-click)"))
        page.set_action_visible("refresh", False)  # F5 refreshes the whole window
        page.filter.hide()  # short lists: nothing to filter
        return page

    def _rows(self, rows: Callable[[], Sequence[Any]]) -> Sequence[Any]:
        if self.error is not None:
            raise self.error
        return rows()

    def _due_actions(self) -> list[ListAction]:
        if not self.ctx.actor.can("followups.create"):
            return []
        return [ListAction("record", _("Record follow-up…"), self.record_followup)]

    # --- loading -----------------------------------------------------------------------------
    def reload(self) -> None:
        """Read the queue once and show its parts."""
        self.stale = False
        try:
            self.queue = today.today_queue(self.ctx.db, self.ctx.actor)
            self.appointments = todays_appointments(self.ctx)
            self.escalated = escalated_to_me(self.ctx)
            self.error = None
        except CrmError as exc:
            self.queue = today.TodayQueue()
            self.appointments = []
            self.escalated = 0
            self.error = exc
        for page in self.pages:
            page.reload()
        self._show_summary()
        self._share_height()

    def _share_height(self) -> None:
        """Give the height to the sections with rows; an empty one keeps room for its message."""
        counts = [len(rows) for rows in self._lists()]
        total = max(self.splitter.height(), 600)
        weights = [min(count, 12) + 2 for count in counts]
        self.splitter.setSizes([total * w // sum(weights) for w in weights])

    def _show_summary(self) -> None:
        day = local_today(self.ctx.db.clock)
        self.heading.setText(_("Today, {date}").format(date=day.isoformat()))
        queue = self.queue
        overdue = sum(1 for row in queue.due if row.overdue_days > 0)
        if self.error is not None:
            text = self.error.message
        elif not any(self._lists()):
            text = _("Nothing due today. All caught up.")
        else:
            parts = [
                ngettext(
                    "{n} customer to follow up", "{n} customers to follow up", len(queue.due)
                ).format(n=len(queue.due)),
                ngettext("{n} overdue", "{n} overdue", overdue).format(n=overdue),
                ngettext(
                    "{n} returning to the pool", "{n} returning to the pool", len(queue.returning)
                ).format(n=len(queue.returning)),
                ngettext(
                    "{n} unread annotation", "{n} unread annotations", len(queue.annotations)
                ).format(n=len(queue.annotations)),
            ]
            if queue.overdue:
                owed = sum((row.outstanding for row in queue.overdue), Decimal("0.00"))
                parts.append(
                    ngettext(
                        "{n} overdue instalment ({amount})",
                        "{n} overdue instalments ({amount})",
                        len(queue.overdue),
                    ).format(n=len(queue.overdue), amount=format_money(owed))
                )
            if queue.expiring:
                parts.append(
                    ngettext(
                        "{n} contract ending soon", "{n} contracts ending soon", len(queue.expiring)
                    ).format(n=len(queue.expiring))
                )
            text = _(", ").join(parts)
        if self.error is None and self.escalated:
            escalated = ngettext(
                "{n} complaint escalated to you", "{n} complaints escalated to you", self.escalated
            ).format(n=self.escalated)
            text = _(", ").join([text, escalated]) if any(self._lists()) else escalated
        self.summary.setText(text)

    # --- actions -----------------------------------------------------------------------------
    def open_customer(self, row: Any) -> Any:
        from crm_desktop.ui.customers.detail import open_customer

        self.dialog = open_customer(self.ctx, self, row.customer_id)
        return self.dialog

    def open_annotation(self, row: today.UnreadAnnotation) -> Any:
        from crm_desktop.ui.followups.annotations import open_annotations

        self.dialog = open_annotations(self.ctx, self, row.followup_id)
        return self.dialog

    def open_appointment(self, row: calendar.AgendaItem) -> Any:
        from crm_desktop.ui.calendar.dialog import open_appointment

        self.dialog = open_appointment(self.ctx, self, row.id)
        return self.dialog

    def record_followup(self, row: today.DueCustomer) -> Any:
        from crm_desktop.ui.followups.dialog import record_followup

        self.dialog = record_followup(self.ctx, self, row.customer_id)
        return self.dialog


def hour_minute(value: Any) -> str:
    return local_time(value).strftime("%H:%M") if value else ""


def todays_appointments(ctx: AppContext) -> list[calendar.AgendaItem]:
    """The actor's own appointments and tasks today (follow-ups have their own list)."""
    day = local_today(ctx.db.clock)
    return calendar.agenda(ctx.db, ctx.actor, day, day, with_followups=False)


def unread_count(ctx: AppContext) -> int:
    """The actor's unread annotations for the status bar (0 if it cannot be read now)."""
    from crm_desktop.core.services import followups

    if not ctx.actor.can("followups.view"):
        return 0
    try:
        return followups.unread_annotation_count(ctx.db, ctx.actor)
    except CrmError:
        return 0


def escalated_to_me(ctx: AppContext) -> int:
    """Open complaints the escalation rule sent to this operator (the Service tab lists them)."""
    if not ctx.actor.can("service.view"):
        return 0
    from crm_desktop.core.services import service_records

    wanted = service_records.ServiceFilter(escalated_to_id=ctx.actor.id, open_only=True)
    return service_records.count_service_records(ctx.db, ctx.actor, wanted)
