"""Pipeline, receivables, follow-up and service statistics against an independent computation.

Every analysis is compared with plain Python over the raw rows of the same database, read with
plain SQL (no services, no ORM), for the boss (all), a manager (team) and a salesperson (own),
with and without filters; then once more on demo data. Receivables must also agree with the
receipts service's aging view and customer balance. Local time is Shanghai (UTC+8), so a
follow-up at 16:30 UTC is on the next local day.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from crm_desktop.core.actor import Actor
from crm_desktop.core.clock import FixedClock
from crm_desktop.core.db import Database
from crm_desktop.core.errors import PermissionDenied
from crm_desktop.core.models import BaseDataKind
from crm_desktop.core.reports import tables
from crm_desktop.core.reports.drill import drill_rows
from crm_desktop.core.reports.tables import ReportParams, ReportTable, money_total
from crm_desktop.core.services import (
    demo,
    followups,
    operators,
    opportunities,
    receipts,
    service_records,
)
from tests.conftest import MakeOperator, TemplateRef, actor_of, database_from, make_template
from tests.integration.test_postgresql import pg, pg_boss
from tests.report_fixtures import (
    Ledger,
    RawSource,
    build_ledger,
    in_range,
    raw,
    raw_source,
    visible_people,
)
from tests.sales_fixtures import make_confirmed_order, make_customer, make_receipt

__all__ = ["pg", "pg_boss"]  # the server fixtures, imported for pytest

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 3, 2)  # 09:00 UTC = 17:00 in Shanghai
ZERO = Decimal("0.00")
PIPELINE_ANALYSES = (
    "opportunity-funnel",
    "win-rate",
    "receivables-by-customer",
    "receivables-by-salesperson",
    "aging-buckets",
    "received-monthly",
    "followup-activity",
    "customers-without-followup",
    "service-by-status",
    "service-by-category",
    "service-by-handler",
    "service-resolve-time",
)


pytestmark = pytest.mark.usefixtures("shanghai")  # local days are Shanghai days


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def set_clock(clock: FixedClock, when: datetime) -> None:
    clock.advance(seconds=(when - clock.now()).total_seconds())


# --- the data: H-A's ledger plus receipts, plans, opportunities, follow-ups, service ------------


@dataclass
class Pipeline:
    ledger: Ledger
    db: Database
    path: RawSource
    actors: dict[str, Actor]
    stages: dict[str, int]
    categories: dict[str, int]
    void_receipt: int
    template: TemplateRef = ""  # what each test's database is copied from


def _base_ids(db: Database, kind: BaseDataKind) -> dict[str, int]:
    rows = raw(
        raw_source(db),
        "SELECT name, id FROM base_data_items WHERE kind = ?",
        (str(kind),),
    )
    return {row["name"]: row["id"] for row in rows}


def _receipts(p: Pipeline) -> None:
    db, boss, orders = p.db, p.actors["boss"], p.ledger.orders
    c = p.ledger.customers
    make_receipt(db, boss, c["c1"], "500.00", (orders["o1"], "500.00"),
                 received_on=date(2025, 2, 28))  # fmt: skip
    # Handled by zhao for li's customer: both of them (and their manager) see it.
    make_receipt(db, boss, c["c1"], "512.00", (orders["o2"], "512.00"),
                 received_on=date(2025, 12, 31), handler_id=p.actors["zhao"].id)  # fmt: skip
    p.void_receipt = make_receipt(db, boss, c["c2"], "100.00", (orders["o3"], "100.00"),
                                  received_on=date(2025, 4, 1))  # fmt: skip
    version = receipts.get_receipt(db, boss, p.void_receipt).version
    receipts.set_receipt_archived(db, boss, p.void_receipt, version, True)
    make_receipt(db, boss, c["c5"], "1000.00", (orders["o7"], "1000.00"),
                 received_on=date(2026, 1, 31))  # fmt: skip
    make_receipt(db, boss, c["c6"], "300.00", received_on=date(2026, 2, 1))  # an advance
    make_receipt(db, boss, c["c4"], "56.00", (orders["o6"], "56.00"),
                 received_on=date(2026, 2, 15))  # fmt: skip
    plan = [
        (date(2026, 1, 15), Decimal("440.00"), None),
        (date(2026, 4, 1), Decimal("440.00"), None),
    ]
    receipts.set_payment_plan(db, boss, order_id=orders["o4"], instalments=plan)
    plan = [
        (date(2026, 2, 20), Decimal("556.00"), None),
        (date(2026, 3, 20), Decimal("500.00"), None),
    ]
    receipts.set_payment_plan(db, boss, order_id=orders["o12"], instalments=plan)


OPPORTUNITIES = (
    # (customer, owner, stage or "won"/"lost", amount, created at UTC)
    ("c1", "li", "Initial contact", "1000.00", utc(2025, 12, 31, 17, 0)),  # 1 Jan local
    ("c2", "li", "Quotation", "2500.00", utc(2026, 1, 10, 2, 0)),
    ("c1", "li", "won", "800.00", utc(2025, 6, 1, 2, 0)),
    ("c2", "li", "lost", "50.00", utc(2026, 1, 31, 15, 59)),  # 31 Jan, 23:59 local
    ("c3", "zhao", "lost", None, utc(2025, 11, 11, 2, 0)),
    ("c4", "zhao", "Negotiation", "300.00", utc(2026, 2, 1, 2, 0)),
    ("c5", "sun", "won", "5000.00", utc(2026, 1, 20, 2, 0)),
    ("c6", "sun", None, "100.00", utc(2026, 1, 21, 2, 0)),  # no stage
    ("c7", "mgr", "lost", "700.00", utc(2025, 12, 31, 15, 0)),  # 31 Dec, 23:00 local
    ("c7", "mgr", "Quotation", "900.00", utc(2026, 2, 2, 2, 0)),
)


def _opportunities(p: Pipeline, clock: FixedClock) -> None:
    db, boss = p.db, p.actors["boss"]
    for customer, owner, stage, amount, created in OPPORTUNITIES:
        set_clock(clock, created)
        values: dict[str, Any] = {
            "customer_id": p.ledger.customers[customer],
            "owner_id": p.actors[owner].id,
            "name": f"{customer} {owner} 项目",
            "expected_amount": Decimal(amount) if amount else None,
        }
        if stage in p.stages:
            values["stage_id"] = p.stages[stage]
        opp = opportunities.save_opportunity(db, boss, None, None, values)
        version = opportunities.get_opportunity(db, boss, opp)["version"]
        if stage in ("won", "lost"):
            opportunities.close_opportunity(db, boss, opp, version, stage == "won")
        elif stage is None:
            opportunities.save_opportunity(db, boss, opp, version, {"stage_id": None})


FOLLOWUPS = (
    # (who, customer, happened at UTC)
    ("li", "c1", utc(2026, 2, 23, 15, 30)),  # 23 Feb, 23:30 local
    ("li", "c1", utc(2026, 2, 23, 16, 30)),  # 24 Feb, 00:30 local
    ("li", "c1", utc(2026, 3, 1, 2, 0)),
    ("mgr", "c1", utc(2026, 2, 25, 6, 0)),
    ("mgr", "c7", utc(2026, 2, 24, 3, 0)),
    ("zhao", "c3", utc(2026, 1, 30, 16, 30)),  # 31 Jan local: idle exactly 30 days today
    ("zhao", "c4", utc(2026, 1, 30, 15, 30)),  # 30 Jan local: idle 31 days
    ("sun", "c5", utc(2026, 2, 10, 1, 0)),
    ("zhao", "c3", utc(2025, 12, 1, 3, 0)),
)


def _followups(p: Pipeline) -> None:
    for who, customer, happened in FOLLOWUPS:
        values = {
            "customer_id": p.ledger.customers[customer],
            "happened_at": happened,
            "subject": "电话回访",
        }
        followups.record_followup(p.db, p.actors[who], values)


SERVICE = (
    # (customer, handler, category, accepted UTC, final status, resolved UTC)
    ("c1", "li", "Repair", utc(2026, 2, 1, 1, 0), "resolved", utc(2026, 2, 2, 13, 30)),
    ("c3", "svc", "Repair", utc(2026, 2, 10, 0, 0), "closed", utc(2026, 2, 10, 10, 0)),
    ("c5", "svc", "Installation", utc(2026, 2, 15, 20, 0), "open", None),
    ("c7", "mgr", None, utc(2025, 12, 31, 17, 0), "in_progress", None),  # 1 Jan local
    ("c2", "svc", "Installation", utc(2026, 1, 5, 2, 0), "resolved", utc(2026, 1, 5, 3, 20)),
    ("c4", "svc", "Installation", utc(2026, 1, 6, 2, 0), "closed", utc(2026, 1, 6, 4, 0)),
    ("c6", "svc", "Installation", utc(2026, 1, 31, 15, 0), "closed", utc(2026, 2, 3, 15, 0)),
)


def _service(p: Pipeline, clock: FixedClock) -> None:
    db, boss = p.db, p.actors["boss"]
    for customer, handler, category, accepted, status, resolved in SERVICE:
        values = {
            "customer_id": p.ledger.customers[customer],
            "subject": "设备维修",
            "handler_id": p.actors[handler].id,
            "category_id": p.categories[category] if category else None,
            "accepted_at": accepted,
        }
        record = service_records.save_service_record(db, boss, None, None, values)
        if status != "open":
            set_clock(clock, resolved or accepted + timedelta(hours=1))
            version = service_records.get_service_record(db, boss, record)["version"]
            service_records.set_service_status(db, boss, record, version, status)


def _operators(db: Database, boss: Actor) -> tuple[dict[str, Actor], MakeOperator]:
    """The conftest `team` (east team: mgr, li, zhao) and `make_operator`, for a database
    built once per module (those fixtures are per test)."""

    def make(code: str, role_code: str, *, team_id: int | None = None, name: str = "") -> Actor:
        roles = raw(raw_source(db), "SELECT id FROM roles WHERE code = ?",
                    (role_code,))  # fmt: skip
        values = {"code": code, "name": name or code, "role_id": roles[0]["id"]}
        operators.create_operator(db, boss, {**values, "team_id": team_id})
        return actor_of(db, code)

    east = operators.save_team(db, boss, None, None, {"code": "E", "name": "华东组"})
    team = {
        "manager": make("mgr", "sales_manager", team_id=east, name="马经理"),
        "li": make("li", "salesperson", team_id=east, name="李四"),
        "zhao": make("zhao", "salesperson", team_id=east, name="赵六"),
    }
    return team, make


@pytest.fixture(scope="module")
def pipeline_book(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    templates: dict[str, TemplateRef],
) -> Iterator[Pipeline]:
    """The ledger plus this module's data, built once (it takes seconds); tests get a copy."""
    made: list[Pipeline] = []

    def build(db: Database) -> None:
        clock = db.clock
        assert isinstance(clock, FixedClock)
        boss = actor_of(db, "boss")
        team, make_operator = _operators(db, boss)
        ledger = build_ledger(db, boss, team, make_operator, clock)
        actors = {**ledger.actors, "svc": make_operator("svc", "service", name="钱九")}
        p = Pipeline(
            ledger,
            db,
            raw_source(db),
            actors,
            _base_ids(db, BaseDataKind.OPPORTUNITY_STAGE),
            _base_ids(db, BaseDataKind.SERVICE_CATEGORY),
            0,
        )
        _receipts(p)
        _opportunities(p, clock)
        set_clock(clock, utc(2026, 3, 2, 9, 0))
        _followups(p)
        _service(p, clock)
        made.append(p)

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TZ", "Asia/Shanghai")
        time.tzset()
        folder = tmp_path_factory.mktemp("pipeline")
        template = make_template(request, "pipeline", templates["seeded"], build, folder)
    time.tzset()
    yield replace(made[0], template=template)


