"""`crm receipts …`: list receipts, record one against orders, and age what customers owe.

The same services, permission checks and data scope as the receipts tab: an allocation above what
an order still owes is refused unless --overpay says it is meant, exactly as in the dialog.
"""

from __future__ import annotations

import argparse
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from crm_desktop.cli_customers import _base_data_id, _date, _session
from crm_desktop.cli_output import FORMATS, list_options, list_rows, print_rows, say
from crm_desktop.core.errors import ValidationError
from crm_desktop.core.i18n import _
from crm_desktop.core.money import ZERO, format_money, to_money

if TYPE_CHECKING:
    from crm_desktop.core.actor import Actor
    from crm_desktop.core.db import Database


def _money(text: str) -> Decimal:
    try:
        amount = to_money(text)
    except ValueError:
        amount = None
    if amount is None:
        raise ValidationError(_("“{text}” is not an amount of money.").format(text=text))
    return amount


# --- list ----------------------------------------------------------------------------------------


def cmd_receipts_list(args: argparse.Namespace) -> int:
    from crm_desktop.core.services import customers, receipts

    db, actor = _session(args)
    customer_id = customers.resolve_customer(db, actor, args.customer) if args.customer else None
    wanted = receipts.ReceiptFilter(
        search=args.search or "",
        customer_id=customer_id,
        date_from=args.date_from,
        date_to=args.date_to,
        archived=args.archived,
    )
    rows = list_rows(receipts.list_receipts, db, actor, wanted, args.limit)
    keys = (
        "number",
        "received_on",
        "customer",
        "payer",
        "method",
        "handler",
        "amount",
        "allocated",
        "unallocated",
    )
    headers = (
        _("Number"),
        _("Date"),
        _("Customer"),
        _("Payer"),
        _("Method"),
        _("Handler"),
        _("Amount"),
        _("Allocated"),
        _("Advance"),
    )
    print_rows(
        headers,
        keys,
        [
            (
                r.number,
                r.received_on,
                r.customer_name,
                r.payer,
                r.method_name,
                r.handler_name,
                r.amount,
                r.allocated,
                r.unallocated,
            )
            for r in rows
        ],
        args.format,
    )
    return 0


# --- add -----------------------------------------------------------------------------------------


def _split_order(text: str) -> tuple[str, Decimal | None]:
    number, sep, amount = text.partition("=")
    if not number.strip() or (sep and not amount.strip()):
        raise ValidationError(_("Write --order as NUMBER or NUMBER=AMOUNT."))
    return number.strip(), _money(amount) if sep else None


def _allocations(
    db: Database, actor: Actor, customer_id: int, amount: Decimal, specs: list[str]
) -> list[tuple[int, Decimal]]:
    """--order NUMBER=AMOUNT as given; a NUMBER alone takes what the order still owes, up to
    what is left of the receipt after the amounts given explicitly."""
    from crm_desktop.core.services import orders, receipts

    wanted = [_split_order(spec) for spec in specs]
    left = amount - sum((share for _n, share in wanted if share is not None), ZERO)
    owed = {o.id: o.outstanding for o in receipts.open_orders(db, actor, customer_id)}
    allocations = []
    for number, share in wanted:
        order_id = orders.order_id_by_number(db, actor, number)
        if share is None:
            if order_id not in owed:
                raise ValidationError(
                    _(
                        "Order {number} owes nothing for this customer; "
                        "give the amount as {number}=AMOUNT."
                    ).format(number=number)
                )
            share = max(min(owed[order_id], left), ZERO)
            left -= share
        allocations.append((order_id, share))
    return allocations


