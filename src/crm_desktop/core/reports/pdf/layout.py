"""One page layout for every printed document: quote, order confirmation, contract, receipt.

`documents.py` turns a record into a `PrintedDocument` (all text already translated and
formatted); `render_pdf` lays it out on A4 with reportlab's platypus:

    letterhead (logo, name, address, phone, tax id, bank)      ← first page
    title                                                       ← 报价单 / Quote …
    customer block | number, date, salesperson, valid until …
    line table, split across pages, header row repeated
    totals, amount in capital figures (人民币大写)
    terms
    signature blocks; the seal image over the last (the seller's)
    footer on every page: company · "x / y" · title and number;
    later pages repeat the company and number at the top

A kind differs only in its data (a receipt's table lists allocations, not products). reportlab is
imported inside `render_pdf`, never at import time of this module's callers.
"""

from __future__ import annotations

import atexit
import hashlib
import io
import re
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from xml.sax.saxutils import escape

from crm_desktop.core.i18n import _
from crm_desktop.core.money import format_money

if TYPE_CHECKING:
    from reportlab.pdfgen.canvas import Canvas

Align = Literal["LEFT", "CENTER", "RIGHT"]

# Colours and sizes: one quiet navy accent, greys for labels and rules.
ACCENT = "#1F3A5F"
HEADER_FILL = "#E6ECF3"
STRIPE_FILL = "#F6F8FB"
RULE = "#9AA6B5"
LABEL = "#5A6472"
MM = 72 / 25.4  # points per millimetre (reportlab.lib.units.mm, without importing it)
MARGIN_X = 16 * MM
MARGIN_TOP_FIRST = 12 * MM
MARGIN_TOP_LATER = 20 * MM
MARGIN_BOTTOM = 18 * MM
BODY_SIZE = 9
TABLE_SIZE = 8.5
SEAL_SIZE = 40 * MM
LOGO_MAX = (42 * MM, 20 * MM)


@dataclass(frozen=True)
class CompanyBlock:
    """The letterhead: the seller, from the company profile."""

    name: str
    address: str | None = None
    phone: str | None = None
    fax: str | None = None
    email: str | None = None
    website: str | None = None
    tax_id: str | None = None
    bank_name: str | None = None
    bank_account: str | None = None
    logo: bytes | None = None


@dataclass(frozen=True)
class ColumnSpec:
    """A column of the line table: its heading, relative width and alignment."""

    title: str
    width: float = 1.0  # share of the table's width, relative to the other columns
    align: Align = "LEFT"


@dataclass
class PrintedDocument:
    """Everything printed, as text ready to show; the same shape for every kind."""

    kind: str  # "quote", "order", "contract", "receipt"
    title: str  # 报价单, 销售订单确认书 …
    number: str
    date: date
    company: CompanyBlock
    party: list[tuple[str, str]]  # the customer block: (label, value)
    meta: list[tuple[str, str]]  # number, date, salesperson, valid until …: (label, value)
    columns: list[ColumnSpec]
    rows: list[list[str]]
    totals: list[tuple[str, Decimal]]  # the last one is the grand total, printed larger
    capital: str  # the grand total in capital figures
    terms: str | None = None
    signatures: list[str] = field(default_factory=list)  # captions; the seller's last
    seal: bytes | None = None  # printed over the last signature block
    empty_table_text: str | None = None  # shown instead of an empty table
    watermark: str | None = None  # across every page: 草稿 / 作废 (draft, cancelled, void)


def preload() -> None:
    """Import reportlab and register the font now (~0.3-0.5 s), e.g. in a background thread
    after start-up, so the first preview does not wait for it."""
    from reportlab.pdfgen import canvas  # noqa: F401 - imported for its side effect: loading
    from reportlab.platypus import tables  # noqa: F401

    from crm_desktop.core.reports.pdf.fonts import cjk_font

    font = cjk_font()
    _styles(font)
    _classes()


