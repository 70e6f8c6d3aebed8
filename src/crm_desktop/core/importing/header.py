"""Find the header row of a hand-made sheet and read its column names.

Sheets made by hand put a title, a merged banner or an instruction line above the header, mark
required columns with * or ＊, add notes in brackets (（必填）, (required), 【选填】), break long
header texts over two lines, and leave blank rows between data rows. The header is the row whose
cleaned texts match the most field names and synonyms; rows with a single filled cell (titles,
merged banners) are not headers.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from datetime import date, datetime, time
from typing import Any

from crm_desktop.core.importing.model import FieldSpec

_NOTE = re.compile(r"[（(【\[［〔][^（）()【】\[\]［］〔〕]*[)）】\]］〕]")
_MARKS = re.compile(r"[*＊※]+")
_SPACES = re.compile(r"\s+")
_WIDE = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef"
_SPACE_BY_CJK = re.compile(rf"(?<=[{_WIDE}]) | (?=[{_WIDE}])")
_TRAILING = " :：-—_"


def clean_header(text: Any) -> str:
    """The header text without marks, notes in brackets, line breaks or trailing colons.

    "*客户名称" -> "客户名称"; "＊电话\\n（必填）" -> "电话"; "Customer\\nName (required)" ->
    "Customer Name". A header that is only a note ("（备注）") keeps the note's words.
    """
    raw = _as_text(text)
    if not raw:
        return ""
    cleaned = raw
    while True:
        stripped = _NOTE.sub(" ", cleaned)
        if stripped == cleaned:
            break
        cleaned = stripped
    cleaned = _tidy(cleaned)
    if not cleaned:  # the whole header was a note: keep its words
        cleaned = _tidy(re.sub(r"[（()）【】\[\]［］〔〕]", " ", raw))
    return cleaned


def _tidy(text: str) -> str:
    text = _SPACES.sub(" ", _MARKS.sub(" ", text)).strip()
    return _SPACE_BY_CJK.sub("", text).strip(_TRAILING)


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value).strip()


def header_key(text: Any) -> str:
    """How header texts are compared with field names: cleaned, NFKC, case- and space-free."""
    return unicodedata.normalize("NFKC", clean_header(text)).casefold().replace(" ", "")


def detect_header_row(rows: list[list[Any]], fields: Sequence[FieldSpec], scan: int = 30) -> int:
    """0-based index of the header row among the first `scan` rows.

    The row whose texts name the most fields (exact synonym = 1, a synonym inside a short text
    = 1/2) wins, the earliest on a tie. Without any match: the first row of at least two filled
    cells that are all text. Rows with fewer than two filled cells are titles or banners and
    are skipped unless no row has two.
    """
    names = _field_names(fields)
    window = rows[:scan]
    counts = [_filled(row) for row in window]
    least = 2 if any(n >= 2 for n in counts) else 1
    best, best_score = -1, 0.0
    for index, row in enumerate(window):
        if counts[index] < least:
            continue
        score = _match_score(row, names)
        if score > best_score:
            best, best_score = index, score
    if best >= 0:
        return best
    for index, row in enumerate(window):
        if counts[index] >= least and all(isinstance(v, str) for v in row if not _blank(v)):
            return index
    return next((i for i, n in enumerate(counts) if n), 0)


def _field_names(fields: Sequence[FieldSpec]) -> dict[str, str]:
    names: dict[str, str] = {}
    for spec in fields:
        for text in (spec.key, spec.label, *spec.synonyms):
            key = header_key(text)
            if key:
                names.setdefault(key, spec.key)
    return names


def _match_score(row: list[Any], names: dict[str, str]) -> float:
    exact: set[str] = set()
    partial: set[str] = set()
    for value in row:
        if not isinstance(value, str) or _blank(value):
            continue
        key = header_key(value)
        field = names.get(key)
        if field:
            exact.add(field)
        elif len(key) <= 24:
            partial.update(f for name, f in names.items() if len(name) >= 2 and name in key)
    return len(exact) + 0.5 * len(partial - exact)


def header_texts(rows: list[list[Any]], header_row: int) -> list[str]:
    """Cleaned header texts, one per column up to the last column holding anything.

    "" for a column without a header; a repeated header gets " (2)", " (3)" so every column
    can be told apart.
    """
    header = rows[header_row] if 0 <= header_row < len(rows) else []
    width = _table_width(rows, header_row)
    texts = [clean_header(v) for v in header[:width]]
    texts.extend([""] * (width - len(texts)))
    seen: dict[str, int] = {}
    for index, text in enumerate(texts):
        if text:
            seen[text] = seen.get(text, 0) + 1
            if seen[text] > 1:
                texts[index] = f"{text} ({seen[text]})"
    return texts


def _table_width(rows: list[list[Any]], header_row: int) -> int:
    """1 + the last column that holds a value in the header or any row below it."""
    width = 0
    for row in rows[max(header_row, 0) :]:
        for index in range(len(row) - 1, width - 1, -1):
            if not _blank(row[index]):
                width = index + 1
                break
    return width


def data_rows(rows: list[list[Any]], header_row: int) -> Iterator[tuple[int, list[Any]]]:
    """(1-based sheet line, cells) for every non-blank row below the header."""
    for index in range(header_row + 1, len(rows)):
        row = rows[index]
        if not _blank_row(row):
            yield index + 1, row


def _blank_row(row: list[Any]) -> bool:
    for value in row:
        if value is None:
            continue
        if value.__class__ is str:
            if value and not value.isspace():
                return False
            continue
        return False
    return True


def _blank(value: Any) -> bool:
    return value is None or (value.__class__ is str and (not value or value.isspace()))


def _filled(row: list[Any]) -> int:
    return sum(1 for value in row if not _blank(value))
