"""`crm orders …` and `crm quotes …`: the sales tab's lists and order entry from a script.

The same services, permission checks and data scope as the GUI: a salesperson listing orders sees
exactly the orders their tab shows, and an order added here gets its number from the same rule.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from crm_desktop.cli_customers import _date, _session
from crm_desktop.cli_output import list_options, list_rows, print_rows, say
from crm_desktop.core.errors import ValidationError
from crm_desktop.core.i18n import _
from crm_desktop.core.models import DocumentStatus

if TYPE_CHECKING:
    from crm_desktop.core.actor import Actor
    from crm_desktop.core.db import Database
    from crm_desktop.core.pricing import LineInput

S = DocumentStatus
ORDER_STATUSES = (S.DRAFT, S.CONFIRMED, S.DELIVERED, S.CLOSED, S.CANCELLED)
QUOTE_STATUSES = (S.DRAFT, S.SENT, S.ACCEPTED, S.REJECTED, S.SUPERSEDED)


def _status(code: str, fmt: str) -> str:
    """People read the label; programs get the stable code."""
    from crm_desktop.core.services.sales_common import status_label

    return status_label(code) if fmt == "table" else code


# --- orders --------------------------------------------------------------------------------------


def cmd_orders_list(args: argparse.Namespace) -> int:
    from crm_desktop.core.services import orders

    db, actor = _session(args)
    wanted = orders.OrderFilter(
        search=args.search or "", status=args.status, outstanding_only=args.outstanding
    )
    rows = list_rows(orders.list_orders, db, actor, wanted, args.limit)
    keys = (
        "number",
        "order_date",
        "customer",
        "salesperson",
        "status",
        "total",
        "received",
        "outstanding",
    )
    headers = (
        _("Number"),
        _("Date"),
        _("Customer"),
        _("Salesperson"),
        _("Status"),
        _("Total"),
        _("Received"),
        _("Outstanding"),
    )
    print_rows(
        headers,
        keys,
        [
            (
                r.number,
                r.order_date,
                r.customer_name,
                r.salesperson_name,
                _status(r.status, args.format),
                r.total,
                r.received,
                r.outstanding,
            )
            for r in rows
        ],
        args.format,
    )
    return 0


def _catalogue(db: Database, actor: Actor) -> dict[str, dict[str, Any]]:
    """Active products by code and by name (case-insensitive), for --line."""
    from crm_desktop.core.services import products

    found: dict[str, dict[str, Any]] = {}
    for product in products.list_products(db, actor, include_inactive=False):
        found.setdefault(product["name"].casefold(), product)
        found[product["code"].casefold()] = product  # a code wins over a name
    return found


def _number(text: str, what: str, number: int) -> Decimal:
    try:
        value = Decimal(text.strip().rstrip("%").strip())
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite():
        raise ValidationError(
            _("Line {n}: “{text}” is not a valid {what}.").format(n=number, text=text, what=what)
        )
    return value


def parse_line(text: str, number: int, catalogue: dict[str, dict[str, Any]]) -> LineInput:
    """CODE|NAME,QTY[,PRICE[,DISCOUNT%]]: a catalogue product by code or name, or free text
    (then the price is required). The catalogue price is used when PRICE is left out."""
    from crm_desktop.core.pricing import LineInput

    parts = [part.strip() for part in text.split(",")]
    if not 2 <= len(parts) <= 4 or not parts[0]:
        raise ValidationError(
            _("Line {n}: write it as CODE_OR_NAME,QTY,PRICE[,DISCOUNT%].").format(n=number)
        )
    product = catalogue.get(parts[0].casefold())
    quantity = _number(parts[1], _("quantity"), number)
    if len(parts) > 2 and parts[2]:
        price = _number(parts[2], _("price"), number)
    elif product is not None:
        price = product["unit_price"]
    else:
        raise ValidationError(
            _("Line {n}: “{name}” is not in the catalogue, so give its price.").format(
                n=number, name=parts[0]
            )
        )
    percent = _number(parts[3], _("discount"), number) if len(parts) > 3 and parts[3] else 0
    discount_bp = Decimal(percent) * 100
    if discount_bp != discount_bp.to_integral_value():
        raise ValidationError(
            _("Line {n}: a discount can have at most two decimals.").format(n=number)
        )
    if product is None:
        return LineInput(parts[0], quantity, price, int(discount_bp))
    return LineInput(
        product["name"],
        quantity,
        price,
        int(discount_bp),
        unit=product["unit_name"] or None,
        product_id=product["id"],
        product_code=product["code"],
    )


def _tax_rate(text: str) -> int:
    """13 or 13% -> 1300 basis points."""
    try:
        value = Decimal(text.strip().rstrip("%")) * 100
    except InvalidOperation as exc:
        raise argparse.ArgumentTypeError(
            _("“{text}” is not a tax rate in percent.").format(text=text)
        ) from exc
    if not value.is_finite() or value != value.to_integral_value():
        raise argparse.ArgumentTypeError(
            _("“{text}” is not a tax rate in percent.").format(text=text)
        )
    return int(value)


def cmd_orders_add(args: argparse.Namespace) -> int:
    from crm_desktop.core.money import format_money
    from crm_desktop.core.services import customers, operators, orders

    db, actor = _session(args)
    customer_id = customers.resolve_customer(db, actor, args.customer)
    catalogue = _catalogue(db, actor)
    lines = [parse_line(text, n, catalogue) for n, text in enumerate(args.line, start=1)]
    values: dict[str, Any] = {
        "customer_id": customer_id,
        "order_date": args.date,
        "tax_rate_bp": args.tax,
        "delivery_address": args.delivery_address,
        "remarks": args.remarks,
        "terms": args.terms,
    }
    if args.salesperson:
        values["salesperson_id"] = operators.operator_id_by_code(db, actor, args.salesperson)
    order_id = orders.save_order(
        db, actor, None, None, {k: v for k, v in values.items() if v is not None}, lines
    )
    detail = orders.get_order(db, actor, order_id)
    say(
        _("Created sales order {number} for {customer}: {lines} lines, total {total}.").format(
            number=detail.number,
            customer=detail.customer_name,
            lines=len(detail.lines),
            total=format_money(detail.total),
        )
    )
    return 0


# --- quotes --------------------------------------------------------------------------------------


def cmd_quotes_list(args: argparse.Namespace) -> int:
    from crm_desktop.core.services import quotes

    db, actor = _session(args)
    wanted = quotes.QuoteFilter(
        search=args.search or "", status=args.status, all_revisions=args.all_revisions
    )
    rows = list_rows(quotes.list_quotes, db, actor, wanted, args.limit)
    keys = (
        "number",
        "revision",
        "quote_date",
        "valid_until",
        "customer",
        "salesperson",
        "status",
        "total",
    )
    headers = (
        _("Number"),
        _("Revision"),
        _("Date"),
        _("Valid until"),
        _("Customer"),
        _("Salesperson"),
        _("Status"),
        _("Total"),
    )
    print_rows(
        headers,
        keys,
        [
            (
                r.number,
                r.revision,
                r.quote_date,
                r.valid_until,
                r.customer_name,
                r.salesperson_name,
                _status(r.status, args.format),
                r.total,
            )
            for r in rows
        ],
        args.format,
    )
    return 0


# --- parser --------------------------------------------------------------------------------------


def _list_options(parser: argparse.ArgumentParser, statuses: Sequence[str]) -> None:
    parser.add_argument("--search", metavar="TEXT", help=_("number, or the customer's name"))
    parser.add_argument("--status", choices=[str(s) for s in statuses])
    list_options(parser)


def register(commands: Any) -> None:
    """Add the `orders` and `quotes` command groups to the `crm` parser."""
    group = commands.add_parser("orders", help=_("list and add sales orders"))
    actions = group.add_subparsers(dest="action", metavar="ACTION", required=True)

    listing = actions.add_parser("list", help=_("the sales orders you may see, newest first"))
    _list_options(listing, ORDER_STATUSES)
    listing.add_argument(
        "--outstanding", action="store_true", help=_("only orders that still owe money")
    )
    listing.set_defaults(func=cmd_orders_list)

    add = actions.add_parser("add", help=_("add a draft sales order (numbered by the rule)"))
    add.add_argument("--customer", required=True, metavar="NAME_OR_ID")
    add.add_argument(
        "--line",
        action="append",
        required=True,
        metavar="CODE|NAME,QTY[,PRICE[,DISCOUNT%]]",
        help=_("a catalogue code or name (its price if PRICE is left out) or free text; repeat"),
    )
    add.add_argument("--date", type=_date, metavar="YYYY-MM-DD", help=_("order date (today)"))
    add.add_argument("--tax", type=_tax_rate, metavar="PERCENT", help=_("tax rate, e.g. 13"))
    add.add_argument("--salesperson", metavar="USER", help=_("the salesperson (default: you)"))
    add.add_argument("--delivery-address", dest="delivery_address", metavar="TEXT")
    add.add_argument("--remarks", metavar="TEXT")
    add.add_argument("--terms", metavar="TEXT")
    add.set_defaults(func=cmd_orders_add)

    group = commands.add_parser("quotes", help=_("list quotes"))
    actions = group.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help=_("the quotes you may see, newest first"))
    _list_options(listing, QUOTE_STATUSES)
    listing.add_argument(
        "--all-revisions",
        dest="all_revisions",
        action="store_true",
        help=_("also the older revisions"),
    )
    listing.set_defaults(func=cmd_quotes_list)
