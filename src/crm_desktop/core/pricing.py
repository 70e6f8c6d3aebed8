"""Line amounts and document totals, exact to the cent.

Pure functions (no database) shared by quotes, orders, the lines editor and the printed documents,
so the amount a person sees while typing is the amount stored and printed. Each line is rounded
once (half up, as Chinese invoices do); the subtotal is the sum of the rounded lines; tax is
rounded once on the subtotal. Prices exclude tax.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext

from crm_desktop.core.errors import ValidationError
from crm_desktop.core.i18n import _

CENT = Decimal("0.01")
QUANTITY_STEP = Decimal("0.001")  # the Quantity column keeps three decimals
ZERO = Decimal("0.00")
FULL_BP = 10000  # basis points: 10000 = 100 %
MAX_LINES = 2000
MAX_AMOUNT = Decimal("999999999999.99")  # far below what integer cents can hold


@dataclass(frozen=True)
class LineInput:
    """One line as a person enters it (a catalogue product or free text)."""

    description: str  # product name or free text (required)
    quantity: Decimal
    unit_price: Decimal
    discount_bp: int = 0  # 0..10000
    unit: str | None = None
    product_id: int | None = None
    product_code: str | None = None


@dataclass(frozen=True)
class Totals:
    subtotal: Decimal
    tax: Decimal
    total: Decimal


def round_half_up(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def line_amount(quantity: Decimal, unit_price: Decimal, discount_bp: int = 0) -> Decimal:
    """quantity × price × (1 − discount), computed exactly and rounded to the cent once."""
    with localcontext() as context:
        context.prec = 60  # exact for any quantity and price the columns can hold
        exact = Decimal(quantity) * Decimal(unit_price) * (FULL_BP - int(discount_bp)) / FULL_BP
        return round_half_up(exact)


def document_totals(amounts: Iterable[Decimal], tax_rate_bp: int) -> Totals:
    """Subtotal of the line amounts, tax on it (rounded once), and the total."""
    with localcontext() as context:
        context.prec = 60
        subtotal = round_half_up(sum((Decimal(a) for a in amounts), ZERO))
        tax = round_half_up(subtotal * int(tax_rate_bp) / FULL_BP)
        return Totals(subtotal, tax, subtotal + tax)


def clean_lines(lines: Sequence[LineInput]) -> list[LineInput]:
    """Lines checked and tidied for storage; a `ValidationError` names the first bad line."""
    if len(lines) > MAX_LINES:
        raise ValidationError(_("A document can have at most {n} lines.").format(n=MAX_LINES))
    return [_clean_line(number, line) for number, line in enumerate(lines, start=1)]


def _clean_line(number: int, line: LineInput) -> LineInput:
    def refuse(message: str) -> ValidationError:
        return ValidationError(_("Line {n}: {problem}").format(n=number, problem=message))

    description = (line.description or "").strip()
    if not description:
        raise refuse(_("the product name or description is empty."))
    quantity = _decimal(line.quantity, refuse, _("the quantity is not a number."))
    price = _decimal(line.unit_price, refuse, _("the unit price is not an amount."))
    if quantity <= 0:
        raise refuse(_("the quantity must be more than zero."))
    if quantity != quantity.quantize(QUANTITY_STEP):
        raise refuse(_("the quantity can have at most three decimals."))
    if price < 0:
        raise refuse(_("the unit price cannot be negative."))
    if price != price.quantize(CENT):
        raise refuse(_("the unit price can have at most two decimals."))
    discount = line.discount_bp
    if not isinstance(discount, int) or isinstance(discount, bool) or not 0 <= discount <= FULL_BP:
        raise refuse(_("the discount must be between 0 % and 100 %."))
    if line_amount(quantity, price, discount) > MAX_AMOUNT:
        raise refuse(_("the amount is too large."))
    return replace(
        line,
        description=description,
        quantity=quantity.quantize(QUANTITY_STEP),
        unit_price=price.quantize(CENT),
        unit=(line.unit or "").strip() or None,
        product_code=(line.product_code or "").strip() or None,
    )


def _decimal(value: object, refuse: Callable[[str], ValidationError], message: str) -> Decimal:
    """A Decimal from a Decimal, int or text; floats are refused like everywhere with money."""
    if isinstance(value, float | bool) or not isinstance(value, Decimal | int | str):
        raise refuse(message)
    try:
        result = Decimal(value.strip()) if isinstance(value, str) else Decimal(value)
    except (InvalidOperation, ValueError):
        raise refuse(message) from None
    if not result.is_finite():
        raise refuse(message)
    return result
