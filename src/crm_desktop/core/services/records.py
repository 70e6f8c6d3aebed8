"""Generic create/update with audit and optimistic locking, shared by every service."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from crm_desktop.core.db.database import UnitOfWork
from crm_desktop.core.errors import ConflictError, NotFound, ValidationError
from crm_desktop.core.i18n import N_, _
from crm_desktop.core.models import Editable, Operator

FIELD_LABELS = {"code": N_("Code"), "name": N_("Name")}


def load(session: Session, model: type[Any], record_id: int, what: str) -> Any:
    obj = session.get(model, record_id)
    if obj is None:
        raise NotFound(_("{what} #{id} does not exist.").format(what=what, id=record_id))
    return obj


def snapshot(obj: Any, fields: Iterable[str]) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in fields}


def as_dict(obj: Any, fields: Iterable[str]) -> dict[str, Any]:
    """A detail view of a record: the given fields plus id and version."""
    values = snapshot(obj, fields)
    values["id"] = obj.id
    if isinstance(obj, Editable):
        values["version"] = obj.version
    return values


def check_version(obj: Editable, expected_version: int, entity: str, yours: Mapping[str, Any]):
    """Refuse a save based on an older version, naming who saved the newer one and when."""
    if obj.version != expected_version:
        raise ConflictError(
            _(
                "Someone else saved this record after you opened it. "
                "Compare the values and choose which to keep."
            ),
            entity=entity,
            entity_id=obj.id,
            expected_version=expected_version,
            current_version=obj.version,
            theirs=snapshot(obj, yours.keys()),
            yours=dict(yours),
            changed_by=_operator_name(obj),
            changed_at=obj.updated_at,
        )


def _operator_name(obj: Editable) -> str | None:
    """The name of whoever last saved `obj` (None when unknown: no session, no operator)."""
    session = object_session(obj)
    if session is None or obj.updated_by_id is None:
        return None
    with session.no_autoflush:  # only a lookup: the refused save must not flush anything
        return session.scalar(select(Operator.name).where(Operator.id == obj.updated_by_id))


def apply_changes(
    uow: UnitOfWork,
    obj: Editable,
    values: Mapping[str, Any],
    *,
    expected_version: int,
    entity: str,
    action: str | None = None,
    derive: Callable[[Any], None] | None = None,
) -> dict[str, tuple[Any, Any]]:
    """Set the changed fields, audit them (old -> new), bump the version; conflict if stale.

    `derive` recomputes derived columns (search keys) before the single flush.
    """
    check_version(obj, expected_version, entity, values)
    changed = {
        name: (getattr(obj, name), new) for name, new in values.items() if getattr(obj, name) != new
    }
    for name, (_old, new) in changed.items():
        setattr(obj, name, new)
    if changed and derive is not None:
        derive(obj)
    if changed:
        uow.session.flush()
        uow.audit(action or f"{entity}.update", entity, obj.id, _displayable(changed))
    return changed


def create(
    uow: UnitOfWork,
    model: type[Any],
    values: Mapping[str, Any],
    *,
    entity: str,
    derive: Callable[[Any], None] | None = None,
) -> Any:
    """Insert a record and audit its initial values; `derive` fills derived columns first."""
    obj = model(**values)
    if derive is not None:
        derive(obj)
    uow.session.add(obj)
    uow.session.flush()
    uow.audit(
        f"{entity}.create",
        entity,
        obj.id,
        _displayable({k: (None, v) for k, v in values.items() if v is not None}),
    )
    return obj


def save(
    uow: UnitOfWork,
    model: type[Any],
    record_id: int | None,
    version: int | None,
    values: Mapping[str, Any],
    *,
    entity: str,
    what: str,
) -> Any:
    """Create when `record_id` is None, else update with the optimistic version check."""
    if record_id is None:
        return create(uow, model, values, entity=entity)
    obj = load(uow.session, model, record_id, what)
    apply_changes(uow, obj, values, expected_version=version or 0, entity=entity)
    return obj


def required_text(values: dict[str, Any], *keys: str) -> None:
    """Strip the given text fields and refuse empty ones, naming the first that is missing."""
    for key in keys:
        if key in values:
            values[key] = (values[key] or "").strip()
            if not values[key]:
                label = _(FIELD_LABELS.get(key, key))
                raise ValidationError(_("“{field}” must not be empty.").format(field=label))


def ensure_unique(
    session: Session, model: Any, clash: Any, exclude_id: int | None, message: str
) -> None:
    """Refuse a value that another record of `model` matching `clash` already uses."""
    query = select(model.id).where(clash)
    if exclude_id is not None:
        query = query.where(model.id != exclude_id)
    if session.scalar(query.limit(1)) is not None:
        raise ValidationError(message)


def _displayable(changes: dict[str, tuple[Any, Any]]) -> dict[str, tuple[Any, Any]]:
    """Never write secrets into the audit log."""
    return {name: ("***", "***") if "password" in name else pair for name, pair in changes.items()}
