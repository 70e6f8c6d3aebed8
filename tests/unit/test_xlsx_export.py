"""Statistics to xlsx: typed cells a person can calculate with, one sheet per table, written
atomically, and only by operators allowed to export (audited)."""

from __future__ import annotations

import json
import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from crm_desktop.core.errors import PermissionDenied, ValidationError
from crm_desktop.core.exporting import xlsx
from crm_desktop.core.exporting.reports import export_report, export_tables
from crm_desktop.core.exporting.xlsx import write_tables
from crm_desktop.core.reports.tables import (
    ChartSpec,
    ReportColumn,
    ReportParams,
    ReportTable,
    run,
)
from tests.report_fixtures import Ledger, ledger, raw

__all__ = ["ledger"]  # the fixture, imported for pytest

COLUMNS = [
    ReportColumn("code", "Region code", "text"),
    ReportColumn("name", "客户名称", "text"),
    ReportColumn("day", "Date", "date"),
    ReportColumn("orders", "Orders", "int"),
    ReportColumn("amount", "Sales amount", "money"),
    ReportColumn("share", "Share", "percent"),
    ReportColumn("hours", "Hours", "number"),
    ReportColumn("month", "Month", "month"),
]
ROWS = [
    (
        "007",
        "上海华盛机械有限公司",
        date(2025, 12, 31),
        3,
        Decimal("1234.56"),
        Decimal("0.25"),
        Decimal("2.5"),
        "2025-12",
    ),
    (
        "01",
        '=HYPERLINK("http://x")',
        date(2026, 1, 31),
        1,
        Decimal("98765432109.87"),
        Decimal("0.75"),
        Decimal("10"),
        "2026-01",
    ),
]
TOTALS = ("Total", "", None, 4, Decimal("98765433344.43"), Decimal("1"), None, "")


def sample(title: str = "Salesperson sales", rows: list[tuple] | None = None) -> ReportTable:
    return ReportTable(
        title=title,
        columns=COLUMNS,
        rows=ROWS if rows is None else rows,
        chart=ChartSpec("barh", "name", ("amount",)),
        totals=TOTALS if rows is None else None,
        note="Sales are confirmed, delivered and closed orders, before tax.",
    )


def cell_xml(path: Path, sheet: int = 1) -> str:
    with zipfile.ZipFile(path) as archive:
        return archive.read(f"xl/worksheets/sheet{sheet}.xml").decode()


def test_numbers_are_numbers_dates_are_dates_and_codes_stay_text(tmp_path: Path) -> None:
    path = write_tables(tmp_path / "sales.xlsx", [sample()])
    sheet = openpyxl.load_workbook(path).active
    assert [c.value for c in sheet[1]] == [c.label for c in COLUMNS]
    code, name, day, orders, amount, share, hours, month = sheet[2]
    assert (code.value, code.data_type) == ("007", "s")
    assert name.value == "上海华盛机械有限公司"
    assert day.is_date and day.value == datetime(2025, 12, 31)
    assert day.number_format == "yyyy-mm-dd"
    assert isinstance(orders.value, int) and orders.value == 3
    assert isinstance(amount.value, float) and amount.number_format == "#,##0.00"
    assert Decimal(str(amount.value)) == Decimal("1234.56")
    assert share.value == 0.25 and share.number_format == "0.0%"
    assert hours.value == 2.5
    assert (month.value, month.data_type) == ("2025-12", "s")


def test_money_is_written_exact_to_the_cent(tmp_path: Path) -> None:
    path = write_tables(tmp_path / "sales.xlsx", [sample()])
    xml = cell_xml(path)
    assert "<v>98765432109.87</v>" in xml  # the Decimal's own digits, no float rounding
    sheet = openpyxl.load_workbook(path).active
    assert Decimal(str(sheet["E3"].value)) == Decimal("98765432109.87")


def test_text_that_looks_like_a_formula_stays_text(tmp_path: Path) -> None:
    sheet = openpyxl.load_workbook(write_tables(tmp_path / "x.xlsx", [sample()])).active
    assert sheet["B3"].data_type == "s"
    assert sheet["B3"].value == '=HYPERLINK("http://x")'
    assert "<f>" not in cell_xml(tmp_path / "x.xlsx")


def test_header_bold_and_frozen_totals_bold(tmp_path: Path) -> None:
    sheet = openpyxl.load_workbook(write_tables(tmp_path / "x.xlsx", [sample()])).active
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.bold for cell in sheet[1])
    totals = sheet[4]
    assert totals[0].value == "Total" and totals[0].font.bold
    assert totals[4].value == pytest.approx(98765433344.43) and totals[4].font.bold
    assert not sheet["A2"].font.bold
    assert sheet["A6"].value == "Sales are confirmed, delivered and closed orders, before tax."


def test_column_widths_follow_the_content_and_count_chinese_double(tmp_path: Path) -> None:
    sheet = openpyxl.load_workbook(write_tables(tmp_path / "x.xlsx", [sample()])).active
    widths = {c: sheet.column_dimensions[c].width for c in "ABCDE"}
    assert widths["B"] >= 20  # ten Chinese characters
    assert widths["B"] > widths["A"]
    assert widths["E"] >= len("98,765,433,344.43")


