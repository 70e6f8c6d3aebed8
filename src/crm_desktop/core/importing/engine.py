"""The import engine: read a sheet, map and convert its rows, plan each row, write the plans in
short transactions under one ImportBatch, and take everything back on Cancel or an error.

Speed (100k rows against 100k existing customers, PERF-FLOORS 3b/4a): lookups are loaded once
as plain tuples, each mapped column gets one converter chosen up front, rows are planned with
dict lookups only (no SELECT per row), and targets insert through driver-level executemany in
chunks of a few thousand rows with a larger page cache. See targets/base.py for the protocol.
"""

from __future__ import annotations

import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from crm_desktop.core.actor import Actor
from crm_desktop.core.db import presence
from crm_desktop.core.db.backup import BackgroundBackup
from crm_desktop.core.db.database import Database
from crm_desktop.core.errors import ValidationError
from crm_desktop.core.i18n import _
from crm_desktop.core.importing import values as V
from crm_desktop.core.importing.batches import recover_interrupted, rollback_batch
from crm_desktop.core.importing.errors_workbook import write_error_workbook
from crm_desktop.core.importing.fields import FIELDS
from crm_desktop.core.importing.header import data_rows, detect_header_row, header_texts
from crm_desktop.core.importing.mapping import suggest_mapping
from crm_desktop.core.importing.model import (
    ErrorRow,
    FieldSpec,
    ImportCancelled,
    ImportRequest,
    ImportResult,
    Mapping,
    Preview,
    Progress,
    RowAction,
    RowPlan,
    SheetData,
)
from crm_desktop.core.importing.readers import read_sheet
from crm_desktop.core.importing.targets.base import (
    PUBLIC_POOL,
    PUBLIC_POOL_WORDS,
    TARGETS,
    BaseDataLookup,
    BaseRun,
    Context,
    OperatorLookup,
    StoredForm,
    Target,
    TargetRun,
    Writer,
)
from crm_desktop.core.models import BaseDataItem, DataScope, ImportBatch, Operator
from crm_desktop.core.search_keys import fold
from crm_desktop.core.services.access import owner_scope, require

PLAN_PROGRESS_EVERY = 5_000
CACHE_PAGES_KIB = 65_536  # PRAGMA cache_size while importing (PERF-FLOORS 4a: 2.8 s -> 2.1 s)

Converter = Callable[[Any], Any]


def load_sheet(
    request: ImportRequest, sheet: SheetData | None = None
) -> tuple[SheetData, int, list[str], Mapping]:
    """The sheet, its header row (given or detected), cleaned header texts and the mapping
    (given or suggested from the headers).

    `sheet`: the request's sheet as read already (the wizard and the CLI show it first), so a
    100k-row file is not read twice; one that is not the request's sheet is read again.
    """
    if not _same_sheet(request, sheet):
        sheet = read_sheet(request.path, request.sheet)
    assert sheet is not None
    fields = FIELDS[request.kind]
    header_row = request.header_row
    if header_row is None:
        header_row = detect_header_row(sheet.rows, fields) if sheet.rows else 0
    elif not 0 <= header_row < max(len(sheet.rows), 1):
        raise ValidationError(
            _("The sheet has {n} rows; row {row} cannot be the header.").format(
                n=len(sheet.rows), row=header_row + 1
            )
        )
    headers = header_texts(sheet.rows, header_row)
    mapping = (
        request.mapping if request.mapping is not None else suggest_mapping(request.kind, headers)
    )
    return sheet, header_row, headers, mapping


def _same_sheet(request: ImportRequest, sheet: SheetData | None) -> bool:
    if sheet is None or sheet.path != request.path:
        return False
    if request.sheet is None:  # the first sheet
        return sheet.sheet == (sheet.sheets[0] if sheet.sheets else "")
    return sheet.sheet == request.sheet


# --- converting rows -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Column:
    index: int
    spec: FieldSpec
    convert: Converter
    resolve: Callable[[Any], tuple[Any, str | None]] | None


