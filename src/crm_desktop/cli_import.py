"""`crm import …`: bring customers, contacts, products and sales history in from Excel or CSV.

    crm import customers|contacts|products|orders FILE [--sheet S] [--header-row N]
               [--mapping NAME_OR_JSON] [--mode create|update|upsert] [--key name|phone|code]
               [--create-missing] [--dry-run] [--errors OUT.xlsx] --as USER
    crm import undo BATCH --as USER
    crm import list [--format table|csv|json] --as USER
    crm import fields KIND

The same engine, permission checks and data scope as the import wizard. The command first says
what it understood (sheet, header row, which column goes to which field) so a wrong guess is
seen before anyone wonders about the counts; then it imports and prints what happened.

Exit codes: 0 when the import ran (rows that could not be imported are reported and written to
an error workbook, they do not make the run fail), 2 when it was refused before anything was
written (permission, unreadable file, missing required column, bad option), 130 when cancelled
with Ctrl+C (nothing of the import is left).
"""

from __future__ import annotations

import argparse
import functools
import os
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crm_desktop.cli_output import FORMATS, as_option, print_rows, say
from crm_desktop.core.errors import CrmError, NotFound, PermissionDenied, ValidationError
from crm_desktop.core.i18n import N_, NC_, _
from crm_desktop.core.importing.columns import column_letter
from crm_desktop.core.importing.model import (
    KIND_LABELS,
    ImportCancelled,
    ImportFileError,
    ImportKind,
    ImportMode,
    ImportRequest,
    ImportResult,
    Mapping,
    MatchKey,
)

if TYPE_CHECKING:
    from crm_desktop.core.actor import Actor
    from crm_desktop.core.db import Database

EXIT_REFUSED = 2
EXIT_CANCELLED = 130
SHOWN_PROBLEMS = 20  # error/skipped rows listed on the terminal; all of them go to the workbook
SHOWN_SYNONYMS = 4

STATUS_LABELS = {
    "running": N_("running"),
    "finished": N_("finished"),
    "cancelled": N_("cancelled"),
    "failed": N_("failed"),
    "undone": N_("undone"),
}


class ImportRefused(CrmError):
    """The import was refused before anything was written: `crm` exits with 2."""

    exit_code = EXIT_REFUSED


def _refusals_exit_2(command: Callable[[argparse.Namespace], int]) -> Callable[..., int]:
    """A refusal (no permission, unreadable file, missing column, bad option) is exit code 2,
    whatever code the error has elsewhere, so a script can tell "refused" from "ran"."""

    @functools.wraps(command)
    def run(args: argparse.Namespace) -> int:
        try:
            return command(args)
        except (PermissionDenied, ValidationError, ImportFileError, NotFound) as exc:
            raise ImportRefused(exc.message) from exc
        except ImportCancelled as exc:
            print("crm: " + (exc.message or _("Cancelled; nothing was written.")), file=sys.stderr)
            return EXIT_CANCELLED

    return run


# --- Ctrl+C and progress -------------------------------------------------------------------------


class _Cancel:
    """Set by the first Ctrl+C; the engine sees it at its next progress call and takes the
    import back. A second Ctrl+C interrupts at once (Python's default)."""

    requested = False


@contextmanager
def _cancel_on_interrupt() -> Iterator[_Cancel]:
    cancel = _Cancel()
    previous = signal.getsignal(signal.SIGINT)

    def interrupted(_signum: int, _frame: Any) -> None:
        cancel.requested = True
        signal.signal(signal.SIGINT, previous)
        print("\n" + _("Cancelling… (press Ctrl+C again to stop at once)"), file=sys.stderr)

    signal.signal(signal.SIGINT, interrupted)
    try:
        yield cancel
    finally:
        signal.signal(signal.SIGINT, previous)


def _progress(cancel: _Cancel, label: str) -> Callable[[int, int], bool]:
    """The engine's progress callback: a line on stderr when it is a terminal, and False (=
    cancel) once Ctrl+C was pressed."""
    show = sys.stderr.isatty()

    def report(done: int, total: int) -> bool:
        if show and not cancel.requested:
            end = "\n" if done >= total else ""
            text = _("{what}: {done} of {total} rows").format(what=label, done=done, total=total)
            print("\r" + text, end=end, file=sys.stderr, flush=True)
        return not cancel.requested

    return report


