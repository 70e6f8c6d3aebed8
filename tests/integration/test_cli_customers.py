"""`crm customers` and `crm followups`: the same services, scope and duplicate guard as the GUI."""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
from pathlib import Path

import pytest

from tests.integration.test_cli import BOSS_PASSWORD, SALES_PASSWORD, crm, one_line_error

pytest_plugins = ["tests.integration.test_cli"]


@pytest.fixture
def firm(fresh: Path) -> Path:
    """The boss's customer, li's customer, and one in the public pool."""
    for args in (
        ("--name", "上海贸易有限公司", "--phone", "021-5555 6666"),
        ("--name", "北京科技有限公司", "--phone", "010-6234 5678", "--owner", "li"),
        ("--name", "长沙公海客户", "--public"),
    ):
        result = crm("--db", fresh, "--as", "boss", "customers", "add", *args,
                     password=BOSS_PASSWORD)  # fmt: skip
        assert result.returncode == 0, result.stderr
    return fresh


def listed(db: Path, user: str, password: str, *args: str) -> list[dict[str, str]]:
    result = crm("--db", db, "--as", user, "customers", "list", "--format", "json", *args,
                 password=password)  # fmt: skip
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def shown(db: Path, user: str, password: str, *args: str) -> list[list[str]]:
    """The table a person reads: one list of cells per customer (columns split on 2+ spaces)."""
    result = crm("--db", db, "--as", user, "customers", "list", *args, password=password)
    assert result.returncode == 0, result.stderr
    return [re.split(r"\s{2,}", line) for line in result.stdout.splitlines()[2:]]


def test_salesperson_lists_only_own_and_pool_customers_from_the_command_line(firm: Path) -> None:
    names = [row[1] for row in shown(firm, "li", SALES_PASSWORD)]
    assert names == ["北京科技有限公司", "长沙公海客户"]
    assert shown(firm, "li", SALES_PASSWORD, "--search", "shanghai") == []


def test_a_salesperson_may_not_export_the_list_and_the_boss_export_is_audited(
    firm: Path,
) -> None:
    refused = crm("--db", firm, "--as", "li", "customers", "list", "--format", "csv",
                  password=SALES_PASSWORD)  # fmt: skip
    assert "Export customers" in one_line_error(refused)
    assert refused.stdout == ""
    listed(firm, "boss", BOSS_PASSWORD)
    with sqlite3.connect(firm) as conn:
        [(summary,)] = conn.execute(
            "SELECT summary FROM audit_log WHERE action = 'customers.export'"
        ).fetchall()
    assert "3 rows" in summary


def test_search_by_pinyin_initials_from_the_command_line(firm: Path) -> None:
    rows = listed(firm, "boss", BOSS_PASSWORD, "--search", "bjkj")
    assert [(row["name"], row["owner"]) for row in rows] == [("北京科技有限公司", "李四")]


def test_csv_output_has_a_header_row_and_keeps_leading_zeros(firm: Path) -> None:
    result = crm("--db", firm, "--as", "boss", "customers", "list", "--format", "csv",
                 password=BOSS_PASSWORD)  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert {row["phone"] for row in rows} >= {"021-5555 6666", "010-6234 5678"}


def test_table_output_aligns_chinese_names(firm: Path) -> None:
    result = crm("--db", firm, "--as", "boss", "customers", "list", password=BOSS_PASSWORD)
    lines = result.stdout.splitlines()
    assert lines[0].split()[:3] == ["Id", "Name", "Phone"]
    assert any("北京科技有限公司" in line and "李四" in line for line in lines[2:])


def test_adding_a_duplicate_is_refused_with_a_hint_and_allowed_on_request(firm: Path) -> None:
    result = crm("--db", firm, "--as", "boss", "customers", "add", "--name", "北京科技",
                 password=BOSS_PASSWORD)  # fmt: skip
    message = one_line_error(result)
    assert "北京科技有限公司" in message and "--allow-duplicate" in message
    again = crm("--db", firm, "--as", "boss", "customers", "add", "--name", "北京科技",
                "--allow-duplicate", password=BOSS_PASSWORD)  # fmt: skip
    assert again.returncode == 0, again.stderr


def test_salesperson_cannot_record_a_follow_up_on_a_colleagues_customer(firm: Path) -> None:
    result = crm("--db", firm, "--as", "li", "followups", "add", "--customer", "上海贸易有限公司",
                 "--content", "电话", password=SALES_PASSWORD)  # fmt: skip
    assert "No customer matches" in one_line_error(result)


def test_recording_a_follow_up_sets_the_customers_next_date(firm: Path) -> None:
    result = crm("--db", firm, "--as", "li", "followups", "add", "--customer", "北京科技",
                 "--content", "电话沟通报价", "--method", "phone", "--next", "2030-01-15",
                 password=SALES_PASSWORD, process=True)  # fmt: skip
    assert result.returncode == 0, result.stderr
    [row] = shown(firm, "li", SALES_PASSWORD, "--search", "bjkj")
    assert row[-1] == "2030-01-15"  # the next follow-up, the last column


def test_a_bad_date_is_refused_with_the_expected_form(firm: Path) -> None:
    result = crm("--db", firm, "--as", "li", "followups", "add", "--customer", "北京科技",
                 "--content", "x", "--next", "15/01/2030", password=SALES_PASSWORD,
                 process=True)  # fmt: skip
    assert result.returncode == 2
    assert "is not a date (YYYY-MM-DD)" in result.stderr
    assert "Traceback" not in result.stderr
