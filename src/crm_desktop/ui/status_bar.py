"""The status bar: who is working, on which database, and who else is connected.

"Who else" matters on a shared file: before a migration or a restore the boss can see which PCs
still have the database open. Short notices (backup done or failed) appear here too, because
housekeeping must never interrupt the person with a dialog.

When the database cannot be reached (a dropped share, a sleeping NAS) a red line says so until it
is back; it is a label, not a dialog, so nothing interrupts the person's typing.

Unread annotations from a manager show as a clickable count ("2 unread annotations") that leads
to the Today tab; it is hidden when there are none.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QLabel, QSizePolicy, QStatusBar, QToolButton, QWidget

from crm_desktop.core.actor import Actor
from crm_desktop.core.changes import Changes
from crm_desktop.core.i18n import _, ngettext
from crm_desktop.ui.widgets.record_table_model import local_time

if TYPE_CHECKING:
    from crm_desktop.ui.context import AppContext

UNREAD_KINDS = ("annotations", "followups")

NOTICE_MS = 15_000
OFFLINE_MIN_WIDTH = 240
NAMES_SHOWN = 3  # more connected sessions than this: "and N more" (all of them in the tooltip)
OFFLINE_STYLE = (
    "QLabel#offline { background: #f8d7da; color: #842029; border: 1px solid #f1aeb5;"
    " border-radius: 3px; padding: 1px 6px; }"
)


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
        self.offline = QLabel()
        self.offline.setObjectName("offline")
        self.offline.setStyleSheet(OFFLINE_STYLE)
        # A long path must not widen the window: the label takes the room there is (full text
        # in the tooltip).
        self.offline.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.offline.setMinimumWidth(OFFLINE_MIN_WIDTH)
        self.offline.hide()
        self.insertPermanentWidget(0, self.offline, 1)  # left of the rest, as wide as it needs
        self.addPermanentWidget(self.others)
        self.addPermanentWidget(self.operator)
        self.addPermanentWidget(self.database)
        self.set_connected([])

    def set_connected(self, others: Sequence[object]) -> None:
        """`others` are presence.Connected rows (other sessions, this one excluded): a few names
        on the bar, and who, on which PC, since when and with which version in the tooltip."""
        names = [f"{_operator(o)}@{getattr(o, 'pc_name', '?')}" for o in others]
        shown = _(", ").join(names[:NAMES_SHOWN])
        if len(names) > NAMES_SHOWN:
            more = len(names) - NAMES_SHOWN
            shown = ngettext("{names} and {n} more", "{names} and {n} more", more).format(
                names=shown, n=more
            )
        self.others.setText(_("Also connected: {names}").format(names=shown) if names else "")
        self.others.setToolTip("\n".join(_connected_line(o) for o in others))
        self.others.setVisible(bool(names))

    def set_offline(self, text: str | None, reason: str = "") -> None:
        """Show that the database cannot be reached (`text`), until None says it is back.

        Who else is connected is hidden meanwhile (it would be stale); the next heartbeat after
        the database is back shows it again."""
        was_offline = bool(self.offline.text())
        self.offline.setText(text or "")
        self.offline.setToolTip("\n\n".join(part for part in (text, reason) if part))
        self.offline.setVisible(bool(text))
        if text:
            self.others.hide()
        elif was_offline:
            self.notice(_("Connected again."))

    def offline_text(self) -> str:
        """The warning shown ("" while the database is reachable)."""
        return self.offline.text()

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


def _operator(connected: object) -> str:
    return getattr(connected, "operator_name", None) or _("(not logged in)")


def _connected_line(connected: object) -> str:
    """One tooltip line: "李四 on PC-2, connected since 2026-03-02 09:15, version 0.8.0"."""
    since = getattr(connected, "since", None)
    when = local_time(since).strftime("%Y-%m-%d %H:%M") if isinstance(since, datetime) else "?"
    return _("{operator} on {pc}, connected since {since}, version {version}").format(
        operator=_operator(connected),
        pc=getattr(connected, "pc_name", "?"),
        since=when,
        version=getattr(connected, "app_version", "?"),
    )
