"""The app on an unsafe shared file: WAL mode in use is refused with the explanation; a database
in a cloud-synced folder is warned about once per file, then opens without nagging."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from crm_desktop.ui.database_dialog import DatabaseDialog
from crm_desktop.ui.login_dialog import LoginDialog


def _seeded_copy(templates: dict[str, Path], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(templates["seeded"], path)
    return path


def test_a_database_held_in_wal_mode_is_refused_with_the_explanation(templates, tmp_path, launch):
    path = _seeded_copy(templates, tmp_path / "share" / "crm.db")
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("PRAGMA journal_mode=WAL")
    other.execute("UPDATE company_profile SET name = 'WAL 公司'")  # in use: its log is open
    try:
        launcher = launch(path)
        assert isinstance(launcher.dialog, DatabaseDialog)
        assert "WAL mode" in launcher.dialog.message.text()
        assert "Close every program" in launcher.dialog.message.text()
        assert launcher.db is None
    finally:
        other.close()


def test_a_database_in_a_synced_folder_is_warned_about_once_then_opens_quietly(
    templates, tmp_path, launch, boxes
):
    path = _seeded_copy(templates, tmp_path / "OneDrive - 公司" / "crm.db")

    first = launch(path)
    assert isinstance(first.dialog, LoginDialog)  # a warning, not a refusal
    assert [box.kind for box in boxes] == ["warning"]
    assert "OneDrive" in boxes[0].text and "conflicted copies" in boxes[0].text
    first.quit(0)

    second = launch(path)
    assert isinstance(second.dialog, LoginDialog)
    assert len(boxes) == 1  # acknowledged on this PC: not shown again

    other = launch(_seeded_copy(templates, tmp_path / "Dropbox" / "crm.db"))
    assert isinstance(other.dialog, LoginDialog)
    assert len(boxes) == 2 and "Dropbox" in boxes[1].text  # another file: warned about
