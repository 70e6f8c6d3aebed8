"""The Qt-free core: models, database, services, importing, exporting, reports.

Nothing under this package may import PySide6 or crm_desktop.ui (an import-linter contract
checks it), so everything the app does can be scripted and tested without a display.
"""
