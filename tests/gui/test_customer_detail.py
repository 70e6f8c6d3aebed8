"""The customer detail window driven like a person would: real widgets over a real database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit, QWidget
from pytestqt.qtbot import QtBot

from crm_desktop.core.actor import Actor
from crm_desktop.core.db import Database
from crm_desktop.core.services import contacts, customers
from crm_desktop.ui.customers.detail import CustomerDialog, open_customer
from crm_desktop.ui.widgets import FormDialog
from tests.conftest import MakeOperator
from tests.gui.settings_helpers import Answers, Notified, answers, make_ctx  # noqa: F401


@pytest.fixture
def host(qtbot: QtBot) -> QWidget:
    """Stands in for the main window: the dialogs' parent, deleted (with them) after the test."""
    window = QWidget()
    qtbot.addWidget(window)
    return window


def open_dialog(
    qtbot: QtBot, host: QWidget, db: Database, actor: Actor, customer_id: int | None = None
) -> tuple[CustomerDialog, Notified]:
    ctx, notified = make_ctx(db, actor)
    dialog = open_customer(ctx, host, customer_id)
    assert isinstance(dialog, CustomerDialog)
    qtbot.waitExposed(dialog)
    return dialog, notified


def line(dialog: CustomerDialog, key: str) -> QLineEdit:
    assert dialog.panel is not None
    editor = dialog.panel.editor(key)
    assert isinstance(editor, QLineEdit)
    return editor


def type_into(qtbot: QtBot, editor: QLineEdit, text: str) -> None:
    """Replace a field's text by typing (ASCII), then Enter: the person is done with it."""
    editor.selectAll()
    qtbot.keyClick(editor, Qt.Key.Key_Delete)
    qtbot.keyClicks(editor, text)
    qtbot.keyClick(editor, Qt.Key.Key_Return)


def click(qtbot: QtBot, button: Any) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def add_customer(db: Database, actor: Actor, name: str, phone: str | None = None) -> int:
    return customers.create_customer(db, actor, {"name": name, "phone": phone})


def test_a_customer_typed_into_the_new_dialog_is_stored_and_the_window_stays_open_for_contacts(
    qtbot: QtBot, host: QWidget, db: Database, boss: Actor
) -> None:
    dialog, notified = open_dialog(qtbot, host, db, boss)
    assert dialog.tabs is None  # nothing to attach to before it exists

    qtbot.keyClicks(line(dialog, "name"), "Acme Trading")
    qtbot.keyClicks(line(dialog, "phone"), "010-6666 8888")
    qtbot.keyClicks(line(dialog, "tags"), "VIP,  fair ,VIP")
    click(qtbot, dialog.save_button)

    rows = customers.list_customers(db, boss, customers.CustomerFilter(search="acme"))
    assert [(r.name, r.phone, r.owner_id) for r in rows] == [
        ("Acme Trading", "010-6666 8888", boss.id)
    ]
    assert customers.get_customer(db, boss, rows[0].id)["tags"] == "VIP, fair"
    assert dialog.isVisible() and dialog.customer_id == rows[0].id
    assert dialog.status.text() == "Saved."
    assert dialog.tabs is not None and "contacts" in dialog.tabs.pages
    assert "customers" in notified.kinds()


def test_a_name_differing_only_by_suffix_case_and_width_warns_and_save_anyway_stores_it(
    qtbot: QtBot, host: QWidget, db: Database, boss: Actor
) -> None:
    add_customer(db, boss, "Acme Trading 有限公司")
    dialog, _notified = open_dialog(qtbot, host, db, boss)

    line(dialog, "name").insert("ＡＣＭＥ TRADING")  # full-width letters, upper case, no suffix
    qtbot.keyClick(line(dialog, "name"), Qt.Key.Key_Return)  # leaving the field checks
    assert dialog.warning.isVisible()
    assert "Acme Trading 有限公司" in dialog.warning.text()

    click(qtbot, dialog.save_button)
    question = dialog.duplicates
    assert question is not None and question.isVisible()
    assert [m.name for m in question.matches] == ["Acme Trading 有限公司"]
    assert question.open_button.isEnabled()
    assert dialog.customer_id is None  # nothing stored while the question is open

    click(qtbot, question.save_button)
    names = sorted(r.name for r in customers.list_customers(db, boss))
    assert names == ["Acme Trading 有限公司", "ＡＣＭＥ TRADING"]
    assert dialog.customer_id is not None


