"""Which sheet column fills which field: suggestions from the header texts, saved templates, and
the command line's `--mapping NAME_OR_JSON`.

Templates are saved filters of the list "import:<kind>" (per operator, services/saved_filters):
they store the mapping by header text, not by column position, so a template still fits when a
later file has its columns in another order or an extra column in front.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from crm_desktop.core.actor import Actor
from crm_desktop.core.db.database import Database
from crm_desktop.core.errors import NotFound, ValidationError
from crm_desktop.core.i18n import _
from crm_desktop.core.importing.fields import FIELDS
from crm_desktop.core.importing.model import FieldSpec, ImportKind, Mapping
from crm_desktop.core.importing.targets.base import spellings
from crm_desktop.core.search_keys import fold
from crm_desktop.core.services import saved_filters

_CJK = re.compile(r"[\u3400-\u9fff]")
_NOISE = re.compile(r"[\s_\-:：/\\.·*＊()（）\[\]【】]+")


def list_name(kind: ImportKind) -> str:
    return f"import:{kind.value}"


def header_key(text: str) -> str:
    """A header folded for comparison: case, width, spaces and punctuation do not count."""
    return _NOISE.sub("", fold(text))


def _synonyms(spec: FieldSpec) -> list[str]:
    """The field's synonyms, best first, then its label in English and Chinese."""
    words = [header_key(s) for s in spec.synonyms]
    words += [header_key(s) for s in sorted(spellings(spec.label))]
    seen: set[str] = set()
    return [w for w in words if w and not (w in seen or seen.add(w))]


def suggest_mapping(kind: ImportKind, headers: list[str]) -> Mapping:
    """Column index -> field key, from the header texts.

    Exact matches first (a synonym listed earlier wins, then the leftmost column), each field
    and each column used once; then a header that contains a Chinese synonym of two or more
    characters, or starts with a Latin one (e.g. "客户名称(全称)", "联系电话1", "Phone 2"; not
    "Postcode" for "code"), for the fields still free.
    """
    specs = FIELDS[kind]
    words = {spec.key: _synonyms(spec) for spec in specs}
    keys = [header_key(h or "") for h in headers]
    exact: list[tuple[int, int, int, str]] = []
    loose: list[tuple[int, int, int, str]] = []
    for column, key in enumerate(keys):
        if not key:
            continue
        for order, spec in enumerate(specs):
            for rank, word in enumerate(words[spec.key]):
                if key == word:
                    exact.append((rank, column, order, spec.key))
                elif len(word) >= 2 and word in key and (_CJK.search(word) or key.startswith(word)):
                    loose.append((rank, column, order, spec.key))
    mapping: Mapping = {}
    for candidates in (exact, loose):
        for _rank, column, _order, field_key in sorted(candidates):
            if column not in mapping and field_key not in mapping.values():
                mapping[column] = field_key
    return dict(sorted(mapping.items()))


def list_templates(db: Database, actor: Actor, kind: ImportKind) -> list[tuple[int, str]]:
    """The actor's saved mappings for this kind: (id, name)."""
    return [
        (row.id, row.name) for row in saved_filters.list_saved_filters(db, actor, list_name(kind))
    ]


def save_template(
    db: Database,
    actor: Actor,
    kind: ImportKind,
    name: str,
    headers: list[str],
    mapping: Mapping,
) -> int:
    """Save (or replace) a mapping under `name`, by header text."""
    _check_fields(kind, mapping.values())
    columns = {
        headers[index]: key
        for index, key in sorted(mapping.items())
        if 0 <= index < len(headers) and headers[index]
    }
    return saved_filters.save_filter(db, actor, list_name(kind), name, {"columns": columns})


def template_mapping(
    db: Database, actor: Actor, kind: ImportKind, name_or_id: str | int, headers: list[str]
) -> Mapping:
    """The saved mapping applied to this file's headers (columns found by their header text)."""
    rows = saved_filters.list_saved_filters(db, actor, list_name(kind))
    wanted = str(name_or_id).strip()
    found = next((r for r in rows if r.name == wanted), None)
    if found is None and wanted.isdigit():
        found = next((r for r in rows if r.id == int(wanted)), None)
    if found is None:
        raise NotFound(_("There is no saved mapping “{name}”.").format(name=wanted))
    columns = found.definition.get("columns", {})
    if not isinstance(columns, dict):
        return {}
    positions = _header_positions(headers)
    mapping: Mapping = {}
    known = {spec.key for spec in FIELDS[kind]}
    for header, key in columns.items():
        index = positions.get(header_key(str(header)))
        if index is not None and key in known and key not in mapping.values():
            mapping[index] = key
    return dict(sorted(mapping.items()))


def parse_mapping(
    db: Database, actor: Actor, kind: ImportKind, text: str, headers: list[str]
) -> Mapping:
    """--mapping: a saved template's name (or id), or JSON {"header, column letter or 1-based
    number": "field key"}."""
    stripped = text.strip()
    if not stripped.startswith("{"):
        return template_mapping(db, actor, kind, stripped, headers)
    try:
        data: Any = json.loads(stripped)
    except ValueError as exc:
        raise ValidationError(
            _("The mapping is not valid JSON: {error}").format(error=exc)
        ) from exc
    if not isinstance(data, dict):
        raise ValidationError(_("The mapping must be a JSON object of column: field."))
    _check_fields(kind, data.values())
    positions = _header_positions(headers)
    mapping: Mapping = {}
    for column, key in data.items():
        index = _column_index(str(column), positions, len(headers))
        if key in mapping.values():
            raise ValidationError(_("The field “{field}” is mapped twice.").format(field=key))
        mapping[index] = str(key)
    return dict(sorted(mapping.items()))


def _header_positions(headers: Sequence[str]) -> dict[str, int]:
    positions: dict[str, int] = {}
    for index, header in enumerate(headers):
        key = header_key(header or "")
        if key:
            positions.setdefault(key, index)
    return positions


def _column_index(column: str, positions: dict[str, int], width: int) -> int:
    """A header text, a column letter (A, AB) or a 1-based column number -> 0-based index."""
    found = positions.get(header_key(column))
    if found is not None:
        return found
    text = column.strip()
    if text.isdigit() and 1 <= int(text) <= max(width, 1):
        return int(text) - 1
    if re.fullmatch(r"[A-Za-z]{1,3}", text):
        index = 0
        for letter in text.upper():
            index = index * 26 + ord(letter) - 64
        if index <= max(width, 1):
            return index - 1
    raise ValidationError(_("The sheet has no column “{column}”.").format(column=column))


def _check_fields(kind: ImportKind, keys: Any) -> None:
    known = {spec.key for spec in FIELDS[kind]}
    for key in keys:
        if key not in known:
            raise ValidationError(
                _("“{field}” is not a field of this import; the fields are: {fields}.").format(
                    field=key, fields=", ".join(sorted(known))
                )
            )
