"""`crm report`: every analysis from the command line, as a table, CSV, JSON or xlsx, under the
operator's permissions and data scope. Runs on the statistics ledger (tests/report_fixtures.py)
through `cli.main`, with passwords in the environment as a script would."""

from __future__ import annotations

import argparse
import csv
import io
import json
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from crm_desktop import cli, cli_report
from crm_desktop.core.db import Database
from crm_desktop.core.reports.tables import ReportParams, analyses, analysis, run
from crm_desktop.core.services import auth
from tests.integration.test_cli import BOSS_PASSWORD, SALES_PASSWORD, crm, one_line_error
from tests.report_fixtures import Ledger, ledger, raw, raw_sales_lines

__all__ = ["ledger"]  # the fixture, imported for pytest

YEAR_2025 = ("--from", "2025-01-01", "--to", "2025-12-31")


@pytest.fixture(autouse=True)
def report_command(monkeypatch: pytest.MonkeyPatch) -> None:
    """`crm report` in the parser even before cli.py registers it (then this does nothing)."""
    original = cli.build_parser

    def build() -> argparse.ArgumentParser:
        parser = original()
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction) and "report" not in action.choices:
                cli_report.register(action)
        return parser

    monkeypatch.setattr(cli, "build_parser", build)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Where the ledger's file is kept once built (the first test to need it builds it)."""
    return {"folder": tmp_path_factory.mktemp("report-cli")}


@pytest.fixture
def shop(request: pytest.FixtureRequest, built: dict[str, Path], tmp_path: Path) -> Path:
    """A copy of the statistics ledger, with passwords for li (salesperson) and mgr (sales
    manager); the ledger is built through the services once and copied for every test."""
    if "ledger" not in built:
        ledger: Ledger = request.getfixturevalue("ledger")
        boss = ledger.actor("boss")
        for who in ("li", "mgr"):
            auth.reset_password(ledger.db, boss, ledger.actor(who).id, SALES_PASSWORD)
        built["ledger"] = built["folder"] / "ledger.db"
        shutil.copyfile(ledger.path, built["ledger"])
    path = tmp_path / "shop.db"
    shutil.copyfile(built["ledger"], path)
    return path


def operator_id(path: Path, code: str) -> int:
    return raw(path, "SELECT id FROM operators WHERE code = ?", (code,))[0]["id"]


def report(path: Path, user: str, *args: str) -> tuple[int, str, str]:
    password = BOSS_PASSWORD if user == "boss" else SALES_PASSWORD
    result = crm("--db", path, "report", *args, "--as", user, password=password)
    return result.returncode, result.stdout, result.stderr


def as_json(path: Path, user: str, *args: str) -> list[dict]:
    code, out, err = report(path, user, *args, "--format", "json")
    assert code == 0, err
    return json.loads(out)


def cents_of(rows: list[dict], key: str = "amount") -> int:
    return sum(int(Decimal(str(row[key])) * 100) for row in rows)


def test_list_names_every_analysis_with_its_title(shop: Path) -> None:
    result = crm("--db", shop, "report", "--list")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    for found in analyses():
        assert any(line.startswith(found.name + " ") and found.title in line for line in lines)
    assert len(lines) == 2 + len(analyses())  # header, rule, one line each


def test_every_analysis_runs_from_the_command_line_as_the_service_computes_it(
    shop: Path,
) -> None:
    database = Database(f"sqlite:///{shop}")  # the system clock, as the command uses
    try:
        boss = auth.login(database, "boss", BOSS_PASSWORD)
        tables = {
            found.name: run(database, boss, found.name, ReportParams()) for found in analyses()
        }
    finally:
        database.dispose()
    for name, table in tables.items():
        printed = as_json(shop, "boss", name)
        assert len(printed) == len(table.rows), name
        for row, original in zip(printed, table.rows, strict=True):
            assert list(row) == [column.key for column in table.columns], name
            for value, expected in zip(row.values(), original, strict=True):
                if isinstance(expected, Decimal):
                    assert isinstance(value, int | float), (name, value)
                    assert Decimal(str(value)) == expected, (name, value)
                elif isinstance(expected, date):
                    assert value == expected.isoformat(), name
                else:
                    assert value == expected, name


def test_salesperson_sales_as_json_match_the_raw_order_lines(shop: Path) -> None:
    printed = as_json(shop, "boss", "salesperson-sales", *YEAR_2025)
    expected = [
        row
        for row in raw_sales_lines(shop)
        if date(2025, 1, 1) <= row["order_date"] <= date(2025, 12, 31)
    ]
    assert cents_of(printed) == sum(row["amount"] for row in expected)
    assert all(isinstance(row["amount"], int | float) for row in printed)


def test_the_table_is_for_people_and_csv_for_programs(shop: Path) -> None:
    code, out, err = report(shop, "boss", "salesperson-sales", *YEAR_2025)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == analysis("salesperson-sales").title
    total = sum(row["amount"] for row in raw_sales_lines(shop) if row["order_date"].year == 2025)
    assert lines[-2].startswith("Total") or lines[-1].startswith("Total")
    assert f"{Decimal(total) / 100:,.2f}" in out  # the totals row, with thousands separators

    code, out, err = report(shop, "boss", "salesperson-sales", *YEAR_2025, "--format", "csv")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == ["region_code", "region", "salesperson_code", "salesperson", "amount"]
    assert all("," not in row["amount"] for row in rows)  # plain numbers
    assert sum(int(Decimal(row["amount"]) * 100) for row in rows) == total


