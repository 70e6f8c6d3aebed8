"""The Campaigns page of the Marketing tab: every campaign with what it brought in.

Above, the list of campaigns with their figures (leads, converted customers, won amount, budget,
actual cost, cost per won customer, ROI) under the operator's data scope; below, the selected
campaign's leads and the customers who came from it (read-only; a double-click on a customer
opens it). New/Edit open a `FormDialog`; Archive hides a finished campaign from the list and the
pickers. Every write goes through `core/services/campaigns.py`, which checks `campaigns.edit`.
"""

from __future__ import annotations

import html
from dataclasses import replace
from decimal import Decimal
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QLabel,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.core.changes import Changes
from crm_desktop.core.clock import local_today
from crm_desktop.core.errors import CrmError
from crm_desktop.core.i18n import _, ngettext
from crm_desktop.core.money import format_money
from crm_desktop.core.services import campaigns, operators
from crm_desktop.core.services.campaigns import CAMPAIGN_KIND_LABELS, CampaignRow
from crm_desktop.ui.context import AppContext
from crm_desktop.ui.widgets import (
    Column,
    Field,
    FormDialog,
    ListAction,
    RecordListPage,
    RecordTableModel,
)

KINDS = ("campaigns", "leads", "customers", "orders")  # figures follow leads, customers, sales


def kind_choices() -> list[tuple[str, str]]:
    return [(kind, _(label)) for kind, label in CAMPAIGN_KIND_LABELS.items()]


def lead_status_label(status: str) -> str:
    from crm_desktop.core.services.leads import status_label

    return status_label(status)


def roi_text(value: Decimal | None) -> str:
    return "" if value is None else f"{value * 100:.1f} %"


def money_text(value: Decimal | None) -> str:
    return "" if value is None else format_money(value)


def campaign_fields(ctx: AppContext) -> list[Field]:
    return [
        Field("name", _("Name"), required=True),
        Field("kind", _("Type"), "choice", choices=kind_choices(), allow_empty=False),
        Field("starts_on", _("Start"), "date"),
        Field("ends_on", _("End"), "date"),
        Field("budget", _("Budget"), "money"),
        Field("actual_cost", _("Actual cost"), "money"),
        Field(
            "owner_id",
            _("Owner"),
            "choice",
            choices=lambda: operators.operator_choices(ctx.db, ctx.actor),
        ),
        Field("description", _("Description"), "multiline"),
    ]


