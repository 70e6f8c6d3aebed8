"""The product catalogue used by quotes and orders."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QWidget

from crm_desktop.core.i18n import _
from crm_desktop.core.models import BaseDataKind
from crm_desktop.core.services import products
from crm_desktop.ui.context import AppContext
from crm_desktop.ui.settings.common import SettingsPage, base_data_choices
from crm_desktop.ui.widgets import Column, Field, FormDialog, RecordListPage

KINDS = ("products",)


class ProductsPage(SettingsPage):
    kinds = ("products", "base_data")

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
            lambda: products.list_products(ctx.db, ctx.actor),
            on_new=self.add,
            on_edit=self.edit,
            on_toggle_active=self.set_active,
            empty_text=_("No products yet. Add one with New."),
        )
        self.layout_.addWidget(self.list)
        self.reload()

    def fields(self) -> list[Field]:
        return [
            Field("code", _("Code"), required=True),
            Field("name", _("Name"), required=True),
            Field("spec", _("Specification")),
            Field(
                "unit_id",
                _("Unit"),
                "choice",
                choices=base_data_choices(self.ctx, BaseDataKind.UNIT),
            ),
            Field(
                "category_id",
                _("Category"),
                "choice",
                choices=base_data_choices(self.ctx, BaseDataKind.PRODUCT_CATEGORY),
            ),
            Field("unit_price", _("Unit price"), "money"),
            Field("active", _("Active"), "bool"),
            Field("remarks", _("Remarks"), "multiline"),
        ]

    def reload(self) -> None:
        self.list.reload()

    def _save(self, product_id: int | None):  # type: ignore[no-untyped-def]
        def save(values: dict[str, Any], version: int | None) -> int:
            return products.save_product(self.ctx.db, self.ctx.actor, product_id, version, values)

        return save

    def _fresh(self, product_id: int) -> dict[str, Any]:
        rows = products.list_products(self.ctx.db, self.ctx.actor)
        return next(row for row in rows if row["id"] == product_id)

    def add(self) -> FormDialog:
        dialog = FormDialog(
            _("New product"), self.fields(), {"active": True}, self._save(None), parent=self
        )
        return self.open_form(dialog, *KINDS)

    def edit(self, row: dict[str, Any]) -> FormDialog:
        dialog = FormDialog(
            _("Edit product “{name}”").format(name=row["name"]),
            self.fields(),
            row,
            self._save(row["id"]),
            reload=lambda: self._fresh(row["id"]),
            parent=self,
        )
        return self.open_form(dialog, *KINDS)

    def set_active(self, row: dict[str, Any], active: bool) -> None:
        products.save_product(
            self.ctx.db, self.ctx.actor, row["id"], row["version"], {"active": active}
        )
        self.saved(*KINDS)