class _Planner:
    """Converts rows and hands them to the target; remembers what was missing.

    The hot loop of an import (every cell of every row): columns are plain tuples, and
    base-data/operator texts are resolved once per distinct text (a sheet repeats them).
    """

    def __init__(self, ctx: Context, run: TargetRun, mapping: Mapping) -> None:
        self.ctx = ctx
        self.run = run
        self.missing: dict[str, dict[str, str]] = {}  # base kind -> folded -> text as typed
        by_key = {spec.key: spec for spec in ctx.fields}
        self.columns = [self._column(index, by_key[key]) for index, key in sorted(mapping.items())]
        self._cells = [
            (c.index, c.spec.key, c.convert, _memo(c.resolve) if c.resolve else None)
            for c in self.columns
        ]
        self.required = [spec.key for spec in ctx.fields if spec.required]

    def _column(self, index: int, spec: FieldSpec) -> _Column:
        kind = spec.kind
        resolve = None
        if kind.startswith("base:"):
            resolve = self._base_resolver(kind[5:])
        elif kind == "operator":
            resolve = self._operator
        return _Column(index, spec, V.converter(kind), resolve)

    def _base_resolver(self, kind: str) -> Callable[[Any], tuple[Any, str | None]]:
        base = self.ctx.base
        create = self.ctx.request.create_missing

        def resolve(text: str) -> tuple[Any, str | None]:
            found = base.resolve(kind, text)
            if found is not None:
                return found, None
            self.missing.setdefault(kind, {}).setdefault(fold(text), text)
            if create:
                return base.add_placeholder(kind, text), None
            return None, _(
                "“{name}” is not in the list; add it or import with “create missing entries”."
            ).format(name=text)

        return resolve

    def _operator(self, text: str) -> tuple[Any, str | None]:
        if fold(text) in PUBLIC_POOL_WORDS:
            return PUBLIC_POOL, None
        return self.ctx.operators.resolve(text)

    def convert(self, line: int, cells: list[Any]) -> RowPlan:
        values: dict[str, Any] = {}
        problems: dict[str, str] = {}
        width = len(cells)
        problem_type = V.ValueProblem
        for index, key, convert, resolve in self._cells:
            raw = cells[index] if index < width else None
            if raw is None or raw == "":
                values[key] = None
                continue
            try:
                value = convert(raw)
            except problem_type as exc:
                problems[key] = str(exc)
                continue
            if resolve is not None and value is not None:
                value, problem = resolve(value)
                if problem:
                    problems[key] = problem
                    continue
            values[key] = value
        for key in self.required:
            if values.get(key) is None and key not in problems:
                problems[key] = _("required, but empty")
        plan = RowPlan(line, RowAction.CREATE, values, problems)
        if problems:
            plan.action = RowAction.ERROR
            plan.message = "; ".join(
                f"{self.ctx.label(key)}: {text}" for key, text in problems.items()
            )
        else:
            self.run.plan(plan)
        return plan


def _memo(
    resolve: Callable[[Any], tuple[Any, str | None]],
) -> Callable[[Any], tuple[Any, str | None]]:
    """The resolver with a cache per distinct text (the answer never changes during a run)."""
    seen: dict[Any, tuple[Any, str | None]] = {}

    def cached(text: Any) -> tuple[Any, str | None]:
        found = seen.get(text)
        if found is None:
            found = seen[text] = resolve(text)
        return found

    return cached


# --- context -------------------------------------------------------------------------------------


def _context(
    session: Session,
    actor: Actor,
    request: ImportRequest,
    target: Target,
    db: Database,
    dry: bool,
    mapping: Mapping,
) -> Context:
    operator: Operator | None = None
    for permission in target.permissions:
        operator = require(session, actor, permission)
    assert operator is not None
    scope: frozenset[int] | None = None
    if operator.data_scope != DataScope.ALL:
        query = select(Operator.id).where(owner_scope(session, operator, Operator.id))
        scope = frozenset(session.scalars(query))
    return Context(
        request=request,
        actor=actor,
        operator_id=operator.id,
        scope_ids=scope,
        permissions=frozenset(operator.role.permission_names),
        now=db.clock.now(),
        stored=StoredForm(session.get_bind().dialect.name),
        base=BaseDataLookup.load(session),
        operators=OperatorLookup.load(session),
        fields=FIELDS[request.kind],
        dry_run=dry,
        mapping=dict(mapping),
    )


def _target(request: ImportRequest) -> Target:
    if request.kind not in TARGETS:
        raise ValidationError(_("This kind of import is not available yet."))
    return TARGETS[request.kind]


def _check_mapping(request: ImportRequest, mapping: Mapping) -> list[str]:
    """Unknown field keys are refused; returns the required fields left unmapped."""
    known = {spec.key for spec in FIELDS[request.kind]}
    for key in mapping.values():
        if key not in known:
            raise ValidationError(_("“{field}” is not a field of this import.").format(field=key))
    if len(set(mapping.values())) != len(mapping):
        raise ValidationError(_("Each field can be mapped to one column only."))
    return [s.key for s in FIELDS[request.kind] if s.required and s.key not in mapping.values()]


