"""Reading the audit log (who changed what, when)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from crm_desktop.core.actor import Actor
from crm_desktop.core.db.database import Database, decode_changes
from crm_desktop.core.models import AuditEntry
from crm_desktop.core.services.access import require


@dataclass(frozen=True)
class AuditRow:
    at: datetime
    operator_code: str | None
    action: str
    entity: str | None
    entity_id: int | None
    summary: str | None
    changes: dict[str, tuple[Any, Any]]
    pc_name: str | None


def list_entries(
    db: Database,
    actor: Actor,
    *,
    entity: str | None = None,
    entity_id: int | None = None,
    action_prefix: str | None = None,
    limit: int = 500,
) -> list[AuditRow]:
    with db.read() as session:
        require(session, actor, "audit.view")
        query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
        if entity:
            query = query.where(AuditEntry.entity == entity)
        if entity_id is not None:
            query = query.where(AuditEntry.entity_id == entity_id)
        if action_prefix:
            query = query.where(AuditEntry.action.startswith(action_prefix))
        return [
            AuditRow(
                e.at,
                e.operator_code,
                e.action,
                e.entity,
                e.entity_id,
                e.summary,
                decode_changes(e.changes),
                e.pc_name,
            )
            for e in session.scalars(query)
        ]
