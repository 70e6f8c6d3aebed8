"""`crm leads …`: enter, list and convert leads from a script.

The same services, permission checks and data scope as the Marketing tab: a salesperson's
`crm leads list` shows exactly the leads their tab shows, and `crm leads convert` refuses a
likely duplicate customer the same way (`--allow-duplicate`, or `--into-customer` to attach
the lead to the customer that exists).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from crm_desktop.cli_customers import _base_data_id, _session
from crm_desktop.cli_output import list_options, list_rows, print_rows, say
from crm_desktop.core.errors import DuplicateCustomer, ValidationError
from crm_desktop.core.i18n import _

if TYPE_CHECKING:
    from crm_desktop.core.actor import Actor
    from crm_desktop.core.db import Database

STATUSES = ("new", "contacted", "qualified", "disqualified", "converted")


def _campaign_id(db: Database, actor: Actor, text: str) -> int:
    from crm_desktop.core.services import campaigns

    choices = campaigns.campaign_choices(db, actor)
    wanted = text.strip()
    for cid, name in choices:
        if wanted in (str(cid), name):
            return cid
    raise ValidationError(
        _("“{text}” is not a campaign; choose one of: {names}.").format(
            text=text, names=", ".join(name for _cid, name in choices) or "-"
        )
    )


def cmd_leads_add(args: argparse.Namespace) -> int:
    from crm_desktop.core.services import leads, operators

    db, actor = _session(args)
    values: dict[str, Any] = {
        key: getattr(args, key)
        for key in ("name", "company", "title", "phone", "email", "remarks")
        if getattr(args, key)
    }
    if args.source:
        values["source_id"] = _base_data_id(db, actor, "customer_source", args.source)
    if args.campaign:
        values["campaign_id"] = _campaign_id(db, actor, args.campaign)
    if args.owner:
        values["owner_id"] = operators.operator_id_by_code(db, actor, args.owner)
    try:
        lead_id = leads.create_lead(db, actor, values, allow_duplicate=args.allow_duplicate)
    except (DuplicateCustomer, leads.DuplicateLead) as exc:
        raise ValidationError(
            exc.message + " " + _("Add --allow-duplicate to add it anyway.")
        ) from exc
    say(_("Created lead #{id}: {name}.").format(id=lead_id, name=values["name"].strip()))
    return 0


def cmd_leads_list(args: argparse.Namespace) -> int:
    from crm_desktop.core.services import leads

    db, actor = _session(args)
    wanted = leads.LeadFilter(search=args.search or "", status=args.status)
    rows = list_rows(leads.list_leads, db, actor, wanted, args.limit)
    keys = ("id", "name", "company", "phone", "status", "campaign", "owner", "created_at")
    headers = (
        _("Id"),
        _("Name"),
        _("Company"),
        _("Phone"),
        _("Status"),
        _("Campaign"),
        _("Owner"),
        _("Created"),
    )
    table = args.format == "table"
    print_rows(
        headers,
        keys,
        [
            (
                r.id,
                r.name,
                r.company,
                r.phone,
                leads.status_label(r.status) if table else r.status,
                r.campaign_name,
                r.owner_name,
                r.created_at,
            )
            for r in rows
        ],
        args.format,
    )
    return 0


def cmd_leads_status(args: argparse.Namespace) -> int:
    from crm_desktop.core.services import leads

    db, actor = _session(args)
    lead_id = leads.resolve_lead(db, actor, args.id)
    version = leads.get_lead(db, actor, lead_id)["version"]
    leads.set_status(db, actor, lead_id, version, args.status)
    say(_("Lead #{id} is now {status}.").format(id=lead_id, status=leads.status_label(args.status)))
    return 0


def cmd_leads_convert(args: argparse.Namespace) -> int:
    from crm_desktop.core.services import customers, leads

    db, actor = _session(args)
    lead_id = leads.resolve_lead(db, actor, args.id)
    version = leads.get_lead(db, actor, lead_id)["version"]
    into = customers.resolve_customer(db, actor, args.into_customer) if args.into_customer else None
    try:
        result = leads.convert_lead(
            db,
            actor,
            lead_id,
            version,
            allow_duplicate=args.allow_duplicate,
            into_customer_id=into,
            opportunity_name=args.opportunity,
            opportunity_amount=args.amount,
            create_opportunity=not args.no_opportunity,
        )
    except DuplicateCustomer as exc:
        hint = _("Add --allow-duplicate to create it anyway, or --into-customer ID to use it.")
        raise DuplicateCustomer(exc.message + " " + hint, exc.matches) from exc
    say(
        _(
            "Converted lead #{id}: customer #{customer}, contact #{contact}, opportunity #{opp}."
        ).format(
            id=lead_id,
            customer=result.customer_id,
            contact=result.contact_id,
            opp=result.opportunity_id or "-",
        )
    )
    return 0


def register(commands: Any) -> None:
    """Add the `leads` command group to the `crm` parser."""
    group = commands.add_parser("leads", help=_("enter, list and convert leads"))
    actions = group.add_subparsers(dest="action", metavar="ACTION", required=True)

    add = actions.add_parser("add", help=_("add a lead (warns about duplicates)"))
    add.add_argument("--name", required=True, help=_("the person"))
    for option in ("company", "title", "phone", "email", "remarks"):
        add.add_argument(f"--{option}")
    add.add_argument("--source", metavar="NAME_OR_CODE")
    add.add_argument("--campaign", metavar="NAME_OR_ID")
    add.add_argument("--owner", metavar="USER", help=_("the owning salesperson (default: you)"))
    add.add_argument("--allow-duplicate", action="store_true")
    add.set_defaults(func=cmd_leads_add)

    listing = actions.add_parser("list", help=_("the leads you may see"))
    listing.add_argument("--status", choices=STATUSES)
    listing.add_argument("--search", metavar="TEXT", help=_("name, company, phone, e-mail"))
    list_options(listing)
    listing.set_defaults(func=cmd_leads_list)

    status = actions.add_parser("status", help=_("mark a lead contacted, qualified, …"))
    status.add_argument("id", metavar="ID")
    status.add_argument("status", choices=STATUSES[:4])
    status.set_defaults(func=cmd_leads_status)

    convert = actions.add_parser(
        "convert", help=_("turn a qualified lead into a customer, contact and opportunity")
    )
    convert.add_argument("id", metavar="ID")
    convert.add_argument("--into-customer", dest="into_customer", metavar="ID_OR_NAME")
    convert.add_argument("--allow-duplicate", action="store_true")
    convert.add_argument("--opportunity", metavar="NAME", help=_("the opportunity's name"))
    convert.add_argument("--amount", metavar="AMOUNT", help=_("the expected amount"))
    convert.add_argument("--no-opportunity", action="store_true")
    convert.set_defaults(func=cmd_leads_convert)
