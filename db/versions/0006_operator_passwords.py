"""operator passwords apart from the operators, and server functions to check and set them

On a PostgreSQL team server the PCs connect as a role that cannot read `operator_passwords`
(core/db/server.py); they check and set passwords only through the SECURITY DEFINER functions
created here, which run with the migrating owner's rights. SQLite gets the table only.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from crm_desktop.core.models.types import UTCDateTime

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# What a fresh argon2-cffi PasswordHasher() writes; the fake salt of an unknown login uses it.
FAKE_PARAMETERS = "$argon2id$v=19$m=65536,t=3,p=4$"
# Wrong candidates in a row before crm_password_matches refuses to answer for a while: far above
# the app's own lockout (5), so only someone calling the function directly ever reaches it.
SERVER_MAX_FAILED_CHECKS = 20
SERVER_BLOCK = "15 minutes"

FUNCTIONS = (
    "crm_password_salt(text)",
    "crm_password_matches(text, text)",
    "crm_set_password_hash(integer, text)",
    "crm_operators_with_password()",
)


def _function_sql(schema: str) -> list[str]:
    """The functions, with every table schema-qualified and the search path pinned."""
    s = schema
    pinned = "SECURITY DEFINER SET search_path = pg_catalog, pg_temp"
    return [
        f"""
CREATE FUNCTION {s}.crm_password_salt(login text) RETURNS text
LANGUAGE sql STABLE {pinned} AS $fn$
  SELECT coalesce(
    (SELECT substring(p.password_hash FROM
              '^(\\$argon2id\\$v=[0-9]+\\$m=[0-9]+,t=[0-9]+,p=[0-9]+\\$[A-Za-z0-9+/]+)\\$')
       FROM {s}.operator_passwords p JOIN {s}.operators o ON o.id = p.operator_id
      WHERE o.code = login),
    '{FAKE_PARAMETERS}' || rtrim(encode(substring(sha256(convert_to(
      'crm-desktop fake salt:' || current_database() || ':' || coalesce(login, ''), 'UTF8'))
      FROM 1 FOR 16), 'base64'), '='))
$fn$""",
        f"""
CREATE FUNCTION {s}.crm_password_matches(login text, candidate text) RETURNS boolean
LANGUAGE plpgsql VOLATILE {pinned} AS $fn$
DECLARE
  found_row record;
  failed integer;
BEGIN
  SELECT p.operator_id, p.password_hash, p.failed_checks, p.blocked_until INTO found_row
    FROM {s}.operator_passwords p JOIN {s}.operators o ON o.id = p.operator_id
   WHERE o.code = login
     FOR UPDATE OF p;
  IF NOT FOUND THEN
    RETURN false;
  END IF;
  IF found_row.blocked_until IS NOT NULL AND found_row.blocked_until > now() THEN
    RETURN NULL;  -- too many wrong guesses: no answer until the block ends
  END IF;
  -- Compare digests, not the hashes themselves: no early exit on a matching prefix.
  IF sha256(convert_to(found_row.password_hash, 'UTF8'))
     = sha256(convert_to(coalesce(candidate, ''), 'UTF8')) THEN
    UPDATE {s}.operator_passwords SET failed_checks = 0, blocked_until = NULL
     WHERE operator_id = found_row.operator_id;
    RETURN true;
  END IF;
  failed := found_row.failed_checks + 1;
  IF failed >= {SERVER_MAX_FAILED_CHECKS} THEN
    UPDATE {s}.operator_passwords
       SET failed_checks = 0, blocked_until = now() + interval '{SERVER_BLOCK}'
     WHERE operator_id = found_row.operator_id;
  ELSE
    UPDATE {s}.operator_passwords SET failed_checks = failed
     WHERE operator_id = found_row.operator_id;
  END IF;
  RETURN false;
END
$fn$""",
        f"""
CREATE FUNCTION {s}.crm_set_password_hash(for_operator integer, new_hash text) RETURNS void
LANGUAGE plpgsql VOLATILE {pinned} AS $fn$
BEGIN
  IF new_hash IS NULL THEN
    DELETE FROM {s}.operator_passwords WHERE operator_id = for_operator;
    RETURN;
  END IF;
  IF new_hash !~ '^\\$argon2id\\$' THEN
    RAISE EXCEPTION 'crm_set_password_hash: not an argon2id hash';
  END IF;
  INSERT INTO {s}.operator_passwords (operator_id, password_hash, failed_checks, blocked_until)
  VALUES (for_operator, new_hash, 0, NULL)
  ON CONFLICT (operator_id) DO UPDATE
    SET password_hash = EXCLUDED.password_hash, failed_checks = 0, blocked_until = NULL;
END
$fn$""",
        f"""
CREATE FUNCTION {s}.crm_operators_with_password() RETURNS SETOF integer
LANGUAGE sql STABLE {pinned} AS $fn$
  SELECT operator_id FROM {s}.operator_passwords
$fn$""",
    ]


def _schema() -> str:
    bind = op.get_bind()
    name = bind.exec_driver_sql("SELECT current_schema()").scalar()
    return bind.dialect.identifier_preparer.quote(name)


def upgrade() -> None:
    op.create_table(
        "operator_passwords",
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("failed_checks", sa.Integer(), nullable=False),
        sa.Column("blocked_until", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["operator_id"],
            ["operators.id"],
            name=op.f("fk_operator_passwords_operator_id_operators"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("operator_id", name=op.f("pk_operator_passwords")),
    )
    op.execute(
        "INSERT INTO operator_passwords (operator_id, password_hash, failed_checks) "
        "SELECT id, password_hash, 0 FROM operators WHERE password_hash IS NOT NULL"
    )
    # Not recreated on SQLite (native DROP COLUMN, SQLite >= 3.35): a batch copy would drop the
    # old operators table, and with foreign keys on that deletes every operator_passwords row
    # just copied (ON DELETE CASCADE) and trips teams.manager_id.
    with op.batch_alter_table("operators", recreate="never") as batch:
        batch.drop_column("password_hash")
    if op.get_bind().dialect.name == "postgresql":
        schema = _schema()
        for statement in _function_sql(schema):
            op.execute(statement)
        op.execute(f"REVOKE ALL ON TABLE {schema}.operator_passwords FROM PUBLIC")
        for function in FUNCTIONS:
            op.execute(f"REVOKE ALL ON FUNCTION {schema}.{function} FROM PUBLIC")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        schema = _schema()
        for function in FUNCTIONS:
            op.execute(f"DROP FUNCTION IF EXISTS {schema}.{function}")
    with op.batch_alter_table("operators", recreate="never") as batch:
        batch.add_column(sa.Column("password_hash", sa.String(length=200), nullable=True))
    op.execute(
        "UPDATE operators SET password_hash = (SELECT p.password_hash FROM operator_passwords p "
        "WHERE p.operator_id = operators.id)"
    )
    op.drop_table("operator_passwords")
