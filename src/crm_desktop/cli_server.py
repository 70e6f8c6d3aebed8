"""`crm server app-role NAME`: the PostgreSQL role a team's PCs connect as.

Run on the server as the database's owner (`--db postgresql+psycopg://owner@host/db`), after
`crm init`. The role may use every business table but cannot read the password hashes
(core/db/server.py says why); the command prints the URL the PCs use, without the password.
"""

from __future__ import annotations

import argparse
from typing import Any

from sqlalchemy.engine import make_url

from crm_desktop.cli_output import say
from crm_desktop.core.i18n import _

APP_PASSWORD_ENV = "CRM_APP_PASSWORD"


def cmd_app_role(args: argparse.Namespace) -> int:
    from crm_desktop.cli import _location, _password
    from crm_desktop.core.db import database_url
    from crm_desktop.core.db.server import create_app_role, is_server, without_password
    from crm_desktop.core.errors import ValidationError

    owner_url = database_url(_location(args))
    if not is_server(owner_url):
        raise ValidationError(
            _("App roles are for a PostgreSQL team server: give its URL with --db.")
        )
    password = _password(
        APP_PASSWORD_ENV, _("Password for the role {role}: ").format(role=args.name), confirm=True
    )
    app_url = create_app_role(owner_url, args.name, password)
    say(
        _("The role {role} is ready: it can use the data but not read the password hashes.").format(
            role=args.name
        )
    )
    say(_("The PCs connect to: {url}").format(url=without_password(app_url)))
    parts = make_url(app_url)
    say(
        _(
            "In crm-desktop: “Connect to server…” with server {host}, port {port}, "
            "database {database}, user {role} and this role's password."
        ).format(
            host=parts.host or "localhost",
            port=parts.port or 5432,
            database=parts.database,
            role=args.name,
        )
    )
    return 0


def register(commands: Any) -> None:
    """Add `crm server …` to the `crm` parser."""
    server = commands.add_parser("server", help=_("set up a PostgreSQL team server"))
    actions = server.add_subparsers(dest="action", metavar="ACTION", required=True)
    app_role = actions.add_parser(
        "app-role",
        help=_(
            "create or update the role the PCs connect as (password from {env} or a prompt)"
        ).format(env=APP_PASSWORD_ENV),
    )
    app_role.add_argument("name", metavar="NAME", help=_("the role's name, e.g. crm_app"))
    app_role.set_defaults(func=cmd_app_role)
