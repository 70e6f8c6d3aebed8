"""Qt's own strings (standard buttons, file dialogs, context menus) in the app's language.

Our strings come from gettext (`core.i18n`); Qt's come from the `qtbase_*.qm` files shipped with
PySide6. Without them a Chinese window would still say "Cancel" and "Open" in English.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

_installed: QTranslator | None = None


def install(language: str) -> bool:
    """Install Qt's translation for `language` ('zh_CN', 'en'), replacing the previous one.

    Returns whether a translation was loaded (English needs none). Also sets the default locale so
    number and date widgets follow the language.
    """
    global _installed
    app = QCoreApplication.instance()
    if app is None:
        return False
    if _installed is not None:
        app.removeTranslator(_installed)
        _installed = None
    QLocale.setDefault(QLocale(language))
    if language == "en":
        return False
    translator = QTranslator(app)
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if not translator.load(f"qtbase_{language}", folder):
        return False
    app.installTranslator(translator)
    _installed = translator
    return True
