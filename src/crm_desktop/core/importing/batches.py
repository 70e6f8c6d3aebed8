"""Import batches: the history of imports, undo of a finished one, and taking back imports that
were cancelled, failed or interrupted (the PC crashed, the network share went away).

Every row an import created or updated is listed in import_changes (old values of updates in
stored form, and the version the import left). Taking a batch back walks those rows in short
write transactions, children before parents (`UNDO_ORDER`): created rows are deleted, updated
rows get their old values, stamps and version back. Each transaction also deletes the
import_changes rows it handled, so a take-back that is itself interrupted simply continues
the next time.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, Table, delete, func, select, update
from sqlalchemy.orm import Session

from crm_desktop.core.actor import Actor
from crm_desktop.core.db.database import Database
from crm_desktop.core.db.presence import STALE_AFTER
from crm_desktop.core.errors import NotFound, PermissionDenied, ValidationError
from crm_desktop.core.i18n import _
from crm_desktop.core.importing.model import (
    BatchRow,
    ImportCancelled,
    ImportKind,
    Progress,
    UndoResult,
)
from crm_desktop.core.importing.targets.base import (
    CHILD_ROWS_KEY,
    ENTITY_CHILDREN,
    ENTITY_TABLES,
    UNDO_ORDER,
    StoredForm,
)
from crm_desktop.core.models import (
    Base,
    DataScope,
    ImportBatch,
    ImportChange,
    Operator,
    Presence,
)
from crm_desktop.core.services.access import current_operator, require
from crm_desktop.core.services.basedata import usage_count

UNDO_CHUNK = 2_000  # import_changes rows taken back per write transaction
KIND_PERMISSIONS: dict[str, str] = {
    ImportKind.CUSTOMERS: "customers.import",
    ImportKind.CONTACTS: "customers.import",
    ImportKind.PRODUCTS: "settings.products",
    ImportKind.ORDERS: "orders.import",
    ImportKind.LEADS: "leads.import",
}
NAME_COLUMNS = {"order": "number", "base_data": "name"}  # others: "name"
_STAMPS = ("updated_at", "updated_by_id", "import_batch_id")


# --- listing -------------------------------------------------------------------------------------


def list_batches(db: Database, actor: Actor, limit: int = 200) -> list[BatchRow]:
    """The actor's own imports, newest first; everyone's for an operator with an import right
    and the "all records" scope."""
    with db.read() as session:
        operator = current_operator(session, actor)
        query = (
            select(ImportBatch, Operator.name)
            .join(Operator, Operator.id == ImportBatch.operator_id)
            .order_by(ImportBatch.id.desc())
            .limit(limit)
        )
        if not _sees_all(operator):
            query = query.where(ImportBatch.operator_id == operator.id)
        return [_row(batch, name) for batch, name in session.execute(query)]


def _sees_all(operator: Operator) -> bool:
    granted = operator.role.permission_names
    return operator.data_scope == DataScope.ALL and any(
        p in granted for p in set(KIND_PERMISSIONS.values())
    )


def _row(batch: ImportBatch, operator_name: str) -> BatchRow:
    return BatchRow(
        id=batch.id,
        kind=batch.kind,
        filename=batch.filename,
        sheet=batch.sheet,
        operator_name=operator_name,
        started_at=batch.started_at,
        finished_at=batch.finished_at,
        status=batch.status,
        created=batch.created_count,
        updated=batch.updated_count,
        unchanged=batch.unchanged_count,
        skipped=batch.skipped_count,
        errors=batch.error_count,
        mode=batch.mode,
    )


# --- undo ----------------------------------------------------------------------------------------


def undo_batch(
    db: Database, actor: Actor, batch_id: int, *, progress: Progress | None = None
) -> UndoResult:
    """Take a finished import back exactly, or refuse (ValidationError naming the records) when
    a record was edited since or a created record is used by something the import did not make.

    `progress` may cancel before anything is changed; once the undo has started it finishes
    (a half-undone import would be worse than either state).
    """
    with db.read() as session:
        operator = current_operator(session, actor)
        batch = session.get(ImportBatch, batch_id)
        if batch is None:
            raise NotFound(_("Import #{id} does not exist.").format(id=batch_id))
        _check_undo_allowed(session, actor, operator, batch)
        filename = batch.filename
        _refuse_if_edited(session, batch_id)
        _refuse_if_used(session, batch_id)
        total = session.scalar(
            select(func.count()).select_from(ImportChange).where(ImportChange.batch_id == batch_id)
        )
    if progress is not None and not progress(0, total or 0):
        raise ImportCancelled(_("The undo was cancelled; nothing was changed."))
    result = _take_back(db, actor, batch_id, progress=progress, total=total or 0)
    with db.write(actor) as uow:
        uow.session.execute(
            update(ImportBatch)
            .where(ImportBatch.id == batch_id)
            .values(status="undone", undone_on=uow.clock.now().astimezone().date())
        )
        uow.audit(
            "import.undo",
            "import_batch",
            batch_id,
            {"removed": (None, result.removed), "restored": (None, result.restored)},
            summary=filename,
        )
        uow.touched("customers", "contacts", "products", "orders", "leads", "base_data")
    return result


def _check_undo_allowed(
    session: Session, actor: Actor, operator: Operator, batch: ImportBatch
) -> None:
    require(session, actor, KIND_PERMISSIONS.get(batch.kind, "customers.import"))
    if batch.operator_id != operator.id and operator.data_scope != DataScope.ALL:
        raise PermissionDenied(_("Only whoever ran an import, or an administrator, may undo it."))
    if batch.status != "finished":
        raise ValidationError(
            _("Import #{id} is {status}; only a finished import can be undone.").format(
                id=batch.id, status=batch.status
            )
        )


def _refuse_if_edited(session: Session, batch_id: int) -> None:
    """Rows whose version is not the one the import left: someone edited them since."""
    names: list[str] = []
    for entity, table in _tables():
        name = table.c[NAME_COLUMNS.get(entity, "name")]
        query = (
            select(name)
            .join(ImportChange, ImportChange.entity_id == table.c.id)
            .where(
                ImportChange.batch_id == batch_id,
                ImportChange.entity == entity,
                table.c.version != ImportChange.new_version,
            )
            .limit(10)
        )
        names += [str(n) for n in session.scalars(query)]
    if names:
        raise ValidationError(
            _(
                "The import cannot be undone: these records were changed after it: {names}. "
                "Undo would throw those changes away."
            ).format(names=_listed(names))
        )


def _refuse_if_used(session: Session, batch_id: int) -> None:
    """Created records that rows outside the import refer to (a follow-up, an order, a contact
    added since). Base data entries are not refused: used ones are kept instead."""
    problems: list[str] = []
    for entity, table in _tables():
        if entity == "base_data":
            continue
        created = _created_ids(batch_id, entity)
        for child, column in _references(table):
            where = [column.in_(created), *_not_from_batch(child, batch_id)]
            count = session.scalar(select(func.count()).select_from(child).where(*where)) or 0
            if count:
                first = session.scalar(select(column).where(*where).limit(1))
                name = session.scalar(
                    select(table.c[NAME_COLUMNS.get(entity, "name")]).where(table.c.id == first)
                )
                problems.append(
                    _("“{name}” has {n} record(s) in {table} that the import did not make").format(
                        name=name, n=count, table=child.name
                    )
                )
    if problems:
        raise ValidationError(
            _("The import cannot be undone: {problems}.").format(problems="; ".join(problems[:10]))
        )


def _tables() -> Iterable[tuple[str, Table]]:
    tables = Base.metadata.tables
    for entity in UNDO_ORDER:
        yield entity, tables[ENTITY_TABLES[entity]]


def _created_ids(batch_id: int, entity: str) -> Any:
    return select(ImportChange.entity_id).where(
        ImportChange.batch_id == batch_id,
        ImportChange.entity == entity,
        ImportChange.action == "create",
    )


def _references(table: Table) -> list[tuple[Table, Any]]:
    """(table, column) pairs with a foreign key to `table`.id (self-references included)."""
    found = []
    for child in Base.metadata.sorted_tables:
        if child.name in ("import_batches", "import_changes"):
            continue
        for fk in child.foreign_keys:
            if fk.column.table is table and fk.parent.table is child:
                found.append((child, fk.parent))
    return found


def _not_from_batch(child: Table, batch_id: int) -> list[Any]:
    """Rows of `child` that this import did not create or change (and whose parent, for rows
    deleted with their parent such as an order's lines, it did not create either)."""
    entity = next((e for e, t in ENTITY_TABLES.items() if t == child.name), None)
    conditions: list[Any] = []
    if entity is not None:
        ours = select(ImportChange.entity_id).where(
            ImportChange.batch_id == batch_id, ImportChange.entity == entity
        )
        conditions.append(child.c.id.not_in(ours))
    for fk in child.foreign_keys:
        parent_entity = next(
            (e for e, t in ENTITY_TABLES.items() if t == fk.column.table.name), None
        )
        if fk.ondelete == "CASCADE" and parent_entity is not None:
            conditions.append(fk.parent.not_in(_created_ids(batch_id, parent_entity)))
    return conditions


def _listed(names: list[str]) -> str:
    shown = ", ".join(f"“{n}”" for n in names[:10])
    return shown + (_(" and more") if len(names) > 10 else "")


# --- taking back (undo, cancel, failure, interruption) ------------------------------------------


def rollback_batch(db: Database, batch_id: int, status: str) -> UndoResult:
    """Remove a cancelled/failed/interrupted batch's rows and mark it `status`; no checks (the
    import never finished, so nothing may build on it)."""
    result = _take_back(db, None, batch_id, progress=None, total=0, force=True)
    with db.write(None) as uow:
        uow.session.execute(
            update(ImportBatch)
            .where(ImportBatch.id == batch_id)
            .values(status=status, finished_at=uow.clock.now())
        )
    return result


def recover_interrupted(db: Database) -> list[int]:
    """Take back "running" imports whose app is gone (no presence heartbeat for STALE_AFTER).

    Called by run_import before it starts and by the app after login; another PC's import that
    is still running keeps its heartbeat and is left alone.
    """
    with db.read() as session:
        running = session.execute(
            select(ImportBatch.id, ImportBatch.session_key).where(ImportBatch.status == "running")
        ).all()
        if not running:
            return []
        cutoff = db.clock.now() - STALE_AFTER
        live = set(
            session.scalars(select(Presence.session_key).where(Presence.heartbeat_at >= cutoff))
        )
    gone = [batch_id for batch_id, key in running if key is None or key not in live]
    for batch_id in gone:
        rollback_batch(db, batch_id, "failed")
    return gone


def _take_back(
    db: Database,
    actor: Actor | None,
    batch_id: int,
    *,
    progress: Progress | None,
    total: int,
    force: bool = False,
) -> UndoResult:
    result = UndoResult(batch_id)
    done = 0
    for entity, table in _tables():
        while True:
            with db.write(actor) as uow:
                conn = uow.session.connection()
                rows = conn.execute(
                    select(
                        ImportChange.id,
                        ImportChange.entity_id,
                        ImportChange.action,
                        ImportChange.old_values,
                        ImportChange.new_version,
                    )
                    .where(ImportChange.batch_id == batch_id, ImportChange.entity == entity)
                    .order_by(ImportChange.id.desc())
                    .limit(UNDO_CHUNK)
                ).all()
                if not rows:
                    break
                _apply(uow, conn, entity, table, rows, result, force)
                conn.execute(delete(ImportChange).where(ImportChange.id.in_([r[0] for r in rows])))
                uow.touched("customers", "contacts", "products", "orders", "leads", "base_data")
            done += len(rows)
            if progress is not None:
                progress(min(done, total), total)
    return result


def _apply(
    uow: Any,
    conn: Connection,
    entity: str,
    table: Table,
    rows: list[Any],
    result: UndoResult,
    force: bool,
) -> None:
    created = [r.entity_id for r in rows if r.action == "create"]
    restores = [r for r in rows if r.action == "update"]
    stored = StoredForm(conn.dialect.name)
    current = _current(conn, table, restores)
    for row in restores:
        old = json.loads(row.old_values or "{}")
        old["version"] = (row.new_version or 1) - 1
        children = old.pop(CHILD_ROWS_KEY, None)
        if _restore(conn, stored, table, row.entity_id, row.new_version, old):
            result.restored += 1
            if children is not None and entity in ENTITY_CHILDREN:
                _restore_children(conn, stored, entity, row.entity_id, children)
            now = current.get(row.entity_id, {})
            changes = {
                k: (StoredForm.json(now.get(k)), v)
                for k, v in old.items()
                if k not in (*_STAMPS, "version")
            }
            uow.audit(f"{entity}.import_undo", entity, row.entity_id, changes)
        elif not force:
            raise ValidationError(
                _("Record #{id} was changed while the import was being undone.").format(
                    id=row.entity_id
                )
            )
    if entity == "base_data":
        created = [i for i in created if usage_count(uow.session, i) == 0]
    if created:
        outcome = conn.execute(delete(table).where(table.c.id.in_(created)))
        result.removed += outcome.rowcount or 0


def _restore_children(
    conn: Connection, stored: StoredForm, entity: str, parent_id: int, rows: list[dict[str, Any]]
) -> None:
    """Put back the child rows an update replaced (an order's lines), as they were stored."""
    table, parent_column = ENTITY_CHILDREN[entity]
    mark = "?" if stored.sqlite else "%s"
    conn.exec_driver_sql(f'DELETE FROM "{table}" WHERE "{parent_column}" = {mark}', (parent_id,))
    for child in rows:
        values = {k: v for k, v in child.items() if k not in ("id", parent_column)}
        names = ", ".join(f'"{c}"' for c in (parent_column, *values))
        marks = ", ".join(mark for _c in range(len(values) + 1))
        conn.exec_driver_sql(
            f'INSERT INTO "{table}" ({names}) VALUES ({marks})', (parent_id, *values.values())
        )


def _restore(
    conn: Connection,
    stored: StoredForm,
    table: Table,
    entity_id: int,
    new_version: int | None,
    old: dict[str, Any],
) -> bool:
    mark = "?" if stored.sqlite else "%s"
    columns = [c for c in old if c in table.c]
    sets = ", ".join(f'"{c}" = {mark}' for c in columns)
    sql = f'UPDATE "{table.name}" SET {sets} WHERE "id" = {mark} AND "version" = {mark}'
    params = (*(old[c] for c in columns), entity_id, new_version)
    return (conn.exec_driver_sql(sql, params).rowcount or 0) == 1


def _current(conn: Connection, table: Table, restores: list[Any]) -> dict[int, dict[str, Any]]:
    """The values the restores are about to replace (for the audit: import value -> old)."""
    if not restores:
        return {}
    ids = [r.entity_id for r in restores]
    found: dict[int, dict[str, Any]] = {}
    for start in range(0, len(ids), 900):
        query = select(table).where(table.c.id.in_(ids[start : start + 900]))
        for row in conn.execute(query).mappings():
            found[row["id"]] = dict(row)
    return found
