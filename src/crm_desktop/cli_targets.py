"""`crm targets set|list`: sales targets per salesperson or team and month, quarter or year.

The same service, permission checks and data scope as the home tab's target dialog: a manager
sets their team's targets, the boss anyone's.
"""

from __future__ import annotations

import argparse
from typing import Any

from crm_desktop.cli_customers import _session
from crm_desktop.cli_output import FORMATS, print_rows, say
from crm_desktop.core.i18n import _


def _period(text: str) -> Any:
    from crm_desktop.core.services.targets import parse_period

    return parse_period(text)


def cmd_targets_set(args: argparse.Namespace) -> int:
    from crm_desktop.core.services import targets

    db, actor = _session(args)
    kind = "operator" if args.operator else "team"
    holder = targets.holder_by_code(db, kind, args.operator or args.team)
    period = _period(args.period)
    targets.set_target(
        db,
        actor,
        holder,
        period.kind,
        period.start,
        args.sales,
        args.received,
        args.new_customers,
    )
    say(
        _("Target for {who} in {period} set.").format(
            who=args.operator or args.team, period=period.label
        )
    )
    return 0


def cmd_targets_list(args: argparse.Namespace) -> int:
    from crm_desktop.core.services import targets

    db, actor = _session(args)
    period = _period(args.period)
    rows = targets.achievement(db, actor, period.kind, period.start)
    keys = (
        "kind",
        "code",
        "name",
        "target_sales",
        "sales",
        "percent",
        "target_received",
        "received",
        "target_new_customers",
        "new_customers",
    )
    headers = (
        _("Kind"),
        _("Code"),
        _("Name"),
        _("Sales target"),
        _("Sales"),
        _("Achieved %"),
        _("Received target"),
        _("Received"),
        _("New customers target"),
        _("New customers"),
    )
    kinds = {"operator": _("Salesperson"), "team": _("Team")}
    data = [
        (
            kinds[r.holder.kind],
            r.code,
            r.name,
            r.target_sales,
            r.sales,
            None if r.percent is None else f"{r.percent * 100:.1f}",
            r.target_received,
            r.received,
            r.target_new_customers,
            r.new_customers,
        )
        for r in rows
    ]
    print_rows(headers, keys, data, args.format)
    return 0


def register(commands: Any) -> None:
    """Add the `targets` command group to the `crm` parser."""
    group = commands.add_parser("targets", help=_("set and list sales targets"))
    actions = group.add_subparsers(dest="action", metavar="ACTION", required=True)
    period_help = _("2026-11 (a month), 2026-Q4 (a quarter) or 2026 (a year)")

    setting = actions.add_parser("set", help=_("set the target of a salesperson or a team"))
    who = setting.add_mutually_exclusive_group(required=True)
    who.add_argument("--operator", metavar="CODE", help=_("the salesperson's login name"))
    who.add_argument("--team", metavar="CODE", help=_("the team's code"))
    setting.add_argument("--period", required=True, help=period_help)
    setting.add_argument("--sales", required=True, metavar="AMOUNT")
    setting.add_argument("--received", metavar="AMOUNT")
    setting.add_argument("--new-customers", dest="new_customers", type=int, metavar="N")
    setting.set_defaults(func=cmd_targets_set)

    listing = actions.add_parser(
        "list", help=_("targets and what was reached, for the teams and people you may see")
    )
    listing.add_argument("--period", required=True, help=period_help)
    listing.add_argument("--format", choices=FORMATS, default="table")
    listing.set_defaults(func=cmd_targets_list)
