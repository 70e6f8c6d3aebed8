"""Print preview for quotes, orders, contracts and receipts: see the pages, print them, save them.

    open_preview(self, ctx, "order", row.number)      # any sales page's Print… action

The PDF is made by the core (`documents.render_document`, permission and data scope checked
there) on a worker thread through `ops`, so a slow LAN share shows a progress dialog with Cancel
instead of a frozen window; a refusal (PermissionDenied, NotFound) is shown as its message and no
preview opens. The pages are rasterized with pypdfium2 (no QtPdf needed), only those in view and
at the screen's own pixel density. Printing goes through the system print dialog: each chosen page
is rendered again at the printer's resolution (in bands, so a 600 dpi page never needs a 140 MB
image) and painted with QPainter, on a worker thread with progress and Cancel. Save as PDF writes
the very bytes that were previewed. pdfium itself is not thread-safe, so every call into it holds
one lock.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QByteArray,
    QEvent,
    QMarginsF,
    QObject,
    QRectF,
    QSettings,
    QSizeF,
    Qt,
    QTimer,
)
from PySide6.QtGui import QAction, QImage, QKeySequence, QPageLayout, QPageSize, QPainter, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QScrollArea,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.core.errors import CrmError
from crm_desktop.core.i18n import N_, _
from crm_desktop.ui import ops
from crm_desktop.ui.context import AppContext
from crm_desktop.ui.messages import show_error
from crm_desktop.ui.widgets.save_path import ask_save_path

if TYPE_CHECKING:
    from pypdfium2 import PdfDocument, PdfPage
    from PySide6.QtPrintSupport import QPrinter

KIND_TITLES = {
    "quote": N_("Quote {number}"),
    "order": N_("Sales order {number}"),
    "contract": N_("Contract {number}"),
    "receipt": N_("Receipt {number}"),
}
ZOOM_STEP = 1.25
ZOOM_MIN, ZOOM_MAX = 0.25, 4.0
PAGE_GAP = 16  # grey space between and around the pages, in pixels
KEEP_AROUND = 2  # rendered pages kept beyond those in view (memory stays flat on long documents)
PRINT_DPI_MAX = 600  # a finer raster only makes the print job bigger, not the print sharper
BAND_PX = 1024  # a printed page is rendered this many pixel rows at a time
SAVE_FOLDER_KEY = "documents/save_folder"
GEOMETRY_KEY = "documents/preview_geometry"
UNSAFE_FILE_CHARS = re.compile(r'[\\/:*?"<>|\s]+')

_pdfium_lock = threading.Lock()  # pdfium must never run on two threads at once


class Cancelled(CrmError):
    """The person pressed Cancel while the document was being made."""


# --- pdfium ------------------------------------------------------------------------------------


def load_pdf(pdf: bytes) -> PdfDocument:
    """The bytes as a pdfium document; a readable error when they are not a PDF."""
    import pypdfium2  # lazily: only windows that show a document pay for loading pdfium

    with _pdfium_lock:
        try:
            return pypdfium2.PdfDocument(pdf)
        except pypdfium2.PdfiumError as exc:
            raise CrmError(_("The document could not be read: it is not a valid PDF.")) from exc


def page_image(
    page: PdfPage, scale: float, crop: tuple[float, float, float, float] = (0,) * 4
) -> QImage:
    """One page (or the band of it left by `crop`, in points) at `scale` pixels per point."""
    with _pdfium_lock:
        # Packed RGB: a quarter less memory than RGBX, and a print engine takes it as it is.
        bitmap = page.render(scale=scale, crop=crop, rev_byteorder=True)
        image = QImage(
            bitmap.buffer, bitmap.width, bitmap.height, bitmap.stride, QImage.Format.Format_RGB888
        )
        return image.copy()  # the bitmap's memory goes with it


def page_sizes(document: PdfDocument) -> list[tuple[float, float]]:
    """(width, height) of every page in points."""
    with _pdfium_lock:
        return [document.get_page_size(index) for index in range(len(document))]


def safe_file_name(number: str) -> str:
    """A document number as a file name on any system ("SO/2026 01" -> "SO_2026_01.pdf")."""
    stem = UNSAFE_FILE_CHARS.sub("_", number).strip("._") or "document"
    return f"{stem}.pdf"


# --- printing ----------------------------------------------------------------------------------


def ask_print(parent: QWidget | None, printer: QPrinter, page_count: int) -> bool:
    """The system print dialog (printer, page range, copies); True when the person prints."""
    from PySide6.QtPrintSupport import QAbstractPrintDialog, QPrintDialog

    dialog = QPrintDialog(printer, parent)
    dialog.setMinMax(1, page_count)
    option = QAbstractPrintDialog.PrintDialogOption
    dialog.setOption(option.PrintPageRange, True)
    dialog.setOption(option.PrintCurrentPage, True)
    dialog.setOption(option.PrintSelection, False)
    return dialog.exec() == QDialog.DialogCode.Accepted


def pages_to_print(printer: QPrinter, page_count: int, current: int) -> list[int]:
    """The 0-based pages the print dialog asked for, each copy listed when the driver can't."""
    from PySide6.QtPrintSupport import QPrinter

    mode = printer.printRange()
    if mode == QPrinter.PrintRange.CurrentPage:
        pages = [current]
    elif mode == QPrinter.PrintRange.PageRange:
        ranges = printer.pageRanges()
        if ranges.isEmpty():
            first, last = printer.fromPage() or 1, printer.toPage() or page_count
            pages = list(range(first - 1, min(last, page_count)))
        else:
            pages = [i for i in range(page_count) if ranges.contains(i + 1)]
    else:
        pages = list(range(page_count))
    copies = 1 if printer.supportsMultipleCopies() else max(printer.copyCount(), 1)
    if copies == 1:
        return pages
    if printer.collateCopies():
        return pages * copies
    return [page for page in pages for _copy in range(copies)]


