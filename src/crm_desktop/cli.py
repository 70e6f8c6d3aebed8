"""The `crm` command: set up, fill, check, migrate and back up a crm-desktop database.

    crm [--db PATH_OR_URL] [--as USER] [--lang zh_CN|en] [--debug] COMMAND ...

A thin layer over the same services the GUI uses: every action runs with the operator given by
`--as` (password from CRM_PASSWORD or a prompt) and the same permission checks. Expected failures
(`CrmError`) print one line, `crm: <message>`, and exit with the error's code; anything else is a
bug and prints one line too (the traceback with --debug).
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crm_desktop.cli_output import say as _out
from crm_desktop.core import i18n
from crm_desktop.core.errors import (
    AuthenticationFailed,
    CrmError,
    DatabaseError,
    DatabaseMissing,
    NotInitialized,
    ValidationError,
)
from crm_desktop.core.i18n import _

if TYPE_CHECKING:
    from crm_desktop.core.actor import Actor
    from crm_desktop.core.db import Database

PASSWORD_ENV = "CRM_PASSWORD"
NEW_PASSWORD_ENV = "CRM_NEW_PASSWORD"
DEMO_PASSWORD_ENV = "CRM_DEMO_PASSWORD"
EXIT_UNEXPECTED = 70  # EX_SOFTWARE
EXIT_CHECK_FAILED = 2


# --- opening the database ------------------------------------------------------------------------


def _location(args: argparse.Namespace) -> str:
    if args.db:
        return str(args.db)
    from crm_desktop.core.config import default_database_path

    return str(default_database_path())


def open_database(args: argparse.Namespace, *, may_create: bool = False) -> Database:
    """The database named by --db; a missing file is an error unless the command creates one.

    Nothing is created or written here: SQLite would otherwise make an empty file for a typo.
    """
    from crm_desktop.core.db import Database, database_url
    from crm_desktop.core.db.engine import sqlite_path

    url = database_url(_location(args))
    path = sqlite_path(url)
    if path is not None:
        if not path.parent.is_dir():
            raise DatabaseMissing(
                _("The folder {folder} does not exist (check --db).").format(folder=path.parent)
            )
        if path.is_dir():
            raise DatabaseMissing(
                _("{path} is a folder, not a database file (check --db).").format(path=path)
            )
        if not may_create and not path.exists():
            raise DatabaseMissing(
                _("There is no database at {path}. Create one with “crm init”.").format(path=path)
            )
        from crm_desktop.core.db.safety import refuse_unsafe

        refuse_unsafe(path)  # WAL mode beside a shared file: switched back if safe, else refused
    return Database(url)


def open_current(args: argparse.Namespace) -> Database:
    """An existing, set-up database at this app's schema; refused before anything is written."""
    from crm_desktop.core.db.migrate import schema_state

    db = open_database(args)
    state = schema_state(db)  # not ours / newer: raises
    if state.revision is None:
        raise NotInitialized(
            _("{path} has no crm-desktop data yet. Create it with “crm init”.").format(
                path=db.location
            )
        )
    if not state.current:
        raise DatabaseError(
            _("{path} has an older schema ({revision}); run “crm migrate” first.").format(
                path=db.location, revision=state.revision
            )
        )
    return db


def _interactive() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()


def _password(env: str, prompt: str, *, confirm: bool = False) -> str:
    value = os.environ.get(env)
    if value:
        return value
    if not _interactive():
        raise ValidationError(
            _("No password given: set {env} or run the command in a terminal.").format(env=env)
        )
    first = getpass.getpass(prompt)
    if confirm and getpass.getpass(_("Repeat the password: ")) != first:
        raise ValidationError(_("The passwords do not match."))
    return first


def login(db: Database, args: argparse.Namespace) -> Actor:
    from crm_desktop.core.services import auth

    if not args.user:
        raise AuthenticationFailed(
            _("This command needs an operator: add --as USER (password from {env}).").format(
                env=PASSWORD_ENV
            )
        )
    password = _password(PASSWORD_ENV, _("Password for {user}: ").format(user=args.user))
    return auth.login(db, args.user, password)


