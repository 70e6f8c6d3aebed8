"""The contracts page driven through its widgets over a real database.

Orders and contracts are made through the services; the page is then used like a person would:
pick the customer in the dialog, tick orders, save; tick "ending within 30 days"; attach a signed
file (the file chooser is answered by replacing the module's function) and open it again.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from pytestqt.qtbot import QtBot

from crm_desktop.core.actor import Actor
from crm_desktop.core.changes import Changes
from crm_desktop.core.clock import local_today
from crm_desktop.core.db import Database
from crm_desktop.core.services import contracts
from crm_desktop.ui.sales import contracts_page as page_module
from crm_desktop.ui.sales.contracts_page import ContractDialog, ContractsPage
from tests.gui.settings_helpers import Answers, Notified, answers, make_ctx  # noqa: F401
from tests.sales_fixtures import make_confirmed_order, make_customer, make_signed_contract


def open_page(qtbot: QtBot, db: Database, actor: Actor) -> tuple[ContractsPage, Notified]:
    ctx, notified = make_ctx(db, actor)
    page = ContractsPage(ctx)
    qtbot.addWidget(page)
    page.resize(1300, 700)
    page.show()
    qtbot.waitExposed(page)
    return page, notified


def numbers(page: ContractsPage) -> list[str]:
    return [row.number for row in page.rows()]


def select(page: ContractsPage, contract_id: int) -> None:
    assert page.page.select_key(contract_id)


def trigger(page: ContractsPage, key: str) -> None:
    action = page.page.action(key)
    assert action.isVisible() and action.isEnabled(), f"{key} is not offered"
    action.trigger()


def test_linking_two_orders_makes_their_sum_the_default_amount(
    qtbot: QtBot, db: Database, boss: Actor
) -> None:
    customer = make_customer(db, boss, "宁波港机设备有限公司")
    other = make_customer(db, boss, "温州五金商行")
    first = make_confirmed_order(db, boss, customer, "1200.10")
    second = make_confirmed_order(db, boss, customer, "800.25")
    make_confirmed_order(db, boss, other, "99.00")  # another customer's: never offered
    page, notified = open_page(qtbot, db, boss)
    page.page.action("new").trigger()
    dialog = page.dialog
    assert isinstance(dialog, ContractDialog)
    assert dialog.customer.search("港机") == 1
    dialog.customer.choose_row(0)
    assert dialog.orders.count() == 2
    dialog.orders.tick(first)
    assert dialog.amount.value() == Decimal("1200.10")
    dialog.orders.tick(second)
    assert dialog.amount.value() == Decimal("2000.35")
    dialog.editor("title").insert("年度供货合同")  # type: ignore[attr-defined]
    dialog.end_on.set_value(local_today(db.clock) + timedelta(days=365))
    dialog.submit()
    assert dialog.result() == dialog.DialogCode.Accepted
    [row] = page.rows()
    assert (row.customer_name, row.amount, row.title) == (
        "宁波港机设备有限公司",
        Decimal("2000.35"),
        "年度供货合同",
    )
    detail = contracts.get_contract(db, boss, row.id)
    assert sorted(order_id for order_id, _n, _t in detail.orders) == sorted([first, second])
    assert "contracts" in notified.kinds()
    assert page.page.selected_row().id == row.id  # type: ignore[union-attr]


def test_an_amount_typed_by_the_person_stays_when_orders_are_ticked(
    qtbot: QtBot, db: Database, boss: Actor
) -> None:
    customer = make_customer(db, boss, "苏州精密仪器厂")
    first = make_confirmed_order(db, boss, customer, "500.00")
    second = make_confirmed_order(db, boss, customer, "300.00")
    page, _notified = open_page(qtbot, db, boss)
    page.new_document()
    dialog = page.dialog
    assert isinstance(dialog, ContractDialog)
    dialog.customer.search("精密")
    dialog.customer.choose_row(0)
    dialog.orders.tick(first)
    dialog.amount.selectAll()
    qtbot.keyClicks(dialog.amount, "450")
    dialog.orders.tick(second)
    assert dialog.amount.value() == Decimal("450.00")
    dialog.submit()
    assert page.rows()[0].amount == Decimal("450.00")


def test_a_contract_ending_within_30_days_is_highlighted_and_filtered(
    qtbot: QtBot, db: Database, boss: Actor
) -> None:
    today = local_today(db.clock)
    customer = make_customer(db, boss, "合肥光电科技")
    soon = make_signed_contract(db, boss, customer, end_on=today + timedelta(days=12))
    later = make_signed_contract(db, boss, customer, end_on=today + timedelta(days=200))
    draft = make_signed_contract(
        db, boss, customer, end_on=today + timedelta(days=5), status="draft"
    )
    page, _notified = open_page(qtbot, db, boss)
    model = page.page.model
    end_column = next(i for i, c in enumerate(model.columns) if c.key == "end_on")
    days_column = next(i for i, c in enumerate(model.columns) if c.key == "days_left")

    def bold(contract_id: int, column: int) -> bool:
        row = model.find_key(contract_id)
        font = model.data(model.index(row, column), Qt.ItemDataRole.FontRole)
        return isinstance(font, QFont) and font.bold()

    assert bold(soon, end_column) and bold(soon, days_column)
    assert not bold(later, end_column)
    assert not bold(draft, end_column)  # not signed: nothing runs out
    assert model.data(model.index(model.find_key(soon), days_column)) == "12"
    page.bar.checks["expiring"].click()
    assert [row.id for row in page.rows()] == [soon]


def test_attach_signed_file_then_open_it(
    qtbot: QtBot,
    db: Database,
    boss: Actor,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scan = tmp_path / "签字版合同.pdf"
    scan.write_bytes(b"%PDF-1.4 signed")
    customer = make_customer(db, boss)
    contract = make_signed_contract(db, boss, customer, status="draft")
    page, _notified = open_page(qtbot, db, boss)
    opened: list[Path] = []
    monkeypatch.setattr(page_module, "choose_signed_file", lambda _parent: scan)
    monkeypatch.setattr(page_module, "open_file", lambda path: opened.append(path) or True)
    select(page, contract)
    trigger(page, "attach_signed")
    detail = contracts.get_contract(db, boss, contract)
    assert detail.signed_file is not None and detail.signed_file.filename == "签字版合同.pdf"
    select(page, contract)
    trigger(page, "open_signed")
    assert len(opened) == 1 and opened[0].read_bytes() == b"%PDF-1.4 signed"


def test_confirm_close_and_cancel_follow_the_status(
    qtbot: QtBot,
    db: Database,
    boss: Actor,
    answers: Answers,  # noqa: F811
) -> None:
    customer = make_customer(db, boss)
    contract = make_signed_contract(db, boss, customer, status="draft")
    page, _notified = open_page(qtbot, db, boss)
    select(page, contract)
    assert not page.page.action("close").isEnabled()
    trigger(page, "confirm")
    assert contracts.get_contract(db, boss, contract).status == "confirmed"
    assert page.page.selected_row().status == "confirmed"  # type: ignore[union-attr]
    assert not page.page.action("confirm").isEnabled()
    trigger(page, "cancel")
    assert answers.questions and "cannot be reopened" in answers.questions[-1]
    assert contracts.get_contract(db, boss, contract).status == "cancelled"


def test_print_preview_opens_the_contract_by_number(
    qtbot: QtBot, db: Database, boss: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    from crm_desktop.ui.documents import preview

    asked: list[tuple[str, str]] = []
    monkeypatch.setattr(
        preview, "open_preview", lambda _p, _ctx, kind, number: asked.append((kind, number))
    )
    contract = make_signed_contract(db, boss, make_customer(db, boss))
    page, _notified = open_page(qtbot, db, boss)
    select(page, contract)
    trigger(page, "print")
    assert asked == [("contract", contracts.get_contract(db, boss, contract).number)]


def test_editing_keeps_the_linked_orders_and_changes_the_title(
    qtbot: QtBot, db: Database, boss: Actor
) -> None:
    customer = make_customer(db, boss)
    order = make_confirmed_order(db, boss, customer, "300.00")
    contract = make_signed_contract(db, boss, customer, "300.00", order_ids=(order,))
    page, _notified = open_page(qtbot, db, boss)
    select(page, contract)
    trigger(page, "edit")
    dialog = page.dialog
    assert isinstance(dialog, ContractDialog)
    assert dialog.orders.ticked() == [order]
    title = dialog.editor("title")
    title.clear()  # type: ignore[attr-defined]
    title.insert("补充协议")  # type: ignore[attr-defined]
    dialog.submit()
    detail = contracts.get_contract(db, boss, contract)
    assert (detail.title, detail.amount, [o[0] for o in detail.orders]) == (
        "补充协议",
        Decimal("300.00"),
        [order],
    )


def test_a_change_elsewhere_reloads_the_list(qtbot: QtBot, db: Database, boss: Actor) -> None:
    page, _notified = open_page(qtbot, db, boss)
    contract = make_signed_contract(db, boss, make_customer(db, boss))
    page.refresh(Changes.of("contracts"))
    assert [row.id for row in page.rows()] == [contract]
