"""The product catalogue used by quotes and orders."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QWidget

from crm_desktop.core.i18n import _
from crm_desktop.core.importing.model import ImportKind
from crm_desktop.core.models import BaseDataKind
from crm_desktop.core.services import products
from crm_desktop.ui.choices import base_data_field
from crm_desktop.ui.context import AppContext
from crm_desktop.ui.settings.common import CatalogPage
from crm_desktop.ui.widgets import Column, Field, RecordListPage
from crm_desktop.ui.widgets.import_action import import_action, open_import


class ProductsPage(CatalogPage):
    kinds = ("products", "base_data")
    announces = ("products",)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.list = RecordListPage(
            "settings.products",
            _("Products"),
            [
                Column("code", _("Code"), width=110),
                Column("name", _("Name"), width=200),
                Column("spec", _("Specification"), width=160),
                Column("unit_name", _("Unit"), width=60),
                Column("category_name", _("Category"), width=110),
                Column("unit_price", _("Unit price"), "money", width=110),
                Column("active", _("Active"), "bool", width=60),
                Column("remarks", _("Remarks")),
            ],
            self.rows,
            on_new=self.add,
            on_edit=self.edit,
            on_toggle_active=self.set_active,
            actions=[
                import_action(
                    _("Import…"),
                    _("Import products from an Excel or CSV file"),
                    self.import_products,
                )
            ],
            empty_text=_("No products yet. Add one with New."),
        )
        self.layout_.addWidget(self.list)
        self.reload()

    def rows(self) -> list[dict[str, Any]]:
        return products.list_products(self.ctx.db, self.ctx.actor)

    def fields(self, record_id: int | None) -> list[Field]:
        return [
            Field("code", _("Code"), required=True),
            Field("name", _("Name"), required=True),
            Field("spec", _("Specification")),
            base_data_field(self.ctx, "unit_id", _("Unit"), BaseDataKind.UNIT),
            base_data_field(self.ctx, "category_id", _("Category"), BaseDataKind.PRODUCT_CATEGORY),
            Field("unit_price", _("Unit price"), "money"),
            Field("active", _("Active"), "bool"),
            Field("remarks", _("Remarks"), "multiline"),
        ]

    def reload(self) -> None:
        self.list.reload()

    def import_products(self) -> None:
        self.wizard = open_import(self.ctx, self, ImportKind.PRODUCTS)

    def save_record(self, record_id: int | None, version: int | None, values: dict) -> int:
        return products.save_product(self.ctx.db, self.ctx.actor, record_id, version, values)

    def new_title(self) -> str:
        return _("New product")

    def edit_title(self, row: dict[str, Any]) -> str:
        return _("Edit product “{name}”").format(name=row["name"])
