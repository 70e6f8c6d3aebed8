"""`crm export KIND FILE.xlsx`: a list to Excel from a script, under the operator's permissions
and data scope, audited like the tabs' export."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import openpyxl
import pytest

from crm_desktop.core.exporting.lists import default_columns
from tests.integration.test_cli import BOSS_PASSWORD, SALES_PASSWORD, crm, one_line_error


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database made by `crm init` with a salesperson li and three customers (one is li's)."""
    path = tmp_path_factory.mktemp("export-cli") / "template.db"
    steps = [
        ("init", "--company", "天津演示贸易有限公司", "--admin", "boss"),
        ("--as", "boss", "operator", "add", "li", "--name", "李四", "--role", "salesperson"),
        ("--as", "boss", "customers", "add", "--name", "上海华盛机械有限公司",
         "--phone", "02166668888"),
        ("--as", "boss", "customers", "add", "--name", "杭州西湖茶叶有限公司"),
        ("--as", "li", "customers", "add", "--name", "上海李四的客户"),
    ]  # fmt: skip
    for step in steps:
        password = SALES_PASSWORD if step[1] == "li" else BOSS_PASSWORD
        result = crm(
            "--db", path, *step, password=password, env={"CRM_NEW_PASSWORD": SALES_PASSWORD}
        )
        assert result.returncode == 0, result.stderr
    return path


@pytest.fixture
def db_file(shop: Path, tmp_path: Path) -> Path:
    path = tmp_path / "crm.db"
    shutil.copyfile(shop, path)
    return path


def names(path: Path) -> list[str]:
    sheet = openpyxl.load_workbook(path).active
    return [row[0].value for row in sheet.iter_rows(min_row=2)]


def exports(db_file: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(db_file) as connection:
        return list(
            connection.execute(
                "SELECT operator_code, summary FROM audit_log WHERE action LIKE '%.export'"
            )
        )


def test_export_customers_prints_the_count_and_writes_the_file(
    db_file: Path, tmp_path: Path
) -> None:
    target = tmp_path / "客户.xlsx"
    result = crm("--db", db_file, "export", "customers", target, "--as", "boss",
                 password=BOSS_PASSWORD, process=True)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"Exported 3 rows to {target}."
    sheet = openpyxl.load_workbook(target).active
    assert [c.value for c in sheet[1]] == [c.label for c in default_columns("customers")]
    phone = {row[0].value: row[5] for row in sheet.iter_rows(min_row=2)}["上海华盛机械有限公司"]
    assert (phone.value, phone.data_type) == ("02166668888", "s")
    [(who, summary)] = exports(db_file)
    assert who == "boss" and "3 rows" in summary


def test_search_narrows_the_rows_and_is_audited(db_file: Path, tmp_path: Path) -> None:
    target = tmp_path / "sh.xlsx"
    result = crm("--db", db_file, "--as", "boss", "export", "customers", target,
                 "--search", "上海", password=BOSS_PASSWORD)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert sorted(names(target)) == ["上海华盛机械有限公司", "上海李四的客户"]
    [(_who, summary)] = exports(db_file)
    assert "search=上海" in summary


def test_a_missing_suffix_is_added(db_file: Path, tmp_path: Path) -> None:
    result = crm("--db", db_file, "--as", "boss", "export", "orders", tmp_path / "orders",
                 password=BOSS_PASSWORD)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Exported 0 rows" in result.stdout
    assert openpyxl.load_workbook(tmp_path / "orders.xlsx").active["A1"].value == "Number"


def test_a_salesperson_without_the_export_right_is_refused_and_nothing_written(
    db_file: Path, tmp_path: Path
) -> None:
    target = tmp_path / "li.xlsx"
    result = crm("--db", db_file, "--as", "li", "export", "customers", target,
                 password=SALES_PASSWORD)  # fmt: skip
    assert "permission" in one_line_error(result)
    assert not target.exists()
    assert exports(db_file) == []


def test_unknown_kind_and_missing_folder_are_one_line_errors(db_file: Path, tmp_path: Path) -> None:
    unknown = crm("--db", db_file, "--as", "boss", "export", "invoices", tmp_path / "x.xlsx",
                  password=BOSS_PASSWORD, process=True)  # fmt: skip
    assert unknown.returncode == 2 and "invalid choice" in unknown.stderr
    missing = crm("--db", db_file, "--as", "boss", "export", "customers",
                  tmp_path / "nowhere" / "x.xlsx", password=BOSS_PASSWORD)  # fmt: skip
    assert "does not exist" in one_line_error(missing)
