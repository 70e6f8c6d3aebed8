"""Statistics leaving the program: the export right, the audit trail, then the file.

Viewing an analysis needs `statistics.view`; taking it out of the program (an xlsx file, CSV or
JSON for another program) needs `statistics.export` and leaves an audit row naming the analysis
and its filters, like every other export.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from pathlib import Path

from crm_desktop.core.actor import Actor
from crm_desktop.core.db.database import Database
from crm_desktop.core.exporting.xlsx import check_target, write_tables
from crm_desktop.core.reports.tables import ReportParams, ReportTable, analysis, run
from crm_desktop.core.services.access import require

PERMISSION = "statistics.export"
ACTION = "statistics.export"
# ReportParams fields each declared analysis filter stands for.
_PARAMS_OF = {
    "date_range": ("date_from", "date_to"),
    "region": ("region_id",),
    "salesperson": ("salesperson_id",),
    "product": ("product_id",),
    "top_n": ("top_n",),
    "granularity": ("granularity",),
    "idle_days": ("idle_days",),
}


def filters_text(name: str, params: ReportParams) -> str:
    """The filters that apply to the analysis, as `key=value` pairs for the audit log."""
    declared = {f for kind in analysis(name).filters for f in _PARAMS_OF.get(kind, ())}
    pairs = [
        f"{field.name}={value}"
        for field in fields(params)
        if field.name in declared and (value := getattr(params, field.name)) is not None
    ]
    return ", ".join(pairs)


def check_export(db: Database, actor: Actor) -> None:
    """Refuse early (before computing anything) when the operator may not export statistics."""
    with db.read() as session:
        require(session, actor, PERMISSION)


def record_export(
    db: Database, actor: Actor, name: str, params: ReportParams, rows: int, target: str
) -> None:
    """Check the export right and audit that an analysis left the program (`target`: a file
    name, or the format written to standard output)."""
    filters = filters_text(name, params)
    with db.write(actor) as uow:
        require(uow.session, actor, PERMISSION)
        uow.audit(
            ACTION,
            "analysis",
            None,
            {
                "analysis": (None, name),
                "filters": (None, filters),
                "rows": (None, rows),
                "target": (None, target),
            },
            summary=f"{name} ({filters}) -> {target}" if filters else f"{name} -> {target}",
        )


def export_tables(
    db: Database,
    actor: Actor,
    name: str,
    params: ReportParams,
    tables: Sequence[ReportTable],
    path: Path | str,
) -> Path:
    """Write tables already computed for analysis `name` (the tab's table and, say, a drill-down
    of it) to an xlsx file. The audit row is written first: no file leaves without it."""
    target = Path(path)
    check_target(target)
    record_export(db, actor, name, params, sum(len(t.rows) for t in tables), target.name)
    return write_tables(target, tables)


def export_report(
    db: Database, actor: Actor, name: str, params: ReportParams, path: Path | str
) -> Path:
    """Compute the analysis for the operator (their data scope) and write it to an xlsx file."""
    check_target(Path(path))
    check_export(db, actor)
    table = run(db, actor, name, params)
    return export_tables(db, actor, name, params, [table], path)
