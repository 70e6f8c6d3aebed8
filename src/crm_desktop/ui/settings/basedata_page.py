"""Base data lists (regions, units, customer sources, ...): one page edits them all."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QComboBox, QWidget

from crm_desktop.core.i18n import _
from crm_desktop.core.models import BASE_DATA_LABELS
from crm_desktop.core.services import basedata
from crm_desktop.ui.context import AppContext
from crm_desktop.ui.settings.common import SettingsPage
from crm_desktop.ui.widgets import Column, Field, FormDialog, ListAction, RecordListPage, prompts

KINDS = ("base_data",)


def item_fields() -> list[Field]:
    return [
        Field("code", _("Code"), required=True),
        Field("name", _("Name"), required=True),
        Field("sort_order", _("Sort order"), "int", tooltip=_("Lower numbers are listed first.")),
        Field("active", _("Active"), "bool"),
        Field("remarks", _("Remarks"), "multiline"),
    ]


class BaseDataPage(SettingsPage):
    kinds = KINDS

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.lists = QComboBox()
        self.lists.setObjectName("baseDataList")
        for kind, label in BASE_DATA_LABELS.items():
            self.lists.addItem(_(label), str(kind))
        self.lists.setMinimumContentsLength(12)
        self.lists.currentIndexChanged.connect(lambda _i: self.reload())
        editable = self.can("settings.basedata")
        self.list = RecordListPage(
            "settings.basedata",
            _("Base data"),
            [
                Column("code", _("Code"), width=120),
                Column("name", _("Name"), width=220),
                Column("active", _("Active"), "bool", width=70),
                Column("sort_order", _("Sort order"), "int", width=70),
                Column("remarks", _("Remarks")),
            ],
            self._load,
            on_new=self.add if editable else None,
            on_edit=self.edit if editable else None,
            on_toggle_active=self.set_active if editable else None,
            actions=[ListAction("delete", _("Delete"), self.delete)] if editable else [],
            empty_text=_("This list has no entries yet. Add one with New."),
            header_widgets=[self.lists],
        )
        self.layout_.addWidget(self.list)
        self.reload()

    def kind(self) -> str:
        return str(self.lists.currentData())

    def kind_label(self) -> str:
        return self.lists.currentText()

    def _load(self) -> list[dict[str, Any]]:
        return basedata.list_items(self.ctx.db, self.ctx.actor, self.kind())

    def reload(self) -> None:
        self.list.reload()

    def add(self) -> FormDialog:
        kind = self.kind()
        rows = self.list.model.source.count()

        def save(values: dict[str, Any], _version: int | None) -> int:
            return basedata.save_item(
                self.ctx.db, self.ctx.actor, None, None, {**values, "kind": kind}
            )

        dialog = FormDialog(
            _("New entry in “{list}”").format(list=self.kind_label()),
            item_fields(),
            {"active": True, "sort_order": (rows + 1) * 10},
            save,
            parent=self,
        )
        return self.open_form(dialog, *KINDS)

    def edit(self, row: dict[str, Any]) -> FormDialog:
        item_id = row["id"]

        def save(values: dict[str, Any], version: int | None) -> int:
            return basedata.save_item(self.ctx.db, self.ctx.actor, item_id, version, values)

        dialog = FormDialog(
            _("Edit entry “{name}”").format(name=row["name"]),
            item_fields(),
            row,
            save,
            reload=lambda: self._fresh(item_id),
            parent=self,
        )
        return self.open_form(dialog, *KINDS)

    def _fresh(self, item_id: int) -> dict[str, Any]:
        return next(row for row in self._load() if row["id"] == item_id)

    def set_active(self, row: dict[str, Any], active: bool) -> None:
        basedata.set_active(self.ctx.db, self.ctx.actor, row["id"], active)
        self.saved(*KINDS)

    def delete(self, row: dict[str, Any] | None) -> None:
        assert row is not None
        question = _("Delete “{name}” from “{list}”? This cannot be undone.").format(
            name=row["name"], list=self.kind_label()
        )
        if not prompts.confirm(self, _("Delete entry"), question):
            return
        basedata.delete_item(self.ctx.db, self.ctx.actor, row["id"])
        self.saved(*KINDS)
