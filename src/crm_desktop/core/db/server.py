"""Team server mode: the PostgreSQL role the PCs connect as, which cannot read password hashes.

Set-up on the server, as the role that owns the database (it needs CREATEROLE):

    crm --db postgresql+psycopg://owner@host/crm init --company … --admin boss
    crm --db postgresql+psycopg://owner@host/crm server app-role crm_app

The owner creates and migrates the tables; every PC connects as `crm_app`, which may read and
write the business tables but has no privilege at all on `operator_passwords`. It checks and
sets passwords only through the SECURITY DEFINER functions of migration 0006 (`crm_password_*`,
see core/password_store.py), so the hashes never leave the server.

Why this and not row-level security with a "current operator" the client sets: every PC holds
the same role's credentials, so anyone who has them can set any operator id; RLS keyed on a
client-set variable would be no boundary against them. What the role's credentials must not
give away is the staff's passwords, which people reuse elsewhere: without the hashes there is
nothing to crack offline, and guesses through `crm_password_matches` are throttled by the
server itself. (Holders of the credentials can still change data, including operators' roles
and passwords: the app's permissions are enforced by the app, for people using it.) The next
step would be one server role per operator, with privileges and RLS policies per role.

Migrations run as the owner. Tables they create get the app role's privileges by default
(ALTER DEFAULT PRIVILEGES); `reapply_app_roles` runs after every migration (core/db/migrate.py)
to grant again and to take back anything the app role must not have.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import URL, Connection, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from crm_desktop.core.db.database import Database, translate_errors
from crm_desktop.core.errors import DatabaseError, ValidationError
from crm_desktop.core.i18n import _

HIDDEN_TABLES = ("operator_passwords",)  # the app role has no privilege on these
READ_ONLY_TABLES = ("alembic_version",)  # read at start-up to compare schema versions
TABLE_PRIVILEGES = "SELECT, INSERT, UPDATE, DELETE"
# UPDATE for setval(): the demo generator moves id sequences past rows it inserted with ids.
SEQUENCE_PRIVILEGES = "USAGE, SELECT, UPDATE"
FUNCTION_PREFIX = "crm_"
SERVER_DRIVER = "postgresql+psycopg"
CONNECT_TIMEOUT_S = 10
ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def is_server(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


def without_password(url: str) -> str:
    """The URL as a PC may remember or show it (`URL.set(password=None)` keeps the old one)."""
    return make_url(url)._replace(password=None).render_as_string(hide_password=False)


def server_url(host: str, port: int, database: str, user: str, password: str = "") -> str:
    """The URL of a team server database; `connect_timeout` so a wrong address fails in
    seconds instead of the system's minutes."""
    return URL.create(
        SERVER_DRIVER,
        username=user.strip() or None,
        password=password or None,
        host=host.strip() or None,
        port=port,
        database=database.strip() or None,
        query={"connect_timeout": str(CONNECT_TIMEOUT_S)},
    ).render_as_string(hide_password=False)


def check_connection(url: str) -> None:
    """Connect to the server once; a `DatabaseError` that says what to fix if that fails."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except DBAPIError as exc:
        raise DatabaseError(connection_problem(url, exc)) from exc
    finally:
        engine.dispose()


def connection_problem(url: str, exc: BaseException) -> str:
    """What a person can do about a failed connection, from libpq's message."""
    parts = make_url(url)
    detail = str(getattr(exc, "orig", None) or exc)
    lowered = detail.lower()
    where = f"{parts.host or 'localhost'}:{parts.port or 5432}"
    if "password authentication failed" in lowered or "no password supplied" in lowered:
        return _("The server {where} refused the user name or password.").format(where=where)
    if "does not exist" in lowered and "database" in lowered:
        return _("The server {where} has no database “{database}”.").format(
            where=where, database=parts.database
        )
    if "translate host name" in lowered or "name or service not known" in lowered:
        return _("The server {host} was not found on the network; check its name.").format(
            host=parts.host
        )
    if "refused" in lowered or "timeout" in lowered or "timed out" in lowered:
        return _(
            "No PostgreSQL server answers at {where}. Check the address and port, and that "
            "the server is running and lets this PC in."
        ).format(where=where)
    first = detail.strip().splitlines()[0] if detail.strip() else type(exc).__name__
    return _("Cannot connect to the server {where}: {error}").format(where=where, error=first)