class CampaignsPage(QWidget):
    """The list of campaigns with their figures, and the selected one's leads and customers."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.dialog: FormDialog | None = None  # the last opened (tests)
        editor = ctx.actor.can("campaigns.edit")
        self.show_archived = QCheckBox(_("Show archived"))
        self.show_archived.toggled.connect(lambda _on: self.page.reload())
        self.page = RecordListPage(
            "campaigns",
            _("Campaigns"),
            self._columns(),
            self._rows,
            on_new=self.new_campaign if editor else None,
            on_edit=self.edit_campaign,
            actions=self._actions() if editor else (),
            empty_text=self._empty_text,
            muted=lambda row: row.archived,
            header_widgets=[self.show_archived],
        )
        if not editor:
            self.page.action("edit").setText(_("Open"))
        self.page.selection_changed.connect(self.show_detail)
        self._build_detail()
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.page)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)
        self.page.reload()
        self.show_detail(self.page.selected_row())

    # --- the list ----------------------------------------------------------------------------
    def _columns(self) -> list[Column]:
        em = self.fontMetrics().horizontalAdvance("0")

        def column(key: str, title: str, chars: int, **options: Any) -> Column:
            # never narrower than its header: long headers ("Cost per won customer") got cut
            text = self.fontMetrics().horizontalAdvance(title)
            return Column(key, title, width=max(em * chars, text) + 16, **options)

        return [
            column("name", _("Name"), 22),
            column("kind", _("Type"), 10, formatter=campaigns.kind_label),
            column("starts_on", _("Start"), 10, kind="date"),
            column("ends_on", _("End"), 10, kind="date"),
            column("owner_name", _("Owner"), 8),
            column("leads", _("Leads"), 6, kind="int"),
            column("converted", _("Converted customers"), 8, kind="int"),
            column("won_amount", _("Won amount"), 12, kind="money"),
            column("budget", _("Budget"), 11, kind="money"),
            column("actual_cost", _("Actual cost"), 11, kind="money"),
            column(
                "cost_per_won_customer",
                _("Cost per won customer"),
                11,
                kind="money",
            ),
            column("roi", _("ROI"), 8, formatter=roi_text, alignment=_RIGHT),
        ]

    def _rows(self) -> list[CampaignRow]:
        return campaigns.list_campaigns(
            self.ctx.db, self.ctx.actor, include_archived=self.show_archived.isChecked()
        )

    def _empty_text(self) -> str:
        if self.ctx.actor.can("campaigns.edit"):
            return _("No campaigns yet. Press Ctrl+N to record the first one.")
        return _("No campaigns yet.")

    def _actions(self) -> list[ListAction]:
        return [
            ListAction(
                "archive",
                _("Archive"),
                lambda row: self.set_archived(row, True),
                enabled=lambda row: not row.archived,
                tooltip=_("A finished campaign: hide it from the list and the pickers"),
            ),
            ListAction(
                "restore",
                _("Restore"),
                lambda row: self.set_archived(row, False),
                enabled=lambda row: row.archived,
            ),
        ]

    def refresh(self, changes: Changes) -> None:
        if changes.touches(*KINDS):
            self.page.reload_when_shown()

    # --- writing -----------------------------------------------------------------------------
    def new_campaign(self) -> FormDialog:
        today = local_today(self.ctx.db.clock)
        values = {
            "kind": "other",
            "starts_on": today,
            "ends_on": today,
            "owner_id": self.ctx.actor.id,
        }
        return self._open(_("New campaign"), None, values)

    def edit_campaign(self, row: CampaignRow) -> FormDialog:
        values = campaigns.get_campaign(self.ctx.db, self.ctx.actor, row.id)
        return self._open(_("Campaign “{name}”").format(name=row.name), row.id, values)

    def _open(self, title: str, campaign_id: int | None, values: dict[str, Any]) -> FormDialog:
        fields = campaign_fields(self.ctx)
        editable = self.ctx.actor.can("campaigns.edit")
        if not editable:
            fields = [replace(spec, read_only=True) for spec in fields]

        def save(changed: dict[str, Any], version: int | None) -> int:
            return campaigns.save_campaign(
                self.ctx.db, self.ctx.actor, campaign_id, version, changed
            )

        self.dialog = FormDialog(
            title,
            fields,
            values,
            save if editable else None,
            reload=(lambda: campaigns.get_campaign(self.ctx.db, self.ctx.actor, campaign_id))
            if campaign_id is not None
            else None,
            parent=self,
        )
        self.dialog.accepted.connect(self._announce)
        self.dialog.open()
        return self.dialog

    def set_archived(self, row: CampaignRow, archived: bool) -> None:
        campaigns.set_archived(self.ctx.db, self.ctx.actor, row.id, archived)
        self._announce()

    def _announce(self) -> None:
        self.page.reload()
        self.ctx.notify(Changes.of("campaigns"))

    # --- the selected campaign ---------------------------------------------------------------
    def _build_detail(self) -> None:
        self.detail = QWidget()
        layout = QVBoxLayout(self.detail)
        layout.setContentsMargins(0, 0, 0, 0)
        self.summary = QLabel()
        self.summary.setObjectName("campaignSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.leads_model = RecordTableModel(
            [
                Column("name", _("Name"), width=120),
                Column("company", _("Company"), width=220),
                Column("phone", _("Phone"), width=130),
                Column("status", _("Status"), formatter=lead_status_label, width=90),
                Column("owner_name", _("Owner")),
            ],
            parent=self,
        )
        self.customers_model = RecordTableModel(
            [
                Column("name", _("Customer"), width=260),
                Column("owner_name", _("Owner"), width=100),
                Column("won_amount", _("Won amount"), "money"),
            ],
            parent=self,
        )
        self.leads_table = _read_only_table(self.leads_model, "campaignLeads")
        self.customers_table = _read_only_table(self.customers_model, "campaignCustomers")
        self.customers_table.doubleClicked.connect(self._open_customer)
        self.inner = QTabWidget()
        self.inner.addTab(self.leads_table, _("Leads"))
        self.inner.addTab(self.customers_table, _("Converted customers"))
        layout.addWidget(self.summary)
        layout.addWidget(self.inner)

    def show_detail(self, row: CampaignRow | None) -> None:
        """The selected campaign's figures in a line, its leads and customers below."""
        self.detail.setEnabled(row is not None)
        if row is None:
            self.summary.setText(_("Select a campaign to see its leads and customers."))
            self.leads_model.set_rows([])
            self.customers_model.set_rows([])
            return
        db, actor = self.ctx.db, self.ctx.actor
        try:
            figures = campaigns.campaign_figures(db, actor, row.id)
            leads = campaigns.campaign_leads(db, actor, row.id)
            found = campaigns.campaign_customers(db, actor, row.id)
        except CrmError as exc:
            self.summary.setText(str(exc))
            return
        self.summary.setText(summary_text(row.name, figures))
        self.leads_model.set_rows(leads)
        self.customers_model.set_rows(found)
        for table in (self.leads_table, self.customers_table):
            table.resizeColumnsToContents()
        self.inner.setTabText(0, _("Leads ({n})").format(n=len(leads)))
        self.inner.setTabText(1, _("Converted customers ({n})").format(n=len(found)))

    def _open_customer(self, index: Any) -> Any:
        row = self.customers_model.row_at(index.row())
        from crm_desktop.ui.customers.detail import open_customer

        return open_customer(self.ctx, self, row.id)


def summary_text(name: str, figures: campaigns.CampaignFigures) -> str:
    """One line: budget vs actual cost, leads by status, buyers, won amount, cost per buyer."""
    statuses = ", ".join(
        f"{lead_status_label(status)} {count}"
        for status, count in figures.leads_by_status.items()
        if count
    )
    parts = [
        f"<b>{html.escape(name)}</b>",
        _("Budget {budget} · actual cost {cost}").format(
            budget=money_text(figures.budget) or "—", cost=money_text(figures.actual_cost) or "—"
        ),
        ngettext("{n} lead", "{n} leads", figures.leads).format(n=figures.leads)
        + (f" ({statuses})" if statuses else ""),
        _("{n} of {m} customers bought, {amount}").format(
            n=figures.won_customers, m=figures.converted, amount=format_money(figures.won_amount)
        ),
    ]
    if figures.cost_per_won_customer is not None:
        parts.append(
            _("cost per won customer {amount}").format(
                amount=format_money(figures.cost_per_won_customer)
            )
        )
    return " · ".join(parts)


def _read_only_table(model: RecordTableModel, name: str) -> QTableView:
    table = QTableView()
    table.setObjectName(name)
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().hide()
    table.horizontalHeader().setStretchLastSection(True)
    table.setWordWrap(False)
    return table


_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
