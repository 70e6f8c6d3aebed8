"""`crm import`: customers (and the other kinds) from real xlsx, xls and CSV files, with the same
engine, permissions and data scope as the wizard; what the command prints, the error workbook it
writes, its exit codes, Ctrl+C, `crm import list` and `crm import undo`.

Files are real: workbooks built here with openpyxl, and the files under tests/data (see its
README), copied to tmp_path so the default error workbook never lands in the repository.
"""

from __future__ import annotations

import json
import os
import pty
import re
import shlex
import shutil
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from crm_desktop.core.importing import engine
from crm_desktop.core.importing.targets import base as targets_base
from tests.integration.test_cli import BOSS_PASSWORD, SALES_PASSWORD, crm, one_line_error

pytest_plugins = ["tests.integration.test_cli"]

DATA = Path(__file__).resolve().parents[1] / "data"
README = Path(__file__).resolve().parents[2] / "README.md"
MANAGER_PASSWORD = "Wang-pass-2026"
HEADER = ["客户名称*", "电话", "地址", "微信"]


# --- helpers -------------------------------------------------------------------------------------


def run(db: Path, *args: str | Path, user: str = "boss", password: str = BOSS_PASSWORD,
        process: bool = False) -> subprocess.CompletedProcess[str]:  # fmt: skip
    return crm("--db", db, "--as", user, *args, password=password, process=process)


def ok(db: Path, *args: str | Path, **kwargs: Any) -> str:
    result = run(db, *args, **kwargs)
    assert result.returncode == 0, result.stderr + result.stdout
    return result.stdout


def counts(output: str) -> dict[str, int]:
    """The `Created: 3` … lines of an import's output."""
    found = re.findall(r"^(Created|Updated|Unchanged|Skipped|Errors): (\d+)$", output, re.M)
    return {name.lower(): int(number) for name, number in found}


def tally(created: int = 0, updated: int = 0, unchanged: int = 0, skipped: int = 0,
          errors: int = 0) -> dict[str, int]:  # fmt: skip
    return {"created": created, "updated": updated, "unchanged": unchanged, "skipped": skipped,
            "errors": errors}  # fmt: skip


