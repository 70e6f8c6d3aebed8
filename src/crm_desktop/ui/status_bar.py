"""The status bar: who is working, on which database, and who else is connected.

"Who else" matters on a shared file: before a migration or a restore the boss can see which PCs
still have the database open. Short notices (backup done or failed) appear here too, because
housekeeping must never interrupt the person with a dialog.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from crm_desktop.core.actor import Actor
from crm_desktop.core.i18n import _

NOTICE_MS = 15_000


class StatusBar(QStatusBar):
    def __init__(self, actor: Actor, location: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.operator = QLabel(_("{name} ({role})").format(name=actor.name, role=actor.role_name))
        self.operator.setObjectName("operator")
        self.database = QLabel(location)
        self.database.setObjectName("database")
        self.database.setToolTip(
            _("The database this window works on: {location}").format(location=location)
        )
        self.others = QLabel()
        self.others.setObjectName("others")
        self.addPermanentWidget(self.others)
        self.addPermanentWidget(self.operator)
        self.addPermanentWidget(self.database)
        self.set_connected([])

    def set_connected(self, others: Sequence[object]) -> None:
        """`others` are presence.Connected rows (other sessions, this one excluded)."""
        names = [f"{getattr(o, 'operator_name', None) or '?'}@{o.pc_name}" for o in others]
        self.others.setText(
            _("Also connected: {names}").format(names=_(", ").join(names)) if names else ""
        )
        self.others.setVisible(bool(names))

    def notice(self, text: str) -> None:
        """A passing message, e.g. that the daily backup failed; it does not block anything."""
        self.showMessage(text, NOTICE_MS)
