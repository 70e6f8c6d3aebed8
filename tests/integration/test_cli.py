"""The `crm` command end to end: real processes on real database files.

Every run goes through `python -m crm_desktop.cli`, with passwords in the environment and stdin
closed, exactly as a script or a scheduled task would call it.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest

from crm_desktop.cli import main
from crm_desktop.core.db.migrate import head_revision

BOSS_PASSWORD = "Boss-pass-2026"
SALES_PASSWORD = "Sales-pass-2026"
DEMO_CUSTOMERS = 300


def crm(
    *args: str | Path,
    password: str | None = None,
    env: dict[str, str] | None = None,
    process: bool = False,
) -> subprocess.CompletedProcess[str]:
    """Run `crm` with these arguments: in a new process, or (faster) through `cli.main` here.

    Both ways go through the same argument parsing, services and error handling; the process
    runs also prove the module works as `python -m crm_desktop.cli` with no terminal attached.
    """
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
    if password is not None:
        full_env["CRM_PASSWORD"] = password
    full_env.update(env or {})
    argv = ["--lang", "en", *map(str, args)]
    if process:
        return subprocess.run(
            [sys.executable, "-m", "crm_desktop.cli", *argv],
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            env=full_env,
            timeout=300,
        )
    out, err = io.StringIO(), io.StringIO()
    with (
        mock.patch.dict(os.environ, full_env, clear=True),
        mock.patch.object(sys, "stdin", io.StringIO()),
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
    ):
        code = main(argv)
    return subprocess.CompletedProcess(argv, code, out.getvalue(), err.getvalue())


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    """The failure was reported on exactly one stderr line starting with `crm:`; no traceback."""
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("crm: ")
    assert "Traceback" not in result.stderr + result.stdout
    return lines[0]


def table_counts(output: str) -> dict[str, int]:
    """Parse the `name  count` lines that `crm check` and `crm demo` print."""
    counts = {}
    for line in output.splitlines():
        parts = line.split()
        if line.startswith("  ") and len(parts) == 2 and parts[1].isdigit():
            counts[parts[0]] = int(parts[1])
    return counts


@pytest.fixture(scope="module")
def initialized(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database made by `crm init` (with an operator `li`, a salesperson), once per module."""
    path = tmp_path_factory.mktemp("cli") / "template.db"
    result = crm("--db", path, "init", "--company", "天津演示贸易有限公司", "--admin", "boss",
                 "--admin-name", "王老板", password=BOSS_PASSWORD, process=True)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "boss" in result.stdout
    added = crm("--db", path, "--as", "boss", "operator", "add", "li", "--name", "李四",
                "--role", "salesperson", password=BOSS_PASSWORD,
                env={"CRM_NEW_PASSWORD": SALES_PASSWORD})  # fmt: skip
    assert added.returncode == 0, added.stderr
    return path


@pytest.fixture
def fresh(initialized: Path, tmp_path: Path) -> Path:
    path = tmp_path / "crm.db"
    shutil.copyfile(initialized, path)
    return path


