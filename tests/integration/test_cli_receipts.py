"""`crm receipts`: recording receipts against orders, listing them and aging what is owed, with
the same allocation rules, permissions and data scope as the receipts tab."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.integration.test_cli import BOSS_PASSWORD, SALES_PASSWORD, crm, one_line_error

pytest_plugins = ["tests.integration.test_cli"]


def boss(db: Path, *args: str) -> str:
    result = crm("--db", db, "--as", "boss", *args, password=BOSS_PASSWORD)
    assert result.returncode == 0, result.stderr
    return result.stdout


def add_order(db: Path, customer: str, total: str, *extra: str) -> str:
    out = boss(db, "orders", "add", "--customer", customer, "--line", f"货款,1,{total}", *extra)
    match = re.search(r"Created sales order (\S+) ", out)
    assert match, out
    return match.group(1)


@pytest.fixture
def firm(fresh: Path) -> tuple[Path, str, str, str]:
    """上海贸易 (the boss's) with two orders, 北京科技 (li's) with one."""
    boss(fresh, "customers", "add", "--name", "上海贸易有限公司")
    boss(fresh, "customers", "add", "--name", "北京科技有限公司", "--owner", "li")
    first = add_order(fresh, "上海贸易有限公司", "100.00", "--date", "2026-01-01")
    second = add_order(fresh, "上海贸易有限公司", "50.00", "--date", "2026-02-15")
    lis = add_order(fresh, "北京科技有限公司", "80.00", "--date", "2026-01-10")
    return fresh, first, second, lis


def receipts_json(db: Path, user: str, password: str, *args: str) -> list[dict[str, str]]:
    result = crm("--db", db, "--as", user, "receipts", "list", "--format", "json", *args,
                 password=password)  # fmt: skip
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_a_receipt_pays_the_orders_named_and_keeps_the_rest_as_an_advance(
    firm: tuple[Path, str, str, str],
) -> None:
    db, first, second, _lis = firm
    out = boss(db, "receipts", "add", "--customer", "上海贸易有限公司", "--amount", "200",
               "--order", first, "--order", f"{second}=30.00", "--method", "Bank transfer",
               "--date", "2026-03-01")  # fmt: skip
    assert f"Order {first}: 100.00" in out
    assert f"Order {second}: 30.00" in out
    assert "Advance payment: 70.00" in out

    [row] = receipts_json(db, "boss", BOSS_PASSWORD)
    assert (row["customer"], row["received_on"], row["method"]) == (
        "上海贸易有限公司",
        "2026-03-01",
        "Bank transfer",
    )
    assert (row["amount"], row["allocated"], row["unallocated"]) == ("200.00", "130.00", "70.00")
    listed = crm("--db", db, "--as", "boss", "orders", "list", "--format", "json",
                 password=BOSS_PASSWORD)  # fmt: skip
    owed = {o["number"]: o["outstanding"] for o in json.loads(listed.stdout)}
    assert (owed[first], owed[second]) == ("0.00", "20.00")


def test_paying_an_order_more_than_it_owes_needs_overpay(
    firm: tuple[Path, str, str, str],
) -> None:
    db, first, _second, _lis = firm
    args = ("receipts", "add", "--customer", "上海贸易有限公司", "--amount", "150",
            "--order", f"{first}=150")  # fmt: skip
    refused = crm("--db", db, "--as", "boss", *args, password=BOSS_PASSWORD)
    assert "still owes (100.00)" in one_line_error(refused)
    assert receipts_json(db, "boss", BOSS_PASSWORD) == []

    out = boss(db, *args, "--overpay")
    assert "Recorded as an overpayment." in out


def test_another_customers_order_is_refused_in_one_line(
    firm: tuple[Path, str, str, str],
) -> None:
    db, _first, _second, lis = firm
    refused = crm("--db", db, "--as", "boss", "receipts", "add", "--customer", "上海贸易有限公司",
                  "--amount", "80", "--order", f"{lis}=80", password=BOSS_PASSWORD)  # fmt: skip
    assert "belongs to another customer" in one_line_error(refused)


def test_a_salesperson_lists_own_customers_receipts_but_may_not_record_any(
    firm: tuple[Path, str, str, str],
) -> None:
    db, first, _second, lis = firm
    boss(db, "receipts", "add", "--customer", "上海贸易有限公司", "--amount", "100",
         "--order", first)  # fmt: skip
    boss(db, "receipts", "add", "--customer", "北京科技有限公司", "--amount", "80", "--order", lis)

    assert [r["customer"] for r in receipts_json(db, "li", SALES_PASSWORD)] == ["北京科技有限公司"]
    refused = crm("--db", db, "--as", "li", "receipts", "add", "--customer", "北京科技有限公司",
                  "--amount", "1", password=SALES_PASSWORD)  # fmt: skip
    assert "Record receipts" in one_line_error(refused)


def test_aging_by_customer_puts_each_order_in_its_bucket(
    firm: tuple[Path, str, str, str],
) -> None:
    db, _first, _second, _lis = firm
    result = crm("--db", db, "--as", "boss", "receipts", "aging", "--as-of", "2026-03-02",
                 "--format", "json", password=BOSS_PASSWORD)  # fmt: skip
    assert result.returncode == 0, result.stderr
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    # 2026-01-01 is 60 days before 2026-03-02, 2026-02-15 is 15 and 2026-01-10 is 51.
    assert rows["上海贸易有限公司"]["d31_60"] == "100.00"
    assert rows["上海贸易有限公司"]["d1_30"] == "50.00"
    assert rows["北京科技有限公司"]["d31_60"] == "80.00"
    assert rows["上海贸易有限公司"]["total"] == "150.00"

    table = boss(db, "receipts", "aging", "--by", "salesperson", "--as-of", "2026-03-02")
    last = table.splitlines()[-1].split()
    assert last[0] == "Total" and last[-1] == "230.00"