def render_pdf(doc: PrintedDocument) -> bytes:
    """The document as A4 PDF bytes, the CJK font embedded (subset)."""
    from reportlab import rl_config
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import BaseDocTemplate, Frame, NextPageTemplate, PageTemplate

    from crm_desktop.core.reports.pdf.fonts import cjk_font

    font = cjk_font()
    rl_config.useA85 = 0  # binary streams: ASCII85 is pure Python here and costs ~20 ms a page
    width, height = A4
    body_width = width - 2 * MARGIN_X
    out = io.BytesIO()
    template = BaseDocTemplate(
        out,
        pagesize=A4,
        title=f"{doc.title} {doc.number}",
        author=doc.company.name,
        subject=doc.kind,
        creator="crm-desktop",
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP_FIRST,
        bottomMargin=MARGIN_BOTTOM,
    )

    def frame(top: float, name: str) -> Any:
        return Frame(
            MARGIN_X,
            MARGIN_BOTTOM,
            body_width,
            height - top - MARGIN_BOTTOM,
            id=name,
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
        )

    later_header = _later_page_header(doc, font)
    template.addPageTemplates(
        [
            PageTemplate(id="first", frames=[frame(MARGIN_TOP_FIRST, "first")]),
            PageTemplate(
                id="later", frames=[frame(MARGIN_TOP_LATER, "later")], onPage=later_header
            ),
        ]
    )
    story: list[Any] = [NextPageTemplate("later")]
    story += _Builder(doc, font, body_width).story()
    template.build(story, canvasmaker=_numbered_canvas(_footer(doc, font), doc.watermark))
    return out.getvalue()


# --- the parts of the page ----------------------------------------------------------------------


