"""One editor for quotes and sales orders: the header, the lines and the totals.

A quote and an order are the same kind of document (a customer, a contact, a salesperson, dates,
priced lines, a tax rate, terms), so one dialog edits both; a small `DocumentKind` says what
differs (the service functions, the date and the order-only or quote-only fields, which statuses
may still change). The plain header fields are a shared `FormPanel`, so saving, readable errors and
"changed by someone else" (keep mine / take theirs) work as in every other form; its rows are laid
out in two columns around the customer picker, with the `LinesEditor` below.

Ctrl+S saves; Esc (or closing the window) asks before throwing away edits. A document whose
status no longer allows changes (a sent quote, a delivered order) opens read-only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from itertools import pairwise
from typing import Any

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.core.changes import Changes
from crm_desktop.core.clock import local_today
from crm_desktop.core.errors import CrmError, ValidationError
from crm_desktop.core.i18n import N_, _
from crm_desktop.core.models import DocumentStatus
from crm_desktop.core.services import customers, pool
from crm_desktop.core.services.sales_common import status_label
from crm_desktop.ui.context import AppContext
from crm_desktop.ui.followups.dialog import CustomerPicker, offer_contacts
from crm_desktop.ui.sales.lines_editor import LinesEditor
from crm_desktop.ui.widgets import Field, FormDialog, prompts

S = DocumentStatus
DEFAULT_TAX_KEY = "sales/tax_rate_bp"  # the rate used last on this PC, for the next document
DEFAULT_TAX_BP = 1300
QUOTE_VALID_DAYS = 30


@dataclass(frozen=True)
class DocumentKind:
    """What a quote and an order do differently in the shared editor."""

    key: str  # "quote" or "order" (also the printed document kind)
    changes: str  # the Changes kind a save announces
    new_title: str  # N_ marked
    edit_title: str  # N_ marked, with {number}
    date_key: str
    date_label: str  # N_ marked
    editable: frozenset[str]  # statuses whose header may still change
    lines_open: frozenset[str]  # statuses whose lines and tax may still change
    edit_permission: str
    create_permission: str
    only_fields: tuple[str, ...]  # fields only this kind has
    load: Callable[[Any, Any, int], Any]
    save: Callable[..., int]
    read_only_note: str  # N_ marked, with {status}


def _orders() -> Any:
    from crm_desktop.core.services import orders

    return orders


def _quotes() -> Any:
    from crm_desktop.core.services import quotes

    return quotes


ORDER = DocumentKind(
    key="order",
    changes="orders",
    new_title=N_("New sales order"),
    edit_title=N_("Sales order {number}"),
    date_key="order_date",
    date_label=N_("Order date"),
    editable=frozenset({S.DRAFT, S.CONFIRMED, S.DELIVERED}),
    lines_open=frozenset({S.DRAFT, S.CONFIRMED}),
    edit_permission="orders.edit",
    create_permission="orders.create",
    only_fields=("contact_phone", "delivery_address"),
    load=lambda db, actor, doc_id: _orders().get_order(db, actor, doc_id),
    save=lambda *args: _orders().save_order(*args),
    read_only_note=N_("This order is “{status}”: it can no longer be changed."),
)
QUOTE = DocumentKind(
    key="quote",
    changes="quotes",
    new_title=N_("New quote"),
    edit_title=N_("Quote {number}"),
    date_key="quote_date",
    date_label=N_("Quote date"),
    editable=frozenset({S.DRAFT}),
    lines_open=frozenset({S.DRAFT}),
    edit_permission="quotes.edit",
    create_permission="quotes.edit",
    only_fields=("valid_until",),
    load=lambda db, actor, doc_id: _quotes().get_quote(db, actor, doc_id),
    save=lambda *args: _quotes().save_quote(*args),
    read_only_note=N_(
        "This quote is “{status}”: it can no longer be changed. Revise it to make a new version."
    ),
)
KINDS = {kind.key: kind for kind in (ORDER, QUOTE)}

# which column of the header each field sits in; the rest (terms, remarks) go below the lines
LEFT = ("contact_id", "contact_phone", "delivery_address")
RIGHT = ("order_date", "quote_date", "valid_until", "salesperson_id")
NOTES = ("terms", "remarks")


def _fields(ctx: AppContext, kind: DocumentKind) -> list[Field]:
    every = [
        Field("contact_id", _("Contact"), "choice", choices=()),
        Field("contact_phone", _("Phone")),
        Field("delivery_address", _("Delivery address")),
        Field(kind.date_key, _(kind.date_label), "date", required=True),
        Field("valid_until", _("Valid until"), "date"),
        Field(
            "salesperson_id",
            _("Salesperson"),
            "choice",
            choices=lambda: pool.assignable_operators(ctx.db, ctx.actor),
            allow_empty=False,
        ),
        Field("terms", _("Terms"), "multiline", placeholder=_("Payment, delivery, warranty…")),
        Field("remarks", _("Remarks"), "multiline"),
    ]
    others = {key for other in KINDS.values() if other is not kind for key in other.only_fields}
    return [spec for spec in every if spec.key not in others]


class DocumentDialog(FormDialog):
    """Create (`doc_id` None) or edit a quote or an order."""

    def __init__(
        self,
        ctx: AppContext,
        kind: DocumentKind,
        parent: QWidget | None = None,
        *,
        doc_id: int | None = None,
        customer_id: int | None = None,
    ) -> None:
        self.ctx = ctx
        self.kind = kind
        self.doc_id = doc_id
        self.detail: Any = None
        self.discard_confirmed = False
        self._contacts: dict[int, dict[str, Any]] = {}
        self._filled: dict[str, str] = {}  # defaults put in fields, replaced when they change
        super().__init__(
            _(kind.new_title),
            _fields(ctx, kind),
            None,
            self._save,
            reload=self._reload,
            record=None if doc_id is None else (kind.key, doc_id),
            presence=(ctx.db, ctx.presence_key),
            parent=parent,
        )
        self.setObjectName(f"{kind.key}Dialog")
        self.customer = CustomerPicker(ctx)
        self.customer.setObjectName("field_customer")
        self.number = QLabel(_("(given when saved)"))
        self.number.setObjectName("documentNumber")
        self.number.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.lines = LinesEditor(ctx)
        self.read_only_note = QLabel()
        self.read_only_note.setObjectName("readOnlyNote")
        self.read_only_note.setWordWrap(True)
        self.read_only_note.setStyleSheet(
            "QLabel#readOnlyNote { background: #fff4e5; border: 1px solid #f0c36d;"
            " border-radius: 3px; padding: 6px; }"
        )
        self.read_only_note.hide()
        self.header_open = True
        self.cancel_button = next(
            button
            for button in self.buttons.buttons()
            if self.buttons.buttonRole(button) == QDialogButtonBox.ButtonRole.RejectRole
        )
        self._lay_out()
        self.customer.chosen.connect(self._customer_chosen)
        contact = self.panel.editor("contact_id")
        assert isinstance(contact, QComboBox)
        contact.activated.connect(lambda _i: self._contact_chosen())
        self._initial_customer: int | None = None
        if doc_id is None:
            self._start_new(customer_id)
        else:
            self.panel.always_save = True  # the lines and the tax rate are outside the panel
            self.panel.set_values(self._load(doc_id))
        self.resize(1040, 720)

    # --- layout ------------------------------------------------------------------------------
    def _take(self, key: str) -> tuple[QWidget, QWidget] | None:
        """Move a field's label and editor out of the panel's one-column form."""
        editor = self.panel.editors.get(key)
        if editor is None:
            return None
        row, _role = self.panel.form.getWidgetPosition(editor)
        taken = self.panel.form.takeRow(row)
        label = taken.labelItem.widget() if taken.labelItem is not None else QLabel()
        return label, editor

    def _column(self, keys: Sequence[str], first: tuple[str, QWidget] | None = None) -> QFormLayout:
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if first is not None:
            form.addRow(*first)
        for key in keys:
            taken = self._take(key)
            if taken is not None:
                form.addRow(*taken)
        return form

    def _lay_out(self) -> None:
        left = self._column(LEFT, (_("Customer") + " *", self.customer))
        right = self._column(RIGHT, (_("Number"), self.number))
        header = QGridLayout()
        header.addLayout(left, 0, 0)
        header.addLayout(right, 0, 1)
        header.setColumnStretch(0, 3)
        header.setColumnStretch(1, 2)

        notes = QGridLayout()
        for column, key in enumerate(NOTES):
            taken = self._take(key)
            assert taken is not None
            label, editor = taken
            if isinstance(editor, QPlainTextEdit):
                editor.setMinimumHeight(54)
                editor.setMaximumHeight(90)
            notes.addWidget(label, 0, column)
            notes.addWidget(editor, 1, column)
        bottom = QWidget()
        bottom.setLayout(notes)
        notes.setContentsMargins(0, 0, 0, 0)

        split = QSplitter(Qt.Orientation.Vertical)
        split.setChildrenCollapsible(False)
        split.addWidget(self.lines)
        split.addWidget(bottom)
        split.setStretchFactor(0, 1)

        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        at = layout.indexOf(self.panel) + 1  # the panel now shows only its error line
        layout.insertWidget(at, self.read_only_note)
        layout.insertLayout(at + 1, header)
        layout.insertWidget(at + 2, split, 1)
        self._tab_order()

    def _tab_order(self) -> None:
        chain: list[QWidget] = [self.customer]
        chain += [self.panel.editors[k] for k in (*LEFT, *RIGHT) if k in self.panel.editors]
        chain += [self.lines.table, self.lines.tax_rate]
        chain += [self.panel.editors[k] for k in NOTES]
        chain += [self.save_button]
        for first, second in pairwise(chain):
            QWidget.setTabOrder(first, second)

    # --- values ------------------------------------------------------------------------------
    def _start_new(self, customer_id: int | None) -> None:
        today = local_today(self.ctx.db.clock)
        values: dict[str, Any] = {self.kind.date_key: today, "salesperson_id": self.ctx.actor.id}
        if self.kind is QUOTE:
            values["valid_until"] = today + timedelta(days=QUOTE_VALID_DAYS)
        self.panel.set_values(values)
        self.lines.set_tax_rate_bp(_default_tax_rate())
        self.lines.mark_clean()
        if customer_id is not None:
            self.customer.preset(customer_id, lock=False)
            self._initial_customer = customer_id
            self.panel.set_values(self.panel.values())  # the customer's defaults are no edit
            self.panel.editor("contact_id").setFocus()
        else:
            self.customer.setFocus()

    def _load(self, doc_id: int) -> dict[str, Any]:
        """Show the stored document; returns the panel's values (with `version`)."""
        detail = self.kind.load(self.ctx.db, self.ctx.actor, doc_id)
        self.detail = detail
        self.setWindowTitle(_(self.kind.edit_title).format(number=self._number_text(detail)))
        self.number.setText(f"{self._number_text(detail)}    {status_label(detail.status)}")
        self.customer.set_customer(detail.customer_id, detail.customer_name)
        self.customer.setReadOnly(True)  # a document stays with its customer
        self._initial_customer = detail.customer_id
        self._offer_salesperson(detail.salesperson_id, detail.salesperson_name)
        self._offer_contact(detail.contact_id, detail.contact_name)
        self.lines.set_lines(detail.lines, detail.tax_rate_bp)
        self._apply_mode(detail)
        values = {spec.key: getattr(detail, spec.key, None) for spec in self.panel.fields}
        values["version"] = detail.version
        return values

    def _reload(self) -> dict[str, Any]:
        assert self.doc_id is not None
        return self._load(self.doc_id)

    def _number_text(self, detail: Any) -> str:
        revision = getattr(detail, "revision", None)
        if revision and revision > 1:
            return _("{number} rev. {revision}").format(number=detail.number, revision=revision)
        return str(detail.number)

    def _apply_mode(self, detail: Any) -> None:
        """Lock what the document's status (or the operator's rights) no longer lets change."""
        may_edit = self.ctx.actor.can(self.kind.edit_permission)
        archived = bool(getattr(detail, "archived", False))
        header_open = may_edit and not archived and detail.status in self.kind.editable
        lines_open = header_open and detail.status in self.kind.lines_open
        status = status_label(detail.status)
        if not may_edit:
            note = _("You may read this document but not change it.")
        elif archived:
            note = _("This document is archived: restore it to change it.")
        elif not header_open:
            note = _(self.kind.read_only_note).format(status=status)
        elif not lines_open:
            note = _("The lines and tax of a “{status}” order can no longer change.").format(
                status=status
            )
        else:
            note = ""
        self._set_editable(header_open, lines_open, note)

    def _set_editable(self, header: bool, lines: bool, note: str = "") -> None:
        self.header_open = header
        self.lines.set_read_only(not lines)
        for spec in self.panel.fields:
            editor = self.panel.editors[spec.key]
            if isinstance(editor, QLineEdit | QPlainTextEdit):
                editor.setReadOnly(not header)  # still selectable, to copy from
                editor.setPlaceholderText(spec.placeholder if header else "")
            else:
                editor.setEnabled(header)
        self.save_button.setVisible(header)
        self.cancel_button.setText(_("Cancel") if header else _("Close"))
        self.read_only_note.setText(note)
        self.read_only_note.setVisible(bool(note))

    @property
    def read_only(self) -> bool:
        return not self.header_open

    def _offer_salesperson(self, person_id: int | None, name: str | None) -> None:
        """Someone who left (or is outside the picker's list) still shows by name."""
        combo = self.panel.editor("salesperson_id")
        assert isinstance(combo, QComboBox)
        if person_id is not None and combo.findData(person_id) < 0:
            combo.addItem(name or _("(unknown #{id})").format(id=person_id), person_id)

    def _offer_contact(self, contact_id: int | None, name: str | None) -> None:
        combo = self.panel.editor("contact_id")
        assert isinstance(combo, QComboBox)
        if contact_id is not None and combo.findData(contact_id) < 0:
            combo.addItem(name or _("(unknown #{id})").format(id=contact_id), contact_id)

    # --- the customer and contact ------------------------------------------------------------
    def _customer_chosen(self, customer_id: int | None) -> None:
        """Offer the customer's contacts (the primary one first) and fill the defaults."""
        combo = self.panel.editor("contact_id")
        assert isinstance(combo, QComboBox)
        self._contacts = {}
        try:
            found = offer_contacts(self.ctx, combo, customer_id, preselect=self.doc_id is None)
        except CrmError as exc:
            prompts.show_error(self, exc)
            return
        self._contacts = {contact["id"]: contact for contact in found}
        if customer_id is None:
            return
        if self.doc_id is None:
            self._contact_chosen()
            self._fill_address(customer_id)

    def _contact_chosen(self) -> None:
        """An order calls the chosen contact's mobile (else phone)."""
        contact = self._contacts.get(self.panel.editor("contact_id").currentData() or 0, {})
        self._fill("contact_phone", contact.get("mobile") or contact.get("phone") or "")

    def _fill_address(self, customer_id: int) -> None:
        try:
            found = customers.get_customer(self.ctx.db, self.ctx.actor, customer_id)
        except CrmError:
            return
        self._fill("delivery_address", found.get("address") or "")

    def _fill(self, key: str, text: str) -> None:
        """Put a default in a field, unless the person typed something of their own there."""
        editor = self.panel.editors.get(key)
        if not isinstance(editor, QLineEdit) or editor.isReadOnly():
            return
        if editor.text() in ("", self._filled.get(key)):
            editor.setText(text)
            self._filled[key] = text

    # --- saving ------------------------------------------------------------------------------
    def _save(self, values: dict[str, Any], version: int | None) -> int:
        customer_id = self.customer.customer_id
        if customer_id is None:
            self.customer.setFocus()
            raise ValidationError(_("Choose the customer from the list."))
        header = dict(values)
        header["tax_rate_bp"] = self.lines.tax_rate_bp()
        lines = self.lines.lines()
        if not lines:
            self.lines.table.setFocus()
            raise ValidationError(_("Add at least one line."))
        if self.doc_id is None:
            header["customer_id"] = customer_id
        saved = self.kind.save(self.ctx.db, self.ctx.actor, self.doc_id, version, header, lines)
        QSettings().setValue(DEFAULT_TAX_KEY, header["tax_rate_bp"])
        return saved

    def submit(self) -> None:
        if self.read_only:
            return
        super().submit()

    def is_dirty(self) -> bool:
        if self.read_only:
            return False
        return (
            self.panel.is_dirty()
            or self.lines.is_dirty()
            or self.customer.customer_id != self._initial_customer
        )

    def reject(self) -> None:
        """Esc, Cancel and the window's close button: ask before throwing edits away."""
        if self.is_dirty() and not self.discard_confirmed:
            what = _("this order") if self.kind is ORDER else _("this quote")
            if not prompts.confirm(
                self,
                _("Discard changes"),
                _("Discard your changes to {what}?").format(what=what),
            ):
                return
            self.discard_confirmed = True
        super().reject()


