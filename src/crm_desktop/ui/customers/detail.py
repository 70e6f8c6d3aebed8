"""A customer's detail window: every field, the duplicate guard, and the inner tabs.

`open_customer(ctx, parent, customer_id)` opens it (None: a new customer); a customer already
open in a window is brought to the front instead of opened twice.

How saving behaves (what a person working through a customer expects):
- Save (Ctrl+S) stores only the fields the person changed and the window STAYS OPEN, showing the
  stored values; Close (Esc) leaves, asking first when there are unsaved edits. This window is
  where the person also works through contacts and attachments, so saving must not throw them
  out of it.
- Saving a NEW customer creates it and turns the same window into that customer's window: the
  inner tabs appear, so contacts can be added right away.
- A likely duplicate (same normalized name or phone) stops the save and lists the matches with
  "Open existing" (replaces a new, unsaved window; opens another window while editing), "Save
  anyway" and "Cancel". Leaving the name or phone field already warns in a line under the form.
"""

from __future__ import annotations

import contextlib
import html
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QByteArray, QSettings, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from crm_desktop.core.changes import Changes
from crm_desktop.core.errors import CrmError, DuplicateCustomer
from crm_desktop.core.i18n import _
from crm_desktop.core.models import BaseDataKind
from crm_desktop.core.services import customers
from crm_desktop.ui.choices import base_data_field
from crm_desktop.ui.context import AppContext
from crm_desktop.ui.customers.detail_tabs import CustomerPage, CustomerTabs, all_tabs
from crm_desktop.ui.widgets import Column, Field, FormPanel, RecordTableModel, prompts
from crm_desktop.ui.widgets.editing_banner import EditingBanner
from crm_desktop.ui.widgets.record_table_model import local_time

SETTINGS_KEY = "windows/customer_detail"
_open_windows: dict[int, CustomerDialog] = {}


def open_customer(ctx: AppContext, parent: QWidget | None, customer_id: int | None) -> QDialog:
    """Show a customer's window (a new customer when `customer_id` is None) and return it."""
    if customer_id is not None:
        already = _open_windows.get(customer_id)
        if already is not None and isValid(already) and already.ctx is ctx and already.isVisible():
            already.raise_()
            already.activateWindow()
            return already
    dialog = CustomerDialog(ctx, customer_id, parent)
    dialog.show()
    return dialog


# --- the fields --------------------------------------------------------------------------------


def owner_choices(ctx: AppContext, current: tuple[int, str] | None) -> list[tuple[int, str]]:
    """Operators who may own a customer, plus the current owner even if no longer assignable."""
    from crm_desktop.core.services import pool

    try:
        choices = list(pool.assignable_operators(ctx.db, ctx.actor))
    except CrmError:
        choices = []
    if current is not None and current[0] not in {op_id for op_id, _name in choices}:
        choices.insert(0, current)
    return choices


def customer_fields(
    ctx: AppContext,
    *,
    editable: bool,
    owner: tuple[int, str] | None,
    campaign: int | None = None,
) -> list[Field]:
    """Every customer field; read-only without the right to edit, owner without transfer.
    `campaign` is the one the customer names (kept in the choices even when archived)."""
    pickers = [
        ("type_id", _("Type"), BaseDataKind.CUSTOMER_TYPE),
        ("source_id", _("Source"), BaseDataKind.CUSTOMER_SOURCE),
        ("industry_id", _("Industry"), BaseDataKind.INDUSTRY),
        ("region_id", _("Region"), BaseDataKind.REGION),
        ("level_id", _("Level"), BaseDataKind.CUSTOMER_LEVEL),
    ]
    fields = [
        Field("name", _("Name"), required=True),
        Field("code", _("Code")),
        Field("short_name", _("Short name")),
        *(base_data_field(ctx, key, label, kind) for key, label, kind in pickers),
        Field("address", _("Address")),
        Field("phone", _("Phone")),
        Field("email", _("Email")),
        Field("website", _("Website")),
        Field("tax_id", _("Tax ID")),
        Field(
            "owner_id",
            _("Owner"),
            "choice",
            choices=lambda: owner_choices(ctx, owner),
            allow_empty=owner is None,  # a customer in the public pool has none
            read_only=not ctx.actor.can("customers.transfer"),
            tooltip=_("The salesperson responsible for this customer."),
        ),
        Field("remarks", _("Remarks"), "multiline"),
        Field("tags", _("Tags"), placeholder=_("Separated by commas, e.g. VIP, exhibition 2026")),
        *campaign_fields(ctx, campaign),
    ]
    if editable:
        return fields
    return [replace(spec, read_only=True) for spec in fields]


