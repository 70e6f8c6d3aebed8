"""Sales history import: order lines from a real xlsx become orders that statistics count.

Each test builds its sheet with openpyxl in tmp_path and imports it through the engine
(`run_import`), as the wizard and `crm import orders` do.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from crm_desktop.core.actor import Actor
from crm_desktop.core.db import Database
from crm_desktop.core.errors import ValidationError
from crm_desktop.core.importing.batches import undo_batch
from crm_desktop.core.importing.engine import preview_import, run_import
from crm_desktop.core.importing.model import (
    ImportKind,
    ImportMode,
    ImportRequest,
    ImportResult,
    RowAction,
)
from crm_desktop.core.importing.targets import base
from crm_desktop.core.importing.targets.orders import parse_status
from crm_desktop.core.models import ImportChange, OrderLine, Product, Role, SalesOrder
from crm_desktop.core.permissions import SALES_WORK
from crm_desktop.core.reports.tables import ReportParams, run
from crm_desktop.core.services import operators, orders
from crm_desktop.core.services.orders import OrderDetail
from tests.conftest import MakeOperator
from tests.sales_fixtures import make_customer, make_order, make_product, make_receipt

HEADERS = [
    "订单号",
    "订单日期",
    "客户名称",
    "业务员",
    "产品编码",
    "产品名称",
    "单价",
    "数量",
    "折扣",
    "备注",
]
CENT = Decimal("0.01")

# Three orders with several lines each: catalogue products by code and by name, a 9折 line,
# a 15 % line, text dates in three spellings, one order without a salesperson (the owner's).
SHEET: list[list[Any]] = [
    [
        "SO-H001",
        date(2024, 3, 5),
        "甲方建材有限公司",
        "李四",
        "P001",
        "不锈钢螺栓",
        12.5,
        100,
        None,
        "首单",
    ],
    [
        "SO-H001",
        date(2024, 3, 5),
        "甲方建材有限公司",
        "李四",
        "P002",
        "膨胀螺丝",
        33.33,
        3,
        "9折",
        None,
    ],
    [
        "SO-H001",
        date(2024, 3, 5),
        "甲方建材有限公司",
        "李四",
        None,
        "六角螺母",
        0.35,
        1000,
        None,
        None,
    ],
    ["SO-H002", "2024/3/20", "乙方五金店", "zhao", "P002", "膨胀螺丝", 8.88, 7, "15%", None],
    ["SO-H002", "2024/3/20", "乙方五金店", "zhao", "P003", "六角螺母", 0.33, 333, None, None],
    ["SO-H003", "2024年4月2日", "丙方机电", None, "P001", "不锈钢螺栓", 12.5, 4, None, None],
    ["SO-H003", "2024年4月2日", "丙方机电", None, "P003", "六角螺母", 0.4, 250, "0.05", "补货"],
]


def write_xlsx(path: Path, rows: Sequence[Sequence[Any]], headers: Sequence[str] = HEADERS) -> Path:
    """A real workbook: a title row, the header, the rows."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "销售明细"
    sheet.append(["2024年销售台账"])
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    return path


def importing(
    db: Database,
    actor: Actor,
    path: Path,
    mode: ImportMode = ImportMode.CREATE,
    **options: Any,
) -> ImportResult:
    request = ImportRequest(kind=ImportKind.ORDERS, path=path, mode=mode, **options)
    return run_import(db, actor, request)


def expected_amount(quantity: str, price: str, discount_percent: str = "0") -> Decimal:
    """quantity × price × (1 − discount), rounded half up to the cent: computed apart from
    core.pricing, the way an accountant checks an invoice line."""
    exact = Decimal(quantity) * Decimal(price) * (1 - Decimal(discount_percent) / 100)
    return exact.quantize(CENT, rounding=ROUND_HALF_UP)


def order_by_number(db: Database, actor: Actor, number: str) -> OrderDetail:
    return orders.get_order(db, actor, orders.order_id_by_number(db, actor, number))


