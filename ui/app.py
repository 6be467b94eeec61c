"""Start the nnviz window: ``run()`` is what ``python main.py`` and ``nnviz [FILE]`` call."""
from __future__ import annotations

import sys
from typing import cast

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import QApplication

from ui import platform_check
from ui.errors import install_excepthook
from ui.resources import icon_path
from ui.theme import default_font

APP_NAME = "nnviz"
ORGANIZATION = "nnviz"
ORGANIZATION_DOMAIN = "nnviz.org"


def configure_application_identity() -> None:
    """Names QSettings files after; call before the first ``QSettings()``."""
    QCoreApplication.setOrganizationName(ORGANIZATION)
    QCoreApplication.setOrganizationDomain(ORGANIZATION_DOMAIN)
    QCoreApplication.setApplicationName(APP_NAME)


def run(argv: list[str] | None = None) -> int:
    """Open the window and run until it closes; returns the exit code.

    ``argv`` are the command-line arguments after the program name (``sys.argv[1:]`` when
    None); Qt's own options (``-platform offscreen``, ...) are taken out first, and the
    first remaining one, if any, is a project file to open. A file that cannot be opened
    is reported in a dialog and the window shows the lecture's example instead.

    On Linux, when Qt's X11 plugin lacks a system library, one paragraph on stderr says
    which and how to install it, and the exit code is 1 (:mod:`ui.platform_check`).
    """
    args = sys.argv[1:] if argv is None else list(argv)
    if QApplication.instance() is None:
        problem = platform_check.startup_problem(args)
        if problem:
            print(problem, file=sys.stderr)
            return 1
    # Fractional scale factors (125 %, 150 %) are used as they are, so lines and text
    # are drawn at the screen's real resolution instead of rounded up or down.
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
        Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
    configure_application_identity()
    app = cast("QApplication | None", QApplication.instance())  # a QApplication, made here
    if app is None:
        app = QApplication([sys.argv[0] if sys.argv else APP_NAME, *args])
        args = app.arguments()[1:]  # Qt has consumed its own options
    install_excepthook()  # before any widget: an uncaught error is shown, not fatal
    app.setStyle("Fusion")
    app.setFont(default_font())
    app.setWindowIcon(QIcon(icon_path("nnviz")))
    files = [a for a in args if not a.startswith("-")]

    from ui.main_window import MainWindow  # after the QApplication: it builds widgets

    window = MainWindow()
    window.show_first()
    if files:
        window.open_file(files[0])
    return app.exec()