# --- preview -------------------------------------------------------------------------------------


def preview_import(
    db: Database,
    actor: Actor,
    request: ImportRequest,
    limit: int = 200,
    *,
    sheet: SheetData | None = None,
) -> Preview:
    """The first `limit` rows as they would be stored, with per-cell problems; writes nothing.
    `sheet`: as for `load_sheet`."""
    sheet, header_row, headers, mapping = load_sheet(request, sheet)
    unmapped = _check_mapping(request, mapping)
    target = _target(request)
    rows = list(data_rows(sheet.rows, header_row))
    plans: list[RowPlan] = []
    with db.read() as session:
        ctx = _context(session, actor, request, target, db, True, mapping)
        run = target.begin(ctx, session)
    planner = _Planner(ctx, run, mapping)
    if not unmapped:
        plans = [planner.convert(line, cells) for line, cells in rows[:limit]]
        _scan_missing(planner, rows[limit:])
    missing = {kind: sorted(names.values()) for kind, names in planner.missing.items()}
    return Preview(headers, header_row, mapping, plans, len(rows), missing, unmapped)


def _scan_missing(planner: _Planner, rows: list[tuple[int, list[Any]]]) -> None:
    """Base data names missing anywhere in the sheet (the preview plans only the first rows)."""
    base_columns = [c for c in planner.columns if c.spec.kind.startswith("base:")]
    for _line, cells in rows:
        for column in base_columns:
            raw = cells[column.index] if column.index < len(cells) else None
            if raw is None or raw == "":
                continue
            try:
                text = V.to_text(raw)
            except V.ValueProblem:
                continue
            if text:
                assert column.resolve is not None
                column.resolve(text)


# --- run -----------------------------------------------------------------------------------------


def run_import(
    db: Database,
    actor: Actor,
    request: ImportRequest,
    *,
    progress: Progress | None = None,
    dry_run: bool = False,
    errors_path: Path | None = None,
    sheet: SheetData | None = None,
) -> ImportResult:
    """Import the sheet; see the module docstring and targets/base.py for what happens when.

    `sheet`: the request's sheet as read already (see `load_sheet`). The verified backup
    (SQLite) is taken on a thread from the start, while the sheet is read and planned, and
    waited for before the first write; an import that writes nothing keeps no backup.
    """
    if not dry_run:
        recover_interrupted(db)
    backup = BackgroundBackup(db, reason="import") if not dry_run and db.path else None
    try:
        return _run_import(db, actor, request, progress, dry_run, errors_path, sheet, backup)
    finally:
        if backup is not None:
            backup.abandon()  # stops and removes it unless the writes took it


def _run_import(
    db: Database,
    actor: Actor,
    request: ImportRequest,
    progress: Progress | None,
    dry_run: bool,
    errors_path: Path | None,
    given: SheetData | None,
    backup: BackgroundBackup | None,
) -> ImportResult:
    sheet, header_row, headers, mapping = load_sheet(request, given)
    unmapped = _check_mapping(request, mapping)
    if unmapped:
        labels = ", ".join(_(s.label) for s in FIELDS[request.kind] if s.key in unmapped)
        raise ValidationError(_("No column is mapped to {fields}.").format(fields=labels))
    target = _target(request)
    lines = [line for line, _cells in data_rows(sheet.rows, header_row)]
    total = len(lines)
    tick = _ticker(progress, total)
    raw_header = sheet.rows[header_row] if header_row < len(sheet.rows) else []
    with db.read() as session:
        ctx = _context(session, actor, request, target, db, dry_run, mapping)
        run = target.begin(ctx, session)
    planner = _Planner(ctx, run, mapping)
    plans, kept = _plan_rows(planner, run, sheet.rows, lines, tick, own=sheet is not given)
    run.finish(plans)
    planned = getattr(run, "planned", None)
    if planned is not None:
        planned()
    result = _result(plans, kept, dry_run)
    del kept
    writes = [p for p in plans if p.action in (RowAction.CREATE, RowAction.UPDATE)]
    del plans  # the writes let go of each chunk's plans once it is written
    tick(0)
    if not dry_run and writes:
        name = sheet.sheet
        _write(db, actor, request, ctx, run, planner, writes, tick, result, name, total, backup)
    if progress is not None:
        progress(total, total)  # done: too late to cancel, the answer does not matter
    if errors_path is not None and result.errors:
        original = [_header_text(v) for v in raw_header] or headers
        result.error_file = write_error_workbook(errors_path, original, result.errors)
    return result


