"""The settings area driven like a person would: real widgets over a real database file."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLineEdit
from pytestqt.qtbot import QtBot

from crm_desktop.core.actor import Actor
from crm_desktop.core.db import Database
from crm_desktop.core.models import BaseDataKind
from crm_desktop.core.services import audit, auth, basedata, operators, products
from crm_desktop.ui.settings import SettingsArea
from crm_desktop.ui.widgets import FormDialog
from tests.conftest import MakeOperator
from tests.gui.settings_helpers import (  # noqa: F401
    Answers,
    Notified,
    answers,
    make_ctx,
)


def open_area(qtbot: QtBot, db: Database, actor: Actor) -> tuple[SettingsArea, Notified]:
    ctx, notified = make_ctx(db, actor)
    area = SettingsArea(ctx)
    qtbot.addWidget(area)
    area.resize(1100, 700)
    area.show()
    return area, notified


def type_into(qtbot: QtBot, editor: Any, text: str) -> None:
    """Replace a field's text by typing (ASCII) like a person would."""
    assert isinstance(editor, QLineEdit)
    editor.selectAll()
    qtbot.keyClick(editor, Qt.Key.Key_Delete)
    qtbot.keyClicks(editor, text)


def choose(combo: Any, text: str) -> None:
    assert isinstance(combo, QComboBox)
    index = combo.findText(text)
    assert index >= 0, f"{text!r} is not offered"
    combo.setCurrentIndex(index)


def save(qtbot: QtBot, dialog: FormDialog) -> None:
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)


def add_unit(db: Database, boss: Actor, code: str, name: str) -> int:
    return basedata.save_item(db, boss, None, None, {"kind": "unit", "code": code, "name": name})


# --- base data -----------------------------------------------------------------------------------


def test_adding_a_base_data_entry_through_the_dialog_stores_it(
    qtbot: QtBot,
    db: Database,
    boss: Actor,
) -> None:
    area, notified = open_area(qtbot, db, boss)
    page = area.show_page("basedata")
    choose(page.lists, "Units")
    page.list.action("new").trigger()
    dialog = page.dialog
    assert dialog is not None and dialog.isVisible()
    before = len(basedata.list_items(db, boss, BaseDataKind.UNIT))
    qtbot.keyClicks(dialog.editor("code"), "t")
    dialog.editor("name").insert("吨")
    save(qtbot, dialog)

    assert not dialog.isVisible()
    stored = basedata.list_items(db, boss, BaseDataKind.UNIT)
    assert len(stored) == before + 1
    assert [(r["name"], r["active"]) for r in stored if r["code"] == "t"] == [("吨", True)]
    assert "吨" in [r["name"] for r in page.list.rows()]
    assert "base_data" in notified.kinds()


def test_a_duplicate_code_is_refused_in_the_dialog_which_stays_open(
    qtbot: QtBot,
    db: Database,
    boss: Actor,
) -> None:
    add_unit(db, boss, "t", "吨")
    before = basedata.list_items(db, boss, BaseDataKind.UNIT)
    area, _notified = open_area(qtbot, db, boss)
    page = area.show_page("basedata")
    choose(page.lists, "Units")
    page.list.action("new").trigger()
    dialog = page.dialog
    qtbot.keyClicks(dialog.editor("code"), "t")
    qtbot.keyClicks(dialog.editor("name"), "ton")
    save(qtbot, dialog)

    assert dialog.isVisible()
    assert "“t” is used in this list already" in dialog.panel.error.text()
    assert basedata.list_items(db, boss, BaseDataKind.UNIT) == before


def test_deleting_a_used_entry_shows_the_refusal_and_keeps_it(
    qtbot: QtBot,
    db: Database,
    boss: Actor,
    answers: Answers,  # noqa: F811
) -> None:
    used = add_unit(db, boss, "box", "箱")
    unused = add_unit(db, boss, "pc", "个")
    products.save_product(db, boss, None, None, {"code": "P1", "name": "Bolt", "unit_id": used})
    area, _notified = open_area(qtbot, db, boss)
    page = area.show_page("basedata")
    choose(page.lists, "Units")

    assert page.list.select_key(used)
    page.list.action("delete").trigger()
    assert len(answers.questions) == 1
    assert answers.errors == ["“箱” is used by 1 record(s); deactivate it instead of deleting."]
    ids = {r["id"] for r in basedata.list_items(db, boss, BaseDataKind.UNIT)}
    assert {used, unused} <= ids

    assert page.list.select_key(unused)
    page.list.action("delete").trigger()
    assert {r["id"] for r in basedata.list_items(db, boss, BaseDataKind.UNIT)} == ids - {unused}
    assert unused not in [r["id"] for r in page.list.rows()]
    assert used in [r["id"] for r in page.list.rows()]


