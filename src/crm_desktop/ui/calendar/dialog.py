"""The appointment/task dialog: what, when, for how long, with whom, where, and when to remind.

The shared `FormDialog` holds the plain fields; the customer picker and the start (date and
time) sit in the same form, as in the follow-up dialog. The length is entered in minutes and
saved as the end time; "no reminder" is the lowest value of the reminder box. Someone else's
item (a manager reading a team member's calendar) opens read-only.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QDateTimeEdit, QSpinBox, QWidget

from crm_desktop.core.changes import Changes
from crm_desktop.core.i18n import _
from crm_desktop.core.services import calendar
from crm_desktop.ui.context import AppContext
from crm_desktop.ui.followups.dialog import CustomerPicker, offer_contacts
from crm_desktop.ui.widgets import Field, FormDialog
from crm_desktop.ui.widgets.record_table_model import local_time

NO_REMINDER = -1
DEFAULT_DURATION = 60
DEFAULT_REMINDER = 15


def kind_choices() -> list[tuple[str, str]]:
    return [(kind.value, calendar.kind_label(kind)) for kind in calendar.AppointmentKind]


def _fields() -> list[Field]:
    return [
        Field("kind", _("Type"), "choice", choices=kind_choices, allow_empty=False),
        Field(
            "title",
            _(calendar.TITLE_LABEL),
            required=True,
            placeholder=_("e.g. Visit to discuss the offer"),
        ),
        Field("duration", _("Duration"), "int"),
        Field("contact_id", _("Contact"), "choice", choices=()),
        Field("place", _("Place")),
        Field("remind_minutes", _("Remind"), "int"),
        Field("remarks", _("Remarks"), "multiline"),
    ]


def _local(value: datetime) -> datetime:
    return local_time(value).replace(tzinfo=None)


class AppointmentDialog(FormDialog):
    """Create an item (appointment_id None, starting at `start`) or open one."""

    def __init__(
        self,
        ctx: AppContext,
        parent: QWidget | None,
        *,
        appointment_id: int | None = None,
        start: datetime | None = None,
    ) -> None:
        self.ctx = ctx
        self.appointment_id = appointment_id
        title = _("New appointment or task") if appointment_id is None else _("Appointment")
        super().__init__(title, _fields(), None, self._save, reload=self._reload, parent=parent)
        self.setObjectName("appointmentDialog")
        self.customer = CustomerPicker(ctx)
        self.customer.setObjectName("field_customer")
        self.starts = QDateTimeEdit()
        self.starts.setObjectName("field_starts_at")
        self.starts.setCalendarPopup(True)
        self.starts.setDisplayFormat("yyyy-MM-dd HH:mm")
        form = self.panel.form
        form.insertRow(2, _("Date and time") + " *", self.starts)
        form.insertRow(4, _("Customer"), self.customer)
        self._set_up_spins()
        self.customer.chosen.connect(self._customer_chosen)
        self.panel.always_save = True  # the extra editors are outside the panel's diff
        if appointment_id is None:
            self._start_new(start)
        else:
            self.panel.set_values(self._load(appointment_id))
        self.resize(520, self.sizeHint().height())

    def _spin(self, key: str) -> QSpinBox:
        spin = self.panel.editor(key)
        assert isinstance(spin, QSpinBox)
        return spin

    def _set_up_spins(self) -> None:
        duration, remind = self._spin("duration"), self._spin("remind_minutes")
        duration.setRange(0, 24 * 60)
        duration.setSingleStep(15)
        duration.setSuffix(_(" min"))
        duration.setSpecialValueText(_("No end time"))
        remind.setRange(NO_REMINDER, calendar.MAX_REMIND_MINUTES)
        remind.setSingleStep(5)
        remind.setSuffix(_(" min before"))
        remind.setSpecialValueText(_("No reminder"))

    # --- values ------------------------------------------------------------------------------
    def _start_new(self, start: datetime | None) -> None:
        if start is None:
            now = _local(self.ctx.db.clock.now())
            start = (now + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
        self.starts.setDateTime(start.replace(tzinfo=None))
        self.panel.set_values(
            {
                "kind": calendar.AppointmentKind.APPOINTMENT.value,
                "duration": DEFAULT_DURATION,
                "remind_minutes": DEFAULT_REMINDER,
            }
        )
        self.panel.editor("title").setFocus()

    def _load(self, appointment_id: int) -> dict[str, Any]:
        values = calendar.get_appointment(self.ctx.db, self.ctx.actor, appointment_id)
        if values["customer_id"] is not None:
            self.customer.preset(values["customer_id"], lock=False)
        self.starts.setDateTime(_local(values["starts_at"]))
        ends = values.get("ends_at")
        minutes = (ends - values["starts_at"]).total_seconds() // 60 if ends else 0
        reminder = values.get("remind_minutes")
        self._read_only(not values["editable"])
        return {
            **values,
            "duration": int(minutes),
            "remind_minutes": NO_REMINDER if reminder is None else reminder,
        }

    def _read_only(self, read_only: bool) -> None:
        self.save_button.setEnabled(not read_only)
        if read_only:
            self.setWindowTitle(_("Appointment (read only)"))

    def _reload(self) -> dict[str, Any]:
        assert self.appointment_id is not None
        return self._load(self.appointment_id)

    def _customer_chosen(self, customer_id: int | None) -> None:
        combo = self.panel.editor("contact_id")
        assert isinstance(combo, QComboBox)
        keep = combo.currentData()
        offer_contacts(self.ctx, combo, customer_id)
        index = combo.findData(keep)
        combo.setCurrentIndex(max(index, 0))

    # --- saving ------------------------------------------------------------------------------
    def _save(self, values: dict[str, Any], version: int | None) -> int:
        wall: datetime = self.starts.dateTime().toPython()  # type: ignore[assignment]
        starts = wall.replace(second=0, microsecond=0).astimezone(UTC)
        values.pop("duration", None)  # both read from their boxes: unchanged ones are not passed
        duration = self._spin("duration").value()
        reminder = self._spin("remind_minutes").value()
        item = {
            **values,
            "starts_at": starts,
            "ends_at": starts + timedelta(minutes=duration) if duration else None,
            "customer_id": self.customer.customer_id,
            "remind_minutes": None if reminder == NO_REMINDER else reminder,
        }
        if item["customer_id"] is None:
            item["contact_id"] = None
        return calendar.save_appointment(
            self.ctx.db, self.ctx.actor, self.appointment_id, version, item
        )


def open_appointment(
    ctx: AppContext,
    parent: QWidget | None,
    appointment_id: int | None = None,
    *,
    start: datetime | None = None,
) -> AppointmentDialog:
    """Open the dialog window-modally; a save announces `appointments`."""
    dialog = AppointmentDialog(ctx, parent, appointment_id=appointment_id, start=start)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.accepted.connect(lambda: ctx.notify(Changes.of("appointments")))
    dialog.open()
    return dialog
