"""The import wizard driven like a person would: real workbooks, the real engine, a real database.

Files are real: tests/data/customers.xlsx (a banner and an instruction row above the header, a
number-formatted code, an impossible date on line 11) copied to tmp_path so the error workbook
lands there, and workbooks built here with openpyxl.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QWizard
from pytestqt.qtbot import QtBot

from crm_desktop.core.actor import Actor
from crm_desktop.core.db import Database
from crm_desktop.core.importing.model import (
    ImportKind,
    ImportMode,
    ImportRequest,
    MatchKey,
    RowAction,
)
from crm_desktop.core.models import Customer
from crm_desktop.core.services import customers
from crm_desktop.ui.importing import common
from crm_desktop.ui.importing.common import HEADER_BACKGROUND, PROBLEM_BACKGROUND
from crm_desktop.ui.importing.wizard import (
    MAPPING,
    PREVIEW,
    RESULT,
    RUN,
    SHEET,
    ImportWizard,
)
from crm_desktop.ui.settings import SettingsArea
from tests.conftest import MakeOperator
from tests.gui.settings_helpers import Answers, Notified, answers, make_ctx  # noqa: F401

DATA = Path(__file__).resolve().parents[1] / "data"
NEXT = QWizard.WizardButton.NextButton
COMMIT = QWizard.WizardButton.CommitButton


# --- files ---------------------------------------------------------------------------------------


@pytest.fixture
def legacy_sheet(tmp_path: Path) -> Path:
    """tests/data/customers.xlsx, copied where the error workbook may be written."""
    target = tmp_path / "customers.xlsx"
    shutil.copyfile(DATA / "customers.xlsx", target)
    return target


def workbook(path: Path, rows: list[list[Any]], title: str | None = "客户名单") -> Path:
    """A one-sheet workbook: an optional title row, then `rows` (the first is the header)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "客户"
    if title:
        sheet.append([title])
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def many_customers(path: Path, count: int) -> Path:
    rows: list[list[Any]] = [["客户名称", "电话", "地区"]]
    rows += [[f"测试客户{n:05d}有限公司", f"138{n:08d}", "华东"] for n in range(count)]
    return workbook(path, rows)


# --- driving the wizard --------------------------------------------------------------------------


@pytest.fixture
def wizards(qtbot: QtBot) -> Iterator[list[ImportWizard]]:
    made: list[ImportWizard] = []
    yield made
    for wizard in made:  # never leave an import running into the next test
        if wizard.run_page.running:
            wizard.run_page.cancel()
            qtbot.waitUntil(lambda w=wizard: not w.run_page.running, timeout=20_000)


@pytest.fixture
def open_wizard(
    qtbot: QtBot, db: Database, wizards: list[ImportWizard]
) -> Callable[..., tuple[ImportWizard, Notified]]:
    def make(
        actor: Actor, kind: ImportKind = ImportKind.CUSTOMERS
    ) -> tuple[ImportWizard, Notified]:
        ctx, notified = make_ctx(db, actor)
        wizard = ImportWizard(ctx, kind)
        qtbot.addWidget(wizard)
        wizards.append(wizard)
        wizard.show()
        return wizard, notified

    return make


def press(qtbot: QtBot, wizard: ImportWizard, which: QWizard.WizardButton = NEXT) -> None:
    button = wizard.button(which)
    assert button.isEnabled(), f"{button.text()} is disabled on page {wizard.currentId()}"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def to_sheet(qtbot: QtBot, wizard: ImportWizard, path: Path) -> None:
    wizard.file_page.path_edit.setText(str(path))
    press(qtbot, wizard)
    assert wizard.currentId() == SHEET
    qtbot.waitUntil(lambda: not wizard.sheet_page.loading, timeout=10_000)


def to_mapping(qtbot: QtBot, wizard: ImportWizard, path: Path) -> None:
    to_sheet(qtbot, wizard, path)
    press(qtbot, wizard)
    assert wizard.currentId() == MAPPING


