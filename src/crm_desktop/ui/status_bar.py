"""The status bar: who is working, on which database, and who else is connected.

"Who else" matters on a shared file: before a migration or a restore the boss can see which PCs
still have the database open. Short notices (backup done or failed) appear here too, because
housekeeping must never interrupt the person with a dialog.

Unread annotations from a manager show as a clickable count ("2 unread annotations") that leads
to the Today tab; it is hidden when there are none.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QLabel, QStatusBar, QToolButton, QWidget

from crm_desktop.core.actor import Actor
from crm_desktop.core.changes import Changes
from crm_desktop.core.i18n import _, ngettext

if TYPE_CHECKING:
    from crm_desktop.ui.context import AppContext

UNREAD_KINDS = ("annotations", "followups")

NOTICE_MS = 15_000


class StatusBar(QStatusBar):
    unread_clicked = Signal()  # the person wants to read their unread annotations

    def __init__(self, actor: Actor, location: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.unread = QToolButton()
        self.unread.setObjectName("unreadAnnotations")
        self.unread.setAutoRaise(True)
        font = QFont(self.unread.font())
        font.setBold(True)
        self.unread.setFont(font)
        self.unread.setToolTip(_("Show them in the Today tab"))
        self.unread.clicked.connect(self.unread_clicked.emit)
        self._ctx: AppContext | None = None
        self._unread = 0
        self.addPermanentWidget(self.unread)
        self.set_unread(0)
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

    def set_unread(self, count: int) -> None:
        """Show how many annotations the operator has not read yet; hidden when none."""
        self.unread.setText(
            ngettext("{n} unread annotation", "{n} unread annotations", count).format(n=count)
        )
        self._unread = count
        self.unread.setVisible(count > 0)

    def unread_count(self) -> int:
        """The count shown (0: hidden)."""
        return self._unread

    def watch_unread(self, ctx: AppContext) -> None:
        """Count now, and again whenever follow-ups or annotations change (here or on other PCs).

        Connected as a bound method, so the connection ends with this status bar.
        """
        self._ctx = ctx
        ctx.bus.changed.connect(self._count_unread)
        self._count_unread(Changes.everything())

    def _count_unread(self, changes: Changes) -> None:
        from crm_desktop.ui.today import unread_count

        if self._ctx is not None and changes.touches(*UNREAD_KINDS):
            self.set_unread(unread_count(self._ctx))
