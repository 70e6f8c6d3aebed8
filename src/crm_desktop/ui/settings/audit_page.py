"""The audit log: who changed what, when, read-only."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QWidget

from crm_desktop.core.i18n import _
from crm_desktop.core.services import audit
from crm_desktop.ui.context import AppContext
from crm_desktop.ui.settings.common import SettingsPage
from crm_desktop.ui.widgets import Column, RecordListPage

LIMIT = 500


def _value(value: Any) -> str:
    if value is None or value == "":
        return "∅"
    if isinstance(value, (list, tuple, set, frozenset)):
        return ", ".join(str(v) for v in value)
    return str(value)


def describe_changes(changes: dict[str, Any]) -> str:
    """field: old → new; … (lists such as permissions show what was added and removed)."""
    parts = []
    for field, pair in changes.items():
        old, new = pair if isinstance(pair, (list, tuple)) and len(pair) == 2 else (None, pair)
        if isinstance(old, list) and isinstance(new, list):
            added = sorted(set(new) - set(old))
            removed = sorted(set(old) - set(new))
            bits = [f"+{name}" for name in added] + [f"−{name}" for name in removed]
            parts.append(f"{field}: {' '.join(bits)}")
        elif old is None:  # a new record: just its values
            parts.append(f"{field}: {_value(new)}")
        else:
            parts.append(f"{field}: {_value(old)} → {_value(new)}")
    return "; ".join(parts)


class AuditPage(SettingsPage):
    kinds = ("*",)  # every write leaves an audit row

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.list = RecordListPage(
            "settings.audit",
            _("Audit log"),
            [
                Column("at", _("Time"), "datetime", width=140),
                Column("operator", _("Operator"), width=100),
                Column("action", _("Action"), width=160),
                Column("record", _("Record"), width=160),
                Column("changes", _("Changes"), width=420),
                Column("pc", _("Computer")),
            ],
            self._load,
            empty_text=_("The audit log is empty."),
        )
        self.layout_.addWidget(self.list)
        self.reload()

    def _load(self) -> list[dict[str, Any]]:
        rows = []
        for number, entry in enumerate(
            audit.list_entries(self.ctx.db, self.ctx.actor, limit=LIMIT)
        ):
            record = entry.entity or ""
            if entry.entity_id is not None:
                record = f"{record} #{entry.entity_id}"
            if entry.summary:
                record = f"{record} {entry.summary}".strip()
            rows.append(
                {
                    "id": number,
                    "at": entry.at,
                    "operator": entry.operator_code or "",
                    "action": entry.action,
                    "record": record,
                    "changes": describe_changes(entry.changes),
                    "pc": entry.pc_name or "",
                }
            )
        return rows

    def reload(self) -> None:
        self.list.reload()