def test_one_sheet_per_table_with_unique_names_of_at_most_31_characters(tmp_path: Path) -> None:
    long = "Salesperson × product sales, quantity and amount by month"
    tables = [sample(long), sample(long), sample("Region/sales [2025]"), sample("")]
    book = openpyxl.load_workbook(write_tables(tmp_path / "x.xlsx", tables))
    names = book.sheetnames
    assert len(names) == 4
    assert len({n.casefold() for n in names}) == 4
    assert all(0 < len(n) <= 31 for n in names)
    assert names[0] == long[:31]
    assert names[2] == "Region sales  2025"


def test_an_empty_table_still_has_its_header(tmp_path: Path) -> None:
    sheet = openpyxl.load_workbook(write_tables(tmp_path / "x.xlsx", [sample(rows=[])])).active
    assert [c.value for c in sheet[1]] == [c.label for c in COLUMNS]
    assert sheet.max_row == 3  # the header and the note below it
    assert sheet["A2"].value is None


def test_a_failed_write_leaves_the_old_file_and_no_half_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "sales.xlsx"
    target.write_bytes(b"the previous export")

    def broken_save(self: openpyxl.Workbook, filename: str) -> None:
        Path(filename).write_bytes(b"PK half a zip")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(openpyxl.Workbook, "save", broken_save)
    with pytest.raises(ValidationError, match="No space left"):
        write_tables(target, [sample()])
    assert target.read_bytes() == b"the previous export"
    assert [p.name for p in tmp_path.iterdir()] == ["sales.xlsx"]

    fresh = tmp_path / "new.xlsx"
    monkeypatch.setattr(xlsx, "_fill", lambda sheet, table: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        write_tables(fresh, [sample()])
    assert not fresh.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["sales.xlsx"]


def test_a_missing_folder_is_a_readable_error(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="does not exist"):
        write_tables(tmp_path / "nowhere" / "x.xlsx", [sample()])


# --- exporting an analysis -----------------------------------------------------------------------


def audit_rows(ledger: Ledger) -> list[dict]:
    return raw(
        ledger.path,
        "SELECT operator_code, summary, changes FROM audit_log WHERE action = ? ORDER BY id",
        ("statistics.export",),
    )


def test_exporting_an_analysis_writes_its_table_and_audits_name_and_filters(
    ledger: Ledger, tmp_path: Path
) -> None:
    boss = ledger.actor("boss")
    params = ReportParams(date_from=date(2025, 1, 1), date_to=date(2025, 12, 31))
    path = export_report(ledger.db, boss, "salesperson-sales", params, tmp_path / "s.xlsx")
    table = run(ledger.db, boss, "salesperson-sales", params)
    sheet = openpyxl.load_workbook(path).active
    assert sheet.title == table.title[:31]
    assert [c.value for c in sheet[1]] == [c.label for c in table.columns]
    amount = table.column("amount")
    written = [row[amount].value for row in sheet.iter_rows(min_row=2, max_row=len(table.rows) + 1)]
    assert [Decimal(str(v)) for v in written] == [row[amount] for row in table.rows]
    assert all(isinstance(v, int | float) for v in written)

    [entry] = audit_rows(ledger)
    assert entry["operator_code"] == "boss"
    assert "salesperson-sales" in entry["summary"]
    assert "date_from=2025-01-01" in entry["summary"] and "date_to=2025-12-31" in entry["summary"]
    changes = json.loads(entry["changes"])
    assert changes["analysis"][1] == "salesperson-sales"
    assert changes["rows"][1] == len(table.rows)


def test_a_manager_exports_only_the_teams_figures(ledger: Ledger, tmp_path: Path) -> None:
    manager = ledger.actor("mgr")
    path = export_report(
        ledger.db, manager, "salesperson-sales", ReportParams(), tmp_path / "m.xlsx"
    )
    names = {row[3].value for row in openpyxl.load_workbook(path).active.iter_rows(min_row=2)}
    assert "孙七" not in names and "李四" in names


def test_exporting_needs_the_export_permission_and_leaves_no_file(
    ledger: Ledger, tmp_path: Path
) -> None:
    target = tmp_path / "mine.xlsx"
    with pytest.raises(PermissionDenied):
        export_report(ledger.db, ledger.actor("li"), "salesperson-sales", ReportParams(), target)
    with pytest.raises(PermissionDenied):
        export_tables(ledger.db, ledger.actor("li"), "salesperson-sales", ReportParams(),
                      [sample()], target)  # fmt: skip
    assert not target.exists()
    assert audit_rows(ledger) == []


def test_a_cross_table_exports_every_cell_as_a_number(ledger: Ledger, tmp_path: Path) -> None:
    boss = ledger.actor("boss")
    path = export_report(
        ledger.db, boss, "region-product-sales", ReportParams(), tmp_path / "r.xlsx"
    )
    table = run(ledger.db, boss, "region-product-sales", ReportParams())
    sheet = openpyxl.load_workbook(path).active
    money = [i for i, c in enumerate(table.columns) if c.kind == "money"]
    for row in sheet.iter_rows(min_row=2, max_row=len(table.rows) + 2):  # rows and totals
        for index in money:
            assert isinstance(row[index].value, int | float), row[index].coordinate
            assert row[index].number_format == "#,##0.00"
