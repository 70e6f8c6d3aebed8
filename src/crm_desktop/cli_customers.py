"""`crm customers …` and `crm followups …`: the customers tab's work from a script.

The same services and permission checks as the GUI: a salesperson running `crm customers list`
sees exactly the customers their tab shows.
"""

from __future__ import annotations

import argparse
from datetime import date
from typing import TYPE_CHECKING, Any

from crm_desktop.cli_output import PAGE, list_options, list_rows, print_rows, say
from crm_desktop.core.errors import DuplicateCustomer, ValidationError
from crm_desktop.core.i18n import _

if TYPE_CHECKING:
    from crm_desktop.core.actor import Actor
    from crm_desktop.core.db import Database

BASE_DATA_OPTIONS = {
    "type": "customer_type",
    "source": "customer_source",
    "industry": "industry",
    "region": "region",
    "level": "customer_level",
}


def _session(args: argparse.Namespace) -> tuple[Database, Actor]:
    from crm_desktop.cli import login, open_current

    db = open_current(args)
    return db, login(db, args)


# --- customers -----------------------------------------------------------------------------------


def cmd_customers_list(args: argparse.Namespace) -> int:
    from crm_desktop.core.services import customers

    db, actor = _session(args)
    wanted = customers.CustomerFilter(search=args.search or "", archived=args.archived)
    rows = list_rows(customers.list_customers, db, actor, wanted, args.limit)
    if args.format != "table" or args.limit == 0 or args.limit > PAGE:
        # More than a screenful, or a machine-readable dump: an export, which needs the right.
        customers.record_export(
            db, actor, len(rows), f"crm customers list --format {args.format}: {len(rows)} rows"
        )
    keys = ("id", "name", "phone", "owner", "region", "type", "last_followup", "next_followup")
    headers = (
        _("Id"),
        _("Name"),
        _("Phone"),
        _("Owner"),
        _("Region"),
        _("Type"),
        _("Last follow-up"),
        _("Next follow-up"),
    )
    print_rows(
        headers,
        keys,
        [
            (
                r.id,
                r.name,
                r.phone,
                r.owner_name or _("public pool"),
                r.region_name,
                r.type_name,
                r.last_followup_at,
                r.next_followup_on,
            )
            for r in rows
        ],
        args.format,
    )
    return 0


def _base_data_id(db: Database, actor: Actor, kind: str, text: str) -> int:
    from crm_desktop.core.services import basedata

    items = basedata.list_items(db, actor, kind, include_inactive=False)
    wanted = text.strip().casefold()
    for item in items:
        if wanted in (item["code"].casefold(), item["name"].casefold()):
            return int(item["id"])
    raise ValidationError(
        _("“{text}” is not in the list; choose one of: {names}.").format(
            text=text, names=", ".join(item["name"] for item in items) or "-"
        )
    )


def cmd_customers_add(args: argparse.Namespace) -> int:
    from crm_desktop.core.services import customers, operators

    db, actor = _session(args)
    values: dict[str, Any] = {
        key: getattr(args, key)
        for key in ("name", "phone", "email", "address", "website", "tax_id", "remarks", "tags")
        if getattr(args, key)
    }
    for option, kind in BASE_DATA_OPTIONS.items():
        if getattr(args, option):
            values[f"{option}_id"] = _base_data_id(db, actor, kind, getattr(args, option))
    if args.public:
        values["pool_status"] = "public"
    elif args.owner:
        values["owner_id"] = operators.operator_id_by_code(db, actor, args.owner)
    try:
        cid = customers.create_customer(db, actor, values, allow_duplicate=args.allow_duplicate)
    except DuplicateCustomer as exc:
        raise DuplicateCustomer(
            exc.message + " " + _("Add --allow-duplicate to create it anyway."), exc.matches
        ) from exc
    say(_("Created customer #{id}: {name}.").format(id=cid, name=values["name"].strip()))
    return 0


# --- follow-ups ----------------------------------------------------------------------------------


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            _("“{text}” is not a date (YYYY-MM-DD).").format(text=text)
        ) from exc


def cmd_followups_add(args: argparse.Namespace) -> int:
    from crm_desktop.core.services import customers, followups

    db, actor = _session(args)
    customer_id = customers.resolve_customer(db, actor, args.customer)
    values: dict[str, Any] = {
        "customer_id": customer_id,
        "method": args.method,
        "content": args.content,
        "subject": args.subject,
        "next_followup_on": args.next,
        "next_action": args.next_action,
    }
    fid = followups.record_followup(db, actor, {k: v for k, v in values.items() if v is not None})
    say(_("Recorded follow-up #{id}.").format(id=fid))
    return 0


# --- parser --------------------------------------------------------------------------------------


def register(commands: Any) -> None:
    """Add the `customers` and `followups` command groups to the `crm` parser."""
    group = commands.add_parser("customers", help=_("list and add customers"))
    actions = group.add_subparsers(dest="action", metavar="ACTION", required=True)

    listing = actions.add_parser("list", help=_("the customers you may see"))
    listing.add_argument("--search", metavar="TEXT", help=_("name, pinyin, phone, e-mail, owner"))
    listing.add_argument("--archived", action="store_true", help=_("archived customers instead"))
    list_options(listing)
    listing.set_defaults(func=cmd_customers_list)

    add = actions.add_parser("add", help=_("add a customer (warns about duplicates)"))
    add.add_argument("--name", required=True)
    for option in ("phone", "email", "address", "website", "remarks", "tags"):
        add.add_argument(f"--{option}")
    add.add_argument("--tax-id", dest="tax_id")
    for option in BASE_DATA_OPTIONS:
        add.add_argument(f"--{option}", metavar="NAME_OR_CODE")
    owner = add.add_mutually_exclusive_group()
    owner.add_argument("--owner", metavar="USER", help=_("the owning salesperson (default: you)"))
    owner.add_argument("--public", action="store_true", help=_("put it in the public pool"))
    add.add_argument("--allow-duplicate", action="store_true")
    add.set_defaults(func=cmd_customers_add)

    group = commands.add_parser("followups", help=_("record follow-ups"))
    actions = group.add_subparsers(dest="action", metavar="ACTION", required=True)
    record = actions.add_parser("add", help=_("record a visit or call"))
    record.add_argument("--customer", required=True, metavar="NAME_OR_ID")
    record.add_argument("--content", required=True)
    record.add_argument(
        "--method", choices=("phone", "visit", "wechat", "email", "other"), default="phone"
    )
    record.add_argument("--subject")
    record.add_argument("--next", type=_date, metavar="YYYY-MM-DD", help=_("next follow-up date"))
    record.add_argument("--next-action", dest="next_action", metavar="TEXT")
    record.set_defaults(func=cmd_followups_add)
