"""A customer's field history, read from the audit log, and restoring an old value.

Every customer write audits its changed fields as {"field": [old, new]} (see records.py), so the
history needs no table of its own. Restoring goes through customers.update_customer, so the
restore is checked, versioned and audited like any other edit and shows up in the history too.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_desktop.core.actor import Actor
from crm_desktop.core.db.database import Database, decode_changes
from crm_desktop.core.errors import NotFound, ValidationError
from crm_desktop.core.i18n import N_, _, translated
from crm_desktop.core.models import AuditEntry, BaseDataItem, Operator
from crm_desktop.core.services import customers
from crm_desktop.core.services.access import require
from crm_desktop.core.services.customers import load_visible

ENTITY = "customer"
FIELD_LABELS: dict[str, str] = {
    "name": N_("Name"),
    "phone": N_("Phone"),
    "owner_id": N_("Owner"),
    "address": N_("Address"),
    "type_id": N_("Type"),
    "level_id": N_("Level"),
    "region_id": N_("Region"),
    "source_id": N_("Source"),
    "industry_id": N_("Industry"),
    "email": N_("Email"),
}
HISTORY_FIELDS = tuple(FIELD_LABELS)
_OPERATOR_FIELDS = frozenset({"owner_id"})
_BASE_DATA_FIELDS = frozenset({"type_id", "level_id", "region_id", "source_id", "industry_id"})


class FieldChange(NamedTuple):
    audit_id: int
    at: datetime
    operator_name: str
    field: str
    field_label: str
    old: Any
    new: Any
    old_text: str
    new_text: str


def field_history(db: Database, actor: Actor, customer_id: int) -> list[FieldChange]:
    """Every change of the history fields (creation included as "" -> value), newest first."""
    with db.read() as session:
        operator = require(session, actor, "customers.view")
        load_visible(session, operator, customer_id)
        entries = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.entity == ENTITY, AuditEntry.entity_id == customer_id)
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        ).all()
        raw = [(entry, _history_changes(entry)) for entry in entries]
        names = _Names(
            session,
            [pair for _entry, changes in raw for pair in changes.items()],
            {entry.operator_id for entry, _changes in raw if entry.operator_id is not None},
        )
        return [
            FieldChange(
                entry.id,
                entry.at,
                names.operator(entry.operator_id) or entry.operator_code or "",
                field,
                _(FIELD_LABELS[field]),
                old,
                new,
                names.text(field, old),
                names.text(field, new),
            )
            for entry, changes in raw
            for field, (old, new) in changes.items()
        ]


def restore_value(db: Database, actor: Actor, customer_id: int, audit_id: int, field: str) -> None:
    """Set `field` back to the value it had before the audited change `audit_id`."""
    if field not in FIELD_LABELS:
        raise ValidationError(_("“{field}” has no history to restore.").format(field=field))
    with db.read() as session:
        require(session, actor, "customers.edit")
        if field in _OPERATOR_FIELDS:
            require(session, actor, "customers.transfer")
        entry = session.get(AuditEntry, audit_id)
        changes = decode_changes(entry.changes) if entry is not None else {}
        if (
            entry is None
            or entry.entity != ENTITY
            or entry.entity_id != customer_id
            or field not in changes
        ):
            raise NotFound(_("This change is not in the customer's history."))
    old_value = changes[field][0]
    version = customers.get_customer(db, actor, customer_id)["version"]
    customers.update_customer(
        db, actor, customer_id, version, {field: old_value}, allow_duplicate=True
    )


def _history_changes(entry: AuditEntry) -> dict[str, tuple[Any, Any]]:
    changes = decode_changes(entry.changes)
    return {field: changes[field] for field in HISTORY_FIELDS if field in changes}


class _Names:
    """Operator and base-data names for the ids that appear in a history, in two queries."""

    def __init__(
        self, session: Session, pairs: Iterable[tuple[str, tuple[Any, Any]]], authors: set[int]
    ) -> None:
        operator_ids = set(authors)
        item_ids: set[int] = set()
        for field, values in pairs:
            ids = {v for v in values if isinstance(v, int)}
            if field in _OPERATOR_FIELDS:
                operator_ids |= ids
            elif field in _BASE_DATA_FIELDS:
                item_ids |= ids
        self._operators = self._lookup(session, Operator, operator_ids)
        self._items = {
            item_id: translated(name)
            for item_id, name in self._lookup(session, BaseDataItem, item_ids).items()
        }

    @staticmethod
    def _lookup(session: Session, model: Any, ids: set[int]) -> dict[int, str]:
        if not ids:
            return {}
        return dict(session.execute(select(model.id, model.name).where(model.id.in_(ids))).all())

    def operator(self, operator_id: int | None) -> str:
        return self._operators.get(operator_id, "") if operator_id is not None else ""

    def text(self, field: str, value: Any) -> str:
        """What a person reads for a stored value: names for ids, "" for nothing."""
        if value is None:
            return ""
        if field in _OPERATOR_FIELDS:
            return self._operators.get(value) or f"#{value}"
        if field in _BASE_DATA_FIELDS:
            return self._items.get(value) or f"#{value}"
        return str(value)
