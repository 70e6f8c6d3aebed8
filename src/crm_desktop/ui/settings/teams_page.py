"""Teams: who manages them and which team they belong to (for the "team" data scope)."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QWidget

from crm_desktop.core.i18n import _
from crm_desktop.core.services import operators
from crm_desktop.ui.context import AppContext
from crm_desktop.ui.settings.common import SettingsPage
from crm_desktop.ui.widgets import Column, Field, FormDialog, RecordListPage

KINDS = ("teams",)


class TeamsPage(SettingsPage):
    kinds = ("teams", "operators")

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
            self._load,
            on_new=self.add,
            on_edit=self.edit,
            on_toggle_active=self.set_active,
            empty_text=_("No teams yet. Add one with New."),
        )
        self.layout_.addWidget(self.list)
        self.reload()

    def _load(self) -> list[dict[str, Any]]:
        rows = operators.list_teams(self.ctx.db, self.ctx.actor)
        self.team_names = {row["id"]: row["name"] for row in rows}
        for row in rows:
            row["parent_name"] = self.team_names.get(row["parent_id"] or 0, "")
        return rows

    def reload(self) -> None:
        self.list.reload()

    def fields(self, team_id: int | None) -> list[Field]:
        def parents() -> list[tuple[int, str]]:
            return [(i, name) for i, name in self.team_names.items() if i != team_id]

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

    def _save(self, team_id: int | None):  # type: ignore[no-untyped-def]
        def save(values: dict[str, Any], version: int | None) -> int:
            return operators.save_team(self.ctx.db, self.ctx.actor, team_id, version, values)

        return save

    def _fresh(self, team_id: int) -> dict[str, Any]:
        return next(row for row in self._load() if row["id"] == team_id)

    def add(self) -> FormDialog:
        dialog = FormDialog(
            _("New team"), self.fields(None), {"active": True}, self._save(None), parent=self
        )
        return self.open_form(dialog, *KINDS)

    def edit(self, row: dict[str, Any]) -> FormDialog:
        dialog = FormDialog(
            _("Edit team “{name}”").format(name=row["name"]),
            self.fields(row["id"]),
            row,
            self._save(row["id"]),
            reload=lambda: self._fresh(row["id"]),
            parent=self,
        )
        return self.open_form(dialog, *KINDS)

    def set_active(self, row: dict[str, Any], active: bool) -> None:
        operators.save_team(
            self.ctx.db, self.ctx.actor, row["id"], row["version"], {"active": active}
        )
        self.saved(*KINDS)
