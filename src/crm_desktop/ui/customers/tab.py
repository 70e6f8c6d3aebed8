"""The Customers tab: the whole ledger (100,000 customers stay smooth), searched and acted on.

The list is a server-sorted, paged `RecordListPage`: the customers service sorts (names in pinyin
order), filters and counts; the view reads 200 rows at a time as the person scrolls. One search box
(Ctrl+F) queries the service 250 ms after the last key; the filter bar and the saved filters sit
above the table. Toolbar actions are offered by permission and enabled by the selected row's state
(claim only public rows, release private ones, ...); the service checks again. After any action
the tab reloads and announces `Changes.of("customers")` to the other tabs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QInputDialog,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.core.changes import Changes
from crm_desktop.core.clock import local_today
from crm_desktop.core.i18n import _, ngettext
from crm_desktop.core.importing.model import ImportKind
from crm_desktop.core.models import PoolStatus
from crm_desktop.core.services import customers, pool
from crm_desktop.core.services.customers import CustomerFilter, CustomerRow
from crm_desktop.ui.context import AppContext
from crm_desktop.ui.customers.filters import CustomerFilterBar, SavedFilterBox, with_search
from crm_desktop.ui.messages import show_info
from crm_desktop.ui.widgets import prompts
from crm_desktop.ui.widgets.filter_bar import search_box
from crm_desktop.ui.widgets.import_action import import_action, open_import
from crm_desktop.ui.widgets.list_export import ListExport
from crm_desktop.ui.widgets.record_list_page import ListAction, RecordListPage
from crm_desktop.ui.widgets.record_table_model import (
    Column,
    PagedSource,
    ServerSort,
    service_pages,
)

KINDS = ("customers", "followups")  # what the list shows (follow-ups move the dates)
PREVIEW_NAMES = 15  # customers named in the "run the pool rules?" question


# --- questions (module functions, so tests answer them without a modal dialog) -----------------


def choose_operator(
    parent: QWidget | None, title: str, label: str, choices: Sequence[tuple[int, str]]
) -> int | None:
    """One operator picked from `choices`, or None when cancelled."""
    names = [name for _id, name in choices]
    name, ok = QInputDialog.getItem(parent, title, label, names, 0, False)
    if not ok or name not in names:
        return None
    return choices[names.index(name)][0]


def ask_handover(
    parent: QWidget | None,
    sources: Sequence[tuple[int, str]],
    targets: Sequence[tuple[int, str]],
) -> tuple[int, int] | None:
    """(from, to) operator ids for a handover, or None when cancelled."""
    dialog = QDialog(parent)
    dialog.setWindowTitle(_("Hand over customers"))
    combos = []
    form = QFormLayout()
    for label, choices in ((_("From (leaving):"), sources), (_("To (taking over):"), targets)):
        combo = QComboBox()
        for operator_id, name in choices:
            combo.addItem(name, operator_id)
        combos.append(combo)
        form.addRow(label, combo)
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    layout = QVBoxLayout(dialog)
    layout.addLayout(form)
    layout.addWidget(buttons)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return combos[0].currentData(), combos[1].currentData()


# --- the tab ----------------------------------------------------------------------------------


class CustomersTab(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.dialog: QDialog | None = None  # the detail or follow-up window opened last
        self._today = local_today(ctx.db.clock)
        self._announced: Changes | None = None

        self.search, self.search_timer = search_box(
            self,
            _("Search name, pinyin, phone, email or owner…"),
            self.apply_filter,
            name="customerSearch",
            min_width=280,
            max_width=None,
        )
        self.search.textChanged.connect(lambda _text: self.saved.forget_selection())

        self.filters = CustomerFilterBar(ctx)
        self.filters.changed.connect(self._filter_edited)
        self.saved = SavedFilterBox(ctx, self.current_filter)
        self.saved.chosen.connect(self.show_filter)

        self.page = RecordListPage(
            "customers",
            _("Customers"),
            self._columns(),
            self._load,
            server_sort=True,
            sort=ServerSort("name"),
            search_widget=self.search,
            count_text=lambda n: ngettext("{n} customer", "{n} customers", n).format(n=f"{n:,}"),
            on_new=self.new_customer if ctx.actor.can("customers.create") else None,
            on_edit=self.open_customer,
            actions=self._actions(),
            empty_text=self._empty_text,
            muted=lambda row: bool(row.archived),
            header_widgets=[self.saved],
            bars=[self.filters],
            export=ListExport("customers", ctx, self.current_filter),
        )
        self.page.selection_changed.connect(self._selection_changed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.page)
        self.page.reload()

    # --- the list ----------------------------------------------------------------------------
    def _columns(self) -> list[Column]:
        """The columns, sized in characters of the current font (no measuring of 200 rows)."""
        em = self.fontMetrics().horizontalAdvance("0")

        def column(key: str, title: str, chars: int, **options: Any) -> Column:
            return Column(key, title, width=em * chars + 16, **options)

        return [
            column("name", _("Name"), 28, sort_key="name"),
            column("type_name", _("Type"), 10, sort_key="type"),
            column("source_name", _("Source"), 10, sort_key="source"),
            column("industry_name", _("Industry"), 10, sort_key="industry"),
            column("region_name", _("Region"), 10, sort_key="region"),
            column("phone", _("Phone"), 15, sort_key="phone"),
            column(
                "owner_name",
                _("Owner"),
                10,
                sort_key="owner",
                formatter=lambda name: name or _("Public pool"),
            ),
            column(
                "last_followup_at",
                _("Last follow-up"),
                17,
                kind="datetime",
                sort_key="last_followup_at",
            ),
            column(
                "next_followup_on",
                _("Next follow-up"),
                12,
                kind="date",
                sort_key="next_followup_on",
                emphasis=self._overdue,
            ),
            column("level_name", _("Level"), 8, sort_key="level"),
        ]

    def _overdue(self, row: CustomerRow) -> bool:
        due = row.next_followup_on
        return isinstance(due, date) and due < self._today and not row.archived

    def current_filter(self) -> CustomerFilter:
        """What the list shows: the filter bar plus the search text."""
        return with_search(self.filters.value(), self.search.text())

    def _load(self, sort: ServerSort) -> PagedSource:
        db, actor, wanted = self.ctx.db, self.ctx.actor, self.current_filter()
        self._today = local_today(db.clock)
        return service_pages(
            customers.list_customers, customers.count_customers, db, actor, wanted, sort
        )

    def _empty_text(self) -> str:
        if self.current_filter() != CustomerFilter():
            return _("No customer matches the search and filters.")
        return _("No customers yet. Press Ctrl+N to add the first one.")

    def _filter_edited(self) -> None:
        self.saved.forget_selection()
        self.apply_filter()

    def apply_filter(self) -> None:
        """Query the service with the current search and filters, from the first page."""
        self.search_timer.stop()
        self.page.reload(fresh=True)

    def show_filter(self, wanted: CustomerFilter) -> None:
        """Show a saved filter: its search text and its filter bar values, queried at once."""
        blocked = self.search.blockSignals(True)
        self.search.setText(wanted.search)
        self.search.blockSignals(blocked)
        self.filters.set_value(wanted)
        self.apply_filter()

    def refresh(self, changes: Changes) -> None:
        """Reload what the change touched (not a change this tab has just announced)."""
        if changes is self._announced:
            return
        if changes.touches("base_data", "operators"):
            self.filters.reload_choices()
        if changes.touches("saved_filters"):
            self.saved.reload()
        if changes.touches(*KINDS):
            self.page.reload_when_shown()

    def _announce(self, *kinds: str) -> None:
        self.page.reload()
        self._announced = Changes.of(*kinds)
        try:
            self.ctx.notify(self._announced)
        finally:
            self._announced = None

    # --- actions -----------------------------------------------------------------------------
    def _actions(self) -> list[ListAction]:
        can = self.ctx.actor.can
        me = self.ctx.actor.id
        current = lambda row: not row.archived  # noqa: E731
        specs: list[tuple[str | None, ListAction]] = [
            (
                "followups.create",
                ListAction(
                    "followup",
                    _("Record follow-up"),
                    self.record_followup,
                    enabled=current,
                    tooltip=_("Record a visit or call with this customer"),
                ),
            ),
            (
                "customers.pool",
                ListAction(
                    "claim",
                    _("Claim"),
                    self.claim,
                    enabled=lambda row: current(row) and row.pool_status == PoolStatus.PUBLIC,
                    tooltip=_("Take this customer from the public pool"),
                ),
            ),
            (
                "customers.pool",
                ListAction(
                    "release",
                    _("Release"),
                    self.release,
                    enabled=lambda row: (
                        current(row)
                        and row.pool_status == PoolStatus.PRIVATE
                        and (row.owner_id == me or can("customers.transfer"))
                    ),
                    tooltip=_("Give this customer back to the public pool"),
                ),
            ),
            (
                "customers.transfer",
                ListAction("transfer", _("Transfer…"), self.transfer, enabled=current),
            ),
            (
                "customers.transfer",
                ListAction(
                    "handover",
                    _("Handover…"),
                    lambda _row: self.handover(),
                    needs_selection=False,
                    tooltip=_("Move all customers of a leaving salesperson to a colleague"),
                ),
            ),
            ("customers.archive", ListAction("archive", _("Archive"), self.toggle_archived)),
            (
                "customers.import",
                import_action(
                    _("Import…"),
                    _("Import customers or contacts from an Excel or CSV file"),
                    self.import_records,
                ),
            ),
            (
                "settings.pool",
                ListAction(
                    "run_pool_rules",
                    _("Run pool rules…"),
                    lambda _row: self.run_pool_rules(),
                    needs_selection=False,
                ),
            ),
        ]
        return [spec for permission, spec in specs if permission is None or can(permission)]

    def _selection_changed(self, row: CustomerRow | None) -> None:
        archive = self.page.actions_by_key.get("archive")
        if archive is not None:
            archive.setText(_("Restore") if row is not None and row.archived else _("Archive"))

    def import_records(self) -> None:
        """The import wizard, customers chosen (the lists refresh when it is done)."""
        self.dialog = open_import(self.ctx, self, ImportKind.CUSTOMERS)

    def new_customer(self) -> None:
        from crm_desktop.ui.customers.detail import open_customer

        self.dialog = open_customer(self.ctx, self, None)

    def open_customer(self, row: CustomerRow) -> None:
        from crm_desktop.ui.customers.detail import open_customer

        self.dialog = open_customer(self.ctx, self, row.id)

    def record_followup(self, row: CustomerRow) -> None:
        from crm_desktop.ui.followups.dialog import record_followup

        self.dialog = record_followup(self.ctx, self, row.id)

    def claim(self, row: CustomerRow) -> None:
        pool.claim(self.ctx.db, self.ctx.actor, [row.id])
        self._announce("customers")

    def release(self, row: CustomerRow) -> None:
        if not prompts.confirm(
            self,
            _("Release customer"),
            _("Give “{name}” back to the public pool? Anyone may claim it then.").format(
                name=row.name
            ),
        ):
            return
        pool.release(self.ctx.db, self.ctx.actor, [row.id])
        self._announce("customers")

    def transfer(self, row: CustomerRow) -> None:
        choices = [
            (operator_id, name)
            for operator_id, name in pool.assignable_operators(self.ctx.db, self.ctx.actor)
            if operator_id != row.owner_id
        ]
        target = choose_operator(
            self,
            _("Transfer customer"),
            _("Give “{name}” to:").format(name=row.name),
            choices,
        )
        if target is None:
            return
        pool.transfer(self.ctx.db, self.ctx.actor, [row.id], target)
        self._announce("customers")

    def handover(self) -> None:
        # People who already left (disabled accounts) can still be handed over from.
        sources = pool.assignable_operators(self.ctx.db, self.ctx.actor, include_inactive=True)
        targets = pool.assignable_operators(self.ctx.db, self.ctx.actor)
        picked = ask_handover(self, sources, targets)
        if picked is None:
            return
        source, target = picked
        names = dict(sources)
        count = self._owned_count(source)
        if not prompts.confirm(
            self,
            _("Hand over customers"),
            _(
                "Move all {count} customers of {source} to {target}, with their open "
                "opportunities and planned follow-ups? This is done in one step."
            ).format(count=count, source=names.get(source, ""), target=names.get(target, "")),
        ):
            return
        result = pool.handover(self.ctx.db, self.ctx.actor, source, target)
        self._announce("customers", "opportunities", "followups")
        show_info(
            self,
            _("Handover done"),
            _(
                "{target} now has {customers} customers, {opportunities} opportunities and "
                "{followups} follow-ups from {source}."
            ).format(
                target=names.get(target, ""), source=names.get(source, ""), **result._asdict()
            ),
        )

    def _owned_count(self, operator_id: int) -> int:
        count: Callable[[bool], int] = lambda archived: customers.count_customers(  # noqa: E731
            self.ctx.db,
            self.ctx.actor,
            CustomerFilter(owner_id=operator_id, pool="private", archived=archived),
        )
        return count(False) + count(True)

    def toggle_archived(self, row: CustomerRow) -> None:
        archive = not row.archived
        if archive and not prompts.confirm(
            self,
            _("Archive customer"),
            _(
                "Archive “{name}”? It leaves the list but keeps its history; it can be restored."
            ).format(name=row.name),
        ):
            return
        customers.set_archived(self.ctx.db, self.ctx.actor, row.id, archive)
        self._announce("customers")

    def run_pool_rules(self) -> None:
        preview = pool.run_rules(self.ctx.db, self.ctx.actor, dry_run=True)
        if not preview.returned:
            show_info(
                self,
                _("Pool rules"),
                _("No customer is due to return to the public pool.")
                + "\n"
                + ngettext(
                    "{n} customer will return within the warning days.",
                    "{n} customers will return within the warning days.",
                    len(preview.warned),
                ).format(n=len(preview.warned)),
            )
            return
        names = "\n".join(
            _("• {name} ({owner}: {reason})").format(
                name=c.name, owner=c.owner_name or "", reason=c.reason
            )
            for c in preview.returned[:PREVIEW_NAMES]
        )
        more = len(preview.returned) - PREVIEW_NAMES
        if more > 0:
            names += "\n" + _("… and {n} more").format(n=more)
        if not prompts.confirm(
            self,
            _("Pool rules"),
            ngettext(
                "{n} customer returns to the public pool now:",
                "{n} customers return to the public pool now:",
                len(preview.returned),
            ).format(n=len(preview.returned))
            + "\n"
            + names
            + "\n\n"
            + _("Run the pool rules?"),
        ):
            return
        run = pool.run_rules(self.ctx.db, self.ctx.actor)
        self._announce("customers")
        show_info(
            self,
            _("Pool rules"),
            ngettext(
                "{n} customer returned to the public pool.",
                "{n} customers returned to the public pool.",
                len(run.returned),
            ).format(n=len(run.returned)),
        )