@pytest.fixture
def legacy_sheet_page(
    qtbot: QtBot, boss: Actor, legacy_sheet: Path, open_wizard: Any
) -> ImportWizard:
    """The boss's wizard on the sheet page of tests/data/customers.xlsx."""
    wizard, _notified = open_wizard(boss)
    to_sheet(qtbot, wizard, legacy_sheet)
    return wizard


@pytest.fixture
def legacy_mapping(qtbot: QtBot, legacy_sheet_page: ImportWizard) -> ImportWizard:
    """The same wizard a page on, where the columns are mapped."""
    press(qtbot, legacy_sheet_page)
    assert legacy_sheet_page.currentId() == MAPPING
    return legacy_sheet_page


def to_preview(qtbot: QtBot, wizard: ImportWizard, path: Path) -> None:
    to_mapping(qtbot, wizard, path)
    press(qtbot, wizard)
    assert wizard.currentId() == PREVIEW
    wait_preview(qtbot, wizard)


def wait_preview(qtbot: QtBot, wizard: ImportWizard) -> None:
    qtbot.waitUntil(
        lambda: not wizard.preview_page.loading and wizard.preview_page.preview is not None,
        timeout=10_000,
    )


def run(qtbot: QtBot, wizard: ImportWizard) -> None:
    press(qtbot, wizard, COMMIT)
    assert wizard.currentId() in (RUN, RESULT)
    qtbot.waitUntil(lambda: wizard.currentId() == RESULT, timeout=20_000)


def stored_names(db: Database) -> list[str]:
    with db.read() as session:
        return sorted(name for (name,) in session.query(Customer.name))


def field_of(wizard: ImportWizard, column: int) -> Any:
    return wizard.mapping_page.combos[column].currentData()


# --- pages ---------------------------------------------------------------------------------------


def test_the_header_row_is_found_below_the_title_rows_and_highlighted(
    qtbot: QtBot, legacy_sheet_page: ImportWizard
) -> None:
    wizard = legacy_sheet_page
    page = wizard.sheet_page
    assert page.header_spin.value() == 3  # line 3, below the banner and the instructions
    assert page.table.item(2, 0).background().color() == HEADER_BACKGROUND
    assert page.table.item(0, 0).text() == "华东区客户名单（2023年整理）"
    assert [page.sheet_combo.itemText(i) for i in range(page.sheet_combo.count())] == [
        "客户",
        "联系人",
    ]
    assert page.sheet_combo.isVisibleTo(wizard)


def test_clicking_a_row_makes_it_the_header_row(
    qtbot: QtBot, legacy_sheet_page: ImportWizard
) -> None:
    wizard = legacy_sheet_page
    page = wizard.sheet_page
    page.table.cellClicked.emit(1, 0)  # the instruction row
    assert page.header_spin.value() == 2
    assert wizard.state.header_row == 1
    page.header_spin.setValue(3)  # typed back
    assert wizard.state.header_row == 2
    press(qtbot, wizard)
    assert field_of(wizard, 0) == "name"


def test_columns_are_suggested_from_chinese_headers_with_marks_and_notes(
    legacy_mapping: ImportWizard,
) -> None:
    wizard = legacy_mapping
    page = wizard.mapping_page
    # *客户名称, 客户编号\n(选填), 地区, ＊电话\n（必填）
    assert [field_of(wizard, c) for c in range(4)] == ["name", "code", "region", "phone"]
    assert page.table.item(1, 1).text() == "客户编号"
    assert page.table.item(1, 2).text() == "00101"  # the first sample, zeros kept
    assert page.table.item(1, 3).text() == "00102"  # a number shown with format 00000
    assert page.missing.isHidden()


def test_a_required_field_left_out_is_named_in_red(legacy_mapping: ImportWizard) -> None:
    wizard = legacy_mapping
    page = wizard.mapping_page
    page.combos[0].setCurrentIndex(0)  # — do not import —
    assert not page.missing.isHidden()
    assert "Name" in page.missing.text()
    assert 0 not in wizard.state.mapping


