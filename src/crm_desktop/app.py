"""`crm-desktop`: start Qt, choose the language, and hand over to the launcher.

    crm-desktop [--db PATH_OR_URL] [--lang zh_CN|en] [--user CODE] [--quit-after-show | --smoke]

`--user` logs in with the password in the CRM_PASSWORD environment variable (automation and
benchmarks); `--quit-after-show` exits with code 0 once the main window has been shown and painted;
`--smoke` also builds every tab and draws a chart first (the built app's check, ui/smoke.py).

Start-up time is the first thing a person notices, so this module imports only the standard
library at load time: Qt comes in `main()`, a splash screen shows while the launcher imports
SQLAlchemy, Alembic and the services on first use.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crm_desktop.ui.launcher import Launcher

APP_NAME = "crm-desktop"
PASSWORD_ENV = "CRM_PASSWORD"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog=APP_NAME, description="Customer management for small firms."
    )
    parser.add_argument("--db", metavar="PATH_OR_URL", help="the database file (or URL) to open")
    parser.add_argument("--lang", choices=("zh_CN", "en"), help="the language of the windows")
    parser.add_argument("--user", metavar="CODE", help=f"log in as CODE with ${PASSWORD_ENV}")
    parser.add_argument(
        "--quit-after-show",
        action="store_true",
        help="exit with code 0 once the main window has been painted (benchmarks)",
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="like --quit-after-show, after building every tab and drawing a chart (exit 1 if not)",
    )
    # Qt's own options (-style, -platform, …) are kept for QApplication.
    args, qt_args = parser.parse_known_args(argv)
    args.qt_args = qt_args
    return args


def show_splash() -> object:
    """A window within a few hundred milliseconds, before the database stack is imported.

    Importing SQLAlchemy, Alembic and the models takes about a second and must happen on the
    GUI thread (on a helper thread the imports fight Qt's start-up for the GIL and end later);
    meanwhile the person sees that the program is starting.
    """
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QColor, QFont, QPainter, QPixmap
    from PySide6.QtWidgets import QApplication, QSplashScreen

    from crm_desktop.core.i18n import _

    pixmap = QPixmap(420, 160)
    pixmap.fill(QColor("#2c3e50"))
    painter = QPainter(pixmap)
    painter.setPen(QColor("white"))
    font = QFont(QApplication.font())
    font.setPointSizeF(font.pointSizeF() * 2)
    font.setBold(True)
    painter.setFont(font)
    painter.drawText(pixmap.rect().adjusted(0, 0, 0, -40), Qt.AlignmentFlag.AlignCenter, APP_NAME)
    painter.setFont(QApplication.font())
    painter.drawText(
        pixmap.rect().adjusted(0, 70, 0, 0), Qt.AlignmentFlag.AlignCenter, _("Starting…")
    )
    painter.end()
    splash = QSplashScreen(pixmap)
    splash.show()
    QApplication.processEvents()
    return splash


def set_window_icon() -> None:
    """The app's icon on every window and in the task bar (Linux and Windows take it from here,
    not from the executable's own icon)."""
    from PySide6.QtGui import QGuiApplication, QIcon

    from crm_desktop.core.resources import resources_dir

    QGuiApplication.setWindowIcon(QIcon(str(resources_dir() / "icons" / "crm-desktop.png")))


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([sys.argv[0], *args.qt_args])
    app.setOrganizationName(APP_NAME)
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    set_window_icon()
    app.setQuitOnLastWindowClosed(False)  # the launcher decides when the app ends

    from crm_desktop.ui import preferences
    from crm_desktop.ui.launcher import Launcher, LaunchOptions
    from crm_desktop.ui.messages import install_excepthook

    install_excepthook()
    Launcher.apply_language(args.lang or preferences.text(preferences.LANGUAGE))
    args.quit_after_show = args.quit_after_show or args.smoke
    splash = None if args.quit_after_show else show_splash()
    launcher = Launcher(
        LaunchOptions(
            database=args.db,
            user=args.user,
            password=os.environ.get(PASSWORD_ENV),
            quit_after_show=args.quit_after_show,
        ),
        splash=splash,
    )
    launcher.finished.connect(app.exit)
    launcher.start()
    if args.smoke and launcher.exit_code is None:
        smoke_test(launcher)
    if launcher.exit_code is not None:  # ended before the event loop (automation gave up)
        return launcher.exit_code
    code = app.exec()
    return launcher.exit_code if launcher.exit_code is not None else code


def smoke_test(launcher: Launcher) -> None:
    """--smoke: before the first paint ends the run, build every tab and draw a chart; on any
    error print the traceback and end with exit code 1."""
    import traceback

    from crm_desktop.ui import smoke

    try:
        built = smoke.run(launcher.window)
    except Exception:
        if sys.stderr is not None:  # None in a windowed program on Windows: the exit code says it
            traceback.print_exc()
        launcher.quit(1)
        return
    print(f"{APP_NAME}: smoke: built {', '.join(built)}; chart drawn", file=sys.stderr)


if __name__ == "__main__":
    raise SystemExit(main())
