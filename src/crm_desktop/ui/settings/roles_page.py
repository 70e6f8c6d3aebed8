"""Roles: a checklist of every permission, grouped, and the default data scope."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.core import i18n
from crm_desktop.core.changes import Changes
from crm_desktop.core.errors import ConflictError
from crm_desktop.core.i18n import _
from crm_desktop.core.permissions import ALL_PERMISSIONS
from crm_desktop.core.services import operators
from crm_desktop.ui.context import AppContext
from crm_desktop.ui.settings.common import SettingsPage
from crm_desktop.ui.settings.operators_page import scope_choices
from crm_desktop.ui.widgets import Column, Field, FormPanel, RecordListPage

KINDS = ("roles", "operators")
LABELS = {p.name: p.label for p in ALL_PERMISSIONS}


class RolesPage(SettingsPage):
    kinds = ("roles",)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.role_id: int | None = None
        self.list = RecordListPage(
            "settings.roles",
            _("Roles"),
            [
                Column("display_name", _("Name"), width=120),
                Column(
                    "default_scope",
                    _("Data scope"),
                    "lookup",
                    lookup=dict(scope_choices()),
                    width=110,
                ),
                Column("count", _("Permissions"), "int", width=80),
                Column("is_preset", _("Preset"), "bool"),
            ],
            self._load,
            on_new=self.new_role,
            empty_text=_("No roles."),
        )
        self.list.selection_changed.connect(self._show_row)

        self.form = FormPanel(
            [
                Field("name", _("Name"), required=True),
                Field("description", _("Description")),
                Field(
                    "default_scope",
                    _("Default data scope"),
                    "choice",
                    choices=scope_choices(),
                    allow_empty=False,
                    tooltip=_("What new operators with this role see."),
                ),
            ],
            {},
            self._save,
            reload=self._fresh,
            always_save=True,
            conflict_notes=self._permission_conflicts,
        )
        self.form.saved.connect(self._after_save)
        self.tree = QTreeWidget()
        self.tree.setObjectName("permissions")
        self.tree.setHeaderHidden(True)
        self.tree.setUniformRowHeights(True)
        self.items: dict[str, QTreeWidgetItem] = {}
        groups: dict[str, QTreeWidgetItem] = {}
        for permission in ALL_PERMISSIONS:
            group = groups.get(permission.group)
            if group is None:
                group = QTreeWidgetItem(self.tree, [_(permission.group)])
                group.setFlags(
                    group.flags() | Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsAutoTristate
                )
                groups[permission.group] = group
            item = QTreeWidgetItem(group, [_(permission.label)])
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(0, Qt.CheckState.Unchecked)
            item.setToolTip(0, permission.name)
            self.items[permission.name] = item
        self.tree.expandAll()

        self.save_button = QPushButton(_("Save role"))
        self.save_button.setToolTip(_("Save (Ctrl+S)"))
        self.save_button.clicked.connect(self.save)
        self.heading = QLabel()
        font = self.heading.font()
        font.setBold(True)
        self.heading.setFont(font)
        editor = QGroupBox()
        box = QVBoxLayout(editor)
        box.addWidget(self.heading)
        box.addWidget(self.form)
        box.addWidget(QLabel(_("Permissions")))
        box.addWidget(self.tree, 1)
        buttons = QHBoxLayout()
        buttons.addStretch()
        buttons.addWidget(self.save_button)
        box.addLayout(buttons)
        QShortcut(
            QKeySequence.StandardKey.Save,
            editor,
            activated=self.save,
            context=Qt.ShortcutContext.WidgetWithChildrenShortcut,
        )
        self.editor = editor

        splitter = QSplitter()
        splitter.addWidget(self.list)
        splitter.addWidget(editor)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([420, 560])
        splitter.setChildrenCollapsible(False)
        self.layout_.addWidget(splitter)
        self.reload()
        if self.list.rows():
            self.list.select_key(self.list.rows()[0]["id"])

    # --- loading -----------------------------------------------------------------------------
    def _load(self) -> list[dict[str, Any]]:
        rows = operators.list_roles(self.ctx.db, self.ctx.actor)
        for row in rows:
            row["display_name"] = i18n.translated(row["name"])
            row["count"] = len(row["permissions"])
        return rows

    def reload(self) -> None:
        self.list.reload()

    def _show_row(self, row: dict[str, Any] | None) -> None:
        if row is None:
            return
        self.show_role(row)

    def show_role(self, row: dict[str, Any]) -> None:
        self.role_id = row.get("id")
        name = row.get("display_name") or row.get("name") or ""
        self.form.set_values({**row, "name": name})
        self.set_permissions(set(row.get("permissions", ())))
        self.heading.setText(
            _("Role “{name}”").format(name=name) if self.role_id else _("New role")
        )
        self.editor.setEnabled(self.can("settings.roles"))

    def new_role(self) -> None:
        self.list.table.clearSelection()
        self.show_role({"default_scope": "own", "permissions": []})
        self.form.editor("name").setFocus()

    def _fresh(self) -> dict[str, Any]:
        row = next(r for r in self._load() if r["id"] == self.role_id)
        self.set_permissions(set(row["permissions"]))
        return {**row, "name": row["display_name"]}

    # --- permissions -------------------------------------------------------------------------
    def set_permissions(self, names: set[str]) -> None:
        for name, item in self.items.items():
            item.setCheckState(
                0, Qt.CheckState.Checked if name in names else Qt.CheckState.Unchecked
            )

    def permissions(self) -> set[str]:
        return {
            name for name, item in self.items.items() if item.checkState(0) == Qt.CheckState.Checked
        }

    def item(self, permission: str) -> QTreeWidgetItem:
        return self.items[permission]

    # --- saving ------------------------------------------------------------------------------
    def save(self) -> bool:
        return self.form.submit()

    def _save(self, values: dict[str, Any], version: int | None) -> int:
        return operators.save_role(
            self.ctx.db, self.ctx.actor, self.role_id, version, values, self.permissions()
        )

    def _after_save(self, role_id: int | None) -> None:
        if role_id is not None:
            self.role_id = role_id
        self.reload()
        if self.role_id is not None:
            self.list.select_key(self.role_id)
        self.ctx.notify(Changes.of(*KINDS))

    def _permission_conflicts(self, exc: ConflictError) -> list[str]:
        try:
            theirs = set(next(r for r in self._load() if r["id"] == self.role_id)["permissions"])
        except StopIteration:
            return []
        mine = self.permissions()
        lines = []
        for name in sorted(theirs ^ mine):
            lines.append(
                _("{field}: theirs “{theirs}” vs yours “{yours}”").format(
                    field=_(LABELS.get(name, name)),
                    theirs=_("Allowed") if name in theirs else _("Not allowed"),
                    yours=_("Allowed") if name in mine else _("Not allowed"),
                )
            )
        return lines