@pytest.fixture
def pipeline(request: pytest.FixtureRequest, pipeline_book: Pipeline, tmp_path: Path) -> Pipeline:
    """A copy of the book, on a database whose clock says 2 Mar 2026, 17:00 in Shanghai."""
    clock = FixedClock(utc(2026, 3, 2, 9, 0))
    db = database_from(request, pipeline_book.template, clock, tmp_path / "crm.db")
    ledger = replace(pipeline_book.ledger, db=db, path=raw_source(db))
    return replace(pipeline_book, ledger=ledger, db=db, path=raw_source(db))


# --- the independent side: plain Python over raw rows -------------------------------------------


def local_day(stored: str | None) -> date | None:
    """The Shanghai calendar day of a stored (naive UTC) time."""
    if stored is None:
        return None
    return datetime.fromisoformat(stored).replace(tzinfo=UTC).astimezone(SHANGHAI).date()


def money(cents: int | None) -> Decimal:
    return (Decimal(cents or 0) / 100).quantize(Decimal("0.01"))


def ratio(part: int, whole: int) -> Decimal | None:
    return (Decimal(part) / whole).quantize(Decimal("0.0001"), ROUND_HALF_UP) if whole else None


def sees(people: set[int] | None, *who: int | None) -> bool:
    return people is None or any(w in people for w in who if w is not None)


