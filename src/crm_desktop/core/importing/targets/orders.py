"""Sales history: one sheet row per order line, grouped into orders by the order number.

A firm's past sales arrive as a ledger: order number, date, customer, salesperson, product,
price, quantity, discount on every line. Rows with the same order number make one order (the
lines keep the sheet's order as line numbers); the lines of one order must agree on its date,
customer, salesperson, tax rate and status, or every row of that order is refused naming the
disagreement. Amounts are computed by `core.pricing` exactly like an order typed by hand (each
line rounded once, tax once on the subtotal), so statistics add up to the lines to the cent; an
amount column in the sheet is only a check. Imported orders are closed by default: finished
history that the sales analyses count.

Modes: create (an order number already stored -> the whole order is skipped as a duplicate),
update/upsert (an order created by an earlier import gets its lines and header replaced; an
order entered by hand is never touched). Unknown products are a row problem, unless the person
asked to create missing entries and may edit the catalogue: then each is created once, recorded
for undo. Orders are written whole (an order's lines never straddle two transactions).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import column, delete, select, table
from sqlalchemy.orm import Session

from crm_desktop.core.errors import ValidationError
from crm_desktop.core.i18n import _
from crm_desktop.core.importing.model import ImportKind, ImportMode, RowAction, RowPlan
from crm_desktop.core.importing.targets import base
from crm_desktop.core.importing.targets.base import (
    BaseRun,
    Context,
    ProductLookup,
    StoredForm,
    Update,
    Writer,
    spellings,
    too_long,
)
from crm_desktop.core.models import BaseDataKind, DocumentStatus, OrderLine, Product, SalesOrder
from crm_desktop.core.models.types import QUANTITY_SCALE
from crm_desktop.core.money import from_cents
from crm_desktop.core.pricing import (
    FULL_BP,
    LineInput,
    Totals,
    clean_lines,
    document_totals,
    line_amount,
    round_half_up,
)
from crm_desktop.core.search_keys import fold
from crm_desktop.core.services import balances
from crm_desktop.core.services.sales_common import (
    STATUS_LABELS,
    lines_text,
    status_label,
    tax_rate,
)

S = DocumentStatus
ORDER_STATUSES = (S.DRAFT, S.CONFIRMED, S.DELIVERED, S.CLOSED, S.CANCELLED)
DEFAULT_STATUS = S.CLOSED  # finished history, counted by the sales analyses
# Words a hand-made ledger uses for an order's state, besides the program's own labels.
STATUS_WORDS: dict[str, str] = {
    "完成": S.CLOSED,
    "已完成": S.CLOSED,
    "完结": S.CLOSED,
    "结案": S.CLOSED,
    "关闭": S.CLOSED,
    "发货": S.DELIVERED,
    "已交付": S.DELIVERED,
    "交付": S.DELIVERED,
    "确认": S.CONFIRMED,
    "审核": S.CONFIRMED,
    "已审核": S.CONFIRMED,
    "取消": S.CANCELLED,
    "作废": S.CANCELLED,
    "已作废": S.CANCELLED,
    "done": S.CLOSED,
    "finished": S.CLOSED,
    "completed": S.CLOSED,
}
LINES_KEY = "__lines__"  # Update.old: the order's previous lines, restored by undo
NEW_CODE_PREFIX = "IMP-"  # code of a product created from a name-only sales line
LINE_COLUMNS = (
    "line_no",
    "product_id",
    "product_code",
    "product_name",
    "unit",
    "unit_price",
    "quantity",
    "discount_bp",
    "amount",
)
# Header fields every line of one order must agree on, with the FieldSpec key that names them.
AGREE = (
    ("order_date", "order_date"),
    ("customer_id", "customer"),
    ("salesperson_id", "salesperson"),
    ("tax_rate_bp", "tax_rate"),
    ("status", "status"),
)


# --- pure parts -----------------------------------------------------------------------------------


def status_words() -> dict[str, str]:
    """Folded words -> status: the values, their labels in English, Chinese and the current
    language, and the words hand-made ledgers use (built once per import)."""
    words = {fold(word): status for word, status in STATUS_WORDS.items()}
    for status in ORDER_STATUSES:
        words.update(dict.fromkeys({fold(status), *spellings(STATUS_LABELS[status])}, status))
    return words


def parse_status(text: Any, words: dict[str, str] | None = None) -> str | None:
    """A status from its value, its label in either language or a ledger's word; None if empty.

    Raises ValueError with a readable message for a word that names no order status.
    """
    if text is None or str(text).strip() == "":
        return None
    found = (words if words is not None else status_words()).get(fold(str(text)))
    if found is not None:
        return found
    names = ", ".join(status_label(s) for s in ORDER_STATUSES)
    raise ValueError(
        _("“{text}” is not an order status ({names}).").format(text=str(text).strip(), names=names)
    )


def derive_price(amount: Decimal, quantity: Decimal, discount_bp: int) -> Decimal | None:
    """The unit price (cents) that gives `amount` for the quantity and discount; None when no
    price to the cent does (the sheet's amount was then rounded from a finer price)."""
    if quantity <= 0 or discount_bp >= FULL_BP:
        return None
    try:
        price = round_half_up(amount * FULL_BP / (quantity * (FULL_BP - discount_bp)))
    except InvalidOperation:
        return None
    return price if line_amount(quantity, price, discount_bp) == amount else None


def disagreement(rows: list[Row], show: Any) -> tuple[str, str] | None:
    """(field key, "value on row N, other value on row M") for the first header field the
    rows of one order give differently; None when they agree. Empty cells agree with anything.
    `show(key, value)` makes a value readable (a customer's name instead of its id)."""
    for attribute, key in AGREE:
        seen: dict[Any, int] = {}
        for row in rows:
            value = getattr(row, attribute)
            if value is not None and value not in seen:
                seen[value] = row.plan.line
        if len(seen) > 1:
            parts = [
                _("{value} on row {line}").format(value=show(key, value), line=line)
                for value, line in list(seen.items())[:2]
            ]
            return key, ", ".join(parts)
    return None


def price_lines(
    lines: list[LineInput], tax_rate_bp: int
) -> tuple[list[LineInput], list[Decimal], Totals]:
    """Checked lines, their amounts and totals, exactly as a hand-made order is priced.

    Raises ValidationError "Line n: ..." naming the order's line number."""
    clean = clean_lines(lines)
    amounts = [line_amount(x.quantity, x.unit_price, x.discount_bp) for x in clean]
    return clean, amounts, document_totals(amounts, tax_rate_bp)


# --- rows and orders ------------------------------------------------------------------------------


@dataclass
class NewProduct:
    """A catalogue product the import creates (create_missing), once however many lines use it."""

    code: str
    name: str
    spec: str | None
    unit_id: int | None
    unit_price: Decimal
    first_line: int  # the sheet row that asked for it
    id: int | None = None  # set when written


@dataclass
class Row:
    """One sheet row as an order line, with the header values it gives (None: empty cell)."""

    plan: RowPlan
    number: str
    order_date: date | None
    customer_id: int | None
    salesperson_id: int | None
    tax_rate_bp: int | None
    status: str | None
    remarks: str | None
    line: LineInput
    new_product: NewProduct | None = None


@dataclass
class Existing:
    """A stored order with the same number (plain values, loaded once)."""

    id: int
    version: int
    customer_id: int
    salesperson_id: int
    header: dict[str, Any]  # stored values of the columns an import writes (Python form)
    received: Decimal = Decimal("0.00")
    lines: list[dict[str, Any]] = field(default_factory=list)  # LINE_COLUMNS, Python form


@dataclass
class Order:
    """The rows of one order number, decided together."""

    number: str
    rows: list[Row]
    header: dict[str, Any] = field(default_factory=dict)  # Python form, SalesOrder columns
    lines: list[dict[str, Any]] = field(default_factory=list)  # LINE_COLUMNS, Python form
    existing: Existing | None = None
    id: int | None = None  # set when written


HEADER_COLUMNS = (
    "order_date",
    "customer_id",
    "salesperson_id",
    "status",
    "tax_rate_bp",
    "subtotal",
    "tax",
    "total",
    "remarks",
)


class OrdersRun(BaseRun):
    """One sales history import: rows parsed in `plan`, whole orders decided in `finish`."""

    def __init__(self, ctx: Context, session: Session) -> None:
        self.ctx = ctx
        self.mode = ctx.request.mode
        self.customers = ctx.customers(session)
        self.products: ProductLookup = ctx.products(session)
        query = select(Product.id, Product.code, Product.name)
        self.catalogue = {pid: (code, name) for pid, code, name in session.execute(query)}
        self.taken = _load_numbers(session)
        self.imported = {} if self.mode is ImportMode.CREATE else _load_imported(session)
        self.rows: dict[int, Row] = {}  # id(plan) -> the parsed row
        self.new_products: dict[str, NewProduct] = {}  # folded code and name -> product
        self.orders: dict[str, Order] = {}  # number -> order to write
        self.taken_codes = set(self.products.by_folded_code)
        self.last_free_code = 0
        self.status_words = status_words()

    # --- one row: parse it as a line ----------------------------------------------------------

    def plan(self, plan: RowPlan) -> None:
        try:
            self.rows[id(plan)] = self._parse(plan)
        except _Problem as exc:
            self.refuse(plan, str(exc))
        else:
            plan.action = RowAction.CREATE  # decided for the whole order in finish()

    def _parse(self, plan: RowPlan) -> Row:
        values = plan.values
        number = _text(values.get("number"))
        if not number:
            raise _Problem(_("The order number is empty: it says which lines make one order."))
        problem = too_long("sales_orders", {"number": number})
        if problem:
            raise _Problem(problem)
        try:
            status = parse_status(values.get("status"), self.status_words)
            tax = None if values.get("tax_rate") is None else tax_rate(values["tax_rate"])
        except (ValueError, ValidationError) as exc:
            raise _Problem(str(exc)) from None
        return Row(
            plan=plan,
            number=number,
            order_date=values.get("order_date"),
            customer_id=self._customer(values.get("customer")),
            salesperson_id=self._salesperson(values.get("salesperson")),
            tax_rate_bp=tax,
            status=status,
            remarks=_text(values.get("remarks")),
            **self._line(plan),
        )

    def _customer(self, value: Any) -> int:
        found, problem = self.customers.find(_text(value))
        if found is None:
            raise _Problem(problem or _("The customer is empty."))
        if not self.ctx.may_see_customer(found):
            message = _("The customer “{name}” belongs to someone outside your data scope.")
            raise _Problem(message.format(name=self.customers.info[found][2]))
        return found

    def _salesperson(self, value: Any) -> int | None:
        """The engine resolved the column to an operator id (0: the public pool)."""
        if value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise _Problem(_("An order needs a salesperson; the public pool cannot sell."))
        if not self.ctx.in_scope(value):
            name = self.ctx.operators.names.get(value, str(value))
            message = _("The salesperson “{name}” is outside your data scope.")
            raise _Problem(message.format(name=name))
        return value

    def _line(self, plan: RowPlan) -> dict[str, Any]:
        """The row's line (LineInput, priced and checked like a typed line) and the product
        this import creates for it, if any."""
        values = plan.values
        code, name = _text(values.get("product")), _text(values.get("product_name"))
        spec = _text(values.get("spec"))
        product_id, new = self._product(plan, code, name, spec, _text(values.get("unit")))
        product_code, catalogue_name = (
            self.catalogue[product_id]
            if new is None
            else (
                new.code,
                new.name,
            )
        )
        description = " ".join(part for part in (name or catalogue_name, spec) if part)
        discount = values.get("discount") or 0
        quantity = values.get("quantity")
        quantity = Decimal(1) if quantity is None else quantity
        amount = values.get("amount")
        price = values.get("unit_price")
        if price is None:
            price = _price_from_amount(amount, quantity, discount)
        line = LineInput(
            description,
            quantity,
            price,
            discount,
            _text(values.get("unit")),
            product_id,
            product_code,
        )
        problem = too_long("order_lines", line_columns(line))
        if new is not None:
            product = {"code": new.code, "name": new.name, "spec": new.spec}
            problem = problem or too_long("products", product)
        if problem:
            raise _Problem(problem)
        try:
            (line,) = clean_lines([line])
        except ValidationError as exc:
            raise _Problem(_without_line_number(str(exc))) from None
        computed = line_amount(line.quantity, line.unit_price, line.discount_bp)
        if amount is not None and computed != amount:
            message = _(
                "The amount {amount} is not quantity × unit price × (1 − discount) = {computed}."
            )
            raise _Problem(message.format(amount=amount, computed=computed))
        if new is not None and new.first_line == plan.line:
            new.unit_price = line.unit_price
        values["unit_price"], values["amount"] = line.unit_price, computed  # as stored (preview)
        return {"line": line, "new_product": new}

    def _product(
        self, plan: RowPlan, code: str | None, name: str | None, spec: str | None, unit: str | None
    ) -> tuple[int | None, NewProduct | None]:
        """(catalogue id, None) or (None, product this import creates) for the row's product
        cells: the code first, else the name; unknown ones are created once (create_missing)."""
        wanted = code or name
        if not wanted:
            raise _Problem(_("Give the product's code or name."))
        found, problem = self.products.find(wanted)
        if found is None and code and name:
            found, _other = self.products.find(name)
        if found is not None:
            return found, None
        new = self.new_products.get(fold(wanted))
        if new is not None:
            return None, new
        if not self.ctx.request.create_missing:
            raise _Problem(
                problem or _("No product has the code or name “{name}”.").format(name=wanted)
            )
        if "settings.products" not in self.ctx.permissions:
            message = _(
                "The product “{name}” is not in the catalogue, and you may not add products."
            )
            raise _Problem(message.format(name=wanted))
        unit_id = self.ctx.base.resolve(BaseDataKind.UNIT, unit)
        new = NewProduct(
            code=code or self._free_code(),
            name=name or wanted,
            spec=spec,
            unit_id=unit_id if unit_id and unit_id > 0 else None,
            unit_price=Decimal("0.00"),
            first_line=plan.line,
        )
        self.taken_codes.add(fold(new.code))
        for text in (fold(new.code), fold(wanted), fold(new.name)):
            self.new_products.setdefault(text, new)
        return None, new

    def _free_code(self) -> str:
        """IMP-00001, IMP-00002, ...: a code no product has, for a line that names no code."""
        number = self.last_free_code + 1
        while fold(f"{NEW_CODE_PREFIX}{number:05d}") in self.taken_codes:
            number += 1
        self.last_free_code = number
        return f"{NEW_CODE_PREFIX}{number:05d}"

    # --- whole orders ---------------------------------------------------------------------------

    def finish(self, plans: list[RowPlan]) -> None:
        groups: dict[str, list[RowPlan]] = {}
        for plan in plans:
            number = _text(plan.values.get("number"))
            if number:
                groups.setdefault(number, []).append(plan)
        for number, group in groups.items():
            self._decide(number, group)

    def _decide(self, number: str, group: list[RowPlan]) -> None:
        failed = next((p for p in group if p.action is RowAction.ERROR), None)
        if failed is not None:
            message = _("Order {number} is not imported: its row {line} cannot be imported.")
            self._refuse_all(group, message.format(number=number, line=failed.line))
            return
        rows = [self.rows[id(plan)] for plan in group]
        conflict = disagreement(rows, self._show)
        if conflict is not None:
            key, detail = conflict
            message = _("Order {number}: its rows give different values for “{field}”: {detail}.")
            self._refuse_all(
                group, message.format(number=number, field=self.ctx.label(key), detail=detail)
            )
            return
        try:
            order = self._order(number, rows)
        except ValidationError as exc:
            self._refuse_all(
                group, _("Order {number}: {problem}").format(number=number, problem=exc)
            )
            return
        action, message, changes = self._action(order)
        for index, plan in enumerate(group):
            plan.action, plan.message = action, message
            plan.entity_id = order.existing.id if order.existing else None
            plan.changes = changes if index == 0 else {}
        if action in (RowAction.CREATE, RowAction.UPDATE):
            self.orders[number] = order

    def _refuse_all(self, group: list[RowPlan], message: str) -> None:
        """Refuse every row of an order (rows refused for their own reason keep it)."""
        for plan in group:
            if plan.action is not RowAction.ERROR:
                self.refuse(plan, message)

    def _show(self, key: str, value: Any) -> str:
        if key == "customer":
            return self.customers.info[value][2]
        if key == "salesperson":
            return self.ctx.operators.names.get(value, str(value))
        if key == "status":
            return status_label(value)
        if key == "tax_rate":
            return f"{Decimal(value) / 100:g} %"
        return str(value)

    def _order(self, number: str, rows: list[Row]) -> Order:
        """The order the rows make: header from the first row giving each field, lines priced
        like a hand-made order; raises ValidationError naming a line."""

        def first(attribute: str) -> Any:
            return next(
                (getattr(r, attribute) for r in rows if getattr(r, attribute) is not None), None
            )

        customer_id = first("customer_id")
        tax = first("tax_rate_bp") or 0
        clean, amounts, totals = price_lines([row.line for row in rows], tax)
        remarks = "\n".join(dict.fromkeys(r.remarks for r in rows if r.remarks)) or None
        header = {
            "order_date": first("order_date"),
            "customer_id": customer_id,
            "salesperson_id": first("salesperson_id") or self._default_salesperson(customer_id),
            "status": first("status") or DEFAULT_STATUS,
            "tax_rate_bp": tax,
            "subtotal": totals.subtotal,
            "tax": totals.tax,
            "total": totals.total,
            "remarks": remarks,
        }
        lines = [
            dict(zip(LINE_COLUMNS, values, strict=True))
            for values in (
                (
                    n,
                    x.product_id,
                    x.product_code,
                    x.description,
                    x.unit,
                    x.unit_price,
                    x.quantity,
                    x.discount_bp,
                    amount,
                )
                for n, (x, amount) in enumerate(zip(clean, amounts, strict=True), start=1)
            )
        ]
        return Order(number, rows, header, lines)

    def _default_salesperson(self, customer_id: int) -> int:
        """The customer's owner, or the importer for a customer in the public pool."""
        owner = self.customers.info[customer_id][0]
        return owner if owner is not None and self.ctx.in_scope(owner) else self.ctx.operator_id

    def _action(self, order: Order) -> tuple[RowAction, str, dict[str, tuple[Any, Any]]]:
        """What the mode does with the order: create, skip, update, leave or refuse it."""
        taken = self.taken.get(order.number)
        if taken is None:
            if self.mode is ImportMode.UPDATE:
                return (
                    RowAction.SKIP,
                    _("No order numbered {number} exists.").format(number=order.number),
                    {},
                )
            return RowAction.CREATE, "", {}
        if self.mode is ImportMode.CREATE:
            return (
                RowAction.SKIP,
                _("Order {number} exists already.").format(number=order.number),
                {},
            )
        existing = self.imported.get(taken)
        if existing is None:
            return (
                RowAction.ERROR,
                _("Order {number} was entered by hand; an import does not change it.").format(
                    number=order.number
                ),
                {},
            )
        order.existing = existing
        problem = self._update_problem(order, existing)
        if problem:
            return RowAction.ERROR, problem, {}
        changes = {
            key: (existing.header[key], value)
            for key, value in order.header.items()
            if existing.header[key] != value
        }
        if existing.lines != order.lines:
            changes["lines"] = (_lines_text(existing.lines), _lines_text(order.lines))
        if not changes:
            return RowAction.UNCHANGED, "", {}
        return RowAction.UPDATE, "", changes

    def _update_problem(self, order: Order, existing: Existing) -> str | None:
        number = order.number
        if not (
            self.ctx.in_scope(existing.salesperson_id)
            or self.ctx.may_see_customer(existing.customer_id)
        ):
            return _("Order {number} belongs to someone outside your data scope.").format(
                number=number
            )
        if existing.received and order.header["customer_id"] != existing.customer_id:
            return _(
                "Receipts are allocated to order {number}, so its customer cannot change."
            ).format(number=number)
        if order.header["total"] < existing.received:
            return _(
                "The new total {total} of order {number} is less than the {received} "
                "already received."
            ).format(total=order.header["total"], number=number, received=existing.received)
        return None

    # --- writing --------------------------------------------------------------------------------

    def chunks(self, plans: list[RowPlan]) -> Iterator[list[RowPlan]]:
        """Whole orders per write transaction, about CHUNK_ROWS lines each."""
        by_order: dict[str, list[RowPlan]] = {}
        for plan in plans:
            by_order.setdefault(self.rows[id(plan)].number, []).append(plan)
        chunk: list[RowPlan] = []
        for group in by_order.values():
            chunk.extend(group)
            if len(chunk) >= base.CHUNK_ROWS:  # read now: tests make it small
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def write(self, writer: Writer, plans: list[RowPlan]) -> None:
        numbers = dict.fromkeys(self.rows[id(plan)].number for plan in plans)
        orders = [self.orders[number] for number in numbers]
        self._write_products(writer, orders)
        stored = self.ctx.stored
        created = [order for order in orders if order.existing is None]
        ids = writer.insert("sales_orders", "order", [_new_order_row(o, stored) for o in created])
        for order, order_id in zip(created, ids, strict=True):
            order.id = order_id
        updated = [order for order in orders if order.existing is not None]
        if updated:
            self._replace(writer, updated)
        lines = [row for order in orders for row in _stored_lines(order)]
        writer.insert("order_lines", None, lines, editable=False)

    def _write_products(self, writer: Writer, orders: list[Order]) -> None:
        """Create the missing products these orders use (each once in the whole import)."""
        wanted: dict[int, NewProduct] = {}
        for order in orders:
            for row in order.rows:
                new = row.new_product
                if new is not None and new.id is None:
                    wanted.setdefault(id(new), new)
        if not wanted:
            return
        products = list(wanted.values())
        rows = [
            {
                "code": p.code,
                "name": p.name,
                "spec": p.spec,
                "unit_id": p.unit_id,
                "category_id": None,
                "unit_price": StoredForm.money(p.unit_price),
                "active": True,
                "remarks": None,
            }
            for p in products
        ]
        for product, product_id in zip(
            products, writer.insert("products", "product", rows), strict=True
        ):
            product.id = product_id

    def _replace(self, writer: Writer, orders: list[Order]) -> None:
        """New header and lines for orders an earlier import created; their old lines go into
        the undo record (Update.old[LINES_KEY]) so undo puts them back."""
        ids = [order.existing.id for order in orders if order.existing]
        old_lines = _read_stored_lines(writer, ids)
        updates = []
        for order in orders:
            existing = order.existing
            assert existing is not None
            order.id = existing.id
            new = _stored_header(order.header, self.ctx.stored)
            old = _stored_header(existing.header, self.ctx.stored)
            values = {key: value for key, value in new.items() if old[key] != value}
            values = values or {"total": new["total"]}  # lines only: the version moves on
            audit = {key: (existing.header[key], order.header[key]) for key in values}
            if existing.lines != order.lines:
                audit["lines"] = (_lines_text(existing.lines), _lines_text(order.lines))
            old_values = {key: old[key] for key in values}
            old_values[LINES_KEY] = old_lines.get(existing.id, [])
            updates.append(Update(existing.id, existing.version, values, old_values, audit))
        writer.update("sales_orders", "order", updates)
        lines = _light_lines()
        writer.conn.execute(delete(lines).where(lines.c.order_id.in_(ids)))


class OrdersTarget:
    """Sales history (`crm import orders`): needs orders.import."""

    kind = ImportKind.ORDERS
    entity = "order"
    permissions = ("orders.import",)

    def begin(self, ctx: Context, session: Session) -> OrdersRun:
        return OrdersRun(ctx, session)


TARGET = OrdersTarget()


# --- helpers --------------------------------------------------------------------------------------


class _Problem(Exception):
    """Why a row cannot be imported (a translated message)."""


def _price_from_amount(amount: Decimal | None, quantity: Decimal, discount_bp: int) -> Decimal:
    if amount is None:
        raise _Problem(_("Give a unit price or an amount."))
    price = derive_price(amount, quantity, discount_bp)
    if price is None:
        message = _("No unit price to the cent gives the amount {amount}; give the unit price.")
        raise _Problem(message.format(amount=amount))
    return price


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _without_line_number(message: str) -> str:
    """pricing's "Line 1: the quantity ..." for one sheet row: the row is named elsewhere."""
    head, sep, rest = message.partition(": ")
    return rest[:1].upper() + rest[1:] if sep and head.split()[-1].isdigit() else message


def line_columns(line: LineInput) -> dict[str, Any]:
    """The text columns of an order line (to check their lengths)."""
    return {"product_code": line.product_code, "product_name": line.description, "unit": line.unit}


def _lines_text(lines: list[dict[str, Any]]) -> str:
    """Lines as the order history shows them (the same text as a hand edit's audit)."""
    return lines_text({**line, "description": line["product_name"]} for line in lines)


def _load_numbers(session: Session) -> dict[str, int]:
    """Every stored order number -> its id (one query, plain tuples)."""
    return dict(session.execute(select(SalesOrder.number, SalesOrder.id)).all())


def _load_imported(session: Session) -> dict[int, Existing]:
    """Orders an earlier import created, with their header, received amount and lines."""
    received = balances.received_per_order()
    query = (
        select(
            SalesOrder.id,
            SalesOrder.version,
            received.c.received,
            *(getattr(SalesOrder, column) for column in HEADER_COLUMNS),
        )
        .outerjoin(received, received.c.order_id == SalesOrder.id)
        .where(SalesOrder.import_batch_id.is_not(None))
    )
    found: dict[int, Existing] = {}
    for order_id, version, paid, *header in session.execute(query):
        values = dict(zip(HEADER_COLUMNS, header, strict=True))
        found[order_id] = Existing(
            id=order_id,
            version=version,
            customer_id=values["customer_id"],
            salesperson_id=values["salesperson_id"],
            header=values,
            received=from_cents(int(paid)) if paid is not None else Decimal("0.00"),
        )
    if not found:
        return found
    lines = (
        select(OrderLine.order_id, *(getattr(OrderLine, column) for column in LINE_COLUMNS))
        .join(SalesOrder, SalesOrder.id == OrderLine.order_id)
        .where(SalesOrder.import_batch_id.is_not(None))
        .order_by(OrderLine.order_id, OrderLine.line_no)
    )
    for order_id, *values in session.execute(lines):
        found[order_id].lines.append(dict(zip(LINE_COLUMNS, values, strict=True)))
    return found


def _stored_header(header: dict[str, Any], stored: StoredForm) -> dict[str, Any]:
    """The header columns in stored form (money as cents, the date as the dialect keeps it)."""
    result = dict(header)
    result["order_date"] = stored.date(header["order_date"])
    for key in ("subtotal", "tax", "total"):
        result[key] = StoredForm.money(header[key])
    return result


def _new_order_row(order: Order, stored: StoredForm) -> dict[str, Any]:
    return {
        "number": order.number,
        "contact_id": None,
        "contact_phone": None,
        "quote_id": None,
        "opportunity_id": None,
        "delivery_address": None,
        "terms": None,
        "archived": False,
        **_stored_header(order.header, stored),
    }


def _stored_lines(order: Order) -> list[dict[str, Any]]:
    """The order's lines in stored form, catalogue ids of products created by now filled in."""
    result = []
    for line, row in zip(order.lines, order.rows, strict=True):
        product_id = row.new_product.id if row.new_product is not None else line["product_id"]
        result.append(
            {
                **line,
                "order_id": order.id,
                "product_id": product_id,
                "unit_price": StoredForm.money(line["unit_price"]),
                "quantity": _stored_quantity(line["quantity"]),
                "amount": StoredForm.money(line["amount"]),
            }
        )
    return result


def _stored_quantity(quantity: Decimal) -> int:
    return int((Decimal(quantity) * QUANTITY_SCALE).to_integral_value())


def _light_lines() -> Any:
    """order_lines without column types: values read and written in stored form."""
    real = OrderLine.__table__
    return table(real.name, *(column(c.name) for c in real.columns))


def _read_stored_lines(writer: Writer, order_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """The orders' current lines in stored form (inside the write transaction: fresh)."""
    lines = _light_lines()
    query = (
        select(lines.c.order_id, *(lines.c[name] for name in LINE_COLUMNS))
        .where(lines.c.order_id.in_(order_ids))
        .order_by(lines.c.order_id, lines.c.line_no)
    )
    found: dict[int, list[dict[str, Any]]] = {}
    for order_id, *values in writer.conn.execute(query):
        found.setdefault(order_id, []).append(dict(zip(LINE_COLUMNS, values, strict=True)))
    return found