# --- helpers -------------------------------------------------------------------------------------


def _session(args: argparse.Namespace) -> tuple[Database, Actor]:
    from crm_desktop.cli_customers import _session as session

    return session(args)


def _input_file(text: str) -> Path:
    path = Path(text).expanduser()
    if not path.exists():
        raise ImportFileError(_("There is no file {path}.").format(path=path))
    if not path.is_file():
        raise ImportFileError(_("{path} is a folder, not a file.").format(path=path))
    return path


def _sheet_name(path: Path, wanted: str | None) -> str | None:
    """--sheet as a sheet's name or its 1-based position."""
    if wanted is None:
        return None
    from crm_desktop.core.importing.readers import list_sheets

    sheets = list_sheets(path)
    if wanted in sheets:
        return wanted
    if wanted.isdigit() and 1 <= int(wanted) <= len(sheets):
        return sheets[int(wanted) - 1]
    raise ValidationError(
        _("{file} has no sheet “{sheet}”; its sheets are: {sheets}.").format(
            file=path.name, sheet=wanted, sheets=", ".join(sheets) or "-"
        )
    )


def _match_key(kind: ImportKind, text: str | None) -> MatchKey:
    from crm_desktop.core.importing.fields import MATCH_KEYS

    allowed = MATCH_KEYS[kind]
    if text is None:
        return allowed[0]
    if text not in allowed:
        raise ValidationError(
            _("{kind} are matched by {keys}, not by {key}.").format(
                kind=_(KIND_LABELS[kind]), keys=", ".join(allowed), key=text
            )
        )
    return MatchKey(text)


def _errors_path(args: argparse.Namespace, source: Path) -> Path | None:
    """Where the rows that could not be imported go: --errors, or `<file>-errors.xlsx` next to
    the file (in the current folder when that one is read-only). A dry run writes a workbook
    only when --errors asks for one: it promises to leave everything as it was."""
    if args.errors:
        return Path(args.errors).expanduser()
    if args.dry_run:
        return None
    name = f"{source.stem}-errors.xlsx"
    folder = source.resolve().parent
    return folder / name if os.access(folder, os.W_OK) else Path.cwd() / name


def _field_labels(kind: ImportKind) -> dict[str, str]:
    from crm_desktop.core.importing.fields import FIELDS

    return {f.key: _(f.label) for f in FIELDS[kind]}


# --- crm import KIND FILE ------------------------------------------------------------------------


def _show_source(request: ImportRequest, sheet: Any, header_row: int) -> None:
    """Which sheet and header row the command read: a wrong guess shows here (and before a
    --mapping that names a header is checked against it)."""
    say(_("File: {path}").format(path=request.path))
    for note in sheet.notes:
        say(note)
    if sheet.sheet:
        others = _(" (sheets: {sheets})").format(sheets=", ".join(sheet.sheets))
        say(
            _("Sheet: {sheet}").format(sheet=sheet.sheet)
            + (others if len(sheet.sheets) > 1 else "")
        )
    how = _("as given") if request.header_row is not None else _("detected")
    say(_("Header row: {row} ({how})").format(row=header_row + 1, how=how))


def _show_columns(request: ImportRequest, headers: list[str], mapping: Mapping) -> None:
    """Which column goes to which field, and the columns left out."""
    labels = _field_labels(request.kind)
    rows = [
        (column_letter(i), headers[i] if i < len(headers) else "", key, labels.get(key, key))
        for i, key in sorted(mapping.items())
    ]
    say(_("Columns:"))
    print_rows(
        (_("Column"), _("Header"), _("Field"), _("Label")),
        ("column", "header", "field", "label"),
        rows,
        "table",
    )
    unmapped = [f"{column_letter(i)} {h}" for i, h in enumerate(headers) if h and i not in mapping]
    say(_("Not imported: {columns}").format(columns=", ".join(unmapped) if unmapped else "-"))
    say(_("Mode: {mode}, matched by {key}").format(mode=request.mode.value, key=request.key.value))


def _show_problems(title: str, rows: Sequence[Any]) -> None:
    if not rows:
        return
    say(title)
    for row in rows[:SHOWN_PROBLEMS]:
        say("  " + _("Row {line}: {reason}").format(line=row.line, reason=row.reason))
    if len(rows) > SHOWN_PROBLEMS:
        say("  " + _("… and {count} more").format(count=len(rows) - SHOWN_PROBLEMS))


