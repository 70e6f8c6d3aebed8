"""Complaints and satisfaction analyses against plain Python over the raw rows, under each data
scope (salesperson, manager, boss), with date ranges on local (Shanghai) days."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from crm_desktop.core.actor import Actor
from crm_desktop.core.clock import FixedClock
from crm_desktop.core.db import Database
from crm_desktop.core.errors import PermissionDenied
from crm_desktop.core.models import BaseDataKind
from crm_desktop.core.reports import tables
from crm_desktop.core.reports.tables import ReportParams
from crm_desktop.core.services import basedata, customers, operators, service_records
from crm_desktop.core.services.escalation import escalate_overdue
from tests.conftest import MakeOperator
from tests.report_fixtures import in_range, raw, raw_source, sees, visible_people

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 1, 1, 0, 0, tzinfo=UTC)
NOW = datetime(2026, 3, 1, 4, 0, tzinfo=UTC)


pytestmark = pytest.mark.usefixtures("shanghai")  # local days are Shanghai days


@pytest.fixture
def people(
    db: Database, boss: Actor, team: dict[str, Actor], make_operator: MakeOperator
) -> dict[str, Actor]:
    north = operators.save_team(db, boss, None, None, {"code": "N", "name": "华北组"})
    return {
        **team,
        "boss": boss,
        "sun": make_operator("sun", "salesperson", team_id=north, name="孙七"),
        "desk": make_operator("desk", "service", name="客服小王"),
    }


@pytest.fixture
def book(db: Database, clock: FixedClock, people: dict[str, Actor]) -> dict[str, Actor]:
    """Sixty service records of every kind, status and score, some escalated, a few accepted
    around local midnight."""
    boss = people["boss"]
    owners = ["li", "zhao", "manager", "sun", None]
    customer_ids = [
        customers.create_customer(
            db, boss, {"name": f"客户{i}有限公司", "owner_id": people[o].id if o else None}
        )
        for i, o in enumerate(owners)
    ]
    listed = basedata.list_items(db, boss, BaseDataKind.SERVICE_CATEGORY)
    categories = [*(item["id"] for item in listed[:3]), None]
    rng = random.Random(9)
    handlers = ["li", "zhao", "manager", "sun", "desk"]
    for i in range(60):
        accepted = START + timedelta(days=rng.randint(0, 55), hours=rng.choice((2, 15, 16, 23)))
        kind = rng.choice(("complaint", "complaint", "service", "consultation"))
        values = {
            "customer_id": rng.choice(customer_ids),
            "subject": f"记录{i}",
            "kind": kind,
            "category_id": rng.choice(categories),
            "handler_id": people[rng.choice(handlers)].id,
            "accepted_at": accepted,
        }
        record_id = service_records.save_service_record(db, boss, None, None, values)
        status = rng.choice(("open", "in_progress", "resolved", "closed", "closed"))
        score = rng.choice((None, 1, 2, 3, 4, 5, 5))
        if status == "closed" and kind == "complaint" and score is None:
            score = 3
        if status != "open":
            service_records.set_service_status(
                db,
                boss,
                record_id,
                1,
                status,
                satisfaction=score if status != "in_progress" else None,
            )
        if i == 30:
            escalate_overdue(db, None, NOW)  # the first half's overdue complaints
    escalate_overdue(db, None, NOW + timedelta(days=10))
    return people


def local_day(stored: str) -> date:
    return datetime.fromisoformat(stored).replace(tzinfo=UTC).astimezone(SHANGHAI).date()


def visible(db: Database, who: int, params: ReportParams) -> list[dict[str, Any]]:
    """The raw service rows the operator sees, accepted in the period, in the region."""
    path = raw_source(db)
    seen = visible_people(path, who)
    owner = {c["id"]: c for c in raw(path, "SELECT id, owner_id, region_id FROM customers")}
    return [
        s
        for s in raw(path, "SELECT * FROM service_records")
        if sees(seen, s["handler_id"], owner[s["customer_id"]]["owner_id"])
        and in_range(local_day(s["accepted_at"]), params.date_from, params.date_to)
        and (params.region_id is None or owner[s["customer_id"]]["region_id"] == params.region_id)
    ]


def names(db: Database) -> tuple[dict[int, str], dict[int, str]]:
    path = raw_source(db)
    people = {r["id"]: r["name"] for r in raw(path, "SELECT id, name FROM operators")}
    items = {r["id"]: r["name"] for r in raw(path, "SELECT id, name FROM base_data_items")}
    return people, items


def avg(scores: list[int]) -> Decimal:
    return (Decimal(sum(scores)) / len(scores)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def expected_complaints(db: Database, who: int, params: ReportParams) -> list[tuple[Any, ...]]:
    people, items = names(db)
    groups: dict[tuple[Any, int], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for s in visible(db, who, params):
        if s["kind"] != "complaint":
            continue
        g = groups[(s["category_id"], s["handler_id"])]
        g[0] += 1
        g[1] += s["status"] in ("open", "in_progress")
        g[2] += s["status"] in ("resolved", "closed")
        g[3] += s["escalated_at"] is not None
    return [
        (items.get(c, "(none)") if c else "(none)", people[h], *g) for (c, h), g in groups.items()
    ]


def expected_satisfaction(db: Database, who: int, params: ReportParams) -> list[tuple[Any, ...]]:
    people, items = names(db)
    groups: dict[tuple[Any, int], list[int]] = defaultdict(list)
    for s in visible(db, who, params):
        if s["satisfaction"] is not None:
            groups[(s["category_id"], s["handler_id"])].append(s["satisfaction"])
    return [
        (items[c] if c else "(none)", people[h], len(v), avg(v)) for (c, h), v in groups.items()
    ]


PARAMS = (
    ReportParams(),
    ReportParams(date_from=date(2026, 1, 10), date_to=date(2026, 2, 1)),
)


WHO = ("boss", "manager", "li", "sun")  # all, team, own (two teams)


def test_complaints_match_an_independent_count_in_every_scope(
    db: Database, book: dict[str, Actor]
) -> None:
    for who in WHO:
        for params in PARAMS:
            table = tables.run(db, book[who], "complaints", params)
            expected = expected_complaints(db, book[who].id, params)
            assert sorted(table.rows) == sorted(expected), (who, params)
            totals = tuple(sum(r[i] for r in expected) for i in range(2, 6))
            assert table.totals == (("Total", "", *totals) if expected else None)
            assert all(d is not None and d.filters["kind"] == "complaint" for d in table.drills)


def test_satisfaction_matches_an_independent_average_in_every_scope(
    db: Database, book: dict[str, Actor]
) -> None:
    for who in WHO:
        for params in PARAMS:
            table = tables.run(db, book[who], "satisfaction", params)
            expected = expected_satisfaction(db, book[who].id, params)
            assert sorted(table.rows) == sorted(expected), (who, params)
            scores = [
                s["satisfaction"]
                for s in visible(db, book[who].id, params)
                if s["satisfaction"] is not None
            ]
            # the total is the average of every score, not a mean of the row means
            assert table.totals == (("Total", "", len(scores), avg(scores)) if scores else None)


def test_the_scopes_differ_and_the_data_has_every_case(
    db: Database, book: dict[str, Actor]
) -> None:
    boss_rows = tables.run(db, book["boss"], "complaints").totals
    li_rows = tables.run(db, book["li"], "complaints").totals
    assert boss_rows is not None and li_rows is not None
    assert li_rows[2] < boss_rows[2]
    assert all(figure > 0 for figure in boss_rows[3:])  # open, done and escalated complaints


def test_averages_are_exact_to_one_decimal_rounded_half_up() -> None:
    from crm_desktop.core.reports.service_analyses import average

    assert average(9, 2) == Decimal("4.5")
    assert average(7, 3) == Decimal("2.3")
    assert average(29, 20) == Decimal("1.5")  # 1.45 rounds up, no float error
    assert average(0, 0) is None


def test_analyses_are_listed_under_service_and_need_statistics(
    db: Database, make_operator: MakeOperator
) -> None:
    found = {a.name: a for a in tables.analyses()}
    assert found["complaints"].group == found["service-by-status"].group
    assert found["satisfaction"].group == found["service-by-status"].group
    clerk = make_operator("clerk", "service")
    if "statistics.view" not in clerk.permissions:
        with pytest.raises(PermissionDenied):
            tables.run(db, clerk, "satisfaction")
