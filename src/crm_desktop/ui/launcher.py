"""The way from start-up to the main window and back: database, first run, login, session.

    open the database ─▶ not set up? first-run wizard ─▶ login dialog (or --user) ─▶ main window
          │ CrmError                                                      log out ◀──┘
          └▶ "choose another / create a new / quit"

Every step shows a window and waits for its signal instead of running a nested event loop, so
tests drive the same path a person does. The launcher owns what outlives one window: the open
database, the presence row and its heartbeat, and the language switch (which rebuilds the
window). Automation (`--user`, `--quit-after-show`) never waits for a person: anything that
would need one is printed to stderr and ends the run with a non-zero exit code.
"""

from __future__ import annotations

import contextlib
import sys
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QWidget

from crm_desktop.core import i18n
from crm_desktop.core.actor import Actor
from crm_desktop.core.errors import CrmError
from crm_desktop.core.i18n import _
from crm_desktop.ui import ops, preferences, qt_translations

HEARTBEAT_MS = 30_000
EXIT_NEEDS_PERSON = 2


@dataclass
class LaunchOptions:
    database: str | None = None  # --db: used for this run, not remembered
    user: str | None = None  # --user: log in with `password`, no login dialog
    password: str | None = None
    quit_after_show: bool = False


def open_database(location: str) -> Any:
    """Open and migrate; raises a CrmError a person can read (or a bug).

    A file in WAL mode (unsafe on a share) is switched back when nobody else has it open, else
    refused (UnsafeDatabase); a newer schema is refused by `upgrade` (NewerDatabase).
    """
    from crm_desktop.core.db import Database, database_url
    from crm_desktop.core.db.engine import sqlite_path
    from crm_desktop.core.db.migrate import upgrade
    from crm_desktop.core.db.safety import refuse_unsafe

    url = database_url(location)
    path = sqlite_path(url)
    if path is not None:
        refuse_unsafe(path)
    db = Database(url)
    try:
        upgrade(db)
    except BaseException:
        db.dispose()
        raise
    return db


class _FirstPaint(QObject):
    """Calls back once, after the watched window has painted for the first time."""

    def __init__(self, window: QWidget, callback: Any) -> None:
        super().__init__(window)
        self.callback = callback
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and self.callback is not None:
            callback, self.callback = self.callback, None
            QTimer.singleShot(0, callback)  # after this paint has reached the screen
        return False