def _show_result(result: ImportResult, cancel_pressed: bool) -> None:
    for label, count in (
        (_(NC_("import count", "Created")), result.created),
        (_("Updated"), result.updated),
        (_("Unchanged"), result.unchanged),
        (_("Skipped"), result.skipped),
        (_("Errors"), len(result.errors)),
    ):
        say(f"{label}: {count}")
    if result.dry_run:
        say(_("Dry run: nothing written."))
    elif result.batch_id is not None:
        say(_("Batch: {id} (undo it with “crm import undo {id}”)").format(id=result.batch_id))
    else:
        say(_("Nothing was written."))
    if result.error_file is not None:
        say(_("Rows not imported, with the reason: {path}").format(path=result.error_file))
    _show_problems(_("Skipped rows:"), result.skipped_rows)
    _show_problems(_("Rows with errors:"), result.errors)
    if cancel_pressed and result.batch_id is not None:
        say(
            _(
                "The import had finished before it could be cancelled; “crm import undo {id}” "
                "takes it back."
            ).format(id=result.batch_id)
        )


@_refusals_exit_2
def cmd_import(args: argparse.Namespace) -> int:
    from crm_desktop.core.importing import engine, mapping

    kind = ImportKind(args.kind)
    path = _input_file(args.file)
    if args.header_row is not None and args.header_row < 1:
        raise ValidationError(_("--header-row counts from 1, as Excel numbers its rows."))
    db, actor = _session(args)
    request = ImportRequest(
        kind=kind,
        path=path,
        sheet=_sheet_name(path, args.sheet),
        header_row=None if args.header_row is None else args.header_row - 1,
        mode=ImportMode(args.mode),
        key=_match_key(kind, args.key),
        create_missing=args.create_missing,
    )
    sheet, header_row, headers, suggested = engine.load_sheet(request)
    _show_source(request, sheet, header_row)
    columns = (
        mapping.parse_mapping(db, actor, kind, args.mapping, headers) if args.mapping else suggested
    )
    _show_columns(request, headers, columns)
    request = replace(request, sheet=sheet.sheet or None, header_row=header_row, mapping=columns)
    with _cancel_on_interrupt() as cancel:
        result = engine.run_import(
            db,
            actor,
            request,
            progress=_progress(cancel, _(KIND_LABELS[kind])),
            dry_run=args.dry_run,
            errors_path=_errors_path(args, path),
            sheet=sheet,  # read once above: not again
        )
    _show_result(result, cancel.requested)
    return 0


# --- crm import undo / list / fields -------------------------------------------------------------


@_refusals_exit_2
def cmd_import_undo(args: argparse.Namespace) -> int:
    from crm_desktop.core.importing import batches

    db, actor = _session(args)
    with _cancel_on_interrupt() as cancel:
        result = batches.undo_batch(db, actor, args.batch, progress=_progress(cancel, _("Undo")))
    say(
        _(
            "Undid import {id}: {removed} records removed, {restored} restored to their earlier "
            "values."
        ).format(id=result.batch_id, removed=result.removed, restored=result.restored)
    )
    return 0


@_refusals_exit_2
def cmd_import_list(args: argparse.Namespace) -> int:
    from crm_desktop.core.importing import batches

    db, actor = _session(args)
    rows = batches.list_batches(db, actor, limit=args.limit if args.limit > 0 else 1_000_000)
    people = args.format == "table"
    keys = ("id", "started_at", "operator", "file", "sheet", "kind", "mode", "status",
            "created", "updated", "unchanged", "skipped", "errors")  # fmt: skip
    headers = (_("Batch"), _("When"), _("Operator"), _("File"), _("Sheet"), _("Kind"), _("Mode"),
               _("Status"), _(NC_("import count", "Created")), _("Updated"), _("Unchanged"),
               _("Skipped"), _("Errors"))  # fmt: skip

    def label(labels: dict[Any, str], value: str) -> str:
        return _(labels[value]) if people and value in labels else value

    kinds = {k.value: text for k, text in KIND_LABELS.items()}
    print_rows(
        headers,
        keys,
        [
            (
                b.id,
                b.started_at,
                b.operator_name,
                b.filename,
                b.sheet or "",
                label(kinds, b.kind),
                b.mode or "",
                label(STATUS_LABELS, b.status),
                b.created,
                b.updated,
                b.unchanged,
                b.skipped,
                b.errors,
            )
            for b in rows
        ],
        args.format,
    )
    return 0