def none(name: str | None) -> str:
    return name if name else "(none)"


class Raw:
    """The raw tables of one database file, read once."""

    def __init__(self, path: RawSource) -> None:
        self.path = path
        self.customers = {r["id"]: r for r in raw(path, "SELECT * FROM customers")}
        self.operators = {r["id"]: r for r in raw(path, "SELECT * FROM operators")}
        self.base = {r["id"]: r for r in raw(path, "SELECT * FROM base_data_items")}

    def rows(self, table: str) -> list[dict[str, Any]]:
        return raw(self.path, f"SELECT * FROM {table}")  # a fixed table name

    def region_ok(self, customer_id: int, params: ReportParams) -> bool:
        return params.region_id is None or self.customers[customer_id]["region_id"] == (
            params.region_id
        )

    def name(self, operator_id: int) -> str:
        return self.operators[operator_id]["name"]


Expected = Callable[[Raw, int, ReportParams, date], list[tuple[Any, ...]]]


def expected_funnel(r: Raw, who: int, params: ReportParams, today: date) -> list[tuple[Any, ...]]:
    people = visible_people(r.path, who)
    found = [
        o
        for o in r.rows("opportunities")
        if sees(people, o["owner_id"])
        and in_range(local_day(o["created_at"]), params.date_from, params.date_to)  # type: ignore[arg-type]
        and r.region_ok(o["customer_id"], params)
        and params.salesperson_id in (None, o["owner_id"])
    ]
    if not found:
        return []
    stages = sorted(
        (b for b in r.base.values() if b["kind"] == "opportunity_stage"),
        key=lambda b: (b["sort_order"], b["code"], b["id"]),
    )
    open_ = [o for o in found if o["status"] == "open"]

    def part(items: list[dict[str, Any]]) -> tuple[int, Decimal]:
        return len(items), sum((money(o["expected_amount"]) for o in items), ZERO)

    rows = []
    if any(o["stage_id"] is None for o in open_):
        rows.append(("No stage", *part([o for o in open_ if o["stage_id"] is None])))
    for stage in stages:
        held = [o for o in open_ if o["stage_id"] == stage["id"]]
        if stage["active"] or held:
            rows.append((stage["name"], *part(held)))
    for status, label in (("won", "Won"), ("lost", "Lost")):
        rows.append((label, *part([o for o in found if o["status"] == status])))
    return rows


def expected_win_rate(r: Raw, who: int, params: ReportParams, today: date) -> list[tuple[Any, ...]]:
    people = visible_people(r.path, who)
    counts: dict[int, Counter[str]] = defaultdict(Counter)
    for o in r.rows("opportunities"):
        if (
            o["status"] in ("won", "lost")
            and sees(people, o["owner_id"])
            and in_range(local_day(o["created_at"]), params.date_from, params.date_to)  # type: ignore[arg-type]
            and r.region_ok(o["customer_id"], params)
            and params.salesperson_id in (None, o["owner_id"])
        ):
            counts[o["owner_id"]][o["status"]] += 1
    return [
        (
            r.operators[op]["code"],
            r.name(op),
            c["won"],
            c["lost"],
            ratio(c["won"], c["won"] + c["lost"]),
        )
        for op, c in counts.items()
    ]


def days_bucket(days: int) -> int:
    """0 not due, 1: 1-30, 2: 31-60, 3: 61-90, 4: over 90 days past due (spelled out)."""
    if days <= 0:
        return 0
    if days <= 30:
        return 1
    if days <= 60:
        return 2
    if days <= 90:
        return 3
    return 4


