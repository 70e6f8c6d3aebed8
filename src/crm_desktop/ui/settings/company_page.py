"""The company profile printed on letterheads: name, contact and bank details, logo, seal."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QScrollArea, QWidget

from crm_desktop.core.changes import Changes
from crm_desktop.core.errors import CrmError
from crm_desktop.core.i18n import _
from crm_desktop.core.services import company
from crm_desktop.ui.context import AppContext
from crm_desktop.ui.settings.common import SettingsPage
from crm_desktop.ui.widgets import Field, FormPanel

KINDS = ("company",)


def company_fields() -> list[Field]:
    return [
        Field("name", _("Company name"), required=True),
        Field("short_name", _("Short name")),
        Field("address", _("Address")),
        Field("phone", _("Phone")),
        Field("fax", _("Fax")),
        Field("email", _("Email")),
        Field("website", _("Website")),
        Field("tax_id", _("Tax ID")),
        Field("bank_name", _("Bank")),
        Field("bank_account", _("Bank account")),
        Field("logo", _("Logo"), "image"),
        Field("seal", _("Seal"), "image"),
        Field(
            "document_terms",
            _("Terms on documents"),
            "multiline",
            placeholder=_("Printed at the end of quotes and contracts"),
        ),
    ]


class CompanyPage(SettingsPage):
    kinds = KINDS

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        title = QLabel(_("Company profile"))
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        title.setFont(font)
        self.form = FormPanel(company_fields(), {}, self._save, reload=self._load)
        self.form.saved.connect(self._after_save)
        self.form.edited.connect(lambda: self.status.clear())
        holder = QWidget()
        holder_layout = QHBoxLayout(holder)
        holder_layout.addWidget(self.form, 3)
        holder_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(holder)
        self.save_button = QPushButton(_("Save"))
        self.save_button.setToolTip(_("Save (Ctrl+S)"))
        self.save_button.clicked.connect(self.save)
        self.status = QLabel()
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.save_button)
        QShortcut(
            QKeySequence.StandardKey.Save,
            self,
            activated=self.save,
            context=Qt.ShortcutContext.WidgetWithChildrenShortcut,
        )
        self.layout_.addWidget(title)
        self.layout_.addWidget(scroll, 1)
        self.layout_.addLayout(buttons)
        self.reload()

    def _load(self) -> dict[str, Any]:
        return company.get_profile(self.ctx.db, self.ctx.actor)

    def reload(self) -> None:
        if self.form.is_dirty():
            return  # never throw away what the person is typing; a save will report a conflict
        try:
            self.form.set_values(self._load())
        except CrmError as exc:
            self.form.show_error(exc.message)

    def _save(self, values: dict[str, Any], version: int | None) -> None:
        company.update_profile(self.ctx.db, self.ctx.actor, version or 0, values)

    def save(self) -> bool:
        return self.form.submit()

    def _after_save(self, _result: Any) -> None:
        self.form.set_values(self._load())
        self.status.setText(_("Saved."))
        self.ctx.notify(Changes.of(*KINDS))