def set_up_printer(printer: QPrinter, size: tuple[float, float], title: str) -> None:
    """Paper as the document's first page (A4 stays A4), no margins: the PDF has its own."""
    width, height = size
    paper = QPageSize(
        QSizeF(min(width, height), max(width, height)),
        QPageSize.Unit.Point,
        "",
        QPageSize.SizeMatchPolicy.FuzzyMatch,
    )
    landscape = width > height
    orientation = (
        QPageLayout.Orientation.Landscape if landscape else QPageLayout.Orientation.Portrait
    )
    printer.setPageLayout(QPageLayout(paper, orientation, QMarginsF(0, 0, 0, 0)))
    printer.setFullPage(True)
    printer.setDocName(title)


def draw_page(
    painter: QPainter, printer: QPrinter, page: PdfPage, size: tuple[float, float]
) -> None:
    """Render `page` at the printer's resolution, band by band, fitted to the paper."""
    from PySide6.QtPrintSupport import QPrinter

    width_pt, height_pt = size
    paper = printer.paperRect(QPrinter.Unit.DevicePixel)
    resolution = printer.resolution()
    dpi = min(resolution, PRINT_DPI_MAX)
    scale = dpi / 72  # rendered pixels per point
    to_device = resolution / 72  # device pixels per point
    fit = min(paper.width() / (width_pt * to_device), paper.height() / (height_pt * to_device))
    fit = min(fit, 1.0) if fit > 0 else 1.0
    per_pixel = to_device * fit / scale  # device pixels per rendered pixel
    left = (paper.width() - width_pt * to_device * fit) / 2
    full_height = round(height_pt * scale)
    for top in range(0, full_height, BAND_PX):
        cut_top = top / scale
        cut_bottom = max(height_pt - (top + BAND_PX) / scale, 0.0)
        band = page_image(page, scale, (0.0, cut_bottom, 0.0, cut_top))
        target = QRectF(left, top * per_pixel, band.width() * per_pixel, band.height() * per_pixel)
        painter.drawImage(target, band)


def print_pages(
    document: PdfDocument,
    sizes: Sequence[tuple[float, float]],
    printer: QPrinter,
    pages: Sequence[int],
    progress: ops.Progress,
) -> int:
    """Paint `pages` onto `printer` (worker thread); Cancel aborts the job. Pages printed."""
    painter = QPainter()
    if not painter.begin(printer):
        raise CrmError(_("The printer could not be started. Check that it is ready and try again."))
    printed = 0
    try:
        for index in pages:
            if not progress(printed, len(pages)):
                printer.abort()
                raise Cancelled(_("Printing was cancelled."))
            if printed:
                printer.newPage()
            with _pdfium_lock:
                page = document[index]
            draw_page(painter, printer, page, sizes[index])
            printed += 1
        progress(printed, len(pages))
    finally:
        painter.end()
    return printed