def cmd_receipts_add(args: argparse.Namespace) -> int:
    from crm_desktop.core.services import customers, receipts

    db, actor = _session(args)
    customer_id = customers.resolve_customer(db, actor, args.customer)
    amount = _money(args.amount)
    values: dict[str, Any] = {"customer_id": customer_id, "amount": amount}
    if args.method:
        values["payment_method_id"] = _base_data_id(db, actor, "payment_method", args.method)
    for key in ("payer", "remarks"):
        if getattr(args, key):
            values[key] = getattr(args, key)
    if args.date:
        values["received_on"] = args.date
    allocations = _allocations(db, actor, customer_id, amount, args.order or [])
    receipt_id = receipts.record_receipt(
        db, actor, values, allocations, allow_overpayment=args.overpay
    )
    receipt = receipts.get_receipt(db, actor, receipt_id)
    say(
        _("Recorded receipt {number}: {amount}.").format(
            number=receipt.number, amount=format_money(receipt.amount)
        )
    )
    for allocation in receipt.allocations:
        say(
            "  "
            + _("Order {number}: {amount}").format(
                number=allocation.order_number, amount=format_money(allocation.amount)
            )
        )
    if receipt.unallocated:
        say("  " + _("Advance payment: {amount}").format(amount=format_money(receipt.unallocated)))
    if receipt.overpayment:
        say("  " + _("Recorded as an overpayment."))
    return 0


# --- aging ---------------------------------------------------------------------------------------


def cmd_receipts_aging(args: argparse.Namespace) -> int:
    from crm_desktop.core.services import receipts

    db, actor = _session(args)
    rows = receipts.aging(db, actor, args.by, as_of=args.as_of)
    keys = ("name", "not_due", "d1_30", "d31_60", "d61_90", "over_90", "total")
    headers = (
        _("Customer") if args.by == "customer" else _("Salesperson"),
        _("Not due"),
        _("1-30 days"),
        _("31-60 days"),
        _("61-90 days"),
        _("Over 90 days"),
        _("Total"),
    )
    table = [(r.name, r.not_due, r.d1_30, r.d31_60, r.d61_90, r.over_90, r.total) for r in rows]
    if args.format == "table" and rows:
        sums = [sum((row[i] for row in table), ZERO) for i in range(1, len(keys))]
        table.append((_("Total"), *sums))
    print_rows(headers, keys, table, args.format)
    return 0


# --- parser --------------------------------------------------------------------------------------


def register_receipts(commands: Any) -> None:
    """Add the `receipts` command group to the `crm` parser."""
    group = commands.add_parser("receipts", help=_("list, record and age receipts"))
    actions = group.add_subparsers(dest="action", metavar="ACTION", required=True)

    listing = actions.add_parser("list", help=_("the receipts you may see, newest first"))
    listing.add_argument("--search", metavar="TEXT", help=_("number, payer or customer"))
    listing.add_argument("--customer", metavar="NAME_OR_ID")
    listing.add_argument("--from", dest="date_from", type=_date, metavar="YYYY-MM-DD")
    listing.add_argument("--to", dest="date_to", type=_date, metavar="YYYY-MM-DD")
    listing.add_argument(
        "--voided",
        "--archived",
        dest="archived",
        action="store_true",
        help=_("list the voided receipts instead"),
    )
    list_options(listing)
    listing.set_defaults(func=cmd_receipts_list)

    add = actions.add_parser("add", help=_("record money received and the orders it pays"))
    add.add_argument("--customer", required=True, metavar="NAME_OR_ID")
    add.add_argument("--amount", required=True, metavar="AMOUNT")
    add.add_argument("--method", metavar="NAME_OR_CODE", help=_("payment method"))
    add.add_argument(
        "--date", type=_date, metavar="YYYY-MM-DD", help=_("the day received (default: today)")
    )
    add.add_argument("--payer", help=_("who paid (default: the customer)"))
    add.add_argument("--remarks")
    add.add_argument(
        "--order",
        action="append",
        metavar="NUMBER[=AMOUNT]",
        help=_("an order it pays (repeat); without an amount, what the order still owes"),
    )
    add.add_argument(
        "--overpay",
        action="store_true",
        help=_("allow paying an order more than it still owes"),
    )
    add.set_defaults(func=cmd_receipts_add)

    aging = actions.add_parser("aging", help=_("what is owed, by how long it is past due"))
    aging.add_argument("--by", choices=("customer", "salesperson"), default="customer")
    aging.add_argument(
        "--as-of", dest="as_of", type=_date, metavar="YYYY-MM-DD", help=_("default: today")
    )
    aging.add_argument("--format", choices=FORMATS, default="table")
    aging.set_defaults(func=cmd_receipts_aging)