def count(db: Database, model: Any) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


@pytest.fixture
def ledger(db: Database, boss: Actor, team: dict[str, Actor]) -> dict[str, int]:
    """Customers of 李四 (甲方, 丙方) and 赵六 (乙方), and three catalogue products."""
    ids = {
        "甲方": make_customer(db, team["li"], "甲方建材有限公司"),
        "乙方": make_customer(db, team["zhao"], "乙方五金店"),
        "丙方": make_customer(db, team["li"], "丙方机电"),
        "P001": make_product(db, boss, "P001", "不锈钢螺栓", "12.50"),
        "P002": make_product(db, boss, "P002", "膨胀螺丝", "30.00"),
        "P003": make_product(db, boss, "P003", "六角螺母", "0.30"),
    }
    return ids


# --- creating orders ------------------------------------------------------------------------------


def test_sales_history_becomes_closed_orders_with_exact_lines_and_totals(
    db: Database, boss: Actor, team: dict[str, Actor], ledger: dict[str, int], tmp_path: Path
) -> None:
    result = importing(db, boss, write_xlsx(tmp_path / "sales.xlsx", SHEET))

    assert (result.created, result.skipped, result.errors) == (7, 0, [])
    assert result.batch_id is not None
    first = order_by_number(db, boss, "SO-H001")
    assert first.status == "closed"
    assert first.order_date == date(2024, 3, 5)
    assert first.customer_id == ledger["甲方"]
    assert first.salesperson_id == team["li"].id
    assert [(x.line_no, x.product_code, x.description) for x in first.lines] == [
        (1, "P001", "不锈钢螺栓"),
        (2, "P002", "膨胀螺丝"),
        (3, "P003", "六角螺母"),  # found by its name, the catalogue's code filled in
    ]
    assert [x.product_id for x in first.lines] == [ledger["P001"], ledger["P002"], ledger["P003"]]
    amounts = [
        expected_amount("100", "12.50"),
        expected_amount("3", "33.33", "10"),  # 9折: 89.991 -> 89.99
        expected_amount("1000", "0.35"),
    ]
    assert [x.amount for x in first.lines] == amounts
    assert first.lines[1].discount_bp == 1000
    assert (first.subtotal, first.tax, first.total) == (sum(amounts), Decimal("0.00"), sum(amounts))
    assert first.remarks == "首单"

    second = order_by_number(db, boss, "SO-H002")
    assert (second.order_date, second.salesperson_id) == (date(2024, 3, 20), team["zhao"].id)
    second_amounts = [expected_amount("7", "8.88", "15"), expected_amount("333", "0.33")]
    assert [x.amount for x in second.lines] == second_amounts  # 52.836 -> 52.84
    assert second.total == sum(second_amounts)

    third = order_by_number(db, boss, "SO-H003")
    assert third.order_date == date(2024, 4, 2)
    assert third.salesperson_id == team["li"].id  # no salesperson given: the customer's owner
    third_amounts = [expected_amount("4", "12.50"), expected_amount("250", "0.40", "5")]
    assert third.total == sum(third_amounts)
    assert count(db, SalesOrder) == 3 and count(db, OrderLine) == 7


def test_imported_sales_count_in_statistics_by_salesperson_and_month(
    db: Database, boss: Actor, team: dict[str, Actor], ledger: dict[str, int], tmp_path: Path
) -> None:
    importing(db, boss, write_xlsx(tmp_path / "sales.xlsx", SHEET))

    params = ReportParams(date_from=date(2024, 3, 1), date_to=date(2024, 4, 30))
    table = run(db, boss, "salesperson-by-period", params)

    li_march = (
        expected_amount("100", "12.50")
        + expected_amount("3", "33.33", "10")
        + expected_amount("1000", "0.35")
    )
    li_april = expected_amount("4", "12.50") + expected_amount("250", "0.40", "5")
    zhao_march = expected_amount("7", "8.88", "15") + expected_amount("333", "0.33")
    march, april = table.column("period_2024-03"), table.column("period_2024-04")
    by_name = {row[1]: row for row in table.rows}
    assert by_name["李四"][march] == li_march
    assert by_name["李四"][april] == li_april
    assert by_name["赵六"][march] == zhao_march
    assert by_name["赵六"][april] == Decimal("0.00")
    assert table.totals is not None
    assert table.totals[-1] == li_march + li_april + zhao_march
    # per product too: statistics group the lines by the catalogue product they name
    products = run(db, boss, "top-products", params)
    codes = {row[table_index(products, "product_code")] for row in products.rows}
    assert codes == {"P001", "P002", "P003"}