def campaign_fields(ctx: AppContext, current: int | None) -> list[Field]:
    """The "Campaign" picker, for operators who may view campaigns once there are any."""
    if not ctx.actor.can("campaigns.view"):
        return []
    from crm_desktop.core.services import campaigns

    try:
        choices = campaigns.campaign_choices(ctx.db, ctx.actor, keep=current)
    except CrmError:
        return []
    if not choices:
        return []
    return [
        Field(
            "campaign_id",
            _("Campaign"),
            "choice",
            choices=choices,
            tooltip=_("The marketing campaign this customer came from."),
        )
    ]


def clean_tags(text: Any) -> str:
    """Tags as one comma-separated line: Chinese commas too, no blanks, no repeats."""
    parts = (part.strip() for part in str(text or "").replace("，", ",").split(","))
    return ", ".join(dict.fromkeys(part for part in parts if part))


def info_line(values: dict[str, Any]) -> str:
    """Pool status, last and next follow-up, created: what the form does not edit."""
    status = _("Public pool") if values.get("pool_status") == "public" else _("Private")
    if values.get("archived"):
        status = _("{status}, archived").format(status=status)
    last = values.get("last_followup_at")
    parts = [
        _("Status: {status}").format(status=status),
        _("Last follow-up: {when}").format(
            when=local_time(last).strftime("%Y-%m-%d %H:%M") if last else _("never")
        ),
        _("Next follow-up: {day}").format(
            day=values["next_followup_on"].isoformat()
            if values.get("next_followup_on")
            else _("none")
        ),
    ]
    created = values.get("created_at")
    if created:
        parts.append(_("Created: {day}").format(day=local_time(created).strftime("%Y-%m-%d")))
    return " · ".join(parts)


# --- duplicates --------------------------------------------------------------------------------


def reason_text(reason: str) -> str:
    """Why a customer counts as a duplicate ("name" or "phone")."""
    return _("Same name") if reason == "name" else _("Same phone number")