# --- commands ------------------------------------------------------------------------------------


def cmd_init(args: argparse.Namespace) -> int:
    from crm_desktop.core.db.migrate import upgrade
    from crm_desktop.core.passwords import check_strength
    from crm_desktop.core.services import setup

    if not args.company.strip():
        raise ValidationError(_("Enter the company name."))
    if not args.admin.strip():
        raise ValidationError(_("Enter a user name for the administrator."))
    db = open_database(args, may_create=True)
    password = _password(
        PASSWORD_ENV, _("Password for {user}: ").format(user=args.admin), confirm=True
    )
    check_strength(password)
    created = db.path is not None and not db.path.exists()
    try:
        upgrade(db)
        setup.initialize(
            db,
            company_name=args.company,
            admin_code=args.admin,
            admin_name=args.admin_name or args.admin,
            password=password,
        )
    except BaseException:
        db.dispose()
        if created and db.path is not None:  # leave nothing behind from a failed first run
            db.path.unlink(missing_ok=True)
        raise
    _out(
        _("Created {path} for {company}; the administrator is {user}.").format(
            path=db.location, company=args.company.strip(), user=args.admin.strip()
        )
    )
    return 0


def cmd_operator_add(args: argparse.Namespace) -> int:
    from crm_desktop.core.services import operators

    db = open_current(args)
    actor = login(db, args)
    roles = {r["code"]: r for r in operators.list_roles(db, actor)}
    role = roles.get(args.role)
    if role is None:
        raise ValidationError(
            _("Unknown role “{role}”; the roles are: {roles}.").format(
                role=args.role, roles=", ".join(sorted(roles))
            )
        )
    values: dict[str, Any] = {"code": args.code, "name": args.name, "role_id": role["id"]}
    if args.team:
        teams = {t["code"]: t["id"] for t in operators.list_teams(db, actor)}
        if args.team not in teams:
            raise ValidationError(
                _("Unknown team “{team}”; the teams are: {teams}.").format(
                    team=args.team, teams=", ".join(sorted(teams)) or "-"
                )
            )
        values["team_id"] = teams[args.team]
    if args.scope:
        values["data_scope"] = args.scope
    password = os.environ.get(NEW_PASSWORD_ENV) or None
    operators.create_operator(db, actor, values, password=password)
    _out(
        _("Created operator {user} ({name}) with the role {role}.").format(
            user=args.code, name=args.name, role=role["name"]
        )
    )
    if password is None:
        _out(
            _(
                "{user} has no password yet and cannot log in until an administrator sets one "
                "(or create the operator with {env} set)."
            ).format(user=args.code, env=NEW_PASSWORD_ENV)
        )
    return 0


def _progress_printer() -> Callable[[int, int], bool] | None:
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> bool:
        end = "\n" if done >= total else ""
        print(
            "\r" + _("Customers: {done} of {total}").format(done=done, total=total),
            end=end,
            file=sys.stderr,
            flush=True,
        )
        return True

    return show


def cmd_demo(args: argparse.Namespace) -> int:
    from crm_desktop.core.services import demo

    if args.customers < 0:
        raise ValidationError(_("The number of customers cannot be negative."))
    db = open_current(args)
    actor = login(db, args)
    password = os.environ.get(DEMO_PASSWORD_ENV) or None
    result = demo.generate(
        db,
        actor,
        customers=args.customers,
        seed=args.seed,
        progress=_progress_printer(),
        operator_password=password,
    )
    _out(
        _("Demo data added: {rows} rows (seed {seed}).").format(
            rows=result.total_rows, seed=args.seed
        )
    )
    width = max((len(name) for name in result.counts), default=10)
    for name, count in result.counts.items():
        _out(f"  {name:<{width}}  {count:>9}")
    if password is None:
        _out(
            _(
                "The demo operators have no password; set {env} before “crm demo” to let them "
                "log in."
            ).format(env=DEMO_PASSWORD_ENV)
        )
    return 0