def test_import_waits_until_the_required_fields_are_mapped(
    qtbot: QtBot, legacy_mapping: ImportWizard
) -> None:
    wizard = legacy_mapping
    wizard.mapping_page.combos[0].setCurrentIndex(0)  # 客户名称: — do not import —
    press(qtbot, wizard)
    wait_preview(qtbot, wizard)
    assert "Name" in wizard.preview_page.problem.text()
    assert not wizard.button(COMMIT).isEnabled()


def test_a_field_is_taken_by_one_column_at_most(legacy_mapping: ImportWizard) -> None:
    wizard = legacy_mapping
    combo = wizard.mapping_page.combos[5]  # 地址
    combo.setCurrentIndex(combo.findData("name"))
    assert field_of(wizard, 5) == "name"
    assert field_of(wizard, 0) is None


def test_a_saved_template_maps_the_columns_again(
    qtbot: QtBot, legacy_mapping: ImportWizard, monkeypatch: pytest.MonkeyPatch
) -> None:
    wizard = legacy_mapping
    page = wizard.mapping_page
    page.combos[7].setCurrentIndex(page.combos[7].findData("address"))  # 备注 as address
    monkeypatch.setattr(common, "ask_template_name", lambda _parent, _suggested="": "老表格")
    qtbot.mouseClick(page.save_template_button, Qt.MouseButton.LeftButton)
    assert page.template_combo.currentText() == "老表格"
    page.combos[7].setCurrentIndex(0)
    page.template_combo.activated.emit(page.template_combo.currentIndex())
    assert field_of(wizard, 7) == "address"
    assert field_of(wizard, 5) is None  # 地址 gave way to the template's choice


def test_the_preview_shows_a_bad_date_in_red_and_missing_regions(
    qtbot: QtBot, boss: Actor, tmp_path: Path, open_wizard: Any
) -> None:
    path = workbook(
        tmp_path / "new.xlsx",
        [
            ["客户名称", "电话", "地区", "下次跟进日期"],
            ["兰州黄河机械有限公司", "09318881234", "西北", "2023/5/1"],
            ["西宁高原贸易有限公司", "09716661234", "西北", "2023-02-30"],
            ["上海浦江电子有限公司", "02166667777", "华东", "2023年6月1日"],
        ],
    )
    wizard, _notified = open_wizard(boss)
    to_preview(qtbot, wizard, path)
    page = wizard.preview_page
    model = page.model
    assert [plan.line for plan in model.plans] == [3, 4, 5]
    assert [model.index(r, 1).data() for r in range(3)] == ["Error", "Error", "Create"]
    date_column = 2 + [spec.key for spec in model.fields].index("next_followup_on")
    region_column = 2 + [spec.key for spec in model.fields].index("region")
    bad = model.index(1, date_column)
    assert bad.data(Qt.ItemDataRole.BackgroundRole).color() == PROBLEM_BACKGROUND
    assert bad.data(Qt.ItemDataRole.ToolTipRole)
    assert bad.data() == "2023-02-30"  # what the sheet holds
    assert model.index(2, date_column).data() == "2023-06-01"  # as it will be stored
    unknown = model.index(0, region_column)
    assert unknown.data(Qt.ItemDataRole.BackgroundRole).color() == PROBLEM_BACKGROUND
    assert "西北" in page.missing_label.text()
    assert "1 to create" in page.counts.text()
    assert "2 with errors" in page.counts.text()

    page.create_missing.click()  # create 西北 in the base data
    wait_preview(qtbot, wizard)
    assert [model.index(r, 1).data() for r in range(3)] == ["Create", "Error", "Create"]
    assert model.index(0, region_column).data(Qt.ItemDataRole.BackgroundRole) is None
    assert "2 to create" in page.counts.text()


def test_only_the_match_keys_of_the_kind_are_offered(
    qtbot: QtBot, boss: Actor, legacy_sheet: Path, open_wizard: Any
) -> None:
    from crm_desktop.core.importing.fields import MATCH_KEYS

    wizard, _notified = open_wizard(boss)
    to_preview(qtbot, wizard, legacy_sheet)
    assert list(wizard.preview_page.key_buttons) == list(MATCH_KEYS[ImportKind.CUSTOMERS])


