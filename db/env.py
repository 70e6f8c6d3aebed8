"""Alembic environment: runs on the app's own engine (passed in by core/db/migrate.py)."""

from __future__ import annotations

from alembic import context

from crm_desktop.core.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    database = config.attributes.get("database")
    if database is None:  # the `alembic` command line, for autogenerate during development
        from crm_desktop.core.db import Database

        database = Database(config.get_main_option("sqlalchemy.url") or "")
    with database.engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported")
run_migrations_online()
