"""Contacts: the people at existing customers, attached by the customer's code or name.

The customer must be one the importer may see (own scope or the public pool, as the contacts
panel): a colleague's customer is reported as not found, exactly as the customer search would.
Contacts are matched within their customer by name (folded) or by phone/mobile digits. One
primary contact per customer: a row that makes a contact primary unmarks the others (recorded,
so undo marks them again); a second row making another contact of the same customer primary is
refused.
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
from crm_desktop.core.search_keys import fold, phone_digits

ENTITY = "contact"
COLUMNS: dict[str, str] = {
    "name": "name",
    "title": "title",
    "category": "category_id",
    "phone": "phone",
    "mobile": "mobile",
    "email": "email",
    "wechat": "wechat",
    "birthday": "birthday",
    "is_primary": "is_primary",
    "remarks": "remarks",
}
FIELD_OF = {column: key for key, column in COLUMNS.items()}
LOADED = ("id", "version", "customer_id", *COLUMNS.values())
_AT = {name: index for index, name in enumerate(LOADED)}


class ContactsRun(BaseRun):
    def __init__(self, ctx: Context, session: Session) -> None:
        self.ctx = ctx
        self.mode = ctx.request.mode
        self.key = ctx.request.key
        self.customers = ctx.customers(session)
        self.existing = stored_rows(session, "contacts", LOADED, live_only=True)
        self.by_key: dict[tuple[int, str], list[int]] = {}
        self.primaries: dict[int, set[int]] = {}  # customer -> its primary contacts
        for row in self.existing.values():
            cid = row[_AT["customer_id"]]
            for key in self._keys(row[_AT["name"]], row[_AT["phone"]], row[_AT["mobile"]]):
                self.by_key.setdefault((cid, key), []).append(row[0])
            if row[_AT["is_primary"]]:
                self.primaries.setdefault(cid, set()).add(row[0])
        self.seen: dict[tuple[int, str], int] = {}
        self.seen_id: dict[int, int] = {}
        self.primary_row: dict[int, int] = {}  # customer -> line making a contact primary
        self.customer_of: dict[int, int] = {}  # line -> customer id

    def _keys(self, name: str | None, phone: str | None, mobile: str | None) -> list[str]:
        if self.key is MatchKey.PHONE:
            return [d for d in {phone_digits(phone), phone_digits(mobile)} if d]
        return [fold(name)] if name else []

    def plan(self, plan: RowPlan) -> None:
        values = plan.values
        cid, problem = self._customer(values)
        if cid is None:
            return self.refuse(plan, problem or _("No customer given."))
        problem = too_long("contacts", self._columns(values))
        if problem:
            return self.refuse(plan, problem)
        keys = self._keys(values.get("name"), values.get("phone"), values.get("mobile"))
        if not keys:
            return self.refuse(plan, _("No phone or mobile number to find the contact by."))
        for key in keys:
            if (cid, key) in self.seen:
                line = self.seen[(cid, key)]
                return self.refuse(plan, _("Same contact as row {line}.").format(line=line))
        if values.get("is_primary") and cid in self.primary_row:
            return self.refuse(
                plan,
                _("Row {line} already makes another contact of this customer primary.").format(
                    line=self.primary_row[cid]
                ),
            )
        matches = sorted({i for key in keys for i in self.by_key.get((cid, key), [])})
        if not matches:
            if self.mode is ImportMode.UPDATE:
                return self.skip(plan, _("No contact matches; update mode creates nothing."))
            plan.action = RowAction.CREATE
        elif self.mode is ImportMode.CREATE:
            return self.skip(plan, _("This customer has this contact already."))
        elif len(matches) > 1:
            return self.refuse(plan, _("Several contacts of this customer match."))
        else:
            self._plan_update(plan, matches[0])
            if plan.action is RowAction.ERROR:
                return None
        for key in keys:
            self.seen[(cid, key)] = plan.line
        if values.get("is_primary"):
            self.primary_row[cid] = plan.line
        self.customer_of[plan.line] = cid
        return None

    def _customer(self, values: dict[str, Any]) -> tuple[int | None, str | None]:
        """The row's customer by code (if given) or name, among those the importer may see."""
        code, text = values.get("customer_code"), values.get("customer")
        if code:
            cid = self.customers.by_code.get(code)
            problem = _("No customer has the code {code}.").format(code=code)
        elif text:
            cid, problem = self.customers.find(text)
        else:
            return None, _("No customer given.")
        if cid is not None and not self.ctx.may_see_customer(cid):
            cid = None  # a colleague's customer: not found, as in the customer search
            problem = _("No customer is named “{name}”.").format(name=code or text)
        return cid, problem

    def _columns(self, values: dict[str, Any]) -> dict[str, Any]:
        new = {COLUMNS[k]: v for k, v in values.items() if k in COLUMNS and v is not None}
        if "birthday" in new:
            new["birthday"] = self.ctx.stored.date(new["birthday"])
        return new

    def _plan_update(self, plan: RowPlan, contact_id: int) -> None:
        if contact_id in self.seen_id:
            line = self.seen_id[contact_id]
            return self.refuse(plan, _("Same contact as row {line}.").format(line=line))
        row = self.existing[contact_id]
        changes = changed_values(self._columns(plan.values), row_values(row))
        self.seen_id[contact_id] = plan.line
        plan.entity_id = contact_id
        plan.action = RowAction.UPDATE if changes else RowAction.UNCHANGED
        plan.changes = {FIELD_OF[c]: pair for c, pair in changes.items()}
        return None

    def write(self, writer: Writer, plans: list[RowPlan]) -> None:
        rows: list[dict[str, Any]] = []
        updates: list[Update] = []
        primary: dict[int, int | None] = {}  # customer -> contact made primary (None: new one)
        for plan in plans:
            cid = self.customer_of[plan.line]
            new = self._columns(plan.values)
            if plan.values.get("is_primary"):
                primary[cid] = plan.entity_id
            if plan.action is RowAction.CREATE:
                row = {column: new.get(column) for column in COLUMNS.values()}
                row.update(customer_id=cid, is_primary=bool(row["is_primary"]), archived=False)
                rows.append(row)
                continue
            assert plan.entity_id is not None
            old = self.existing[plan.entity_id]
            updates.append(_update(plan.entity_id, old, changed_values(new, row_values(old))))
        for cid, keep in primary.items():
            for other in self.primaries.get(cid, set()) - {keep} - set(self.seen_id):
                old = self.existing[other]
                updates.append(_update(other, old, {"is_primary": (old[_AT["is_primary"]], False)}))
        writer.insert("contacts", ENTITY, rows)
        writer.update("contacts", ENTITY, [u for u in updates if u.values])


def row_values(row: tuple[Any, ...]) -> dict[str, Any]:
    return {column: row[_AT[column]] for column in COLUMNS.values()}


def _update(contact_id: int, old: tuple[Any, ...], changes: dict[str, tuple[Any, Any]]) -> Update:
    return Update.of(contact_id, old, _AT, {c: pair[1] for c, pair in changes.items()}, changes)


class ContactsTarget:
    kind = ImportKind.CONTACTS
    entity = ENTITY
    permissions = ("customers.view", "customers.import")

    def begin(self, ctx: Context, session: Session) -> ContactsRun:
        return ContactsRun(ctx, session)


TARGET = ContactsTarget()