def test_region_salesperson_and_product_are_named_by_code_or_name(shop: Path) -> None:
    region = raw(
        shop, "SELECT code, name FROM base_data_items WHERE kind = 'region' AND code = '02'"
    )
    by_code = as_json(shop, "boss", "salesperson-sales", "--region", region[0]["code"])
    by_name = as_json(shop, "boss", "salesperson-sales", "--region", region[0]["name"])
    assert by_code == by_name and by_code
    assert {row["region_code"] for row in by_code} == {region[0]["code"]}

    assert as_json(shop, "boss", "salesperson-sales", "--salesperson", "li") == as_json(
        shop, "boss", "salesperson-sales", "--salesperson", "李四"
    )
    by_product = as_json(shop, "boss", "salesperson-product-sales", "--product", "P002")
    assert by_product == as_json(
        shop, "boss", "salesperson-product-sales", "--product", "深沟球轴承"
    )
    assert {row["product_code"] for row in by_product} == {"P002"}


def test_an_unknown_name_or_an_option_the_report_does_not_take_is_one_clear_line(
    shop: Path,
) -> None:
    result = crm("--db", shop, "report", "salesperson-sales", "--region", "火星", "--as", "boss",
                 password=BOSS_PASSWORD)  # fmt: skip
    assert "火星" in one_line_error(result)
    result = crm("--db", shop, "report", "customers-by-type", "--product", "P001", "--as", "boss",
                 password=BOSS_PASSWORD)  # fmt: skip
    assert "--product" in one_line_error(result)
    result = crm("--db", shop, "report", "no-such-report", "--as", "boss", password=BOSS_PASSWORD)
    assert "no-such-report" in one_line_error(result)


def test_xlsx_needs_a_file(shop: Path) -> None:
    result = crm("--db", shop, "report", "region-sales", "--format", "xlsx", "--as", "boss",
                 password=BOSS_PASSWORD)  # fmt: skip
    assert "--out" in one_line_error(result)
    assert result.stdout == ""


def test_xlsx_is_written_with_numbers_and_audited(shop: Path, tmp_path: Path) -> None:
    out = tmp_path / "区域销售.xlsx"
    code, stdout, err = report(shop, "boss", "region-sales", *YEAR_2025, "--format", "xlsx",
                               "--out", str(out))  # fmt: skip
    assert code == 0, err
    assert str(out) in stdout
    sheet = openpyxl.load_workbook(out).active
    header = [cell.value for cell in sheet[1]]
    amounts = [row[header.index("Sales amount")].value for row in sheet.iter_rows(min_row=2)]
    assert amounts and all(isinstance(value, int | float) for value in amounts if value)
    audit = raw(shop, "SELECT summary FROM audit_log WHERE action = 'statistics.export'")
    assert [row["summary"] for row in audit] == [
        "region-sales (date_from=2025-01-01, date_to=2025-12-31) -> 区域销售.xlsx"
    ]


def test_csv_to_a_file(shop: Path, tmp_path: Path) -> None:
    out = tmp_path / "top.csv"
    code, _out, err = report(shop, "boss", "top-products", "--top", "2", "--format", "csv",
                             "--out", str(out))  # fmt: skip
    assert code == 0, err
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) >= 2 and "product_code" in rows[0]


def test_a_salesperson_reads_only_their_own_figures_and_may_not_export_them(shop: Path) -> None:
    code, out, err = report(shop, "li", "salesperson-sales")
    assert code == 0, err
    mine = raw_sales_lines(shop, operator_id(shop, "li"))
    assert f"{Decimal(sum(row['amount'] for row in mine)) / 100:,.2f}" in out
    assert "孙七" not in out and "周八" not in out
    every = sum(row["amount"] for row in raw_sales_lines(shop))
    assert f"{Decimal(every) / 100:,.2f}" not in out

    result = crm("--db", shop, "report", "salesperson-sales", "--format", "json", "--as", "li",
                 password=SALES_PASSWORD)  # fmt: skip
    assert "Export statistics" in one_line_error(result)
    assert result.returncode == 3


def test_a_managers_report_covers_the_team(shop: Path) -> None:
    printed = as_json(shop, "mgr", "salesperson-sales")
    expected = raw_sales_lines(shop, operator_id(shop, "mgr"))
    assert cents_of(printed) == sum(row["amount"] for row in expected)
    assert "孙七" not in {row["salesperson"] for row in printed}


def test_an_empty_report_says_so(shop: Path) -> None:
    code, out, err = report(shop, "boss", "region-sales", "--from", "2030-01-01")
    assert code == 0, err
    assert "No data for these filters." in out
    assert as_json(shop, "boss", "region-sales", "--from", "2030-01-01") == []
