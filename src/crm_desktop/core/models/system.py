"""Records about the system itself: attachments, numbering, audit, presence, import batches."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crm_desktop.core.models.base import Base, Editable
from crm_desktop.core.models.types import UTCDateTime


class Attachment(Editable, Base):
    """A file attached to any record; small files live in the database so backups hold them."""

    __tablename__ = "attachments"
    __table_args__ = (Index("ix_attachments_owner", "owner_kind", "owner_id"),)

    owner_kind: Mapped[str] = mapped_column(String(30))
    owner_id: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(260))
    mime_type: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes | None] = mapped_column(LargeBinary)
    stored_path: Mapped[str | None] = mapped_column(String(500))  # beside the database, if large
    description: Mapped[str | None] = mapped_column(String(300))


class NumberingRule(Editable, Base):
    """How document numbers are made: prefix + date part + zero-padded sequence.

    The sequence is allocated inside the write transaction (which holds SQLite's write lock or a
    PostgreSQL row lock), so two PCs never get the same number.
    """

    __tablename__ = "numbering_rules"

    kind: Mapped[str] = mapped_column(String(20), unique=True)  # order, quote, contract, receipt
    prefix: Mapped[str] = mapped_column(String(20), default="")
    date_format: Mapped[str] = mapped_column(String(20), default="%Y%m%d")
    sequence_digits: Mapped[int] = mapped_column(Integer, default=4)
    reset: Mapped[str] = mapped_column(String(10), default="daily")  # daily/monthly/yearly/never
    current_period: Mapped[str | None] = mapped_column(String(20))
    next_sequence: Mapped[int] = mapped_column(Integer, default=1)


class AuditEntry(Base):
    """Who did what, when, with the old and new value of every changed field (JSON)."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_entity", "entity", "entity_id"),
        Index("ix_audit_log_at", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    operator_id: Mapped[int | None] = mapped_column(Integer)
    operator_code: Mapped[str | None] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(60))
    entity: Mapped[str | None] = mapped_column(String(40))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    summary: Mapped[str | None] = mapped_column(String(300))
    changes: Mapped[str | None] = mapped_column(Text)  # {"field": [old, new], ...}
    pc_name: Mapped[str | None] = mapped_column(String(80))


class Presence(Base):
    """One row per running app: who is connected from which PC, kept alive by heartbeats."""

    __tablename__ = "presence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_key: Mapped[str] = mapped_column(String(40), unique=True)
    operator_id: Mapped[int | None] = mapped_column(Integer)
    operator_name: Mapped[str | None] = mapped_column(String(80))
    pc_name: Mapped[str] = mapped_column(String(80))
    app_version: Mapped[str] = mapped_column(String(20))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # The record this session has open in an edit form (a soft lock: others see "being edited
    # by X on PC Y"; nothing is refused because of it).
    editing_entity: Mapped[str | None] = mapped_column(String(30))
    editing_id: Mapped[int | None] = mapped_column(Integer)
    editing_since: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ChangeLogEntry(Base):
    """One row per committed write: which kinds of records it touched and which session wrote it.

    Other PCs poll the highest id (cheap: the primary key) and refresh only the kinds that
    changed, skipping their own writes. Rows older than a day are pruned when a session joins.
    """

    __tablename__ = "change_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    origin: Mapped[str] = mapped_column(String(40))
    kinds: Mapped[str] = mapped_column(String(500))


class ImportBatch(Base):
    """One import run; every row it creates or changes carries its id, so it can be undone.

    An import writes in short transactions (other PCs keep working between them) under one batch.
    `status` says what the batch is now: "running" while it writes (a running batch whose PC is
    gone was interrupted and is rolled back by `importing.batches.recover`), "finished",
    "cancelled" or "failed" (its rows were removed again), "undone".
    """

    __tablename__ = "import_batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    filename: Mapped[str] = mapped_column(String(260))
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(12), default="running")
    created_count: Mapped[int] = mapped_column(Integer, default=0)
    updated_count: Mapped[int] = mapped_column(Integer, default=0)
    skipped_count: Mapped[int] = mapped_column(Integer, default=0)
    undo_data: Mapped[str | None] = mapped_column(Text)  # unused since 0004: see ImportChange
    undone_on: Mapped[date | None] = mapped_column(Date)
    sheet: Mapped[str | None] = mapped_column(String(120))
    mode: Mapped[str | None] = mapped_column(String(10))  # create / update / upsert
    match_key: Mapped[str | None] = mapped_column(String(10))  # name / phone / code
    unchanged_count: Mapped[int] = mapped_column(Integer, default=0)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    backup_path: Mapped[str | None] = mapped_column(String(500))
    pc_name: Mapped[str | None] = mapped_column(String(80))
    session_key: Mapped[str | None] = mapped_column(String(40))  # the app's presence row


class ImportChange(Base):
    """A row an import created or updated, with the values it replaced, so undo is exact.

    `new_version` is the record's version right after the import: undo refuses a row someone
    has edited since, instead of silently throwing their edit away.
    """

    __tablename__ = "import_changes"
    __table_args__ = (Index("ix_import_changes_batch", "batch_id", "entity", "entity_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batches.id", ondelete="CASCADE"))
    entity: Mapped[str] = mapped_column(String(30))  # customer, contact, product, order, base_data
    entity_id: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(8))  # create / update
    old_values: Mapped[str | None] = mapped_column(Text)  # JSON {"field": old value} for updates
    new_version: Mapped[int | None] = mapped_column(Integer)
