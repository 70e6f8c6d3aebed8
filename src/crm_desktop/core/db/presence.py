"""Who is connected: each running app keeps a heartbeat row; stale rows expire."""

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
        rows = session.scalars(
            select(Presence).where(Presence.heartbeat_at >= cutoff).order_by(Presence.started_at)
        ).all()
        return [
            Connected(r.session_key, r.operator_name, r.pc_name, r.app_version, r.started_at)
            for r in rows
            if r.session_key != exclude
        ]
