"""The parts every list's filter bar is made of: a debounced search box, "All …" choice combos,
a from/to date range, a "Clear filters" button, and setting many filter widgets without a query
per widget.

The lists query the database (server-sorted, paged), so a filter bar must not query on every key
press or on every widget it resets: the search box waits for a pause in typing (its timer), and
`signals_blocked` lets "Clear filters" or a saved filter set everything, then query once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from typing import Any

from PySide6.QtCore import QDate, QObject, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from crm_desktop.core.i18n import _

SEARCH_DELAY_MS = 250  # query after the person pauses typing, not on every key


class OptionalDateEdit(QWidget):
    """A calendar date that may be left empty: a tick box switches the date on.

    QDateEdit always holds a date; "no next follow-up" and "no lower bound" need an empty value.
    """

    changed = Signal()

    def __init__(self, tooltip: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.check = QCheckBox()
        self.check.setToolTip(tooltip)
        self.date = QDateEdit()
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("yyyy-MM-dd")
        self.date.setEnabled(False)
        self.check.toggled.connect(self.date.setEnabled)
        self.check.toggled.connect(lambda _on: self.changed.emit())
        self.date.dateChanged.connect(lambda _d: self.check.isChecked() and self.changed.emit())
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.check)
        layout.addWidget(self.date, 1)
        self.setFocusProxy(self.check)
        self.set_value(None)

    def value(self) -> date | None:
        return self.date.date().toPython() if self.check.isChecked() else None  # type: ignore[return-value]

    def set_value(self, day: date | None, *, default: date | None = None) -> None:
        """Show `day` (ticked), or leave it empty with `default` ready in the date box."""
        shown = day or default or date.today()
        self.date.setDate(QDate(shown.year, shown.month, shown.day))
        self.check.setChecked(day is not None)


def search_box(
    owner: QObject,
    placeholder: str,
    on_search: Callable[[], None],
    *,
    name: str = "filter_search",
    delay_ms: int = SEARCH_DELAY_MS,
    min_width: int | None = 240,
    max_width: int | None = 360,
) -> tuple[QLineEdit, QTimer]:
    """A search box that calls `on_search` a moment after the last key (at once on Enter).

    Returns the box and its timer; `on_search` should stop the timer (an Enter beats the wait).
    """
    box = QLineEdit()
    box.setObjectName(name)
    box.setPlaceholderText(placeholder)
    box.setToolTip(_("Search (Ctrl+F)"))
    box.setClearButtonEnabled(True)
    if min_width is not None:
        box.setMinimumWidth(min_width)
    if max_width is not None:
        box.setMaximumWidth(max_width)
    timer = QTimer(owner)
    timer.setSingleShot(True)
    timer.setInterval(delay_ms)
    timer.timeout.connect(on_search)
    box.textChanged.connect(lambda _text: timer.start())  # restarts: waits for a pause
    box.returnPressed.connect(on_search)
    return box, timer


def fill_choices(
    combo: QComboBox, choices: Iterable[tuple[Any, str]], everything: str | None = None
) -> None:
    """Offer "everything" (None) and the choices, keeping the chosen value if still offered.

    `everything` defaults to the combo's present first entry (a refill after settings changed).
    """
    current = combo.currentData()
    blocked = combo.blockSignals(True)
    if everything is None:
        everything = combo.itemText(0)
    combo.clear()
    combo.addItem(everything, None)
    for value, text in choices:
        combo.addItem(text, value)
    select(combo, current)
    combo.blockSignals(blocked)


def choice_combo(name: str, everything: str, choices: Iterable[tuple[Any, str]] = ()) -> QComboBox:
    """A filter combo: "All …" (None) first, then the choices."""
    combo = QComboBox()
    combo.setObjectName(name)
    fill_choices(combo, choices, everything)
    return combo


def select(combo: QComboBox, value: Any) -> None:
    """Choose the entry holding `value`, or the first ("All …") when it is not offered."""
    combo.setCurrentIndex(max(combo.findData(value), 0))


def clear_button(on_clear: Callable[[], None]) -> QPushButton:
    button = QPushButton(_("Clear filters"))
    button.setObjectName("clearFilters")
    button.setAutoDefault(False)
    button.clicked.connect(on_clear)
    return button


class DateRange(QWidget):
    """ "From [date] To [date]", each end optional; `changed` when either end changes."""

    changed = Signal()

    def __init__(
        self,
        from_tooltip: str,
        to_tooltip: str,
        *,
        label: str | None = None,
        max_width: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.date_from = OptionalDateEdit(from_tooltip)
        self.date_from.setObjectName("filter_from")
        self.date_to = OptionalDateEdit(to_tooltip)
        self.date_to.setObjectName("filter_to")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel(_("From") if label is None else label))
        row.addWidget(self.date_from)
        row.addWidget(QLabel(_("To")))
        row.addWidget(self.date_to)
        for edit in (self.date_from, self.date_to):
            if max_width is not None:
                edit.setMaximumWidth(max_width)
            edit.changed.connect(self.changed)

    def value(self) -> tuple[date | None, date | None]:
        return self.date_from.value(), self.date_to.value()

    def set_value(self, date_from: date | None, date_to: date | None) -> None:
        """Show both ends without announcing them (the caller queries once)."""
        edits = (self.date_from, self.date_to)
        with signals_blocked(edits):
            for edit, day in zip(edits, (date_from, date_to), strict=True):
                edit.set_value(day)
                edit.date.setEnabled(day is not None)


def _signal_sources(widget: QObject) -> Sequence[QObject]:
    if isinstance(widget, OptionalDateEdit):
        return (widget, widget.check, widget.date)
    if isinstance(widget, DateRange):
        return (widget, *_signal_sources(widget.date_from), *_signal_sources(widget.date_to))
    return (widget,)


@contextmanager
def signals_blocked(widgets: Iterable[QObject]) -> Iterator[None]:
    """Set many filter widgets without a signal (so no query) from each; restored afterwards."""
    sources = [source for widget in widgets for source in _signal_sources(widget)]
    blocked = [source.blockSignals(True) for source in sources]
    try:
        yield
    finally:
        for source, was in zip(sources, blocked, strict=True):
            source.blockSignals(was)