def test_open_existing_replaces_the_new_customer_window_with_the_match(
    qtbot: QtBot, host: QWidget, db: Database, boss: Actor
) -> None:
    existing = add_customer(db, boss, "Beta Ltd", "139 0000 1111")
    dialog, _notified = open_dialog(qtbot, host, db, boss)
    qtbot.keyClicks(line(dialog, "name"), "Gamma")
    qtbot.keyClicks(line(dialog, "phone"), "13900001111")
    click(qtbot, dialog.save_button)
    assert dialog.duplicates is not None

    click(qtbot, dialog.duplicates.open_button)

    opened = [d for d in host.findChildren(CustomerDialog) if d.isVisible()]
    assert [d.customer_id for d in opened] == [existing]
    assert len(customers.list_customers(db, boss)) == 1


def test_a_contact_added_through_the_contacts_tab_is_stored(
    qtbot: QtBot,
    host: QWidget,
    db: Database,
    boss: Actor,
    answers: Answers,  # noqa: F811
) -> None:
    customer_id = add_customer(db, boss, "Delta Corp")
    dialog, notified = open_dialog(qtbot, host, db, boss, customer_id)
    assert dialog.tabs is not None
    page = dialog.tabs.open_tab("contacts")

    page.action("new").trigger()
    form = dialog.findChild(FormDialog, "contactDialog")
    assert form is not None and form.isVisible()
    qtbot.keyClicks(form.editor("name"), "Li Lei")
    qtbot.keyClicks(form.editor("mobile"), "13812345678")
    qtbot.keyClicks(form.editor("birthday"), "1990-05-01")
    primary = form.editor("is_primary")
    assert isinstance(primary, QCheckBox)
    primary.setChecked(True)
    click(qtbot, form.save_button)

    stored = contacts.list_contacts(db, boss, customer_id)
    assert [(c["name"], c["mobile"], str(c["birthday"]), c["is_primary"]) for c in stored] == [
        ("Li Lei", "13812345678", "1990-05-01", True)
    ]
    assert [row["name"] for row in page.rows()] == ["Li Lei"]
    assert "contacts" in notified.kinds()
    assert answers.errors == []


def test_field_history_shows_a_phone_change_and_restore_brings_the_old_number_back(
    qtbot: QtBot,
    host: QWidget,
    db: Database,
    boss: Actor,
    answers: Answers,  # noqa: F811
) -> None:
    customer_id = add_customer(db, boss, "Epsilon", "010-1111 1111")
    dialog, _notified = open_dialog(qtbot, host, db, boss, customer_id)
    type_into(qtbot, line(dialog, "phone"), "010-2222 2222")
    click(qtbot, dialog.save_button)
    assert customers.get_customer(db, boss, customer_id)["phone"] == "010-2222 2222"

    assert dialog.tabs is not None
    history = dialog.tabs.open_tab("history")
    change = next(r for r in history.rows() if r.field == "phone" and r.old_text)
    assert (change.operator_name, change.old_text, change.new_text) == (
        "王老板",
        "010-1111 1111",
        "010-2222 2222",
    )
    assert history.select_key(change.audit_id)
    assert history.action("restore").isEnabled()
    history.action("restore").trigger()

    assert answers.questions  # asked before restoring
    assert customers.get_customer(db, boss, customer_id)["phone"] == "010-1111 1111"
    assert line(dialog, "phone").text() == "010-1111 1111"
    assert history.rows()[0].new_text == "010-1111 1111"  # the restore is history too


def test_salesperson_without_transfer_right_cannot_change_the_owner(
    qtbot: QtBot, host: QWidget, db: Database, boss: Actor, make_operator: MakeOperator
) -> None:
    seller = make_operator("li", "salesperson", name="李四")
    customer_id = add_customer(db, seller, "Zeta")
    dialog, _notified = open_dialog(qtbot, host, db, seller, customer_id)
    assert dialog.panel is not None
    owner = dialog.panel.editor("owner_id")
    assert isinstance(owner, QComboBox)
    assert not owner.isEnabled()
    assert owner.currentText() == "李四"

    type_into(qtbot, line(dialog, "phone"), "021-5555 6666")
    click(qtbot, dialog.save_button)
    stored = customers.get_customer(db, seller, customer_id)
    assert (stored["phone"], stored["owner_id"]) == ("021-5555 6666", seller.id)

    manager, _n = open_dialog(qtbot, host, db, boss, customer_id)
    assert manager.panel is not None and manager.panel.editor("owner_id").isEnabled()


def test_escape_with_unsaved_edits_asks_and_keeps_the_window_when_declined(
    qtbot: QtBot,
    host: QWidget,
    db: Database,
    boss: Actor,
    answers: Answers,  # noqa: F811
) -> None:
    customer_id = add_customer(db, boss, "Eta")
    dialog, _notified = open_dialog(qtbot, host, db, boss, customer_id)
    qtbot.keyClicks(line(dialog, "address"), "Shanghai")

    answers.confirm = False
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.isVisible() and len(answers.questions) == 1

    answers.confirm = True
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert len(answers.questions) == 2
    assert customers.get_customer(db, boss, customer_id)["address"] is None


