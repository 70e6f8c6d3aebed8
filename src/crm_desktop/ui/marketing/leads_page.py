"""The Leads page of the Marketing tab: prospects, their status, and conversion into customers.

A `RecordListPage` with filters (status, campaign, owner) and a search box; New/Edit open a
`FormDialog`; "Convert to customer…" asks for the opportunity and, when the prospect looks like
an existing customer, whether to link the lead to it, create a new customer anyway or go back.
Every write goes through core/services/leads.py (permission and scope checked there again).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QMessageBox, QVBoxLayout, QWidget

from crm_desktop.core.changes import Changes
from crm_desktop.core.errors import CrmError, DuplicateCustomer, ValidationError
from crm_desktop.core.i18n import _
from crm_desktop.core.importing.model import ImportKind
from crm_desktop.core.models import BaseDataKind, LeadStatus
from crm_desktop.core.services import leads, pool
from crm_desktop.core.services.leads import LeadFilter, LeadRow
from crm_desktop.ui.choices import base_data_field
from crm_desktop.ui.context import AppContext
from crm_desktop.ui.widgets import Field, FormDialog, prompts
from crm_desktop.ui.widgets.filter_bar import fill_choices, search_box
from crm_desktop.ui.widgets.record_list_page import ListAction, RecordListPage
from crm_desktop.ui.widgets.record_table_model import Column

RELOAD_KINDS = ("leads", "campaigns", "operators", "base_data", "customers")


def ask_duplicate(parent: QWidget | None, exc: DuplicateCustomer) -> str | None:
    """ "link" (use the existing customer), "new" (create anyway) or None (go back)."""
    box = QMessageBox(parent)
    box.setObjectName("leadDuplicateBox")
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle(_("Possible duplicate"))
    box.setText(exc.message)
    link = box.addButton(_("Use the existing customer"), QMessageBox.ButtonRole.AcceptRole)
    new = box.addButton(_("Create a new customer"), QMessageBox.ButtonRole.DestructiveRole)
    box.addButton(_("Cancel"), QMessageBox.ButtonRole.RejectRole)
    box.exec()
    return {link: "link", new: "new"}.get(box.clickedButton())


def _campaigns(ctx: AppContext) -> list[tuple[int, str]]:
    if not ctx.actor.can("campaigns.view"):
        return []
    from crm_desktop.core.services import campaigns

    return campaigns.campaign_choices(ctx.db, ctx.actor)


def _owners(ctx: AppContext) -> list[tuple[int, str]]:
    owners = pool.assignable_operators(ctx.db, ctx.actor)
    if ctx.actor.id not in {owner_id for owner_id, _name in owners}:
        owners = [(ctx.actor.id, ctx.actor.name), *owners]
    return owners


class LeadDialog(FormDialog):
    """New (`lead_id` None) or edit a lead."""

    def __init__(self, ctx: AppContext, parent: QWidget | None, lead_id: int | None = None):
        self.ctx = ctx
        self.lead_id = lead_id
        self.allow_duplicate = False
        fields = [
            Field("name", _("Name"), required=True, placeholder=_("The person")),
            Field("company", _("Company")),
            Field("title", _("Title")),
            Field("phone", _("Phone")),
            Field("email", _("Email")),
            base_data_field(ctx, "source_id", _("Source"), BaseDataKind.CUSTOMER_SOURCE),
            Field("campaign_id", _("Campaign"), "choice", choices=lambda: _campaigns(ctx)),
            Field("owner_id", _("Owner"), "choice", choices=_owners(ctx), allow_empty=False),
            Field("remarks", _("Remarks"), "multiline"),
        ]
        title = _("New lead") if lead_id is None else _("Edit lead")
        values = (
            {"owner_id": ctx.actor.id}
            if lead_id is None
            else leads.get_lead(ctx.db, ctx.actor, lead_id)
        )
        super().__init__(title, fields, values, self._save, parent=parent)
        self.setObjectName("leadDialog")

    def _save(self, values: dict[str, Any], version: int | None) -> int:
        try:
            return self._store(values, version)
        except (DuplicateCustomer, leads.DuplicateLead) as exc:
            question = exc.message + "\n" + _("Save the lead anyway?")
            if not prompts.confirm(self, _("Possible duplicate"), question):
                raise
            self.allow_duplicate = True
            return self._store(values, version)

    def _store(self, values: dict[str, Any], version: int | None) -> int:
        db, actor, allow = self.ctx.db, self.ctx.actor, self.allow_duplicate
        if self.lead_id is None:
            return leads.create_lead(db, actor, values, allow_duplicate=allow)
        leads.update_lead(db, actor, self.lead_id, version or 0, values, allow_duplicate=allow)
        return self.lead_id


class ConvertDialog(FormDialog):
    """Convert a qualified lead: the opportunity's name and amount (or none), then the duplicate
    question when the prospect looks like a customer that exists."""

    def __init__(self, ctx: AppContext, parent: QWidget | None, row: LeadRow) -> None:
        self.ctx = ctx
        self.row = row
        fields = [
            Field("customer", _("Customer"), read_only=True),
            Field("contact", _("Contact"), read_only=True),
            Field("create_opportunity", _("Create an opportunity"), "bool"),
            Field("opportunity_name", _("Opportunity")),
            Field("opportunity_amount", _("Expected amount"), "money"),
        ]
        values = {
            "customer": leads.customer_name_of(row.name, row.company),
            "contact": row.name,
            "create_opportunity": True,
            "opportunity_name": leads.customer_name_of(row.name, row.company),
        }
        note = _(
            "A new customer, its primary contact and an open opportunity in the first stage "
            "are created in one step; the lead becomes converted."
        )
        super().__init__(
            _("Convert to customer"), fields, values, self._save, note=note, parent=parent
        )
        self.setObjectName("convertDialog")
        self.panel.always_save = True
        self.save_button.setText(_("Convert"))

    def _save(self, values: dict[str, Any], _version: int | None) -> leads.ConversionResult:
        kwargs: dict[str, Any] = {
            "opportunity_name": values.get("opportunity_name"),
            "opportunity_amount": values.get("opportunity_amount"),
            "create_opportunity": bool(values.get("create_opportunity", True)),
        }
        db, actor, row = self.ctx.db, self.ctx.actor, self.row
        try:
            return leads.convert_lead(db, actor, row.id, row.version, **kwargs)
        except DuplicateCustomer as exc:
            answer = ask_duplicate(self, exc)
            if answer is None:
                raise ValidationError(exc.message) from exc
            if answer == "link":
                kwargs["into_customer_id"] = exc.matches[0].id
            else:
                kwargs["allow_duplicate"] = True
            return leads.convert_lead(db, actor, row.id, row.version, **kwargs)


class LeadsPage(QWidget):
    """Every lead the operator may see, with filters, and what may be done with one."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.search, self.search_timer = search_box(
            self, _("Search name, company, phone, e-mail"), self._reload_fresh
        )
        self.status = QComboBox(self)
        self.status.setObjectName("filter_status")
        fill_choices(
            self.status, [(s, leads.status_label(s)) for s in LeadStatus], _("All statuses")
        )
        self.campaign = QComboBox(self)
        self.campaign.setObjectName("filter_campaign")
        self.owner = QComboBox(self)
        self.owner.setObjectName("filter_owner")
        self.reload_choices()
        for combo in (self.status, self.campaign, self.owner):
            combo.currentIndexChanged.connect(self._reload_fresh)
        bar = QWidget(self)
        row = QHBoxLayout(bar)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.search)
        for label, combo in (
            (_("Status"), self.status),
            (_("Campaign"), self.campaign),
            (_("Owner"), self.owner),
        ):
            row.addWidget(QLabel(label, bar))
            row.addWidget(combo)
        row.addStretch(1)
        editable = ctx.actor.can("leads.edit")
        actions = [
            ListAction("qualify", _("Mark qualified"), self.qualify, enabled=self._open_lead),
            ListAction("disqualify", _("Disqualify"), self.disqualify, enabled=self._open_lead),
            ListAction(
                "convert",
                _("Convert to customer…"),
                self.convert,
                enabled=lambda r: r.status == LeadStatus.QUALIFIED,
            ),
        ]
        if ctx.actor.can("leads.import"):
            actions.append(
                ListAction("import", _("Import…"), self.import_leads, needs_selection=False)
            )
        self.page = RecordListPage(
            "leads",
            _("Leads"),
            [
                Column("name", _("Name"), width=90),
                Column("company", _("Company"), width=220),
                Column("phone", _("Phone"), width=120),
                Column("status", _("Status"), formatter=leads.status_label, width=80),
                Column("campaign_name", _("Campaign"), width=150),
                Column("source_name", _("Source"), formatter=lambda v: _(v) if v else ""),
                Column("owner_name", _("Owner"), width=80),
                Column("created_at", _("Created"), "datetime"),
            ],
            self._load,
            on_new=self.new_lead if editable else None,
            on_edit=self.edit_lead if editable else None,
            actions=actions if editable else [],
            muted=lambda r: r.status in (LeadStatus.DISQUALIFIED, LeadStatus.CONVERTED),
            search_widget=self.search,
            bars=[bar],
            empty_text=_("No leads here. Add one, or import a list from Excel."),
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.page)
        self.dialog: FormDialog | None = None
        self.page.reload()

    # --- loading -------------------------------------------------------------------------------
    def reload_choices(self) -> None:
        try:
            fill_choices(self.campaign, _campaigns(self.ctx), _("All campaigns"))
            fill_choices(
                self.owner, pool.assignable_operators(self.ctx.db, self.ctx.actor), _("Everyone")
            )
        except CrmError as exc:
            prompts.show_error(self, exc)

    def current_filter(self) -> LeadFilter:
        return LeadFilter(
            search=self.search.text().strip(),
            status=self.status.currentData(),
            campaign_id=self.campaign.currentData(),
            owner_id=self.owner.currentData(),
        )

    def _load(self) -> list[LeadRow]:
        return leads.list_leads(self.ctx.db, self.ctx.actor, self.current_filter())

    def _reload_fresh(self, *_args: Any) -> None:
        self.search_timer.stop()
        self.page.reload(fresh=True)

    def refresh(self, changes: Changes) -> None:
        if changes.touches(*RELOAD_KINDS):
            self.reload_choices()
            self.page.reload_when_shown()

    # --- actions -------------------------------------------------------------------------------
    @staticmethod
    def _open_lead(row: LeadRow) -> bool:
        return row.status != LeadStatus.CONVERTED

    def _after_save(self, kinds: tuple[str, ...] = ("leads",)) -> None:
        self.page.reload()
        self.ctx.notify(Changes.of(*kinds))

    def new_lead(self) -> None:
        self._open(LeadDialog(self.ctx, self), ("leads",))

    def edit_lead(self, row: LeadRow) -> None:
        if row.status == LeadStatus.CONVERTED:
            return
        try:
            dialog = LeadDialog(self.ctx, self, row.id)
        except CrmError as exc:
            prompts.show_error(self, exc)
            return
        self._open(dialog, ("leads",))

    def convert(self, row: LeadRow | None) -> None:
        if row is None:
            return
        self._open(ConvertDialog(self.ctx, self, row), leads.CONVERSION_KINDS)

    def _open(self, dialog: FormDialog, kinds: tuple[str, ...]) -> None:
        self.dialog = dialog
        dialog.accepted.connect(lambda: self._after_save(kinds))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def _set_status(self, row: LeadRow | None, status: str) -> None:
        if row is None:
            return
        try:
            leads.set_status(self.ctx.db, self.ctx.actor, row.id, row.version, status)
        except CrmError as exc:
            prompts.show_error(self, exc)
        self._after_save()

    def qualify(self, row: LeadRow | None) -> None:
        self._set_status(row, LeadStatus.QUALIFIED)

    def disqualify(self, row: LeadRow | None) -> None:
        self._set_status(row, LeadStatus.DISQUALIFIED)

    def import_leads(self, _row: LeadRow | None = None) -> None:
        from crm_desktop.ui.widgets.import_action import open_import

        self.wizard = open_import(self.ctx, self, ImportKind.LEADS)
