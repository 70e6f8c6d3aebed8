"""Schema migrations with Alembic, run at start-up after a verified backup.

The database's revision is compared with the revisions this build knows: unknown means a newer
app migrated it (refuse, say so); behind means migrate, but only when no other PC is connected.
"""

from __future__ import annotations

from dataclasses import dataclass

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from crm_desktop.core.db.database import Database, translate_errors
from crm_desktop.core.errors import NewerDatabase, NotACrmDatabase, OthersConnected
from crm_desktop.core.i18n import _
from crm_desktop.core.resources import migrations_dir


def alembic_config(db: Database) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.attributes["database"] = db
    return config


def head_revision() -> str:
    head = ScriptDirectory(str(migrations_dir())).get_current_head()
    assert head is not None
    return head


def known_revisions() -> set[str]:
    script = ScriptDirectory(str(migrations_dir()))
    return {rev.revision for rev in script.walk_revisions()}


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
        revision = MigrationContext.configure(connection).get_current_revision()
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
    if db.is_sqlite:
        db._refuse_read_only_file()
    with translate_errors(db):
        command.upgrade(alembic_config(db), "head")
    return schema_state(db)