def table_index(table: Any, key: str) -> int:
    return table.column(key)


# --- refused and skipped rows ---------------------------------------------------------------------


def test_unknown_customer_is_an_error_row_with_the_reason_and_fails_its_whole_order(
    db: Database, boss: Actor, ledger: dict[str, int], tmp_path: Path
) -> None:
    rows = [
        *SHEET[:3],
        [
            "SO-H009",
            date(2024, 5, 1),
            "不存在的客户公司",
            "李四",
            "P001",
            None,
            12.5,
            1,
            None,
            None,
        ],
        ["SO-H009", date(2024, 5, 1), "不存在的客户公司", "李四", "P002", None, 30, 1, None, None],
    ]
    result = importing(db, boss, write_xlsx(tmp_path / "sales.xlsx", rows))

    assert result.created == 3
    assert [error.line for error in result.errors] == [6, 7]  # sheet rows (title, header first)
    assert "不存在的客户公司" in result.errors[0].reason
    assert "No customer" in result.errors[0].reason
    assert result.errors[0].cells[2] == "不存在的客户公司"  # the original row, for fixing
    assert count(db, SalesOrder) == 1


def test_lines_of_one_order_that_disagree_on_the_header_are_all_refused_naming_the_conflict(
    db: Database, boss: Actor, ledger: dict[str, int], tmp_path: Path
) -> None:
    rows = [
        ["SO-X1", date(2024, 3, 5), "甲方建材有限公司", "李四", "P001", None, 10, 1, None, None],
        ["SO-X1", date(2024, 3, 6), "甲方建材有限公司", "李四", "P002", None, 10, 1, None, None],
        ["SO-X1", date(2024, 3, 5), "甲方建材有限公司", "李四", "P003", None, 10, 1, None, None],
        ["SO-X2", date(2024, 3, 5), "甲方建材有限公司", "李四", "P001", None, 10, 1, None, None],
        ["SO-X2", date(2024, 3, 5), "乙方五金店", "李四", "P001", None, 10, 1, None, None],
        ["SO-OK", date(2024, 3, 5), "乙方五金店", "赵六", "P001", None, 10, 1, None, None],
    ]
    result = importing(db, boss, write_xlsx(tmp_path / "sales.xlsx", rows))

    assert result.created == 1
    reasons = {error.line: error.reason for error in result.errors}
    assert sorted(reasons) == [3, 4, 5, 6, 7]
    assert "SO-X1" in reasons[3] and "Order date" in reasons[3]
    assert "2024-03-05 on row 3" in reasons[3] and "2024-03-06 on row 4" in reasons[3]
    assert reasons[3] == reasons[4] == reasons[5]
    assert "Customer" in reasons[6] and "乙方五金店 on row 7" in reasons[6]
    assert [o.number for o in orders.list_orders(db, boss)] == ["SO-OK"]


