"""Files attached to records (customers, contracts, service, articles), in the database or beside
the SQLite file.

Small files (<= 1 MiB) live in the database, so a backup of the file holds them. Larger ones on
SQLite are written into "<database stem>.files/" next to the database, named by their SHA-256:
the database stays small and quick to back up, and the same file attached twice is stored once.
On PostgreSQL there is no "beside", so everything goes into the database. Nothing above
MAX_ATTACHMENT_BYTES is accepted, with a message that says why.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from crm_desktop.core.actor import Actor
from crm_desktop.core.db.database import Database
from crm_desktop.core.errors import NotFound, ValidationError
from crm_desktop.core.i18n import N_, _
from crm_desktop.core.models import Attachment, Contract, Operator, ServiceRecord
from crm_desktop.core.services import knowledge, records
from crm_desktop.core.services.access import require, require_record_in_scope
from crm_desktop.core.services.customers import load_visible

MiB = 1024 * 1024
MAX_ATTACHMENT_BYTES = 20 * MiB
INLINE_LIMIT_BYTES = 1 * MiB  # at most this size goes into the database on SQLite


class AttachmentRow(NamedTuple):
    id: int
    filename: str
    size: int
    created_at: datetime | None
    created_by_name: str | None
    description: str | None


def row_query() -> Select[Any]:
    """The columns of an AttachmentRow, with the name of whoever added the file."""
    return select(
        Attachment.id,
        Attachment.filename,
        Attachment.size,
        Attachment.created_at,
        Operator.name,
        Attachment.description,
    ).outerjoin(Operator, Operator.id == Attachment.created_by_id)


@dataclass(frozen=True)
class _OwnerKind:
    """What an attachment's owner needs: permissions to read/change, and a visibility check."""

    view: str
    edit: str
    check: Callable[[Session, Operator, int], object]  # raises NotFound / PermissionDenied


def _sales_record(model: Any, person: str, what: str) -> Callable[[Session, Operator, int], object]:
    """The visibility check of a sales or service record: `access.record_scope`'s rule."""

    def check(session: Session, operator: Operator, record_id: int) -> object:
        record = records.load(session, model, record_id, _(what))
        require_record_in_scope(session, operator, getattr(record, person), record.customer_id)
        return record

    return check


# Adding attachments to another kind of record is one entry here.
OWNER_KINDS: dict[str, _OwnerKind] = {
    "customer": _OwnerKind("customers.view", "customers.edit", load_visible),
    "contract": _OwnerKind(
        "contracts.view",
        "contracts.edit",
        _sales_record(Contract, "salesperson_id", N_("Contract")),
    ),
    "service": _OwnerKind(
        "service.view",
        "service.edit",
        _sales_record(ServiceRecord, "handler_id", N_("Service record")),
    ),
    "kb_article": _OwnerKind("kb.view", "kb.edit", knowledge.check_article),
}


def add_attachment(
    db: Database,
    actor: Actor,
    owner_kind: str,
    owner_id: int,
    path: Path,
    description: str | None = None,
) -> int:
    """Attach the file at `path`; refuses files above the limit before reading them."""
    kind = _kind(owner_kind)
    size = _checked_size(path)
    with db.read() as session:  # refuse early, before writing anything beside the database
        _check_owner(session, actor, kind, kind.edit, owner_id)
    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    outside = _outside_path(db, sha) if size > INLINE_LIMIT_BYTES else None
    created = outside is not None and _write_outside(outside, data)
    try:
        return _insert(
            db, actor, kind, owner_kind, owner_id, path.name, data, sha, outside, description
        )
    except BaseException:
        if created:
            _delete_if_unused(db, actor, sha)
        raise


def list_attachments(
    db: Database, actor: Actor, owner_kind: str, owner_id: int
) -> list[AttachmentRow]:
    """The record's attachments, newest first."""
    kind = _kind(owner_kind)
    with db.read() as session:
        _check_owner(session, actor, kind, kind.view, owner_id)
        query = (
            row_query()
            .where(Attachment.owner_kind == owner_kind, Attachment.owner_id == owner_id)
            .order_by(Attachment.created_at.desc(), Attachment.id.desc())
        )
        return [AttachmentRow(*row) for row in session.execute(query)]


def attachment_bytes(db: Database, actor: Actor, attachment_id: int) -> tuple[str, bytes]:
    """The file name and content of an attachment."""
    attachment = _load_readable(db, actor, attachment_id)
    if attachment.data is not None:
        return attachment.filename, attachment.data
    return attachment.filename, _stored_file(db, attachment).read_bytes()


def export_attachment(db: Database, actor: Actor, attachment_id: int, folder: Path) -> Path:
    """Write a copy into `folder` under its original name (made unique) for the OS to open."""
    attachment = _load_readable(db, actor, attachment_id)
    folder.mkdir(parents=True, exist_ok=True)
    target = _free_name(folder, attachment.filename)
    if attachment.data is not None:
        target.write_bytes(attachment.data)
    else:
        shutil.copyfile(_stored_file(db, attachment), target)
    return target


def remove_attachment(db: Database, actor: Actor, attachment_id: int) -> None:
    """Delete the attachment; its outside file goes too unless another attachment shares it."""
    with db.write(actor) as uow:
        attachment = _load(uow.session, attachment_id)
        kind = _kind(attachment.owner_kind)
        _check_owner(uow.session, actor, kind, kind.edit, attachment.owner_id)
        sha, outside = attachment.sha256, attachment.stored_path is not None
        uow.audit(
            "attachment.remove",
            attachment.owner_kind,
            attachment.owner_id,
            {"attachment": (attachment.filename, None)},
            summary=attachment.filename,
        )
        signed = select(Contract).where(Contract.signed_attachment_id == attachment.id)
        for contract in uow.session.scalars(signed):  # the contract's signed file goes too
            contract.signed_attachment_id = None
            uow.touched("contracts")
        uow.session.flush()
        uow.session.delete(attachment)
        uow.touched("attachments")
    if outside:  # only after the commit: a rolled-back removal still has its file
        _delete_if_unused(db, actor, sha)


