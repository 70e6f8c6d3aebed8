"""Engine, units of work, migrations, backup and presence."""

from crm_desktop.core.db.database import Database, UnitOfWork
from crm_desktop.core.db.engine import database_url, make_engine

__all__ = ["Database", "UnitOfWork", "database_url", "make_engine"]