def cmd_import_fields(args: argparse.Namespace) -> int:
    from crm_desktop.core.importing.fields import FIELDS, MATCH_KEYS

    kind = ImportKind(args.kind)
    rows = [
        (
            f.key,
            _(f.label),
            f.kind,
            _("yes") if f.required else "",
            ", ".join(f.synonyms[:SHOWN_SYNONYMS]),
        )
        for f in FIELDS[kind]
    ]
    print_rows(
        (_("Field"), _("Label"), _("Type"), _("Required"), _("Recognised headers")),
        ("field", "label", "type", "required", "synonyms"),
        rows,
        args.format,
    )
    if args.format == "table":
        say()
        say(_("Matched by: {keys}").format(keys=", ".join(MATCH_KEYS[kind])))
        say(
            _(
                "--mapping takes a saved template's name or JSON: a column's header, letter or "
                "number (from 1) to a field, e.g. {example}"
            ).format(example='\'{"客户名称": "name", "C": "phone"}\'')
        )
    return 0


# --- parser --------------------------------------------------------------------------------------


def _import_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help=_(".xlsx, .xlsm, .xls, .csv or .txt"))
    parser.add_argument("--sheet", metavar="S", help=_("the sheet's name or number (default: 1)"))
    parser.add_argument(
        "--header-row",
        dest="header_row",
        type=int,
        metavar="N",
        help=_("the header's row number as Excel shows it (default: detected)"),
    )
    parser.add_argument(
        "--mapping",
        metavar="NAME_OR_JSON",
        help=_("a saved mapping's name, or JSON like {example} (default: from the headers)").format(
            example='\'{"客户名称": "name"}\''
        ),
    )
    parser.add_argument(
        "--mode",
        choices=[m.value for m in ImportMode],
        default=ImportMode.CREATE.value,
        help=_("create new records, update existing ones, or both (default: create)"),
    )
    parser.add_argument(
        "--key",
        choices=[k.value for k in MatchKey],
        help=_("how rows find existing records (default: the first the kind allows)"),
    )
    parser.add_argument(
        "--create-missing",
        dest="create_missing",
        action="store_true",
        help=_("add regions, types, sources … the file names that are not in the lists yet"),
    )
    parser.add_argument(
        "--dry-run",
        dest="dry_run",
        action="store_true",
        help=_("check every row and print the counts; write nothing"),
    )
    parser.add_argument(
        "--errors",
        metavar="OUT.xlsx",
        help=_("where rows that cannot be imported go (default: FILE-errors.xlsx next to FILE)"),
    )
    as_option(parser)


def register(commands: Any) -> None:
    """Add `crm import` to the `crm` parser."""
    group = commands.add_parser(
        "import", help=_("import customers, contacts, products or sales history from Excel/CSV")
    )
    actions = group.add_subparsers(dest="action", metavar="ACTION", required=True)
    for kind in ImportKind:
        run = actions.add_parser(
            kind.value, help=_("import {what}").format(what=_(KIND_LABELS[kind]).lower())
        )
        _import_options(run)
        run.set_defaults(func=cmd_import, kind=kind.value)

    undo = actions.add_parser("undo", help=_("take a finished import back as a whole"))
    undo.add_argument("batch", type=int, metavar="BATCH", help=_("the batch number it printed"))
    as_option(undo)
    undo.set_defaults(func=cmd_import_undo)

    listing = actions.add_parser("list", help=_("recent imports, newest first"))
    listing.add_argument("--format", choices=FORMATS, default="table")
    listing.add_argument(
        "--limit", type=int, default=50, metavar="N", help=_("at most N rows (0: all)")
    )
    as_option(listing)
    listing.set_defaults(func=cmd_import_list)

    fields = actions.add_parser("fields", help=_("the fields a column can be mapped to"))
    fields.add_argument("kind", choices=[k.value for k in ImportKind], metavar="KIND")
    fields.add_argument("--format", choices=FORMATS, default="table")
    fields.set_defaults(func=cmd_import_fields)
