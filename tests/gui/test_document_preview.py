"""The document preview: pages shown, saved byte for byte, printed page for page, refusals read."""

from __future__ import annotations

import io
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pypdfium2
import pytest
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QDialog, QFileDialog
from pytestqt.qtbot import QtBot
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from crm_desktop.core.actor import Actor
from crm_desktop.core.db import Database
from crm_desktop.core.errors import PermissionDenied
from crm_desktop.core.services import documents, orders
from crm_desktop.ui.context import AppContext
from crm_desktop.ui.documents import preview
from crm_desktop.ui.documents.preview import PreviewWindow, open_preview, preview_bytes
from tests.gui.conftest import Box
from tests.sales_fixtures import line, make_customer, make_order

Render = Callable[[Database, Actor, str, str], bytes]


def pdf_of(pages: int) -> bytes:
    """A small A4 PDF with a big page number on each page."""
    out = io.BytesIO()
    sheet = canvas.Canvas(out, pagesize=A4)
    for number in range(1, pages + 1):
        sheet.setFont("Helvetica-Bold", 120)
        sheet.drawString(200, 500, str(number))
        sheet.showPage()
    sheet.save()
    return out.getvalue()


def page_count(pdf: bytes | Path) -> int:
    return len(pypdfium2.PdfDocument(pdf))


def has_ink(pdf: Path, index: int) -> bool:
    """Whether a page of `pdf` has anything dark painted on it."""
    image = pypdfium2.PdfDocument(pdf)[index].render(scale=0.2).to_pil().convert("L")
    return image.getextrema()[0] < 100


@pytest.fixture
def render(monkeypatch: pytest.MonkeyPatch) -> Callable[[Render], None]:
    """Replace `documents.render_document` (the core's PDF maker) for one test."""

    def use(fake: Render) -> None:
        monkeypatch.setattr(documents, "render_document", fake)

    return use


def show(qtbot: QtBot, pdf: bytes, title: str = "Sales order SO001") -> PreviewWindow:
    window = preview_bytes(None, title, pdf, file_name="SO001.pdf")
    assert window is not None
    qtbot.addWidget(window)
    qtbot.waitExposed(window)
    return window


def test_preview_shows_every_page_of_the_document(qtbot: QtBot) -> None:
    window = show(qtbot, pdf_of(2))
    assert window.page_count() == 2
    assert window.page_label.text() == "Page 1 / 2"
    qtbot.waitUntil(lambda: 0 in window.rendered_pages())
    assert not window.pages[0].pixmap().isNull()

    width = window.pages[0].width()
    window.actions_by_key["zoom_in"].trigger()
    assert window.pages[0].width() > width
    window.actions_by_key["fit_width"].trigger()
    assert window.pages[0].width() == width


def test_save_as_pdf_writes_the_previewed_bytes_and_remembers_the_folder(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pdf = pdf_of(2)
    window = show(qtbot, pdf)
    suggested: list[str] = []

    def save_as(_parent: Any, _title: str, path: str, _filter: str) -> tuple[str, str]:
        suggested.append(path)
        return str(tmp_path / "报价单"), "PDF"  # no suffix typed: .pdf is added

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_as)
    window.actions_by_key["save"].trigger()

    assert Path(suggested[0]).name == "SO001.pdf"
    assert (tmp_path / "报价单.pdf").read_bytes() == pdf
    window.save_pdf()
    assert Path(suggested[1]) == tmp_path / "SO001.pdf"  # the folder used last time