class _Builder:
    """Builds the flowables for one document."""

    def __init__(self, doc: PrintedDocument, font: str, width: float) -> None:
        self.doc, self.font, self.width = doc, font, width
        self.styles = _styles(font)

    def story(self) -> list[Any]:
        from reportlab.platypus import Spacer

        parts: list[Any] = [*self.letterhead(), Spacer(1, 5 * MM)]
        parts += [_heading(self.doc.title, self.font, 18, self.width, spaced=True)]
        parts += [Spacer(1, 4 * MM), *self.info_table(), Spacer(1, 4 * MM)]
        parts += self.line_table()
        parts += [Spacer(1, 3 * MM), *self.totals()]
        parts += self.terms()
        parts += self.signatures()
        return parts

    def paragraph(self, text: str, style: str = "body") -> Any:
        from reportlab.platypus import Paragraph

        return Paragraph(escape(text).replace("\n", "<br/>"), self.styles[style])

    # letterhead ------------------------------------------------------------------------------

    def letterhead(self) -> list[Any]:
        from reportlab.platypus import HRFlowable, Table, TableStyle

        company = self.doc.company
        logo = _image(company.logo, *LOGO_MAX)
        text_width = self.width - (logo.drawWidth + 4 * MM if logo is not None else 0)
        details: list[list[Any]] = [
            [_heading(company.name, self.font, 15, text_width, color=ACCENT)]
        ]
        details += [[self.fit(line, text_width, 8)] for line in _company_lines(company)]
        tight = [
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ("TOPPADDING", (0, 0), (-1, -1), 0.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 0.5),
        ]
        text_block = Table(details, colWidths=[text_width])
        text_block.setStyle(
            TableStyle(
                [
                    *tight,
                    ("FONT", (0, 1), (-1, -1), self.font, 8, 10.5),
                    ("TEXTCOLOR", (0, 1), (-1, -1), LABEL),
                    ("TOPPADDING", (0, 1), (-1, -1), 1.5),
                ]
            )
        )
        block = text_block
        if logo is not None:
            block = Table([[logo, text_block]], colWidths=[self.width - text_width, text_width])
            block.setStyle(TableStyle(tight))
        rule = HRFlowable(width="100%", thickness=1.2, color=ACCENT, spaceBefore=2 * MM)
        return [block, rule]

    # customer and meta -----------------------------------------------------------------------

    def info_table(self) -> list[Any]:
        """Customer on the left, the document's own facts on the right, label: value rows."""
        from reportlab.platypus import Table, TableStyle

        party, meta = self.doc.party, self.doc.meta
        if not party and not meta:
            return []
        widest = max((self.text_width(label, BODY_SIZE) for label, _v in party + meta), default=0)
        label_w = min(max(widest + 8, 16 * MM), 34 * MM)  # as wide as the longest label needs
        value_w = self.width / 2 - label_w
        rows = []
        for index in range(max(len(party), len(meta))):
            row: list[str] = []
            for pairs in (party, meta):
                label, value = pairs[index] if index < len(pairs) else ("", "")
                row += [
                    self.fit(label, label_w - 6, BODY_SIZE),
                    self.fit(value, value_w - 6, BODY_SIZE),
                ]
            rows.append(row)
        table = Table(rows, colWidths=[label_w, value_w, label_w, value_w])
        table.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (-1, -1), self.font, BODY_SIZE, BODY_SIZE * 1.35),
                    ("TEXTCOLOR", (0, 0), (0, -1), LABEL),
                    ("TEXTCOLOR", (2, 0), (2, -1), LABEL),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 3),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 3),
                    ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
                    ("BOX", (0, 0), (1, -1), 0.6, RULE),
                    ("BOX", (2, 0), (3, -1), 0.6, RULE),
                    ("BACKGROUND", (0, 0), (0, -1), STRIPE_FILL),
                    ("BACKGROUND", (2, 0), (2, -1), STRIPE_FILL),
                    ("LINEBELOW", (0, 0), (-1, -2), 0.25, HEADER_FILL),
                ]
            )
        )
        return [table]

    # the lines -------------------------------------------------------------------------------

    def line_table(self) -> list[Any]:
        from reportlab.platypus import Table, TableStyle

        doc = self.doc
        if not doc.columns:
            return []
        if not doc.rows:
            text = doc.empty_table_text
            return [self.paragraph(text, "body")] if text else []
        natural = [[self.text_width(text) for text in cells] for cells in doc.rows]
        widths = self.column_widths(natural)
        header = [c.title for c in doc.columns]
        body = []
        for cells, cell_widths in zip(doc.rows, natural, strict=True):
            row: list[str] = []
            for text, need, col_width in zip(cells, cell_widths, widths, strict=True):
                # Plain strings, broken into lines here: a table of paragraphs is several
                # times slower to lay out (each is wrapped again for every split).
                fits = need <= col_width - 6
                row.append(text if fits else wrap_text(text, self.font, TABLE_SIZE, col_width - 6))
            body.append(row)
        table = Table([header, *body], colWidths=widths, repeatRows=1)
        commands: list[tuple[Any, ...]] = [
            ("FONT", (0, 0), (-1, -1), self.font, TABLE_SIZE, TABLE_SIZE * 1.3),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("ALIGN", (0, 0), (-1, 0), "CENTER"),
            ("TEXTCOLOR", (0, 0), (-1, 0), ACCENT),
            ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
            ("LINEABOVE", (0, 0), (-1, 0), 1, ACCENT),
            ("LINEBELOW", (0, 0), (-1, 0), 0.6, ACCENT),
            ("LINEBELOW", (0, 1), (-1, -1), 0.25, RULE),
            ("LINEBELOW", (0, -1), (-1, -1), 0.8, ACCENT),
            ("ROWBACKGROUNDS", (0, 1), (-1, -1), [None, STRIPE_FILL]),
            ("LEFTPADDING", (0, 0), (-1, -1), 3),
            ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ("TOPPADDING", (0, 0), (-1, -1), 2.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ]
        for index, column in enumerate(doc.columns):
            commands.append(("ALIGN", (index, 1), (index, -1), column.align))
        table.setStyle(TableStyle(commands))
        return [table]

    def column_widths(self, natural: list[list[float]]) -> list[float]:
        """Widths by the columns' shares, but headings and numbers never wrap: the widest
        column (the description) gives up what the others need."""
        columns = self.doc.columns
        share = sum(c.width for c in columns)
        widths = [self.width * c.width / share for c in columns]
        flex = max(range(len(columns)), key=lambda i: columns[i].width)
        for index, column in enumerate(columns):
            if index == flex:
                continue
            need = self.text_width(column.title) + 8
            if column.align != "LEFT":  # numbers, units: keep them on one line
                need = max([need, *(row[index] + 7 for row in natural)])
            widths[index] = max(widths[index], min(need, self.width * 0.3))
        widths[flex] = max(self.width - sum(widths) + widths[flex], self.width * 0.2)
        scale = self.width / sum(widths)
        return [w * scale for w in widths] if scale < 1 else widths

    def text_width(self, text: str, size: float = TABLE_SIZE) -> float:
        return max((_string_width(part, self.font, size) for part in text.split("\n")), default=0)

    def fit(self, text: str, width: float, size: float = TABLE_SIZE) -> str:
        """`text` as it fits `width`: unchanged, or broken into lines (`wrap_text`)."""
        if len(text) * size <= width or self.text_width(text, size) <= width:
            return text  # no character is wider than 1 em: short text needs no measuring
        return wrap_text(text, self.font, size, width)

    # totals ----------------------------------------------------------------------------------

    def totals(self) -> list[Any]:
        from reportlab.platypus import KeepTogether, Table, TableStyle

        doc = self.doc
        rows = [
            [label, ("¥ " if index == len(doc.totals) - 1 else "") + format_money(amount)]
            for index, (label, amount) in enumerate(doc.totals)
        ]
        parts: list[Any] = []
        if rows:
            label_w = max(self.text_width(label, 11) for label, _m in rows) + 10
            value_w = max(self.text_width(money, 11) for _l, money in rows) + 10
            widths = [max(label_w, 40 * MM), max(value_w, 38 * MM)]
            table = Table(rows, colWidths=widths, hAlign="RIGHT")
            table.setStyle(
                TableStyle(
                    [
                        ("FONT", (0, 0), (-1, -1), self.font, BODY_SIZE, BODY_SIZE * 1.4),
                        ("FONT", (0, -1), (-1, -1), self.font, 11, 14),
                        ("TEXTCOLOR", (0, -1), (-1, -1), ACCENT),
                        ("ALIGN", (0, 0), (-1, -1), "RIGHT"),
                        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
                        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
                        ("LINEABOVE", (0, -1), (-1, -1), 0.8, ACCENT),
                    ]
                )
            )
            parts.append(table)
        if doc.capital:
            label = _("Amount in words (RMB)")
            words_label = min(max(self.text_width(label, BODY_SIZE) + 10, 30 * MM), 60 * MM)
            words = Table(
                [
                    [
                        self.fit(label, words_label - 6, BODY_SIZE),
                        self.fit(doc.capital, self.width - words_label - 6, 11),
                    ]
                ],
                colWidths=[words_label, self.width - words_label],
            )
            words.setStyle(
                TableStyle(
                    [
                        ("FONT", (0, 0), (0, 0), self.font, BODY_SIZE, BODY_SIZE * 1.35),
                        ("TEXTCOLOR", (0, 0), (0, 0), LABEL),
                        ("FONT", (1, 0), (1, 0), self.font, 11, 14),
                        ("TEXTCOLOR", (1, 0), (1, 0), ACCENT),
                        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                        ("BOX", (0, 0), (-1, -1), 0.8, ACCENT),
                        ("BACKGROUND", (0, 0), (0, 0), HEADER_FILL),
                        ("TOPPADDING", (0, 0), (-1, -1), 4),
                        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
                    ]
                )
            )
            parts.append(_spacer(2))
            parts.append(words)
        return [KeepTogether(parts)] if parts else []

    # terms and signatures --------------------------------------------------------------------

    def terms(self) -> list[Any]:
        text = (self.doc.terms or "").strip()
        if not text:
            return []
        parts: list[Any] = [_spacer(5), self.paragraph(_("Terms and conditions"), "section")]
        for line in text.splitlines():
            parts.append(self.paragraph(line, "terms") if line.strip() else _spacer(1.5))
        return parts

    def signatures(self) -> list[Any]:
        from reportlab.platypus import KeepTogether

        if not self.doc.signatures:
            return []
        block = _signatures(
            self.doc.signatures, self.styles, self.width, _image(self.doc.seal, SEAL_SIZE)
        )
        return [KeepTogether([_spacer(8), block])]


def _heading_class() -> type:
    from reportlab.platypus import Flowable

    class Heading(Flowable):
        """One line of large text in the CJK font, drawn faux-bold (the font has no bold face).

        Shrinks to fit `width`; `spaced` widens the gaps of a short CJK title (报 价 单).
        """

        def __init__(
            self,
            text: str,
            font: str,
            size: float,
            width: float,
            *,
            spaced: bool = False,
            color: str = "#000000",
        ) -> None:
            from reportlab.pdfbase.pdfmetrics import stringWidth

            super().__init__()
            self.text, self.font, self.color = text, font, color
            cjk = all(ord(ch) >= 0x2E80 for ch in text)
            self.char_space = size * 0.35 if spaced and cjk and len(text) <= 8 else 0.0
            natural = stringWidth(text, font, size) + self.char_space * max(len(text) - 1, 0)
            self.size = size * min(1.0, width / natural) if natural else size
            if natural > width:
                self.char_space = 0.0
            self.spaced = spaced
            self.width = width

        def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
            return self.width, self.size * 1.3

        def draw(self) -> None:
            from reportlab.pdfbase.pdfmetrics import stringWidth

            canvas = self.canv
            text_width = stringWidth(self.text, self.font, self.size) + self.char_space * max(
                len(self.text) - 1, 0
            )
            x = (self.width - text_width) / 2 if self.spaced else 0.0
            obj = canvas.beginText(x, self.size * 0.25)
            obj.setFont(self.font, self.size)
            obj.setCharSpace(self.char_space)
            obj.setTextRenderMode(2)  # fill and stroke: a bold look from a regular face
            canvas.setLineWidth(self.size / 45)
            canvas.setFillColor(self.color)
            canvas.setStrokeColor(self.color)
            obj.textOut(self.text)
            canvas.drawText(obj)

    return Heading


def _heading(*args: Any, **kwargs: Any) -> Any:
    """A `Heading` flowable (its class is made on first use, with reportlab)."""
    return _classes()["heading"](*args, **kwargs)


def _signatures(*args: Any, **kwargs: Any) -> Any:
    """A `Signatures` flowable (its class is made on first use, with reportlab)."""
    return _classes()["signatures"](*args, **kwargs)


@cache
def _classes() -> dict[str, type]:
    return {"heading": _heading_class(), "signatures": _signatures_class()}


def _signatures_class() -> type:
    from reportlab.platypus import Flowable

    class Signatures(Flowable):
        """Signature blocks side by side; the seal is stamped over the last (the seller's)."""

        HEIGHT = 34 * MM

        def __init__(
            self, captions: Sequence[str], styles: dict[str, Any], width: float, seal: Any
        ) -> None:
            super().__init__()
            self.captions, self.styles, self.width, self.seal = list(captions), styles, width, seal

        def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
            return self.width, self.HEIGHT

        def draw(self) -> None:
            from reportlab.platypus import Paragraph

            canvas = self.canv
            gap = 10 * MM
            count = len(self.captions)
            block = (self.width - gap * (count - 1)) / count
            for index, caption in enumerate(self.captions):
                x = index * (block + gap)
                para = Paragraph(escape(caption), self.styles["sign_caption"])
                _w, h = para.wrap(block, self.HEIGHT)
                para.drawOn(canvas, x, self.HEIGHT - h)
                self._line(x, block, 15 * MM, _("Signature"))
                self._line(x, block, 5 * MM, _("Date"))
            if self.seal is not None:
                x = self.width - block / 2 - self.seal.drawWidth / 2
                y = (self.HEIGHT - self.seal.drawHeight) / 2
                canvas.saveState()
                canvas.setBlendMode("Multiply")  # like ink: the text under the seal shows
                self.seal.drawOn(canvas, x, y)
                canvas.restoreState()

        def _line(self, x: float, width: float, y: float, label: str) -> None:
            canvas = self.canv
            font = self.styles["body"].fontName
            canvas.setFont(font, BODY_SIZE)
            canvas.setFillColor(LABEL)
            text = _("{label}:").format(label=label)
            canvas.drawString(x, y, text)
            start = x + canvas.stringWidth(text, font, BODY_SIZE) + 2 * MM
            canvas.setStrokeColor(RULE)
            canvas.setLineWidth(0.5)
            canvas.line(start, y - 1.5, x + width, y - 1.5)

    return Signatures


# --- page decorations ---------------------------------------------------------------------------


def _footer(doc: PrintedDocument, font: str) -> Callable[[Canvas, int, int], None]:
    def draw(canvas: Canvas, page: int, pages: int) -> None:
        width, _height = canvas._pagesize
        y = MARGIN_BOTTOM - 9 * MM
        canvas.saveState()
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.4)
        canvas.line(MARGIN_X, y + 4 * MM, width - MARGIN_X, y + 4 * MM)
        canvas.setFont(font, 8)
        canvas.setFillColor(LABEL)
        canvas.drawString(MARGIN_X, y, doc.company.name)
        canvas.drawCentredString(width / 2, y, f"{page} / {pages}")
        canvas.drawRightString(width - MARGIN_X, y, f"{doc.title}  {doc.number}")
        canvas.restoreState()

    return draw


