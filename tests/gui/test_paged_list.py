"""The shared list widgets over a very long, server-sorted list (a stand-in service, no database).

The stand-in records every fetch so the tests can check what the list asked the service for: pages
of 200 as the person scrolls, and a fresh query in the clicked column's order.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from crm_desktop.core.errors import PermissionDenied
from crm_desktop.ui.widgets.record_list_page import RecordListPage
from crm_desktop.ui.widgets.record_table_model import Column, PagedSource, ServerSort

TOTAL = 1234


class Service:
    """A sorted list of records answered a page at a time, like list_customers/count_customers."""

    def __init__(self, total: int = TOTAL) -> None:
        self.records = [
            {"id": i, "name": f"customer {i:05d}", "phone": f"{(i * 7919) % 10000:04d}"}
            for i in range(total)
        ]
        self.fetches: list[tuple[str, bool, int, int]] = []
        self.fail = False

    def loader(self, sort: ServerSort) -> PagedSource:
        def fetch(offset: int, limit: int) -> list[dict[str, Any]]:
            if self.fail:
                raise PermissionDenied("You may not see these.")
            self.fetches.append((sort.key, sort.descending, offset, limit))
            ordered = sorted(self.records, key=lambda r: r[sort.key], reverse=sort.descending)
            return ordered[offset : offset + limit]

        return PagedSource(fetch, lambda: len(self.records))


COLUMNS = [
    Column("name", "Name", sort_key="name"),
    Column("phone", "Phone", sort_key="phone"),
    Column("id", "Number", "int"),  # the service cannot sort by it
]


def make_page(qtbot: QtBot, service: Service, **options: Any) -> RecordListPage:
    loader = options.pop("loader", service.loader)
    page = RecordListPage(
        "paged.test",
        "Long list",
        COLUMNS,
        loader,
        server_sort=True,
        count_text=lambda n: f"{n:,} records",
        **options,
    )
    qtbot.addWidget(page)
    page.resize(800, 400)
    page.show()
    qtbot.waitExposed(page)
    page.reload()
    return page


def click_header(qtbot: QtBot, page: RecordListPage, section: int) -> None:
    header = page.table.horizontalHeader()
    x = header.sectionViewportPosition(section) + header.sectionSize(section) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))


def names(page: RecordListPage) -> list[str]:
    return [row["name"] for row in page.rows()]


def test_scrolling_to_the_end_fetches_the_next_page_and_the_total_is_shown(
    qtbot: QtBot,
) -> None:
    service = Service()
    page = make_page(qtbot, service)
    assert page.model.rowCount() == 200
    qtbot.waitUntil(lambda: page.count_label.text() == "1,234 records")
    assert page.count_label.isVisible() and page.count_label.window() is page  # not a window
    assert page.total() == TOTAL

    page.table.scrollToBottom()
    qtbot.waitUntil(lambda: page.model.rowCount() == 400)
    assert service.fetches[-1] == ("name", False, 200, 200)
    while page.model.canFetchMore(page.model.index(-1, -1)):
        page.table.scrollToBottom()
        qtbot.wait(1)
    assert page.model.rowCount() == TOTAL
    assert names(page)[-1] == "customer 01233"
    qtbot.waitUntil(lambda: page.count_label.text() == "1,234 records")


def test_clicking_a_header_asks_the_service_for_that_order(qtbot: QtBot) -> None:
    service = Service()
    page = make_page(qtbot, service)
    header = page.table.horizontalHeader()
    assert (header.sortIndicatorSection(), header.isSortIndicatorShown()) == (0, True)

    click_header(qtbot, page, 1)
    assert service.fetches[-1] == ("phone", False, 0, 200)
    phones = [row["phone"] for row in page.rows()]
    expected = sorted(r["phone"] for r in service.records)[:200]
    assert phones == expected  # the service's order, untouched by the proxy

    click_header(qtbot, page, 1)
    assert service.fetches[-1] == ("phone", True, 0, 200)
    assert page.rows()[0]["phone"] == max(r["phone"] for r in service.records)
    assert header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder


def test_a_column_the_service_cannot_sort_keeps_the_order(qtbot: QtBot) -> None:
    service = Service()
    page = make_page(qtbot, service)
    before = len(service.fetches)
    click_header(qtbot, page, 2)
    assert len(service.fetches) == before
    assert page.table.horizontalHeader().sortIndicatorSection() == 0
    assert names(page)[:2] == ["customer 00000", "customer 00001"]


def test_refresh_keeps_the_selected_row_even_beyond_the_first_page(qtbot: QtBot) -> None:
    service = Service()
    page = make_page(qtbot, service)
    page.table.scrollToBottom()
    qtbot.waitUntil(lambda: page.model.rowCount() >= 400)
    assert page.select_key(350)
    page.reload()
    assert page.selected_row()["id"] == 350
    page.reload(fresh=True)  # a new search starts at the top
    assert page.model.rowCount() == 200


def test_server_lists_have_no_local_filter_and_ctrl_f_focuses_the_own_search(
    qtbot: QtBot,
) -> None:
    search = QLineEdit()
    page = make_page(qtbot, Service(), search_widget=search)
    assert not page.filter.isVisible()
    assert search.isVisible()
    with qtbot.waitActive(page):
        page.activateWindow()
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert search.hasFocus()


def test_a_service_error_is_shown_instead_of_the_rows(qtbot: QtBot) -> None:
    service = Service()
    service.fail = True
    page = make_page(qtbot, service)
    assert page.stack.currentWidget() is page.empty
    assert page.empty.text() == "You may not see these."


def test_rows_show_at_once_while_a_slow_total_is_counted_off_the_gui_thread(
    qtbot: QtBot,
) -> None:
    """Counting a million follow-ups takes seconds; the first page must not wait for it."""
    import threading

    service = Service()
    release = threading.Event()
    slow_count_running = threading.Event()

    def slow_loader(sort: ServerSort) -> PagedSource:
        source = service.loader(sort)
        counter = source.counter

        def count() -> int:
            slow_count_running.set()
            assert release.wait(30)
            return counter()

        source.counter = count
        return source

    page = make_page(qtbot, service, loader=slow_loader)
    qtbot.waitUntil(slow_count_running.is_set)
    assert page.model.rowCount() == 200  # shown while the count is still running
    assert page.count_label.text() == "Counting…"
    release.set()
    qtbot.waitUntil(lambda: page.count_label.text() == "1,234 records")


def test_a_hidden_list_reloads_when_shown_not_on_every_change(qtbot: QtBot) -> None:
    service = Service()
    page = make_page(qtbot, service)
    asked = len(service.fetches)
    page.hide()
    for _change in range(3):
        page.reload_when_shown()
    assert len(service.fetches) == asked  # nothing read while hidden
    page.show()
    qtbot.waitUntil(lambda: len(service.fetches) == asked + 1)  # one reload for all three
