"""`crm export KIND FILE.xlsx`: a list of the program to an Excel file, from a script.

The same export as the tabs' "Export to Excel…" (`core.exporting.lists.export_list`): the
operator's data scope, the list's view and export permissions, one audit row. Without options the
whole list as its tab first shows it (current records, not archived ones); --search narrows it
like the tab's search box.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from crm_desktop.cli_output import as_option, say
from crm_desktop.core.i18n import _, ngettext

KINDS = ("customers", "contacts", "followups", "quotes", "orders", "receipts", "service")


def _progress() -> Callable[[int, int], bool] | None:
    """Rows written so far on the terminal's stderr (nothing when it is not a terminal)."""
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> bool:
        end = "\n" if done >= total else ""
        text = _("Rows: {done} of {total}").format(done=f"{done:,}", total=f"{total:,}")
        print("\r" + text, end=end, file=sys.stderr, flush=True)
        return True

    return show


def cmd_export(args: argparse.Namespace) -> int:
    from crm_desktop.cli_customers import _session
    from crm_desktop.core.exporting.lists import export_list
    from crm_desktop.core.exporting.xlsx import check_target

    target = Path(args.file).expanduser()
    if target.suffix.lower() != ".xlsx":
        target = target.with_name(target.name + ".xlsx")
    check_target(target)  # before the password prompt
    db, actor = _session(args)
    rows = export_list(db, actor, args.kind, target, search=args.search or "", progress=_progress())
    say(
        ngettext("Exported {n} row to {path}.", "Exported {n} rows to {path}.", rows).format(
            n=f"{rows:,}", path=target
        )
    )
    return 0


def register(commands: Any) -> None:
    """Add `crm export` to the `crm` parser."""
    export = commands.add_parser(
        "export", help=_("write a list (customers, orders, …) to an Excel file")
    )
    export.add_argument("kind", choices=KINDS, metavar="KIND", help=" ".join(KINDS))
    export.add_argument("file", metavar="FILE.xlsx", help=_("the file to write (replaced)"))
    export.add_argument("--search", metavar="TEXT", help=_("only the rows the list's search finds"))
    as_option(export)
    export.set_defaults(func=cmd_export)
