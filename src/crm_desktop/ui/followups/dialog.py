"""The follow-up record dialog: who was contacted, how, what came of it, and when to call again.

The shared `FormDialog` holds the plain fields; three editors it has no kind for sit in the same
form: the customer picker (searched in the service as the person types, so pinyin initials and
phone fragments work), the time it happened (date and time) and the optional next follow-up date.
`record_followup` and `edit_followup` open the dialog window-modally and return it; a save
announces `followups` and `customers` (the customer's next follow-up date moves).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from itertools import pairwise
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDateTimeEdit,
    QLineEdit,
    QWidget,
)

from crm_desktop.core.changes import Changes
from crm_desktop.core.errors import ValidationError
from crm_desktop.core.i18n import _
from crm_desktop.core.models import BaseDataKind
from crm_desktop.core.services import contacts, customers, followups
from crm_desktop.ui.choices import base_data_field
from crm_desktop.ui.context import AppContext
from crm_desktop.ui.widgets import Field, FormDialog
from crm_desktop.ui.widgets.filter_bar import OptionalDateEdit
from crm_desktop.ui.widgets.record_table_model import local_time

SEARCH_DELAY_MS = 250
PICKER_LIMIT = 20
ID_ROLE = Qt.ItemDataRole.UserRole
NAME_ROLE = Qt.ItemDataRole.UserRole + 1
EXTRA_KEYS = ("customer_id", "happened_at", "next_followup_on")


def method_choices() -> list[tuple[str, str]]:
    """(method, translated label) in the service's order."""
    return [(key, _(label)) for key, label in followups.METHOD_LABELS.items()]


class CustomerPicker(QLineEdit):
    """Type part of a name, pinyin or phone; pick the customer from the list that drops down.

    The search runs in the customer service (same matching as the customers tab), a moment after
    the last key press. Editing the text again forgets the chosen customer.
    """

    chosen = Signal(object)  # customer id or None

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.customer_id: int | None = None
        self.setPlaceholderText(_("Type a name, pinyin or phone…"))
        self.matches = QStandardItemModel(self)
        self.completer_ = QCompleter(self.matches, self)
        self.completer_.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.completer_.setWidget(self)
        self.completer_.activated[QModelIndex].connect(self._activated)  # type: ignore[index]
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(SEARCH_DELAY_MS)
        self.timer.timeout.connect(lambda: self.search(self.text()))
        self.textEdited.connect(self._edited)
        self.editingFinished.connect(self._finished)

    def set_customer(self, customer_id: int | None, name: str = "") -> None:
        self.customer_id = customer_id
        self.setText(name)
        self.chosen.emit(customer_id)

    def preset(self, customer_id: int, *, lock: bool = True) -> None:
        """Start on a known customer (opened from the customer's window); `lock` keeps it."""
        name = customers.get_customer(self.ctx.db, self.ctx.actor, customer_id)["name"]
        self.set_customer(customer_id, name)
        self.setReadOnly(lock)

    def search(self, text: str) -> int:
        """Offer the customers matching `text`; returns how many are offered."""
        self.timer.stop()
        self.matches.clear()
        text = text.strip()
        if not text:
            self.completer_.popup().hide()
            return 0
        found = customers.list_customers(
            self.ctx.db, self.ctx.actor, customers.CustomerFilter(search=text), limit=PICKER_LIMIT
        )
        for row in found:
            details = " · ".join(part for part in (row.phone, row.owner_name) if part)
            item = QStandardItem(f"{row.name}    {details}" if details else row.name)
            item.setData(row.id, ID_ROLE)
            item.setData(row.name, NAME_ROLE)
            item.setEditable(False)
            self.matches.appendRow(item)
        if found and self.hasFocus():
            self.completer_.complete()
        return len(found)

    def choose_row(self, row: int) -> None:
        """Take the `row`-th offered customer (what clicking it in the list does)."""
        item = self.matches.item(row)
        self.set_customer(item.data(ID_ROLE), item.data(NAME_ROLE))

    def _activated(self, index: QModelIndex) -> None:
        self.set_customer(index.data(ID_ROLE), index.data(NAME_ROLE))

    def _edited(self, _text: str) -> None:
        if self.customer_id is not None:
            self.customer_id = None
            self.chosen.emit(None)
        self.timer.start()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter picks the only match instead of saving the dialog before a customer is chosen."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.customer_id is None:
            self._finished()
            if self.customer_id is None and self.matches.rowCount():
                self.completer_.complete()
            event.accept()
            return
        super().keyPressEvent(event)

    def _finished(self) -> None:
        """Leaving the field with exactly one match offered takes it."""
        if self.customer_id is None and self.timer.isActive():
            self.search(self.text())
        if self.customer_id is None and self.matches.rowCount() == 1:
            self.choose_row(0)


