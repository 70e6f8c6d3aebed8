"""Health of a database: integrity, schema version, row counts."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select, text

from crm_desktop.core.actor import Actor
from crm_desktop.core.db.backup import BackupResult, backup_database
from crm_desktop.core.db.database import Database
from crm_desktop.core.db.migrate import schema_state
from crm_desktop.core.db.server import HIDDEN_TABLES
from crm_desktop.core.models import Base
from crm_desktop.core.services.access import require


@dataclass
class CheckReport:
    location: str
    integrity: str
    revision: str | None
    head: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.integrity == "ok" and self.revision == self.head


def check(db: Database) -> CheckReport:
    state = schema_state(db)
    with db.read() as session:
        if db.engine.dialect.name == "sqlite":
            rows = session.execute(text("PRAGMA integrity_check")).scalars().all()
            integrity = "ok" if rows == ["ok"] else "; ".join(rows[:5])
        else:
            integrity = "ok"
        counts = {}
        if state.revision is not None:
            for table in Base.metadata.sorted_tables:
                if table.name in HIDDEN_TABLES:  # a team server's PCs may not even count them
                    continue
                counts[table.name] = session.scalar(select(func.count()).select_from(table)) or 0
    return CheckReport(db.location, integrity, state.revision, state.head, counts)


def backup(db: Database, actor: Actor, dest: Path | None = None) -> BackupResult:
    """A verified backup on request (needs system.backup); audited."""
    with db.read() as session:
        require(session, actor, "system.backup")
    result = backup_database(db, dest)
    with db.write(actor) as uow:
        uow.audit("system.backup", summary=str(result.path))
    return result