def _insert(
    db: Database,
    actor: Actor,
    kind: _OwnerKind,
    owner_kind: str,
    owner_id: int,
    filename: str,
    data: bytes,
    sha: str,
    outside: Path | None,
    description: str | None,
) -> int:
    with db.write(actor) as uow:
        _check_owner(uow.session, actor, kind, kind.edit, owner_id)
        if outside is not None:
            # Again under the write lock: another PC may have removed the last attachment with
            # this content (and its file) since the file was written.
            _write_outside(outside, data)
        values = {
            "owner_kind": owner_kind,
            "owner_id": owner_id,
            "filename": filename,
            "mime_type": mimetypes.guess_type(filename)[0],
            "size": len(data),
            "sha256": sha,
            "data": None if outside else data,
            "stored_path": _relative(db, outside) if outside else None,
            "description": (description or "").strip() or None,
        }
        attachment = Attachment(**values)
        uow.session.add(attachment)
        uow.session.flush()
        uow.audit(
            "attachment.add",
            owner_kind,
            owner_id,
            {"attachment": (None, filename)},
            summary=filename,
        )
        uow.touched("attachments")
        return attachment.id


def _kind(owner_kind: str) -> _OwnerKind:
    try:
        return OWNER_KINDS[owner_kind]
    except KeyError:
        raise ValidationError(
            _("Files cannot be attached to “{kind}”.").format(kind=owner_kind)
        ) from None


def _check_owner(
    session: Session, actor: Actor, kind: _OwnerKind, permission: str, owner_id: int
) -> None:
    operator = require(session, actor, permission)
    kind.check(session, operator, owner_id)


def _load(session: Session, attachment_id: int) -> Attachment:
    return records.load(session, Attachment, attachment_id, _("Attachment"))


class _Content(NamedTuple):
    filename: str
    data: bytes | None
    stored_path: str | None


def _load_readable(db: Database, actor: Actor, attachment_id: int) -> _Content:
    """What reading an attachment needs, copied out before the read session ends."""
    with db.read() as session:
        attachment = _load(session, attachment_id)
        kind = _kind(attachment.owner_kind)
        _check_owner(session, actor, kind, kind.view, attachment.owner_id)
        return _Content(attachment.filename, attachment.data, attachment.stored_path)


def _checked_size(path: Path) -> int:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ValidationError(
            _("Cannot read {path}: {error}").format(path=path, error=exc.strerror or exc)
        ) from exc
    if not path.is_file():
        raise ValidationError(_("{path} is not a file.").format(path=path))
    if size > MAX_ATTACHMENT_BYTES:
        raise ValidationError(
            _("“{name}” is {size}; attachments may be at most {limit}.").format(
                name=path.name, size=_megabytes(size), limit=_megabytes(MAX_ATTACHMENT_BYTES)
            )
        )
    return size


def _megabytes(size: int) -> str:
    value = size / MiB
    text = f"{value:.0f}" if value == int(value) else f"{value:.1f}"
    return _("{size} MB").format(size=text)


def _files_folder(db: Database) -> Path | None:
    """ "<stem>.files/" beside a SQLite file; None where there is no file (PostgreSQL)."""
    if db.path is None:
        return None
    return db.path.parent / f"{db.path.stem}.files"


def _outside_path(db: Database, sha: str) -> Path | None:
    folder = _files_folder(db)
    return None if folder is None else folder / sha


def _relative(db: Database, path: Path) -> str:
    """Stored relative to the database's folder, so moving both together keeps them linked."""
    assert db.path is not None
    return path.relative_to(db.path.parent).as_posix()


def _stored_file(db: Database, attachment: _Content) -> Path:
    folder = db.path.parent if db.path is not None else Path()
    path = folder / (attachment.stored_path or "")
    if not path.is_file():
        raise NotFound(
            _("The file of attachment “{name}” is missing: {path}").format(
                name=attachment.filename, path=path
            )
        )
    return path


def _write_outside(target: Path, data: bytes) -> bool:
    """Write via a temporary name and rename, so a crash never leaves half a file.

    Returns whether the file was created now (False: the same content was stored already).
    """
    if target.is_file():
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(dir=target.parent, prefix=".", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as temp:
            temp.write(data)
            temp.flush()
            os.fsync(temp.fileno())
        os.replace(temp_name, target)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    return True


def _delete_if_unused(db: Database, actor: Actor, sha: str) -> None:
    """Remove the outside file when no attachment uses it any more.

    Checked and deleted under the write lock, so an insert of the same content on another PC
    (which makes sure of its file under that lock too) never loses its file.
    """
    path = _outside_path(db, sha)
    if path is None:
        return
    with db.write(actor) as uow:
        used = uow.session.scalar(
            select(Attachment.id)
            .where(Attachment.sha256 == sha, Attachment.stored_path.is_not(None))
            .limit(1)
        )
        if used is None:
            path.unlink(missing_ok=True)


def _free_name(folder: Path, filename: str) -> Path:
    """`folder/filename`, or `name (2).ext`, `name (3).ext`... if that is taken."""
    name = Path(filename).name or "attachment"
    target = folder / name
    stem, suffix = Path(name).stem, Path(name).suffix
    number = 2
    while target.exists():
        target = folder / f"{stem} ({number}){suffix}"
        number += 1
    return target