def test_create_mode_skips_an_order_whose_number_exists(
    db: Database, boss: Actor, team: dict[str, Actor], ledger: dict[str, int], tmp_path: Path
) -> None:
    hand_made = make_order(db, team["li"], ledger["甲方"])
    taken = orders.get_order(db, boss, hand_made).number
    rows = [
        [taken, date(2024, 3, 5), "甲方建材有限公司", "李四", "P001", None, 10, 1, None, None],
        [taken, date(2024, 3, 5), "甲方建材有限公司", "李四", "P002", None, 10, 1, None, None],
        *SHEET[3:5],
    ]
    path = write_xlsx(tmp_path / "sales.xlsx", rows)

    result = importing(db, boss, path)

    assert (result.created, result.skipped, result.errors) == (2, 2, [])
    assert [row.line for row in result.skipped_rows] == [3, 4]
    assert taken in result.skipped_rows[0].reason and "exists" in result.skipped_rows[0].reason
    assert len(orders.get_order(db, boss, hand_made).lines) == 1  # untouched
    again = importing(db, boss, path)
    assert (again.created, again.skipped, again.batch_id) == (0, 4, None)


def test_an_order_with_an_unknown_product_fails_unless_missing_products_are_created_once(
    db: Database, boss: Actor, ledger: dict[str, int], tmp_path: Path
) -> None:
    rows = [
        [
            "SO-N1",
            date(2024, 3, 5),
            "甲方建材有限公司",
            "李四",
            "N-77",
            "新型锚栓",
            5,
            10,
            None,
            None,
        ],
        ["SO-N1", date(2024, 3, 5), "甲方建材有限公司", "李四", "P001", None, 12.5, 1, None, None],
        [
            "SO-N2",
            date(2024, 3, 9),
            "甲方建材有限公司",
            "李四",
            "N-77",
            "新型锚栓",
            6,
            1,
            None,
            None,
        ],
        ["SO-N2", date(2024, 3, 9), "甲方建材有限公司", "李四", None, "钢丝绳", 20, 2, None, None],
    ]
    path = write_xlsx(tmp_path / "sales.xlsx", rows)

    refused = importing(db, boss, path)
    assert refused.created == 0 and len(refused.errors) == 4
    assert "N-77" in refused.errors[0].reason

    result = importing(db, boss, path, create_missing=True)
    assert result.created == 4
    with db.read() as session:
        made = session.execute(
            select(Product.code, Product.name, Product.unit_price).where(
                Product.import_batch_id == result.batch_id
            )
        ).all()
    assert sorted(made) == [
        ("IMP-00001", "钢丝绳", Decimal("20.00")),
        ("N-77", "新型锚栓", Decimal("5.00")),  # created once, priced from its first line
    ]
    n1 = order_by_number(db, boss, "SO-N1")
    n2 = order_by_number(db, boss, "SO-N2")
    assert n1.lines[0].product_id == n2.lines[0].product_id is not None

    undo_batch(db, boss, result.batch_id or 0)
    assert count(db, SalesOrder) == 0 and count(db, Product) == 3


# --- undo -----------------------------------------------------------------------------------------


def test_undo_removes_the_imported_orders_and_their_lines_exactly(
    db: Database, boss: Actor, team: dict[str, Actor], ledger: dict[str, int], tmp_path: Path
) -> None:
    kept = make_order(db, team["li"], ledger["甲方"])
    before = (count(db, SalesOrder), count(db, OrderLine))
    result = importing(db, boss, write_xlsx(tmp_path / "sales.xlsx", SHEET))
    assert (count(db, SalesOrder), count(db, OrderLine)) == (before[0] + 3, before[1] + 7)

    undone = undo_batch(db, boss, result.batch_id or 0)

    assert undone.removed == 3
    assert (count(db, SalesOrder), count(db, OrderLine)) == before
    assert count(db, ImportChange) == 0
    assert orders.get_order(db, boss, kept).lines  # the hand-made order is still whole


def test_undo_is_refused_once_a_receipt_pays_an_imported_order(
    db: Database, boss: Actor, ledger: dict[str, int], tmp_path: Path
) -> None:
    result = importing(db, boss, write_xlsx(tmp_path / "sales.xlsx", SHEET))
    paid = order_by_number(db, boss, "SO-H003")
    make_receipt(db, boss, ledger["丙方"], "50.00", (paid.id, "50.00"))

    with pytest.raises(ValidationError) as refused:
        undo_batch(db, boss, result.batch_id or 0)

    assert "SO-H003" in str(refused.value)
    assert count(db, SalesOrder) == 3 and count(db, OrderLine) == 7


