"""The sales funnel painted with QPainter: one trapezoid per stage, count and amount beside it.

Each open stage is a band whose top edge is as wide as its share of the largest stage (with a
floor, so an empty stage still shows) and whose bottom edge narrows to the next stage's width, so
the bands read as one funnel. The stage name sits left of its band, the count inside it, and the
count with the expected amount right of it; won and lost opportunities are summed in a line
below. The texts come from `label_texts()`, the same the painting uses, so a test reads what a
person sees. No matplotlib: a few polygons do not need a chart library (and its start-up time).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any, NamedTuple

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QHelpEvent, QPainter, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from crm_desktop.core.i18n import _, ngettext
from crm_desktop.core.money import format_money

MIN_SHARE = 0.14  # an empty stage still shows as a narrow band
MAX_BAND = 80  # px: bands stop growing on a tall window
MAX_WIDTH = 760  # px: nor wider on a wide one (the labels stay near their band)
GAP = 6  # px between bands
LAST_NARROWING = 0.72  # the last band's bottom edge, as a share of its top
CLOSED_ROWS = 2  # the funnel service ends with the won and the lost totals
TOP_COLOUR = QColor("#1565c0")
BOTTOM_COLOUR = QColor("#26a69a")


class StageLabel(NamedTuple):
    """What the funnel says about one stage."""

    name: str
    count: str  # inside the band
    detail: str  # right of the band: count and amount


def _blend(first: QColor, second: QColor, share: float) -> QColor:
    return QColor(
        round(first.red() + (second.red() - first.red()) * share),
        round(first.green() + (second.green() - first.green()) * share),
        round(first.blue() + (second.blue() - first.blue()) * share),
    )


def _amount(value: Any) -> str:
    return format_money(value if isinstance(value, Decimal) else Decimal(value or 0))


def count_text(count: int) -> str:
    return ngettext("{n} opportunity", "{n} opportunities", count).format(n=count)


class FunnelView(QWidget):
    """Paints `opportunities.funnel` rows: the stages as bands, won and lost below them."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("funnelView")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMouseTracking(True)
        self.stages: list[Any] = []
        self.closed: list[Any] = []
        self._bands: list[QPolygonF] = []

    def sizeHint(self) -> QSize:
        return QSize(640, 420)

    # --- data --------------------------------------------------------------------------------
    def set_stages(self, rows: Sequence[Any]) -> None:
        """Show the funnel service's rows: open stages in order (perhaps "No stage" first),
        then the won and the lost ones (the last two)."""
        self.stages = list(rows[:-CLOSED_ROWS])
        self.closed = list(rows[-CLOSED_ROWS:])
        self.update()

    def label_texts(self) -> list[StageLabel]:
        """Per open stage: its name, the count in the band, and count with amount beside it."""
        return [
            StageLabel(
                row.name,
                str(row.count),
                _("{count} · {amount}").format(
                    count=count_text(row.count), amount=_amount(row.amount)
                ),
            )
            for row in self.stages
        ]

    def footer_text(self) -> str:
        """Won and lost: closed opportunities are not in the funnel any more, but count."""
        parts = [
            _("{name}: {count} · {amount}").format(
                name=row.name, count=count_text(row.count), amount=_amount(row.amount)
            )
            for row in self.closed
        ]
        return "    ".join(parts)

    def empty(self) -> bool:
        return not any(row.count for row in self.stages)

    # --- painting ----------------------------------------------------------------------------
    def _widths(self, room: float) -> list[float]:
        most = max((row.count for row in self.stages), default=0) or 1
        return [room * max(row.count / most, MIN_SHARE) for row in self.stages]

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        painter.fillRect(self.rect(), palette.base())
        labels = self.label_texts()
        self._bands = []
        if not labels:
            painter.setPen(palette.placeholderText().color())
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, _("No stages defined."))
            return
        metrics = self.fontMetrics()
        margin = 16.0
        name_width = max(metrics.horizontalAdvance(label.name) for label in labels) + 16
        detail_width = max(metrics.horizontalAdvance(label.detail) for label in labels) + 16
        footer = self.footer_text()
        footer_height = metrics.height() * 2 if footer else 0
        room_height = self.height() - 2 * margin - footer_height
        band = min(MAX_BAND, max(metrics.height() + 6, room_height / len(labels) - GAP))
        room_width = self.width() - 2 * margin - name_width - detail_width
        funnel_width = min(max(room_width, 80), MAX_WIDTH)
        # The whole drawing (names, funnel, details) centred in the view.
        left = margin + name_width + max(room_width - funnel_width, 0) / 2
        centre = left + funnel_width / 2
        widths = self._widths(funnel_width)
        used = len(labels) * (band + GAP) + footer_height
        top = margin + max(room_height + footer_height - used, 0) / 2
        bold = QFont(self.font())
        bold.setBold(True)
        for index, (label, width) in enumerate(zip(labels, widths, strict=True)):
            below = widths[index + 1] if index + 1 < len(widths) else width * LAST_NARROWING
            bottom = min(width, below)
            shape = QPolygonF(
                [
                    QPointF(centre - width / 2, top),
                    QPointF(centre + width / 2, top),
                    QPointF(centre + bottom / 2, top + band),
                    QPointF(centre - bottom / 2, top + band),
                ]
            )
            self._bands.append(shape)
            share = index / max(len(labels) - 1, 1)
            painter.setPen(QPen(Qt.PenStyle.NoPen))
            painter.setBrush(_blend(TOP_COLOUR, BOTTOM_COLOUR, share))
            painter.drawPolygon(shape)
            row_rect = QRectF(left - name_width, top, name_width - 12, band)
            painter.setPen(palette.text().color())
            painter.setFont(self.font())
            painter.drawText(
                row_rect, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, label.name
            )
            inside = QRectF(centre - bottom / 2, top, bottom, band)
            if metrics.horizontalAdvance(label.count) + 8 < bottom:
                painter.setPen(QColor("white"))
                painter.setFont(bold)
                painter.drawText(inside, Qt.AlignmentFlag.AlignCenter, label.count)
            painter.setPen(palette.text().color())
            painter.setFont(self.font())
            detail_rect = QRectF(left + funnel_width + 12, top, detail_width, band)
            painter.drawText(
                detail_rect,
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                label.detail,
            )
            top += band + GAP
        if footer:
            painter.setPen(palette.text().color())
            painter.drawText(
                QRectF(
                    margin, top + metrics.height() / 2, self.width() - 2 * margin, metrics.height()
                ),
                Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter,
                footer,
            )
        if self.empty():
            painter.setPen(palette.placeholderText().color())
            painter.drawText(
                QRectF(0, top, self.width(), metrics.height() * 2),
                Qt.AlignmentFlag.AlignCenter,
                _("No open opportunities."),
            )
        painter.end()

    def event(self, event: QEvent) -> bool:
        """Hovering a band tells its stage, count and amount."""
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            point = QPointF(event.pos())
            for band, label in zip(self._bands, self.label_texts(), strict=False):
                if band.containsPoint(point, Qt.FillRule.OddEvenFill):
                    QToolTip.showText(event.globalPos(), f"{label.name}\n{label.detail}", self)
                    return True
            QToolTip.hideText()
            event.ignore()
            return True
        return super().event(event)
