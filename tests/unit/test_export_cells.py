"""What each column kind writes, value by value: the exported cells a person calculates with
(numbers, money, dates, local times), text that stays text (codes with their zeros, formula-like
names), and nothing Excel would refuse (control characters)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

import openpyxl
import pytest

from crm_desktop.core.exporting.xlsx import WorkbookStream


class Column(NamedTuple):
    label: str
    kind: str


def written(tmp_path: Path, kind: str, values: list[Any]) -> list[Any]:
    """The cells of one column of `kind` holding `values`, read back from the saved file."""
    path = tmp_path / f"{kind}.xlsx"
    with WorkbookStream(path) as book:
        sheet = book.sheet("x", [Column("value", kind)])
        for value in values:
            sheet.add([value])
    rows = openpyxl.load_workbook(path).active.iter_rows(min_row=2, max_row=len(values) + 1)
    return [row[0] if row else None for row in rows]


def test_text_stays_text_without_control_characters_and_never_a_formula(tmp_path: Path) -> None:
    cells = written(
        tmp_path, "text", ["上海华盛", "a\x00b\x1fc", "=SUM(A1:A2)", "#N/A", "line\nbreak"]
    )
    assert [c.value for c in cells] == ["上海华盛", "abc", "=SUM(A1:A2)", "#N/A", "line\nbreak"]
    assert [c.data_type for c in cells] == ["s"] * 5


def test_numbers_dates_and_booleans_in_a_text_column_keep_their_type(tmp_path: Path) -> None:
    cells = written(tmp_path, "text", [7, Decimal("2.5"), True, date(2026, 1, 31), None, ""])
    assert [c.value for c in cells[:4]] == [7, 2.5, True, datetime(2026, 1, 31)]
    assert cells[3].number_format == "yyyy-mm-dd"
    assert cells[4].value is None and cells[5].value is None


def test_codes_are_text_with_their_zeros_and_the_text_format(tmp_path: Path) -> None:
    cells = written(tmp_path, "code", ["007", "=1+1", 12345, "02\x0166"])
    assert [c.value for c in cells] == ["007", "=1+1", "12345", "0266"]
    assert {c.data_type for c in cells} == {"s"}
    assert {c.number_format for c in cells} == {"@"}


def test_times_are_the_local_time_the_person_saw(tmp_path: Path) -> None:
    beijing = timezone(timedelta(hours=8))
    moment = datetime(2026, 3, 1, 9, 30, tzinfo=beijing)
    stored = datetime(2026, 3, 1, 1, 30)  # SQLite hands back naive UTC
    cells = written(tmp_path, "datetime", [moment, stored, date(2026, 3, 2)])
    local = moment.astimezone().replace(tzinfo=None)
    assert cells[0].value == local and cells[1].value == local
    assert cells[0].number_format == cells[1].number_format == "yyyy-mm-dd hh:mm"
    assert cells[2].value == datetime(2026, 3, 2) and cells[2].number_format == "yyyy-mm-dd"


@pytest.mark.parametrize(("kind", "number_format"), [("money", "#,##0.00"), ("percent", "0.0%")])
def test_money_and_shares_are_numbers_with_their_format(
    tmp_path: Path, kind: str, number_format: str
) -> None:
    cells = written(tmp_path, kind, [Decimal("1234.56"), 3, 0.25, None, "n/a"])
    assert [c.value for c in cells] == [pytest.approx(1234.56), 3, 0.25, None, "n/a"]
    assert [c.number_format for c in cells[:3]] == [number_format] * 3
    assert cells[4].data_type == "s"


def test_many_rows_keep_their_types_after_the_rows_held_for_the_widths(tmp_path: Path) -> None:
    moment = datetime(2026, 3, 1, 1, 30, tzinfo=UTC)
    path = tmp_path / "many.xlsx"
    columns = [Column("code", "code"), Column("at", "datetime"), Column("amount", "money")]
    with WorkbookStream(path) as book:
        sheet = book.sheet("x", columns)
        for number in range(1_500):
            sheet.add([f"0{number}", moment, Decimal(number) / 100])
    last = next(openpyxl.load_workbook(path).active.iter_rows(min_row=1501, max_row=1501))
    assert (last[0].value, last[0].data_type, last[0].number_format) == ("01499", "s", "@")
    assert last[1].value == moment.astimezone().replace(tzinfo=None)
    assert last[1].number_format == "yyyy-mm-dd hh:mm"
    assert last[2].value == pytest.approx(14.99) and last[2].number_format == "#,##0.00"
