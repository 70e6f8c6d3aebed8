"""Attachments: a size limit with a clear message, small files in the database, big ones beside
the SQLite file (stored once, removed with their last attachment), exported byte for byte."""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

import pytest
from sqlalchemy import select

from crm_desktop.core.actor import Actor
from crm_desktop.core.db import Database
from crm_desktop.core.errors import PermissionDenied, ValidationError
from crm_desktop.core.models import Attachment
from crm_desktop.core.services import attachments, audit, customers
from crm_desktop.core.services.attachments import MAX_ATTACHMENT_BYTES
from tests.conftest import MakeOperator

MiB = 1024 * 1024


@pytest.fixture
def li(make_operator: MakeOperator) -> Actor:
    return make_operator("li", "salesperson", name="李四")


@pytest.fixture
def customer(db: Database, boss: Actor, li: Actor) -> int:
    return customers.create_customer(db, boss, {"name": "附件测试有限公司", "owner_id": li.id})


@pytest.fixture
def files(tmp_path: Path) -> Path:
    folder = tmp_path / "upload"
    folder.mkdir()
    return folder


def _file(folder: Path, name: str, size: int) -> Path:
    path = folder / name
    path.write_bytes(os.urandom(size))
    return path


def _files_folder(db: Database) -> Path:
    assert db.path is not None
    return db.path.parent / f"{db.path.stem}.files"


def _nothing_beside(db: Database) -> bool:
    """No files folder beside the database (a server database has no folder at all)."""
    return db.path is None or not _files_folder(db).exists()


BESIDE_THE_FILE = "big files live beside a SQLite file; on a server they stay in the database"


class _Stored(NamedTuple):
    size: int
    sha256: str
    data: bytes | None
    stored_path: str | None
    mime_type: str | None


def _stored(db: Database, attachment_id: int) -> _Stored:
    with db.read() as session:
        row = session.get(Attachment, attachment_id)
        return _Stored(row.size, row.sha256, row.data, row.stored_path, row.mime_type)


def test_file_over_the_limit_is_refused_with_its_name_size_and_the_limit(
    db: Database, li: Actor, customer: int, files: Path
) -> None:
    big = files / "扫描件.pdf"
    with big.open("wb") as handle:  # sparse: 25.3 MB without writing them
        handle.truncate(int(25.3 * MiB))

    with pytest.raises(ValidationError) as caught:
        attachments.add_attachment(db, li, "customer", customer, big)

    assert str(caught.value) == "“扫描件.pdf” is 25.3 MB; attachments may be at most 20 MB."
    assert attachments.list_attachments(db, li, "customer", customer) == []


def test_file_of_exactly_the_limit_is_accepted(
    db: Database, li: Actor, customer: int, files: Path
) -> None:
    path = _file(files, "limit.bin", MAX_ATTACHMENT_BYTES)
    attachment_id = attachments.add_attachment(db, li, "customer", customer, path)
    assert _stored(db, attachment_id).size == MAX_ATTACHMENT_BYTES


def test_small_file_is_stored_in_the_database(
    db: Database, li: Actor, customer: int, files: Path
) -> None:
    path = _file(files, "报价单.xlsx", 300 * 1024)

    attachment_id = attachments.add_attachment(db, li, "customer", customer, path, "三月报价")

    stored = _stored(db, attachment_id)
    assert stored.data == path.read_bytes()
    assert stored.stored_path is None
    assert stored.mime_type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert _nothing_beside(db)
    (row,) = attachments.list_attachments(db, li, "customer", customer)
    assert (row.filename, row.size, row.created_by_name, row.description) == (
        "报价单.xlsx",
        300 * 1024,
        "李四",
        "三月报价",
    )


@pytest.mark.sqlite_only(reason=BESIDE_THE_FILE)
def test_big_file_is_written_beside_the_database_named_by_its_hash(
    db: Database, li: Actor, customer: int, files: Path
) -> None:
    path = _file(files, "合同扫描.pdf", 2 * MiB)

    attachment_id = attachments.add_attachment(db, li, "customer", customer, path)

    stored = _stored(db, attachment_id)
    assert stored.data is None
    outside = _files_folder(db) / stored.sha256
    assert outside.read_bytes() == path.read_bytes()
    assert [p.name for p in _files_folder(db).iterdir()] == [stored.sha256]  # no temp left
    assert attachments.attachment_bytes(db, li, attachment_id) == (
        "合同扫描.pdf",
        path.read_bytes(),
    )