class DuplicateDialog(QDialog):
    """The customers a save would duplicate: open one of them, save anyway, or go back.

    `choice` is "open", "save" or None (cancelled); `match()` is the customer to open.
    """

    def __init__(
        self, matches: Sequence[customers.DuplicateMatch], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("duplicateDialog")
        self.setWindowTitle(_("Possible duplicate"))
        self.choice: str | None = None
        self.matches = list(matches)
        text = QLabel(
            _(
                "Customers that look like this one already exist. Open the existing one, or "
                "save anyway if this really is another customer."
            )
        )
        text.setWordWrap(True)
        self.model = RecordTableModel(
            [
                Column("name", _("Name"), width=200),
                Column("phone", _("Phone"), width=120),
                Column("owner_name", _("Owner"), formatter=lambda v: v or _("Public pool")),
                Column("reason", _("Why"), formatter=reason_text),
            ],
            parent=self,
        )
        self.model.set_rows(self.matches)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.doubleClicked.connect(lambda _index: self._choose("open"))
        buttons = QDialogButtonBox()
        self.open_button = buttons.addButton(
            _("Open existing"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.save_button = buttons.addButton(
            _("Save anyway"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.cancel_button = buttons.addButton(_("Cancel"), QDialogButtonBox.ButtonRole.RejectRole)
        self.open_button.clicked.connect(lambda: self._choose("open"))
        self.save_button.clicked.connect(lambda: self._choose("save"))
        self.cancel_button.clicked.connect(self.reject)
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._update())
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(560, 260)
        first_visible = next((i for i, m in enumerate(self.matches) if m.visible), 0)
        self.table.selectRow(first_visible)
        self._update()

    def match(self) -> customers.DuplicateMatch | None:
        rows = self.table.selectionModel().selectedRows()
        return self.matches[rows[0].row()] if rows else None

    def _update(self) -> None:
        match = self.match()
        self.open_button.setEnabled(match is not None and match.visible)
        self.open_button.setToolTip(
            ""
            if match is None or match.visible
            else _("This customer belongs to a colleague; ask them or your manager.")
        )

    def _choose(self, choice: str) -> None:
        if choice == "open" and not self.open_button.isEnabled():
            return
        self.choice = choice
        self.accept()


# --- the window --------------------------------------------------------------------------------


class CustomerDialog(QDialog):
    """One customer's window; see the module docstring for how saving behaves."""

    def __init__(self, ctx: AppContext, customer_id: int | None, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setObjectName("customerDialog")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.ctx = ctx
        self.customer_id: int | None = None
        self.values: dict[str, Any] = {}
        self.panel: FormPanel | None = None
        self.tabs: CustomerTabs | None = None
        self.duplicates: DuplicateDialog | None = None  # the last duplicate question (tests)
        self._allow_duplicate = False
        self._matches: list[customers.DuplicateMatch] = []
        self._result: Any = None

        self.info = QLabel()
        self.info.setObjectName("customerInfo")
        self.info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.warning = QLabel()
        self.warning.setObjectName("duplicateWarning")
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet(
            "QLabel#duplicateWarning { color: #7a4b00; background: #fff4d6;"
            " border: 1px solid #f0d48a; border-radius: 3px; padding: 4px; }"
        )
        self.warning.setTextFormat(Qt.TextFormat.RichText)
        self.warning.linkActivated.connect(self._open_link)
        self.warning.hide()
        self.status = QLabel()
        self.status.setObjectName("saveStatus")
        self.editing = EditingBanner()  # the soft lock: who else has this customer open

        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(self.scroll, 1)
        top_layout.addWidget(self.warning)
        self.splitter.addWidget(top)

        self.buttons = QDialogButtonBox()
        # Not a default button: Enter in a field must not save half a form.
        self.save_button = QPushButton(_("Save"))
        self.save_button.setObjectName("saveButton")
        self.save_button.setAutoDefault(False)
        self.save_button.setToolTip(_("Save (Ctrl+S)"))
        self.buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.close_button = self.buttons.addButton(
            _("Close"), QDialogButtonBox.ButtonRole.RejectRole
        )
        self.close_button.setAutoDefault(False)
        self.save_button.clicked.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        QShortcut(QKeySequence.StandardKey.Save, self, activated=self.save)

        layout = QVBoxLayout(self)
        layout.addWidget(self.editing)
        layout.addWidget(self.info)
        layout.addWidget(self.splitter, 1)
        bottom = QVBoxLayout()
        bottom.addWidget(self.status)
        layout.addLayout(bottom)
        layout.addWidget(self.buttons)

        self.resize(760, 820)
        self._restore_geometry()
        ctx.bus.changed.connect(self._on_changes)
        self._show_customer(customer_id)

    # --- showing a customer --------------------------------------------------------------------
    def _show_customer(self, customer_id: int | None) -> None:
        """Build the form (and for an existing customer the tabs) for `customer_id`."""
        if customer_id is None:
            actor = self.ctx.actor
            self.values = {"owner_id": actor.id}
            owner: tuple[int, str] | None = (actor.id, actor.name)
            editable = actor.can("customers.create")
        else:
            self.values = customers.get_customer(self.ctx.db, self.ctx.actor, customer_id)
            owner_id = self.values.get("owner_id")
            owner = (owner_id, self.values.get("owner_name") or "") if owner_id else None
            editable = self.ctx.actor.can("customers.edit")
        self._register(customer_id)
        self.customer_id = customer_id
        if customer_id is not None and editable:
            self.editing.watch(self.ctx.db, self.ctx.presence_key, "customer", customer_id)
        panel = FormPanel(
            customer_fields(
                self.ctx, editable=editable, owner=owner, campaign=self.values.get("campaign_id")
            ),
            self.values,
            self._save_values,
            reload=self._fresh_values,
        )
        panel.setObjectName("customerForm")
        panel.editor("remarks").setMaximumHeight(96)  # the inner tabs need the room more
        panel.saved.connect(self._store_result)
        panel.edited.connect(self._edited)
        for key in ("name", "phone"):
            line = panel.editor(key)
            assert isinstance(line, QLineEdit)
            line.editingFinished.connect(self.check_duplicates)
        holder = QWidget()  # keeps the rows at their natural height in a tall window
        holder_layout = QVBoxLayout(holder)
        holder_layout.addWidget(panel)
        holder_layout.addStretch()
        self.scroll.setWidget(holder)  # deletes the previous form
        self.panel = panel
        self.save_button.setEnabled(editable)
        self.warning.hide()
        self._show_tabs()
        self._show_info()

    def _show_tabs(self) -> None:
        if self.tabs is not None:
            self.tabs.setParent(None)
            self.tabs.deleteLater()
            self.tabs = None
        if self.customer_id is None:
            return
        page = CustomerPage(self.ctx, self.customer_id, self, self._customer_changed)
        self.tabs = CustomerTabs(page, all_tabs())
        self.splitter.addWidget(self.tabs)
        self.splitter.setSizes([11, 9])  # proportions until the person moves the divider
        self._restore_splitter()

    def _show_info(self) -> None:
        if self.customer_id is None:
            self.setWindowTitle(_("New customer"))
            self.info.setText(_("A new customer; save it to add contacts, files and follow-ups."))
            return
        self.setWindowTitle(_("Customer “{name}”").format(name=self.values.get("name", "")))
        self.info.setText(info_line(self.values))

    def _fresh_values(self) -> dict[str, Any]:
        assert self.customer_id is not None
        self.values = customers.get_customer(self.ctx.db, self.ctx.actor, self.customer_id)
        self._show_info()
        return self.values

    def reload(self, *, keep_edits: bool = False) -> None:
        """Read the customer again; with `keep_edits` the form keeps what the person typed."""
        if self.customer_id is None or self.panel is None:
            return
        try:
            fresh = self._fresh_values()
        except CrmError as exc:  # archived away from them, moved out of their scope
            self.status.setText(exc.message)
            return
        if not (keep_edits and self.panel.is_dirty()):
            self.panel.set_values(fresh)

    # --- saving --------------------------------------------------------------------------------
    def _save_values(self, values: dict[str, Any], version: int | None) -> int:
        if "tags" in values:
            values = {**values, "tags": clean_tags(values["tags"])}
        db, actor = self.ctx.db, self.ctx.actor
        allow = self._allow_duplicate
        try:
            if self.customer_id is None:
                return customers.create_customer(db, actor, values, allow_duplicate=allow)
            assert version is not None
            customers.update_customer(
                db, actor, self.customer_id, version, values, allow_duplicate=allow
            )
            return self.customer_id
        except DuplicateCustomer as exc:
            self._matches = list(exc.matches)
            raise

    def _store_result(self, result: Any) -> None:
        self._result = result

    def save(self) -> bool:
        """Save the changed fields; True when stored (or nothing to store)."""
        if self.panel is None or not self.save_button.isEnabled():
            return False
        self._result, self._matches = None, []
        try:
            saved = self.panel.submit()
        finally:
            self._allow_duplicate = False
        if not saved:
            if self._matches:
                self._ask_about_duplicates(self._matches)
            return False
        if self._result is None:  # nothing was changed
            return True
        if self.customer_id is None:
            self._show_customer(int(self._result))
        else:
            self.reload()
        self.warning.hide()  # saved as it is, on purpose
        self.ctx.notify(Changes.of("customers"))
        self.status.setText(_("Saved."))
        return True

    def _edited(self) -> None:
        if self.panel is not None and self.panel.is_dirty():
            self.status.clear()

    def _ask_about_duplicates(self, matches: Sequence[customers.DuplicateMatch]) -> None:
        if self.duplicates is not None:
            self.duplicates.deleteLater()
        dialog = DuplicateDialog(matches, self)
        self.duplicates = dialog
        dialog.finished.connect(lambda _code: self._duplicate_answered(dialog))
        dialog.open()

    def _duplicate_answered(self, dialog: DuplicateDialog) -> None:
        if dialog.choice == "save":
            self._allow_duplicate = True
            self.save()
        elif dialog.choice == "open":
            match = dialog.match()
            if match is not None:
                self.open_existing(match.id)

    def open_existing(self, customer_id: int) -> None:
        """Open a matching customer: it replaces a new, unsaved window; else a second window."""
        parent = self.parentWidget()
        replacing = self.customer_id is None
        if replacing:
            self._discard_and_close()
        open_customer(self.ctx, parent, customer_id)

    def check_duplicates(self) -> None:
        """As the person leaves the name or phone field: warn (without blocking) of matches."""
        if self.panel is None or not self.panel.editor("name").isEnabled():
            return
        name = self._text("name")
        phone = self._text("phone")
        if name == (self.values.get("name") or "") and phone == (self.values.get("phone") or ""):
            self.warning.hide()  # unchanged: what was saved (maybe on purpose) is not news
            return
        try:
            matches = customers.find_duplicates(
                self.ctx.db, self.ctx.actor, name, phone, exclude_id=self.customer_id
            )
        except CrmError:
            matches = []
        self.show_duplicate_warning(matches)

    def show_duplicate_warning(self, matches: Sequence[customers.DuplicateMatch]) -> None:
        if not matches:
            self.warning.hide()
            return
        lines = []
        for match in matches[:3]:
            if match.reason == "name":
                text = _("A customer with this name already exists: {name} ({owner})")
            else:
                text = _("A customer with this phone number already exists: {name} ({owner})")
            line = html.escape(
                text.format(name=match.name, owner=match.owner_name or _("public pool"))
            )
            if match.visible:
                line += f' <a href="{match.id}">{html.escape(_("Open"))}</a>'
            lines.append(line)
        self.warning.setText("<br>".join(lines))
        self.warning.show()

    def _open_link(self, link: str) -> None:
        self.open_existing(int(link))

    def _text(self, key: str) -> str:
        assert self.panel is not None
        line = self.panel.editor(key)
        assert isinstance(line, QLineEdit)
        return line.text().strip()

    # --- changes elsewhere ---------------------------------------------------------------------
    def _customer_changed(self) -> None:
        """An inner tab changed the customer itself (restored an old value)."""
        self.reload()
        self.ctx.notify(Changes.of("customers"))

    def _on_changes(self, changes: Changes) -> None:
        if self.customer_id is None:
            return
        if changes.touches("customers", "followups"):
            self.reload(keep_edits=True)
        if self.tabs is not None:
            self.tabs.refresh(changes)

    # --- closing and geometry ------------------------------------------------------------------
    def reject(self) -> None:
        """Esc and Close: ask before throwing away unsaved edits."""
        if (
            self.panel is not None
            and self.save_button.isEnabled()
            and self.panel.is_dirty()
            and not prompts.confirm(
                self,
                _("Unsaved changes"),
                _("You changed this customer without saving. Discard the changes?"),
            )
        ):
            return
        super().reject()

    def _discard_and_close(self) -> None:
        if self.panel is not None:
            self.panel.set_values(self.values)
        self.close()

    def done(self, result: int) -> None:
        self._save_geometry()
        self._register(None)
        self.editing.release()
        with contextlib.suppress(RuntimeError, TypeError):
            self.ctx.bus.changed.disconnect(self._on_changes)
        super().done(result)

    def _register(self, customer_id: int | None) -> None:
        if self.customer_id is not None and _open_windows.get(self.customer_id) is self:
            del _open_windows[self.customer_id]
        if customer_id is not None:
            _open_windows[customer_id] = self

    def _restore_geometry(self) -> None:
        saved = QSettings().value(f"{SETTINGS_KEY}/geometry")
        if isinstance(saved, QByteArray):
            self.restoreGeometry(saved)

    def _restore_splitter(self) -> None:
        saved = QSettings().value(f"{SETTINGS_KEY}/splitter")
        if isinstance(saved, QByteArray):
            self.splitter.restoreState(saved)

    def _save_geometry(self) -> None:
        settings = QSettings()
        settings.setValue(f"{SETTINGS_KEY}/geometry", self.saveGeometry())
        if self.tabs is not None:
            settings.setValue(f"{SETTINGS_KEY}/splitter", self.splitter.saveState())
