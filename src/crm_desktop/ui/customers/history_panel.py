"""A customer's field history from the audit log, with "Restore old value"."""

from __future__ import annotations

from typing import Any

from crm_desktop.core.i18n import _
from crm_desktop.ui.customers.detail_tabs import CustomerPage, inner_list
from crm_desktop.ui.widgets import Column, ListAction, RecordListPage, prompts


def history_list(page: CustomerPage) -> RecordListPage:
    """Who changed which field when, old → new; restoring needs customers.edit."""
    from crm_desktop.core.services import history

    ctx = page.ctx

    def load() -> list[Any]:
        return history.field_history(ctx.db, ctx.actor, page.customer_id)

    def restore(row: Any) -> None:
        question = _("Set “{field}” back to “{old}” (the value before {who} changed it)?").format(
            field=row.field_label,
            old=row.old_text or _("(empty)"),
            who=row.operator_name,
        )
        if not prompts.confirm(page.parent, _("Restore old value"), question):
            return
        history.restore_value(ctx.db, ctx.actor, page.customer_id, row.audit_id, row.field)
        page.customer_changed()

    actions = []
    if page.can("customers.edit"):
        # The owner moves only with the transfer right (the service says so too).
        may_transfer = page.can("customers.transfer")
        actions.append(
            ListAction(
                "restore",
                _("Restore old value"),
                restore,
                enabled=lambda row: row.field != "owner_id" or may_transfer,
            )
        )
    return inner_list(
        "history",
        [
            Column("at", _("When"), "datetime", width=130),
            Column("operator_name", _("Who"), width=90),
            Column("field_label", _("Field"), width=100),
            Column("old_text", _("Old value"), width=180),
            Column("new_text", _("New value")),
        ],
        load,
        actions,
        key="audit_id",
        empty_text=_("No changes recorded yet."),
    )