def test_inner_tabs_follow_the_operators_permissions_and_build_when_first_shown(
    qtbot: QtBot, host: QWidget, db: Database, boss: Actor, make_operator: MakeOperator
) -> None:
    customer_id = add_customer(db, boss, "Theta")
    dialog, _notified = open_dialog(qtbot, host, db, boss, customer_id)
    assert dialog.tabs is not None
    everything = ["contacts", "followups", "orders", "receipts", "service", "attachments"]
    assert list(dialog.tabs.pages) == [*everything, "history"]
    assert dialog.tabs.built("orders") is None  # not read until looked at
    for key in everything:
        page = dialog.tabs.open_tab(key)
        assert page.stack.currentWidget() is page.empty  # empty, not an error
        assert page.empty.text() == page.empty_text
    assert {row.field for row in dialog.tabs.open_tab("history").rows()} == {"name", "owner_id"}

    service = make_operator("fix", "service")  # sees customers, not orders or receipts
    other, _n = open_dialog(qtbot, host, db, service, customer_id)
    assert other.tabs is not None
    assert "orders" not in other.tabs.pages and "receipts" not in other.tabs.pages
    assert other.tabs.open_tab("history").actions_by_key.get("restore") is None
    assert not other.save_button.isEnabled()


def test_a_followup_recorded_elsewhere_appears_in_the_followups_tab(
    qtbot: QtBot, host: QWidget, db: Database, boss: Actor
) -> None:
    from crm_desktop.core.changes import Changes
    from crm_desktop.core.services import followups

    customer_id = add_customer(db, boss, "Iota")
    dialog, _notified = open_dialog(qtbot, host, db, boss, customer_id)
    assert dialog.tabs is not None
    page = dialog.tabs.open_tab("followups")
    assert page.rows() == []

    followups.record_followup(
        db, boss, {"customer_id": customer_id, "method": "phone", "content": "Asked for a quote"}
    )
    dialog.ctx.notify(Changes.of("followups"))
    assert [row.content for row in page.rows()] == ["Asked for a quote"]
    assert "Last follow-up: never" not in dialog.info.text()

    page.action("record").trigger()
    recorder = dialog.findChild(QWidget, "followupDialog")
    assert recorder is not None and recorder.isVisible()


def test_a_file_attached_through_the_attachments_tab_is_listed_and_a_too_big_one_is_refused(
    qtbot: QtBot,
    host: QWidget,
    db: Database,
    boss: Actor,
    answers: Answers,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    from crm_desktop.core.services import attachments
    from crm_desktop.ui.customers import attachments_panel

    small, big = tmp_path / "offer.txt", tmp_path / "video.bin"
    small.write_text("price list")
    big.write_bytes(b"x" * 2048)
    monkeypatch.setattr(attachments, "MAX_ATTACHMENT_BYTES", 1024)
    customer_id = add_customer(db, boss, "Kappa")
    dialog, notified = open_dialog(qtbot, host, db, boss, customer_id)
    assert dialog.tabs is not None
    page = dialog.tabs.open_tab("attachments")

    monkeypatch.setattr(attachments_panel, "choose_files", lambda _parent: [small, big])
    page.action("add").trigger()
    assert [row.filename for row in page.rows()] == ["offer.txt"]
    assert len(answers.errors) == 1 and "video.bin" in answers.errors[0]
    assert "attachments" in notified.kinds()

    opened: list[Path] = []
    monkeypatch.setattr(attachments_panel, "open_folder", lambda: tmp_path / "open")
    monkeypatch.setattr(attachments_panel, "open_file", opened.append)
    (tmp_path / "open").mkdir()
    assert page.select_key(page.rows()[0].id)
    page.action("open").trigger()
    assert [p.read_text() for p in opened] == ["price list"]

    page.action("remove").trigger()
    assert answers.questions and page.rows() == []
    assert attachments.list_attachments(db, boss, "customer", customer_id) == []


def test_the_window_opens_again_at_the_size_it_was_closed_with(
    qtbot: QtBot, host: QWidget, db: Database, boss: Actor
) -> None:
    customer_id = add_customer(db, boss, "Lambda")
    first, _notified = open_dialog(qtbot, host, db, boss, customer_id)
    first.resize(700, 520)
    first.close()

    second, _notified = open_dialog(qtbot, host, db, boss, customer_id)
    assert second is not first
    assert (second.width(), second.height()) == (700, 520)