def test_a_csv_file_has_no_sheet_to_choose(qtbot: QtBot, boss: Actor, open_wizard: Any) -> None:
    wizard, _notified = open_wizard(boss)
    to_sheet(qtbot, wizard, DATA / "customers_gbk.csv")
    page = wizard.sheet_page
    assert not page.sheet_combo.isVisibleTo(wizard)
    assert page.header_spin.value() == 1
    press(qtbot, wizard)
    assert field_of(wizard, 0) == "name"
    assert wizard.mapping_page.table.item(0, 2).text() == "深圳市鹏程电子有限公司"


def test_a_text_table_named_xlsx_is_read_and_the_page_says_so(
    qtbot: QtBot, boss: Actor, open_wizard: Any
) -> None:
    wizard, _notified = open_wizard(boss)
    to_sheet(qtbot, wizard, DATA / "fake.xlsx")
    assert "fake.xlsx" in wizard.sheet_page.problem.text()
    assert "not an Excel workbook" in wizard.sheet_page.problem.text()
    assert wizard.button(NEXT).isEnabled()


def test_a_file_that_is_not_a_workbook_is_named_on_the_page(
    qtbot: QtBot, boss: Actor, tmp_path: Path, open_wizard: Any
) -> None:
    broken = tmp_path / "broken.xlsx"
    shutil.copyfile(DATA / "corrupt.xlsx", broken)
    wizard, _notified = open_wizard(boss)
    to_sheet(qtbot, wizard, broken)
    assert "broken.xlsx" in wizard.sheet_page.problem.text()
    assert not wizard.button(NEXT).isEnabled()


# --- running -------------------------------------------------------------------------------------