def _later_page_header(doc: PrintedDocument, font: str) -> Callable[[Canvas, Any], None]:
    """Pages after the first: who and which document, above a thin rule."""

    def draw(canvas: Canvas, template: Any) -> None:
        width, height = canvas._pagesize
        y = height - MARGIN_TOP_LATER + 6 * MM
        canvas.saveState()
        canvas.setFont(font, 8.5)
        canvas.setFillColor(LABEL)
        canvas.drawString(MARGIN_X, y, doc.company.name)
        canvas.drawRightString(width - MARGIN_X, y, f"{doc.title}  {doc.number}")
        canvas.setStrokeColor(ACCENT)
        canvas.setLineWidth(0.8)
        canvas.line(MARGIN_X, y - 2.5 * MM, width - MARGIN_X, y - 2.5 * MM)
        canvas.restoreState()

    return draw


def _numbered_canvas(
    footer: Callable[[Canvas, int, int], None], watermark: str | None
) -> Callable[..., Canvas]:
    """A canvas that holds its pages until the end, so each footer can say "x / y"."""
    from reportlab.pdfgen.canvas import Canvas

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._held: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._held.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            pages = len(self._held)
            for number, state in enumerate(self._held, start=1):
                self.__dict__.update(state)
                if watermark:
                    _watermark(self, watermark)
                footer(self, number, pages)
                super().showPage()
            super().save()

    return NumberedCanvas


