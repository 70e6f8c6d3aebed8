"""The public pool rule: when customers nobody works on go back to the pool, and the private limit.

One record for the whole firm, edited in place like the company profile (a `FormPanel` with Save
and conflict handling). 0 turns a rule part off, which the spin boxes say as "Off".
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSpinBox, QWidget

from crm_desktop.core.changes import Changes
from crm_desktop.core.errors import CrmError
from crm_desktop.core.i18n import _
from crm_desktop.core.services import pool
from crm_desktop.ui.context import AppContext
from crm_desktop.ui.settings.common import SettingsPage
from crm_desktop.ui.widgets import Field, FormPanel

KINDS = ("pool_rules",)


def pool_rule_fields() -> list[Field]:
    label = {key: _(text) for key, text in pool.RULE_LABELS.items()}
    return [
        Field(
            "enabled",
            _("Return idle customers to the public pool"),
            "bool",
            tooltip=_("Off: customers stay with their owner however long they are idle"),
        ),
        Field(
            "no_followup_days",
            label["no_followup_days"],
            "int",
            tooltip=_("A customer with no follow-up for this many days returns to the pool"),
        ),
        Field(
            "no_deal_days",
            label["no_deal_days"],
            "int",
            tooltip=_("A customer with no order for this many days returns to the pool"),
        ),
        Field(
            "warn_days",
            label["warn_days"],
            "int",
            tooltip=_("The owner sees the customer in Today this many days before it returns"),
        ),
        Field(
            "max_private_customers",
            label["max_private_customers"],
            "int",
            tooltip=_("Claiming or receiving more customers than this is refused"),
        ),
    ]


class PoolRulesPage(SettingsPage):
    kinds = KINDS

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        title = QLabel(_("Public pool rules"))
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        title.setFont(font)
        note = QLabel(
            _(
                "Idle days count from the last follow-up, or from the day the owner got the "
                "customer if that is later. 0 turns a rule off."
            )
        )
        note.setWordWrap(True)
        self.form = FormPanel(pool_rule_fields(), {}, self._save, reload=self._load)
        for key in ("no_followup_days", "no_deal_days", "warn_days", "max_private_customers"):
            spin = self.form.editor(key)
            assert isinstance(spin, QSpinBox)
            spin.setRange(0, 36500)
            spin.setSpecialValueText(_("Off"))
        self.form.saved.connect(self._after_save)
        self.form.edited.connect(lambda: self.status.clear())
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
        holder = QHBoxLayout()
        holder.addWidget(self.form, 2)
        holder.addStretch(1)
        self.layout_.addWidget(title)
        self.layout_.addWidget(note)
        self.layout_.addLayout(holder)
        self.layout_.addStretch(1)
        self.layout_.addLayout(buttons)
        self.reload()

    def _load(self) -> dict[str, Any]:
        return pool.get_rules(self.ctx.db, self.ctx.actor)

    def reload(self) -> None:
        if self.form.is_dirty():
            return  # keep what the person is typing; a save reports a conflict
        try:
            self.form.set_values(self._load())
        except CrmError as exc:
            self.form.show_error(exc.message)

    def _save(self, values: dict[str, Any], version: int | None) -> None:
        pool.save_rules(self.ctx.db, self.ctx.actor, version or 0, values)

    def save(self) -> bool:
        return self.form.submit()

    def _after_save(self, _result: Any) -> None:
        self.form.set_values(self._load())
        self.status.setText(_("Saved."))
        self.ctx.notify(Changes.of(*KINDS))
