"""The Opportunities page of the Sales tab: a board per stage, a list, and the funnel.

The board has one column per stage (the firm's own list, `opportunities.stages`), each a list of
cards (name, customer, amount, close date). Dragging a card into another column moves the
opportunity to that stage; "Move to stage…" does the same from the keyboard. The list view is the
shared `RecordListPage` (it also shows won and lost opportunities); the funnel is painted by
`FunnelView`. One search box and owner filter serve all three views; the toolbar acts on the card
or row selected in the view shown. Every write goes through `core/services/opportunities.py`,
which checks the permission and scope again, and announces `Changes.of("opportunities")`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from itertools import pairwise
from typing import Any

from PySide6.QtCore import (
    QMimeData,
    QRectF,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QAction,
    QColor,
    QDropEvent,
    QFont,
    QKeySequence,
    QPainter,
    QPalette,
    QPen,
    QShortcut,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QButtonGroup,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QScrollArea,
    QSpinBox,
    QStackedWidget,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.core.changes import Changes
from crm_desktop.core.clock import local_today
from crm_desktop.core.errors import CrmError, ValidationError
from crm_desktop.core.i18n import N_, _
from crm_desktop.core.money import format_money
from crm_desktop.core.services import opportunities, pool
from crm_desktop.core.services.opportunities import OpportunityFilter, OpportunityRow
from crm_desktop.ui.context import AppContext
from crm_desktop.ui.followups.dialog import CustomerPicker
from crm_desktop.ui.sales.funnel_view import FunnelView, count_text
from crm_desktop.ui.widgets import Field, FormDialog, prompts
from crm_desktop.ui.widgets.filter_bar import OptionalDateEdit, fill_choices, search_box
from crm_desktop.ui.widgets.record_list_page import RecordListPage
from crm_desktop.ui.widgets.record_table_model import Column, PagedSource

KINDS = ("opportunities",)
RELOAD_KINDS = (*KINDS, "customers", "base_data", "operators")  # names and stages shown
BOARD_LIMIT = 500  # open opportunities on the board; the list pages through all of them
MIME = "application/x-crm-opportunity"
ROW_ROLE = Qt.ItemDataRole.UserRole
VIEWS = (("board", N_("Board")), ("list", N_("List")), ("funnel", N_("Funnel")))
STATUS_LABELS = opportunities.OPPORTUNITY_STATUS_LABELS
COLUMN_WIDTH = 240


# --- questions (module functions, so tests answer them without a modal dialog) -----------------


def choose_stage(
    parent: QWidget | None, name: str, stages: Sequence[tuple[int, str]], current: int | None
) -> int | None:
    """The stage to move an opportunity to, or None when cancelled."""
    names = [stage_name for _id, stage_name in stages]
    ids = [stage_id for stage_id, _name in stages]
    start = ids.index(current) if current in ids else 0
    picked, ok = QInputDialog.getItem(
        parent, _("Move to stage"), _("Move “{name}” to:").format(name=name), names, start, False
    )
    if not ok or picked not in names:
        return None
    return ids[names.index(picked)]


def ask_lost_reason(parent: QWidget | None, name: str) -> str | None:
    """Why the opportunity was lost (may be empty), or None when cancelled."""
    text, ok = QInputDialog.getText(
        parent, _("Opportunity lost"), _("Why was “{name}” lost?").format(name=name)
    )
    return text.strip() if ok else None


# --- the board --------------------------------------------------------------------------------


def _money(value: Decimal | None) -> str:
    return format_money(value) if value is not None else ""


class CardDelegate(QStyledItemDelegate):
    """Paints an opportunity as a card: name, customer, then amount and close date."""

    PAD = 8

    def __init__(self, today: Callable[[], date], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.today = today

    def sizeHint(self, option: QStyleOptionViewItem, _index: Any) -> QSize:
        line = option.fontMetrics.height()  # type: ignore[attr-defined]
        return QSize(COLUMN_WIDTH - 40, line * 3 + 2 * self.PAD + 8)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Any) -> None:
        row: OpportunityRow = index.data(ROW_ROLE)
        rect = QRectF(option.rect.adjusted(3, 3, -3, -3))  # type: ignore[attr-defined]
        # The application's palette: the list's own base is the column's colour, and a card
        # stands out from it.
        palette = QApplication.palette()
        selected = bool(option.state & QStyle.StateFlag.State_Selected)  # type: ignore[attr-defined]
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        border = palette.highlight().color() if selected else palette.mid().color()
        painter.setPen(QPen(border, 2 if selected else 1))
        background = palette.base().color()
        if selected:
            background = QColor(palette.highlight().color())
            background.setAlpha(40)
        painter.setBrush(background)
        painter.drawRoundedRect(rect, 6, 6)
        metrics = option.fontMetrics  # type: ignore[attr-defined]
        line = metrics.height()
        inner = rect.adjusted(self.PAD, self.PAD, -self.PAD, -self.PAD)
        width = int(inner.width())
        bold = QFont(option.font)  # type: ignore[attr-defined]
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(palette.text().color())
        elide = Qt.TextElideMode.ElideRight
        name = painter.fontMetrics().elidedText(row.name, elide, width)
        painter.drawText(QRectF(inner.left(), inner.top(), width, line), name)
        painter.setFont(option.font)  # type: ignore[attr-defined]
        painter.setPen(palette.placeholderText().color())
        customer = metrics.elidedText(row.customer_name or "", elide, width)
        painter.drawText(QRectF(inner.left(), inner.top() + line + 2, width, line), customer)
        third = QRectF(inner.left(), inner.top() + 2 * line + 6, width, line)
        painter.setPen(palette.text().color())
        painter.drawText(third, Qt.AlignmentFlag.AlignLeft, _money(row.expected_amount))
        close = row.expected_close_on
        if close is not None:
            late = close < self.today()
            painter.setPen(QColor("#c62828") if late else palette.placeholderText().color())
            painter.drawText(third, Qt.AlignmentFlag.AlignRight, close.isoformat())
        painter.restore()


class StageList(QListWidget):
    """One board column's cards. A card dropped here from another column asks to move there
    (`dropped(opportunity id, stage id)`); the page moves it and reloads the board."""

    dropped = Signal(int, int)
    activated_row = Signal(object)

    def __init__(
        self, stage_id: int | None, delegate: CardDelegate, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.stage_id = stage_id
        self.setObjectName(f"stage_{stage_id or 'none'}")
        self.setItemDelegate(delegate)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setDragEnabled(True)
        self.setAcceptDrops(True)
        self.setDropIndicatorShown(False)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setSpacing(1)
        self.itemDoubleClicked.connect(lambda item: self.activated_row.emit(item.data(ROW_ROLE)))

    def set_rows(self, rows: Sequence[OpportunityRow]) -> None:
        self.clear()
        for row in rows:
            item = QListWidgetItem()
            item.setData(ROW_ROLE, row)
            item.setToolTip(
                "\n".join(
                    part
                    for part in (
                        row.name,
                        row.customer_name,
                        row.owner_name,
                        _money(row.expected_amount),
                    )
                    if part
                )
            )
            self.addItem(item)

    def rows(self) -> list[OpportunityRow]:
        return [self.item(i).data(ROW_ROLE) for i in range(self.count())]

    def selected_row(self) -> OpportunityRow | None:
        items = self.selectedItems()
        return items[0].data(ROW_ROLE) if items else None

    # --- drag and drop -----------------------------------------------------------------------
    def mimeTypes(self) -> list[str]:
        return [MIME]

    def mimeData(self, items: Sequence[QListWidgetItem]) -> QMimeData:
        data = QMimeData()
        if items:
            data.setData(MIME, str(items[0].data(ROW_ROLE).id).encode())
        return data

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def dragEnterEvent(self, event: Any) -> None:
        if event.mimeData().hasFormat(MIME):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: Any) -> None:
        self.dragEnterEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        stage_id = self.stage_id
        if not event.mimeData().hasFormat(MIME) or stage_id is None or not self.acceptDrops():
            event.ignore()
            return
        opportunity_id = int(bytes(event.mimeData().data(MIME).data()).decode())
        # Copy, not move: the list must not remove the dragged item itself; the page reloads
        # the board from the database. The move runs after the drag has finished (the source
        # list is still inside its drag loop now).
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()
        QTimer.singleShot(0, lambda: self.dropped.emit(opportunity_id, stage_id))


class Board(QScrollArea):
    """The columns side by side, scrolled sideways when there are many stages."""

    moved = Signal(int, int)  # opportunity id, stage id
    activated_row = Signal(object)
    selection_changed = Signal()

    def __init__(self, today: Callable[[], date], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("opportunityBoard")
        self.setWidgetResizable(True)
        self.delegate = CardDelegate(today, self)
        self.lists: dict[int | None, StageList] = {}
        self.headers: dict[int | None, QLabel] = {}
        self.holder = QWidget()
        self.columns = QHBoxLayout(self.holder)
        self.columns.setContentsMargins(4, 4, 4, 4)
        self.columns.setSpacing(8)
        self.setWidget(self.holder)
        self._columns: list[tuple[int | None, str]] = []

    def set_data(self, stages: Sequence[tuple[int, str]], rows: Sequence[OpportunityRow]) -> None:
        """One column per stage, each holding its open opportunities (keeping the selected
        card). A deal in a stage switched off since, or in none, gets a column of its own that
        takes no drops, so no open deal is hidden from the board."""
        keep = self.selected_row()
        known = {stage_id for stage_id, _name in stages}
        extra: dict[int | None, str] = {}
        for row in rows:
            if row.stage_id not in known:
                extra.setdefault(row.stage_id, row.stage_name or _("No stage"))
        self._set_columns([*stages, *extra.items()], droppable=known)
        by_stage: dict[int | None, list[OpportunityRow]] = {key: [] for key in self.lists}
        for row in rows:
            by_stage[row.stage_id].append(row)
        for stage_id, stage_rows in by_stage.items():
            stage_list = self.lists[stage_id]
            blocked = stage_list.blockSignals(True)
            stage_list.set_rows(stage_rows)
            stage_list.blockSignals(blocked)
            self._show_header(stage_id, stage_rows)
        if keep is not None:
            self.select(keep.id)
        self.selection_changed.emit()

    def _set_columns(self, columns: Sequence[tuple[int | None, str]], droppable: set[int]) -> None:
        """Build the columns again only when the stages changed."""
        if list(columns) == self._columns:
            return
        self._columns = list(columns)
        while self.columns.count():
            item = self.columns.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.lists.clear()
        self.headers.clear()
        for stage_id, name in columns:
            self.columns.addWidget(self._column(stage_id, name, stage_id in droppable), 1)
        self.columns.addStretch(0)

    def _column(self, stage_id: int | None, name: str, droppable: bool) -> QFrame:
        frame = QFrame()
        frame.setObjectName("boardColumn")
        frame.setMinimumWidth(COLUMN_WIDTH)
        frame.setMaximumWidth(COLUMN_WIDTH * 3 // 2)
        frame.setFrameShape(QFrame.Shape.StyledPanel)
        frame.setStyleSheet(
            "QFrame#boardColumn { background: palette(alternate-base); border-radius: 6px; }"
        )
        header = QLabel()
        header.setObjectName("stageHeader")
        header.setTextFormat(Qt.TextFormat.RichText)
        header.setProperty("stage_name", name)
        stage_list = StageList(stage_id, self.delegate)
        stage_list.setAcceptDrops(droppable)
        colours = stage_list.palette()  # the column's colour behind the cards (no style sheet:
        colours.setColor(QPalette.ColorRole.Base, colours.color(QPalette.ColorRole.AlternateBase))
        stage_list.setPalette(colours)  # one on the list would restyle its scroll bar too)
        stage_list.dropped.connect(self.moved)
        stage_list.activated_row.connect(self.activated_row)
        stage_list.itemSelectionChanged.connect(lambda s=stage_list: self._selected_in(s))
        layout = QVBoxLayout(frame)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(header)
        layout.addWidget(stage_list, 1)
        self.lists[stage_id] = stage_list
        self.headers[stage_id] = header
        return frame

    def _show_header(self, stage_id: int | None, rows: Sequence[OpportunityRow]) -> None:
        header = self.headers[stage_id]
        total = sum((row.expected_amount or Decimal(0) for row in rows), Decimal(0))
        name = header.property("stage_name")
        header.setText(
            f"<b>{_escape(name)}</b> &nbsp;<span style='color: gray'>{len(rows)}</span>"
            f"<br><span style='color: gray'>{_escape(format_money(total))}</span>"
        )
        header.setToolTip(count_text(len(rows)))

    def _selected_in(self, chosen: StageList) -> None:
        """One card is selected on the whole board: selecting one clears the other columns."""
        if chosen.selectedItems():
            for stage_list in self.lists.values():
                if stage_list is not chosen:
                    blocked = stage_list.blockSignals(True)
                    stage_list.clearSelection()
                    stage_list.blockSignals(blocked)
        self.selection_changed.emit()

    def selected_row(self) -> OpportunityRow | None:
        for stage_list in self.lists.values():
            row = stage_list.selected_row()
            if row is not None:
                return row
        return None

    def select(self, opportunity_id: int) -> bool:
        for stage_list in self.lists.values():
            for index in range(stage_list.count()):
                item = stage_list.item(index)
                if item.data(ROW_ROLE).id == opportunity_id:
                    stage_list.setCurrentItem(item)
                    stage_list.scrollToItem(item)
                    return True
        return False

    def rows_by_stage(self) -> dict[int | None, list[OpportunityRow]]:
        return {stage_id: stage_list.rows() for stage_id, stage_list in self.lists.items()}


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# --- the dialog ---------------------------------------------------------------------------------


class OpportunityDialog(FormDialog):
    """New (`opportunity_id` None) or edit: customer, name, stage, owner, amount, close date,
    probability, remarks."""

    def __init__(
        self,
        ctx: AppContext,
        parent: QWidget | None,
        stages: Sequence[tuple[int, str]],
        opportunity_id: int | None = None,
    ) -> None:
        self.ctx = ctx
        self.opportunity_id = opportunity_id
        owners = pool.assignable_operators(ctx.db, ctx.actor)
        if ctx.actor.id not in {owner_id for owner_id, _name in owners}:
            owners = [(ctx.actor.id, ctx.actor.name), *owners]
        fields = [
            Field("name", _("Name"), required=True, placeholder=_("What the customer may buy")),
            Field("stage_id", _("Stage"), "choice", choices=list(stages), allow_empty=False),
            Field("owner_id", _("Owner"), "choice", choices=owners, allow_empty=False),
            Field("expected_amount", _("Expected amount"), "money"),
            Field("probability", _("Probability"), "int"),
            Field("remarks", _("Remarks"), "multiline"),
        ]
        title = _("New opportunity") if opportunity_id is None else _("Edit opportunity")
        super().__init__(title, fields, None, self._save, reload=self._reload, parent=parent)
        self.setObjectName("opportunityDialog")
        self.customer = CustomerPicker(ctx)
        self.customer.setObjectName("field_customer")
        self.close_date = OptionalDateEdit(_("Set the expected close date"))
        self.close_date.setObjectName("field_expected_close_on")
        probability = self.panel.editor("probability")
        assert isinstance(probability, QSpinBox)
        probability.setRange(0, 100)
        probability.setSuffix(" %")
        form = self.panel.form
        form.insertRow(0, _("Customer") + " *", self.customer)
        form.insertRow(5, _("Expected close date"), self.close_date)
        editors = self.panel.editors
        chain: list[QWidget] = [
            self.customer,
            editors["name"],
            editors["stage_id"],
            editors["owner_id"],
            editors["expected_amount"],
            self.close_date.check,
            self.close_date.date,
            editors["probability"],
            editors["remarks"],
        ]
        for first, second in pairwise(chain):
            QWidget.setTabOrder(first, second)
        self.initial_extras: dict[str, Any] = {}
        if opportunity_id is None:
            today = local_today(ctx.db.clock)
            self.panel.set_values(
                {"owner_id": ctx.actor.id, "stage_id": stages[0][0] if stages else None}
            )
            self.close_date.set_value(None, default=today)
            self.initial_extras = self._extras()
            self.customer.setFocus()
        else:
            self.panel.always_save = True  # the extra editors are outside the panel's diff
            self.panel.set_values(self._load(opportunity_id))
            self.customer.setReadOnly(True)
        self.resize(520, self.sizeHint().height())

    def _load(self, opportunity_id: int) -> dict[str, Any]:
        values = opportunities.get_opportunity(self.ctx.db, self.ctx.actor, opportunity_id)
        self.customer.set_customer(values["customer_id"], values.get("customer_name") or "")
        self.close_date.set_value(values.get("expected_close_on"))
        self.initial_extras = self._extras()
        return values

    def _reload(self) -> dict[str, Any]:
        assert self.opportunity_id is not None
        return self._load(self.opportunity_id)

    def _extras(self) -> dict[str, Any]:
        return {
            "customer_id": self.customer.customer_id,
            "expected_close_on": self.close_date.value(),
        }

    def _save(self, values: dict[str, Any], version: int | None) -> int | None:
        extras = self._extras()
        if extras["customer_id"] is None:
            self.customer.setFocus()
            raise ValidationError(_("Choose the customer from the list."))
        db, actor = self.ctx.db, self.ctx.actor
        if self.opportunity_id is None:
            return opportunities.save_opportunity(db, actor, None, None, {**values, **extras})
        changed = {k: v for k, v in extras.items() if v != self.initial_extras.get(k)}
        changed.pop("customer_id", None)
        changed.update(values)
        if not changed:
            return None
        opportunities.save_opportunity(db, actor, self.opportunity_id, version, changed)
        return self.opportunity_id


# --- the page -----------------------------------------------------------------------------------


class OpportunitiesPage(QWidget):
    """Board, list and funnel of the opportunities the operator may see."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.dialog: OpportunityDialog | None = None
        self.stages: list[tuple[int, str]] = []
        self._stale: set[str] = set()
        self._announced: Changes | None = None
        self._today = local_today(ctx.db.clock)

        self._build_filters()
        self.toolbar = QToolBar()
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.actions_by_key: dict[str, QAction] = {}
        self._build_actions()

        self.board = Board(lambda: self._today)
        self.board.moved.connect(self.move_to)
        self.board.activated_row.connect(self._edit_row)
        self.board.selection_changed.connect(self._update_actions)
        self.list_page = RecordListPage(
            "opportunities",
            _("Opportunities"),
            self._columns(),
            self._load_list,
            on_edit=self._edit_row,
            empty_text=self._empty_text,
            muted=lambda row: row.status != "open",
        )
        self.list_page.title.hide()
        self.list_page.filter.hide()  # the page's search asks the service, not the loaded rows
        find = QKeySequence(QKeySequence.StandardKey.Find)
        for shortcut in self.list_page.findChildren(QShortcut):
            if shortcut.key() == find:
                shortcut.setEnabled(False)  # Ctrl+F goes to the page's search box
        self.list_page.toolbar.hide()  # the page's own toolbar acts on the list's selection
        self.list_page.selection_changed.connect(lambda _row: self._update_actions())
        self.funnel = FunnelView()
        self.views = QStackedWidget()
        self.views.addWidget(self.board)
        self.views.addWidget(self.list_page)
        self.views.addWidget(self.funnel)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(self.top)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.views, 1)
        self.reload_stages()
        self.show_view("board")

    # --- building ----------------------------------------------------------------------------
    def _build_filters(self) -> None:
        title = QLabel(_("Opportunities"))
        title.setObjectName("pageTitle")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        title.setFont(font)
        self.count_label = QLabel()
        self.view_buttons = QButtonGroup(self)
        self.view_buttons.setExclusive(True)
        switch = QHBoxLayout()
        switch.setSpacing(0)
        for key, label in VIEWS:
            button = QToolButton()
            button.setObjectName(f"view_{key}")
            button.setText(_(label))
            button.setCheckable(True)
            button.clicked.connect(lambda _checked=False, k=key: self.show_view(k))
            self.view_buttons.addButton(button)
            switch.addWidget(button)
        self.search, self.search_timer = search_box(
            self,
            _("Search opportunity or customer…"),
            self.reload,
            name="opportunitySearch",
            min_width=220,
            max_width=None,
        )
        QShortcut(
            QKeySequence.StandardKey.Find,
            self,
            activated=lambda: (self.search.setFocus(), self.search.selectAll()),
            context=Qt.ShortcutContext.WidgetWithChildrenShortcut,
        )
        self.owner = QComboBox()
        self.owner.setObjectName("filter_owner_id")
        self.owner.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.owner.currentIndexChanged.connect(lambda _index: self.reload())
        self.status = QComboBox()
        self.status.setObjectName("filter_status")
        for value, label in (*STATUS_LABELS.items(), (None, N_("All"))):
            self.status.addItem(_(label), value)
        self.status.currentIndexChanged.connect(lambda _index: self.reload())
        self.status_label = QLabel(_("Status"))
        self.top = QHBoxLayout()
        self.top.addWidget(title)
        self.top.addWidget(self.count_label)
        self.top.addSpacing(12)
        self.top.addLayout(switch)
        self.top.addStretch(1)
        self.top.addWidget(QLabel(_("Owner")))
        self.top.addWidget(self.owner)
        self.top.addWidget(self.status_label)
        self.top.addWidget(self.status)
        self.top.addWidget(self.search)
        self.reload_owners()

    def _build_actions(self) -> None:
        can_edit = self.ctx.actor.can("opportunities.edit")
        specs: list[tuple[str, str, Callable[[], None], Any, bool]] = [
            ("new", _("New"), self.new_opportunity, QKeySequence.StandardKey.New, can_edit),
            ("edit", _("Edit"), self._edit_selected, None, True),
            ("move", _("Move to stage…"), self.move_selected, None, can_edit),
            ("won", _("Won"), self.mark_won, None, can_edit),
            ("lost", _("Lost…"), self.mark_lost, None, can_edit),
            ("refresh", _("Refresh"), self.reload_all, QKeySequence.StandardKey.Refresh, True),
        ]
        for key, text, handler, shortcut, offered in specs:
            action = QAction(text, self)
            action.setObjectName(f"action_{key}")
            if shortcut is not None:
                action.setShortcut(QKeySequence(shortcut))
                action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(lambda _checked=False, h=handler: self._run(h))
            action.setVisible(offered)
            self.toolbar.addAction(action)
            self.addAction(action)
            self.actions_by_key[key] = action

    def _columns(self) -> list[Column]:
        em = self.fontMetrics().horizontalAdvance("0")

        def column(key: str, title: str, chars: int, **options: Any) -> Column:
            return Column(key, title, width=em * chars + 16, **options)

        return [
            column("name", _("Name"), 24),
            column("customer_name", _("Customer"), 24),
            column("owner_name", _("Owner"), 10),
            column("stage_name", _("Stage"), 12),
            column("status", _("Status"), 8, formatter=lambda s: _(STATUS_LABELS.get(s, s))),
            column("expected_amount", _("Expected amount"), 14, kind="money"),
            column(
                "expected_close_on",
                _("Close date"),
                11,
                kind="date",
                emphasis=lambda row: (
                    row.status == "open"
                    and row.expected_close_on is not None
                    and row.expected_close_on < self._today
                ),
            ),
            column(
                "probability",
                _("Probability"),
                8,
                kind="int",
                formatter=lambda p: "" if p is None else f"{p} %",
            ),
        ]

    # --- filters and loading -----------------------------------------------------------------
    def reload_owners(self) -> None:
        try:
            owners = pool.assignable_operators(self.ctx.db, self.ctx.actor)
        except CrmError as exc:
            prompts.show_error(self, exc)
            return
        fill_choices(self.owner, owners, _("All"))

    def reload_stages(self) -> None:
        try:
            self.stages = opportunities.stages(self.ctx.db, self.ctx.actor)
        except CrmError as exc:
            prompts.show_error(self, exc)
            self.stages = []

    def current_filter(self, *, board: bool = False) -> OpportunityFilter:
        """The search and owner; the board and funnel show open ones, the list its status."""
        status = "open" if board else self.status.currentData()
        return OpportunityFilter(
            search=self.search.text().strip(), owner_id=self.owner.currentData(), status=status
        )

    def current_view(self) -> str:
        return VIEWS[self.views.currentIndex()][0]

    def show_view(self, key: str) -> None:
        index = [k for k, _label in VIEWS].index(key)
        self.view_buttons.buttons()[index].setChecked(True)
        self.views.setCurrentIndex(index)
        in_list = key == "list"
        self.status.setVisible(in_list)
        self.status_label.setVisible(in_list)
        self._stale.add(key)
        self.reload()

    def reload(self) -> None:
        """Query the view shown now; the others reload when they are shown."""
        self.search_timer.stop()
        self._today = local_today(self.ctx.db.clock)
        key = self.current_view()
        self._stale = {k for k, _label in VIEWS} - {key}
        try:
            if key == "board":
                rows = opportunities.list_opportunities(
                    self.ctx.db, self.ctx.actor, self.current_filter(board=True), limit=BOARD_LIMIT
                )
                self.board.set_data(self.stages, rows)
                self._show_count(len(rows), len(rows) >= BOARD_LIMIT)
            elif key == "list":
                self.list_page.reload(fresh=True)
                self._show_count(self.list_page.total(), False)
            else:
                self.funnel.set_stages(
                    opportunities.funnel(
                        self.ctx.db, self.ctx.actor, self.current_filter(board=True)
                    )
                )
                self.count_label.clear()
        except CrmError as exc:
            prompts.show_error(self, exc)
        self._update_actions()

    def reload_all(self) -> None:
        self.reload_owners()
        self.reload_stages()
        self.reload()

    def _show_count(self, count: int, more: bool) -> None:
        text = count_text(count)
        if more:
            text = _("{count} (the first {limit} shown)").format(count=text, limit=BOARD_LIMIT)
        self.count_label.setText(text)

    def _load_list(self) -> PagedSource:
        db, actor, wanted = self.ctx.db, self.ctx.actor, self.current_filter()
        return PagedSource(
            lambda offset, limit: opportunities.list_opportunities(
                db, actor, wanted, limit=limit, offset=offset
            )
        )

    def _empty_text(self) -> str:
        if self.search.text().strip() or self.owner.currentData() is not None:
            return _("No opportunity matches the search and filters.")
        return _("No opportunities yet. Press Ctrl+N to add the first one.")

    def refresh(self, changes: Changes) -> None:
        """Reload after a change to opportunities (or the names and stages they show)."""
        if changes is self._announced or not changes.touches(*RELOAD_KINDS):
            return
        if changes.touches("operators"):
            self.reload_owners()
        if changes.touches("base_data"):
            self.reload_stages()
        if self.isVisible():
            self.reload()
        else:
            self._stale = {k for k, _label in VIEWS}

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if self.current_view() in self._stale:
            self.reload()

    def _announce(self) -> None:
        self.reload()
        self._announced = Changes.of(*KINDS)
        try:
            self.ctx.notify(self._announced)
        finally:
            self._announced = None

    # --- selection and actions ---------------------------------------------------------------
    def selected_row(self) -> OpportunityRow | None:
        key = self.current_view()
        if key == "board":
            return self.board.selected_row()
        if key == "list":
            return self.list_page.selected_row()
        return None

    def select(self, opportunity_id: int) -> bool:
        if self.current_view() == "board":
            return self.board.select(opportunity_id)
        return self.list_page.select_key(opportunity_id)

    def _update_actions(self) -> None:
        row = self.selected_row()
        is_open = row is not None and row.status == "open"
        self.actions_by_key["edit"].setEnabled(row is not None)
        for key in ("move", "won", "lost"):
            self.actions_by_key[key].setEnabled(is_open)

    def _run(self, handler: Callable[[], None]) -> None:
        try:
            handler()
        except CrmError as exc:
            prompts.show_error(self, exc)

    def new_opportunity(self) -> OpportunityDialog:
        return self._open_dialog(None)

    def _edit_selected(self) -> None:
        row = self.selected_row()
        if row is not None:
            self._open_dialog(row.id)

    def _edit_row(self, row: OpportunityRow) -> None:
        self._run(lambda: self._open_dialog(row.id))

    def _open_dialog(self, opportunity_id: int | None) -> OpportunityDialog:
        if self.dialog is not None:
            self.dialog.deleteLater()
        dialog = OpportunityDialog(self.ctx, self, self.stages, opportunity_id)
        dialog.accepted.connect(self._saved)
        self.dialog = dialog
        dialog.open()
        return dialog

    def _saved(self) -> None:
        saved = self.dialog.result_value if self.dialog is not None else None
        self._announce()
        if isinstance(saved, int):
            self.select(saved)

    def move_selected(self) -> None:
        row = self.selected_row()
        if row is None or row.status != "open":
            return
        target = choose_stage(self, row.name, self.stages, row.stage_id)
        if target is not None:
            self.move_to(row.id, target)

    def move_to(self, opportunity_id: int, stage_id: int) -> None:
        """Move an opportunity (a dropped card or the Move action) to a stage."""
        row = self._row(opportunity_id)
        if row is None or row.stage_id == stage_id:
            return
        try:
            opportunities.move_to_stage(self.ctx.db, self.ctx.actor, row.id, row.version, stage_id)
        except CrmError as exc:
            prompts.show_error(self, exc)
            self.reload()  # the card goes back where the database has it
            return
        self._announce()
        self.select(opportunity_id)

    def _row(self, opportunity_id: int) -> OpportunityRow | None:
        rows = self.list_page.rows() if self.current_view() == "list" else []
        for stage_rows in self.board.rows_by_stage().values():
            rows = [*rows, *stage_rows]
        return next((row for row in rows if row.id == opportunity_id), None)

    def mark_won(self) -> None:
        row = self.selected_row()
        if row is None or row.status != "open":
            return
        if not prompts.confirm(
            self, _("Opportunity won"), _("Mark “{name}” as won?").format(name=row.name)
        ):
            return
        opportunities.close_opportunity(self.ctx.db, self.ctx.actor, row.id, row.version, True)
        self._announce()

    def mark_lost(self) -> None:
        row = self.selected_row()
        if row is None or row.status != "open":
            return
        reason = ask_lost_reason(self, row.name)
        if reason is None:
            return
        opportunities.close_opportunity(
            self.ctx.db, self.ctx.actor, row.id, row.version, False, reason or None
        )
        self._announce()