def create_app_role(owner_url: str, role: str, password: str) -> str:
    """Create (or update the password of) the role the PCs use; returns their URL.

    Refuses a name that is the owner itself or a role that could read the hashes anyway
    (superuser, BYPASSRLS, CREATEROLE, member of the owner).
    """
    if not is_server(owner_url):
        raise ValidationError(_("App roles are for a PostgreSQL team server, not a file."))
    if not ROLE_NAME.match(role):
        raise ValidationError(
            _("Use lower-case letters, digits and _ for the role name (for example crm_app).")
        )
    if not password:
        raise ValidationError(_("The app role needs a password."))
    engine = create_engine(owner_url)
    try:
        with engine.begin() as connection:
            _require_migrated(connection)
            owner = connection.scalar(text("SELECT current_user"))
            if role == owner:
                raise ValidationError(
                    _("{role} owns the database; the PCs need a role of their own.").format(
                        role=role
                    )
                )
            _create_or_update(connection, role, password)
            _refuse_powerful(connection, role, owner)
            _grant(connection, role)
            _verify_hidden(connection, role)
    finally:
        engine.dispose()
    return make_url(owner_url).set(username=role, password=password).render_as_string(False)


def reapply_app_roles(db: Database) -> list[str]:
    """After a migration: grant the app roles what new tables need, take back hidden ones.

    The app roles are the roles this owner gave the app's default table privileges in this
    schema (what `create_app_role` records). Does nothing on SQLite.
    """
    if db.is_sqlite:
        return []
    with translate_errors(db), db.engine.begin() as connection:
        roles = list(connection.scalars(text(_APP_ROLES_SQL)))
        for role in roles:
            _grant(connection, role)
    return roles


def refuse_migration_as_app_role(db: Database) -> None:
    """A PC's app role cannot migrate: say who can, instead of a driver's permission error."""
    if db.is_sqlite:
        return
    with translate_errors(db), db.engine.connect() as connection:
        allowed = connection.scalar(
            text(
                "SELECT coalesce((SELECT pg_has_role(current_user, tableowner, 'USAGE') "
                "FROM pg_tables WHERE schemaname = current_schema() "
                "AND tablename = 'alembic_version'), true) "
                "OR (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)"
            )
        )
        connection.rollback()
    if not allowed:
        raise DatabaseError(
            _(
                "The database on the server needs an upgrade, which only its owner can run: "
                "on the server, run “crm --db <owner's URL> migrate”, then connect again."
            )
        )


# --- the statements --------------------------------------------------------------------------

_APP_ROLES_SQL = """
SELECT r.rolname
  FROM pg_default_acl d
 CROSS JOIN LATERAL aclexplode(d.defaclacl) a
  JOIN pg_roles r ON r.oid = a.grantee
 WHERE d.defaclrole = (SELECT oid FROM pg_roles WHERE rolname = current_user)
   AND d.defaclnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())
   AND d.defaclobjtype = 'r'
 GROUP BY r.rolname
HAVING count(DISTINCT a.privilege_type) FILTER (
         WHERE a.privilege_type IN ('SELECT', 'INSERT', 'UPDATE', 'DELETE')) = 4
 ORDER BY r.rolname
"""


def _quote(connection: Connection, name: str) -> str:
    return connection.dialect.identifier_preparer.quote(name)


def _require_migrated(connection: Connection) -> None:
    found = connection.scalar(text("SELECT to_regclass('operator_passwords') IS NOT NULL"))
    if not found:
        raise ValidationError(
            _(
                "The database has no crm-desktop schema of this version yet: run "
                "“crm --db <URL> init” (or “migrate”) as the owner first."
            )
        )