def titled(contact: dict[str, Any]) -> str:
    """A contact as "name (title)"."""
    title = contact.get("title")
    return f"{contact['name']} ({title})" if title else contact["name"]


def offer_contacts(
    ctx: AppContext,
    combo: QComboBox,
    customer_id: int | None,
    *,
    label: Callable[[dict[str, Any]], str] = titled,
    preselect: bool = False,
) -> list[dict[str, Any]]:
    """Offer an empty entry and the customer's contacts (the primary one first, chosen when
    `preselect`); returns the contacts."""
    combo.clear()
    combo.addItem("", None)
    if customer_id is None:
        return []
    found = contacts.list_contacts(ctx.db, ctx.actor, customer_id)
    for contact in found:
        combo.addItem(label(contact), contact["id"])
    if preselect and combo.count() > 1:
        combo.setCurrentIndex(1)
    return found


def _fields(ctx: AppContext) -> list[Field]:
    return [
        Field("contact_id", _("Contact"), "choice", choices=()),
        Field("method", _("Method"), "choice", choices=method_choices, allow_empty=False),
        base_data_field(ctx, "category_id", _("Category"), BaseDataKind.FOLLOWUP_CATEGORY),
        Field("subject", _("Subject"), placeholder=_("A few words to find it again")),
        Field("content", _("Content"), "multiline", placeholder=_("What was discussed")),
        Field("result", _("Result"), "multiline"),
        Field("next_action", _("Next action"), placeholder=_("What to do next time")),
    ]


def _local(value: datetime) -> datetime:
    """A stored time as the naive local time a QDateTimeEdit shows."""
    return local_time(value).replace(tzinfo=None)


