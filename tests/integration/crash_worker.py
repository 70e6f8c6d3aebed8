"""A PC that is about to be killed: tests/integration/test_crash.py SIGKILLs it at a random moment.

    python -m tests.integration.crash_worker orders DB CUSTOMER_ID   # saves orders until killed
    python -m tests.integration.crash_worker import DB XLSX          # imports the sheet
    python -m tests.integration.crash_worker migrate DB              # upgrades to the head

Each prints ``ready`` once the database is open and the work is about to start, so the parent's
random delay falls into the work, not into Python's start-up.
"""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path

from crm_desktop.core.clock import FixedClock
from crm_desktop.core.db import Database

ORDER_LINES = 12  # lines per order: one unit of work writes the order, its lines, number, audit
MAX_ORDERS = 5_000  # a worker that is never killed still stops
IMPORT_CHUNK_ROWS = 250  # several write transactions for a few thousand rows


def ready() -> None:
    print("ready", flush=True)


def save_orders(database: Database, customer_id: int) -> None:
    from crm_desktop.core.pricing import LineInput
    from crm_desktop.core.services import orders
    from tests.conftest import actor_of

    boss = actor_of(database, "boss")
    lines = [LineInput(f"零件{n}", Decimal(n + 1), Decimal("9.90")) for n in range(ORDER_LINES)]
    ready()
    for _n in range(MAX_ORDERS):
        orders.save_order(database, boss, None, None, {"customer_id": customer_id}, lines)


def import_sheet(database: Database, path: Path) -> None:
    from crm_desktop.core.importing import engine
    from crm_desktop.core.importing.model import ImportKind, ImportRequest
    from crm_desktop.core.importing.targets import base
    from tests.conftest import actor_of

    base.CHUNK_ROWS = IMPORT_CHUNK_ROWS
    boss = actor_of(database, "boss")
    ready()
    engine.run_import(database, boss, ImportRequest(ImportKind.CUSTOMERS, path))


def migrate(database: Database) -> None:
    from crm_desktop.core.db.migrate import upgrade

    ready()
    upgrade(database)


def main(argv: list[str]) -> int:
    mode, path = argv[0], argv[1]
    database = Database(f"sqlite:///{path}", clock=FixedClock())
    if mode == "orders":
        save_orders(database, int(argv[2]))
    elif mode == "import":
        import_sheet(database, Path(argv[2]))
    elif mode == "migrate":
        migrate(database)
    else:
        raise SystemExit(f"unknown mode {mode}")
    database.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
