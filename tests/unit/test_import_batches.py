"""Undoing an import exactly, refusing when that would throw work away, and taking back imports
whose PC went away."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from crm_desktop.core.actor import Actor
from crm_desktop.core.clock import FixedClock
from crm_desktop.core.db import Database, presence
from crm_desktop.core.errors import PermissionDenied, ValidationError
from crm_desktop.core.importing import batches, engine
from crm_desktop.core.importing.model import ImportKind, ImportMode, ImportRequest
from crm_desktop.core.models import AuditEntry, Customer, FollowUp, ImportBatch, ImportChange
from crm_desktop.core.services import customers, followups
from tests.integration.test_postgresql import pg, pg_boss
from tests.unit.test_import_engine import HEADER, dump, stored, xlsx
from tests.unit.test_list_export import grant

__all__ = ["pg", "pg_boss"]  # fixtures, imported for pytest


def _upsert(db: Database, actor: Actor, path: Path, **kw: Any) -> int:
    result = engine.run_import(
        db,
        actor,
        ImportRequest(
            ImportKind.CUSTOMERS, path, mode=ImportMode.UPSERT, create_missing=True, **kw
        ),
    )
    assert result.batch_id is not None
    return result.batch_id


def _sheet(tmp_path: Path) -> Path:
    return xlsx(
        tmp_path / "c.xlsx",
        [
            [*HEADER, "联系人"],
            ["老客户有限公司", "K001", "0571-1111", "新区", None, None, "改过的备注", "张三"],
            ["新客户甲公司", None, "13800000001", "华东", None, None, None, "李雷"],
            ["新客户乙公司", None, None, "新区", None, None, None, None],
        ],
    )


def test_undo_restores_the_database_exactly(db: Database, boss: Actor, tmp_path: Path) -> None:
    customers.create_customer(db, boss, {"name": "老客户有限公司", "remarks": "旧备注"})
    before = dump(db)
    batch_id = _upsert(db, boss, _sheet(tmp_path))
    assert stored(db, "老客户有限公司").remarks == "改过的备注"

    result = batches.undo_batch(db, boss, batch_id)

    assert (result.removed, result.restored) == (5, 1)  # 2 customers, 2 contacts, 1 region
    assert dump(db) == before
    rows = batches.list_batches(db, boss)
    assert [(r.id, r.status, r.created, r.updated) for r in rows] == [(batch_id, "undone", 2, 1)]
    with db.read() as session:
        actions = set(session.scalars(select(AuditEntry.action)))
    assert {"import.run", "import.undo", "customer.import", "customer.import_undo"} <= actions
    with pytest.raises(ValidationError, match="only a finished import"):
        batches.undo_batch(db, boss, batch_id)


def test_undo_is_refused_after_a_record_was_edited(
    db: Database, boss: Actor, tmp_path: Path
) -> None:
    batch_id = _upsert(db, boss, _sheet(tmp_path))
    edited = stored(db, "新客户乙公司")
    customers.update_customer(db, boss, edited.id, edited.version, {"address": "杭州"})
    before = dump(db)

    with pytest.raises(ValidationError, match="新客户乙公司"):
        batches.undo_batch(db, boss, batch_id)

    assert dump(db) == before


def test_undo_is_refused_when_a_created_customer_got_a_follow_up(
    db: Database, boss: Actor, tmp_path: Path, clock: FixedClock
) -> None:
    batch_id = _upsert(db, boss, _sheet(tmp_path))
    new = stored(db, "新客户甲公司")
    followups.record_followup(
        db, boss, {"customer_id": new.id, "happened_at": clock.now(), "content": "电话联系"}
    )

    with pytest.raises(ValidationError, match="新客户甲公司"):
        batches.undo_batch(db, boss, batch_id)
    with db.read() as session:
        assert session.scalar(select(FollowUp.id)) is not None


def test_only_the_importer_or_an_all_scope_operator_undoes_and_lists(
    db: Database, boss: Actor, team: dict[str, Actor], tmp_path: Path
) -> None:
    grant(db, boss, "salesperson", "customers.import")
    from tests.conftest import actor_of

    li, zhao = actor_of(db, "li"), actor_of(db, "zhao")
    path = xlsx(tmp_path / "c.xlsx", [HEADER, ["李四的客户", None, None, None, None, None, None]])
    batch_id = _upsert(db, li, path)

    assert [b.id for b in batches.list_batches(db, li)] == [batch_id]
    assert batches.list_batches(db, zhao) == []
    assert [b.operator_name for b in batches.list_batches(db, boss)] == ["李四"]
    with pytest.raises(PermissionDenied):
        batches.undo_batch(db, zhao, batch_id)
    assert batches.undo_batch(db, boss, batch_id).removed == 1


def test_a_running_import_whose_pc_is_gone_is_taken_back(
    db: Database, boss: Actor, tmp_path: Path, clock: FixedClock
) -> None:
    before = dump(db)
    batch_id = _upsert(db, boss, _sheet(tmp_path))
    live_key = presence.join(db, boss)
    live_batch = _upsert(db, boss, xlsx(tmp_path / "d.xlsx", [HEADER, ["另一家公司"]]))
    with db.write(boss) as uow:  # as if both were still running: one PC died, one is alive
        for bid, key in ((batch_id, "gone-pc"), (live_batch, live_key)):
            batch = uow.session.get(ImportBatch, bid)
            assert batch is not None
            batch.status, batch.session_key = "running", key

    assert batches.recover_interrupted(db) == [batch_id]

    with db.read() as session:
        statuses = dict(session.execute(select(ImportBatch.id, ImportBatch.status)).all())
        left = session.scalars(select(ImportChange.batch_id).distinct()).all()
    assert statuses == {batch_id: "failed", live_batch: "running"}
    assert left == [live_batch]
    assert stored(db, "另一家公司") is not None
    with pytest.raises(AssertionError):
        stored(db, "新客户甲公司")
    clock.advance(seconds=presence.STALE_AFTER.total_seconds() + 1)
    assert batches.recover_interrupted(db) == [live_batch]  # its heartbeat stopped as well
    assert dump(db) == before


def test_run_import_takes_back_interrupted_imports_before_it_starts(
    db: Database, boss: Actor, tmp_path: Path
) -> None:
    batch_id = _upsert(db, boss, _sheet(tmp_path))
    with db.write(boss) as uow:
        batch = uow.session.get(ImportBatch, batch_id)
        assert batch is not None
        batch.status, batch.session_key = "running", None

    _upsert(db, boss, xlsx(tmp_path / "d.xlsx", [HEADER, ["另一家公司"]]))

    with db.read() as session:
        assert session.get(ImportBatch, batch_id).status == "failed"  # type: ignore[union-attr]
        names = set(session.scalars(select(Customer.name)))
    assert names == {"另一家公司"}


# --- PostgreSQL ----------------------------------------------------------------------------------


@pytest.mark.pg
def test_import_update_and_undo_on_postgresql(pg: Database, pg_boss: Actor, tmp_path: Path) -> None:
    boss = pg_boss
    customers.create_customer(pg, boss, {"name": "老客户有限公司", "remarks": "旧备注"})
    before = dump(pg)

    batch_id = _upsert(pg, boss, _sheet(tmp_path))
    with pg.read() as session:
        old = session.scalar(select(Customer).where(Customer.name == "老客户有限公司"))
        assert old is not None and (old.remarks, old.version) == ("改过的备注", 2)
        assert session.scalar(select(Customer.id).where(Customer.name == "新客户乙公司"))
    more = _upsert(pg, boss, xlsx(tmp_path / "d.xlsx", [HEADER, ["第四家公司"]]))
    assert more > batch_id  # ids came from the sequences: no clash with later inserts
    customers.create_customer(pg, boss, {"name": "手工录入公司"})

    batches.undo_batch(pg, boss, more)
    batches.undo_batch(pg, boss, batch_id)

    after = dump(pg)
    manual = [r for r in after["customers"] if r[1] == "手工录入公司" or "手工录入公司" in r]
    assert len(manual) == 1
    after["customers"] = [r for r in after["customers"] if r not in manual]
    assert after == before
