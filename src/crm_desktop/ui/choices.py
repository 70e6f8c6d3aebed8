"""Pickers fed from the firm's own lists (base data), shared by every tab's forms."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from crm_desktop.core.i18n import _, translated
from crm_desktop.core.models import BaseDataKind
from crm_desktop.core.services import basedata
from crm_desktop.ui.context import AppContext
from crm_desktop.ui.widgets import Field


def base_data_choices(ctx: AppContext, kind: BaseDataKind) -> Callable[[], list[tuple[Any, str]]]:
    """(id, name) of a base data list: active entries first, inactive ones marked as such.

    Inactive entries stay pickable so a record that uses one still shows its value. Starter
    entries are stored as catalog messages and shown in the current language.
    """

    def load() -> list[tuple[Any, str]]:
        rows = basedata.list_items(ctx.db, ctx.actor, kind)
        active = [(r["id"], translated(r["name"])) for r in rows if r["active"]]
        inactive = [
            (r["id"], _("{name} (inactive)").format(name=translated(r["name"])))
            for r in rows
            if not r["active"]
        ]
        return active + inactive

    return load


def base_data_field(ctx: AppContext, key: str, label: str, kind: BaseDataKind) -> Field:
    """A form field choosing one entry of a base data list (e.g. a customer's region)."""
    return Field(key, label, "choice", choices=base_data_choices(ctx, kind))