class Launcher(QObject):
    finished = Signal(int)  # the exit code; app.main ends the event loop with it

    def __init__(self, options: LaunchOptions | None = None, splash: Any = None) -> None:
        super().__init__()
        self.options = options or LaunchOptions()
        self.splash = splash  # closed when the first real window appears
        self.db: Any = None
        self.location = ""
        self.ctx: Any = None
        self.window: Any = None
        self.dialog: QWidget | None = None  # the wizard, login or database dialog on screen
        self.exit_code: int | None = None
        self.poller: Any = None  # ChangePoller of the session: other PCs' changes, offline state
        self.heartbeat = QTimer(self)
        self.heartbeat.setInterval(HEARTBEAT_MS)
        self.heartbeat.timeout.connect(self.beat)
        self.reminders: Any = None  # calendar.reminders.ReminderWatcher of the session

    # -- language ---------------------------------------------------------------------------

    @staticmethod
    def apply_language(code: str | None, *, remember: bool = False) -> str:
        """Switch our strings and Qt's; `remember` stores it for the next start."""
        chosen = i18n.set_language(code)
        qt_translations.install(chosen)
        if remember:
            preferences.set_text(preferences.LANGUAGE, chosen)
        return chosen

    # -- the database -----------------------------------------------------------------------

    def start(self) -> None:
        remembered = preferences.text(preferences.DATABASE)
        location = self.options.database or remembered or str(_default_location())
        if not self.options.database and remembered and _missing_file(remembered):
            self._database_problem(remembered, _missing_remembered(remembered))
            return
        from crm_desktop.ui import database_dialog as where

        location = where.with_saved_password(location)  # a team server: password kept here?
        if where.needs_password(location) and not self.options.quit_after_show:
            self.ask_server_password(location)
            return
        self.open(location)

    def ask_server_password(self, location: str) -> None:
        """A remembered team server: ask for the password (never stored unless chosen)."""
        from crm_desktop.core.errors import DatabaseMissing
        from crm_desktop.ui.database_dialog import ServerDialog

        dialog = ServerDialog(location)
        dialog.connected.connect(lambda url: self.open(url, remember=True))
        problem = DatabaseMissing(_("No password was given for the team server."))
        dialog.rejected.connect(lambda: self._database_problem(location, problem))
        self._show_dialog(dialog)

    def open(self, location: str, *, remember: bool = False) -> None:
        """Open `location`; on success go on to first run or login, else offer a way out."""
        try:
            db = open_database(location)
            initialized = _is_initialized(db)
        except Exception as exc:
            self._database_problem(location, exc)
            return
        self._close_database()
        from crm_desktop.ui.database_dialog import remembered_location  # no server password

        self.db, self.location = db, remembered_location(location)
        from crm_desktop.ui.location_warning import warn_once  # synced folder: once per file

        warn_once(db, self.splash or self.dialog, automated=self.options.quit_after_show)
        if remember:
            preferences.set_text(preferences.DATABASE, self.location)
        if not initialized:
            self.show_first_run()
        elif self.options.user:
            self.auto_login()
        else:
            self.show_login()

    def _database_problem(self, location: str, exc: Exception) -> None:
        from crm_desktop.ui.database_dialog import remembered_location

        location = remembered_location(location)  # a server password is never shown or kept
        if isinstance(exc, CrmError):
            message = exc.message
        else:
            message = _("The database {location} cannot be opened: {error}").format(
                location=location, error=exc
            )
        if self.options.quit_after_show:
            self.give_up(message)
            return
        from crm_desktop.ui.database_dialog import DatabaseDialog

        can_cancel = self.db is not None  # back to the login of the database already open
        dialog = DatabaseDialog(message, location, can_cancel=can_cancel)
        dialog.chosen.connect(lambda path: self.open(path, remember=True))
        dialog.rejected.connect(self.show_login if can_cancel else lambda: self.quit(1))
        self._show_dialog(dialog)

    def change_database(self) -> None:
        """From the login dialog: pick or create another database; Cancel keeps the current."""
        from crm_desktop.ui.database_dialog import DatabaseDialog

        message = _("You are using the database {location}.").format(location=self.location)
        dialog = DatabaseDialog(message, self.location, can_cancel=True)
        dialog.chosen.connect(lambda path: self.open(path, remember=True))
        dialog.rejected.connect(self.show_login)
        self._show_dialog(dialog)

    def _close_database(self) -> None:
        if self.db is not None:
            self.db.dispose()
            self.db = None

    # -- first run and login ----------------------------------------------------------------

    def show_first_run(self) -> None:
        if self.options.quit_after_show:
            self.give_up(
                _("The database {location} has not been set up yet.").format(location=self.location)
            )
            return
        from crm_desktop.ui.first_run import FirstRunWizard

        wizard = FirstRunWizard(self.db)
        wizard.language_changed.connect(
            lambda code: (self.apply_language(code, remember=True), wizard.retranslate())
        )
        wizard.initialized.connect(lambda actor: self.show_login(user=actor.code))
        wizard.rejected.connect(lambda: self.quit(0))
        self._show_dialog(wizard)

    def show_login(self, *, user: str | None = None, problem: str = "") -> None:
        from crm_desktop.core.services.company import company_name
        from crm_desktop.ui.login_dialog import LoginDialog

        try:
            company = company_name(self.db)
        except CrmError as exc:
            self._database_problem(self.location, exc)
            return
        dialog = LoginDialog(self.db, company, user=user, problem=problem)
        dialog.logged_in.connect(self.enter)
        dialog.change_database.connect(self.change_database)
        dialog.rejected.connect(lambda: self.quit(0) if self.dialog is dialog else None)
        self._show_dialog(dialog)

    def auto_login(self) -> None:
        """--user: log in with CRM_PASSWORD; on failure the login dialog says why."""
        from crm_desktop.core.services import auth

        user = self.options.user or ""
        try:
            actor = auth.login(self.db, user, self.options.password or "")
        except CrmError as exc:
            if self.options.quit_after_show:
                self.give_up(exc.message)
            else:
                self.show_login(user=user, problem=exc.message)
            return
        self.enter(actor)

    def _close_splash(self, successor: QWidget) -> None:
        if self.splash is not None:
            self.splash.finish(successor)
            self.splash = None

    def _show_dialog(self, dialog: QWidget) -> None:
        previous, self.dialog = self.dialog, dialog
        self._close_splash(dialog)
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        if previous is not None and previous is not dialog:
            previous.blockSignals(True)  # closing it is not the person's "Cancel"
            previous.close()
            previous.deleteLater()

    def _drop_dialog(self) -> None:
        if self.dialog is not None:
            self.dialog.blockSignals(True)
            self.dialog.close()
            self.dialog.deleteLater()
            self.dialog = None

    # -- the session ------------------------------------------------------------------------

    def enter(self, actor: Actor) -> None:
        """Logged in: register presence, open the main window, start the housekeeping."""
        from crm_desktop.core.db import presence
        from crm_desktop.ui.context import AppContext

        try:
            key = presence.join(self.db, actor)
        except CrmError as exc:
            if self.options.quit_after_show:
                self.give_up(exc.message)
            else:
                self.show_login(user=actor.code, problem=exc.message)
            return
        self.ctx = AppContext(self.db, actor, key)
        self.ctx.bus.language_requested.connect(self.switch_language)
        self.start_polling()  # before the window reads, so no change falls in between
        self.show_window(tab="home")  # targets and the day's work first
        self._drop_dialog()
        self.heartbeat.start()
        if self.options.quit_after_show:
            _FirstPaint(self.window, lambda: self.quit(0))
        else:
            QTimer.singleShot(0, self.housekeeping)
            self.start_reminders()

    def start_reminders(self) -> None:
        """Calendar reminders pop up while the app runs (checked off the GUI thread)."""
        from crm_desktop.ui.calendar.reminders import ReminderWatcher

        self.reminders = ReminderWatcher(self.ctx, lambda: self.window, parent=self)
        self.reminders.start()

    def show_window(self, tab: str | None = None, geometry: Any = None) -> None:
        from crm_desktop.ui.main_window import MainWindow

        window = MainWindow(self.ctx)
        window.logout_requested.connect(self.logout)
        window.closing.connect(lambda: self.quit(0))
        if geometry is not None:
            window.restoreGeometry(geometry)
        if tab:
            window.select_tab(tab)
        self.window = window
        if self.poller is not None and self.poller.is_offline:  # rebuilt while offline
            window.status.set_offline(self.poller.offline_text, self.poller.offline_reason)
        self._close_splash(window)
        window.show()
        self.beat()

    def housekeeping(self) -> None:
        """The daily backup, then the public-pool rule, off the GUI thread; a failure is a
        notice, not a dialog."""
        from crm_desktop.core.db.backup import backup_if_due

        db, window = self.db, self.window
        if db is None or window is None:
            return
        ops.run(
            lambda _progress: backup_if_due(db),
            parent=window,
            show_progress=False,
            on_success=lambda result: (
                result
                and window.status.notice(
                    _("Daily backup saved to {path}.").format(path=result.path)
                )
            ),
            on_error=lambda exc: window.status.notice(
                _("The daily backup failed: {error}").format(error=exc)
            ),
        )
        self.apply_pool_rules()
        self.escalate_complaints()
        self.recover_imports()

    def recover_imports(self) -> None:
        """Take back imports a crashed or killed PC left half done (once, after login)."""
        from crm_desktop.core.changes import Changes
        from crm_desktop.core.importing import batches

        ctx, window = self.ctx, self.window
        if ctx is None or window is None:
            return

        def recovered(batch_ids: Any) -> None:
            if batch_ids:
                window.status.notice(
                    _("An interrupted import was taken back ({count}).").format(
                        count=len(batch_ids)
                    )
                )
                ctx.notify(Changes.everything())

        ops.run(
            lambda _progress: batches.recover_interrupted(ctx.db),
            parent=window,
            show_progress=False,
            on_success=recovered,
            on_error=lambda exc: window.status.notice(
                _("Interrupted imports could not be checked: {error}").format(error=exc)
            ),
        )

    def apply_pool_rules(self) -> None:
        """Idle customers go back to the public pool when any PC logs in (the firm's rule)."""
        from crm_desktop.core.changes import Changes
        from crm_desktop.core.i18n import ngettext
        from crm_desktop.core.services import pool

        ctx, window = self.ctx, self.window
        if ctx is None or window is None:
            return

        def returned(run: Any) -> None:
            if run.returned:
                window.status.notice(
                    ngettext(
                        "{count} idle customer went back to the public pool.",
                        "{count} idle customers went back to the public pool.",
                        len(run.returned),
                    ).format(count=len(run.returned))
                )
                ctx.notify(Changes.of("customers"))

        ops.run(
            lambda _progress: pool.run_rules(ctx.db, ctx.actor),
            parent=window,
            show_progress=False,
            on_success=returned,
            on_error=lambda exc: window.status.notice(
                _("The public-pool rule could not run: {error}").format(error=exc)
            ),
        )

    def escalate_complaints(self) -> None:
        """Complaints open past the company's escalation days go to the handler's manager
        (the firm's rule, applied by whichever PC logs in first; off the GUI thread)."""
        from crm_desktop.core.changes import Changes
        from crm_desktop.core.services.escalation import escalate_overdue

        ctx, window = self.ctx, self.window
        if ctx is None or window is None:
            return

        def escalated(ids: Any) -> None:
            if ids:
                ctx.notify(Changes.of("service"))

        ops.run(
            lambda _progress: escalate_overdue(ctx.db, ctx.actor, ctx.db.clock.now()),
            parent=window,
            show_progress=False,
            on_success=escalated,
            on_error=lambda exc: window.status.notice(
                _("Overdue complaints could not be escalated: {error}").format(error=exc)
            ),
        )

    def start_polling(self) -> None:
        """Poll for other PCs' changes; being offline and back shows on the status bar."""
        from crm_desktop.ui.change_poller import ChangePoller

        poller = ChangePoller(self.ctx, self)
        poller.offline.connect(
            lambda text, reason: self.window and self.window.status.set_offline(text, reason)
        )
        poller.online.connect(self._back_online)
        poller.problem.connect(lambda text: self.window and self.window.status.notice(text))
        self.poller = poller
        poller.start()

    def _back_online(self) -> None:
        if self.window is not None:
            self.window.status.set_offline(None)
            self.beat()  # who else is connected, at once rather than at the next heartbeat

    def _beat_failed(self, exc: BaseException) -> None:
        """A heartbeat that cannot reach the database says so like the poller (once, calmly)."""
        from crm_desktop.ui.change_poller import unreachable

        if self.poller is not None and unreachable(exc):
            self.poller.went_offline(exc)
        elif self.window is not None:
            self.window.status.notice(_("Cannot reach the database: {error}").format(error=exc))

    def beat(self) -> None:
        """Heartbeat, then refresh "also connected"; both off the GUI thread (LAN shares stall)."""
        from crm_desktop.core.db import presence

        ctx, window = self.ctx, self.window
        if ctx is None or window is None or ctx.presence_key is None:
            return

        def work(_progress: Any) -> list[Any]:
            presence.heartbeat(ctx.db, ctx.presence_key)
            return presence.connected(ctx.db, exclude=ctx.presence_key)

        ops.run(
            work,
            parent=window,
            show_progress=False,
            on_success=window.status.set_connected,
            on_error=self._beat_failed,
        )

    def switch_language(self, code: str) -> None:
        """Settings asked for another language: rebuild the window in it (same tab, same place).

        Deferred to the event loop: the request comes from a widget inside the window that is
        about to be replaced, and deleting it inside its own signal would crash.
        """
        self.apply_language(code, remember=True)
        QTimer.singleShot(0, self._rebuild_window)

    def _rebuild_window(self) -> None:
        old = self.window
        if old is None:
            return
        tab, geometry = old.current_tab_key(), old.saveGeometry()
        old.detach()
        self.show_window(tab=tab, geometry=geometry)
        old.close()
        old.deleteLater()

    def logout(self) -> None:
        self._end_session()
        self.show_login(user=None)

    def _end_session(self) -> None:
        from crm_desktop.core.db import presence

        self.heartbeat.stop()
        if self.reminders is not None:
            self.reminders.stop()
            self.reminders = None
        if self.poller is not None:
            poller, self.poller = self.poller, None
            poller.stop()
            poller.deleteLater()
        if self.window is not None:
            window, self.window = self.window, None
            window.detach()
            window.close()
            window.deleteLater()
        if self.ctx is not None:
            ctx, self.ctx = self.ctx, None
            # On failure the row expires by itself two minutes after the last heartbeat.
            with contextlib.suppress(CrmError):
                presence.leave(ctx.db, ctx.presence_key)

    # -- ending -----------------------------------------------------------------------------

    def give_up(self, message: str) -> None:
        """Automation mode: say why on stderr and end with a non-zero code."""
        print(_("crm-desktop: {message}").format(message=message), file=sys.stderr)
        self.quit(EXIT_NEEDS_PERSON)

    def quit(self, code: int = 0) -> None:
        if self.exit_code is not None:
            return
        self.exit_code = code
        self._end_session()
        self._drop_dialog()
        if self.splash is not None:
            self.splash.close()
            self.splash = None
        ops.wait_for_all()
        self._close_database()
        self.finished.emit(code)


def _missing_file(location: str) -> bool:
    """A remembered database file that is not there (a drive not connected, a NAS asleep)."""
    from crm_desktop.core.db import database_url
    from crm_desktop.core.db.engine import sqlite_path

    path = sqlite_path(database_url(location))
    return path is not None and not path.exists()


def _missing_remembered(location: str) -> Exception:
    """Say so instead of quietly creating a new, empty database where the shared one was."""
    from crm_desktop.core.errors import DatabaseMissing

    return DatabaseMissing(
        _(
            "The database this PC used last, {path}, is not there. If it is on a network "
            "drive, connect the drive (or wake the NAS) and choose Try again; nothing has "
            "been created in its place."
        ).format(path=location)
    )


def _is_initialized(db: Any) -> bool:
    from crm_desktop.core.services import setup

    return setup.is_initialized(db)


def _default_location() -> Any:
    from crm_desktop.core.config import default_database_path

    return default_database_path()
