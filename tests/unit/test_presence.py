"""Who is connected: heartbeats keep a PC listed, silence drops it."""

from __future__ import annotations

from crm_desktop.core.actor import Actor
from crm_desktop.core.clock import FixedClock
from crm_desktop.core.db import Database, presence


def test_other_pcs_are_listed_and_stale_ones_expire(
    db: Database, boss: Actor, clock: FixedClock
) -> None:
    mine = presence.join(db, boss)
    theirs = presence.join(db, boss)
    assert [c.session_key for c in presence.connected(db, exclude=mine)] == [theirs]

    clock.advance(seconds=presence.STALE_AFTER.total_seconds() - 10)
    presence.heartbeat(db, mine)
    clock.advance(seconds=20)
    assert [c.session_key for c in presence.connected(db)] == [mine]


def test_leaving_removes_the_pc(db: Database, boss: Actor) -> None:
    key = presence.join(db, boss)
    presence.leave(db, key)
    assert presence.connected(db) == []
