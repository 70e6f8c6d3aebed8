"""The shared widgets the settings pages (and later tabs) are built on."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from crm_desktop.core.errors import ConflictError, ValidationError
from crm_desktop.ui.widgets import (
    Column,
    Field,
    FormDialog,
    ListSource,
    RecordFilterProxy,
    RecordListPage,
    RecordTableModel,
)
from tests.gui.settings_helpers import Answers, answers  # noqa: F401

ROWS = [
    {"id": 1, "code": "b", "name": "螺丝", "price": Decimal("1234.5"), "active": True},
    {"id": 2, "code": "a", "name": "Bearing", "price": Decimal("9"), "active": False},
    {"id": 3, "code": "c", "name": "Pump", "price": Decimal("10.00"), "active": True},
]
COLUMNS = [
    Column("code", "Code"),
    Column("name", "Name"),
    Column("price", "Price", "money"),
    Column("active", "Active", "bool"),
]


def shown(proxy: RecordFilterProxy, column: int) -> list[str]:
    return [proxy.index(row, column).data() for row in range(proxy.rowCount())]


def test_table_model_formats_money_right_aligned_and_sorts_by_amount(qapp: Any) -> None:
    model = RecordTableModel(COLUMNS, ListSource(ROWS))
    proxy = RecordFilterProxy()
    proxy.setSourceModel(model)

    assert model.index(0, 2).data() == "1,234.50"
    alignment = model.index(0, 2).data(Qt.ItemDataRole.TextAlignmentRole)
    assert alignment & Qt.AlignmentFlag.AlignRight.value
    assert [model.index(r, 3).data() for r in range(3)] == ["✓", "", "✓"]

    proxy.sort(2, Qt.SortOrder.AscendingOrder)
    # By amount, not by text (as text "1,234.50" < "10.00" < "9.00").
    assert shown(proxy, 2) == ["9.00", "10.00", "1,234.50"]
    proxy.sort(2, Qt.SortOrder.DescendingOrder)
    assert shown(proxy, 2) == ["1,234.50", "10.00", "9.00"]


def test_quick_filter_matches_shown_text_of_any_column(qapp: Any) -> None:
    model = RecordTableModel(COLUMNS, ListSource(ROWS))
    proxy = RecordFilterProxy()
    proxy.setSourceModel(model)
    proxy.set_quick_filter("螺")
    assert shown(proxy, 0) == ["b"]
    proxy.set_quick_filter("1,234")
    assert shown(proxy, 0) == ["b"]
    proxy.set_quick_filter("PUMP")
    assert shown(proxy, 0) == ["c"]


def test_datetime_shown_in_local_time_and_lookup_by_id(qapp: Any) -> None:
    at = datetime(2026, 3, 1, 8, 30, tzinfo=UTC)
    model = RecordTableModel(
        [Column("at", "At", "datetime"), Column("unit", "Unit", "lookup", lookup={7: "箱"})],
        ListSource([{"at": at, "unit": 7}]),
    )
    assert model.index(0, 0).data() == at.astimezone().strftime("%Y-%m-%d %H:%M")
    assert model.index(0, 1).data() == "箱"


class PagedSource(ListSource):
    """Two pages of rows, the second fetched on demand."""

    def __init__(self) -> None:
        super().__init__([{"id": i, "code": f"c{i}"} for i in range(3)])
        self.pending = [[{"id": i, "code": f"c{i}"} for i in range(3, 6)]]

    def can_fetch_more(self) -> bool:
        return bool(self.pending)

    def fetch_more(self) -> list[dict[str, Any]]:
        return self.pending.pop(0)


def test_model_fetches_more_rows_from_a_paged_source(qapp: Any) -> None:
    model = RecordTableModel([Column("code", "Code")], PagedSource())
    assert model.rowCount() == 3
    assert model.canFetchMore(model.index(-1, -1))
    model.fetchMore(model.index(-1, -1))
    assert model.rowCount() == 6
    assert model.index(5, 0).data() == "c5"
    assert not model.canFetchMore(model.index(-1, -1))


def make_page(qtbot: QtBot, edited: list[Any]) -> RecordListPage:
    page = RecordListPage(
        "widgets.test",
        "Test list",
        COLUMNS,
        lambda: [dict(r) for r in ROWS],
        on_edit=edited.append,
        empty_text="Nothing at all",
    )
    qtbot.addWidget(page)
    page.show()
    page.reload()
    return page


def test_list_page_edits_on_enter_and_keeps_selection_on_reload(
    qtbot: QtBot,
) -> None:
    edited: list[Any] = []
    page = make_page(qtbot, edited)
    assert page.select_key(3)
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_Return)
    assert [row["id"] for row in edited] == [3]
    page.reload()
    assert page.selected_row()["id"] == 3

    qtbot.keyClicks(page.filter, "zzz")
    assert page.stack.currentWidget() is page.empty
    assert "zzz" in page.empty.text()


def test_list_page_remembers_column_widths(
    qtbot: QtBot,
) -> None:
    page = make_page(qtbot, [])
    page.table.setColumnWidth(1, 333)
    assert QSettings().value("lists/widgets.test/widths")[1] in (333, "333")
    again = make_page(qtbot, [])
    assert again.table.columnWidth(1) == 333


def test_form_refuses_empty_required_field_and_stays_open(
    qtbot: QtBot,
    answers: Answers,  # noqa: F811
) -> None:
    saved: list[dict[str, Any]] = []
    dialog = FormDialog(
        "Test",
        [Field("name", "Name", required=True), Field("price", "Price", "money")],
        {},
        lambda values, _version: saved.append(values),
    )
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)  # shortcuts need it active
    qtbot.keyClicks(dialog.editor("price"), "12.30")
    qtbot.keyClick(dialog, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert saved == []
    assert dialog.isVisible()
    assert "Name" in dialog.panel.error.text()

    dialog.editor("name").insert("螺丝")  # QTest cannot type non-ASCII; insert is a paste
    qtbot.keyClick(dialog, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert saved == [{"name": "螺丝", "price": Decimal("12.30")}]
    assert isinstance(saved[0]["price"], Decimal)
    assert not dialog.isVisible()


def test_form_shows_a_service_error_without_closing(qtbot: QtBot) -> None:
    def refuse(_values: dict[str, Any], _version: int | None) -> None:
        raise ValidationError("The code “x” is used in this list already.")

    dialog = FormDialog("Test", [Field("code", "Code")], {}, refuse)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert dialog.panel.error.text() == "The code “x” is used in this list already."


@pytest.mark.parametrize("choice", ["mine", "theirs", None])
def test_form_conflict_lists_fields_and_overwrites_nothing_unasked(
    qtbot: QtBot,
    answers: Answers,  # noqa: F811
    choice: str | None,
) -> None:
    stored = {"name": "Theirs", "price": Decimal("20.00"), "version": 2}
    calls: list[tuple[dict[str, Any], int | None]] = []

    def save(values: dict[str, Any], version: int | None) -> None:
        calls.append((values, version))
        if version != stored["version"]:
            raise ConflictError(
                "Someone else saved this record after you opened it.",
                entity="thing",
                entity_id=1,
                expected_version=version or 0,
                current_version=stored["version"],
                theirs={k: stored[k] for k in values},
                yours=values,
            )
        stored.update(values, version=stored["version"] + 1)

    dialog = FormDialog(
        "Test",
        [Field("name", "Name"), Field("price", "Unit price", "money")],
        {"name": "Mine", "price": Decimal("10.00"), "version": 1},
        save,
        reload=lambda: dict(stored),
    )
    qtbot.addWidget(dialog)
    dialog.show()
    answers.conflict = choice
    dialog.editor("price").selectAll()
    qtbot.keyClicks(dialog.editor("price"), "30")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)

    assert len(answers.conflicts) == 1
    assert "Unit price: theirs “20.00” vs yours “30.00”" in answers.conflicts[0]
    assert calls[0] == ({"price": Decimal("30.00")}, 1)  # only the field the person changed
    if choice == "mine":
        assert stored["price"] == Decimal("30.00")
        assert stored["name"] == "Theirs"
        assert not dialog.isVisible()
    else:
        assert stored == {"name": "Theirs", "price": Decimal("20.00"), "version": 2}
        assert dialog.isVisible()
        expected = "20.00" if choice == "theirs" else "30"
        assert dialog.editor("price").text() == expected
