"""What the import's speed work must not change: the verified backup still comes before any
write (taken on a thread while the sheet is planned), an import that writes nothing keeps no
backup, a sheet read already is not read again, and the derived keys stay exactly the
customer service's."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from sqlalchemy import select, text

from crm_desktop.core.actor import Actor
from crm_desktop.core.db import Database
from crm_desktop.core.db import backup as backup_module
from crm_desktop.core.db.backup import BackupStop, BackupStopped, backup_dir, copy_sqlite
from crm_desktop.core.errors import DatabaseError
from crm_desktop.core.importing import engine
from crm_desktop.core.importing.model import ImportCancelled, ImportKind, ImportRequest
from crm_desktop.core.importing.targets import base as target_base
from crm_desktop.core.models import ImportBatch
from crm_desktop.core.services import customers

HEADER = ["客户名称", "电话", "邮箱"]


def xlsx(path: Path, rows: list[list[Any]]) -> Path:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def request(path: Path) -> ImportRequest:
    return ImportRequest(kind=ImportKind.CUSTOMERS, path=path)


def customer_names(db: Database) -> list[str]:
    with db.engine.connect() as conn:
        return list(conn.scalars(text("SELECT name FROM customers ORDER BY id")))


def backups(db: Database) -> list[str]:
    """The backup files beside a SQLite database (a server keeps its own: none)."""
    if db.path is None:
        return []
    return sorted(p.name for p in backup_dir(db.path).glob("*"))


SQLITE_BACKUP = "the import's own backup copies the SQLite file (a server keeps its own backups)"


@pytest.mark.sqlite_only(reason=SQLITE_BACKUP)
def test_a_failed_backup_stops_the_import_before_anything_is_written(
    db: Database, boss: Actor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = xlsx(tmp_path / "c.xlsx", [HEADER, ["甲公司", "010-1", None]])

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise DatabaseError("disk full")

    monkeypatch.setattr(backup_module, "backup_database", broken)
    with pytest.raises(DatabaseError, match="disk full"):
        engine.run_import(db, boss, request(path))

    assert customer_names(db) == []
    with db.read() as session:
        assert session.scalars(select(ImportBatch)).all() == []
    assert import_threads() == []  # the rows prepared meanwhile were let go


def test_an_import_that_writes_nothing_keeps_no_backup(
    db: Database, boss: Actor, tmp_path: Path
) -> None:
    customers.create_customer(db, boss, {"name": "甲公司"})
    path = xlsx(tmp_path / "c.xlsx", [HEADER, ["甲公司", None, None], [None, "010-1", None]])

    result = engine.run_import(db, boss, request(path))

    assert (result.created, result.skipped, len(result.errors)) == (0, 1, 1)
    assert result.backup_path is None and backups(db) == []


def test_cancel_before_the_writes_leaves_neither_rows_nor_a_backup(
    db: Database, boss: Actor, tmp_path: Path
) -> None:
    path = xlsx(tmp_path / "c.xlsx", [HEADER, ["甲公司", None, None], ["乙公司", None, None]])

    with pytest.raises(ImportCancelled):
        engine.run_import(db, boss, request(path), progress=lambda _done, _total: False)

    assert customer_names(db) == [] and backups(db) == []


@pytest.mark.sqlite_only(reason=SQLITE_BACKUP)
def test_each_import_keeps_its_own_verified_backup(
    db: Database, boss: Actor, tmp_path: Path
) -> None:
    """Two imports in the same second (a fixed clock) do not share one backup file."""
    first = engine.run_import(
        db, boss, request(xlsx(tmp_path / "a.xlsx", [HEADER, ["甲", "010-1", None]]))
    )
    second = engine.run_import(
        db, boss, request(xlsx(tmp_path / "b.xlsx", [HEADER, ["乙", "010-2", None]]))
    )

    assert first.backup_path is not None and second.backup_path is not None
    assert first.backup_path != second.backup_path
    with sqlite3.connect(second.backup_path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert [r[0] for r in conn.execute("SELECT name FROM customers")] == ["甲"]
    assert not [name for name in backups(db) if name.endswith(".partial")]


@pytest.mark.sqlite_only(reason=SQLITE_BACKUP)
def test_a_stopped_backup_leaves_no_file(db: Database, tmp_path: Path) -> None:
    assert db.path is not None
    stop = BackupStop()
    stop.stop()

    with pytest.raises(BackupStopped):
        copy_sqlite(db.path, tmp_path / "copy.db", stop=stop)

    assert list(tmp_path.glob("copy.db*")) == []


def test_a_sheet_read_already_is_not_read_again(
    db: Database, boss: Actor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = xlsx(tmp_path / "c.xlsx", [HEADER, ["甲公司", "010-1", None]])
    sheet = engine.load_sheet(request(path))[0]
    cells = [list(row) for row in sheet.rows]

    def unread(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("read again")

    monkeypatch.setattr(engine, "read_sheet", unread)
    preview = engine.preview_import(db, boss, request(path), sheet=sheet)
    result = engine.run_import(db, boss, request(path), sheet=sheet)

    assert [p.values["name"] for p in preview.rows] == ["甲公司"]
    assert result.created == 1 and customer_names(db) == ["甲公司"]
    assert sheet.rows == cells  # the caller's sheet is left as it was


def test_a_sheet_of_another_file_is_not_taken_for_the_requested_one(
    db: Database, boss: Actor, tmp_path: Path
) -> None:
    other = engine.load_sheet(
        request(xlsx(tmp_path / "a.xlsx", [HEADER, ["甲公司", "010-1", None]]))
    )[0]
    path = xlsx(tmp_path / "b.xlsx", [HEADER, ["乙公司", "010-2", None]])

    engine.run_import(db, boss, request(path), sheet=other)

    assert customer_names(db) == ["乙公司"]


def many_rows(tmp_path: Path, count: int = 23) -> Path:
    rows: list[list[Any]] = [HEADER]
    rows += [[f"客户{i:02}有限公司", f"0571-{i:07}", None] for i in range(count)]
    return xlsx(tmp_path / "many.xlsx", rows)


def import_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name in ("import-prepare", "backup-import")]


def test_rows_prepared_ahead_are_written_in_sheet_order(
    db: Database, boss: Actor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(target_base, "CHUNK_ROWS", 2)

    result = engine.run_import(db, boss, request(many_rows(tmp_path)))

    assert result.created == 23
    assert customer_names(db) == [f"客户{i:02}有限公司" for i in range(23)]
    assert import_threads() == []


def test_a_failure_while_preparing_rows_removes_what_was_written_and_reraises(
    db: Database, boss: Actor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from crm_desktop.core.importing.targets import customers as target

    monkeypatch.setattr(target_base, "CHUNK_ROWS", 4)
    real = target.CustomersRun.prepare
    calls: list[int] = []

    def failing(self: Any, plans: Any, checkpoint: Any = None) -> None:
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("pinyin gone")
        real(self, plans, checkpoint)

    monkeypatch.setattr(target.CustomersRun, "prepare", failing)
    with pytest.raises(RuntimeError, match="pinyin gone"):
        engine.run_import(db, boss, request(many_rows(tmp_path)))

    assert customer_names(db) == []
    with db.read() as session:
        assert session.scalars(select(ImportBatch.status)).one() == "failed"
    assert import_threads() == []


def test_cancel_while_rows_are_prepared_ahead_leaves_nothing(
    db: Database, boss: Actor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(target_base, "CHUNK_ROWS", 3)

    def progress(done: int, total: int) -> bool:
        return done < 6

    with pytest.raises(ImportCancelled):
        engine.run_import(db, boss, request(many_rows(tmp_path)), progress=progress)

    assert customer_names(db) == [] and import_threads() == []


def varied_customers() -> list[tuple[str, str | None, str | None]]:
    """A few hundred names as sheets spell them: Chinese with every legal form, Latin, mixed,
    full-width letters and digits, spaces of both widths, brackets, a middle dot, rare
    characters; phones and e-mails in several shapes or missing."""
    import random

    rng = random.Random(11)
    heads = ["长沙", "重庆", "北京", "厦门", "乐清", "蚌埠", "上海", "广州", "银行", "行长"]
    middles = "长行重乐朝单曾解区华盛鑫达宏远金泰恒通瑞丰永昌东方中联天宇新阳光明博"
    tails = ["有限公司", "有限责任公司", "股份有限公司", "集团有限公司", "集团公司", "公司"]
    tails += ["贸易行", "经营部", "商行", "（北京）有限公司", "(上海)分公司", ""]
    latin = ["ACME Co., Ltd.", "Acme Trading Co.,Ltd.", "Foo Bar LLC", "Baz Inc.", "IBM"]
    latin += ["ＡＢＣ　Ｔｒａｄｉｎｇ", "Müller GmbH", "O'Brien & Sons Ltd", "3M", "Ｈ＆Ｍ"]
    odd = ["䷀中国", "中国人民银行行长", "  前后空格  ", "阿里巴巴·淘宝", "中\u3000间"]
    odd += ["１２３公司", "110"]
    odd += ["ＴＣＬ科技集团股份有限公司", "联想(Lenovo)", "华为 Technologies", "A", "〇号店"]
    phones = [None, "", "0571-88886666", "+86 138 1234 5678", "（０２１）６２３４５６７８"]
    emails = [None, "", "Sales@Example.COM", "ｉｎｆｏ＠ｅｘａｍｐｌｅ．ｃｎ", " a.b@c.cn "]
    names = [
        rng.choice(heads) + "".join(rng.sample(middles, rng.randint(0, 4))) + rng.choice(tails)
        for _i in range(250)
    ]
    names += [f"{rng.choice(heads)}{word}" for word in latin] + latin + odd
    names += [f"{name} {rng.choice(tails)}" for name in latin]
    return [(name, rng.choice(phones), rng.choice(emails)) for name in names]


def test_customer_keys_worked_out_once_equal_each_key_on_its_own() -> None:
    """The import and the customer service store `customer_keys`, which computes the fold and the
    pinyin once for all keys: it must equal each key's own definition in search_keys."""
    from crm_desktop.core import search_keys as keys

    cases = varied_customers()
    assert len(cases) >= 280
    for name, phone, email in cases:
        expected = {
            "normalized_name": keys.normalized_name(name),
            "sort_name": keys.sort_name(name),
            "phone_digits": keys.phone_digits(phone) or None,
            "name_key": keys.name_key(name),
            "search_key": keys.search_key(name, email),
        }
        assert keys.customer_keys(name, phone, email) == expected, name
        given = keys.customer_keys(name, phone, email, keys.normalized_name(name))
        assert given == expected, name


def test_error_and_skipped_rows_keep_every_original_cell(
    db: Database, boss: Actor, tmp_path: Path
) -> None:
    """The cells of rows that import fine are let go once planned; the report's rows keep
    theirs, unmapped columns included."""
    customers.create_customer(db, boss, {"name": "甲公司"})
    rows: list[list[Any]] = [[*HEADER, "城市"]]
    rows += [[f"新{i}公司", f"0571-{i:07}", None, "杭州"] for i in range(5)]
    rows += [["甲公司", "010-1", None, "北京"], [None, "010-2", "x@y.cn", "上海"]]
    path = xlsx(tmp_path / "c.xlsx", rows)

    result = engine.run_import(db, boss, request(path), errors_path=tmp_path / "e.xlsx")

    assert result.created == 5
    skipped = [(r.line, r.cells) for r in result.skipped_rows]
    assert skipped == [(7, ["甲公司", "010-1", "", "北京"])]
    assert [(r.line, r.cells) for r in result.errors] == [(8, ["", "010-2", "x@y.cn", "上海"])]