def _create_or_update(connection: Connection, role: str, password: str) -> None:
    """The password goes to the server as a SCRAM verifier, never in clear (server logs)."""
    pgconn: Any = connection.connection.dbapi_connection.pgconn  # type: ignore[union-attr]
    verifier = pgconn.encrypt_password(password.encode(), role.encode()).decode("ascii")
    literal = "'" + verifier.replace("'", "''") + "'"
    exists = connection.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role})
    verb = "ALTER" if exists else "CREATE"
    connection.exec_driver_sql(f"{verb} ROLE {_quote(connection, role)} LOGIN PASSWORD {literal}")


def _refuse_powerful(connection: Connection, role: str, owner: str) -> None:
    row = connection.execute(
        text(
            "SELECT rolsuper OR rolbypassrls OR rolcreaterole "
            "OR pg_has_role(:role, :owner, 'MEMBER') FROM pg_roles WHERE rolname = :role"
        ),
        {"role": role, "owner": owner},
    ).scalar()
    if row:
        raise ValidationError(
            _(
                "The role {role} is a superuser, may create roles, bypasses row security or is "
                "a member of the owner: it could read the password hashes. Use a new role name "
                "for the PCs (it is created without those rights)."
            ).format(role=role)
        )


def _grant(connection: Connection, role: str) -> None:
    """Every privilege the app needs, and none on the hidden tables (idempotent)."""
    q = _quote(connection, role)
    schema = _quote(connection, connection.scalar(text("SELECT current_schema()")))
    database = _quote(connection, connection.scalar(text("SELECT current_database()")))
    statements = [
        f"GRANT CONNECT ON DATABASE {database} TO {q}",
        f"GRANT USAGE ON SCHEMA {schema} TO {q}",
        f"GRANT {TABLE_PRIVILEGES} ON ALL TABLES IN SCHEMA {schema} TO {q}",
        f"GRANT {SEQUENCE_PRIVILEGES} ON ALL SEQUENCES IN SCHEMA {schema} TO {q}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT {TABLE_PRIVILEGES} ON TABLES TO {q}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} "
        f"GRANT {SEQUENCE_PRIVILEGES} ON SEQUENCES TO {q}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT EXECUTE ON FUNCTIONS TO {q}",
    ]
    statements += [f"REVOKE ALL ON TABLE {schema}.{t} FROM {q}" for t in HIDDEN_TABLES]
    for table in READ_ONLY_TABLES:
        statements.append(f"REVOKE ALL ON TABLE {schema}.{table} FROM {q}")
        statements.append(f"GRANT SELECT ON TABLE {schema}.{table} TO {q}")
    functions = connection.scalars(
        text(
            "SELECT quote_ident(p.proname) || '(' || pg_get_function_identity_arguments(p.oid) "
            "|| ')' FROM pg_proc p "
            "WHERE p.pronamespace = (SELECT oid FROM pg_namespace WHERE nspname = "
            "current_schema()) AND p.proname LIKE :prefix"
        ),
        {"prefix": FUNCTION_PREFIX.replace("_", r"\_") + "%"},
    ).all()
    statements += [f"GRANT EXECUTE ON FUNCTION {schema}.{f} TO {q}" for f in functions]
    for statement in statements:
        connection.exec_driver_sql(statement)


def _verify_hidden(connection: Connection, role: str) -> None:
    """The last word: ask the server itself whether the role could read a hidden table."""
    for table in HIDDEN_TABLES:
        readable = connection.scalar(
            text("SELECT has_table_privilege(:role, :table, 'SELECT')"),
            {"role": role, "table": table},
        )
        if readable:
            raise DatabaseError(
                _(
                    "The role {role} can still read {table}, so its grants were not changed. "
                    "Check the role's memberships on the server."
                ).format(role=role, table=table)
            )
