"""`crm orders` and `crm quotes`: order entry and lists from a script, same services and scope."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

from crm_desktop.core.clock import SystemClock, local_today
from crm_desktop.core.db import Database
from crm_desktop.core.services import customers, quotes
from tests.conftest import actor_of
from tests.integration.test_cli import BOSS_PASSWORD, SALES_PASSWORD, crm, one_line_error
from tests.sales_fixtures import make_product, make_quote

pytest_plugins = ["tests.integration.test_cli"]


@pytest.fixture
def shop(fresh: Path) -> Path:
    """The boss's customer with a catalogue product, and li's own customer."""
    database = Database(f"sqlite:///{fresh}")
    make_product(database, actor_of(database, "boss"), "CH-01", "人体工学椅", "1299.00")
    database.dispose()
    for user, password, name in (
        ("boss", BOSS_PASSWORD, "上海贸易有限公司"),
        ("li", SALES_PASSWORD, "北京科技有限公司"),
    ):
        result = crm("--db", fresh, "--as", user, "customers", "add", "--name", name,
                     password=password)  # fmt: skip
        assert result.returncode == 0, result.stderr
    return fresh


def listed(db: Path, user: str, password: str, what: str, *args: str) -> list[dict[str, str]]:
    result = crm("--db", db, "--as", user, what, "list", "--format", "json", *args,
                 password=password)  # fmt: skip
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_an_order_added_from_the_command_line_is_numbered_and_exact(shop: Path) -> None:
    result = crm(
        "--db", shop, "--as", "boss", "orders", "add", "--customer", "上海贸易有限公司",
        "--line", "CH-01,3,,15%", "--line", "运费,1,0.10", "--line", "安装,2.5,0.20",
        "--tax", "13", "--remarks", "命令行下单", password=BOSS_PASSWORD,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    # 3 × 1299.00 × 0.85 = 3312.45; + 0.10 + 0.50 = 3313.05; tax 430.70 (430.6965)
    today = f"{local_today(SystemClock()):%Y%m%d}"
    assert result.stdout.strip() == (
        f"Created sales order SO{today}0001 for 上海贸易有限公司: 3 lines, total 3,743.75."
    )
    [row] = listed(shop, "boss", BOSS_PASSWORD, "orders")
    assert row["number"] == f"SO{today}0001"
    assert (row["total"], row["received"], row["outstanding"]) == ("3743.75", "0.00", "3743.75")
    assert (row["status"], row["customer"], row["salesperson"]) == (
        "draft",
        "上海贸易有限公司",
        "王老板",
    )


def test_a_salesperson_lists_only_their_own_orders(shop: Path) -> None:
    for user, password, customer in (
        ("boss", BOSS_PASSWORD, "上海贸易有限公司"),
        ("li", SALES_PASSWORD, "北京科技有限公司"),
    ):
        added = crm("--db", shop, "--as", user, "orders", "add", "--customer", customer,
                    "--line", "咨询服务,1,500", password=password)  # fmt: skip
        assert added.returncode == 0, added.stderr
    assert [r["customer"] for r in listed(shop, "li", SALES_PASSWORD, "orders")] == [
        "北京科技有限公司"
    ]
    assert len(listed(shop, "boss", BOSS_PASSWORD, "orders")) == 2
    refused = crm("--db", shop, "--as", "li", "orders", "add", "--customer", "上海贸易有限公司",
                  "--line", "x,1,1", password=SALES_PASSWORD)  # fmt: skip
    assert "No customer matches" in one_line_error(refused)
    table = crm("--db", shop, "--as", "li", "orders", "list", "--status", "draft",
                password=SALES_PASSWORD, process=True)  # fmt: skip
    assert table.returncode == 0, table.stderr
    cells = [re.split(r"\s{2,}", line) for line in table.stdout.splitlines()[2:]]
    assert [(c[2], c[4], c[5]) for c in cells] == [("北京科技有限公司", "Draft", "500.00")]


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("不在目录里,2", "is not in the catalogue, so give its price"),
        ("椅子", "write it as"),
        ("椅子,two,5", "is not a valid quantity"),
        ("椅子,1,5,12.345%", "at most two decimals"),
        ("椅子,0,5", "more than zero"),
        ("椅子,1,-5", "cannot be negative"),
    ],
)
def test_a_bad_line_is_refused_in_one_sentence_and_nothing_is_added(
    shop: Path, line: str, problem: str
) -> None:
    result = crm("--db", shop, "--as", "boss", "orders", "add", "--customer", "上海贸易有限公司",
                 "--line", "好的,1,1", "--line", line, password=BOSS_PASSWORD)  # fmt: skip
    message = one_line_error(result)
    assert "Line 2" in message and problem in message
    assert listed(shop, "boss", BOSS_PASSWORD, "orders") == []


def test_orders_list_can_show_only_what_is_still_owed(shop: Path) -> None:
    crm("--db", shop, "--as", "boss", "orders", "add", "--customer", "上海贸易有限公司",
        "--line", "赠品,1,0", password=BOSS_PASSWORD)  # fmt: skip
    crm("--db", shop, "--as", "boss", "orders", "add", "--customer", "上海贸易有限公司",
        "--line", "货,1,0.30", password=BOSS_PASSWORD)  # fmt: skip
    owed = listed(shop, "boss", BOSS_PASSWORD, "orders", "--outstanding")
    assert [Decimal(r["outstanding"]) for r in owed] == [Decimal("0.30")]


def test_quotes_list_shows_the_latest_revision_unless_all_are_asked_for(shop: Path) -> None:
    database = Database(f"sqlite:///{shop}")
    boss = actor_of(database, "boss")
    cid = customers.resolve_customer(database, boss, "上海贸易有限公司")
    quote = make_quote(database, boss, cid)
    quotes.set_quote_status(database, boss, quote, 1, "sent")
    quotes.revise_quote(database, boss, quote, 2)
    database.dispose()
    latest = listed(shop, "boss", BOSS_PASSWORD, "quotes")
    assert [(r["revision"], r["status"]) for r in latest] == [(2, "draft")]
    every = listed(shop, "boss", BOSS_PASSWORD, "quotes", "--all-revisions")
    assert sorted((r["revision"], r["status"]) for r in every) == [(1, "superseded"), (2, "draft")]
    assert listed(shop, "li", SALES_PASSWORD, "quotes") == []
