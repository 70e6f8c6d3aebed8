"""What every window and tab is given: the database, the logged-in operator, and the change bus.

A widget that saved something calls `ctx.notify(Changes.of("customers"))`; the main window hands
that to every tab, and each refreshes only if it shows that kind of record. Changes from other
PCs arrive the same way (a poller emits `Changes.everything()`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import QObject, Signal

from crm_desktop.core.actor import Actor
from crm_desktop.core.changes import Changes
from crm_desktop.core.db import Database


class ChangeBus(QObject):
    changed = Signal(object)  # Changes: records of these kinds were written
    language_requested = Signal(str)  # "zh_CN" or "en": rebuild the windows in that language


@dataclass
class AppContext:
    db: Database
    actor: Actor
    presence_key: str | None = None
    bus: ChangeBus = field(default_factory=ChangeBus)

    def notify(self, changes: Changes) -> None:
        if changes:
            self.bus.changed.emit(changes)