def _size(size: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024  # type: ignore[assignment]
    raise AssertionError


def cmd_backup(args: argparse.Namespace) -> int:
    from crm_desktop.core.services import maintenance

    db = open_current(args)
    actor = login(db, args)
    dest = Path(args.dest).expanduser() if args.dest else None
    result = maintenance.backup(db, actor, dest)
    _out(_("Backup written: {path} ({size}).").format(path=result.path, size=_size(result.size)))
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from crm_desktop.core.db import database_url
    from crm_desktop.core.db.engine import sqlite_path
    from crm_desktop.core.db.safety import location_warnings, refuse_unsafe
    from crm_desktop.core.services import maintenance

    path = sqlite_path(database_url(_location(args)))
    switched = path is not None and path.is_file() and refuse_unsafe(path)
    db = open_database(args)
    report = maintenance.check(db)
    _out(_("Database: {path}").format(path=report.location))
    if switched:
        _out(
            _(
                "The file was in WAL mode (unsafe on a network drive); its last changes were "
                "written into it and it uses the safe journal mode again."
            )
        )
    for warning in location_warnings(path) if path is not None else []:
        _out(_("Warning: {warning}").format(warning=warning))
    _out(_("Integrity: {status}").format(status=report.integrity))
    _out(
        _("Schema: {revision} (this version of the app: {head})").format(
            revision=report.revision or "-", head=report.head
        )
    )
    if report.counts:
        _out(_("Rows per table:"))
        width = max(len(name) for name in report.counts)
        for name, count in report.counts.items():
            _out(f"  {name:<{width}}  {count:>9}")
    if report.ok:
        if not report.counts.get("operators"):
            _out(_("The database has no company or administrator yet; run “crm init”."))
        _out(_("Result: ok"))
        return 0
    if report.revision is None:
        _out(_("Result: no crm-desktop schema; run “crm init”."))
    elif report.revision != report.head:
        _out(_("Result: the schema is out of date; run “crm migrate”."))
    else:
        _out(_("Result: the integrity check failed; restore a backup."))
    return EXIT_CHECK_FAILED


def cmd_migrate(args: argparse.Namespace) -> int:
    from crm_desktop.core.db.migrate import schema_state, upgrade

    db = open_database(args, may_create=True)
    before = schema_state(db).revision
    state = upgrade(db)
    if before == state.revision:
        _out(_("The schema is up to date: {revision}.").format(revision=state.revision))
    else:
        _out(
            _("Migrated the schema from {old} to {new}.").format(
                old=before or "-", new=state.revision
            )
        )
    return 0


def _pool_table(candidates: Sequence[Any]) -> None:
    """Customers and when they return, aligned for a terminal."""
    from crm_desktop.cli_output import print_rows

    print_rows(
        (_("Customer"), _("Owner"), _("Idle since"), _("Returns on"), _("Reason")),
        ("customer", "owner", "idle_since", "returns_on", "reason"),
        [(c.name, c.owner_name or "-", c.idle_since, c.returns_on, c.reason) for c in candidates],
        "table",
    )


def cmd_pool_run_rules(args: argparse.Namespace) -> int:
    from crm_desktop.core.services import pool

    db = open_current(args)
    actor = login(db, args)
    run = pool.run_rules(db, actor, dry_run=args.dry_run)
    returned = (
        _("Would return to the public pool: {count}")
        if args.dry_run
        else _("Returned to the public pool: {count}")
    )
    _out(returned.format(count=len(run.returned)))
    if run.returned:
        _pool_table(run.returned)
    _out(_("Returning soon (owners warned): {count}").format(count=len(run.warned)))
    if run.warned:
        _pool_table(run.warned)
    if args.dry_run:
        _out(_("Dry run: nothing was changed."))
    return 0


# --- parser --------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="crm",
        description=_("Set up, fill, check and back up a crm-desktop database."),
    )
    parser.add_argument(
        "--db",
        metavar="PATH_OR_URL",
        help=_("the database file or URL (default: the per-user database)"),
    )
    parser.add_argument(
        "--as",
        dest="user",
        metavar="USER",
        help=_("the operator to act as; password from {env} or a prompt").format(env=PASSWORD_ENV),
    )
    parser.add_argument(
        "--lang", choices=sorted(i18n.LANGUAGES), help=_("language of the messages")
    )
    parser.add_argument(
        "--debug", action="store_true", help=_("show the traceback of unexpected errors")
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    init = commands.add_parser("init", help=_("create a new database with its administrator"))
    init.add_argument("--company", required=True, help=_("the company name"))
    init.add_argument("--admin", required=True, metavar="USER", help=_("the administrator's login"))
    init.add_argument("--admin-name", metavar="NAME", help=_("the administrator's display name"))
    init.set_defaults(func=cmd_init)

    operator = commands.add_parser("operator", help=_("manage operators"))
    operator_commands = operator.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = operator_commands.add_parser(
        "add",
        help=_("add an operator (password from {env}, if set)").format(env=NEW_PASSWORD_ENV),
    )
    add.add_argument("code", metavar="USER", help=_("the login name"))
    add.add_argument("--name", required=True, help=_("the display name"))
    add.add_argument("--role", required=True, metavar="ROLE_CODE", help=_("the role's code"))
    add.add_argument("--team", metavar="TEAM_CODE", help=_("the team's code"))
    add.add_argument(
        "--scope", choices=("own", "team", "all"), help=_("data scope (default: the role's)")
    )
    add.set_defaults(func=cmd_operator_add)

    demo = commands.add_parser("demo", help=_("fill the database with demo data"))
    demo.add_argument("--customers", type=int, required=True, metavar="N")
    demo.add_argument("--seed", type=int, default=1, metavar="S")
    demo.set_defaults(func=cmd_demo)

    backup = commands.add_parser("backup", help=_("write a verified backup copy"))
    backup.add_argument("dest", nargs="?", metavar="DEST", help=_("a file or folder"))
    backup.set_defaults(func=cmd_backup)

    check = commands.add_parser("check", help=_("integrity, schema version and row counts"))
    check.set_defaults(func=cmd_check)

    migrate = commands.add_parser("migrate", help=_("bring the schema up to this version"))
    migrate.set_defaults(func=cmd_migrate)

    pool_parser = commands.add_parser("pool", help=_("the public pool of customers"))
    pool_commands = pool_parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    run_rules = pool_commands.add_parser(
        "run-rules", help=_("return idle customers to the pool and list those due soon")
    )
    run_rules.add_argument(
        "--dry-run", action="store_true", help=_("only show what would happen; change nothing")
    )
    run_rules.set_defaults(func=cmd_pool_run_rules)

    from crm_desktop import cli_customers, cli_receipts, cli_render, cli_report, cli_sales

    for module in (cli_customers, cli_sales, cli_render, cli_report):
        module.register(commands)
    cli_receipts.register_receipts(commands)
    from crm_desktop import cli_import

    cli_import.register(commands)
    from crm_desktop import cli_export

    cli_export.register(commands)
    from crm_desktop import cli_server

    cli_server.register(commands)
    from crm_desktop import cli_leads

    cli_leads.register(commands)
    from crm_desktop import cli_service

    cli_service.register(commands)
    from crm_desktop import cli_kb

    cli_kb.register(commands)
    from crm_desktop import cli_targets

    cli_targets.register(commands)
    return parser


def _early_language(argv: Sequence[str]) -> str | None:
    """--lang must be known before the parser's help texts are translated."""
    for index, arg in enumerate(argv):
        if arg == "--lang" and index + 1 < len(argv):
            return argv[index + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return None


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    i18n.set_language(_early_language(argv))
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except CrmError as exc:
        print(f"crm: {exc.message}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:  # `crm check | head`: the reader left; say nothing more
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    except KeyboardInterrupt:
        print("crm: " + _("Interrupted; nothing was changed."), file=sys.stderr)
        return 130
    except Exception as exc:
        if args.debug:
            traceback.print_exc()
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        print(
            "crm: "
            + _("Unexpected error: {error} (run with --debug for details).").format(
                error=f"{type(exc).__name__}: {detail}"[:300]
            ),
            file=sys.stderr,
        )
        return EXIT_UNEXPECTED


if __name__ == "__main__":
    raise SystemExit(main())
