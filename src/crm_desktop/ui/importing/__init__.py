"""The import wizard (customers, contacts, products, sales history from Excel or CSV) and the
helpers its entry points share; the engine is `crm_desktop.core.importing`."""

from crm_desktop.ui.importing.common import importable_kinds, may_import
from crm_desktop.ui.importing.wizard import ImportWizard, open_import_wizard

__all__ = ["ImportWizard", "importable_kinds", "may_import", "open_import_wizard"]
