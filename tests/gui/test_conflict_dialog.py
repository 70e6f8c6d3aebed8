"""Two PCs on one file edit the same customer: the second save shows the fields side by side.

PC A (the boss) has the customer's window open; PC B (李四 on PC-02) saves first. A's save meets
the version check and the conflict dialog lists the fields A changed, theirs beside yours. Keep
theirs, Keep mine and Save merged each store exactly what was chosen, and a field only B changed
is never overwritten. While B has the customer open, A's window names B in a yellow line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit, QWidget
from pytestqt.qtbot import QtBot

from crm_desktop.core.actor import Actor
from crm_desktop.core.clock import FixedClock
from crm_desktop.core.db import Database, presence
from crm_desktop.core.errors import DatabaseBusy
from crm_desktop.core.services import customers
from crm_desktop.ui.customers.detail import CustomerDialog, open_customer
from crm_desktop.ui.widgets import Field, FormDialog, prompts
from crm_desktop.ui.widgets.conflict_dialog import ConflictDialog
from tests.gui.settings_helpers import make_ctx

pytestmark = pytest.mark.sqlite_only(reason="two Database objects on one SQLite file")


@dataclass
class Conflicts:
    """The conflict dialogs shown, each answered by `reply` (it clicks like a person would)."""

    reply: Callable[[ConflictDialog], None] = lambda dialog: dialog.cancel_button.click()
    shown: list[ConflictDialog] = field(default_factory=list)


@pytest.fixture
def conflicts(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> Conflicts:
    given = Conflicts()

    def ask(dialog: ConflictDialog) -> str | None:
        given.shown.append(dialog)
        dialog.show()
        dialog.activateWindow()  # as exec() would: the keyboard goes to the dialog
        qtbot.waitUntil(dialog.isActiveWindow)
        given.reply(dialog)
        return dialog.decision

    monkeypatch.setattr(prompts, "ask_conflict", ask)
    return given


@pytest.fixture
def pc_b(db: Database, db_path: Path, clock: FixedClock) -> Iterator[Database]:
    """The same file opened by the app on another PC."""
    other = Database(f"sqlite:///{db_path}", clock=clock)
    other.pc_name = "PC-02"
    yield other
    other.dispose()


@pytest.fixture
def host(qtbot: QtBot) -> QWidget:
    window = QWidget()
    qtbot.addWidget(window)
    return window


@pytest.fixture
def customer_id(db: Database, team: dict[str, Actor]) -> int:
    return customers.create_customer(
        db, team["li"], {"name": "上海明远贸易", "phone": "021-1111", "address": "浦东路1号"}
    )


def open_on_a(
    qtbot: QtBot, host: QWidget, db: Database, actor: Actor, customer_id: int
) -> CustomerDialog:
    ctx, _notified = make_ctx(db, actor)
    ctx.presence_key = presence.join(db, actor)
    dialog = open_customer(ctx, host, customer_id)
    assert isinstance(dialog, CustomerDialog)
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(lambda: dialog.editing.marking is None or dialog.editing.marking.done)
    return dialog


def type_into(qtbot: QtBot, dialog: CustomerDialog, key: str, text: str) -> None:
    assert dialog.panel is not None
    editor = dialog.panel.editor(key)
    assert isinstance(editor, QLineEdit)
    editor.selectAll()
    qtbot.keyClick(editor, Qt.Key.Key_Delete)
    qtbot.keyClicks(editor, text)


def shown(dialog: CustomerDialog, key: str) -> str:
    assert dialog.panel is not None
    editor = dialog.panel.editor(key)
    assert isinstance(editor, QLineEdit)
    return editor.text()


def stored(db: Database, actor: Actor, customer_id: int) -> tuple[str, str, str, int]:
    values = customers.get_customer(db, actor, customer_id)
    return values["phone"], values["address"], values["email"] or "", values["version"]


def both_edit(
    qtbot: QtBot,
    host: QWidget,
    db: Database,
    pc_b: Database,
    boss: Actor,
    li: Actor,
    customer_id: int,
) -> CustomerDialog:
    """A opens the customer; B saves a new phone and address; A types a phone and an email."""
    dialog = open_on_a(qtbot, host, db, boss, customer_id)
    customers.update_customer(
        pc_b, li, customer_id, 1, {"phone": "021-2222", "address": "浦西路2号"}
    )
    type_into(qtbot, dialog, "phone", "021-3333")
    type_into(qtbot, dialog, "email", "boss@example.com")
    return dialog


def test_a_stale_save_lists_the_fields_theirs_beside_yours_and_who_saved(
    qtbot: QtBot,
    host: QWidget,
    db: Database,
    pc_b: Database,
    boss: Actor,
    team: dict[str, Actor],
    customer_id: int,
    conflicts: Conflicts,
) -> None:
    dialog = both_edit(qtbot, host, db, pc_b, boss, team["li"], customer_id)

    assert dialog.save() is False  # Cancel: nothing saved, the form keeps what was typed

    conflict = conflicts.shown[0]
    assert conflict.header.text().startswith("李四 saved this record at ")
    table = conflict.table
    cells = [
        [table.item(row, column).text() for column in range(3)] for row in range(table.rowCount())
    ]
    assert cells == [["Phone", "021-2222", "021-3333"], ["Email", "(empty)", "boss@example.com"]]
    assert [conflict.choice(key) for key in ("phone", "email")] == ["yours", "yours"]
    assert [row.both_changed for row in conflict.rows] == [True, False]  # B left email alone
    assert stored(db, boss, customer_id) == ("021-2222", "浦西路2号", "", 2)
    assert (shown(dialog, "phone"), shown(dialog, "email")) == ("021-3333", "boss@example.com")
    assert "李四 saved this record" in dialog.panel.error.text()


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        # Keep theirs: nothing of A's is saved; the form shows what B stored.
        ("theirs", ("021-2222", "浦西路2号", "", 2)),
        # Keep mine: A's phone and email over B's; B's address (A never touched it) stays.
        ("mine", ("021-3333", "浦西路2号", "boss@example.com", 3)),
        # Merged: B's phone, A's email, B's address.
        ("merged", ("021-2222", "浦西路2号", "boss@example.com", 3)),
    ],
)
def test_each_answer_stores_exactly_what_was_chosen_and_the_form_shows_the_result(
    qtbot: QtBot,
    host: QWidget,
    db: Database,
    pc_b: Database,
    boss: Actor,
    team: dict[str, Actor],
    customer_id: int,
    conflicts: Conflicts,
    answer: str,
    expected: tuple[str, str, str, int],
) -> None:
    def reply(conflict: ConflictDialog) -> None:
        if answer == "merged":
            conflict.choose("phone", "theirs")
        button = {
            "theirs": conflict.theirs_button,
            "mine": conflict.mine_button,
            "merged": conflict.merged_button,
        }[answer]
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)

    conflicts.reply = reply
    dialog = both_edit(qtbot, host, db, pc_b, boss, team["li"], customer_id)

    dialog.save()

    assert stored(db, boss, customer_id) == expected
    phone, address, email, _version = expected
    assert (shown(dialog, "phone"), shown(dialog, "address"), shown(dialog, "email")) == (
        phone,
        address,
        email,
    )
    assert dialog.panel is not None and not dialog.panel.is_dirty()
    assert dialog.panel.version == expected[3]


def test_the_choice_is_made_with_the_keyboard(
    qtbot: QtBot,
    host: QWidget,
    db: Database,
    pc_b: Database,
    boss: Actor,
    team: dict[str, Actor],
    customer_id: int,
    conflicts: Conflicts,
) -> None:
    def reply(conflict: ConflictDialog) -> None:
        first = conflict.radios[("phone", "yours")]
        assert conflict.focusWidget() is first  # the first row's choice has the focus
        qtbot.keyClick(first, Qt.Key.Key_Left)  # theirs for the phone
        qtbot.keyClick(conflict.focusWidget(), Qt.Key.Key_Return)  # Save merged (the default)

    conflicts.reply = reply
    dialog = both_edit(qtbot, host, db, pc_b, boss, team["li"], customer_id)

    dialog.save()

    assert conflicts.shown[0].decision == "merged"
    assert stored(db, boss, customer_id) == ("021-2222", "浦西路2号", "boss@example.com", 3)


def test_a_customer_open_on_another_pc_names_who_and_where_until_they_close_it(
    qtbot: QtBot,
    host: QWidget,
    db: Database,
    pc_b: Database,
    boss: Actor,
    team: dict[str, Actor],
    customer_id: int,
    clock: FixedClock,
) -> None:
    key_b = presence.join(pc_b, team["li"])
    presence.start_editing(pc_b, key_b, "customer", customer_id)  # B opened the customer
    clock.advance(seconds=90)

    dialog = open_on_a(qtbot, host, db, boss, customer_id)

    banner = dialog.editing
    qtbot.waitUntil(banner.isVisible)
    assert banner.text().startswith("Being edited by 李四 on PC-02 since ")
    assert "the second save will show the differences" in banner.text()
    assert dialog.save_button.isEnabled()  # a hint, never a refusal
    editors = presence.editors_of(pc_b, "customer", customer_id, exclude=key_b)
    assert [(e.operator_name, e.pc_name) for e in editors] == [("王老板", db.pc_name)]

    dialog.close()

    qtbot.waitUntil(lambda: not presence.editors_of(pc_b, "customer", customer_id, exclude=key_b))


def test_nobody_else_editing_shows_no_banner(
    qtbot: QtBot, host: QWidget, db: Database, boss: Actor, customer_id: int
) -> None:
    dialog = open_on_a(qtbot, host, db, boss, customer_id)

    assert dialog.editing.marking is not None and dialog.editing.marking.done
    assert not dialog.editing.isVisible()


def test_a_lost_share_keeps_what_was_typed_and_save_again_stores_it(
    qtbot: QtBot, host: QWidget, db: Database, db_path: Path, boss: Actor, customer_id: int
) -> None:
    dialog = open_on_a(qtbot, host, db, boss, customer_id)
    type_into(qtbot, dialog, "phone", "021-9999")
    away = db_path.with_name("away.db")
    db_path.rename(away)  # the NAS fell asleep

    assert dialog.save() is False

    assert dialog.panel is not None
    error = dialog.panel.error.text()
    assert "Cannot reach the database" in error
    assert "Your entries are kept; press Save again when the database is back." in error
    assert shown(dialog, "phone") == "021-9999" and dialog.isVisible()
    assert QApplication.overrideCursor() is None  # the wait cursor went away

    away.rename(db_path)
    assert dialog.save() is True
    assert customers.get_customer(db, boss, customer_id)["phone"] == "021-9999"


def test_the_wait_cursor_shows_while_a_save_waits_and_a_busy_database_is_told_in_the_form(
    qtbot: QtBot,
) -> None:
    cursors: list[Qt.CursorShape | None] = []

    def busy_save(_values: dict[str, object], _version: int | None) -> None:
        cursor = QApplication.overrideCursor()
        cursors.append(cursor.shape() if cursor is not None else None)
        raise DatabaseBusy("Another PC kept the database busy.")

    dialog = FormDialog("Test", [Field("name", "Name")], {"name": "a", "version": 1}, busy_save)
    qtbot.addWidget(dialog)
    dialog.panel.editor("name").setText("b")  # type: ignore[attr-defined]

    dialog.submit()

    assert cursors == [Qt.CursorShape.WaitCursor]
    assert QApplication.overrideCursor() is None
    assert dialog.panel.error.text() == (
        "Another PC kept the database busy.\nYour entries are kept; press Save again in a moment."
    )
    assert dialog.panel.editor("name").text() == "b"  # type: ignore[attr-defined]
