"""Shared widgets every tab builds on: the record table model, list pages and forms."""

from crm_desktop.ui.widgets.form_dialog import Field, FormDialog, FormPanel, ImageEdit, MoneyEdit
from crm_desktop.ui.widgets.record_list_page import ListAction, RecordListPage
from crm_desktop.ui.widgets.record_table_model import (
    Column,
    ListSource,
    RecordFilterProxy,
    RecordTableModel,
    RowSource,
)

__all__ = [
    "Column",
    "Field",
    "FormDialog",
    "FormPanel",
    "ImageEdit",
    "ListAction",
    "ListSource",
    "MoneyEdit",
    "RecordFilterProxy",
    "RecordListPage",
    "RecordTableModel",
    "RowSource",
]