def test_export_writes_identical_bytes_under_the_original_name_without_overwriting(
    db: Database, li: Actor, customer: int, files: Path, tmp_path: Path
) -> None:
    small = attachments.add_attachment(db, li, "customer", customer, _file(files, "a.txt", 10))
    big_path = _file(files, "big.pdf", 2 * MiB)
    big = attachments.add_attachment(db, li, "customer", customer, big_path)
    out = tmp_path / "opened"

    first = attachments.export_attachment(db, li, big, out)
    second = attachments.export_attachment(db, li, big, out)
    text = attachments.export_attachment(db, li, small, out)

    assert first == out / "big.pdf"
    assert second == out / "big (2).pdf"
    assert first.read_bytes() == second.read_bytes() == big_path.read_bytes()
    assert text.read_bytes() == (files / "a.txt").read_bytes()


@pytest.mark.sqlite_only(reason=BESIDE_THE_FILE)
def test_removing_deletes_the_outside_file_only_with_its_last_attachment(
    db: Database, li: Actor, customer: int, files: Path
) -> None:
    path = _file(files, "图纸.dwg", 2 * MiB)
    first = attachments.add_attachment(db, li, "customer", customer, path)
    again = attachments.add_attachment(db, li, "customer", customer, path)
    outside = _files_folder(db) / _stored(db, first).sha256

    attachments.remove_attachment(db, li, first)
    assert outside.is_file()  # the second attachment still uses it

    attachments.remove_attachment(db, li, again)
    assert not outside.exists()
    assert attachments.list_attachments(db, li, "customer", customer) == []


def test_adding_and_removing_are_audited_on_the_customer(
    db: Database, boss: Actor, li: Actor, customer: int, files: Path
) -> None:
    attachment_id = attachments.add_attachment(
        db, li, "customer", customer, _file(files, "x.txt", 5)
    )
    attachments.remove_attachment(db, li, attachment_id)

    entries = audit.list_entries(db, boss, entity="customer", entity_id=customer, limit=2)
    assert [(e.action, e.summary, e.operator_code) for e in entries] == [
        ("attachment.remove", "x.txt", "li"),
        ("attachment.add", "x.txt", "li"),
    ]


def test_salesperson_cannot_see_or_touch_a_colleagues_customers_attachments(
    db: Database, li: Actor, customer: int, files: Path, make_operator: MakeOperator
) -> None:
    zhao = make_operator("zhao", "salesperson")
    attachment_id = attachments.add_attachment(db, li, "customer", customer, _file(files, "x", 5))

    with pytest.raises(PermissionDenied):
        attachments.list_attachments(db, zhao, "customer", customer)
    with pytest.raises(PermissionDenied):
        attachments.attachment_bytes(db, zhao, attachment_id)
    with pytest.raises(PermissionDenied):
        attachments.export_attachment(db, zhao, attachment_id, files / "out")
    with pytest.raises(PermissionDenied):
        attachments.add_attachment(db, zhao, "customer", customer, _file(files, "y", 5))
    with pytest.raises(PermissionDenied):
        attachments.remove_attachment(db, zhao, attachment_id)
    with db.read() as session:
        assert session.scalars(select(Attachment.filename)).all() == ["x"]


def test_big_file_refused_for_lack_of_permission_leaves_nothing_beside_the_database(
    db: Database, customer: int, files: Path, make_operator: MakeOperator
) -> None:
    zhao = make_operator("zhao", "salesperson")
    with pytest.raises(PermissionDenied):
        attachments.add_attachment(db, zhao, "customer", customer, _file(files, "b", 2 * MiB))
    assert _nothing_beside(db)


def test_unknown_owner_kind_is_refused(db: Database, li: Actor, files: Path) -> None:
    with pytest.raises(ValidationError, match="cannot be attached"):
        attachments.add_attachment(db, li, "spaceship", 1, _file(files, "x", 5))


@pytest.mark.sqlite_only(reason=BESIDE_THE_FILE)
def test_a_file_removed_by_another_pc_meanwhile_is_written_again_with_the_new_attachment(
    db: Database, li: Actor, customer: int, files: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PC B checks the file exists; PC A then removes the last attachment with that content
    (and the file); B's row must still get its file."""
    path = _file(files, "同一份合同.pdf", 2 * MiB)
    write = attachments._write_outside
    calls = []

    def write_then_lose_it(target: Path, data: bytes) -> bool:
        created = write(target, data)
        calls.append(target)
        if len(calls) == 1:
            target.unlink()  # another PC's removal, between the check and the insert
        return created

    monkeypatch.setattr(attachments, "_write_outside", write_then_lose_it)
    attachment_id = attachments.add_attachment(db, li, "customer", customer, path)

    assert attachments.attachment_bytes(db, li, attachment_id)[1] == path.read_bytes()