def test_deactivating_an_entry_keeps_it_and_the_action_turns_into_activate(
    qtbot: QtBot,
    db: Database,
    boss: Actor,
) -> None:
    unit = add_unit(db, boss, "pc", "个")
    area, _notified = open_area(qtbot, db, boss)
    page = area.show_page("basedata")
    choose(page.lists, "Units")
    page.list.select_key(unit)
    assert page.list.action("toggle_active").text() == "Deactivate"
    page.list.action("toggle_active").trigger()

    stored = basedata.list_items(db, boss, BaseDataKind.UNIT)
    assert next(r["active"] for r in stored if r["id"] == unit) is False
    assert page.list.selected_row()["id"] == unit  # selection kept across the reload
    assert page.list.action("toggle_active").text() == "Activate"


# --- products ------------------------------------------------------------------------------------


def test_editing_a_product_price_stores_exact_cents(
    qtbot: QtBot,
    db: Database,
    boss: Actor,
) -> None:
    unit = add_unit(db, boss, "pc", "个")
    product = products.save_product(
        db, boss, None, None, {"code": "P1", "name": "Bolt", "unit_id": unit}
    )
    area, _notified = open_area(qtbot, db, boss)
    page = area.show_page("products")
    page.list.select_key(product)
    page.list.table.setFocus()
    qtbot.keyClick(page.list.table, Qt.Key.Key_Return)  # Enter edits
    dialog = page.dialog
    assert dialog is not None and dialog.isVisible()
    type_into(qtbot, dialog.editor("unit_price"), "1234567.89")
    save(qtbot, dialog)

    stored = products.list_products(db, boss)[0]
    assert stored["unit_price"] == Decimal("1234567.89")
    assert stored["unit_name"] == "个"  # untouched fields stay
    assert page.list.model.index(0, 5).data() == "1,234,567.89"


def test_a_stale_product_edit_shows_the_conflict_and_overwrites_nothing(
    qtbot: QtBot,
    db: Database,
    boss: Actor,
    answers: Answers,  # noqa: F811
) -> None:
    product = products.save_product(
        db, boss, None, None, {"code": "P1", "name": "Bolt", "unit_price": "10.00"}
    )
    area, _notified = open_area(qtbot, db, boss)
    page = area.show_page("products")
    page.list.select_key(product)
    page.list.action("edit").trigger()
    dialog = page.dialog
    # Someone else saves the product while the dialog is open.
    products.save_product(db, boss, product, 1, {"unit_price": "20.00"})

    answers.conflict = None  # back to the form
    type_into(qtbot, dialog.editor("unit_price"), "30")
    save(qtbot, dialog)
    assert len(answers.conflicts) == 1
    assert "Unit price: theirs “20.00” vs yours “30.00”" in answers.conflicts[0]
    assert dialog.isVisible()
    assert products.list_products(db, boss)[0]["unit_price"] == Decimal("20.00")

    answers.conflict = "theirs"
    save(qtbot, dialog)
    assert dialog.editor("unit_price").text() == "20.00"
    assert products.list_products(db, boss)[0]["unit_price"] == Decimal("20.00")

    answers.conflict = "mine"
    type_into(qtbot, dialog.editor("unit_price"), "30")
    save(qtbot, dialog)  # now based on the newer version: saves without a conflict
    assert len(answers.conflicts) == 2
    assert not dialog.isVisible()
    assert products.list_products(db, boss)[0]["unit_price"] == Decimal("30.00")


def test_keep_mine_saves_over_the_newer_version(
    qtbot: QtBot,
    db: Database,
    boss: Actor,
    answers: Answers,  # noqa: F811
) -> None:
    product = products.save_product(db, boss, None, None, {"code": "P1", "name": "Bolt"})
    area, _notified = open_area(qtbot, db, boss)
    page = area.show_page("products")
    page.list.select_key(product)
    page.list.action("edit").trigger()
    dialog = page.dialog
    products.save_product(db, boss, product, 1, {"name": "Bolt M6", "spec": "M6"})

    answers.conflict = "mine"
    type_into(qtbot, dialog.editor("name"), "Bolt M8")
    save(qtbot, dialog)

    assert "Name: theirs “Bolt M6” vs yours “Bolt M8”" in answers.conflicts[0]
    stored = products.list_products(db, boss)[0]
    assert (stored["name"], stored["spec"]) == ("Bolt M8", "M6")  # their other change stays


