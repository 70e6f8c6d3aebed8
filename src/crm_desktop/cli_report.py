"""`crm report`: every statistics analysis from a script, as a table, CSV, JSON or xlsx.

    crm report --list
    crm report NAME [--from D --to D] [--region R] [--salesperson S] [--product P] [--top N]
               [--by month|quarter|year] [--idle-days N] --format table|csv|json|xlsx
               [--out FILE] --as USER

The same analyses, permission checks and data scope as the statistics tab: a salesperson's report
covers their own customers and orders. Reading the table needs `statistics.view`; CSV, JSON and
xlsx take the figures out of the program, so they need `statistics.export` and are audited.
Region, salesperson and product are named by code or by name.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crm_desktop.cli_customers import _date, _session
from crm_desktop.cli_output import as_option, print_rows, say
from crm_desktop.core.errors import ValidationError
from crm_desktop.core.i18n import NC_, _, translated

if TYPE_CHECKING:
    from crm_desktop.core.actor import Actor
    from crm_desktop.core.db import Database
    from crm_desktop.core.reports.tables import Analysis, ReportParams, ReportTable

FORMATS = ("table", "csv", "json", "xlsx")


@dataclass(frozen=True)
class _Option:
    """A command-line option and the analysis filter it belongs to."""

    dest: str
    flag: str
    filter: str


OPTIONS = (
    _Option("date_from", "--from", "date_range"),
    _Option("date_to", "--to", "date_range"),
    _Option("region", "--region", "region"),
    _Option("salesperson", "--salesperson", "salesperson"),
    _Option("product", "--product", "product"),
    _Option("top", "--top", "top_n"),
    _Option("by", "--by", "granularity"),
    _Option("idle_days", "--idle-days", "idle_days"),
)


# --- naming things by code or name ---------------------------------------------------------------


def _pick(text: str, candidates: Iterable[tuple[int, str, str]], what: str) -> int:
    """The id whose code (first) or name matches `text`, ignoring case."""
    wanted = text.strip().casefold()
    found = list(candidates)
    for position in (1, 2):
        ids = {row[0] for row in found if row[position] and row[position].casefold() == wanted}
        if len(ids) == 1:
            return ids.pop()
        if len(ids) > 1:
            raise ValidationError(
                _("More than one {what} is called “{text}”; use the code.").format(
                    what=what, text=text
                )
            )
    names = ", ".join(f"{code} {name}".strip() for _id, code, name in found[:20])
    raise ValidationError(
        _("There is no {what} “{text}”; choose one of: {names}.").format(
            what=what, text=text, names=names or "-"
        )
    )


def _region_id(db: Database, actor: Actor, text: str) -> int:
    from crm_desktop.core.services import basedata

    items = basedata.list_items(db, actor, "region")  # also regions no longer offered
    rows = [(i["id"], i["code"], i["name"]) for i in items]
    rows += [(i["id"], "", translated(i["name"])) for i in items]
    return _pick(text, rows, _("region"))


def _salesperson_id(db: Database, actor: Actor, text: str) -> int:
    from crm_desktop.core.errors import NotFound
    from crm_desktop.core.services import operators

    with contextlib.suppress(NotFound):
        return operators.operator_id_by_code(db, actor, text.strip())
    rows = [(op_id, "", name) for op_id, name in operators.operator_choices(db, actor)]
    return _pick(text, rows, _("salesperson"))


def _product_id(db: Database, actor: Actor, text: str) -> int:
    from crm_desktop.core.services import products

    rows = [(p["id"], p["code"], p["name"]) for p in products.list_products(db, actor)]
    return _pick(text, rows, _("product"))


def report_params(db: Database, actor: Actor, args: argparse.Namespace) -> ReportParams:
    """The analysis parameters from the options, names resolved to ids."""
    from crm_desktop.core.reports.tables import ReportParams

    values: dict[str, Any] = {"date_from": args.date_from, "date_to": args.date_to}
    for dest, resolve in (
        ("region", _region_id),
        ("salesperson", _salesperson_id),
        ("product", _product_id),
    ):
        if getattr(args, dest):
            values[f"{dest}_id"] = resolve(db, actor, getattr(args, dest))
    if args.top is not None:
        values["top_n"] = args.top
    if args.by is not None:
        values["granularity"] = args.by
    if args.idle_days is not None:
        if args.idle_days < 0:
            raise ValidationError(_("The number of idle days cannot be negative."))
        values["idle_days"] = args.idle_days
    return ReportParams(**values)


# --- printing ------------------------------------------------------------------------------------


def _for_people(value: Any, kind: str) -> Any:
    if value is None:
        return ""
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        if kind == "money":
            return f"{value:,.2f}"
        if kind == "percent":
            return f"{value * 100:.1f}%"
    return value


def _for_programs(value: Any) -> Any:
    """Plain numbers: a Decimal as a JSON number, never a string (the float's shortest text is
    the same decimal for any amount of up to 15 digits, i.e. below 10^13 with cents)."""
    return float(value) if isinstance(value, Decimal) else value


def print_table(table: ReportTable, fmt: str) -> None:
    """The table for people (title, aligned rows, totals, note) or CSV / JSON for programs."""
    keys = [column.key for column in table.columns]
    headers = [column.label for column in table.columns]
    kinds = [column.kind for column in table.columns]
    if fmt == "table":
        say(table.title)
        if table.is_empty:
            say(_("No data for these filters."))
            return
        lines = [*table.rows, *([table.totals] if table.totals else [])]
        shown = [tuple(_for_people(v, k) for v, k in zip(r, kinds, strict=False)) for r in lines]
        print_rows(headers, keys, shown, "table")
        if table.note:
            say(table.note)
        return
    rows = table.rows if fmt == "csv" else [tuple(map(_for_programs, r)) for r in table.rows]
    print_rows(headers, keys, rows, fmt)


def _write_text(path: Path, write: Callable[[], None]) -> None:
    """What `write` prints, into `path` (written next to it and renamed into place)."""
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        write()
    handle, temporary = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as file:
            file.write(buffer.getvalue())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


# --- the command ---------------------------------------------------------------------------------


def cmd_report_list() -> int:
    from crm_desktop.core.reports.tables import analyses

    flags: dict[str, list[str]] = {}
    for option in OPTIONS:
        flags.setdefault(option.filter, []).append(option.flag)
    rows = [
        (
            found.name,
            _(found.group),
            _(found.title),
            " ".join("/".join(flags[name]) for name in found.filters if name in flags),
        )
        for found in analyses()
    ]
    # "Title" alone is a person's job title in the catalogue: this one is an analysis's.
    headers = (_("Name"), _("Group"), _(NC_("analysis", "Title")), _("Options"))
    print_rows(headers, ("name", "group", "title", "options"), rows, "table")
    return 0


def _check_options(found: Analysis, args: argparse.Namespace) -> None:
    """Refuse an option the analysis does not use rather than silently ignore it."""
    for option in OPTIONS:
        if getattr(args, option.dest) is not None and option.filter not in found.filters:
            raise ValidationError(
                _("The report “{name}” does not take {option}.").format(
                    name=found.name, option=option.flag
                )
            )


def cmd_report(args: argparse.Namespace) -> int:
    from crm_desktop.core.exporting.reports import check_export, export_report, record_export
    from crm_desktop.core.exporting.xlsx import check_target
    from crm_desktop.core.reports.tables import analysis, run

    if args.list:
        return cmd_report_list()
    if not args.name:
        raise ValidationError(_("Name a report, or list them with “crm report --list”."))
    found = analysis(args.name)
    _check_options(found, args)
    out = Path(args.out).expanduser() if args.out else None
    if args.format == "xlsx" and out is None:
        raise ValidationError(_("An xlsx report is a file: add --out FILE."))
    if out is not None:
        check_target(out)
    db, actor = _session(args)
    exported = args.format != "table" or out is not None
    if exported:
        check_export(db, actor)
    params = report_params(db, actor, args)
    if args.format == "xlsx":
        assert out is not None
        written = export_report(db, actor, found.name, params, out)
        say(_("Wrote {path}.").format(path=written))
        return 0
    table = run(db, actor, found.name, params)
    if exported:
        target = out.name if out is not None else f"stdout ({args.format})"
        record_export(db, actor, found.name, params, len(table.rows), target)
    if out is None:
        print_table(table, args.format)
        return 0
    _write_text(out, lambda: print_table(table, args.format))
    say(_("Wrote {path}.").format(path=out))
    return 0


def register(commands: Any) -> None:
    """Add `crm report` to the `crm` parser."""
    report = commands.add_parser(
        "report", help=_("statistics: run an analysis (crm report --list names them)")
    )
    report.add_argument("name", nargs="?", metavar="NAME", help=_("the analysis to run"))
    report.add_argument("--list", action="store_true", help=_("list the analyses and exit"))
    dates = {"type": _date, "metavar": "YYYY-MM-DD"}
    report.add_argument("--from", dest="date_from", help=_("first day (inclusive)"), **dates)
    report.add_argument("--to", dest="date_to", help=_("last day (inclusive)"), **dates)
    report.add_argument("--region", metavar="CODE_OR_NAME")
    report.add_argument("--salesperson", metavar="USER_OR_NAME")
    report.add_argument("--product", metavar="CODE_OR_NAME")
    report.add_argument("--top", type=int, metavar="N", help=_("how many in a top-N report"))
    report.add_argument("--by", choices=("month", "quarter", "year"), help=_("period length"))
    report.add_argument(
        "--idle-days", dest="idle_days", type=int, metavar="N", help=_("days without follow-up")
    )
    report.add_argument("--format", choices=FORMATS, default="table")
    report.add_argument(
        "--out", metavar="FILE", help=_("write to this file (needed for xlsx) instead of stdout")
    )
    as_option(report)
    report.set_defaults(func=cmd_report)