def test_printing_paints_each_chosen_page_at_the_printers_resolution(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = show(qtbot, pdf_of(2))
    printer = window.printer()
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setResolution(150)  # a small raster keeps the test quick; bands still split it
    monkeypatch.setattr(QPrintDialog, "exec", lambda _dialog: QDialog.DialogCode.Accepted)

    everything = tmp_path / "all.pdf"
    printer.setOutputFileName(str(everything))
    window.actions_by_key["print"].trigger()
    assert window.print_operation is not None
    qtbot.waitUntil(lambda: window.print_operation is not None and window.print_operation.done)
    assert page_count(everything) == 2
    assert has_ink(everything, 0) and has_ink(everything, 1)

    def page_two_only(dialog: QPrintDialog) -> QDialog.DialogCode:
        """What the person does in the dialog: pages 2 to 2, Print."""
        dialog.printer().setPrintRange(QPrinter.PrintRange.PageRange)
        dialog.printer().setFromTo(2, 2)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(QPrintDialog, "exec", page_two_only)
    second = tmp_path / "second.pdf"
    printer.setOutputFileName(str(second))
    window.actions_by_key["print"].trigger()
    qtbot.waitUntil(lambda: window.print_operation is not None and window.print_operation.done)
    assert page_count(second) == 1
    assert page_count(everything) == 2  # the first job is untouched


def test_open_preview_renders_in_the_background_and_shows_the_document(
    qtbot: QtBot, db: Database, boss: Actor, render: Callable[[Render], None]
) -> None:
    asked: list[tuple[str, str, str]] = []

    def fake(_db: Database, actor: Actor, kind: str, number: str) -> bytes:
        asked.append((actor.code, kind, number))
        return pdf_of(2)

    render(fake)
    opened: list[PreviewWindow] = []
    operation = open_preview(None, AppContext(db, boss), "order", "SO001", on_opened=opened.append)
    qtbot.waitUntil(lambda: operation.done)

    assert asked == [("boss", "order", "SO001")]
    assert len(opened) == 1
    window = opened[0]
    qtbot.addWidget(window)
    assert window.page_count() == 2
    assert window.windowTitle() == "Preview: Sales order SO001"
    assert window.file_name == "SO001.pdf"


def test_a_refused_document_shows_the_reason_and_no_window(
    qtbot: QtBot, db: Database, boss: Actor, render: Callable[[Render], None], boxes: list[Box]
) -> None:
    def refuse(*_args: Any) -> bytes:
        raise PermissionDenied("You may not print this order.")

    render(refuse)
    opened: list[PreviewWindow] = []
    operation = open_preview(None, AppContext(db, boss), "order", "SO001", on_opened=opened.append)
    qtbot.waitUntil(lambda: operation.done)

    assert opened == []
    assert [(box.kind, box.title, box.text) for box in boxes] == [
        ("warning", "Not allowed", "You may not print this order.")
    ]


def test_cancelling_while_the_document_is_made_opens_nothing(
    qtbot: QtBot, db: Database, boss: Actor, render: Callable[[Render], None], boxes: list[Box]
) -> None:
    started, release = threading.Event(), threading.Event()

    def slow(*_args: Any) -> bytes:
        started.set()
        release.wait(10)
        return pdf_of(1)

    render(slow)
    opened: list[PreviewWindow] = []
    operation = open_preview(None, AppContext(db, boss), "quote", "QT001", on_opened=opened.append)
    assert started.wait(10)
    operation.cancel()  # what the progress dialog's Cancel does
    release.set()
    qtbot.waitUntil(lambda: operation.done)
    assert opened == [] and boxes == []


def test_bytes_that_are_not_a_pdf_give_a_message_not_a_traceback(
    qtbot: QtBot, boxes: list[Box]
) -> None:
    assert preview_bytes(None, "Statement", b"not a pdf") is None
    assert [box.kind for box in boxes] == ["warning"]
    assert "not a valid PDF" in boxes[0].text


def test_file_names_are_safe_on_every_system() -> None:
    assert preview.safe_file_name("SO/2026 01") == "SO_2026_01.pdf"


def test_salesperson_previews_own_order_but_not_a_colleagues(
    qtbot: QtBot, db: Database, team: dict[str, Actor], boxes: list[Box]
) -> None:
    li, zhao = team["li"], team["zhao"]
    customer_id = make_customer(db, li, "李四的客户有限公司")
    order_id = make_order(db, li, customer_id, [line("办公椅", 2, "350.00")])
    number = orders.get_order(db, li, order_id).number

    opened: list[PreviewWindow] = []
    mine = open_preview(None, AppContext(db, li), "order", number, on_opened=opened.append)
    qtbot.waitUntil(lambda: mine.done, timeout=20_000)
    assert len(opened) == 1 and boxes == []
    qtbot.addWidget(opened[0])
    assert opened[0].page_count() == 1

    theirs = open_preview(None, AppContext(db, zhao), "order", number, on_opened=opened.append)
    qtbot.waitUntil(lambda: theirs.done, timeout=20_000)
    assert len(opened) == 1  # no second window
    assert len(boxes) == 1 and boxes[0].kind == "warning"  # a readable refusal, no traceback