def owing(r: Raw, who: int, params: ReportParams) -> list[dict[str, Any]]:
    """Orders that still owe: not archived, not cancelled, total > live receipts' allocations;
    what they owe split over their unpaid instalments (oldest paid first), the rest due on the
    order date."""
    people = visible_people(r.path, who)
    void = {x["id"] for x in r.rows("receipts") if x["archived"]}
    paid: Counter[int] = Counter()
    for a in r.rows("receipt_allocations"):
        if a["receipt_id"] not in void:
            paid[a["order_id"]] += a["amount"]
    plans: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for plan in r.rows("payment_plans"):
        if plan["order_id"] is not None:
            plans[plan["order_id"]].append(plan)
    found = []
    for o in r.rows("sales_orders"):
        owner = r.customers[o["customer_id"]]["owner_id"]
        if (
            o["archived"]
            or o["status"] == "cancelled"
            or not sees(people, o["salesperson_id"], owner)
            or not r.region_ok(o["customer_id"], params)
            or params.salesperson_id not in (None, o["salesperson_id"])
        ):
            continue
        owed = o["total"] - paid[o["id"]]
        if owed <= 0:
            continue
        pieces, left, money_in = [], owed, max(paid[o["id"]], 0)
        for item in sorted(plans[o["id"]], key=lambda x: (x["due_on"], x["seq"], x["id"])):
            covered = min(item["amount"], money_in)
            money_in -= covered
            share = min(item["amount"] - covered, left)
            if share > 0:
                pieces.append((date.fromisoformat(item["due_on"]), share))
                left -= share
        if left > 0:
            pieces.append((date.fromisoformat(o["order_date"]), left))
        found.append({**o, "pieces": pieces, "owed": owed})
    return found


def _receivables(r: Raw, who: int, params: ReportParams, today: date, by: str) -> list[Any]:
    groups: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for o in owing(r, who, params):
        groups[o[by]].append(o)
    rows = []
    for key, orders in groups.items():
        owed = sum(o["owed"] for o in orders)
        overdue = sum(a for o in orders for due, a in o["pieces"] if (today - due).days > 0)
        name = (
            (r.customers[key]["name"],)
            if by == "customer_id"
            else (r.operators[key]["code"], r.name(key))
        )
        rows.append((*name, len(orders), money(owed), money(overdue)))
    return rows


def expected_by_customer(r: Raw, who: int, params: ReportParams, today: date) -> list[Any]:
    return _receivables(r, who, params, today, "customer_id")


def expected_by_salesperson(r: Raw, who: int, params: ReportParams, today: date) -> list[Any]:
    return _receivables(r, who, params, today, "salesperson_id")


BUCKETS = ("Not due", "1–30 days", "31–60 days", "61–90 days", "Over 90 days")


def expected_aging(r: Raw, who: int, params: ReportParams, today: date) -> list[tuple[Any, ...]]:
    found = owing(r, who, params)
    if not found:
        return []
    rows = []
    for bucket, label in enumerate(BUCKETS):
        parts = [
            sum(a for due, a in o["pieces"] if days_bucket((today - due).days) == bucket)
            for o in found
        ]
        rows.append((label, sum(1 for x in parts if x), money(sum(parts))))
    return rows


def expected_received(r: Raw, who: int, params: ReportParams, today: date) -> list[Any]:
    people = visible_people(r.path, who)
    months: dict[str, list[int]] = defaultdict(list)
    for x in r.rows("receipts"):
        day = date.fromisoformat(x["received_on"])
        if (
            not x["archived"]
            and sees(people, x["handler_id"], r.customers[x["customer_id"]]["owner_id"])
            and in_range(day, params.date_from, params.date_to)
            and r.region_ok(x["customer_id"], params)
        ):
            months[f"{day:%Y-%m}"].append(x["amount"])
    return [(m, len(a), money(sum(a))) for m, a in months.items()]


def activity_days(params: ReportParams, today: date) -> tuple[date, date, bool]:
    last = params.date_to or today
    first = params.date_from or last - timedelta(days=27)
    return first, last, (last - first).days + 1 <= 31


def expected_activity(r: Raw, who: int, params: ReportParams, today: date) -> list[Any]:
    people = visible_people(r.path, who)
    first, last, daily = activity_days(params, today)
    starts = []
    start = first if daily else first - timedelta(days=first.weekday())
    while start <= last:
        starts.append(start)
        start += timedelta(days=1 if daily else 7)
    counts: dict[int, list[int]] = {}
    for f in r.rows("followups"):
        day = local_day(f["happened_at"])
        assert day is not None
        if (
            f["archived"]
            or not sees(people, f["operator_id"])
            or params.salesperson_id not in (None, f["operator_id"])
            or not first <= day <= last
        ):
            continue
        per = counts.setdefault(f["operator_id"], [0] * len(starts))
        per[max(i for i, s in enumerate(starts) if s <= day)] += 1
    return [(r.name(op), *per, sum(per)) for op, per in counts.items()]


def expected_idle(r: Raw, who: int, params: ReportParams, today: date) -> list[Any]:
    people = visible_people(r.path, who)
    last: dict[int, str] = {}
    for f in r.rows("followups"):
        if not f["archived"]:
            last[f["customer_id"]] = max(last.get(f["customer_id"], ""), f["happened_at"])
    rows = []
    for c in r.customers.values():
        if (
            c["archived"]
            or c["pool_status"] != "private"
            or c["owner_id"] is None
            or not sees(people, c["owner_id"])
            or not r.region_ok(c["id"], params)
            or params.salesperson_id not in (None, c["owner_id"])
        ):
            continue
        moments = [local_day(m) for m in (last.get(c["id"]), c["owned_since"], c["created_at"])]
        since = max(m for m in moments if m is not None)
        days = (today - since).days
        if days >= params.idle_days:
            rows.append((c["name"], r.name(c["owner_id"]), local_day(last.get(c["id"])), days))
    return rows


