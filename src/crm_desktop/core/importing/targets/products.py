"""Products: the catalogue quotes and orders pick from, matched by code (or by name).

A code is unique (as in Settings › Products): a new row whose code exists is skipped in create
mode. Prices are exact cents and never negative. An empty cell leaves the stored value alone;
a new product without a price costs 0.00 and is active unless the sheet says otherwise.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from crm_desktop.core.i18n import _
from crm_desktop.core.importing.model import ImportKind, ImportMode, MatchKey, RowAction, RowPlan
from crm_desktop.core.importing.targets.base import (
    BaseRun,
    Context,
    Update,
    Writer,
    changed_values,
    stored_rows,
    too_long,
)
from crm_desktop.core.search_keys import fold

ENTITY = "product"
COLUMNS: dict[str, str] = {
    "code": "code",
    "name": "name",
    "spec": "spec",
    "unit": "unit_id",
    "category": "category_id",
    "unit_price": "unit_price",
    "active": "active",
    "remarks": "remarks",
}
FIELD_OF = {column: key for key, column in COLUMNS.items()}
LOADED = ("id", "version", *COLUMNS.values())
_AT = {name: index for index, name in enumerate(LOADED)}


class ProductsRun(BaseRun):
    def __init__(self, ctx: Context, session: Session) -> None:
        self.ctx = ctx
        self.mode = ctx.request.mode
        self.key = ctx.request.key
        self.existing = stored_rows(session, "products", LOADED)
        self.by_code: dict[str, int] = {}
        self.by_name: dict[str, list[int]] = {}
        for row in self.existing.values():
            self.by_code[row[_AT["code"]]] = row[0]
            self.by_name.setdefault(fold(row[_AT["name"]]), []).append(row[0])
        self.seen_key: dict[str, int] = {}
        self.seen_code: dict[str, int] = {}
        self.seen_id: dict[int, int] = {}

    def plan(self, plan: RowPlan) -> None:
        values = plan.values
        new = self._columns(values)
        price = new.get("unit_price")
        if price is not None and price < 0:
            return self.refuse(plan, _("The unit price cannot be negative."))
        problem = too_long("products", new)
        if problem:
            return self.refuse(plan, problem)
        code = values.get("code")
        wanted = code if self.key is MatchKey.CODE else fold(values.get("name"))
        if not wanted:
            return self.refuse(plan, _("No code or name to find the product by."))
        first = self.seen_key.get(wanted)
        if first is None and code:
            first = self.seen_code.get(code)
        if first is not None:
            return self.refuse(plan, _("Same product as row {line}.").format(line=first))
        if self.key is MatchKey.CODE:
            matches = [self.by_code[wanted]] if wanted in self.by_code else []
        else:
            matches = self.by_name.get(wanted, [])
        if self.mode is ImportMode.CREATE or not matches:
            if self.mode is ImportMode.UPDATE:
                return self.skip(plan, _("No product matches; update mode creates nothing."))
            return self._plan_create(plan, code, wanted)
        if len(matches) > 1:
            return self.refuse(plan, _("Several products have this name; match by code."))
        return self._plan_update(plan, matches[0], new, wanted)

    def _columns(self, values: dict[str, Any]) -> dict[str, Any]:
        new = {COLUMNS[k]: v for k, v in values.items() if k in COLUMNS and v is not None}
        if "unit_price" in new:
            new["unit_price"] = self.ctx.stored.money(new["unit_price"])
        return new

    def _plan_create(self, plan: RowPlan, code: str | None, wanted: str) -> None:
        if code in self.by_code:
            name = self.existing[self.by_code[code]][_AT["name"]]
            return self.skip(
                plan,
                _("The product code {code} exists already ({name}).").format(code=code, name=name),
            )
        if self.key is MatchKey.NAME and wanted in self.by_name:
            return self.skip(plan, _("A product with this name exists already."))
        plan.action = RowAction.CREATE
        self.seen_key[wanted] = plan.line
        if code:
            self.seen_code[code] = plan.line

    def _plan_update(self, plan: RowPlan, pid: int, new: dict[str, Any], wanted: str) -> None:
        if pid in self.seen_id:
            return self.refuse(
                plan, _("Same product as row {line}.").format(line=self.seen_id[pid])
            )
        row = self.existing[pid]
        changes = changed_values(new, {c: row[_AT[c]] for c in new})
        code = changes.get("code", (None, None))[1]
        if code is not None and self.by_code.get(code, pid) != pid:
            return self.refuse(plan, _("The product code {code} exists already.").format(code=code))
        self.seen_id[pid] = plan.line
        self.seen_key[wanted] = plan.line
        plan.entity_id = pid
        plan.action = RowAction.UPDATE if changes else RowAction.UNCHANGED
        plan.changes = {FIELD_OF[c]: pair for c, pair in changes.items()}

    def write(self, writer: Writer, plans: list[RowPlan]) -> None:
        rows: list[dict[str, Any]] = []
        updates: list[Update] = []
        for plan in plans:
            new = self._columns(plan.values)
            if plan.action is RowAction.CREATE:
                row = {column: new.get(column) for column in COLUMNS.values()}
                row["unit_price"] = row["unit_price"] or 0
                row["active"] = True if row["active"] is None else row["active"]
                rows.append(row)
                continue
            assert plan.entity_id is not None
            old_row = self.existing[plan.entity_id]
            changes = changed_values(new, {c: old_row[_AT[c]] for c in new})
            values = {c: pair[1] for c, pair in changes.items()}
            audit = {c: _shown(c, pair) for c, pair in changes.items()}
            updates.append(Update.of(plan.entity_id, old_row, _AT, values, audit))
        writer.insert("products", ENTITY, rows)
        writer.update("products", ENTITY, updates)


def _shown(column: str, pair: tuple[Any, Any]) -> tuple[Any, Any]:
    """Audit prices as amounts, as the product form's audit does, not as stored cents."""
    if column != "unit_price":
        return pair
    from crm_desktop.core.money import from_cents

    return tuple(None if v is None else str(from_cents(int(v))) for v in pair)  # type: ignore[return-value]


class ProductsTarget:
    kind = ImportKind.PRODUCTS
    entity = ENTITY
    permissions = ("settings.products",)

    def begin(self, ctx: Context, session: Session) -> ProductsRun:
        return ProductsRun(ctx, session)


TARGET = ProductsTarget()
