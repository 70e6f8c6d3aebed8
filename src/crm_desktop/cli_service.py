"""`crm service escalate`: escalate complaints left open past the company's escalation days.

The same rule every PC applies after login (`escalation.escalate_overdue`); handy from a
scheduled task on a PC that is rarely logged in to.
"""

from __future__ import annotations

import argparse
from typing import Any

from crm_desktop.cli_customers import _session
from crm_desktop.cli_output import say
from crm_desktop.core.i18n import _


def cmd_service_escalate(args: argparse.Namespace) -> int:
    from crm_desktop.core.services.escalation import escalate_overdue

    db, actor = _session(args)
    escalated = escalate_overdue(db, actor, db.clock.now())
    say(_("Complaints escalated: {count}").format(count=len(escalated)))
    for record_id in escalated:
        say(f"  #{record_id}")
    return 0


def register(commands: Any) -> None:
    """`crm service …` subcommands."""
    group = commands.add_parser("service", help=_("service records and complaints"))
    actions = group.add_subparsers(dest="action", metavar="ACTION", required=True)
    escalate = actions.add_parser(
        "escalate", help=_("escalate complaints open past the company's escalation days")
    )
    escalate.set_defaults(func=cmd_service_escalate)
