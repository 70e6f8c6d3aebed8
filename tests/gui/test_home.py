"""The home tab: my target as progress bars, the ranking, today's work; targets set in a grid."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from PySide6.QtCore import Qt

from crm_desktop.core.services import operators, targets
from crm_desktop.core.services.targets import Holder, period_of
from crm_desktop.ui.home import HomeTab, TargetsDialog
from tests.gui.settings_helpers import show_tab
from tests.sales_fixtures import make_confirmed_order, make_customer


def _open(qtbot, db, actor):
    """The tab as shown; its dashboard is computed on a worker, so wait for it."""
    tab, ctx, _notified = show_tab(qtbot, db, actor, HomeTab, (1200, 800))
    qtbot.waitUntil(lambda: tab.board is not None and tab.loading is None)
    return tab, ctx


def _texts(table, column):
    return [table.item(r, column).text() for r in range(table.rowCount())]


def test_salesperson_sees_progress_and_the_team_ranking(qtbot, db, boss, team, clock):
    clock._now = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)
    li, zhao = team["li"], team["zhao"]
    make_confirmed_order(db, li, make_customer(db, li), "750.00")
    make_confirmed_order(db, zhao, make_customer(db, zhao), "300.00")
    month = period_of("month", clock.now().date())
    targets.set_target(db, boss, Holder("operator", li.id), month.kind, month.start, "1000")
    tab, _ctx = _open(qtbot, db, li)
    assert tab.month.bar.value() == 75
    assert tab.month.bar.format() == "75.0%"
    assert "750.00 of 1,000.00" in tab.month.figures.text()
    assert "no target" in tab.quarter.figures.text()
    assert _texts(tab.ranking, 1) == ["李四", "赵六"]
    assert not tab.set_targets.isVisible()


def test_a_manager_sets_targets_in_the_grid_and_the_bars_follow(qtbot, db, boss, team, clock):
    clock._now = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)
    operators.save_team(db, boss, None, None, {"code": "W", "name": "华西组"})  # not theirs
    manager = team["manager"]
    make_confirmed_order(db, team["li"], make_customer(db, team["li"]), "500.00")
    tab, _ctx = _open(qtbot, db, manager)
    assert tab.set_targets.isVisible()
    qtbot.mouseClick(tab.set_targets, Qt.MouseButton.LeftButton)
    dialog = tab.dialog
    assert isinstance(dialog, TargetsDialog)
    assert dialog.period.text() == "2026-11"
    codes = _texts(dialog.grid, 0)
    assert "W" not in codes and "E" in codes and "li" in codes
    dialog.grid.item(codes.index("E"), 2).setText("2,000")
    dialog.save_button.click()
    qtbot.waitUntil(lambda: tab.month.bar.value() == 25)
    assert "500.00 of 2,000.00" in tab.month.figures.text()
    (row,) = targets.list_targets(db, manager, period_of("month", clock.now().date()))
    assert row.sales_amount == Decimal("2000.00")
