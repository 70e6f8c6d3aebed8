"""The service record dialog: who asked, what about, who handles it, and how it ended.

The shared `FormDialog` holds the plain fields; the customer picker (searched as the person types,
the same picker as the follow-up dialog) and the accepted time (date and time) sit in the same
form. The status is a field too, but the service moves it with `set_service_status` (which stamps
the resolved time), so a save that changes it is two steps: the fields, then the status. Someone
without `service.edit` opens an existing record to read it: every field is locked and there is no
Save. A save announces `service`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import pairwise
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QDateTimeEdit, QLineEdit, QPlainTextEdit, QWidget

from crm_desktop.core.changes import Changes
from crm_desktop.core.errors import ValidationError
from crm_desktop.core.i18n import NC_, _
from crm_desktop.core.models import BaseDataKind, ServiceStatus
from crm_desktop.core.services import pool, service_records
from crm_desktop.ui.choices import base_data_field
from crm_desktop.ui.context import AppContext
from crm_desktop.ui.followups.dialog import CustomerPicker, offer_contacts
from crm_desktop.ui.widgets import Field, FormDialog
from crm_desktop.ui.widgets.record_table_model import local_time


def status_choices() -> list[tuple[str, str]]:
    return [(key, _(label)) for key, label in service_records.SERVICE_STATUS_LABELS.items()]


def priority_choices() -> list[tuple[int, str]]:
    return [(key, _(label)) for key, label in service_records.PRIORITY_LABELS.items()]


def kind_choices() -> list[tuple[str, str]]:
    return [(key, _(label)) for key, label in service_records.SERVICE_KIND_LABELS.items()]


def handler_choices(ctx: AppContext) -> list[tuple[int, str]]:
    """The people the actor may hand a record to (themselves, their team, or everyone)."""
    return pool.assignable_operators(ctx.db, ctx.actor)


def satisfaction_choices() -> list[tuple[int, str]]:
    return [(stars, "★" * stars + "☆" * (5 - stars)) for stars in range(5, 0, -1)]


def _fields(ctx: AppContext) -> list[Field]:
    return [
        Field("contact_id", _("Contact"), "choice", choices=()),
        Field("subject", _("Subject"), required=True, placeholder=_("What the customer needs")),
        Field("kind", _("Kind"), "choice", choices=kind_choices, allow_empty=False),
        base_data_field(ctx, "category_id", _("Category"), BaseDataKind.SERVICE_CATEGORY),
        Field(
            "handler_id",
            _(NC_("service", "Handler")),
            "choice",
            choices=lambda: handler_choices(ctx),
            allow_empty=False,
        ),
        Field("priority", _("Priority"), "choice", choices=priority_choices, allow_empty=False),
        Field("status", _("Status"), "choice", choices=status_choices, allow_empty=False),
        Field("result", _("Result"), "multiline", placeholder=_("What was done, how it ended")),
        Field("remarks", _("Remarks"), "multiline"),
        Field(
            "satisfaction",
            _("Satisfaction"),
            "choice",
            choices=satisfaction_choices,
            tooltip=_("How satisfied the customer was (when closed)"),
        ),
        Field(
            "satisfaction_comment",
            _("Satisfaction comment"),
            placeholder=_("What the customer said"),
        ),
    ]


def with_phone(contact: dict[str, Any]) -> str:
    """A contact as "name (mobile, else phone)": the number to call back."""
    number = contact.get("mobile") or contact.get("phone")
    return f"{contact['name']} ({number})" if number else contact["name"]


class ServiceRecordDialog(FormDialog):
    """Record a service request (`record_id` None) or open one to change or read it."""

    def __init__(
        self,
        ctx: AppContext,
        parent: QWidget | None,
        *,
        record_id: int | None = None,
        customer_id: int | None = None,
    ) -> None:
        self.ctx = ctx
        self.record_id = record_id
        self.read_only = record_id is not None and not ctx.actor.can("service.edit")
        if record_id is None:
            title = _("New service record")
        elif self.read_only:
            title = _("Service record")
        else:
            title = _("Edit service record")
        super().__init__(
            title,
            _fields(ctx),
            None,
            self._save,
            reload=self._reload,
            record=None if record_id is None or self.read_only else ("service_record", record_id),
            presence=(ctx.db, ctx.presence_key),
            parent=parent,
        )
        self.setObjectName("serviceDialog")
        self.customer = CustomerPicker(ctx)
        self.customer.setObjectName("field_customer")
        self.accepted_edit = QDateTimeEdit()
        self.accepted_edit.setObjectName("field_accepted_at")
        self.accepted_edit.setCalendarPopup(True)
        self.accepted_edit.setDisplayFormat("yyyy-MM-dd HH:mm")
        form = self.panel.form
        form.insertRow(0, _("Customer") + " *", self.customer)
        form.insertRow(6, _("Accepted at"), self.accepted_edit)
        self._tab_order()
        self.customer.chosen.connect(self._customer_chosen)
        self.initial_accepted: datetime | None = None
        if record_id is None:
            self._start_new(customer_id)
        else:
            self.panel.always_save = True  # the accepted time is outside the panel's diff
            self.panel.set_values(self._load(record_id))
            self.customer.setReadOnly(True)
        if record_id is not None and ctx.actor.can("kb.view"):
            from crm_desktop.ui.knowledge.related import RelatedArticles

            self.related = RelatedArticles(ctx, record_id, self)
            form.addRow(_("Related articles"), self.related)
        if self.read_only:
            self._lock()
        self.resize(620, self.minimumSizeHint().height() + 120)  # room to write a few lines

    def _tab_order(self) -> None:
        editors = self.panel.editors
        chain: list[QWidget] = [self.customer, editors["contact_id"], editors["subject"]]
        chain += [
            editors["kind"],
            editors["category_id"],
            editors["handler_id"],
            self.accepted_edit,
        ]
        chain += [editors[key] for key in ("priority", "status", "result", "remarks")]
        chain += [editors["satisfaction"], editors["satisfaction_comment"]]
        for first, second in pairwise(chain):
            QWidget.setTabOrder(first, second)

    def _lock(self) -> None:
        """Reading only: nothing editable, no Save (the service would refuse it anyway)."""
        for editor in self.panel.editors.values():
            if isinstance(editor, (QLineEdit, QPlainTextEdit)):
                editor.setReadOnly(True)
            else:
                editor.setEnabled(False)
        self.accepted_edit.setReadOnly(True)
        self.save_button.hide()

    # --- values ------------------------------------------------------------------------------
    def _start_new(self, customer_id: int | None) -> None:
        self.accepted_edit.setDateTime(local_time(self.ctx.db.clock.now()).replace(tzinfo=None))
        self.panel.set_values(
            {
                "kind": "service",
                "priority": 2,
                "status": ServiceStatus.OPEN,
                "handler_id": self.ctx.actor.id,
            }
        )
        if customer_id is not None:
            self.customer.preset(customer_id)
            self.panel.editor("subject").setFocus()
        else:
            self.customer.setFocus()

    def _load(self, record_id: int) -> dict[str, Any]:
        """The record's values for the panel; also shows the customer and the accepted time."""
        values = service_records.get_service_record(self.ctx.db, self.ctx.actor, record_id)
        self.customer.set_customer(values["customer_id"], values.get("customer_name") or "")
        handler = self.panel.editor("handler_id")
        assert isinstance(handler, QComboBox)
        if handler.findData(values["handler_id"]) < 0:  # e.g. someone outside one's scope
            handler.addItem(values.get("handler_name") or "", values["handler_id"])
        self.accepted_edit.setDateTime(local_time(values["accepted_at"]).replace(tzinfo=None))
        self.initial_accepted = self._accepted_at()
        return values

    def _reload(self) -> dict[str, Any]:
        assert self.record_id is not None
        return self._load(self.record_id)

    def _accepted_at(self) -> datetime:
        shown: datetime = self.accepted_edit.dateTime().toPython()  # type: ignore[assignment]
        return shown.replace(second=0, microsecond=0).astimezone(UTC)

    def _customer_chosen(self, customer_id: int | None) -> None:
        """Offer the chosen customer's contacts, the primary one preselected on a new record."""
        combo = self.panel.editor("contact_id")
        assert isinstance(combo, QComboBox)
        offer_contacts(
            self.ctx, combo, customer_id, label=with_phone, preselect=self.record_id is None
        )

    # --- saving ------------------------------------------------------------------------------
    def _save(self, values: dict[str, Any], version: int | None) -> int | None:
        db, actor = self.ctx.db, self.ctx.actor
        status = values.pop("status", None)
        if self.record_id is None:
            if self.customer.customer_id is None:
                self.customer.setFocus()
                raise ValidationError(_("Choose the customer from the list."))
            values.update(customer_id=self.customer.customer_id, accepted_at=self._accepted_at())
            record_id = service_records.save_service_record(db, actor, None, None, values)
            if status not in (None, ServiceStatus.OPEN):
                fresh = service_records.get_service_record(db, actor, record_id)["version"]
                service_records.set_service_status(db, actor, record_id, fresh, status)
            return record_id
        if self._accepted_at() != self.initial_accepted:
            values["accepted_at"] = self._accepted_at()
        if values:
            service_records.save_service_record(db, actor, self.record_id, version, values)
        if status is not None:
            current = service_records.get_service_record(db, actor, self.record_id)["version"]
            service_records.set_service_status(
                db, actor, self.record_id, current if values else version or 0, status
            )
        return self.record_id if values or status is not None else None


def _open(ctx: AppContext, dialog: ServiceRecordDialog) -> ServiceRecordDialog:
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.accepted.connect(lambda: ctx.notify(Changes.of("service")))
    dialog.open()
    return dialog


def new_service_record(
    ctx: AppContext, parent: QWidget | None, customer_id: int | None = None
) -> ServiceRecordDialog:
    """Open the dialog for a new request (for `customer_id`, or with the customer picker)."""
    return _open(ctx, ServiceRecordDialog(ctx, parent, customer_id=customer_id))


def open_service_record(
    ctx: AppContext, parent: QWidget | None, record_id: int
) -> ServiceRecordDialog:
    """Open a record to change it (service.edit) or to read it."""
    return _open(ctx, ServiceRecordDialog(ctx, parent, record_id=record_id))