def _plan_rows(
    planner: _Planner,
    run: TargetRun,
    rows: list[list[Any]],
    lines: list[int],
    tick: Callable[[int], None],
    own: bool,
) -> tuple[list[RowPlan], dict[int, list[Any]]]:
    """Every data row converted and planned, in sheet order, and the cells the report needs
    ({index in plans: cells}): those of errors and skips. A target with a cross-row `finish`
    may still refuse any row, so then every row's cells are kept. The cells of other rows of a
    sheet read here (`own`) are let go as soon as the row is planned (a 100k-row sheet's
    cells take ~100 MiB that the writes can use)."""
    alone = getattr(type(run), "finish", None) is BaseRun.finish
    fine = (RowAction.CREATE, RowAction.UPDATE, RowAction.UNCHANGED)
    plans: list[RowPlan] = []
    kept: dict[int, list[Any]] = {}
    for index, line in enumerate(lines):
        cells = rows[line - 1]  # data_rows' lines are 1-based indexes into the rows
        plan = planner.convert(line, cells)
        plans.append(plan)
        if not alone or plan.action not in fine:
            kept[index] = cells
        elif own:
            rows[line - 1] = None  # type: ignore[call-overload]
        if (index + 1) % PLAN_PROGRESS_EVERY == 0:
            tick(0)
    return plans, kept


def _header_text(value: Any) -> str:
    return "" if value is None else str(value)


def _ticker(progress: Progress | None, total: int) -> Callable[[int], None]:
    def tick(done: int) -> None:
        if progress is not None and not progress(done, total):
            raise ImportCancelled(_("The import was cancelled; nothing of it was kept."))

    return tick


def _result(plans: list[RowPlan], kept: dict[int, list[Any]], dry_run: bool) -> ImportResult:
    result = ImportResult(batch_id=None, dry_run=dry_run)
    _count(result, plans)
    error, skip = RowAction.ERROR, RowAction.SKIP
    for index, plan in enumerate(plans):
        if plan.action is error:
            result.errors.append(ErrorRow(plan.line, list(kept[index]), plan.message))
        elif plan.action is skip:
            result.skipped_rows.append(ErrorRow(plan.line, list(kept[index]), plan.message))
    return result


def _count(result: ImportResult, plans: list[RowPlan]) -> None:
    counts = dict.fromkeys(RowAction, 0)
    for plan in plans:
        counts[plan.action] += 1
    result.created = counts[RowAction.CREATE]
    result.updated = counts[RowAction.UPDATE]
    result.unchanged = counts[RowAction.UNCHANGED]
    result.skipped = counts[RowAction.SKIP]


def _write(
    db: Database,
    actor: Actor,
    request: ImportRequest,
    ctx: Context,
    run: TargetRun,
    planner: _Planner,
    writes: list[RowPlan],
    tick: Callable[[int], None],
    result: ImportResult,
    sheet_name: str,
    total_rows: int,
    backup: BackgroundBackup | None,
) -> None:
    """Backup, batch, chunks, finish; on Cancel or any error the batch is rolled back.

    The rows are prepared from the start, while the backup is waited for, unless base data
    entries are to be created first (their ids go into the rows)."""
    total = len(writes)
    pending = deque(run.chunks(writes))
    writes.clear()  # each chunk's plans go once it is written (the chunks hold them now)
    with _Prepared(run, pending) as prepared:
        if not (ctx.request.create_missing and planner.missing):
            prepared.start()
        if backup is not None:
            result.backup_path = backup.result().path  # its failure stops the import here
        key = presence.join(db, actor)
        batch_id: int | None = None
        try:
            batch_id = _start_batch(db, actor, request, ctx, result, sheet_name, key)
            result.batch_id = batch_id
            _create_missing(db, actor, ctx, planner, pending, batch_id)
            prepared.start()
            _write_chunks(db, actor, ctx, run, prepared, tick, batch_id, key, total_rows, total)
            _finish_batch(db, actor, request, batch_id, result)
        except BaseException as exc:
            prepared.stop()
            if batch_id is not None:
                cancelled = isinstance(exc, ImportCancelled | KeyboardInterrupt)
                rollback_batch(db, batch_id, "cancelled" if cancelled else "failed")
                result.batch_id = None
            raise
        finally:
            presence.leave(db, key)