def service_in(r: Raw, who: int, params: ReportParams) -> list[dict[str, Any]]:
    people = visible_people(r.path, who)
    return [
        s
        for s in r.rows("service_records")
        if sees(people, s["handler_id"], r.customers[s["customer_id"]]["owner_id"])
        and in_range(local_day(s["accepted_at"]), params.date_from, params.date_to)  # type: ignore[arg-type]
        and r.region_ok(s["customer_id"], params)
    ]


STATUS_LABELS = {"open": "Open", "in_progress": "In progress", "resolved": "Resolved",
                 "closed": "Closed"}  # fmt: skip


def expected_by_status(r: Raw, who: int, params: ReportParams, today: date) -> list[Any]:
    counts = Counter(s["status"] for s in service_in(r, who, params))
    return [(STATUS_LABELS[k], n) for k, n in counts.items()]


def category_name(r: Raw, category_id: int | None) -> str:
    return none(r.base[category_id]["name"] if category_id else None)


def expected_by_category(r: Raw, who: int, params: ReportParams, today: date) -> list[Any]:
    counts = Counter(s["category_id"] for s in service_in(r, who, params))
    return [(category_name(r, k), n) for k, n in counts.items()]


def expected_by_handler(r: Raw, who: int, params: ReportParams, today: date) -> list[Any]:
    counts = Counter(s["handler_id"] for s in service_in(r, who, params))
    return [(r.name(k), n) for k, n in counts.items()]


def expected_resolve(r: Raw, who: int, params: ReportParams, today: date) -> list[Any]:
    seconds: dict[tuple[int | None, int], list[int]] = defaultdict(list)
    for s in service_in(r, who, params):
        if s["status"] in ("resolved", "closed") and s["resolved_at"]:
            span = datetime.fromisoformat(s["resolved_at"]) - datetime.fromisoformat(
                s["accepted_at"]
            )
            seconds[(s["category_id"], s["handler_id"])].append(int(span.total_seconds()))
    return [
        (
            category_name(r, category),
            r.name(handler),
            len(spans),
            (Decimal(sum(spans)) / len(spans) / 3600).quantize(Decimal("0.1"), ROUND_HALF_UP),
        )
        for (category, handler), spans in seconds.items()
    ]


EXPECTED: dict[str, Expected] = {
    "opportunity-funnel": expected_funnel,
    "win-rate": expected_win_rate,
    "receivables-by-customer": expected_by_customer,
    "receivables-by-salesperson": expected_by_salesperson,
    "aging-buckets": expected_aging,
    "received-monthly": expected_received,
    "followup-activity": expected_activity,
    "customers-without-followup": expected_idle,
    "service-by-status": expected_by_status,
    "service-by-category": expected_by_category,
    "service-by-handler": expected_by_handler,
    "service-resolve-time": expected_resolve,
}
# received-monthly fills months without receipts with zero rows; the raw side lists only
# months that have receipts.
ZERO_FILLED = {"received-monthly"}


def compare(table: ReportTable, name: str, expected: list[tuple[Any, ...]]) -> None:
    """The same rows (as a multiset), a drill for each, and totals that add up."""
    rows = table.rows
    if name in ZERO_FILLED:
        rows = [row for row in rows if row[1]]
    assert Counter(rows) == Counter(expected), name
    assert len(table.drills) == len(table.rows), name
    assert all(drill is not None for drill in table.drills), name
    if not table.rows:
        assert table.totals is None
    for index, column in enumerate(table.columns):
        distinct = name == "aging-buckets" and column.key == "orders"  # an order counts once
        if table.totals and column.kind in ("int", "money") and index > 0 and not distinct:
            assert table.totals[index] == sum(row[index] for row in table.rows), (name, column)


# --- comparisons --------------------------------------------------------------------------------


def param_sets(p: Pipeline) -> list[ReportParams]:
    return [
        ReportParams(),
        ReportParams(date_from=date(2026, 1, 1), date_to=date(2026, 1, 31)),
        ReportParams(date_from=date(2025, 1, 1), date_to=date(2025, 12, 31)),
        ReportParams(region_id=p.ledger.regions["02"]),
        ReportParams(salesperson_id=p.actors["li"].id),
        ReportParams(date_from=date(2026, 2, 23), date_to=date(2026, 2, 24), idle_days=31),
    ]


@pytest.mark.parametrize("name", PIPELINE_ANALYSES)
def test_each_analysis_matches_the_raw_rows_for_boss_manager_and_salesperson(
    pipeline: Pipeline, name: str
) -> None:
    r = Raw(pipeline.path)
    for who in ("boss", "mgr", "li"):
        actor = pipeline.actors[who]
        for params in param_sets(pipeline):
            table = tables.run(pipeline.db, actor, name, params)
            compare(table, name, EXPECTED[name](r, actor.id, params, TODAY))


def test_every_listed_analysis_is_registered_in_the_pipeline_module() -> None:
    names = {a.name for a in tables.analyses()}
    assert set(PIPELINE_ANALYSES) <= names


def test_a_salesperson_sees_only_their_own_pipeline(pipeline: Pipeline) -> None:
    li = pipeline.actors["li"]
    win = tables.run(pipeline.db, li, "win-rate")
    assert [row[1] for row in win.rows] == ["李四"]
    assert win.rows[0][2:] == (1, 1, Decimal("0.5000"))
    owed = tables.run(pipeline.db, li, "receivables-by-customer")
    # Li's customers (also what zhao sold to c1, and li's order of an archived customer);
    # never sun's or the pool's customers.
    assert {row[0] for row in owed.rows} == {
        "上海华盛机械有限公司", "杭州鑫达贸易有限公司", "武汉长城机电有限公司",
    }  # fmt: skip
    activity = tables.run(pipeline.db, li, "followup-activity")
    assert [row[0] for row in activity.rows] == ["李四"]