# --- operators and roles -------------------------------------------------------------------------


def test_creating_an_operator_with_a_password_lets_them_log_in(
    qtbot: QtBot,
    db: Database,
    boss: Actor,
) -> None:
    area, notified = open_area(qtbot, db, boss)
    page = area.show_page("operators")
    page.list.action("new").trigger()
    dialog = page.dialog
    qtbot.keyClicks(dialog.editor("code"), "lina")
    dialog.editor("name").insert("李娜")
    choose(dialog.editor("role_id"), "Salesperson")
    qtbot.keyClicks(dialog.editor("password"), "Lina-pass-2026")
    qtbot.keyClicks(dialog.editor("confirm"), "Lina-pass-2027")
    save(qtbot, dialog)
    assert dialog.isVisible()
    assert "differ" in dialog.panel.error.text()

    type_into(qtbot, dialog.editor("confirm"), "Lina-pass-2026")
    save(qtbot, dialog)
    assert not dialog.isVisible()

    actor = auth.login(db, "lina", "Lina-pass-2026")
    assert (actor.name, actor.role_code) == ("李娜", "salesperson")
    row = next(r for r in page.list.rows() if r["code"] == "lina")
    assert row["has_password"] is True
    assert "operators" in notified.kinds()


def test_resetting_a_password_unlocks_and_lets_them_log_in(
    qtbot: QtBot,
    db: Database,
    boss: Actor,
    make_operator: MakeOperator,
) -> None:
    li = make_operator("li", "salesperson")
    area, _notified = open_area(qtbot, db, boss)
    page = area.show_page("operators")
    page.list.select_key(li.id)
    page.list.action("reset_password").trigger()
    dialog = page.dialog
    qtbot.keyClicks(dialog.editor("password"), "New-pass-2026")
    qtbot.keyClicks(dialog.editor("confirm"), "New-pass-2026")
    save(qtbot, dialog)

    assert not dialog.isVisible()
    assert auth.login(db, "li", "New-pass-2026").id == li.id


def test_unchecking_a_permission_on_a_role_removes_it_and_is_audited(
    qtbot: QtBot,
    db: Database,
    boss: Actor,
) -> None:
    area, notified = open_area(qtbot, db, boss)
    page = area.show_page("roles")
    role = next(r for r in page.list.rows() if r["code"] == "salesperson")
    page.list.select_key(role["id"])
    item = page.item("customers.edit")
    assert item.checkState(0) == Qt.CheckState.Checked
    item.setCheckState(0, Qt.CheckState.Unchecked)
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)

    stored = next(r for r in operators.list_roles(db, boss) if r["code"] == "salesperson")
    assert "customers.edit" not in stored["permissions"]
    assert set(role["permissions"]) - set(stored["permissions"]) == {"customers.edit"}
    entries = audit.list_entries(db, boss, action_prefix="role.permissions")
    assert len(entries) == 1
    old, new = entries[0].changes["permissions"]
    assert "customers.edit" in old and "customers.edit" not in new
    assert page.list.selected_row()["code"] == "salesperson"
    assert {"roles", "operators"} <= notified.kinds()


def test_a_role_change_leaving_nobody_to_manage_operators_is_refused(
    qtbot: QtBot,
    db: Database,
    boss: Actor,
) -> None:
    area, _notified = open_area(qtbot, db, boss)
    page = area.show_page("roles")
    role = next(r for r in page.list.rows() if r["code"] == "boss")
    page.list.select_key(role["id"])
    page.item("settings.operators").setCheckState(0, Qt.CheckState.Unchecked)
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)

    assert "nobody able to manage operators" in page.form.error.text()
    stored = next(r for r in operators.list_roles(db, boss) if r["code"] == "boss")
    assert "settings.operators" in stored["permissions"]