# --- update / upsert ------------------------------------------------------------------------------


def test_upsert_replaces_the_lines_of_an_imported_order_but_never_touches_a_hand_made_one(
    db: Database, boss: Actor, team: dict[str, Actor], ledger: dict[str, int], tmp_path: Path
) -> None:
    importing(db, boss, write_xlsx(tmp_path / "first.xlsx", SHEET))
    hand_made = orders.get_order(db, boss, make_order(db, team["li"], ledger["甲方"]))
    rows = [
        # SO-H001 corrected: two lines instead of three, a new price
        [
            "SO-H001",
            date(2024, 3, 5),
            "甲方建材有限公司",
            "李四",
            "P001",
            None,
            12,
            100,
            None,
            None,
        ],
        [
            "SO-H001",
            date(2024, 3, 5),
            "甲方建材有限公司",
            "李四",
            "P003",
            None,
            0.35,
            1000,
            None,
            None,
        ],
        *SHEET[3:5],  # SO-H002 as before
        [
            hand_made.number,
            date(2024, 3, 5),
            "甲方建材有限公司",
            "李四",
            "P001",
            None,
            1,
            1,
            None,
            None,
        ],
        ["SO-H004", date(2024, 4, 9), "乙方五金店", "赵六", "P002", None, 30, 2, None, None],
    ]
    result = importing(db, boss, write_xlsx(tmp_path / "second.xlsx", rows), ImportMode.UPSERT)

    assert (result.updated, result.unchanged, result.created) == (2, 2, 1)
    assert [e.line for e in result.errors] == [7]
    assert "by hand" in result.errors[0].reason
    first = order_by_number(db, boss, "SO-H001")
    assert [(x.line_no, x.product_code, x.amount) for x in first.lines] == [
        (1, "P001", Decimal("1200.00")),
        (2, "P003", Decimal("350.00")),
    ]
    assert first.total == Decimal("1550.00")
    assert orders.get_order(db, boss, hand_made.id).version == hand_made.version
    assert count(db, OrderLine) == 7 - 1 + 1 + 1


def test_undo_of_an_upsert_puts_the_previous_lines_and_totals_back(
    db: Database, boss: Actor, ledger: dict[str, int], tmp_path: Path
) -> None:
    importing(db, boss, write_xlsx(tmp_path / "first.xlsx", SHEET))
    before = order_by_number(db, boss, "SO-H001")
    rows = [
        ["SO-H001", date(2024, 3, 5), "甲方建材有限公司", "李四", "P001", None, 9, 9, None, None]
    ]
    result = importing(db, boss, write_xlsx(tmp_path / "fix.xlsx", rows), ImportMode.UPDATE)
    assert result.updated == 1
    assert order_by_number(db, boss, "SO-H001").total == Decimal("81.00")

    undo_batch(db, boss, result.batch_id or 0)

    after = order_by_number(db, boss, "SO-H001")
    assert (after.lines, after.total, after.version) == (before.lines, before.total, before.version)


# --- scope ----------------------------------------------------------------------------------------


