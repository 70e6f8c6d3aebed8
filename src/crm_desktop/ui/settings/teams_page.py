"""Teams: who manages them and which team they belong to (for the "team" data scope)."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QWidget

from crm_desktop.core.i18n import _
from crm_desktop.core.services import operators
from crm_desktop.ui.context import AppContext
from crm_desktop.ui.settings.common import CatalogPage
from crm_desktop.ui.widgets import Column, Field, RecordListPage


class TeamsPage(CatalogPage):
    kinds = ("teams", "operators")
    announces = ("teams",)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.team_names: dict[int, str] = {}
        self.list = RecordListPage(
            "settings.teams",
            _("Teams"),
            [
                Column("code", _("Code"), width=110),
                Column("name", _("Name"), width=180),
                Column("manager_name", _("Manager"), width=140),
                Column("parent_name", _("Parent team"), width=160),
                Column("members", _("Members"), "int", width=80),
                Column("active", _("Active"), "bool"),
            ],
            self.rows,
            on_new=self.add,
            on_edit=self.edit,
            on_toggle_active=self.set_active,
            empty_text=_("No teams yet. Add one with New."),
        )
        self.layout_.addWidget(self.list)
        self.reload()

    def rows(self) -> list[dict[str, Any]]:
        rows = operators.list_teams(self.ctx.db, self.ctx.actor)
        self.team_names = {row["id"]: row["name"] for row in rows}
        for row in rows:
            row["parent_name"] = self.team_names.get(row["parent_id"] or 0, "")
        return rows

    def reload(self) -> None:
        self.list.reload()

    def fields(self, record_id: int | None) -> list[Field]:
        def parents() -> list[tuple[int, str]]:
            return [(i, name) for i, name in self.team_names.items() if i != record_id]

        return [
            Field("code", _("Code"), required=True),
            Field("name", _("Name"), required=True),
            Field(
                "manager_id",
                _("Manager"),
                "choice",
                choices=lambda: operators.operator_choices(self.ctx.db, self.ctx.actor),
            ),
            Field("parent_id", _("Parent team"), "choice", choices=parents),
            Field("active", _("Active"), "bool"),
        ]

    def save_record(self, record_id: int | None, version: int | None, values: dict) -> int:
        return operators.save_team(self.ctx.db, self.ctx.actor, record_id, version, values)

    def new_title(self) -> str:
        return _("New team")

    def edit_title(self, row: dict[str, Any]) -> str:
        return _("Edit team “{name}”").format(name=row["name"])