# --- the window --------------------------------------------------------------------------------


class PreviewWindow(QDialog):
    """The pages of one PDF in a scroll area, with Print…, Save as PDF… and zoom."""

    def __init__(
        self, title: str, pdf: bytes, *, file_name: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("documentPreview")
        self.setWindowTitle(_("Preview: {title}").format(title=title))
        self.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint, True)
        self.setWindowFlag(Qt.WindowType.WindowMinimizeButtonHint, True)
        self.title = title
        self.pdf = pdf
        self.file_name = file_name
        self.document = load_pdf(pdf)
        self.sizes = page_sizes(self.document)
        self.zoom = 0.0  # set by the first _apply_zoom
        self.fit = True  # follow the window's width until the person zooms
        self.pages: list[QLabel] = []
        self._rendered: set[int] = set()
        self._printer: QPrinter | None = None
        self.print_operation: ops.Operation | None = None
        self._render_timer = QTimer(self)
        self._render_timer.setSingleShot(True)
        self._render_timer.setInterval(0)
        self._render_timer.timeout.connect(self.render_visible)

        self.toolbar = QToolBar()
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.actions_by_key: dict[str, QAction] = {}
        self._add_action("print", _("Print…"), self.print_document, QKeySequence.StandardKey.Print)
        self._add_action("save", _("Save as PDF…"), self.save_pdf, QKeySequence.StandardKey.Save)
        self.toolbar.addSeparator()
        self._add_action("zoom_out", _("Zoom out"), self.zoom_out, QKeySequence.StandardKey.ZoomOut)
        self._add_action("zoom_in", _("Zoom in"), self.zoom_in, QKeySequence.StandardKey.ZoomIn)
        self._add_action("fit_width", _("Fit width"), self.fit_width, "Ctrl+0")
        self.toolbar.addSeparator()
        self.zoom_label = QLabel()
        self.zoom_label.setObjectName("zoomLabel")
        self.page_label = QLabel()
        self.page_label.setObjectName("pageLabel")
        self.page_label.setContentsMargins(12, 0, 12, 0)
        self.toolbar.addWidget(self.zoom_label)
        self.toolbar.addWidget(self.page_label)
        spacer = QWidget()
        spacer.setSizePolicy(
            spacer.sizePolicy().Policy.Expanding, spacer.sizePolicy().Policy.Preferred
        )
        self.toolbar.addWidget(spacer)
        self._add_action("close", _("Close"), self.reject, None, tooltip=_("Close (Esc)"))

        self.scroll = self._build_pages()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.scroll, 1)
        self._restore_geometry()
        self._apply_zoom(self._fit_zoom())

    def _add_action(
        self,
        key: str,
        text: str,
        handler: Callable[[], Any],
        shortcut: QKeySequence.StandardKey | str | None,
        *,
        tooltip: str = "",
    ) -> QAction:
        action = QAction(text, self)
        action.setObjectName(f"action_{key}")
        if shortcut is not None:
            sequence = QKeySequence(shortcut)
            action.setShortcut(sequence)
            action.setToolTip(
                f"{text.rstrip('…')} ({sequence.toString(QKeySequence.SequenceFormat.NativeText)})"
            )
        if tooltip:
            action.setToolTip(tooltip)
        action.triggered.connect(lambda _checked=False: handler())
        self.toolbar.addAction(action)
        self.addAction(action)
        self.actions_by_key[key] = action
        return action

    def _build_pages(self) -> QScrollArea:
        container = QWidget()
        container.setObjectName("previewPages")
        container.setStyleSheet("QWidget#previewPages { background: #77797c; }")
        column = QVBoxLayout(container)
        column.setContentsMargins(PAGE_GAP, PAGE_GAP, PAGE_GAP, PAGE_GAP)
        column.setSpacing(PAGE_GAP)
        column.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        for index in range(len(self.sizes)):
            page = QLabel()
            page.setObjectName(f"page_{index + 1}")
            page.setStyleSheet("background: white;")
            page.setAlignment(Qt.AlignmentFlag.AlignCenter)
            column.addWidget(page, 0, Qt.AlignmentFlag.AlignHCenter)
            self.pages.append(page)
        scroll = QScrollArea()
        scroll.setObjectName("previewScroll")
        scroll.setWidget(container)
        scroll.setWidgetResizable(True)
        scroll.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)  # steady fit width
        scroll.viewport().installEventFilter(self)
        scroll.verticalScrollBar().valueChanged.connect(lambda _value: self._view_moved())
        scroll.horizontalScrollBar().valueChanged.connect(lambda _value: self._view_moved())
        return scroll

    # --- geometry ----------------------------------------------------------------------------
    def _restore_geometry(self) -> None:
        saved = QSettings().value(GEOMETRY_KEY)
        if isinstance(saved, QByteArray) and self.restoreGeometry(saved):
            return
        screen = self.screen().availableGeometry()
        self.resize(min(900, screen.width() - 80), min(1000, screen.height() - 80))

    def done(self, result: int) -> None:
        QSettings().setValue(GEOMETRY_KEY, self.saveGeometry())
        super().done(result)
        printing = self.print_operation
        if printing is not None and not printing.done:
            printing.finished.connect(self._close_document)  # the job still reads the pages
        else:
            self._close_document()

    def _close_document(self) -> None:
        with _pdfium_lock:
            self.document.close()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """The viewport's width changed (window resized, maximized): fit the pages again."""
        if watched is self.scroll.viewport() and event.type() == QEvent.Type.Resize:
            if self.fit:
                self._apply_zoom(self._fit_zoom())
            self._view_moved()
        return super().eventFilter(watched, event)

    # --- zoom --------------------------------------------------------------------------------
    def page_count(self) -> int:
        return len(self.sizes)

    def _points_to_pixels(self) -> float:
        return self.logicalDpiX() / 72

    def _fit_zoom(self) -> float:
        widest = max((width for width, _height in self.sizes), default=595.0)
        room = self.scroll.viewport().width() - 2 * PAGE_GAP
        return max(ZOOM_MIN, min(ZOOM_MAX, room / (widest * self._points_to_pixels())))

    def zoom_in(self) -> None:
        self.fit = False
        self._apply_zoom(min(self.zoom * ZOOM_STEP, ZOOM_MAX))

    def zoom_out(self) -> None:
        self.fit = False
        self._apply_zoom(max(self.zoom / ZOOM_STEP, ZOOM_MIN))

    def fit_width(self) -> None:
        self.fit = True
        self._apply_zoom(self._fit_zoom())

    def _apply_zoom(self, zoom: float) -> None:
        """Size every page for `zoom`; only the pages in view are rendered (later, at once)."""
        if abs(zoom - self.zoom) < 1e-3:
            return
        self.zoom = zoom
        factor = zoom * self._points_to_pixels()
        for page, (width, height) in zip(self.pages, self.sizes, strict=True):
            page.setFixedSize(round(width * factor), round(height * factor))
            page.setPixmap(QPixmap())
        self._rendered.clear()
        self.zoom_label.setText(f"{round(zoom * 100)} %")
        self.actions_by_key["zoom_in"].setEnabled(zoom < ZOOM_MAX - 1e-6)
        self.actions_by_key["zoom_out"].setEnabled(zoom > ZOOM_MIN + 1e-6)
        self._view_moved()

    # --- pages in view -----------------------------------------------------------------------
    def _view_moved(self) -> None:
        self._render_timer.start()  # once the layout has placed the pages
        self._show_page_number()

    def _place_pages(self) -> None:
        """Let the layout put the pages where they go before asking where they are."""
        layout = self.scroll.widget().layout()
        if layout is not None:
            layout.activate()

    def visible_pages(self) -> list[int]:
        """The pages that overlap the scroll area's viewport."""
        self._place_pages()
        bar = self.scroll.verticalScrollBar()
        top, bottom = bar.value(), bar.value() + self.scroll.viewport().height()
        return [
            index
            for index, page in enumerate(self.pages)
            if page.y() < bottom and page.y() + page.height() > top
        ]

    def current_page(self) -> int:
        """The 0-based page under the middle of the view."""
        self._place_pages()
        bar = self.scroll.verticalScrollBar()
        middle = bar.value() + self.scroll.viewport().height() // 2
        for index, page in enumerate(self.pages):
            if middle < page.y() + page.height() + PAGE_GAP // 2:
                return index
        return max(self.page_count() - 1, 0)

    def _show_page_number(self) -> None:
        self.page_label.setText(
            _("Page {page} / {pages}").format(page=self.current_page() + 1, pages=self.page_count())
        )

    def render_visible(self) -> None:
        """Render the pages in view (and a few around), drop those far away."""
        visible = self.visible_pages() or [self.current_page()]
        near = set(range(max(visible[0] - 1, 0), min(visible[-1] + 2, self.page_count())))
        keep = set(range(visible[0] - KEEP_AROUND, visible[-1] + KEEP_AROUND + 1))
        for index in sorted(self._rendered - keep):
            self.pages[index].setPixmap(QPixmap())
            self._rendered.discard(index)
        ratio = self.devicePixelRatioF()
        scale = self.zoom * self._points_to_pixels() * ratio
        for index in sorted(near - self._rendered):
            with _pdfium_lock:
                page = self.document[index]
            image = page_image(page, scale)
            image.setDevicePixelRatio(ratio)
            self.pages[index].setPixmap(QPixmap.fromImage(image))
            self._rendered.add(index)
        self._show_page_number()

    def rendered_pages(self) -> set[int]:
        return set(self._rendered)

    # --- print and save ----------------------------------------------------------------------
    def printer(self) -> QPrinter:
        """The window's printer: made once, so a second print keeps the person's choices."""
        if self._printer is None:
            from PySide6.QtPrintSupport import QPrinter

            self._printer = QPrinter(QPrinter.PrinterMode.HighResolution)
            set_up_printer(self._printer, self.sizes[0], self.title)
        return self._printer

    def print_document(self) -> None:
        if self.print_operation is not None and not self.print_operation.done:
            return
        printer = self.printer()
        if not ask_print(self, printer, self.page_count()):
            return
        pages = pages_to_print(printer, self.page_count(), self.current_page())
        if not pages:
            return
        document, sizes = self.document, self.sizes
        self.print_operation = ops.run(
            lambda progress: print_pages(document, sizes, printer, pages, progress),
            parent=self,
            label=_("Printing {title}…").format(title=self.title),
            on_cancelled=lambda: None,
        )

    def save_pdf(self) -> Path | None:
        """Write the previewed bytes where the person says; the folder is remembered."""
        path = ask_save_path(
            self,
            _("Save as PDF"),
            self.file_name,
            _("PDF documents (*.pdf)"),
            ".pdf",
            SAVE_FOLDER_KEY,
        )
        if path is None:
            return None
        try:
            path.write_bytes(self.pdf)
        except OSError as exc:
            show_error(
                self,
                CrmError(
                    _("The PDF could not be saved as {path}: {reason}").format(
                        path=path, reason=exc.strerror or exc
                    )
                ),
            )
            return None
        return path