def test_a_manager_sees_the_team_but_not_the_other_team(pipeline: Pipeline) -> None:
    mgr = pipeline.actors["mgr"]
    people = {row[1] for row in tables.run(pipeline.db, mgr, "win-rate").rows}
    assert people == {"李四", "赵六", "马经理"}
    handlers = {row[0] for row in tables.run(pipeline.db, mgr, "service-by-handler").rows}
    # The service desk's work for the team's customers counts; sun's customers' does not.
    assert handlers == {"李四", "马经理", "钱九"}
    idle = {row[0] for row in tables.run(pipeline.db, mgr, "customers-without-followup").rows}
    assert "天津瑞丰物流有限公司" not in idle  # sun's


def test_the_funnel_lists_stages_in_order_then_won_and_lost(pipeline: Pipeline) -> None:
    table = tables.run(pipeline.db, pipeline.actors["boss"], "opportunity-funnel")
    assert [row[0] for row in table.rows] == [
        "No stage", "Initial contact", "Needs analysis", "Quotation", "Negotiation", "Won", "Lost",
    ]  # fmt: skip
    assert table.rows[3][1:] == (2, Decimal("3400.00"))
    assert table.drills[0].filters == {"status": "open", "stage_id": None}
    assert table.drills[-1].filters == {"status": "lost"}


def test_opportunity_dates_are_local_days_of_creation(pipeline: Pipeline) -> None:
    """Created 31 Dec 17:00 UTC is 1 Jan in Shanghai: in January, not in December."""
    january = ReportParams(date_from=date(2026, 1, 1), date_to=date(2026, 1, 31))
    table = tables.run(pipeline.db, pipeline.actors["boss"], "opportunity-funnel", january)
    by_stage = {row[0]: row[1] for row in table.rows}
    assert by_stage["Initial contact"] == 1
    assert by_stage["Lost"] == 1  # 31 Jan 23:59 local is in; 31 Dec 23:00 local is not


def test_receivables_agree_with_the_aging_view_and_customer_balances(pipeline: Pipeline) -> None:
    db = pipeline.db
    for who in ("boss", "mgr", "li"):
        actor = pipeline.actors[who]
        aging = {row.name: row for row in receipts.aging(db, actor, "customer")}
        table = tables.run(db, actor, "receivables-by-customer")
        assert {row[0] for row in table.rows} == set(aging)
        for name, _orders, owed, overdue in table.rows:
            assert owed == aging[name].total
            assert overdue == aging[name].total - aging[name].not_due
            customer_id = next(
                cid for cid, c in Raw(pipeline.path).customers.items() if c["name"] == name
            )
            assert owed == receipts.customer_outstanding(db, actor, customer_id)
        people = {row.name: row.total for row in receipts.aging(db, actor, "salesperson")}
        by_person = tables.run(db, actor, "receivables-by-salesperson")
        assert {row[1]: row[3] for row in by_person.rows} == people
        buckets = tables.run(db, actor, "aging-buckets")
        for index, field in enumerate(("not_due", "d1_30", "d31_60", "d61_90", "over_90")):
            assert buckets.rows[index][2] == sum(
                (getattr(row, field) for row in aging.values()), ZERO
            )


def test_the_aging_buckets_follow_the_payment_plan(pipeline: Pipeline) -> None:
    """Zhao's orders on 2 Mar 2026: o4 (880.00 of 31 Dec) is due 440.00 on 15 Jan (46 days
    ago) and 440.00 on 1 Apr; the draft o5 (8,712.00 of 31 Dec, 61 days) counts like in the
    aging view; o6 owes 1,000.00 since 1 Jan (60 days), o9 800.00 since 15 Jan (46 days)."""
    zhao = pipeline.actors["zhao"]
    table = tables.run(pipeline.db, zhao, "aging-buckets")
    assert table.rows == [
        ("Not due", 1, Decimal("440.00")),
        ("1–30 days", 0, ZERO),
        ("31–60 days", 3, Decimal("2240.00")),
        ("61–90 days", 1, Decimal("8712.00")),
        ("Over 90 days", 0, ZERO),
    ]
    assert table.totals == ("Total", 4, Decimal("11392.00"))  # o4 counts once
    assert table.drills[2].filters == {"outstanding": True, "aging_bucket": 2}
    c3 = tables.run(pipeline.db, zhao, "receivables-by-customer")
    by_name = {row[0]: row[1:] for row in c3.rows}
    assert by_name["南京宏远建材有限公司"] == (2, Decimal("9592.00"), Decimal("9152.00"))
    sun = tables.run(pipeline.db, pipeline.actors["sun"], "aging-buckets")
    amounts = {row[0]: row[2] for row in sun.rows}
    assert amounts["Not due"] == Decimal("500.00")  # o12's second instalment, 20 Mar


def test_an_overpaid_order_does_not_reduce_what_other_orders_owe(db: Database, boss: Actor) -> None:
    """Like the aging view: an order paid beyond its total owes nothing, it is no credit."""
    customer = make_customer(db, boss, "超付测试有限公司")
    first = make_confirmed_order(db, boss, customer, "100.00")
    make_confirmed_order(db, boss, customer, "100.00")
    make_receipt(db, boss, customer, "150.00", (first, "150.00"), overpay=True)
    table = tables.run(db, boss, "receivables-by-customer")
    aging = receipts.aging(db, boss, "customer")
    assert table.rows == [("超付测试有限公司", 1, Decimal("100.00"), ZERO)]  # dated today
    assert table.rows[0][2] == aging[0].total


