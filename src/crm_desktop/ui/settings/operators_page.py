"""Operators: who may log in, with which role, team and data scope; passwords and lockouts."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from PySide6.QtWidgets import QWidget

from crm_desktop.core import i18n
from crm_desktop.core.errors import ValidationError
from crm_desktop.core.i18n import _
from crm_desktop.core.models import BaseDataKind
from crm_desktop.core.permissions import SCOPE_LABELS
from crm_desktop.core.services import auth, operators
from crm_desktop.ui.choices import base_data_field
from crm_desktop.ui.context import AppContext
from crm_desktop.ui.settings.common import SettingsPage
from crm_desktop.ui.widgets import Column, Field, FormDialog, ListAction, RecordListPage

KINDS = ("operators",)


def scope_choices() -> list[tuple[str, str]]:
    return [(str(scope), _(label)) for scope, label in SCOPE_LABELS.items()]


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


class OperatorsPage(SettingsPage):
    kinds = ("operators", "roles", "teams", "base_data")

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        scopes = dict(scope_choices())
        self.list = RecordListPage(
            "settings.operators",
            _("Operators"),
            [
                Column("code", _("User name"), width=110),
                Column("name", _("Name"), width=120),
                Column("role_name", _("Role"), width=110),
                Column("team_name", _("Team"), width=110),
                Column("data_scope", _("Data scope"), "lookup", lookup=scopes, width=110),
                Column("job_title", _("Job title"), width=110),
                Column("active", _("Active"), "bool", width=60),
                Column("locked", _("Locked"), "bool", width=60),
                Column("has_password", _("Has password"), "bool"),
            ],
            self._load,
            on_new=self.add,
            on_edit=self.edit,
            on_toggle_active=self.set_active,
            actions=[ListAction("reset_password", _("Reset password…"), self.reset_password)],
            empty_text=_("No operators."),
        )
        self.list.action("toggle_active").setToolTip(_("Enable or disable the login"))
        self.layout_.addWidget(self.list)
        self.reload()

    def _load(self) -> list[dict[str, Any]]:
        now = self.ctx.db.clock.now()
        rows = operators.list_operators(self.ctx.db, self.ctx.actor)
        for row in rows:
            until = row.get("locked_until")
            row["locked"] = until is not None and _aware(until) > _aware(now)
        return rows

    def reload(self) -> None:
        self.list.reload()

    def _role_choices(self) -> list[tuple[int, str]]:
        return [
            (r["id"], i18n.translated(r["name"]))
            for r in operators.list_roles(self.ctx.db, self.ctx.actor)
        ]

    def _team_choices(self) -> list[tuple[int, str]]:
        teams = operators.list_teams(self.ctx.db, self.ctx.actor)
        return [(t["id"], t["name"]) for t in teams if t["active"]]

    def fields(self, *, new: bool) -> list[Field]:
        fields = [
            Field("code", _("User name"), required=True, read_only=not new),
            Field("name", _("Name"), required=True),
            Field("role_id", _("Role"), "choice", required=True, choices=self._role_choices),
            Field("team_id", _("Team"), "choice", choices=self._team_choices),
            Field(
                "data_scope",
                _("Data scope"),
                "choice",
                choices=scope_choices(),
                allow_empty=new,
                tooltip=_(
                    "Which customers and documents this person sees. Empty: the role's default."
                ),
            ),
            Field("job_title", _("Job title")),
            base_data_field(self.ctx, "region_id", _("Region"), BaseDataKind.REGION),
            base_data_field(self.ctx, "person_type_id", _("Person type"), BaseDataKind.PERSON_TYPE),
            Field("phone", _("Phone")),
            Field("email", _("Email")),
        ]
        if new:
            fields += [
                Field(
                    "password",
                    _("Initial password"),
                    "password",
                    placeholder=_("Leave empty to set it later"),
                ),
                Field("confirm", _("Confirm password"), "password"),
            ]
        return fields

    def add(self) -> FormDialog:
        def save(values: dict[str, Any], _version: int | None) -> int:
            password = values.pop("password", "") or None
            if password != (values.pop("confirm", "") or None):
                raise ValidationError(_("The password and its confirmation differ."))
            if not values.get("data_scope"):
                values.pop("data_scope", None)
            return operators.create_operator(self.ctx.db, self.ctx.actor, values, password)

        roles = operators.list_roles(self.ctx.db, self.ctx.actor)
        default_role = next((r["id"] for r in roles if r["code"] == "salesperson"), None)
        dialog = FormDialog(
            _("New operator"), self.fields(new=True), {"role_id": default_role}, save, parent=self
        )
        return self.open_form(dialog, *KINDS)

    def edit(self, row: dict[str, Any]) -> FormDialog:
        operator_id = row["id"]

        def save(values: dict[str, Any], version: int | None) -> None:
            operators.update_operator(
                self.ctx.db, self.ctx.actor, operator_id, version or 0, values
            )

        dialog = FormDialog(
            _("Edit operator “{name}”").format(name=row["name"]),
            self.fields(new=False),
            row,
            save,
            reload=lambda: operators.get_operator(self.ctx.db, self.ctx.actor, operator_id),
            parent=self,
        )
        return self.open_form(dialog, *KINDS)

    def set_active(self, row: dict[str, Any], active: bool) -> None:
        operators.set_operator_active(self.ctx.db, self.ctx.actor, row["id"], active)
        self.saved(*KINDS)

    def reset_password(self, row: dict[str, Any] | None) -> FormDialog:
        assert row is not None
        operator_id = row["id"]

        def save(values: dict[str, Any], _version: int | None) -> None:
            if values["password"] != values["confirm"]:
                raise ValidationError(_("The password and its confirmation differ."))
            auth.reset_password(self.ctx.db, self.ctx.actor, operator_id, values["password"])

        dialog = FormDialog(
            _("New password for “{name}”").format(name=row["name"]),
            [
                Field("password", _("New password"), "password", required=True),
                Field("confirm", _("Confirm password"), "password", required=True),
            ],
            {},
            save,
            note=_("Setting a password also unlocks the account."),
            parent=self,
        )
        return self.open_form(dialog, *KINDS)