def _watermark(canvas: Canvas, text: str) -> None:
    """Large, faint, diagonal: a draft or void document cannot pass for a valid one."""
    from crm_desktop.core.reports.pdf.fonts import FONT_NAME

    width, height = canvas._pagesize
    canvas.saveState()
    canvas.translate(width / 2, height / 2)
    canvas.rotate(35)
    canvas.setFillColor("#C0392B")
    canvas.setFillAlpha(0.13)
    size = min(110.0, 0.9 * width / max(len(text), 1))
    canvas.setFont(FONT_NAME, size)
    canvas.drawCentredString(0, -size / 3, text)
    canvas.restoreState()


# --- table cells ----------------------------------------------------------------------------------


_TOKENS = re.compile(r"\s+|[\u2e80-\uffff]|[^\s\u2e80-\uffff]+")
# Closing punctuation never starts a line (禁则): it hangs at the end of the previous one.
_NO_LINE_START = set("，。、；：！？）》」』】〕,.;:!?)]%")


@lru_cache(maxsize=8192)
def _string_width(text: str, font: str, size: float) -> float:
    """Measured once per text: units, prices and product names repeat across lines and quotes."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    return stringWidth(text, font, size)


def wrap_text(text: str, font: str, size: float, width: float) -> str:
    """`text` broken into lines no wider than `width`: between any two CJK characters, at
    spaces between Latin words, inside a Latin word only when it is wider than a line."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines: list[str] = []
    for paragraph in text.split("\n"):
        line, used = "", 0.0
        for token in _TOKENS.findall(paragraph):
            token_width = stringWidth(token, font, size)
            if used + token_width <= width or token in _NO_LINE_START:
                line, used = line + token, used + token_width
            elif token.isspace():
                lines.append(line)
                line, used = "", 0.0
            elif token_width <= width or len(token) == 1:
                lines.append(line.rstrip())
                line, used = token, token_width
            else:  # a Latin word longer than a line: break it where it must
                for char in token:
                    char_width = stringWidth(char, font, size)
                    if used + char_width > width and line:
                        lines.append(line.rstrip())
                        line, used = "", 0.0
                    line, used = line + char, used + char_width
        lines.append(line.rstrip())
    return "\n".join(lines)


