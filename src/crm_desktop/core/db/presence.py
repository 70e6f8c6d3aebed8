"""Who is connected: each running app keeps a heartbeat row; stale rows expire.

The same row carries a soft lock: `start_editing` notes the record this session has open in an
edit form, so another PC opening it can say "being edited by X on PC Y". Nothing is refused
because of it; two saves still meet the version check, and the second one sees the differences.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from crm_desktop import __version__
from crm_desktop.core.actor import Actor
from crm_desktop.core.db.database import Database
from crm_desktop.core.db.watch import prune
from crm_desktop.core.models import Presence

HEARTBEAT_EVERY = timedelta(seconds=30)
STALE_AFTER = timedelta(seconds=120)


@dataclass(frozen=True)
class Connected:
    session_key: str
    operator_name: str | None
    pc_name: str
    app_version: str
    since: datetime


def join(db: Database, actor: Actor | None) -> str:
    key = uuid.uuid4().hex
    now = db.clock.now()
    with db.write(actor) as uow:
        uow.session.add(
            Presence(
                session_key=key,
                operator_id=actor.id if actor else None,
                operator_name=actor.name if actor else None,
                pc_name=db.pc_name,
                app_version=__version__,
                started_at=now,
                heartbeat_at=now,
            )
        )
        uow.session.execute(delete(Presence).where(Presence.heartbeat_at < now - STALE_AFTER))
        prune(uow)
    return key


def heartbeat(db: Database, key: str) -> None:
    with db.write(None) as uow:
        row = uow.session.scalar(select(Presence).where(Presence.session_key == key))
        if row is not None:
            row.heartbeat_at = db.clock.now()


def leave(db: Database, key: str) -> None:
    with db.write(None) as uow:
        uow.session.execute(delete(Presence).where(Presence.session_key == key))


def connected(db: Database, *, exclude: str | None = None) -> list[Connected]:
    cutoff = db.clock.now() - STALE_AFTER
    with db.read() as session:
        # Only columns every schema since 0001 has: migrate.upgrade asks this of old databases.
        rows = session.execute(
            select(
                Presence.session_key,
                Presence.operator_name,
                Presence.pc_name,
                Presence.app_version,
                Presence.started_at,
            )
            .where(Presence.heartbeat_at >= cutoff)
            .order_by(Presence.started_at)
        ).all()
        return [
            Connected(r.session_key, r.operator_name, r.pc_name, r.app_version, r.started_at)
            for r in rows
            if r.session_key != exclude
        ]


def start_editing(db: Database, key: str, entity: str, entity_id: int) -> None:
    """Note that session `key` has record (`entity`, `entity_id`) open in an edit form."""
    _set_editing(db, key, entity, entity_id, db.clock.now())


def stop_editing(
    db: Database, key: str, entity: str | None = None, entity_id: int | None = None
) -> None:
    """The edit form of session `key` closed: it edits nothing now.

    With `entity` and `entity_id` the mark is cleared only while it still names that record, so
    closing one of two open forms does not hide that the other is still being edited.
    """
    _set_editing(db, key, None, None, None, only_if=(entity, entity_id) if entity else None)


def _set_editing(
    db: Database,
    key: str,
    entity: str | None,
    entity_id: int | None,
    since: datetime | None,
    *,
    only_if: tuple[str | None, int | None] | None = None,
) -> None:
    with db.write(None) as uow:
        row = uow.session.scalar(select(Presence).where(Presence.session_key == key))
        if row is None or (only_if and only_if != (row.editing_entity, row.editing_id)):
            return
        row.editing_entity, row.editing_id, row.editing_since = entity, entity_id, since


def editors_of(
    db: Database, entity: str, entity_id: int, *, exclude: str | None = None
) -> list[Connected]:
    """The other live sessions with this record open in an edit form (`since`: when they
    opened it), longest first; stale sessions (a crashed PC) are not listed."""
    cutoff = db.clock.now() - STALE_AFTER
    with db.read() as session:
        rows = session.scalars(
            select(Presence)
            .where(
                Presence.heartbeat_at >= cutoff,
                Presence.editing_entity == entity,
                Presence.editing_id == entity_id,
            )
            .order_by(Presence.editing_since)
        ).all()
        return [
            Connected(
                r.session_key,
                r.operator_name,
                r.pc_name,
                r.app_version,
                r.editing_since or r.heartbeat_at,
            )
            for r in rows
            if r.session_key != exclude
        ]