def test_the_import_stores_the_good_rows_and_writes_the_bad_ones_to_a_workbook(
    qtbot: QtBot,
    db: Database,
    boss: Actor,
    legacy_sheet: Path,
    open_wizard: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    wizard, notified = open_wizard(boss)
    to_preview(qtbot, wizard, legacy_sheet)
    run(qtbot, wizard)
    result = wizard.result
    assert result is not None and result.batch_id is not None
    page = wizard.result_page
    assert page.count_labels["created"].text() == "6"
    assert page.count_labels["errors"].text() == "1"
    assert len(stored_names(db)) == 6
    assert "customers" in notified.kinds()
    assert result.error_file == legacy_sheet.parent / "customers-errors.xlsx"
    assert result.error_file.exists()
    opened: list[Path] = []
    monkeypatch.setattr(common, "open_file", lambda path: opened.append(path) or True)
    qtbot.mouseClick(page.open_errors_button, Qt.MouseButton.LeftButton)
    assert opened == [result.error_file]
    assert page.problems.item(0, 0).text() == "11"


def test_update_mode_changes_only_what_matches(
    qtbot: QtBot, db: Database, boss: Actor, tmp_path: Path, open_wizard: Any
) -> None:
    customers.create_customer(db, boss, {"name": "上海浦江电子有限公司", "phone": "021-1"})
    path = workbook(
        tmp_path / "update.xlsx",
        [
            ["客户名称", "电话"],
            ["上海浦江电子有限公司", "02166667777"],
            ["不存在的公司", "02100000000"],
        ],
    )
    wizard, _notified = open_wizard(boss)
    to_preview(qtbot, wizard, path)
    page = wizard.preview_page
    page.set_mode(ImportMode.UPDATE)
    wait_preview(qtbot, wizard)
    assert [plan.action for plan in page.model.plans] == [RowAction.UPDATE, RowAction.SKIP]
    run(qtbot, wizard)
    assert wizard.result is not None
    assert (wizard.result.updated, wizard.result.skipped) == (1, 1)
    assert stored_names(db) == ["上海浦江电子有限公司"]


def test_cancel_during_the_run_leaves_nothing(
    qtbot: QtBot,
    db: Database,
    boss: Actor,
    tmp_path: Path,
    open_wizard: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    wizard, notified = open_wizard(boss)
    go_on = import_paused_halfway(qtbot, wizard, tmp_path, monkeypatch)
    assert wizard.run_page.running
    qtbot.mouseClick(wizard.run_page.cancel_button, Qt.MouseButton.LeftButton)
    go_on.set()
    qtbot.waitUntil(lambda: not wizard.run_page.running, timeout=20_000)
    assert wizard.currentId() == RUN
    assert "cancelled" in wizard.run_page.label.text()
    assert stored_names(db) == []
    assert notified.changes == []
    assert latest_batch_status(db, boss) == "cancelled"


def test_esc_while_importing_asks_then_cancels_and_closes(
    qtbot: QtBot,
    db: Database,
    boss: Actor,
    tmp_path: Path,
    open_wizard: Any,
    answers: Answers,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    wizard, _notified = open_wizard(boss)
    go_on = import_paused_halfway(qtbot, wizard, tmp_path, monkeypatch)
    qtbot.keyClick(wizard, Qt.Key.Key_Escape)
    assert answers.questions and "running" in answers.questions[0]
    assert wizard.isVisible()  # still there until the import has stopped
    go_on.set()
    qtbot.waitUntil(lambda: not wizard.isVisible(), timeout=20_000)
    assert stored_names(db) == []


def test_undo_on_the_result_page_takes_the_import_back(
    qtbot: QtBot,
    db: Database,
    boss: Actor,
    legacy_sheet: Path,
    open_wizard: Any,
    answers: Answers,  # noqa: F811
) -> None:
    wizard, notified = open_wizard(boss)
    to_preview(qtbot, wizard, legacy_sheet)
    run(qtbot, wizard)
    notified.changes.clear()
    page = wizard.result_page
    qtbot.mouseClick(page.undo_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.undo_operation is not None and page.undo_operation.done)
    assert stored_names(db) == []
    assert "6 records removed" in page.status.text()
    assert not page.undo_button.isEnabled()
    assert "customers" in notified.kinds()


# --- import history ------------------------------------------------------------------------------


@pytest.fixture
def legacy_batch(db: Database, boss: Actor, legacy_sheet: Path) -> int:
    """tests/data/customers.xlsx imported by the boss through the engine: the batch's id."""
    from crm_desktop.core.importing import engine

    result = engine.run_import(db, boss, ImportRequest(ImportKind.CUSTOMERS, legacy_sheet))
    assert result.batch_id is not None
    return result.batch_id


@pytest.fixture
def open_history(qtbot: QtBot, db: Database) -> Iterator[Callable[[Actor], tuple[Any, Notified]]]:
    areas: list[SettingsArea] = []  # qtbot holds widgets weakly: keep the area alive

    def make(actor: Actor) -> tuple[Any, Notified]:
        ctx, notified = make_ctx(db, actor)
        area = SettingsArea(ctx)
        qtbot.addWidget(area)
        areas.append(area)
        area.resize(1100, 700)
        area.show()
        return area.show_page("import_history"), notified

    yield make


def undo_selected(qtbot: QtBot, page: Any) -> None:
    """Press Undo on the import history's selected batch and wait until it has run."""
    page.list.action("undo").trigger()
    qtbot.waitUntil(lambda: page.operation is not None and page.operation.done, timeout=10_000)


def test_undo_from_the_import_history(
    qtbot: QtBot,
    db: Database,
    boss: Actor,
    legacy_batch: int,
    open_history: Any,
    answers: Answers,  # noqa: F811
    boxes: list[Any],
) -> None:
    page, notified = open_history(boss)
    assert page.list.select_key(legacy_batch)
    assert page.list.selected_row().filename == "customers.xlsx"
    undo_selected(qtbot, page)
    assert answers.questions and "customers.xlsx" in answers.questions[0]
    assert answers.errors == []
    assert stored_names(db) == []
    assert page.list.selected_row().status == "undone"
    assert not page.list.action("undo").isEnabled()
    assert "customers" in notified.kinds()
    assert boxes and "6 records removed" in boxes[-1].text


def test_undo_is_refused_readably_when_a_record_was_edited_since(
    qtbot: QtBot,
    db: Database,
    boss: Actor,
    legacy_batch: int,
    open_history: Any,
    answers: Answers,  # noqa: F811
) -> None:
    row = customers.list_customers(db, boss, customers.CustomerFilter(search="南京瑞丰"))[0]
    version = customers.get_customer(db, boss, row.id)["version"]
    customers.update_customer(db, boss, row.id, version, {"remarks": "改过了"})
    page, _notified = open_history(boss)
    page.list.select_key(legacy_batch)
    undo_selected(qtbot, page)
    assert len(answers.errors) == 1 and "南京瑞丰科技有限公司" in answers.errors[0]
    assert len(stored_names(db)) == 6


# --- who may import what -------------------------------------------------------------------------


def test_a_sales_manager_is_offered_only_the_kinds_they_may_import(
    qtbot: QtBot, make_operator: MakeOperator, open_wizard: Any
) -> None:
    manager = make_operator("mgr", "sales_manager")
    wizard, _notified = open_wizard(manager)
    assert list(wizard.file_page.kind_buttons) == [
        ImportKind.CUSTOMERS,
        ImportKind.CONTACTS,
        ImportKind.ORDERS,
        ImportKind.LEADS,  # sales managers import leads too (leads.import); products: no
    ]


def test_the_customers_tab_opens_the_wizard_for_whoever_may_import(
    qtbot: QtBot, db: Database, boss: Actor, make_operator: MakeOperator
) -> None:
    from crm_desktop.ui.customers.tab import CustomersTab

    ctx, _notified = make_ctx(db, boss)
    tab = CustomersTab(ctx)
    qtbot.addWidget(tab)
    tab.page.action("import").trigger()
    assert isinstance(tab.dialog, ImportWizard)
    assert tab.dialog.file_page.kind_buttons[ImportKind.CUSTOMERS].isChecked()
    tab.dialog.reject()
    li_ctx, _ = make_ctx(db, make_operator("li", "salesperson"))
    li_tab = CustomersTab(li_ctx)
    qtbot.addWidget(li_tab)
    assert "import" not in li_tab.page.actions_by_key


# --- helpers -------------------------------------------------------------------------------------


def import_paused_halfway(
    qtbot: QtBot, wizard: ImportWizard, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> threading.Event:
    """Start importing 200 customers and hold the engine's progress hook mid-run until the test
    sets the returned event (no sleeping): the test presses Cancel meanwhile, so the next
    progress call returns False."""
    from crm_desktop.core.importing import engine
    from crm_desktop.core.importing.targets import base

    monkeypatch.setattr(base, "CHUNK_ROWS", 50)  # several write transactions for 200 rows
    real = engine.run_import
    reached, go_on = threading.Event(), threading.Event()

    def paused(db: Database, actor: Actor, request: ImportRequest, **options: Any) -> Any:
        outer = options.pop("progress")

        def hook(done: int, total: int) -> bool:
            if 0 < done < total and not reached.is_set():
                reached.set()
                go_on.wait(20)
            return outer(done, total)

        return real(db, actor, request, progress=hook, **options)

    monkeypatch.setattr(engine, "run_import", paused)
    to_preview(qtbot, wizard, many_customers(tmp_path / "many.xlsx", 200))
    press(qtbot, wizard, COMMIT)
    qtbot.waitUntil(reached.is_set, timeout=20_000)
    return go_on


def latest_batch_status(db: Database, actor: Actor) -> str:
    from crm_desktop.core.importing import batches

    return batches.list_batches(db, actor)[0].status


def test_products_are_imported_from_the_products_page_by_code(
    qtbot: QtBot, db: Database, boss: Actor, tmp_path: Path, wizards: list[ImportWizard]
) -> None:
    from crm_desktop.core.services import products
    from crm_desktop.ui.settings.products_page import ProductsPage

    path = workbook(
        tmp_path / "products.xlsx",
        [["产品编码", "产品名称", "规格", "单价"], ["00017", "六角螺栓", "M8×30", "¥1,234.50"]],
        title=None,
    )
    ctx, notified = make_ctx(db, boss)
    page = ProductsPage(ctx)
    qtbot.addWidget(page)
    page.list.action("import").trigger()
    wizard = page.wizard
    wizards.append(wizard)
    assert wizard.file_page.kind_buttons[ImportKind.PRODUCTS].isChecked()
    to_preview(qtbot, wizard, path)
    assert wizard.preview_page.key_buttons[MatchKey.CODE].isChecked()
    run(qtbot, wizard)
    stored = products.list_products(db, boss)
    assert [(p["code"], p["name"], p["unit_price"]) for p in stored] == [
        ("00017", "六角螺栓", Decimal("1234.50"))
    ]
    assert "products" in notified.kinds()  # the open lists reload on it


def test_a_dropped_file_is_taken_and_its_folder_remembered(
    qtbot: QtBot, boss: Actor, legacy_sheet: Path, open_wizard: Any
) -> None:
    wizard, _notified = open_wizard(boss)
    page = wizard.file_page
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(legacy_sheet))])
    drop = QDropEvent(
        QPointF(20, 20),
        Qt.DropAction.CopyAction,
        data,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    page.dropEvent(drop)
    assert page.path_edit.text() == str(legacy_sheet)
    assert "customers.xlsx" in page.drop_zone.text()
    press(qtbot, wizard)
    assert common.recent_folder() == str(legacy_sheet.parent)


def test_the_wizard_remembers_its_size(qtbot: QtBot, boss: Actor, open_wizard: Any) -> None:
    wizard, _notified = open_wizard(boss)
    wizard.resize(720, 530)  # the offscreen screen is 800×600
    wizard.reject()
    again, _notified = open_wizard(boss)
    assert (again.width(), again.height()) == (720, 530)


def test_interrupted_imports_are_taken_back_after_login(
    qtbot: QtBot, boss: Actor, db_path: Path, launch: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from crm_desktop.core.importing import batches
    from crm_desktop.ui.status_bar import StatusBar
    from tests.conftest import BOSS_PASSWORD

    called: list[Any] = []
    notices: list[str] = []
    monkeypatch.setattr(batches, "recover_interrupted", lambda db: called.append(db) or [7])
    monkeypatch.setattr(StatusBar, "notice", lambda _bar, text: notices.append(text))
    launcher = launch(db_path, user="boss", password=BOSS_PASSWORD)
    qtbot.waitUntil(lambda: any("interrupted import" in text for text in notices))
    assert called == [launcher.db]


def test_sales_history_preview_reads_like_the_sheet_and_imports_whole_orders(
    qtbot: QtBot, db: Database, boss: Actor, tmp_path: Path, open_wizard: Any
) -> None:
    from crm_desktop.core.services import orders
    from tests.sales_fixtures import make_customer, make_product

    make_customer(db, boss, "佛山长虹建材商行")
    make_product(db, boss, "P-1001", "不锈钢合页", "12.50")
    path = workbook(
        tmp_path / "history.xlsx",
        [
            ["单据编号", "日期", "客户名称", "产品编码", "单价", "数量", "折扣"],
            ["XS2022-0001", "2022/3/1", "佛山长虹建材商行", "P-1001", 12.5, 100, "9折"],
            ["XS2022-0001", "2022/3/1", "佛山长虹建材商行", "P-1001", 12.5, 2.5, None],
        ],
    )
    wizard, notified = open_wizard(boss, ImportKind.ORDERS)
    to_preview(qtbot, wizard, path)
    model = wizard.preview_page.model
    column = {spec.key: n + 2 for n, spec in enumerate(model.fields)}
    assert model.index(0, column["discount"]).data() == "10%"  # 9折: ten per cent off
    assert model.index(0, column["quantity"]).data() == "100"
    assert model.index(1, column["quantity"]).data() == "2.5"
    assert model.index(0, column["unit_price"]).data() == "12.50"
    run(qtbot, wizard)
    assert wizard.result is not None and wizard.result.created >= 1
    assert orders.count_orders(db, boss, orders.OrderFilter()) == 1
    assert "orders" in notified.kinds()
