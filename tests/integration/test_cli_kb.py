"""`crm kb add|search`: articles from a text file, found by 2-character Chinese words."""

from __future__ import annotations

import json
from pathlib import Path

from tests.integration.test_cli import BOSS_PASSWORD, SALES_PASSWORD, crm, one_line_error

pytest_plugins = ["tests.integration.test_cli"]


def _add(db: Path, title: str, body: Path, *extra: str) -> None:
    result = crm("--db", db, "--as", "boss", "kb", "add", "--title", title,
                 "--body-file", body, *extra, password=BOSS_PASSWORD)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert title in result.stdout


def test_articles_added_from_files_are_found_by_two_character_words(
    fresh: Path, tmp_path: Path
) -> None:
    body = tmp_path / "body.txt"
    body.write_text("客户须在七天内申请退货，发票一并退回。", encoding="utf-8")
    _add(fresh, "退货流程", body, "--category", "售后", "--tags", "退货 售后")
    other = tmp_path / "other.txt"
    other.write_text("增值税专用发票需要税号。", encoding="utf-8")
    _add(fresh, "发票开具", other, "--category", "财务")

    result = crm("--db", fresh, "--as", "li", "kb", "search", "发票", "--format", "json",
                 password=SALES_PASSWORD)  # fmt: skip
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [row["title"] for row in rows] == ["发票开具", "退货流程"]  # title hit first
    both = crm("--db", fresh, "--as", "li", "kb", "search", "退货 发票", password=SALES_PASSWORD)
    assert "退货流程" in both.stdout and "发票开具" not in both.stdout


def test_a_salesperson_cannot_add_articles(fresh: Path, tmp_path: Path) -> None:
    body = tmp_path / "body.txt"
    body.write_text("内容", encoding="utf-8")
    refused = crm("--db", fresh, "--as", "li", "kb", "add", "--title", "我的",
                  "--body-file", body, password=SALES_PASSWORD)  # fmt: skip
    assert "Edit knowledge base articles" in one_line_error(refused)