class FollowUpDialog(FormDialog):
    """Record a new follow-up (`followup_id` None) or edit one's own."""

    def __init__(
        self,
        ctx: AppContext,
        parent: QWidget | None,
        *,
        customer_id: int | None = None,
        followup_id: int | None = None,
    ) -> None:
        self.ctx = ctx
        self.followup_id = followup_id
        title = _("Record a follow-up") if followup_id is None else _("Edit follow-up")
        super().__init__(title, _fields(ctx), None, self._save, reload=self._reload, parent=parent)
        self.setObjectName("followupDialog")
        self.customer = CustomerPicker(ctx)
        self.customer.setObjectName("field_customer")
        self.happened = QDateTimeEdit()
        self.happened.setObjectName("field_happened_at")
        self.happened.setCalendarPopup(True)
        self.happened.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.next_date = OptionalDateEdit(_("Set a date for the next follow-up"))
        self.next_date.setObjectName("field_next_followup_on")
        form = self.panel.form
        form.insertRow(0, _("Customer") + " *", self.customer)
        form.insertRow(4, _("Happened at"), self.happened)
        form.insertRow(8, _("Next follow-up"), self.next_date)
        self._tab_order()
        self.customer.chosen.connect(self._customer_chosen)
        self.initial_extras: dict[str, Any] = {}
        if followup_id is None:
            self._start_new(customer_id)
        else:
            self.panel.always_save = True  # the extra editors are outside the panel's diff
            self.panel.set_values(self._load(followup_id))
            self.customer.setReadOnly(True)
        self.resize(560, self.sizeHint().height())

    def _tab_order(self) -> None:
        editors = self.panel.editors
        chain: list[QWidget] = [
            self.customer,
            editors["contact_id"],
            editors["method"],
            self.happened,
            editors["subject"],
            editors["content"],
            editors["result"],
            self.next_date.check,
            self.next_date.date,
            editors["next_action"],
        ]
        for first, second in pairwise(chain):
            QWidget.setTabOrder(first, second)

    # --- values ------------------------------------------------------------------------------
    def _start_new(self, customer_id: int | None) -> None:
        now = _local(self.ctx.db.clock.now())
        self.happened.setDateTime(now)
        self.next_date.set_value(None, default=now.date())
        self.panel.set_values({"method": "phone"})
        if customer_id is not None:
            self.customer.preset(customer_id)
            self.panel.editor("contact_id").setFocus()
        else:
            self.customer.setFocus()
        self.initial_extras = self._extras()

    def _load(self, followup_id: int) -> dict[str, Any]:
        """The follow-up's values for the panel; also shows them in the extra editors."""
        values = followups.get_followup(self.ctx.db, self.ctx.actor, followup_id)
        self.customer.set_customer(values["customer_id"], values.get("customer_name") or "")
        self.happened.setDateTime(_local(values["happened_at"]))
        self.next_date.set_value(values.get("next_followup_on"))
        self.initial_extras = self._extras()
        return values

    def _reload(self) -> dict[str, Any]:
        assert self.followup_id is not None
        return self._load(self.followup_id)

    def _extras(self) -> dict[str, Any]:
        happened: datetime = self.happened.dateTime().toPython()  # type: ignore[assignment]
        return {
            "customer_id": self.customer.customer_id,
            "happened_at": happened.replace(second=0, microsecond=0).astimezone(UTC),
            "next_followup_on": self.next_date.value(),
        }

    def _customer_chosen(self, customer_id: int | None) -> None:
        """Offer the chosen customer's contacts, the primary one preselected."""
        combo = self.panel.editor("contact_id")
        assert isinstance(combo, QComboBox)
        offer_contacts(self.ctx, combo, customer_id, preselect=self.followup_id is None)

    # --- saving ------------------------------------------------------------------------------
    def _save(self, values: dict[str, Any], version: int | None) -> int | None:
        extras = self._extras()
        if extras["customer_id"] is None:
            self.customer.setFocus()
            raise ValidationError(_("Choose the customer from the list."))
        if self.followup_id is None:
            return followups.record_followup(self.ctx.db, self.ctx.actor, {**values, **extras})
        changed = {
            key: value for key, value in extras.items() if value != self.initial_extras.get(key)
        }
        changed.pop("customer_id", None)
        changed.update(values)
        if not changed:
            return None
        followups.update_followup(self.ctx.db, self.ctx.actor, self.followup_id, version, changed)
        return self.followup_id


def _open(ctx: AppContext, dialog: FollowUpDialog) -> FollowUpDialog:
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.accepted.connect(lambda: ctx.notify(Changes.of("followups", "customers")))
    dialog.open()
    return dialog


def record_followup(
    ctx: AppContext, parent: QWidget | None, customer_id: int | None = None
) -> FollowUpDialog:
    """Open the dialog for a new follow-up (for `customer_id`, or with the customer picker)."""
    return _open(ctx, FollowUpDialog(ctx, parent, customer_id=customer_id))


def edit_followup(ctx: AppContext, parent: QWidget | None, followup_id: int) -> FollowUpDialog:
    """Open one's own follow-up for correction (the service refuses other people's)."""
    return _open(ctx, FollowUpDialog(ctx, parent, followup_id=followup_id))
