"""The demo generator as the GUI calls it: progress, cancelling, permissions, a second run."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from crm_desktop.core.actor import Actor
from crm_desktop.core.db import Database
from crm_desktop.core.errors import PermissionDenied
from crm_desktop.core.services import auth, demo
from tests.conftest import MakeOperator


def _count(path: Path, table: str) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_progress_reports_every_chunk_and_cancelling_rolls_everything_back(
    db: Database, boss: Actor, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(demo, "CHUNK", 40)
    seen: list[tuple[int, int]] = []

    def cancel_after_two_chunks(done: int, total: int) -> bool:
        seen.append((done, total))
        return done < 80

    operators_before = _count(db_path, "operators")
    with pytest.raises(demo.DemoCancelled, match="cancelled"):
        demo.generate(db, boss, customers=200, seed=3, progress=cancel_after_two_chunks)
    assert seen == [(0, 200), (40, 200), (80, 200)]
    assert _count(db_path, "customers") == 0
    assert _count(db_path, "operators") == operators_before
    assert _count(db_path, "products") == 0


def test_operators_get_the_demo_password_when_given(db: Database, boss: Actor) -> None:
    result = demo.generate(db, boss, customers=30, seed=1, operator_password="Demo-pass-2026")
    assert result.counts["customers"] == 30
    actor = auth.login(db, "sales01", "Demo-pass-2026")
    assert actor.role_code == "salesperson"
    assert actor.team_id is not None


def test_without_a_password_demo_operators_cannot_log_in(db: Database, boss: Actor) -> None:
    demo.generate(db, boss, customers=10, seed=1)
    with pytest.raises(auth.AuthenticationFailed):
        auth.login(db, "sales01", "")


def test_a_second_run_adds_more_without_clashing(db: Database, boss: Actor, db_path: Path) -> None:
    first = demo.generate(db, boss, customers=60, seed=5)
    second = demo.generate(db, boss, customers=60, seed=5)
    assert _count(db_path, "customers") == 120
    assert "operators" in first.counts and "operators" not in second.counts  # reused
    with sqlite3.connect(db_path) as conn:
        names = [r[0] for r in conn.execute("SELECT normalized_name FROM customers")]
        numbers = [r[0] for r in conn.execute("SELECT number FROM sales_orders")]
    assert len(set(names)) == len(names)
    assert len(set(numbers)) == len(numbers)


def test_salesperson_may_not_generate(
    db: Database, make_operator: MakeOperator, db_path: Path
) -> None:
    sales = make_operator("li", "salesperson")
    with pytest.raises(PermissionDenied):
        demo.generate(db, sales, customers=5)
    assert _count(db_path, "customers") == 0


def _index_sql(path: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(path) as conn:
        return conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name"
        ).fetchall()


def test_big_fills_rebuild_the_indexes_exactly_and_a_cancel_keeps_them(
    db: Database, boss: Actor, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(demo, "REBUILD_INDEXES_FROM", 0)
    monkeypatch.setattr(demo, "CHUNK", 25)
    before = _index_sql(db_path)
    with pytest.raises(demo.DemoCancelled):
        demo.generate(db, boss, customers=100, seed=2, progress=lambda done, _t: done < 50)
    assert _index_sql(db_path) == before
    demo.generate(db, boss, customers=100, seed=2)
    assert _index_sql(db_path) == before
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        plan = conn.execute(
            "EXPLAIN QUERY PLAN SELECT id FROM customers WHERE phone_digits = '0221234567'"
        ).fetchall()
    assert "ix_customers_phone_digits" in str(plan)


def test_demo_orders_and_quotes_add_up_to_their_lines_in_cents(
    db: Database, boss: Actor, db_path: Path
) -> None:
    """Statistics and printed documents read totals; the demo must store them consistently."""
    demo.generate(db, boss, customers=150, seed=11)
    with sqlite3.connect(db_path) as conn:
        orders = conn.execute(
            "SELECT o.number, o.subtotal, o.tax, o.total, sum(l.amount) FROM sales_orders o "
            "JOIN order_lines l ON l.order_id = o.id GROUP BY o.id"
        ).fetchall()
        quotes = conn.execute(
            "SELECT q.number, q.subtotal, q.tax, q.total, sum(l.amount) FROM quotes q "
            "JOIN quote_lines l ON l.quote_id = q.id GROUP BY q.id"
        ).fetchall()
    assert orders and quotes
    for number, subtotal, tax, total, lines in orders + quotes:
        assert (subtotal, subtotal + tax) == (lines, total), number


def test_demo_leads_cover_every_status_and_converted_ones_point_at_their_customers(
    db: Database, boss: Actor, db_path: Path
) -> None:
    result = demo.generate(db, boss, customers=300, seed=2)
    assert result.counts["leads"] == 40
    with sqlite3.connect(db_path) as conn:
        statuses = {s for (s,) in conn.execute("SELECT DISTINCT status FROM leads")}
        converted = conn.execute(
            """SELECT l.campaign_id, c.campaign_id, ct.customer_id, o.customer_id, c.id
               FROM leads l JOIN customers c ON c.id = l.customer_id
               JOIN contacts ct ON ct.id = l.contact_id
               JOIN opportunities o ON o.id = l.opportunity_id
               WHERE l.status = 'converted'"""
        ).fetchall()
        unowned = conn.execute("SELECT count(*) FROM leads WHERE owner_id IS NULL").fetchone()[0]
    assert statuses == {"new", "contacted", "qualified", "disqualified", "converted"}
    assert converted
    for lead_campaign, customer_campaign, contact_of, opportunity_of, customer in converted:
        assert lead_campaign == customer_campaign is not None
        assert contact_of == opportunity_of == customer
    assert unowned == 0