def query(db: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


def customers(db: Path) -> dict[str, str | None]:
    """Name -> phone of every customer in the file."""
    return dict(query(db, "SELECT name, phone FROM customers ORDER BY id"))


def batch_id(output: str) -> int:
    match = re.search(r"^Batch: (\d+) ", output, re.M)
    assert match, output
    return int(match.group(1))


def batches(db: Path, user: str = "boss", password: str = BOSS_PASSWORD) -> list[dict[str, Any]]:
    return json.loads(ok(db, "import", "list", "--format", "json", user=user, password=password))


def workbook(path: Path, rows: list[list[Any]], *, title: str | None = None) -> Path:
    """A one-sheet workbook `客户资料`: an optional merged title row above the rows given."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "客户资料"
    if title:
        sheet.append([title])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(rows[0]))
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def customer_sheet(path: Path) -> Path:
    """Title on line 1, header on line 2; lines 3, 4 and 8 are good, 6 repeats line 3 and 7
    has no name (errors), 5 is blank."""
    return workbook(
        path,
        [
            HEADER,
            ["北京科技有限公司", "01062345678", "北京市海淀区中关村大街1号", "bjkj"],
            ["上海贸易有限公司", "02155556666", "上海市浦东新区张江路100号", None],
            [None, None, None, None],
            ["北京科技有限公司", "010-6234 5678", None, None],
            [None, "13800000000", "无名地址", None],
            ["广州五金厂", 13812345678, None, None],
        ],
        title="2025年客户名单",
    )


def copy(name: str, folder: Path, as_name: str | None = None) -> Path:
    return Path(shutil.copyfile(DATA / name, folder / (as_name or name)))


def read_book(path: Path) -> list[list[Any]]:
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()


@pytest.fixture
def sheet(tmp_path: Path) -> Path:
    return customer_sheet(tmp_path / "客户.xlsx")


@pytest.fixture
def manager(fresh: Path) -> Path:
    """wang: a sales manager's permissions (import included) but only his own customers."""
    result = crm("--db", fresh, "--as", "boss", "operator", "add", "wang", "--name", "王五",
                 "--role", "sales_manager", "--scope", "own", password=BOSS_PASSWORD,
                 env={"CRM_NEW_PASSWORD": MANAGER_PASSWORD})  # fmt: skip
    assert result.returncode == 0, result.stderr
    return fresh


# --- importing -----------------------------------------------------------------------------------


def test_import_prints_the_sheet_header_row_mapping_and_exact_counts(
    fresh: Path, sheet: Path
) -> None:
    result = run(fresh, "import", "customers", sheet, process=True)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Sheet: 客户资料\n" in out
    assert "Header row: 2 (detected)\n" in out
    mapped = re.findall(r"^([A-Z])\s+(\S+)\s+(\w+)\s+\w", out, re.M)
    assert mapped == [("A", "客户名称", "name"), ("B", "电话", "phone"), ("C", "地址", "address")]
    assert "Not imported: D 微信\n" in out
    assert counts(out) == tally(created=3, errors=2)
    assert customers(fresh) == {
        "北京科技有限公司": "01062345678",
        "上海贸易有限公司": "02155556666",
        "广州五金厂": "13812345678",
    }
    batch = batch_id(out)
    stamped = query(fresh, "SELECT count(*) FROM customers WHERE import_batch_id = ?", batch)
    assert stamped == [(3,)]
    assert "Row 6: Same customer as row 3." in out
    assert "Row 7: Name: required, but empty\n" in out
    assert result.stderr == ""  # no progress line without a terminal


def test_error_rows_go_to_the_workbook_given_with_their_cells_and_reason(
    fresh: Path, sheet: Path, tmp_path: Path
) -> None:
    target = tmp_path / "out" / "要修改.xlsx"
    target.parent.mkdir()
    out = ok(fresh, "import", "customers", sheet, "--errors", target)
    assert f"Rows not imported, with the reason: {target}" in out
    rows = read_book(target)
    reasons = [row[-1] for row in rows[1:]]
    assert rows[0] == [*HEADER, rows[0][-1]]
    assert rows[0][-1] == "Error reason"
    assert [row[:-1] for row in rows[1:]] == [
        ["北京科技有限公司", "010-6234 5678", None, None],
        [None, "13800000000", "无名地址", None],  # text stays text: the zeros are kept
    ]
    assert reasons[0] == "Same customer as row 3."
    assert reasons[1] == "Name: required, but empty"
    assert not (sheet.parent / "客户-errors.xlsx").exists()


def test_without_errors_option_the_workbook_goes_next_to_the_file(fresh: Path, sheet: Path) -> None:
    out = ok(fresh, "import", "customers", sheet)
    default = sheet.parent / "客户-errors.xlsx"
    assert f"Rows not imported, with the reason: {default}" in out
    assert len(read_book(default)) == 3  # header + the two error rows


def test_a_clean_file_writes_no_error_workbook(fresh: Path, tmp_path: Path) -> None:
    clean = workbook(
        tmp_path / "clean.xlsx", [["客户名称", "电话"], ["天津港务公司", "02212345678"]]
    )
    out = ok(fresh, "import", "customers", clean)
    assert counts(out) == tally(created=1)
    assert "Rows not imported" not in out
    assert not (tmp_path / "clean-errors.xlsx").exists()


def test_dry_run_prints_the_same_counts_and_writes_nothing(fresh: Path, sheet: Path) -> None:
    not_logins = "SELECT count(*) FROM audit_log WHERE action != 'login'"
    before = query(fresh, not_logins)
    out = ok(fresh, "import", "customers", sheet, "--dry-run")
    assert counts(out) == tally(created=3, errors=2)
    assert "Dry run: nothing written.\n" in out
    assert "Batch:" not in out
    assert customers(fresh) == {}
    assert query(fresh, "SELECT count(*) FROM import_batches") == [(0,)]
    assert query(fresh, not_logins) == before
    assert not (sheet.parent / "客户-errors.xlsx").exists()


def test_dry_run_writes_the_error_workbook_only_when_asked(
    fresh: Path, sheet: Path, tmp_path: Path
) -> None:
    target = tmp_path / "errors.xlsx"
    out = ok(fresh, "import", "customers", sheet, "--dry-run", "--errors", target)
    assert f"Rows not imported, with the reason: {target}" in out
    assert len(read_book(target)) == 3
    assert customers(fresh) == {}


def test_upsert_updates_by_phone_and_undo_restores_count_and_values(
    fresh: Path, tmp_path: Path
) -> None:
    ok(fresh, "customers", "add", "--name", "上海贸易有限公司", "--phone", "021-5555 6666",
       "--address", "旧地址")  # fmt: skip
    before = query(fresh, "SELECT id, name, phone, address, version FROM customers")
    book = workbook(
        tmp_path / "更新.xlsx",
        [
            ["公司名称", "联系电话", "地址"],
            ["上海贸易有限公司（新名）", "021-5555 6666", "上海市浦东新区张江路100号"],
            ["苏州新客户有限公司", "051212345678", None],
        ],
    )
    out = ok(fresh, "import", "customers", book, "--mode", "upsert", "--key", "phone")
    assert "Mode: upsert, matched by phone\n" in out
    assert counts(out) == tally(created=1, updated=1)
    assert len(customers(fresh)) == 2
    assert query(fresh, "SELECT address FROM customers WHERE id = ?", before[0][0]) == [
        ("上海市浦东新区张江路100号",)
    ]

    batch = batch_id(out)
    undone = ok(fresh, "import", "undo", str(batch))
    assert f"Undid import {batch}: 1 records removed, 1 restored" in undone
    after = query(fresh, "SELECT id, name, phone, address, version FROM customers")
    assert [row[:4] for row in after] == [row[:4] for row in before]

    again = run(fresh, "import", "undo", str(batch))
    assert again.returncode == 2
    one_line_error(again)


def test_import_list_shows_each_batch_with_who_what_and_counts(fresh: Path, sheet: Path) -> None:
    batch = batch_id(ok(fresh, "import", "customers", sheet))
    [row] = batches(fresh)
    assert (row["id"], row["file"], row["sheet"], row["kind"], row["mode"], row["status"]) == (
        batch,
        "客户.xlsx",
        "客户资料",
        "customers",
        "create",
        "finished",
    )
    assert (row["created"], row["updated"], row["unchanged"], row["skipped"], row["errors"]) == (
        3, 0, 0, 0, 2
    )  # fmt: skip
    assert row["operator"] in ("boss", "王老板")
    table = ok(fresh, "import", "list")
    assert re.search(
        rf"^{batch}\s+\d{{4}}-\d\d-\d\d \d\d:\d\d\s+\S+\s+客户\.xlsx\s+客户资料\s+"
        r"Customers\s+create\s+finished\s+3\s+0\s+0\s+0\s+2$",
        table,
        re.M,
    ), table
    ok(fresh, "import", "undo", str(batch))
    assert batches(fresh)[0]["status"] == "undone"


def test_a_salesperson_importing_a_colleagues_customer_gets_an_error_row(
    manager: Path, tmp_path: Path
) -> None:
    db = manager
    ok(db, "customers", "add", "--name", "北京科技有限公司", "--phone", "010-6234 5678",
       "--owner", "li")  # fmt: skip
    book = workbook(
        tmp_path / "王五的客户.xlsx",
        [
            ["客户名称", "电话"],
            ["北京科技有限公司", "01099998888"],
            ["天津新客户有限公司", "022-1111"],
        ],
    )
    out = ok(db, "import", "customers", book, "--mode", "upsert", user="wang",
             password=MANAGER_PASSWORD)  # fmt: skip
    assert counts(out) == tally(created=1, errors=1)
    assert "Row 2: 北京科技有限公司 belongs to 李四, outside your data scope." in out
    owners = dict(query(db, "SELECT c.name, o.code FROM customers c "
                            "JOIN operators o ON o.id = c.owner_id"))  # fmt: skip
    assert owners == {"北京科技有限公司": "li", "天津新客户有限公司": "wang"}
    assert customers(db)["北京科技有限公司"] == "010-6234 5678"


def test_without_the_import_permission_the_command_is_refused_with_exit_2(
    fresh: Path, sheet: Path
) -> None:
    result = run(fresh, "import", "customers", sheet, user="li", password=SALES_PASSWORD)
    assert result.returncode == 2
    assert "Import customers" in one_line_error(result)
    assert customers(fresh) == {}
    assert query(fresh, "SELECT count(*) FROM import_batches") == [(0,)]


@pytest.mark.parametrize("name", ["corrupt.xlsx", "picture.xlsx", "empty.xlsx"])
def test_a_damaged_or_fake_workbook_is_refused_naming_the_file(
    fresh: Path, tmp_path: Path, name: str
) -> None:
    path = tmp_path / name
    if name == "corrupt.xlsx":
        copy(name, tmp_path)
    elif name == "picture.xlsx":
        path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    else:
        path.write_bytes(b"")
    result = run(fresh, "import", "customers", path, process=name == "corrupt.xlsx")
    assert result.returncode == 2
    assert name in one_line_error(result)
    assert customers(fresh) == {}


def test_a_text_table_named_xlsx_is_imported_with_a_note_naming_the_file(
    fresh: Path, tmp_path: Path
) -> None:
    result = run(fresh, "import", "customers", copy("fake.xlsx", tmp_path))
    assert result.returncode == 0
    assert "“fake.xlsx” is not an Excel workbook" in result.stdout
    assert set(customers(fresh)) == {"大连星海贸易有限公司", "沈阳北方重工配件厂"}


def test_a_missing_file_and_a_bad_sheet_or_header_row_are_refused_with_exit_2(
    fresh: Path, sheet: Path
) -> None:
    missing = run(fresh, "import", "customers", sheet.with_name("没有.xlsx"))
    assert missing.returncode == 2
    assert "没有.xlsx" in one_line_error(missing)
    wrong_sheet = run(fresh, "import", "customers", sheet, "--sheet", "Sheet9")
    assert wrong_sheet.returncode == 2
    assert "its sheets are: 客户资料" in one_line_error(wrong_sheet)
    for row in ("0", "99"):
        bad_row = run(fresh, "import", "customers", sheet, "--header-row", row)
        assert bad_row.returncode == 2
        one_line_error(bad_row)
    wrong_key = run(fresh, "import", "orders", sheet, "--key", "phone")
    assert wrong_key.returncode == 2
    assert "phone" in one_line_error(wrong_key)
    assert customers(fresh) == {}


def test_a_file_without_a_name_column_is_refused_after_showing_the_mapping(
    fresh: Path, tmp_path: Path
) -> None:
    book = workbook(tmp_path / "电话表.xlsx", [["电话", "地址"], ["13800000000", "某地"]])
    result = run(fresh, "import", "customers", book)
    assert result.returncode == 2
    assert "Name" in one_line_error(result)
    assert "B       地址    address" in result.stdout
    assert customers(fresh) == {}


def test_mapping_json_by_header_and_column_letter_replaces_the_guess(
    fresh: Path, tmp_path: Path
) -> None:
    book = workbook(
        tmp_path / "odd.xlsx", [["甲", "乙", "丙"], ["大连星海贸易有限公司", "x", "0411-8444"]]
    )
    mapping = '{"甲": "name", "C": "phone"}'
    out = ok(fresh, "import", "customers", book, "--header-row", "1", "--mapping", mapping)
    assert re.findall(r"^([A-Z])\s+(\S+)\s+(\w+)\s+\w", out, re.M) == [
        ("A", "甲", "name"),
        ("C", "丙", "phone"),
    ]
    assert "Not imported: B 乙\n" in out
    assert customers(fresh) == {"大连星海贸易有限公司": "0411-8444"}
    unknown = run(fresh, "import", "customers", book, "--header-row", "1",
                  "--mapping", '{"甲": "nickname"}')  # fmt: skip
    assert unknown.returncode == 2
    assert "nickname" in one_line_error(unknown)


def test_sales_history_lines_become_orders_and_undo_takes_them_back(
    fresh: Path, tmp_path: Path
) -> None:
    ok(fresh, "customers", "add", "--name", "上海明达机电设备有限公司")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "销售明细"
    for row in (
        ["订单号", "订单日期", "客户名称", "产品名称", "单价", "数量", "折扣"],
        ["XS-2023-001", date(2023, 5, 1), "上海明达机电设备有限公司", "轴承6205", 12.5, 100, "9折"],
        ["XS-2023-001", date(2023, 5, 1), "上海明达机电设备有限公司", "油封", 3.2, 50, None],
        ["XS-2023-002", "2023/6/2", "上海明达机电设备有限公司", "轴承6205", 12.5, 10, None],
        ["XS-2023-003", "2023/6/3", "不存在的公司", "轴承6205", 12.5, 10, None],
    ):
        sheet.append(row)
    book.save(tmp_path / "销售.xlsx")
    out = ok(fresh, "import", "orders", tmp_path / "销售.xlsx", "--create-missing")
    assert counts(out) == tally(created=3, errors=1)
    assert "Row 5: No customer is named “不存在的公司”." in out
    orders = query(fresh, "SELECT number, order_date, total FROM sales_orders ORDER BY number")
    assert orders == [("XS-2023-001", "2023-05-01", 128500), ("XS-2023-002", "2023-06-02", 12500)]
    assert query(fresh, "SELECT count(*) FROM order_lines") == [(3,)]

    undone = ok(fresh, "import", "undo", str(batch_id(out)))
    assert "4 records removed" in undone  # two orders and the two products they created
    assert query(fresh, "SELECT count(*) FROM sales_orders") == [(0,)]
    assert query(fresh, "SELECT count(*) FROM products") == [(0,)]


# --- the files under tests/data ------------------------------------------------------------------


def test_a_gbk_csv_imports_with_its_chinese_text_and_zeros(fresh: Path, tmp_path: Path) -> None:
    csv_file = copy("customers_gbk.csv", tmp_path)
    # --as after the command, as people also write it
    result = crm("--db", fresh, "import", "customers", csv_file, "--as", "boss",
                 password=BOSS_PASSWORD)  # fmt: skip
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Sheet:" not in out  # a CSV file has no sheets
    assert "Header row: 1 (detected)" in out
    assert counts(out) == tally(created=3)
    rows = query(fresh, "SELECT name, phone, remarks FROM customers ORDER BY id")
    assert rows == [
        ("深圳市鹏程电子有限公司", "0755-26668888", "大客户,月结"),
        ("东莞市长安五金制品厂", "076985551234", None),
        ("佛山市禅城区陶瓷贸易商行", "13600001234", None),
    ]


def test_a_legacy_xls_imports_with_header_row_and_mapping_given(
    fresh: Path, tmp_path: Path
) -> None:
    xls = copy("legacy.xls", tmp_path)
    out = ok(fresh, "import", "customers", xls, "--header-row", "2",
             "--mapping", '{"客户名称": "name", "联系电话": "phone"}')  # fmt: skip
    assert "Sheet: 客户资料\n" in out
    assert "Header row: 2 (as given)" in out
    assert "Not imported: C 成交金额, D 首次成交日期\n" in out
    assert counts(out) == tally(created=3)
    assert customers(fresh) == {
        "北京华信软件有限公司": "01062345678",
        "广州南方食品有限公司": "02087654321",
        "成都天府茶业有限公司": "13512345678",
    }


def test_the_second_sheet_by_name_or_number(fresh: Path, tmp_path: Path) -> None:
    book = copy("customers.xlsx", tmp_path)
    first = ok(fresh, "import", "customers", book, "--sheet", "1", "--header-row", "3")
    assert "Sheet: 客户 (sheets: 客户, 联系人)\n" in first
    assert "Header row: 3 (as given)" in first
    assert counts(first) == tally(created=6, errors=1)
    assert "Row 11: " in first
    contacts = ok(fresh, "import", "contacts", book, "--sheet", "2")
    assert "Sheet: 联系人 (sheets: 客户, 联系人)\n" in contacts
    assert counts(contacts) == tally(created=3)
    named = query(fresh, "SELECT c.name, k.name FROM contacts k "
                         "JOIN customers c ON c.id = k.customer_id ORDER BY k.id")  # fmt: skip
    assert named == [
        ("上海明达机电设备有限公司", "王伟"),
        ("杭州青禾贸易有限公司", "李娜"),
        ("苏州恒通精密制造有限公司", "陈静"),
    ]


def test_fields_lists_what_a_column_can_be_mapped_to(fresh: Path) -> None:
    result = crm("import", "fields", "customers")
    assert result.returncode == 0, result.stderr
    name = next(line for line in result.stdout.splitlines() if line.startswith("name "))
    assert re.match(r"name\s+Name\s+text\s+yes\s+客户名称, 公司名称", name)
    assert "Matched by: name, phone, code" in result.stdout
    as_json = json.loads(crm("import", "fields", "orders", "--format", "json").stdout)
    required = {row["field"] for row in as_json if row["required"]}
    assert {"order_date", "customer"} <= required


# --- Ctrl+C and progress -------------------------------------------------------------------------


def test_ctrl_c_halfway_cancels_with_130_and_leaves_nothing(
    fresh: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [["客户名称", "电话"]] + [[f"批量客户{n:04d}", f"138{n:08d}"] for n in range(1000)]
    book = workbook(tmp_path / "大表.xlsx", rows)
    monkeypatch.setattr(targets_base, "CHUNK_ROWS", 100)  # ten write transactions
    real_run = engine.run_import

    def pressed_at_half(*args: Any, progress: Callable[[int, int], bool], **kwargs: Any) -> Any:
        def at_half(done: int, total: int) -> bool:
            if 2 * done >= total > 0 and not pressed:
                pressed.append(done)
                signal.raise_signal(signal.SIGINT)  # the handler runs before this returns
            return progress(done, total)

        pressed: list[int] = []
        return real_run(*args, progress=at_half, **kwargs)

    monkeypatch.setattr(engine, "run_import", pressed_at_half)
    result = run(fresh, "import", "customers", book)
    assert result.returncode == 130, result.stderr + result.stdout
    assert "cancelled" in result.stderr.lower()
    assert customers(fresh) == {}
    assert query(fresh, "SELECT count(*) FROM import_changes") == [(0,)]
    assert [row["status"] for row in batches(fresh)] in ([], ["cancelled"])
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # handler put back


def test_a_terminal_sees_a_progress_line_on_stderr(fresh: Path, sheet: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
    env["CRM_PASSWORD"] = BOSS_PASSWORD
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "crm_desktop.cli", "--lang", "en", "--db", str(fresh), "--as",
         "boss", "import", "customers", str(sheet)],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=follower, env=env,
    )  # fmt: skip
    os.close(follower)
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    os.close(leader)
    stdout = process.stdout.read() if process.stdout else b""
    assert process.wait() == 0, seen
    assert "Customers: 5 of 5 rows" in seen.decode()
    assert counts(stdout.decode()) == tally(created=3, errors=2)


# --- the README ----------------------------------------------------------------------------------


def test_the_readme_import_example_runs_end_to_end(fresh: Path, tmp_path: Path) -> None:
    """Every `crm … import …` and `crm … export …` line of README.md, in order, on the files
    it names."""
    copy("customers.xlsx", tmp_path, "客户.xlsx")
    copy("legacy.xls", tmp_path, "老系统.xls")
    example = re.compile(r"crm --db office\.db .* (import|export) ")
    readme = README.read_text(encoding="utf-8").splitlines()
    lines = [line for line in readme if example.match(line)]
    assert len(lines) >= 6
    outputs = []
    cwd = Path.cwd()
    os.chdir(tmp_path)
    try:
        for line in lines:
            words = shlex.split(line, comments=True)
            assert words[:3] == ["crm", "--db", "office.db"]
            result = crm("--db", fresh, *words[3:], password=BOSS_PASSWORD)
            assert result.returncode == 0, f"{line}\n{result.stderr}{result.stdout}"
            outputs.append(result.stdout)
    finally:
        os.chdir(cwd)
    by_command = dict(zip(lines, outputs, strict=True))
    dry, upsert, contacts, legacy = (
        next(out for line, out in by_command.items() if marker in line)
        for marker in ("--dry-run", "--mode upsert", "import contacts", "老系统.xls")
    )
    assert counts(dry) == counts(upsert) == tally(created=6, errors=1)
    assert counts(contacts) == tally(created=3)
    assert counts(legacy) == tally(created=3)
    assert batch_id(legacy) == 3
    undo = next(out for line, out in by_command.items() if " import undo " in line)
    assert "Undid import 3: 3 records removed" in undo
    assert len(customers(fresh)) == 6
    assert (tmp_path / "customers.xlsx").is_file()  # the export line, after the imports
