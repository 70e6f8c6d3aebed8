"""How the `crm` command prints lists: an aligned table for people, CSV or JSON for programs.

Chinese characters take two columns in a terminal, so the table pads by display width, not by
character count.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import unicodedata
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

from crm_desktop.core.db.database import plain_value
from crm_desktop.core.i18n import _

FORMATS = ("table", "csv", "json")
PAGE = 1000


def say(text: str = "") -> None:
    """One line for the person at the terminal, flushed at once."""
    print(text, flush=True)


def list_options(parser: argparse.ArgumentParser) -> None:
    """--format and --limit, as every `… list` command takes them."""
    parser.add_argument("--format", choices=FORMATS, default="table")
    parser.add_argument(
        "--limit", type=int, default=200, metavar="N", help=_("at most N rows (0: all)")
    )


def as_option(parser: argparse.ArgumentParser) -> None:
    """--as also after the command, as people write it (`crm import … --as boss`); the global
    --as before the command works too (SUPPRESS: an absent one does not overwrite it)."""
    parser.add_argument(
        "--as",
        dest="user",
        metavar="USER",
        default=argparse.SUPPRESS,
        help=_("the operator to act as (as before the command)"),
    )


def list_rows(
    lister: Callable[..., Sequence[Any]], db: Any, actor: Any, wanted: Any, limit: int
) -> list[Any]:
    """Rows of a service's paged list (`lister(db, actor, wanted, limit=, offset=)`), fetched a
    page at a time up to `limit` (0: all of them), so a long list never sits in one query."""
    rows: list[Any] = []
    while limit <= 0 or len(rows) < limit:
        size = PAGE if limit <= 0 else min(PAGE, limit - len(rows))
        page = lister(db, actor, wanted, limit=size, offset=len(rows))
        rows.extend(page)
        if len(page) < size:
            break
    return rows


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone().strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "✓" if value else ""
    return str(value)


def print_rows(
    headers: Sequence[str], keys: Sequence[str], rows: Sequence[Sequence[Any]], fmt: str
) -> None:
    """Rows (sequences in `keys` order) as a table, CSV (header row) or JSON (list of objects)."""
    if fmt == "json":
        data = [{k: plain_value(v) for k, v in zip(keys, row, strict=True)} for row in rows]
        print(json.dumps(data, ensure_ascii=False, indent=2), flush=True)
        return
    if fmt == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(keys)
        writer.writerows([[_text(v) for v in row] for row in rows])
        sys.stdout.flush()
        return
    texts = [[_text(v) for v in row] for row in rows]
    widths = [max([_width(h)] + [_width(r[i]) for r in texts]) for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c + " " * (w - _width(c)) for c, w in zip(cells, widths, strict=True))

    print(line(headers).rstrip(), flush=True)
    print("  ".join("-" * w for w in widths), flush=True)
    for row in texts:
        print(line(row).rstrip(), flush=True)