def _default_tax_rate() -> int:
    value = QSettings().value(DEFAULT_TAX_KEY)
    try:
        return int(value) if value is not None else DEFAULT_TAX_BP
    except (TypeError, ValueError):
        return DEFAULT_TAX_BP


def open_document(
    ctx: AppContext,
    parent: QWidget | None,
    kind: DocumentKind | str,
    doc_id: int | None = None,
    *,
    customer_id: int | None = None,
    on_saved: Callable[[int], None] | None = None,
) -> DocumentDialog:
    """Open the editor window-modally. A save calls `on_saved(id)`, which then announces the
    change itself (a list page reloads and selects the record first); without it the dialog
    announces the kind's change."""
    spec = KINDS[kind] if isinstance(kind, str) else kind
    dialog = DocumentDialog(ctx, spec, parent, doc_id=doc_id, customer_id=customer_id)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def saved() -> None:
        result = dialog.result_value if dialog.result_value is not None else doc_id
        if on_saved is not None and result is not None:
            on_saved(int(result))
        else:
            ctx.notify(Changes.of(spec.changes))

    dialog.accepted.connect(saved)
    dialog.open()
    return dialog


__all__ = ["KINDS", "ORDER", "QUOTE", "DocumentDialog", "DocumentKind", "open_document"]
