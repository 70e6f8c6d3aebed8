"""Load the PDF machinery in the background once a tab that prints is opened.

Importing reportlab and registering the CJK font costs ~0.3-0.5 s the first time in a process
(PERF-FLOORS 6a). Doing it on a worker thread while the person looks at a list means the first
print preview opens as fast as the later ones.
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from crm_desktop.ui import ops

_started = False


def warm_up_printing(parent: QWidget) -> None:
    """Start loading reportlab and the font, quietly and at most once per process."""
    global _started
    if _started:
        return
    _started = True

    def load(_progress: object) -> None:
        from crm_desktop.core.reports.pdf.layout import preload

        preload()

    # A failure here is not the person's concern: the preview loads (and reports) it again.
    ops.run(load, parent=parent, show_progress=False, on_error=lambda _exc: None)