@pytest.fixture(scope="module")
def with_demo(initialized: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    shutil.copyfile(initialized, path)
    result = crm("--db", path, "--as", "boss", "demo", "--customers", str(DEMO_CUSTOMERS),
                 "--seed", "7", password=BOSS_PASSWORD, process=True)  # fmt: skip
    assert result.returncode == 0, result.stderr
    return path, result.stdout


def test_init_operator_login_demo_then_check_reports_ok_and_the_generated_counts(
    initialized: Path, with_demo: tuple[Path, str]
) -> None:
    before = crm("--db", initialized, "check")
    assert before.returncode == 0, before.stderr
    path, demo_output = with_demo
    after = crm("--db", path, "check", process=True)
    assert after.returncode == 0, after.stderr
    assert "Integrity: ok" in after.stdout
    assert "Result: ok" in after.stdout

    generated = table_counts(demo_output)
    counts_before, counts_after = table_counts(before.stdout), table_counts(after.stdout)
    assert generated["customers"] == DEMO_CUSTOMERS == counts_after["customers"]
    for table in counts_after:
        if table in ("audit_log", "change_log"):  # logins and the demo's own bookkeeping rows
            continue
        assert counts_after[table] - counts_before[table] == generated.get(table, 0), table
    for table in ("contacts", "followups", "followup_annotations", "opportunities", "quotes",
                  "quote_lines", "sales_orders", "order_lines", "contracts", "contract_orders",
                  "payment_plans", "receipts", "receipt_allocations", "service_records",
                  "attachments", "teams", "operators", "products"):  # fmt: skip
        assert generated.get(table, 0) > 0, table
    with sqlite3.connect(path) as conn:
        demo_audits = conn.execute(
            "SELECT count(*) FROM audit_log WHERE action = 'system.demo'"
        ).fetchone()[0]
    assert demo_audits == 1


def test_demo_data_is_realistic_and_every_total_adds_up(with_demo: tuple[Path, str]) -> None:
    path, _output = with_demo
    with sqlite3.connect(path) as conn:
        q = conn.execute
        bad_orders = q("""SELECT o.id FROM sales_orders o
                          WHERE o.total != (SELECT sum(amount) FROM order_lines l
                                            WHERE l.order_id = o.id)""").fetchall()
        bad_quotes = q("""SELECT id FROM quotes q WHERE q.total != q.subtotal + q.tax
                          OR q.subtotal != (SELECT sum(amount) FROM quote_lines l
                                            WHERE l.quote_id = q.id)""").fetchall()
        bad_receipts = q("""SELECT r.id FROM receipts r
                            WHERE r.amount != (SELECT sum(amount) FROM receipt_allocations a
                                               WHERE a.receipt_id = r.id)""").fetchall()
        bad_plans = q("""SELECT c.id FROM contracts c
                         WHERE c.amount != (SELECT sum(amount) FROM payment_plans p
                                            WHERE p.contract_id = c.id)""").fetchall()
        overpaid = q("""SELECT o.id FROM sales_orders o
                        WHERE (SELECT coalesce(sum(amount), 0) FROM receipt_allocations a
                               WHERE a.order_id = o.id) > o.total""").fetchall()
        line_types = q("SELECT DISTINCT typeof(amount) FROM order_lines").fetchall()
        names = [r[0] for r in q("SELECT name FROM customers")]
        phones = [r[0] for r in q("SELECT phone FROM customers")]
        keys = q("SELECT name, search_key FROM customers WHERE name LIKE '%公司'").fetchall()
        public = q("SELECT count(*) FROM customers WHERE pool_status = 'public'").fetchone()[0]
        owners = q("SELECT count(DISTINCT owner_id) FROM customers").fetchone()[0]
        next_dates = q("SELECT count(*) FROM customers WHERE next_followup_on IS NOT NULL")
        managed = q("SELECT count(*) FROM teams WHERE manager_id IS NOT NULL").fetchone()[0]
        integrity = q("PRAGMA foreign_key_check").fetchall()
    assert bad_orders == bad_quotes == bad_receipts == bad_plans == overpaid == []
    assert line_types == [("integer",)]  # integer cents, never floats
    assert len(set(names)) == len(names)
    assert any(name.endswith("有限公司") for name in names)
    assert any(name.isascii() for name in names)  # some English company names
    assert any(phone.startswith("0") for phone in phones)
    name, key = keys[0]
    assert " " in key and "@" in key and name not in key  # pinyin, initials, e-mail
    assert 0 < public < DEMO_CUSTOMERS
    assert owners >= 4
    assert next_dates.fetchone()[0] > 0
    assert managed >= 4
    assert integrity == []


def test_demo_is_deterministic_for_a_seed(
    initialized: Path, with_demo: tuple[Path, str], tmp_path: Path
) -> None:
    path, first_output = with_demo
    again = tmp_path / "again.db"
    shutil.copyfile(initialized, again)
    result = crm("--db", again, "--as", "boss", "demo", "--customers", str(DEMO_CUSTOMERS),
                 "--seed", "7", password=BOSS_PASSWORD)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert table_counts(result.stdout) == table_counts(first_output)

    def first_names(db: Path) -> list[str]:
        with sqlite3.connect(db) as conn:
            return [r[0] for r in conn.execute("SELECT name FROM customers ORDER BY id LIMIT 20")]

    assert first_names(again) == first_names(path)
    other = tmp_path / "other.db"
    shutil.copyfile(initialized, other)
    crm("--db", other, "--as", "boss", "demo", "--customers", "20", "--seed", "8",
        password=BOSS_PASSWORD)  # fmt: skip
    assert first_names(other) != first_names(path)[:20]


def test_salesperson_cannot_generate_demo_data(fresh: Path) -> None:
    before = fresh.read_bytes()
    result = crm("--db", fresh, "--as", "li", "demo", "--customers", "5", password=SALES_PASSWORD,
                 process=True)  # fmt: skip
    assert "permission" in one_line_error(result)
    assert result.returncode == 3
    with sqlite3.connect(fresh) as conn:
        assert conn.execute("SELECT count(*) FROM customers").fetchone()[0] == 0
    assert len(fresh.read_bytes()) == len(before)


def test_wrong_password_fails_with_one_line(fresh: Path) -> None:
    result = crm("--db", fresh, "--as", "boss", "demo", "--customers", "5", password="nope-nope",
                 process=True)  # fmt: skip
    assert "Wrong user name or password" in one_line_error(result)


def test_login_without_a_password_and_without_a_terminal_says_how(fresh: Path) -> None:
    result = crm("--db", fresh, "--as", "boss", "backup")
    assert "CRM_PASSWORD" in one_line_error(result)


def test_init_without_a_password_fails_and_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    result = crm("--db", path, "init", "--company", "X", "--admin", "boss", process=True)
    assert "CRM_PASSWORD" in one_line_error(result)
    assert not path.exists()


def test_init_with_a_weak_password_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    result = crm("--db", path, "init", "--company", "X", "--admin", "boss", password="123")
    assert "at least" in one_line_error(result)
    assert not path.exists()


def test_init_twice_is_refused(fresh: Path) -> None:
    before = fresh.read_bytes()
    result = crm(
        "--db", fresh, "init", "--company", "X", "--admin", "boss2", password=BOSS_PASSWORD
    )
    assert "already been set up" in one_line_error(result)
    assert fresh.read_bytes() == before


def test_operator_added_without_password_is_told_so(fresh: Path) -> None:
    result = crm("--db", fresh, "--as", "boss", "operator", "add", "zhao", "--name", "赵六",
                 "--role", "finance", "--scope", "all", password=BOSS_PASSWORD)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "no password" in result.stdout
    result = crm("--db", fresh, "--as", "boss", "operator", "add", "qian", "--name", "钱七",
                 "--role", "nosuchrole", password=BOSS_PASSWORD)  # fmt: skip
    assert "salesperson" in one_line_error(result)


def test_missing_folder_and_missing_file_are_reported(tmp_path: Path) -> None:
    assert "folder" in one_line_error(crm("--db", tmp_path / "no" / "crm.db", "check"))
    missing = tmp_path / "crm.db"
    assert "crm init" in one_line_error(crm("--db", missing, "check"))
    result = crm("--db", missing, "--as", "boss", "demo", "--customers", "1", password="x")
    assert "crm init" in one_line_error(result)
    assert not missing.exists()  # no empty file left behind by a typo


def test_a_file_that_is_not_a_database_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(b"just some notes, not SQLite\n" * 100)
    before = path.read_bytes()
    assert "not a crm-desktop database" in one_line_error(crm("--db", path, "check", process=True))
    result = crm("--db", path, "--as", "boss", "demo", "--customers", "1", password=BOSS_PASSWORD)
    one_line_error(result)
    assert "not a crm-desktop database" in one_line_error(crm("--db", path, "migrate"))
    assert path.read_bytes() == before


def test_another_programs_sqlite_file_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE stuff (x)")
    before = path.read_bytes()
    assert "another program" in one_line_error(crm("--db", path, "check"))
    assert "another program" in one_line_error(crm("--db", path, "migrate"))
    assert path.read_bytes() == before


def test_a_database_from_a_newer_app_is_refused_untouched(fresh: Path) -> None:
    with sqlite3.connect(fresh) as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'ffff_from_the_future'")
    before = fresh.read_bytes()
    for args in (
        ("check",),
        ("migrate",),
        ("--as", "boss", "demo", "--customers", "3"),
        ("--as", "boss", "backup"),
    ):
        result = crm("--db", fresh, *args, password=BOSS_PASSWORD, process=args == ("check",))
        assert "newer version" in one_line_error(result), args
    assert fresh.read_bytes() == before


def test_a_read_only_file_is_refused_for_writing_but_can_be_checked(fresh: Path) -> None:
    before = fresh.read_bytes()
    fresh.chmod(0o444)
    try:
        result = crm("--db", fresh, "--as", "boss", "demo", "--customers", "3",
                     password=BOSS_PASSWORD)  # fmt: skip
        assert "read-only" in one_line_error(result)
        checked = crm("--db", fresh, "check")
        assert checked.returncode == 0, checked.stderr
        assert "Integrity: ok" in checked.stdout
    finally:
        fresh.chmod(0o644)
    assert fresh.read_bytes() == before


def test_backup_prints_the_path_and_size(fresh: Path, tmp_path: Path) -> None:
    dest = tmp_path / "copies"
    dest.mkdir()
    result = crm("--db", fresh, "--as", "boss", "backup", dest, password=BOSS_PASSWORD)
    assert result.returncode == 0, result.stderr
    copies = list(dest.glob("*.db"))
    assert len(copies) == 1
    assert str(copies[0]) in result.stdout
    assert "KiB" in result.stdout
    with sqlite3.connect(copies[0]) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_backup_needs_the_backup_permission(fresh: Path) -> None:
    result = crm("--db", fresh, "--as", "li", "backup", password=SALES_PASSWORD)
    assert "permission" in one_line_error(result)


def test_migrate_creates_the_schema_and_prints_the_revision(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    result = crm("--db", path, "migrate")
    assert result.returncode == 0, result.stderr
    again = crm("--db", path, "migrate")
    assert "up to date" in again.stdout
    assert head_revision() in result.stdout + again.stdout
    checked = crm("--db", path, "check")  # a healthy schema, but no company yet: says so
    assert checked.returncode == 0
    assert "crm init" in checked.stdout


def test_unexpected_errors_print_one_line_and_a_hint_unless_debugging(tmp_path: Path) -> None:
    result = crm("--db", "nosuchdialect://x/y", "check", process=True)
    assert "--debug" in one_line_error(result)
    debug = crm("--debug", "--db", "nosuchdialect://x/y", "check")
    assert "Traceback" in debug.stderr


def test_chinese_messages_with_lang_zh_cn(tmp_path: Path) -> None:
    from crm_desktop.core.resources import locale_dir

    result = subprocess.run(
        [sys.executable, "-m", "crm_desktop.cli", "--lang", "zh_CN", "--db",
         str(tmp_path / "no" / "none.db"), "check"],
        capture_output=True, text=True, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert "folder" not in one_line_error(result) or not any(locale_dir().glob("*/*/*.mo"))
    if any(locale_dir().glob("zh_CN/LC_MESSAGES/*.mo")):  # compiled by `make catalogs`
        assert "文件夹" in result.stderr
