"""The line table shared by the quote and the order editors.

Each line is a product from the catalogue (picked by code or name; the pick fills code, name, unit
and price) or free text, with quantity, unit price and discount. Amounts and the subtotal, tax and
total under the table are computed live by `core.pricing`, the same functions the services use to
store them, so what the person sees is what is saved, to the cent. Numbers are typed as text and
read back as `Decimal` (never floats); a cell refuses text that is not a number.

Keys: Ins adds a line, Del removes the current one, Ctrl+Up / Ctrl+Down move it. Picking a
product moves on to its quantity. Column widths are remembered per PC.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRegularExpression,
    QSettings,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QKeyEvent,
    QRegularExpressionValidator,
    QStandardItem,
    QStandardItemModel,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QCompleter,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.core.errors import CrmError, ValidationError
from crm_desktop.core.i18n import N_, _
from crm_desktop.core.money import ZERO, format_money, to_money
from crm_desktop.core.pricing import LineInput, Totals, document_totals, line_amount
from crm_desktop.ui.widgets import MoneyEdit, prompts

AnyIndex = QModelIndex | QPersistentModelIndex
QUANTITY_PLACES = 3
QUANTITY_PATTERN = r"^\s*[0-9][0-9,，]*(\.[0-9]{0,3})?\s*$|^\s*$"
PERCENT_PATTERN = r"^\s*[0-9]{0,3}(\.[0-9]{0,2})?\s*[%％]?\s*$"
TAX_RATES_BP = (1300, 900, 600, 300, 100, 0)  # the usual Chinese VAT rates, offered first
WIDTHS_KEY = "lines_editor/widths"

# column keys, titles (translated when shown) and widths in characters
CODE, DESCRIPTION, UNIT, QUANTITY, PRICE, DISCOUNT, AMOUNT = range(7)
COLUMNS: tuple[tuple[str, int], ...] = (
    (N_("Code"), 10),
    (N_("Product / description"), 28),
    (N_("Unit"), 6),
    (N_("Quantity"), 9),
    (N_("Unit price"), 11),
    (N_("Discount %"), 8),
    (N_("Amount"), 12),
)
NUMERIC = (QUANTITY, PRICE, DISCOUNT, AMOUNT)


# --- numbers as text -------------------------------------------------------------------------


def parse_quantity(text: str) -> Decimal | None:
    """A quantity typed by a person (thousands separators allowed, at most 3 decimals)."""
    clean = text.strip().replace(",", "").replace("，", "")
    if not clean:
        return None
    try:
        value = Decimal(clean)
    except InvalidOperation as exc:
        raise ValueError(text) from exc
    if not value.is_finite() or value.as_tuple().exponent < -QUANTITY_PLACES:  # type: ignore[operator]
        raise ValueError(text)
    return value


def format_quantity(value: Decimal | None) -> str:
    """2.000 -> "2", 1.250 -> "1.25": no trailing zeros, never an exponent."""
    if value is None:
        return ""
    return f"{value.normalize():f}"


def parse_percent(text: str) -> int:
    """A percentage ("12.5", "13%") as basis points (1250, 1300); empty is 0."""
    clean = text.strip().rstrip("%％").strip()
    if not clean:
        return 0
    try:
        basis = Decimal(clean) * 100
    except InvalidOperation as exc:
        raise ValueError(text) from exc
    if basis != basis.to_integral_value() or not 0 <= basis <= 10000:
        raise ValueError(text)
    return int(basis)


def format_percent(basis_points: int) -> str:
    """1300 -> "13", 1250 -> "12.5", 0 -> "0"."""
    return format_quantity(Decimal(basis_points) / 100)


# --- the catalogue ---------------------------------------------------------------------------


class CatalogueItem(NamedTuple):
    """A product as a line takes it: what fills code, name, unit and price."""

    id: int
    code: str
    name: str
    unit: str
    unit_price: Decimal

    @property
    def label(self) -> str:
        return f"{self.code}  {self.name}"


def load_catalogue(ctx: Any) -> list[CatalogueItem]:
    """The active products, for the code/name picker."""
    from crm_desktop.core.services import products

    return [
        CatalogueItem(
            row["id"],
            row["code"],
            row["name"],
            row.get("unit_name") or "",
            row.get("unit_price") or ZERO,
        )
        for row in products.list_products(ctx.db, ctx.actor, include_inactive=False)
    ]


# --- the lines -------------------------------------------------------------------------------


@dataclass(frozen=True)
class EditLine:
    """One line as edited: numbers may still be missing while the person types."""

    product_id: int | None = None
    product_code: str = ""
    description: str = ""
    unit: str = ""
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    discount_bp: int = 0

    def amount(self) -> Decimal | None:
        if self.quantity is None or self.unit_price is None:
            return None
        return line_amount(self.quantity, self.unit_price, self.discount_bp)

    def is_blank(self) -> bool:
        return self == EditLine()

    def as_input(self) -> LineInput:
        return LineInput(
            description=self.description.strip(),
            quantity=self.quantity if self.quantity is not None else Decimal(0),
            unit_price=self.unit_price if self.unit_price is not None else ZERO,
            discount_bp=self.discount_bp,
            unit=self.unit.strip() or None,
            product_id=self.product_id,
            product_code=self.product_code.strip() or None,
        )

    def with_product(self, item: CatalogueItem) -> EditLine:
        return replace(
            self,
            product_id=item.id,
            product_code=item.code,
            description=item.name,
            unit=item.unit,
            unit_price=item.unit_price,
        )


class LinesModel(QAbstractTableModel):
    """The lines as a table; cells take text and parse it, refusing what is not a number."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.items: list[EditLine] = []
        self.read_only = False

    # --- Qt ----------------------------------------------------------------------------------
    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.items)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            if orientation == Qt.Orientation.Horizontal:
                return _(COLUMNS[section][0])
            return str(section + 1)  # line numbers, as printed
        if role == Qt.ItemDataRole.TextAlignmentRole and orientation == Qt.Orientation.Horizontal:
            return int(_alignment(section).value)
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if not self.read_only and index.column() != AMOUNT:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        line = self.items[index.row()]
        column = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return _cell_text(line, column, editing=role == Qt.ItemDataRole.EditRole)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(_alignment(column).value)
        if role == Qt.ItemDataRole.ToolTipRole and column == CODE and line.product_id is None:
            return _("Free text (not from the catalogue)") if line.description else None
        return None

    def setData(self, index: AnyIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        text = "" if value is None else str(value)
        line = self.items[index.row()]
        try:
            changed = _with_cell(line, index.column(), text)
        except ValueError:
            return False
        self.set_line(index.row(), changed)
        return True

    # --- lines -------------------------------------------------------------------------------
    def set_line(self, row: int, line: EditLine) -> None:
        if self.items[row] == line:
            return
        self.items[row] = line
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    def reset_lines(self, lines: Sequence[EditLine]) -> None:
        self.beginResetModel()
        self.items = list(lines)
        self.endResetModel()

    def insert_line(self, row: int, line: EditLine | None = None) -> None:
        self.beginInsertRows(QModelIndex(), row, row)
        self.items.insert(row, line or EditLine())
        self.endInsertRows()

    def remove_line(self, row: int) -> None:
        self.beginRemoveRows(QModelIndex(), row, row)
        del self.items[row]
        self.endRemoveRows()

    def move_line(self, row: int, to: int) -> bool:
        if row == to or not (0 <= row < len(self.items) and 0 <= to < len(self.items)):
            return False
        # Qt's destination is the row *before which* the moved row lands.
        destination = to + 1 if to > row else to
        self.beginMoveRows(QModelIndex(), row, row, QModelIndex(), destination)
        self.items.insert(to, self.items.pop(row))
        self.endMoveRows()
        return True


def _alignment(column: int) -> Qt.AlignmentFlag:
    side = Qt.AlignmentFlag.AlignRight if column in NUMERIC else Qt.AlignmentFlag.AlignLeft
    return side | Qt.AlignmentFlag.AlignVCenter


def _cell_text(line: EditLine, column: int, *, editing: bool) -> str:
    if column == CODE:
        return line.product_code
    if column == DESCRIPTION:
        return line.description
    if column == UNIT:
        return line.unit
    if column == QUANTITY:
        return format_quantity(line.quantity)
    if column == PRICE:
        if line.unit_price is None:
            return ""
        return str(line.unit_price) if editing else format_money(line.unit_price)
    if column == DISCOUNT:
        return format_percent(line.discount_bp) if line.discount_bp or editing else ""
    amount = line.amount()
    return "" if amount is None else format_money(amount)


def _with_cell(line: EditLine, column: int, text: str) -> EditLine:
    """The line with one cell set from text; ValueError when the text is not valid there."""
    if column == CODE:
        code = text.strip()
        if code == line.product_code:
            return line
        return replace(line, product_code=code, product_id=None)  # another code: free text
    if column == DESCRIPTION:
        return replace(line, description=text.strip())
    if column == UNIT:
        return replace(line, unit=text.strip())
    if column == QUANTITY:
        return replace(line, quantity=parse_quantity(text))
    if column == PRICE:
        return replace(line, unit_price=to_money(text))
    if column == DISCOUNT:
        return replace(line, discount_bp=parse_percent(text))
    raise ValueError("the amount is computed")


# --- cell editors ----------------------------------------------------------------------------

ITEM_ROLE = Qt.ItemDataRole.UserRole


class ProductEdit(QLineEdit):
    """Code or name with the catalogue dropping down as the person types; free text allowed."""

    picked = Signal(object)  # CatalogueItem

    def __init__(self, catalogue: QStandardItemModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.item: CatalogueItem | None = None
        self.completer_ = QCompleter(catalogue, self)
        self.completer_.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer_.setFilterMode(Qt.MatchFlag.MatchContains)
        self.completer_.setMaxVisibleItems(12)
        self.setCompleter(self.completer_)
        self.completer_.activated[QModelIndex].connect(self._activated)  # type: ignore[index]
        self.textEdited.connect(lambda _text: setattr(self, "item", None))

    def _activated(self, index: QModelIndex) -> None:
        item = index.data(ITEM_ROLE)
        if isinstance(item, CatalogueItem):
            self.item = item
            self.picked.emit(item)


class LinesDelegate(QStyledItemDelegate):
    """Makes the right editor for each column and writes products back whole."""

    product_picked = Signal(int)  # row: a catalogue product filled the line

    def __init__(self, editor: LinesEditor) -> None:
        super().__init__(editor)
        self.owner = editor

    def createEditor(
        self, parent: QWidget, option: QStyleOptionViewItem, index: AnyIndex
    ) -> QWidget:
        column = index.column()
        if column in (CODE, DESCRIPTION):
            product = ProductEdit(self.owner.catalogue_model, parent)
            product.picked.connect(lambda _item, e=product: self._commit_pick(e))
            return product
        if column == PRICE:
            return MoneyEdit(parent)
        editor = QLineEdit(parent)
        if column in (QUANTITY, DISCOUNT):
            pattern = QUANTITY_PATTERN if column == QUANTITY else PERCENT_PATTERN
            editor.setValidator(QRegularExpressionValidator(QRegularExpression(pattern), editor))
            editor.setAlignment(_alignment(column))
        return editor

    def setEditorData(self, editor: QWidget, index: AnyIndex) -> None:
        if isinstance(editor, QLineEdit):
            editor.setText(str(index.data(Qt.ItemDataRole.EditRole) or ""))

    def setModelData(self, editor: QWidget, model: Any, index: AnyIndex) -> None:
        if not isinstance(editor, QLineEdit):
            return
        row = index.row()
        item = editor.item if isinstance(editor, ProductEdit) else None
        if item is None and index.column() == CODE:
            item = self.owner.product_by_code(editor.text())
        if item is not None:
            self.owner.fill_product(row, item)
            return
        model.setData(index, editor.text(), Qt.ItemDataRole.EditRole)

    def _commit_pick(self, editor: ProductEdit) -> None:
        """A pick from the list is final: write it and go on to the quantity."""
        view = self.owner.table
        index = view.currentIndex()
        self.commitData.emit(editor)
        self.closeEditor.emit(editor, QStyledItemDelegate.EndEditHint.NoHint)
        if index.isValid():
            self.product_picked.emit(index.row())


# --- the editor ------------------------------------------------------------------------------


class LinesEditor(QWidget):
    """Lines, tax rate and live totals; `lines()` gives them to a service as `LineInput`s.

    `catalogue` is the products to pick from (default: the active products of `ctx`).
    """

    changed = Signal()

    def __init__(
        self,
        ctx: Any = None,
        parent: QWidget | None = None,
        *,
        catalogue: Sequence[CatalogueItem] | None = None,
        settings: Callable[[], QSettings] = QSettings,
    ) -> None:
        super().__init__(parent)
        self._settings = settings
        self._baseline: tuple[Any, ...] = ()
        self._quiet = False
        self.catalogue_model = QStandardItemModel(self)
        self._by_code: dict[str, CatalogueItem] = {}
        if catalogue is None and ctx is not None:
            try:
                catalogue = load_catalogue(ctx)
            except CrmError as exc:  # no catalogue: free text still works
                prompts.show_error(self, exc)
        self.set_catalogue(catalogue or ())

        self.model = LinesModel(self)
        self.table = QTableView()
        self.table.setObjectName("lineTable")
        self.table.setModel(self.model)
        self.delegate = LinesDelegate(self)
        self.delegate.product_picked.connect(self._after_pick)
        self.table.setItemDelegate(self.delegate)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.table.setTabKeyNavigation(True)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 10)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        header.setSectionResizeMode(DESCRIPTION, QHeaderView.ResizeMode.Stretch)
        header.setHighlightSections(False)
        self._restore_widths()
        header.sectionResized.connect(self._remember_widths)

        self._build_buttons()
        self._build_totals()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self.button_row)
        layout.addWidget(self.table, 1)
        layout.addLayout(self.totals_row)

        for signal in (
            self.model.dataChanged,
            self.model.rowsInserted,
            self.model.rowsRemoved,
            self.model.rowsMoved,
            self.model.modelReset,
        ):
            signal.connect(self._lines_changed)
        self.table.selectionModel().currentChanged.connect(lambda *_a: self._update_buttons())
        self._update_totals()
        self._update_buttons()
        self.mark_clean()

    # --- building ----------------------------------------------------------------------------
    def _build_buttons(self) -> None:
        def button(name: str, text: str, tip: str, slot: Callable[[], Any]) -> QPushButton:
            widget = QPushButton(text)
            widget.setObjectName(name)
            widget.setToolTip(tip)
            widget.setAutoDefault(False)  # Enter in the table must not press it
            widget.clicked.connect(slot)
            return widget

        self.add_button = button("addLine", _("Add line"), _("Add a line (Ins)"), self.add_line)
        self.remove_button = button(
            "removeLine", _("Remove line"), _("Remove the current line (Del)"), self.remove_line
        )
        self.up_button = button("lineUp", _("Up"), _("Move the line up (Ctrl+Up)"), self.move_up)
        self.down_button = button(
            "lineDown", _("Down"), _("Move the line down (Ctrl+Down)"), self.move_down
        )
        self.button_row = QHBoxLayout()
        title = QLabel(_("Lines"))
        font = title.font()
        font.setBold(True)
        title.setFont(font)
        self.button_row.addWidget(title)
        self.button_row.addStretch()
        for widget in (self.add_button, self.remove_button, self.up_button, self.down_button):
            self.button_row.addWidget(widget)
        self.table.installEventFilter(self)  # Ins, Del, Ctrl+Up/Down on the table

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """The line keys act on the table itself; a cell being typed in keeps its own keys."""
        if watched is self.table and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            action = self._key_actions().get((event.key(), event.modifiers()))
            if action is not None:
                action()
                return True
        return super().eventFilter(watched, event)

    def _key_actions(self) -> dict[tuple[Qt.Key, Qt.KeyboardModifier], Callable[[], Any]]:
        none, ctrl = Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ControlModifier
        return {
            (Qt.Key.Key_Insert, none): self.add_line,
            (Qt.Key.Key_Delete, none): self.remove_line,
            (Qt.Key.Key_Up, ctrl): self.move_up,
            (Qt.Key.Key_Down, ctrl): self.move_down,
        }

    def _build_totals(self) -> None:
        self.tax_rate = QComboBox()
        self.tax_rate.setObjectName("taxRate")
        self.tax_rate.setEditable(True)
        self.tax_rate.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        for basis_points in TAX_RATES_BP:
            self.tax_rate.addItem(f"{format_percent(basis_points)}%", basis_points)
        self.tax_rate.lineEdit().setValidator(
            QRegularExpressionValidator(QRegularExpression(PERCENT_PATTERN), self.tax_rate)
        )
        self.tax_rate.setToolTip(_("Tax rate; prices are without tax"))
        self.tax_rate.currentTextChanged.connect(lambda _text: self._lines_changed())
        self.subtotal_label = QLabel()
        self.subtotal_label.setObjectName("subtotal")
        self.tax_label = QLabel()
        self.tax_label.setObjectName("tax")
        self.total_label = QLabel()
        self.total_label.setObjectName("total")
        font = self.total_label.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.total_label.setFont(font)
        tax_caption = QLabel(_("Tax rate"))
        tax_caption.setBuddy(self.tax_rate)
        self.totals_row = QHBoxLayout()
        self.totals_row.addWidget(tax_caption)
        self.totals_row.addWidget(self.tax_rate)
        self.totals_row.addStretch()
        for label in (self.subtotal_label, self.tax_label, self.total_label):
            self.totals_row.addSpacing(18)
            self.totals_row.addWidget(label)

    # --- the catalogue -----------------------------------------------------------------------
    def set_catalogue(self, items: Sequence[CatalogueItem]) -> None:
        self.catalogue_model.clear()
        self._by_code = {item.code.casefold(): item for item in items}
        for item in items:
            entry = QStandardItem(item.label)
            entry.setData(item, ITEM_ROLE)
            entry.setEditable(False)
            self.catalogue_model.appendRow(entry)

    def product_by_code(self, text: str) -> CatalogueItem | None:
        """The product whose code is exactly `text` (any case), for typing a code and Tab."""
        return self._by_code.get(text.strip().casefold())

    def fill_product(self, row: int, item: CatalogueItem) -> None:
        """Fill the line from the catalogue; a quantity already typed stays."""
        line = self.model.items[row].with_product(item)
        if line.quantity is None:
            line = replace(line, quantity=Decimal(1))
        self.model.set_line(row, line)

    def _after_pick(self, row: int) -> None:
        index = self.model.index(row, QUANTITY)
        self.table.setCurrentIndex(index)
        self.table.edit(index)

    # --- lines -------------------------------------------------------------------------------
    def lines(self) -> list[LineInput]:
        """The non-blank lines, in order, as the services take them."""
        return [line.as_input() for line in self.model.items if not line.is_blank()]

    def set_lines(self, lines: Sequence[Any], tax_rate_bp: int | None = None) -> None:
        """Show a document's lines (`DocumentLine`s or anything with the same fields)."""
        self._quiet = True  # showing a document is not an edit
        try:
            self._show_lines(lines, tax_rate_bp)
        finally:
            self._quiet = False
        self._update_totals()
        self.mark_clean()

    def _show_lines(self, lines: Sequence[Any], tax_rate_bp: int | None) -> None:
        self.model.reset_lines(
            [
                EditLine(
                    product_id=line.product_id,
                    product_code=line.product_code or "",
                    description=line.description or "",
                    unit=line.unit or "",
                    quantity=line.quantity,
                    unit_price=line.unit_price,
                    discount_bp=line.discount_bp or 0,
                )
                for line in lines
            ]
        )
        if tax_rate_bp is not None:
            self.set_tax_rate_bp(tax_rate_bp)

    def current_row(self) -> int:
        index = self.table.currentIndex()
        return index.row() if index.isValid() else -1

    def add_line(self) -> int:
        """Add a blank line after the current one (or at the end) and start typing in it."""
        if self.model.read_only:
            return -1
        current = self.current_row()
        row = current + 1 if current >= 0 else self.model.rowCount()
        self.model.insert_line(row)
        index = self.model.index(row, DESCRIPTION)
        self.table.setCurrentIndex(index)
        self.table.setFocus()
        self.table.edit(index)
        return row

    def remove_line(self) -> None:
        row = self.current_row()
        if self.model.read_only or row < 0:
            return
        column = self.table.currentIndex().column()
        self.model.remove_line(row)
        if self.model.rowCount():
            last = self.model.rowCount() - 1
            self.table.setCurrentIndex(self.model.index(min(row, last), column))

    def move_up(self) -> None:
        self._move(-1)

    def move_down(self) -> None:
        self._move(1)

    def _move(self, step: int) -> None:
        index = self.table.currentIndex()
        if self.model.read_only or not index.isValid():
            return
        if self.model.move_line(index.row(), index.row() + step):
            self.table.setCurrentIndex(self.model.index(index.row() + step, index.column()))

    def set_read_only(self, read_only: bool) -> None:
        """Lines of a sent quote or a delivered order are shown, not edited."""
        self.model.read_only = read_only
        self.tax_rate.setEnabled(not read_only)
        self._update_buttons()

    def _update_buttons(self) -> None:
        editable = not self.model.read_only
        row = self.current_row()
        self.add_button.setEnabled(editable)
        self.remove_button.setEnabled(editable and row >= 0)
        self.up_button.setEnabled(editable and row > 0)
        self.down_button.setEnabled(editable and 0 <= row < self.model.rowCount() - 1)

    # --- tax and totals ----------------------------------------------------------------------
    def tax_rate_bp(self) -> int:
        """The tax rate in basis points; ValidationError when the text is not a percentage."""
        text = self.tax_rate.currentText()
        try:
            return parse_percent(text)
        except ValueError as exc:
            raise ValidationError(
                _("“{text}” is not a tax rate (0 to 100 %).").format(text=text)
            ) from exc

    def set_tax_rate_bp(self, basis_points: int) -> None:
        index = self.tax_rate.findData(basis_points)
        if index >= 0:
            self.tax_rate.setCurrentIndex(index)
        else:
            self.tax_rate.setEditText(f"{format_percent(basis_points)}%")

    def totals(self) -> Totals:
        """Subtotal, tax and total of the lines as typed (lines without a number count 0)."""
        try:
            rate = self.tax_rate_bp()
        except ValidationError:
            rate = 0
        amounts = [line.amount() or ZERO for line in self.model.items]
        return document_totals(amounts, rate)

    def _update_totals(self) -> None:
        totals = self.totals()
        self.subtotal_label.setText(
            _("Subtotal {amount}").format(amount=format_money(totals.subtotal))
        )
        self.tax_label.setText(_("Tax {amount}").format(amount=format_money(totals.tax)))
        self.total_label.setText(_("Total ¥{amount}").format(amount=format_money(totals.total)))

    def _lines_changed(self, *_args: Any) -> None:
        self._update_totals()
        self._update_buttons()
        if not self._quiet:
            self.changed.emit()

    # --- dirty state -------------------------------------------------------------------------
    def _state(self) -> tuple[Any, ...]:
        return (tuple(self.model.items), self.tax_rate.currentText())

    def mark_clean(self) -> None:
        """What is shown now counts as unchanged (after loading or saving)."""
        self._baseline = self._state()

    def is_dirty(self) -> bool:
        return self._state() != self._baseline

    # --- remembered widths -------------------------------------------------------------------
    def _restore_widths(self) -> None:
        em = self.table.fontMetrics().horizontalAdvance("0")
        saved = self._settings().value(WIDTHS_KEY)
        if isinstance(saved, str):
            saved = [saved]
        widths = [int(w) for w in saved] if isinstance(saved, list) else []
        for column, (_title, chars) in enumerate(COLUMNS):
            if column == DESCRIPTION:
                continue  # stretches to fill
            width = widths[column] if column < len(widths) else em * chars + 16
            self.table.setColumnWidth(column, width)

    def _remember_widths(self, *_args: Any) -> None:
        header = self.table.horizontalHeader()
        widths = [header.sectionSize(i) for i in range(header.count())]
        self._settings().setValue(WIDTHS_KEY, widths)