def test_a_salesperson_cannot_import_orders_for_a_colleagues_customer(
    db: Database,
    boss: Actor,
    team: dict[str, Actor],
    make_operator: MakeOperator,
    ledger: dict[str, int],
    tmp_path: Path,
) -> None:
    operators.save_role(
        db,
        boss,
        None,
        None,
        {"code": "history", "name": "历史录入", "default_scope": "own"},
        set(SALES_WORK | {"orders.import"}),
    )
    with db.read() as session:
        assert session.scalar(select(Role.id).where(Role.code == "history"))
    wu = make_operator("wu", "history", name="吴七")
    make_customer(db, wu, "吴七的客户")
    rows = [
        ["SO-W1", date(2024, 3, 5), "吴七的客户", None, "P001", None, 10, 1, None, None],
        ["SO-W2", date(2024, 3, 5), "甲方建材有限公司", None, "P001", None, 10, 1, None, None],
        ["SO-W3", date(2024, 3, 5), "吴七的客户", "李四", "P001", None, 10, 1, None, None],
    ]
    result = importing(db, wu, write_xlsx(tmp_path / "sales.xlsx", rows))

    assert result.created == 1
    reasons = {error.line: error.reason for error in result.errors}
    assert "outside your data scope" in reasons[4] and "甲方建材有限公司" in reasons[4]
    assert "李四" in reasons[5] and "outside your data scope" in reasons[5]
    assert order_by_number(db, boss, "SO-W1").salesperson_id == wu.id
    assert [o.number for o in orders.list_orders(db, team["li"])] == []


def test_dry_run_and_preview_write_nothing(
    db: Database, boss: Actor, ledger: dict[str, int], tmp_path: Path
) -> None:
    path = write_xlsx(tmp_path / "sales.xlsx", SHEET)
    request = ImportRequest(kind=ImportKind.ORDERS, path=path)

    dry = run_import(db, boss, request, dry_run=True)
    preview = preview_import(db, boss, request)

    assert (dry.created, dry.batch_id) == (7, None)
    assert [plan.action for plan in preview.rows] == [RowAction.CREATE] * 7
    assert preview.rows[1].values["amount"] == expected_amount("3", "33.33", "10")
    assert count(db, SalesOrder) == 0


def test_an_amount_column_gives_the_price_when_missing_and_must_match_when_both_are_given(
    db: Database, boss: Actor, ledger: dict[str, int], tmp_path: Path
) -> None:
    headers = ["单号", "日期", "客户", "产品编号", "单价", "数量", "折扣", "金额"]
    rows = [
        ["SO-A1", "20240305", "甲方建材有限公司", "P001", None, 4, "95折", 47.5],
        ["SO-A1", "20240305", "甲方建材有限公司", "P002", 33.33, 3, None, 99.99],
        ["SO-A2", "20240306", "甲方建材有限公司", "P001", 12.5, 3, None, 37.49],
        ["SO-A3", "20240307", "甲方建材有限公司", "P001", None, 3, None, 10],
    ]
    result = importing(db, boss, write_xlsx(tmp_path / "sales.xlsx", rows, headers))

    assert result.created == 2
    a1 = order_by_number(db, boss, "SO-A1")
    assert [(x.unit_price, x.discount_bp, x.amount) for x in a1.lines] == [
        (Decimal("12.50"), 500, Decimal("47.50")),  # 47.5 / 4 / 0.95
        (Decimal("33.33"), 0, Decimal("99.99")),
    ]
    reasons = {error.line: error.reason for error in result.errors}
    assert "37.49" in reasons[5] and "37.50" in reasons[5]
    assert "give the unit price" in reasons[6]  # 10 / 3 is no price to the cent


def test_a_ledgers_status_words_name_order_states_and_nonsense_is_explained() -> None:
    assert [parse_status(w) for w in ("已完成", "已关闭", "Delivered", "作废", "草稿", "")] == [
        "closed",
        "closed",
        "delivered",
        "cancelled",
        "draft",
        None,
    ]
    with pytest.raises(ValueError, match="“乱写” is not an order status"):
        parse_status("乱写")


def test_orders_are_written_whole_when_the_import_writes_in_small_chunks(
    db: Database,
    boss: Actor,
    ledger: dict[str, int],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(base, "CHUNK_ROWS", 2)
    result = importing(db, boss, write_xlsx(tmp_path / "sales.xlsx", SHEET))

    assert result.created == 7
    assert count(db, SalesOrder) == 3 and count(db, OrderLine) == 7
    assert [len(order_by_number(db, boss, n).lines) for n in ("SO-H001", "SO-H002", "SO-H003")] == [
        3,
        2,
        2,
    ]
