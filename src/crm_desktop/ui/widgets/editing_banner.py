"""The soft lock as a person sees it: a yellow line "Being edited by 李四 on PC-02 since 14:05".

An edit form for an existing record calls `watch(db, presence_key, entity, id)`: on a worker
thread (a share on a LAN must never freeze the window) it marks this session as editing the record
(`presence.start_editing`) and asks who else has it open; the banner appears when someone does.
`release()` (the form closing) clears the mark. Nothing is refused because of it: when both save,
the second save meets the version check and is shown the differences.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from PySide6.QtWidgets import QLabel, QWidget

from crm_desktop.core.db import Database, presence
from crm_desktop.core.db.presence import Connected
from crm_desktop.core.i18n import _
from crm_desktop.ui import ops
from crm_desktop.ui.widgets.record_table_model import local_time


def since_text(since: datetime, now: datetime) -> str:
    """14:05 today, 2026-03-04 14:05 on another day (local time)."""
    when, today = local_time(since), local_time(now)
    return when.strftime("%H:%M" if when.date() == today.date() else "%Y-%m-%d %H:%M")


def banner_text(editors: Sequence[Connected], now: datetime) -> str:
    """ "Being edited by 李四 on PC-02 since 14:05 — if you both save, …" ("" for nobody)."""
    if not editors:
        return ""
    who = _(", ").join(
        _("{name} on {pc} since {time}").format(
            name=editor.operator_name or _("someone"),
            pc=editor.pc_name,
            time=since_text(editor.since, now),
        )
        for editor in editors
    )
    return _(
        "Being edited by {who} — if you both save, the second save will show the differences."
    ).format(who=who)


class EditingBanner(QLabel):
    """Hidden until someone else has the record open; see the module docstring."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("editingBanner")
        self.setWordWrap(True)
        self.setStyleSheet(
            "QLabel#editingBanner { color: #5c4500; background: #fff3b0;"
            " border: 1px solid #e8cf5a; border-radius: 3px; padding: 6px; }"
        )
        self.hide()
        self.editors: list[Connected] = []
        self.marking: ops.Operation | None = None  # the start mark, while it is being written
        self._mark: tuple[Database, str, str, int] | None = None

    def watch(self, db: Database, presence_key: str | None, entity: str, entity_id: int) -> None:
        """Mark this session as editing the record and show who else is (off the GUI thread).

        Without a presence key (no heartbeat: a test, a tool) there is nothing to mark.
        """
        self.release()
        if presence_key is None:
            return
        self._mark = (db, presence_key, entity, entity_id)

        def mark(_progress: ops.Progress) -> tuple[list[Connected], datetime]:
            presence.start_editing(db, presence_key, entity, entity_id)
            others = presence.editors_of(db, entity, entity_id, exclude=presence_key)
            return others, db.clock.now()

        self.marking = ops.run(
            mark,
            parent=self,
            on_success=lambda found: self.show_editors(*found),
            on_error=lambda _exc: None,  # only a hint: a busy or lost share is told on save
            show_progress=False,
        )

    def show_editors(self, editors: Sequence[Connected], now: datetime) -> None:
        self.editors = list(editors)
        self.setText(banner_text(self.editors, now))
        self.setVisible(bool(self.editors))

    def release(self) -> None:
        """The form closes or shows another record: clear the mark (after it was written)."""
        if self._mark is None:
            return
        db, key, entity, entity_id = self._mark
        self._mark = None

        def clear() -> None:
            ops.run(
                lambda _progress: presence.stop_editing(db, key, entity, entity_id),
                on_error=lambda _exc: None,  # a stale mark expires with the session anyway
                show_progress=False,
            )

        marking, self.marking = self.marking, None
        if marking is not None and not marking.done:
            marking.finished.connect(clear)  # never clear before the mark is written
        else:
            clear()