def test_a_new_role_is_created_with_the_checked_permissions(
    qtbot: QtBot,
    db: Database,
    boss: Actor,
) -> None:
    area, _notified = open_area(qtbot, db, boss)
    page = area.show_page("roles")
    page.list.action("new").trigger()
    qtbot.keyClicks(page.form.editor("name"), "Assistant")
    page.item("customers.view").setCheckState(0, Qt.CheckState.Checked)
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)

    stored = next(r for r in operators.list_roles(db, boss) if r["name"] == "Assistant")
    assert stored["permissions"] == ["customers.view"]
    assert page.list.selected_row()["id"] == stored["id"]


def test_a_salesperson_sees_no_operators_or_roles_pages(
    qtbot: QtBot,
    db: Database,
    make_operator: MakeOperator,
) -> None:
    li = make_operator("li", "salesperson")
    area, _notified = open_area(qtbot, db, li)
    assert area.page_keys() == ["basedata", "preferences"]
    page = area.show_page("basedata")
    assert "new" not in page.list.actions_by_key  # may look, not edit


def test_the_boss_sees_every_page(
    qtbot: QtBot,
    db: Database,
    boss: Actor,
) -> None:
    area, _notified = open_area(qtbot, db, boss)
    assert area.page_keys() == [
        "company",
        "basedata",
        "products",
        "operators",
        "roles",
        "teams",
        "pool_rules",
        "numbering",
        "audit",
        "import_history",
        "preferences",
    ]


# --- company, teams, audit, preferences ----------------------------------------------------------


def test_company_profile_saves_the_changed_fields(
    qtbot: QtBot,
    db: Database,
    boss: Actor,
) -> None:
    from crm_desktop.core.services import company

    area, notified = open_area(qtbot, db, boss)
    page = area.show_page("company")
    assert page.form.editor("name").text() == "测试贸易有限公司"
    qtbot.keyClicks(page.form.editor("phone"), "021-5555 0000")
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)

    profile = company.get_profile(db, boss)
    assert (profile["name"], profile["phone"]) == ("测试贸易有限公司", "021-5555 0000")
    assert page.status.text() == "Saved."
    assert "company" in notified.kinds()


def test_a_team_added_through_the_dialog_is_listed_with_its_manager(
    qtbot: QtBot,
    db: Database,
    boss: Actor,
) -> None:
    area, _notified = open_area(qtbot, db, boss)
    page = area.show_page("teams")
    page.list.action("new").trigger()
    dialog = page.dialog
    qtbot.keyClicks(dialog.editor("code"), "east")
    dialog.editor("name").insert("华东销售部")
    choose(dialog.editor("manager_id"), boss.name)
    save(qtbot, dialog)

    assert [(r["name"], r["manager_name"]) for r in page.list.rows()] == [("华东销售部", boss.name)]


def test_audit_page_lists_changes_with_old_and_new_values(
    qtbot: QtBot,
    db: Database,
    boss: Actor,
) -> None:
    product = products.save_product(db, boss, None, None, {"code": "P1", "name": "Bolt"})
    products.save_product(db, boss, product, 1, {"name": "Bolt M6"})
    area, _notified = open_area(qtbot, db, boss)
    page = area.show_page("audit")
    first = page.list.rows()[0]
    assert (first["action"], first["record"]) == ("product.update", f"product #{product}")
    assert first["changes"] == "name: Bolt → Bolt M6"


def test_a_page_not_shown_reloads_when_next_opened_after_a_change(
    qtbot: QtBot,
    db: Database,
    boss: Actor,
) -> None:
    from crm_desktop.core.changes import Changes

    area, _notified = open_area(qtbot, db, boss)
    page = area.show_page("products")
    area.show_page("preferences")
    products.save_product(db, boss, None, None, {"code": "P9", "name": "From another PC"})
    area.refresh(Changes.of("products"))
    assert page.list.rows() == []  # not reloaded while hidden
    area.show_page("products")
    assert [r["code"] for r in page.list.rows()] == ["P9"]


def test_choosing_a_language_asks_the_window_to_switch(
    qtbot: QtBot,
    db: Database,
    boss: Actor,
) -> None:
    area, _notified = open_area(qtbot, db, boss)
    page = area.show_page("preferences")
    index = page.language.findData("zh_CN")
    with qtbot.waitSignal(area.ctx.bus.language_requested) as signal:
        page.language.setCurrentIndex(index)
        page.language.activated.emit(index)
    assert signal.args == ["zh_CN"]
