"""Schema migrations with Alembic, run at start-up after a verified backup.

The database's revision is compared with the revisions this build knows: unknown means a newer
app migrated it (refuse, say so); behind means migrate, but only when no other PC is connected.

Alembic costs ~0.2 s to import, so the common case (schema already current) is answered from the
migration files' own `revision =` lines and one SELECT; Alembic is imported only to migrate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text

from crm_desktop.core.db.database import Database, translate_errors
from crm_desktop.core.errors import NewerDatabase, NotACrmDatabase, OthersConnected
from crm_desktop.core.i18n import _
from crm_desktop.core.resources import migrations_dir

if TYPE_CHECKING:
    from alembic.config import Config

_REVISION = re.compile(r"^revision(?:\s*:[^=]*)?=\s*['\"]([^'\"]+)['\"]", re.MULTILINE)
_DOWN_REVISION = re.compile(r"^down_revision(?:\s*:[^=]*)?=\s*(.+)$", re.MULTILINE)
_QUOTED = re.compile(r"['\"]([^'\"]+)['\"]")


def alembic_config(db: Database) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.attributes["database"] = db
    return config


@cache
def revision_graph() -> dict[str, tuple[str, ...]]:
    """revision -> the revisions it follows, read from the migration scripts' source."""
    graph: dict[str, tuple[str, ...]] = {}
    for script in sorted((migrations_dir() / "versions").glob("*.py")):
        source = script.read_text(encoding="utf-8")
        revision, down = _REVISION.search(source), _DOWN_REVISION.search(source)
        if revision:
            graph[revision.group(1)] = tuple(_QUOTED.findall(down.group(1))) if down else ()
    return graph


def head_revision() -> str:
    graph = revision_graph()
    followed = {parent for parents in graph.values() for parent in parents}
    heads = sorted(set(graph) - followed)
    assert len(heads) == 1, f"migrations must have one head, found {heads}"
    return heads[0]


def known_revisions() -> set[str]:
    return set(revision_graph())


def _current_revision(connection: object, tables: set[str]) -> str | None:
    if "alembic_version" not in tables:
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()  # type: ignore[attr-defined]


@dataclass(frozen=True)
class SchemaState:
    revision: str | None
    head: str
    empty: bool

    @property
    def current(self) -> bool:
        return self.revision == self.head


def schema_state(db: Database) -> SchemaState:
    """Where the database stands; raises if it is not ours or is newer than this app."""
    with translate_errors(db), db.engine.connect() as connection:
        tables = set(inspect(connection).get_table_names())
        revision = _current_revision(connection, tables)
        connection.rollback()
    head = head_revision()
    if revision is None and tables - {"alembic_version"}:
        raise NotACrmDatabase(
            _("{path} is a database of another program, not of crm-desktop.").format(
                path=db.location
            )
        )
    if revision is not None and revision not in known_revisions():
        raise NewerDatabase(
            _(
                "{path} was upgraded by a newer version of crm-desktop (schema {revision}). "
                "Install the newer version to open it."
            ).format(path=db.location, revision=revision)
        )
    return SchemaState(revision=revision, head=head, empty=not tables)


def upgrade(db: Database, *, backup: bool = True) -> SchemaState:
    """Bring the schema to this app's head: refuses if others are connected, backs up first."""
    state = schema_state(db)
    if state.current:
        return state
    db.refuse_read_only()
    if not state.empty:
        from crm_desktop.core.db import presence

        others = presence.connected(db)
        if others:
            names = ", ".join(f"{p.operator_name or '?'}@{p.pc_name}" for p in others)
            raise OthersConnected(
                _(
                    "The database must be upgraded, but other PCs are using it ({names}). "
                    "Ask them to close crm-desktop, then try again."
                ).format(names=names)
            )
        if backup and db.path is not None:
            from crm_desktop.core.db.backup import backup_database

            backup_database(db, reason="pre-migrate")
    from alembic import command

    from crm_desktop.core.db import server

    server.refuse_migration_as_app_role(db)  # a team server's PCs cannot migrate: say who can
    with translate_errors(db):
        command.upgrade(alembic_config(db), "head")
    server.reapply_app_roles(db)  # new tables: the PCs' role gets them, never the hashes
    return schema_state(db)