# --- opening -----------------------------------------------------------------------------------


def preview_bytes(
    parent: QWidget | None, title: str, pdf: bytes, *, file_name: str | None = None
) -> PreviewWindow | None:
    """Show a PDF the caller already has (a statement, a batch); None when it is unreadable."""
    try:
        window = PreviewWindow(
            title, pdf, file_name=file_name or safe_file_name(title), parent=parent
        )
    except CrmError as exc:
        show_error(parent, exc)
        return None
    window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    window.show()
    window.raise_()
    window.activateWindow()
    return window


def document_title(kind: str, number: str) -> str:
    """ "Sales order SO20260115001" for a kind and number."""
    return _(KIND_TITLES[kind]).format(number=number)


def open_preview(
    parent: QWidget | None,
    ctx: AppContext,
    kind: str,
    number: str,
    *,
    on_opened: Callable[[PreviewWindow], None] | None = None,
) -> ops.Operation:
    """Render the document off the GUI thread, then show it; a refusal is shown as a message.

    `kind` is quote, order, contract or receipt. Returns the background operation; `on_opened`
    gets the window once it is shown.
    """
    if kind not in KIND_TITLES:
        raise ValueError(f"unknown document kind {kind!r}")
    from crm_desktop.core.services import documents  # on the GUI thread, before the worker

    title = document_title(kind, number)
    db, actor = ctx.db, ctx.actor

    def work(progress: ops.Progress) -> bytes:
        pdf = documents.render_document(db, actor, kind, number)
        if not progress(1, 1):  # Cancel pressed while the PDF was made: open nothing
            raise Cancelled(_("Cancelled."))
        return pdf

    def opened(pdf: bytes) -> None:
        window = preview_bytes(parent, title, pdf, file_name=safe_file_name(number))
        if window is not None and on_opened is not None:
            on_opened(window)

    return ops.run(
        work,
        parent=parent,
        label=_("Preparing {title}…").format(title=title),
        on_success=opened,
        on_cancelled=lambda: None,
    )