def test_a_void_receipt_does_not_count_as_received(pipeline: Pipeline) -> None:
    boss = pipeline.actors["boss"]
    april = ReportParams(date_from=date(2025, 4, 1), date_to=date(2025, 4, 30))
    assert tables.run(pipeline.db, boss, "received-monthly", april).rows == []
    owed = {row[0]: row[2] for row in tables.run(pipeline.db, boss, "receivables-by-customer").rows}
    assert owed["杭州鑫达贸易有限公司"] == Decimal("675.00")  # o3 550.00 (receipt void), o13


def test_received_per_month_includes_the_last_day_of_a_month_and_of_a_year(
    pipeline: Pipeline,
) -> None:
    boss = pipeline.actors["boss"]
    year = ReportParams(date_from=date(2025, 1, 1), date_to=date(2025, 12, 31))
    table = tables.run(pipeline.db, boss, "received-monthly", year)
    months = {row[0]: row[2] for row in table.rows}
    assert months["2025-02"] == Decimal("500.00")  # received 28 Feb
    assert months["2025-12"] == Decimal("512.00")  # received 31 Dec
    # Every month of the range is there, so the line does not skip empty months.
    assert [row[0] for row in table.rows] == [f"2025-{m:02d}" for m in range(1, 13)]
    assert months["2025-06"] == ZERO
    assert table.drills[-1].filters == {
        "date_from": date(2025, 12, 1),
        "date_to": date(2025, 12, 31),
    }


def test_followup_activity_counts_local_days(pipeline: Pipeline) -> None:
    """16:30 UTC on 23 Feb is 00:30 on 24 Feb in Shanghai."""
    two_days = ReportParams(date_from=date(2026, 2, 23), date_to=date(2026, 2, 24))
    table = tables.run(pipeline.db, pipeline.actors["boss"], "followup-activity", two_days)
    assert [c.label for c in table.columns] == ["Salesperson", "02-23", "02-24", "Total"]
    assert {row[0]: row[1:] for row in table.rows} == {"李四": (1, 1, 2), "马经理": (0, 1, 1)}
    assert table.totals == ("Total", 1, 2, 3)
    assert table.drills[0].filters == {
        "operator_id": pipeline.actors["li"].id,
        "date_from": date(2026, 2, 23),
        "date_to": date(2026, 2, 24),
    }


def test_followup_activity_without_dates_shows_the_last_four_weeks_per_day(
    pipeline: Pipeline,
) -> None:
    table = tables.run(pipeline.db, pipeline.actors["boss"], "followup-activity")
    days = [c.label for c in table.columns[1:-1]]
    assert len(days) == 28 and days[0] == "02-03" and days[-1] == "03-02"


def test_followup_activity_over_a_long_range_counts_per_week(pipeline: Pipeline) -> None:
    quarter = ReportParams(date_from=date(2026, 1, 1), date_to=date(2026, 3, 2))
    table = tables.run(pipeline.db, pipeline.actors["boss"], "followup-activity", quarter)
    weeks = [c.label for c in table.columns[1:-1]]
    assert weeks[0] == "12-29" and weeks[-1] == "03-02"  # Mondays
    assert all(len(w) == 5 for w in weeks) and len(weeks) == 10
    zhao = next(row for row in table.rows if row[0] == "赵六")
    assert zhao[5] == 2 and zhao[-1] == 2  # both on 30/31 Jan, the week of Monday 26 Jan


def test_idle_customers_count_local_days_since_the_last_followup(pipeline: Pipeline) -> None:
    """c3's last follow-up is 31 Jan local (30 Jan 16:30 UTC): 30 days idle on 2 Mar; c4's is
    30 Jan local: 31 days."""
    boss = pipeline.actors["boss"]
    thirty = {row[0]: row[1:] for row in tables.run(pipeline.db, boss,
              "customers-without-followup", ReportParams(idle_days=30)).rows}  # fmt: skip
    assert thirty["南京宏远建材有限公司"] == ("赵六", date(2026, 1, 31), 30)
    assert thirty["苏州金泰电子有限公司"] == ("赵六", date(2026, 1, 30), 31)
    assert "天津瑞丰物流有限公司" not in thirty  # created 1 Feb: 29 days
    assert "成都东方服务有限公司" not in thirty  # in the public pool
    assert "武汉长城机电有限公司" not in thirty  # archived
    table = tables.run(pipeline.db, boss, "customers-without-followup", ReportParams(idle_days=31))
    assert "南京宏远建材有限公司" not in {row[0] for row in table.rows}
    days = [row[3] for row in table.rows]
    assert days == sorted(days, reverse=True)


def test_service_resolve_time_averages_hours_per_category_and_handler(
    pipeline: Pipeline,
) -> None:
    table = tables.run(pipeline.db, pipeline.actors["boss"], "service-resolve-time")
    rows = {(row[0], row[1]): row[2:] for row in table.rows}
    assert rows[("Repair", "李四")] == (1, Decimal("36.5"))
    assert rows[("Repair", "钱九")] == (1, Decimal("10.0"))
    # 1 h 20 min, 2 h and 72 h: (1.333 + 2 + 72) / 3 = 25.1
    assert rows[("Installation", "钱九")] == (3, Decimal("25.1"))
    assert table.totals == ("Total", "", 5, Decimal("24.4"))  # 121.83 h / 5
    assert table.columns[3].kind == "number"
    assert table.drills[0].filters["status"] == ("resolved", "closed")