def _start_batch(
    db: Database,
    actor: Actor,
    request: ImportRequest,
    ctx: Context,
    result: ImportResult,
    sheet_name: str,
    session_key: str,
) -> int:
    with db.write(actor) as uow:
        batch = ImportBatch(
            kind=request.kind.value,
            filename=request.path.name[:260],
            operator_id=ctx.operator_id,
            started_at=ctx.now,
            status="running",
            sheet=sheet_name[:120] or None,
            mode=request.mode.value,
            match_key=request.key.value,
            backup_path=str(result.backup_path)[:500] if result.backup_path else None,
            pc_name=db.pc_name,
            session_key=session_key,
        )
        uow.session.add(batch)
        uow.session.flush()
        return batch.id


def _writer(db: Database, actor: Actor, ctx: Context, uow: Any, batch_id: int) -> Writer:
    conn = uow.session.connection()
    if ctx.stored.sqlite:
        conn.exec_driver_sql(f"PRAGMA cache_size=-{CACHE_PAGES_KIB}")
    return Writer(
        conn, batch_id=batch_id, actor=actor, now=ctx.now, stored=ctx.stored, pc_name=db.pc_name
    )


def _create_missing(
    db: Database,
    actor: Actor,
    ctx: Context,
    planner: _Planner,
    pending: deque[list[RowPlan]],
    batch_id: int,
) -> None:
    """Create the base data entries the sheet names but the lists lack (create_missing), once,
    and put their ids where the plans (in their chunks) hold placeholders."""
    if not ctx.request.create_missing or not planner.missing:
        return
    real: dict[int, int] = {}
    with db.write(actor) as uow:
        writer = _writer(db, actor, ctx, uow, batch_id)
        for kind, names in planner.missing.items():
            top = uow.session.scalar(
                select(BaseDataItem.sort_order)
                .where(BaseDataItem.kind == kind)
                .order_by(BaseDataItem.sort_order.desc())
                .limit(1)
            )
            codes = set(
                uow.session.scalars(select(BaseDataItem.code).where(BaseDataItem.kind == kind))
            )
            rows = []
            for offset, text in enumerate(names.values(), 1):
                rows.append(
                    {
                        "kind": kind,
                        "code": _free_code(text, codes),
                        "name": text[:120],
                        "active": True,
                        "sort_order": (top or 0) + offset,
                    }
                )
            ids = writer.insert("base_data_items", "base_data", rows)
            for text, new_id in zip(names.values(), ids, strict=True):
                real[ctx.base.add_placeholder(kind, text)] = new_id
                ctx.base.add_created(kind, text, new_id)
        writer.audit(
            "base_data.import",
            "base_data",
            None,
            {kind: (None, ", ".join(names.values())) for kind, names in planner.missing.items()},
        )
        writer.flush()
        uow.touched("base_data")
    base_keys = [c.spec.key for c in planner.columns if c.spec.kind.startswith("base:")]
    for plan in (plan for chunk in pending for plan in chunk):
        for key in base_keys:
            value = plan.values.get(key)
            if value is not None and value < 0:
                plan.values[key] = real[value]
        for key, (old, new) in list(plan.changes.items()):
            if key in base_keys and isinstance(new, int) and new < 0:
                plan.changes[key] = (old, real[new])


def _free_code(text: str, taken: set[str]) -> str:
    """A code for a new entry: its name (cut to 40), made unique in its list."""
    base = text.strip()[:36] or "?"
    code, n = base, 2
    while code in taken:
        code, n = f"{base}-{n}", n + 1
    taken.add(code)
    return code


