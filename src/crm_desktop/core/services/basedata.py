"""Base data lists: add, rename, reorder, deactivate; delete only entries nothing uses."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select

from crm_desktop.core.actor import Actor
from crm_desktop.core.db.database import Database
from crm_desktop.core.errors import ValidationError
from crm_desktop.core.i18n import _
from crm_desktop.core.models import Base, BaseDataItem, BaseDataKind
from crm_desktop.core.services import records
from crm_desktop.core.services.access import current_operator, require

FIELDS = ("kind", "code", "name", "active", "sort_order", "parent_id", "remarks")


def list_items(
    db: Database, actor: Actor, kind: BaseDataKind | str, *, include_inactive: bool = True
) -> list[dict[str, Any]]:
    with db.read() as session:
        current_operator(session, actor)
        query = select(BaseDataItem).where(BaseDataItem.kind == str(kind))
        if not include_inactive:
            query = query.where(BaseDataItem.active)
        query = query.order_by(BaseDataItem.sort_order, BaseDataItem.code)
        return [records.as_dict(item, FIELDS) for item in session.scalars(query)]


def choices(db: Database, actor: Actor, kind: BaseDataKind | str) -> list[tuple[int, str]]:
    return [(row["id"], row["name"]) for row in list_items(db, actor, kind, include_inactive=False)]


def save_item(
    db: Database, actor: Actor, item_id: int | None, version: int | None, values: dict[str, Any]
) -> int:
    clean = {k: v for k, v in values.items() if k in FIELDS}
    records.required_text(clean, "code", "name")
    if item_id is None and clean.get("kind") not in set(BaseDataKind):
        raise ValidationError(_("Unknown base data list."))
    with db.write(actor) as uow:
        require(uow.session, actor, "settings.basedata")
        kind = (
            clean.get("kind")
            or records.load(uow.session, BaseDataItem, item_id or 0, _("Entry")).kind
        )
        if "code" in clean:
            records.ensure_unique(
                uow.session,
                BaseDataItem,
                (BaseDataItem.kind == kind) & (BaseDataItem.code == clean["code"]),
                item_id,
                _("The code “{code}” is used in this list already.").format(code=clean["code"]),
            )
        item = records.save(
            uow, BaseDataItem, item_id, version, clean, entity="base_data", what=_("Entry")
        )
        uow.touched("base_data")
        return item.id


def set_active(db: Database, actor: Actor, item_id: int, active: bool) -> None:
    with db.write(actor) as uow:
        require(uow.session, actor, "settings.basedata")
        item = records.load(uow.session, BaseDataItem, item_id, _("Entry"))
        records.apply_changes(
            uow, item, {"active": active}, expected_version=item.version, entity="base_data"
        )
        uow.touched("base_data")


def usage_count(session: Any, item_id: int) -> int:
    """How many records point at this entry, across every table that references the lists."""
    total = 0
    for table in Base.metadata.sorted_tables:
        columns = [
            fk.parent
            for fk in table.foreign_keys
            if fk.column.table.name == "base_data_items" and fk.parent.table is table
        ]
        if columns:
            total += session.scalar(
                select(func.count()).select_from(table).where(or_(*(c == item_id for c in columns)))
            )
    return total


def delete_item(db: Database, actor: Actor, item_id: int) -> None:
    """Delete an entry nobody uses; a used one must be deactivated instead."""
    with db.write(actor) as uow:
        require(uow.session, actor, "settings.basedata")
        item = records.load(uow.session, BaseDataItem, item_id, _("Entry"))
        used = usage_count(uow.session, item_id)
        if used:
            raise ValidationError(
                _("“{name}” is used by {n} record(s); deactivate it instead of deleting.").format(
                    name=item.name, n=used
                )
            )
        uow.audit("base_data.delete", "base_data", item.id, {"name": (item.name, None)})
        uow.session.delete(item)
        uow.touched("base_data")
