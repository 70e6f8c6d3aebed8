"""The lines editor driven by keyboard: amounts and totals exact to the cent while typing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QAbstractItemView, QLineEdit
from pytestqt.qtbot import QtBot

from crm_desktop.core.services.sales_common import DocumentLine
from crm_desktop.ui.sales.lines_editor import (
    CODE,
    DESCRIPTION,
    DISCOUNT,
    PRICE,
    QUANTITY,
    CatalogueItem,
    LinesEditor,
)

CATALOGUE = [
    CatalogueItem(1, "P001", "不锈钢螺栓", "个", Decimal("12.50")),
    CatalogueItem(2, "P002", "Hex nut", "box", Decimal("0.10")),
    CatalogueItem(3, "C100", "Office chair", "pc", Decimal("399.00")),
]


@pytest.fixture
def editor(qtbot: QtBot) -> LinesEditor:
    widget = LinesEditor(catalogue=CATALOGUE)
    qtbot.addWidget(widget)
    widget.resize(900, 400)
    widget.show()
    qtbot.waitExposed(widget)
    widget.set_tax_rate_bp(0)
    return widget


def cell_editor(editor: LinesEditor) -> QLineEdit:
    """The editor open in the table (the cell being typed in)."""
    open_editors = [w for w in editor.table.viewport().findChildren(QLineEdit) if w.isVisible()]
    assert open_editors, "no cell is being edited"
    return open_editors[-1]


def press_enter(qtbot: QtBot, editor: LinesEditor, field: QLineEdit) -> None:
    """Enter in a cell: the view writes the text and closes the cell (a moment later)."""
    qtbot.keyClick(field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: editor.table.state() != QAbstractItemView.State.EditingState)


def type_cell(qtbot: QtBot, editor: LinesEditor, row: int, column: int, text: str) -> None:
    """Select a cell, type over it and press Enter, as a person would."""
    index = editor.model.index(row, column)
    editor.table.setCurrentIndex(index)
    editor.table.edit(index)
    field = cell_editor(editor)
    field.selectAll()
    qtbot.keyClicks(field, text)
    press_enter(qtbot, editor, field)


def add_line(
    qtbot: QtBot, editor: LinesEditor, name: str, quantity: str, price: str, discount: str = ""
) -> int:
    qtbot.keyClick(editor.table, Qt.Key.Key_Insert)
    row = editor.current_row()
    field = cell_editor(editor)
    qtbot.keyClicks(field, name)
    press_enter(qtbot, editor, field)
    type_cell(qtbot, editor, row, QUANTITY, quantity)
    type_cell(qtbot, editor, row, PRICE, price)
    if discount:
        type_cell(qtbot, editor, row, DISCOUNT, discount)
    return row


def shown(editor: LinesEditor, row: int, column: int) -> str:
    return str(editor.model.index(row, column).data())


def test_point_one_plus_point_two_is_exactly_point_three(qtbot: QtBot, editor: LinesEditor) -> None:
    add_line(qtbot, editor, "Cable tie", "1", "0.10")
    add_line(qtbot, editor, "Washer", "1", "0.20")

    assert editor.totals().subtotal == Decimal("0.30")
    assert editor.subtotal_label.text() == "Subtotal 0.30"
    assert [line.quantity for line in editor.lines()] == [Decimal(1), Decimal(1)]
    assert [line.unit_price for line in editor.lines()] == [Decimal("0.10"), Decimal("0.20")]


def test_discount_and_tax_are_rounded_to_the_cent_once(qtbot: QtBot, editor: LinesEditor) -> None:
    row = add_line(qtbot, editor, "Desk lamp", "3", "33.33", "10")
    assert shown(editor, row, DISCOUNT) == "10"
    assert shown(editor, row, 6) == "89.99"  # 99.99 less 10 % = 89.991
    add_line(qtbot, editor, "Bulb", "7", "0.15", "12.5")  # 1.05 less 12.5 % = 0.91875

    editor.tax_rate.setCurrentIndex(editor.tax_rate.findText("13%"))

    totals = editor.totals()
    assert totals.subtotal == Decimal("90.91")
    assert totals.tax == Decimal("11.82")  # 11.8183
    assert totals.total == Decimal("102.73")
    assert editor.total_label.text() == "Total ¥102.73"
    assert [line.discount_bp for line in editor.lines()] == [1000, 1250]


def test_many_awkward_lines_add_up_in_cents(qtbot: QtBot, editor: LinesEditor) -> None:
    for _ in range(10):
        add_line(qtbot, editor, "Screw", "0.1", "0.10")  # 0.01 each

    assert editor.totals().subtotal == Decimal("0.10")


def test_picking_a_product_fills_the_line_and_moves_to_the_quantity(
    qtbot: QtBot, editor: LinesEditor
) -> None:
    qtbot.keyClick(editor.table, Qt.Key.Key_Insert)
    field = cell_editor(editor)
    qtbot.keyClicks(field, "nut")
    popup = field.completer().popup()
    qtbot.waitUntil(popup.isVisible)
    qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Return)

    assert editor.table.currentIndex().column() == QUANTITY
    qtbot.keyClicks(cell_editor(editor), "25")
    press_enter(qtbot, editor, cell_editor(editor))
    (line,) = editor.lines()
    assert (line.product_id, line.product_code, line.description, line.unit) == (
        2,
        "P002",
        "Hex nut",
        "box",
    )
    assert (line.quantity, line.unit_price) == (Decimal(25), Decimal("0.10"))
    assert editor.totals().subtotal == Decimal("2.50")


def test_typing_an_exact_code_takes_the_product(qtbot: QtBot, editor: LinesEditor) -> None:
    editor.add_line()
    type_cell(qtbot, editor, 0, CODE, "c100")

    assert shown(editor, 0, DESCRIPTION) == "Office chair"
    assert shown(editor, 0, PRICE) == "399.00"
    assert editor.lines()[0].product_id == 3


def test_free_text_lines_are_not_linked_to_the_catalogue(qtbot: QtBot, editor: LinesEditor) -> None:
    add_line(qtbot, editor, "Installation on site", "2", "150")
    type_cell(qtbot, editor, 0, CODE, "SVC")

    (line,) = editor.lines()
    assert line.product_id is None
    assert (line.product_code, line.description) == ("SVC", "Installation on site")
    assert line.unit_price == Decimal("150.00")


def test_number_cells_refuse_text(qtbot: QtBot, editor: LinesEditor) -> None:
    row = add_line(qtbot, editor, "Paper", "2", "5")
    index = editor.model.index(row, QUANTITY)
    editor.table.setCurrentIndex(index)
    editor.table.edit(index)
    field = cell_editor(editor)
    field.selectAll()
    qtbot.keyClicks(field, "abc")
    assert field.text() == "2"  # the letters were refused
    qtbot.keyClick(field, Qt.Key.Key_Escape)

    assert not editor.model.setData(index, "1.2345")  # more than three decimals
    assert not editor.model.setData(editor.model.index(row, DISCOUNT), "120")
    assert editor.lines()[0].quantity == Decimal(2)


def test_lines_are_added_removed_and_moved_with_the_keys(qtbot: QtBot, editor: LinesEditor) -> None:
    for name in ("first", "second", "third"):
        add_line(qtbot, editor, name, "1", "1")

    editor.table.setCurrentIndex(editor.model.index(2, DESCRIPTION))
    qtbot.keyClick(editor.table, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)
    assert [line.description for line in editor.lines()] == ["first", "third", "second"]
    assert editor.current_row() == 1

    qtbot.keyClick(editor.table, Qt.Key.Key_Delete)
    assert [line.description for line in editor.lines()] == ["first", "second"]

    editor.table.setCurrentIndex(editor.model.index(0, DESCRIPTION))
    qtbot.mouseClick(editor.down_button, Qt.MouseButton.LeftButton)
    assert [line.description for line in editor.lines()] == ["second", "first"]
    assert editor.model.headerData(1, Qt.Orientation.Vertical) == "2"


def test_a_blank_line_is_left_out(qtbot: QtBot, editor: LinesEditor) -> None:
    add_line(qtbot, editor, "Ink", "1", "8")
    qtbot.mouseClick(editor.add_button, Qt.MouseButton.LeftButton)
    qtbot.keyClick(cell_editor(editor), Qt.Key.Key_Escape)

    assert editor.model.rowCount() == 2
    assert [line.description for line in editor.lines()] == ["Ink"]


def test_shown_document_lines_come_back_unchanged_and_clean(
    qtbot: QtBot, editor: LinesEditor
) -> None:
    d = Decimal
    stored = [
        DocumentLine(1, 1, "P001", "不锈钢螺栓", "个", d("2.500"), d("12.50"), 500, d("29.69")),
        DocumentLine(2, None, None, "运费", None, d("1.000"), d("20.00"), 0, d("20.00")),
    ]
    changes: list[None] = []
    editor.changed.connect(lambda: changes.append(None))

    editor.set_lines(stored, 900)

    assert not editor.is_dirty() and changes == []
    assert editor.tax_rate_bp() == 900
    assert [line.as_input() for line in stored] == editor.lines()
    assert shown(editor, 0, QUANTITY) == "2.5"
    assert editor.totals().total == Decimal("54.16")  # 49.69 + 9 % (4.4721)

    type_cell(qtbot, editor, 1, QUANTITY, "2")
    assert editor.is_dirty() and changes


def test_read_only_lines_cannot_be_edited(qtbot: QtBot, editor: LinesEditor) -> None:
    add_line(qtbot, editor, "Ink", "1", "8")
    editor.set_read_only(True)

    qtbot.keyClick(editor.table, Qt.Key.Key_Insert)
    qtbot.keyClick(editor.table, Qt.Key.Key_Delete)
    assert editor.model.rowCount() == 1
    assert not editor.model.flags(editor.model.index(0, PRICE)) & Qt.ItemFlag.ItemIsEditable
    assert not editor.add_button.isEnabled() and not editor.tax_rate.isEnabled()


def test_column_widths_are_remembered(qtbot: QtBot, editor: LinesEditor) -> None:
    editor.table.setColumnWidth(QUANTITY, 151)

    again = LinesEditor(catalogue=CATALOGUE)
    qtbot.addWidget(again)
    assert again.table.columnWidth(QUANTITY) == 151
    assert QSettings().value("lines_editor/widths") is not None
