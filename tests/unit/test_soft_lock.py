"""The soft lock: a PC that opens a record someone else is editing learns who and since when."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from crm_desktop.core.actor import Actor
from crm_desktop.core.clock import FixedClock
from crm_desktop.core.db import Database, presence

pytestmark = pytest.mark.sqlite_only(reason="two Database objects on one SQLite file")


@pytest.fixture
def other_pc(db: Database, db_path: Path, clock: FixedClock) -> Iterator[Database]:
    """A second app on another PC, opening the same file."""
    second = Database(f"sqlite:///{db_path}", clock=clock)
    second.pc_name = "PC-02"
    yield second
    second.dispose()


def test_a_record_open_on_another_pc_names_its_editor_and_pc(
    db: Database, other_pc: Database, team: dict[str, Actor], clock: FixedClock
) -> None:
    mine = presence.join(db, team["zhao"])
    theirs = presence.join(other_pc, team["li"])
    opened_at = clock.now()
    presence.start_editing(other_pc, theirs, "customer", 7)
    clock.advance(seconds=30)

    editors = presence.editors_of(db, "customer", 7, exclude=mine)

    assert [(e.operator_name, e.pc_name, e.since) for e in editors] == [
        ("李四", "PC-02", opened_at)
    ]
    assert presence.editors_of(db, "customer", 8, exclude=mine) == []
    assert presence.editors_of(db, "order", 7, exclude=mine) == []


def test_my_own_edit_form_is_not_reported_to_me(db: Database, boss: Actor) -> None:
    mine = presence.join(db, boss)
    presence.start_editing(db, mine, "customer", 7)

    assert presence.editors_of(db, "customer", 7, exclude=mine) == []
    assert [e.session_key for e in presence.editors_of(db, "customer", 7)] == [mine]


def test_closing_the_form_clears_the_mark(db: Database, other_pc: Database, boss: Actor) -> None:
    mine = presence.join(db, boss)
    theirs = presence.join(other_pc, boss)
    presence.start_editing(other_pc, theirs, "customer", 7)

    presence.stop_editing(other_pc, theirs)

    assert presence.editors_of(db, "customer", 7, exclude=mine) == []


def test_closing_an_older_form_keeps_the_mark_of_the_one_still_open(
    db: Database, boss: Actor
) -> None:
    key = presence.join(db, boss)
    presence.start_editing(db, key, "customer", 7)
    presence.start_editing(db, key, "customer", 9)  # a second window, opened later

    presence.stop_editing(db, key, "customer", 7)

    assert [e.session_key for e in presence.editors_of(db, "customer", 9)] == [key]
    presence.stop_editing(db, key, "customer", 9)
    assert presence.editors_of(db, "customer", 9) == []


def test_a_crashed_pc_no_longer_counts_as_editing(
    db: Database, other_pc: Database, boss: Actor, clock: FixedClock
) -> None:
    mine = presence.join(db, boss)
    theirs = presence.join(other_pc, boss)
    presence.start_editing(other_pc, theirs, "customer", 7)

    clock.advance(seconds=presence.STALE_AFTER.total_seconds() - 10)
    presence.heartbeat(db, mine)
    assert len(presence.editors_of(db, "customer", 7, exclude=mine)) == 1
    clock.advance(seconds=20)  # their heartbeats stopped: the PC crashed or lost the share

    assert presence.editors_of(db, "customer", 7, exclude=mine) == []


def test_a_stale_version_names_who_saved_the_newer_one_and_when(
    db: Database, team: dict[str, Actor], clock: FixedClock
) -> None:
    from crm_desktop.core.errors import ConflictError
    from crm_desktop.core.services import customers

    customer_id = customers.create_customer(db, team["zhao"], {"name": "上海明远贸易"})
    clock.advance(seconds=60)
    saved_at = clock.now()
    customers.update_customer(db, team["manager"], customer_id, 1, {"phone": "021-5555"})

    with pytest.raises(ConflictError) as caught:
        customers.update_customer(db, team["zhao"], customer_id, 1, {"phone": "021-6666"})

    assert (caught.value.changed_by, caught.value.changed_at) == ("马经理", saved_at)
    assert caught.value.current_version == 2