def test_service_by_status_lists_statuses_in_workflow_order(pipeline: Pipeline) -> None:
    table = tables.run(pipeline.db, pipeline.actors["boss"], "service-by-status")
    assert table.rows == [("Open", 1), ("In progress", 1), ("Resolved", 2), ("Closed", 3)]
    assert table.chart.kind == "pie"
    january = ReportParams(date_from=date(2026, 1, 1), date_to=date(2026, 1, 31))
    by_category = tables.run(pipeline.db, pipeline.actors["boss"], "service-by-category", january)
    assert by_category.rows == [("Installation", 3), ("(none)", 1)]  # 1 Jan local is in
    assert by_category.drills[-1].filters["category_id"] is None


# Which cells of a row the records behind it must reproduce: (count column, money column).
DRILL_FIGURES: dict[str, tuple[str | None, str | None]] = {
    "opportunity-funnel": ("count", "amount"),
    "receivables-by-customer": ("orders", "outstanding"),
    "receivables-by-salesperson": ("orders", "outstanding"),
    "aging-buckets": ("orders", "amount"),
    "received-monthly": ("receipts", "amount"),
    "followup-activity": ("total", None),
    "service-by-status": ("count", None),
    "service-by-category": ("count", None),
    "service-by-handler": ("count", None),
    "service-resolve-time": ("resolved", None),
}


def drilled_count(name: str, table: ReportTable, row: tuple[Any, ...]) -> int:
    if name == "win-rate":
        return int(row[table.column("won")] + row[table.column("lost")])
    if name == "customers-without-followup":
        return 1
    return int(row[table.column(DRILL_FIGURES[name][0] or "")])


def test_every_row_drills_down_to_exactly_the_records_behind_it(pipeline: Pipeline) -> None:
    for who in ("boss", "mgr", "li"):
        actor = pipeline.actors[who]
        for params in [param_sets(pipeline)[i] for i in (0, 1, 3)]:  # all, January, a region
            for name in PIPELINE_ANALYSES:
                table = tables.run(pipeline.db, actor, name, params)
                for row, drill in zip(table.rows, table.drills, strict=True):
                    assert drill is not None
                    listed = drill_rows(pipeline.db, actor, drill)
                    assert len(listed.rows) == drilled_count(name, table, row), (name, row)
                    money_column = DRILL_FIGURES.get(name, (None, None))[1]
                    if money_column:
                        figure = row[table.column(money_column)]
                        assert money_total(listed.rows, listed.column("amount")) == figure


def test_empty_results_have_no_rows(db: Database, boss: Actor) -> None:
    for name in PIPELINE_ANALYSES:
        table = tables.run(db, boss, name)
        assert table.rows == [] and table.drills == [] and table.totals is None, name


def test_statistics_need_the_permission(pipeline: Pipeline) -> None:
    with pytest.raises(PermissionDenied):
        tables.run(pipeline.db, pipeline.actors["svc"], "service-by-status")


# --- demo data ----------------------------------------------------------------------------------


def test_every_analysis_matches_the_raw_rows_on_demo_data(db: Database, boss: Actor) -> None:
    demo.generate(db, boss, customers=300, seed=5)
    r = Raw(raw_source(db))
    today = datetime(2026, 1, 5, 9, 0, tzinfo=UTC).astimezone(SHANGHAI).date()
    actors = [boss, actor_of(db, "mgr01"), actor_of(db, "sales01")]
    for name in PIPELINE_ANALYSES:
        for actor in actors:
            table = tables.run(db, actor, name)
            expected = EXPECTED[name](r, actor.id, ReportParams(), today)
            compare(table, name, expected)
        assert tables.run(db, boss, name).rows, f"{name} is empty on demo data"


# --- PostgreSQL (team server mode) --------------------------------------------------------------


@pytest.mark.pg
def test_the_pipeline_analyses_give_the_same_figures_on_postgresql(
    pg: Database, pg_boss: Actor, clock: FixedClock
) -> None:
    """Month keys, local days, grouped sums and durations on the server, not only on SQLite."""
    db, boss = pg, pg_boss
    customer = make_customer(db, boss, "服务器客户有限公司")
    order = make_confirmed_order(db, boss, customer, "880.00", order_date=date(2025, 12, 31))
    make_receipt(db, boss, customer, "80.00", (order, "80.00"), received_on=date(2025, 12, 31))
    make_receipt(db, boss, customer, "20.00", received_on=date(2026, 1, 1))
    followups.record_followup(
        db,
        boss,
        {"customer_id": customer, "happened_at": utc(2026, 1, 4, 16, 30), "subject": "回访"},
    )
    opportunities.save_opportunity(
        db, boss, None, None, {"customer_id": customer, "name": "扩产", "expected_amount": "5.00"}
    )
    record = service_records.save_service_record(
        db, boss, None, None,
        {"customer_id": customer, "subject": "维修", "accepted_at": utc(2026, 1, 4, 9, 0)},
    )  # fmt: skip
    version = service_records.get_service_record(db, boss, record)["version"]
    service_records.set_service_status(db, boss, record, version, "resolved")  # 24 h later
    got = {name: tables.run(db, boss, name) for name in PIPELINE_ANALYSES}
    assert [row[:2] for row in got["received-monthly"].rows] == [("2025-12", 1), ("2026-01", 1)]
    assert got["receivables-by-customer"].rows == [
        ("服务器客户有限公司", 1, Decimal("800.00"), Decimal("800.00"))
    ]
    assert got["aging-buckets"].rows[1] == ("1–30 days", 1, Decimal("800.00"))
    assert got["followup-activity"].rows[0][-2:] == (1, 1)  # 5 Jan local, today
    assert got["opportunity-funnel"].rows[0][1:] == (1, Decimal("5.00"))
    assert got["service-resolve-time"].rows[0][2:] == (1, Decimal("24.0"))
    assert got["service-by-status"].rows == [("Resolved", 1)]