def _write_chunks(
    db: Database,
    actor: Actor,
    ctx: Context,
    run: TargetRun,
    prepared: _Prepared,
    tick: Callable[[int], None],
    batch_id: int,
    session_key: str,
    total_rows: int,
    total: int,
) -> None:
    """Each chunk in its own write transaction; `total` plans to write in all."""
    written = 0
    beat = time.monotonic()
    for chunk in prepared:
        with db.write(actor) as uow:
            writer = _writer(db, actor, ctx, uow, batch_id)
            run.write(writer, chunk)
            writer.flush()
            uow.touched(*_touched(ctx))
            prepared.resume()  # the commit releases the GIL: the next chunk is prepared
        written += len(chunk)
        if time.monotonic() - beat > presence.HEARTBEAT_EVERY.total_seconds():
            presence.heartbeat(db, session_key)
            beat = time.monotonic()
        if written < total:
            # progress in sheet rows: the share of the writes done
            tick(min(total_rows - 1, total_rows * written // total))


class _Stopped(Exception):
    """The writes ended (Cancel, an error): the preparing thread stops."""


class _Prepared:
    """The write chunks in order, each prepared (``run.prepare``: rows and pinyin keys, pure
    Python) one or two ahead on a single worker thread.

    The worker runs while the main thread waits for it or commits (the commit, like the backup,
    is SQLite's C code without the GIL), and pauses at the target's checkpoints while the main
    thread executes the inserts: those hand the GIL back and forth for every row, and a busy
    Python thread beside them makes each hand-back wait a switch interval (5 ms). The results
    are the same as preparing each chunk just before its write: one worker, in order; its
    exception is raised in the main thread; `stop` or leaving the ``with`` stops it.
    """

    AHEAD = 1  # chunks prepared and waiting (bounded: each holds its built rows, ~17 MiB)

    def __init__(self, run: TargetRun, pending: deque[list[RowPlan]]) -> None:
        self._prepare = getattr(run, "prepare", None)
        self._pending = pending
        self._queue: queue.Queue[tuple[list[RowPlan] | None, BaseException | None]] = queue.Queue(
            self.AHEAD
        )
        self._stop = threading.Event()
        self._go = threading.Event()
        self._go.set()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> _Prepared:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Start preparing (once; nothing to do for a run without `prepare`)."""
        if self._prepare is not None and self._thread is None and not self._stop.is_set():
            self._thread = threading.Thread(target=self._work, name="import-prepare", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop the worker and wait for it (it stops at its next checkpoint)."""
        self._stop.set()
        if self._thread is None:
            return
        self._go.set()
        while self._thread.is_alive():
            with suppress(queue.Empty):  # make room for a put the worker may be waiting on
                self._queue.get(timeout=0.05)
        self._thread.join()

    def __iter__(self) -> Iterator[list[RowPlan]]:
        if self._thread is None:  # nothing to prepare: no thread
            while self._pending:
                yield self._pending.popleft()
            return
        while True:
            self._go.set()  # the worker may run while this thread waits
            chunk, error = self._queue.get()
            if error is not None:
                raise error
            if chunk is None:
                return
            self._go.clear()  # the inserts come next: the worker pauses at its checkpoints
            yield chunk

    def resume(self) -> None:
        """The main thread is about to commit: the worker may run meanwhile."""
        self._go.set()

    def _checkpoint(self) -> None:
        self._go.wait()
        if self._stop.is_set():
            raise _Stopped

    def _work(self) -> None:
        assert self._prepare is not None
        try:
            while self._pending:
                chunk = self._pending.popleft()
                self._checkpoint()
                self._prepare(chunk, self._checkpoint)
                self._put((chunk, None))
            self._put((None, None))
        except _Stopped:
            return
        except BaseException as exc:  # raised again in the main thread
            try:
                self._put((None, exc))
            except _Stopped:
                return

    def _put(self, item: tuple[list[RowPlan] | None, BaseException | None]) -> None:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return
            except queue.Full:
                continue
        raise _Stopped


def _touched(ctx: Context) -> tuple[str, ...]:
    return _TOUCHED.get(ctx.request.kind.value, ())


_TOUCHED = {
    "customers": ("customers", "contacts"),
    "contacts": ("contacts",),
    "products": ("products",),
    "orders": ("orders", "customers"),
    "leads": ("leads",),
}


def _finish_batch(
    db: Database,
    actor: Actor,
    request: ImportRequest,
    batch_id: int,
    result: ImportResult,
) -> None:
    created, updated = result.created, result.updated
    with db.write(actor) as uow:
        uow.session.execute(
            update(ImportBatch)
            .where(ImportBatch.id == batch_id)
            .values(
                status="finished",
                finished_at=uow.clock.now(),
                created_count=created,
                updated_count=updated,
                unchanged_count=result.unchanged,
                skipped_count=result.skipped,
                error_count=len(result.errors),
            )
        )
        counts = {
            "created": (None, created),
            "updated": (None, updated),
            "unchanged": (None, result.unchanged),
            "skipped": (None, result.skipped),
            "errors": (None, len(result.errors)),
        }
        summary = _("{kind} from {file}").format(kind=request.kind.value, file=request.path)
        uow.audit("import.run", "import_batch", batch_id, counts, summary=summary)
        uow.touched(*_TOUCHED.get(request.kind.value, ()), "base_data")
