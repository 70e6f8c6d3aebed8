"""The Qt layer: the only package that imports PySide6. Thin over crm_desktop.core services."""