# --- helpers ------------------------------------------------------------------------------------


def _company_lines(company: CompanyBlock) -> list[str]:
    def pair(label: str, value: str | None) -> str | None:
        return _("{label}: {value}").format(label=label, value=value) if value else None

    lines = [
        [pair(_("Address"), company.address)],
        [pair(_("Phone"), company.phone), pair(_("Fax"), company.fax)],
        [pair(_("Email"), company.email), company.website],
        [pair(_("Tax ID"), company.tax_id)],
        [pair(_("Bank"), company.bank_name), pair(_("Bank account"), company.bank_account)],
    ]
    gap = " " * 5
    return [gap.join(p for p in line if p) for line in lines if any(line)]


def _image(data: bytes | None, max_width: float, max_height: float | None = None) -> Any:
    """A reportlab Image scaled into the box; None without data or for an unreadable image."""
    if not data:
        return None
    from reportlab.platypus import Image

    max_height = max_width if max_height is None else max_height
    prepared = _print_ready(data, max_width, max_height)
    if prepared is None:  # a broken logo must not stop the document from printing
        return None
    path, width, height = prepared
    image = Image(path, width=width, height=height)
    image.hAlign = "LEFT"
    return image


@lru_cache(maxsize=8)
def _print_ready(
    data: bytes, max_width: float, max_height: float
) -> tuple[str, float, float] | None:
    """The image as a JPEG file on white at no more than 300 dpi for its box, and its size in
    points.

    reportlab copies a JPEG *file* into the PDF as it is, while image bytes (a PNG with
    transparency above all) are decoded, split into colour and mask, hashed and compressed again
    in every document (~30 ms for a logo and a seal).
    Transparent parts become white; the seal is printed with the Multiply blend mode, so the
    text under it still shows, as under real ink. Cached: a batch prepares each image once.
    """
    from PIL import Image as PILImage

    try:
        with PILImage.open(io.BytesIO(data)) as source:
            source.load()
            picture = source.convert("RGBA") if source.mode != "RGB" else source.copy()
    except Exception:
        return None
    scale = min(max_width / picture.width, max_height / picture.height)
    size = (picture.width * scale, picture.height * scale)
    picture.thumbnail((round(max_width * 300 / 72), round(max_height * 300 / 72)))  # shrinks only
    if picture.mode == "RGBA":
        white = PILImage.new("RGB", picture.size, "white")
        white.paste(picture, mask=picture.getchannel("A"))
        picture = white
    path = _image_folder() / f"{hashlib.sha1(data).hexdigest()}-{max_width:.0f}.jpg"
    picture.save(path, "JPEG", quality=92, subsampling=0)  # 4:4:4 keeps red seal edges sharp
    return str(path), size[0], size[1]


@cache
def _image_folder() -> Path:
    """A private folder for the prepared images, removed when the process ends."""
    folder = Path(tempfile.mkdtemp(prefix="crm-print-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def _spacer(height_mm: float) -> Any:
    from reportlab.platypus import Spacer

    return Spacer(1, height_mm * MM)


@cache
def _styles(font: str) -> dict[str, Any]:
    from reportlab.lib.styles import ParagraphStyle

    base = ParagraphStyle(
        "body", fontName=font, fontSize=BODY_SIZE, leading=BODY_SIZE * 1.4, wordWrap="CJK"
    )

    def style(name: str, **kw: Any) -> ParagraphStyle:
        return ParagraphStyle(name, parent=base, **kw)

    return {
        "body": base,
        "section": style("section", fontSize=10, leading=14, textColor=ACCENT, spaceAfter=2),
        "terms": style("terms", fontSize=8.5, leading=12.5),
        "sign_caption": style("sign_caption", fontSize=9.5, leading=13),
    }
