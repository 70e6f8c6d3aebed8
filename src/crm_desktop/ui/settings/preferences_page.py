"""Preferences of this person on this computer: the language."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QWidget

from crm_desktop.core.i18n import LANGUAGES, _, current_language
from crm_desktop.ui.context import AppContext
from crm_desktop.ui.settings.common import SettingsPage


class PreferencesPage(SettingsPage):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        title = QLabel(_("Preferences"))
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        title.setFont(font)
        self.language = QComboBox()
        self.language.setObjectName("language")
        for code, name in LANGUAGES.items():
            self.language.addItem(name, code)
        self.language.setCurrentIndex(max(self.language.findData(current_language()), 0))
        self.language.activated.connect(self._language_chosen)
        hint = QLabel(_("The windows are rebuilt in the chosen language."))
        hint.setWordWrap(True)
        form = QFormLayout()
        form.addRow(_("Language"), self.language)
        form.addRow("", hint)
        self.layout_.addWidget(title)
        self.layout_.addLayout(form)
        self.layout_.addStretch()

    def _language_chosen(self, _index: int) -> None:
        code = self.language.currentData()
        if code != current_language():
            self.ctx.bus.language_requested.emit(code)
