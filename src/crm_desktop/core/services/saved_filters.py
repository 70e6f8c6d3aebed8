"""Named filters an operator saves on a list tab; each operator sees and changes only their own.

The definition is whatever the list's filter serializes to (e.g. CustomerFilter.to_json()),
stored as JSON text so a new filter field needs no schema change.
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple

from sqlalchemy import func, select

from crm_desktop.core.actor import Actor
from crm_desktop.core.db.database import Database
from crm_desktop.core.errors import NotFound, PermissionDenied, ValidationError
from crm_desktop.core.i18n import _
from crm_desktop.core.models import SavedFilter
from crm_desktop.core.services import records
from crm_desktop.core.services.access import current_operator

ENTITY = "saved_filter"


class SavedFilterRow(NamedTuple):
    id: int
    name: str
    definition: dict[str, Any]


def list_saved_filters(db: Database, actor: Actor, list_name: str) -> list[SavedFilterRow]:
    """The actor's own saved filters for one list, in the order they were saved."""
    with db.read() as session:
        operator = current_operator(session, actor)
        query = (
            select(SavedFilter.id, SavedFilter.name, SavedFilter.definition)
            .where(SavedFilter.operator_id == operator.id, SavedFilter.list_name == list_name)
            .order_by(SavedFilter.sort_order, SavedFilter.name, SavedFilter.id)
        )
        return [
            SavedFilterRow(row_id, name, _decode(definition))
            for row_id, name, definition in session.execute(query)
        ]


def save_filter(
    db: Database, actor: Actor, list_name: str, name: str, definition: dict[str, Any]
) -> int:
    """Save under `name`; saving again under the same name replaces the definition."""
    clean = {"name": name}
    records.required_text(clean, "name")
    text = _encode(definition)
    with db.write(actor) as uow:
        operator = current_operator(uow.session, actor)
        mine = (SavedFilter.operator_id == operator.id) & (SavedFilter.list_name == list_name)
        existing = uow.session.scalar(
            select(SavedFilter).where(mine, SavedFilter.name == clean["name"])
        )
        if existing is not None:
            records.apply_changes(
                uow,
                existing,
                {"definition": text},
                expected_version=existing.version,
                entity=ENTITY,
            )
            saved = existing
        else:
            last = uow.session.scalar(select(func.max(SavedFilter.sort_order)).where(mine))
            values = {
                "operator_id": operator.id,
                "list_name": list_name,
                "name": clean["name"],
                "definition": text,
                "sort_order": (last or 0) + 1,
            }
            saved = records.create(uow, SavedFilter, values, entity=ENTITY)
        uow.touched("saved_filters")
        return saved.id


def delete_filter(db: Database, actor: Actor, filter_id: int) -> None:
    """Delete one of the actor's own saved filters."""
    with db.write(actor) as uow:
        operator = current_operator(uow.session, actor)
        saved = uow.session.get(SavedFilter, filter_id)
        if saved is None:
            raise NotFound(_("Saved filter #{id} does not exist.").format(id=filter_id))
        if saved.operator_id != operator.id:
            raise PermissionDenied(_("This saved filter belongs to another operator."))
        uow.audit(f"{ENTITY}.delete", ENTITY, saved.id, {"name": (saved.name, None)})
        uow.session.delete(saved)
        uow.touched("saved_filters")


def _encode(definition: dict[str, Any]) -> str:
    try:
        return json.dumps(definition, ensure_ascii=False, sort_keys=True)
    except (TypeError, ValueError) as exc:
        raise ValidationError(_("This filter cannot be saved: {error}").format(error=exc)) from exc


def _decode(text: str) -> dict[str, Any]:
    """A stored definition; one that no longer parses comes back empty rather than failing."""
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
