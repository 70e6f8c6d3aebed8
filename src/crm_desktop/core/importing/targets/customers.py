"""Customers: create, update or both, matched by normalized name, phone digits or code.

The same rules as the customer form, on plain tuples: the duplicate guard (same normalized
name, or the same phone of six or more digits, anywhere in the firm: a new row like that is
skipped as a duplicate), the data scope (a salesperson neither changes a colleague's customer
nor creates one for a colleague; the importer owns what they create unless an owner column says
otherwise), a new owner needs the transfer right, and the derived keys (normalized name, pinyin
sort name, search keys, phone digits) exactly as customers.refresh_keys computes them.

An empty cell leaves the stored value alone. A "contact" column gives a new customer its
primary contact (and an existing one a further contact when none of its contacts has that name).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from crm_desktop.core.i18n import _
from crm_desktop.core.importing.model import ImportKind, ImportMode, MatchKey, RowAction, RowPlan
from crm_desktop.core.importing.targets.base import (
    PUBLIC_POOL,
    BaseRun,
    Context,
    CustomerLookup,
    Update,
    Writer,
    changed_values,
    driver_rows,
    stored_rows,
    text_limits,
    too_long,
)
from crm_desktop.core.search_keys import customer_keys as derived_keys
from crm_desktop.core.search_keys import fold, normalized_name, phone_digits

ENTITY = "customer"
# field key -> customers column (owner and contact are handled on their own)
COLUMNS: dict[str, str] = {
    "name": "name",
    "code": "code",
    "short_name": "short_name",
    "type": "type_id",
    "source": "source_id",
    "industry": "industry_id",
    "region": "region_id",
    "level": "level_id",
    "address": "address",
    "phone": "phone",
    "email": "email",
    "website": "website",
    "tax_id": "tax_id",
    "remarks": "remarks",
    "tags": "tags",
    "next_followup_on": "next_followup_on",
}
DATE_COLUMNS = ("next_followup_on",)
FIELD_OF = {column: key for key, column in COLUMNS.items()} | {
    "owner_id": "owner",
    "contact": "contact",
}
DERIVED = ("normalized_name", "sort_name", "phone_digits", "name_key", "search_key")
LOADED = (
    "id",
    "version",
    *COLUMNS.values(),
    "owner_id",
    "pool_status",
    "owned_since",
    *DERIVED,
)
_AT = {name: index for index, name in enumerate(LOADED)}
MIN_PHONE_DIGITS = 6  # as customers.duplicates_of: shorter runs say nothing about identity
CHECKPOINT_ROWS = 250  # rows built between the engine's checkpoints (~15 ms)


class CustomersRun(BaseRun):
    def __init__(self, ctx: Context, session: Session) -> None:
        self.ctx = ctx
        self.mode = ctx.request.mode
        self.key = ctx.request.key
        self.lookup = ctx.customers(session)
        self.existing: dict[int, tuple[Any, ...]] = {}
        if self.mode is not ImportMode.CREATE:
            self.existing = _load_existing(session)
        self.contact_names: dict[int, set[str]] = {}
        if ctx.mapped("contact") and self.mode is not ImportMode.CREATE:
            self.contact_names = _load_contact_names(session)
        self.seen_key: dict[str, int] = {}  # the match key's value -> first line
        self.seen_name: dict[str, int] = {}
        self.seen_phone: dict[str, int] = {}
        self.seen_code: dict[str, int] = {}
        self.seen_id: dict[int, int] = {}  # existing customer -> line updating it
        self.owner_of: dict[int, int | None] = {}  # line -> owner of a created customer
        self.normalized_of: dict[int, str] = {}  # line -> normalized name of a created customer
        self.owner_problems: dict[int, str | None] = {}
        self._prepared: dict[int, _Built] = {}
        limits = text_limits("customers")
        self.limits = [
            (key, limits[column])
            for key, column in COLUMNS.items()
            if ctx.mapped(key) and column in limits
        ]

    # --- planning --------------------------------------------------------------------------

    def plan(self, plan: RowPlan) -> None:
        values = plan.values
        nkey = normalized_name(values["name"])
        digits = phone_digits(values.get("phone"))
        code = values.get("code")
        if not nkey:
            return self.refuse(plan, _("The name has no letters or digits."))
        for key, limit in self.limits:
            text = values[key]
            if text is not None and len(text) > limit:
                return self.refuse(plan, too_long("customers", {COLUMNS[key]: text}) or "")
        wanted = {MatchKey.NAME: nkey, MatchKey.PHONE: digits, MatchKey.CODE: code}[self.key]
        first = self.seen_key.get(wanted) if wanted else None
        if first is not None:
            return self.refuse(plan, _("Same customer as row {line}.").format(line=first))
        if self.mode is ImportMode.CREATE:
            return self._plan_create(plan, nkey, digits, code, wanted)
        if not wanted:
            return self.refuse(
                plan, _("No {key} to find the customer by.").format(key=self._key_label())
            )
        matches = self._matches(wanted)
        if len(matches) > 1:
            names = ", ".join(self.lookup.info[i][2] for i in matches[:3])
            return self.refuse(
                plan,
                _("Several customers match ({names}); match by another key.").format(names=names),
            )
        if matches:
            return self._plan_update(plan, matches[0], wanted)
        if self.mode is ImportMode.UPDATE:
            return self.skip(plan, _("No customer matches; update mode creates nothing."))
        return self._plan_create(plan, nkey, digits, code, wanted)

    def _key_label(self) -> str:
        return {MatchKey.NAME: _("name"), MatchKey.PHONE: _("phone"), MatchKey.CODE: _("code")}[
            self.key
        ]

    def _matches(self, wanted: str) -> list[int]:
        if self.key is MatchKey.NAME:
            return self.lookup.by_name.get(wanted, [])
        if self.key is MatchKey.PHONE:
            return self.lookup.by_phone.get(wanted, [])
        found = self.lookup.by_code.get(wanted)
        return [found] if found is not None else []

    def _plan_create(
        self, plan: RowPlan, nkey: str, digits: str, code: str | None, wanted: str | None
    ) -> None:
        lookup = self.lookup
        phone_key = digits if len(digits) >= MIN_PHONE_DIGITS else ""
        first = self.seen_name.get(nkey) or (phone_key and self.seen_phone.get(phone_key))
        if first:
            return self.refuse(plan, _("Same customer as row {line}.").format(line=first))
        if code and code in self.seen_code:
            return self.refuse(
                plan,
                _("The code {code} is used by row {line} already.").format(
                    code=code, line=self.seen_code[code]
                ),
            )
        if nkey in lookup.by_name:
            clash = lookup.by_name[nkey][0]
            return self.skip(
                plan,
                _("A customer with the same name already exists: {name} ({owner}).").format(
                    **self._who(clash)
                ),
            )
        if phone_key and phone_key in lookup.by_phone:
            clash = lookup.by_phone[phone_key][0]
            return self.skip(
                plan,
                _("A customer with the same phone number already exists: {name} ({owner}).").format(
                    **self._who(clash)
                ),
            )
        if code and code in lookup.by_code:
            return self.skip(
                plan,
                _("The code {code} belongs to {name} already.").format(
                    code=code, name=lookup.info[lookup.by_code[code]][2]
                ),
            )
        owner = plan.values.get("owner")
        if owner is None:
            owner = self.ctx.operator_id
        if owner != PUBLIC_POOL:
            if owner not in self.owner_problems:
                self.owner_problems[owner] = self._owner_problem(owner)
            problem = self.owner_problems[owner]
            if problem:
                return self.refuse(plan, problem)
        line = plan.line
        self.owner_of[line] = owner
        self.normalized_of[line] = nkey
        plan.action = RowAction.CREATE
        self.seen_name.setdefault(nkey, line)
        if phone_key:
            self.seen_phone.setdefault(phone_key, line)
        if code:
            self.seen_code.setdefault(code, line)
        if wanted:
            self.seen_key.setdefault(wanted, line)

    def _who(self, customer_id: int) -> dict[str, str]:
        return self.lookup.who(customer_id, self.ctx.operators.names)

    def _owner_problem(self, owner: int) -> str | None:
        ctx = self.ctx
        if not ctx.operators.active.get(owner, False):
            return _("{name} is disabled and cannot own customers.").format(
                name=ctx.operators.names.get(owner, owner)
            )
        if not ctx.in_scope(owner):
            return _("{name} is outside your data scope; you cannot give them customers.").format(
                name=ctx.operators.names.get(owner, owner)
            )
        return None

    def _plan_update(self, plan: RowPlan, cid: int, wanted: str) -> None:
        ctx = self.ctx
        if not ctx.may_see_customer(cid):
            return self.refuse(
                plan,
                _("{name} belongs to {owner}, outside your data scope.").format(**self._who(cid)),
            )
        if cid in self.seen_id:
            return self.refuse(
                plan, _("Same customer as row {line}.").format(line=self.seen_id[cid])
            )
        new, problem = self._new_columns(plan.values, cid)
        if problem:
            return self.refuse(plan, problem)
        row = self.existing[cid]
        old = {column: row[_AT[column]] for column in new}
        changes = changed_values(new, old)
        problem = self._clash(cid, changes)
        if problem:
            return self.refuse(plan, problem)
        contact = plan.values.get("contact")
        if contact and fold(contact) not in self.contact_names.get(cid, set()):
            changes["contact"] = (None, contact)
        self.seen_id[cid] = plan.line
        self.seen_key.setdefault(wanted, plan.line)
        plan.entity_id = cid
        plan.action = RowAction.UPDATE if changes else RowAction.UNCHANGED
        plan.changes = {
            FIELD_OF[column]: pair for column, pair in changes.items() if column in FIELD_OF
        }

    def _new_columns(self, values: dict[str, Any], cid: int) -> tuple[dict[str, Any], str | None]:
        """The columns the row sets (stored form), owner included; or a problem."""
        new = {COLUMNS[k]: v for k, v in values.items() if k in COLUMNS and v is not None}
        for column in DATE_COLUMNS:
            if column in new:
                new[column] = self.ctx.stored.date(new[column])
        owner = values.get("owner")
        if owner is None:
            return new, None
        row = self.existing[cid]
        public = row[_AT["pool_status"]] == "public"
        if owner == PUBLIC_POOL:
            if public:
                return new, None
            return new, _("Release a customer to the public pool in the customers tab.")
        if owner == row[_AT["owner_id"]] and not public:
            return new, None
        if "customers.transfer" not in self.ctx.permissions:
            return new, _("Changing the owner needs the permission to transfer customers.")
        problem = self._owner_problem(owner)
        if problem:
            return new, problem
        new.update(
            owner_id=owner, pool_status="private", owned_since=self.ctx.stored.dt(self.ctx.now)
        )
        return new, None

    def _clash(self, cid: int, changes: dict[str, tuple[Any, Any]]) -> str | None:
        """A rename or new phone/code that makes this customer another one's duplicate."""
        lookup = self.lookup
        if "name" in changes:
            others = [
                i for i in lookup.by_name.get(normalized_name(changes["name"][1]), []) if i != cid
            ]
            if others:
                return _("A customer with the same name already exists: {name} ({owner}).").format(
                    **self._who(others[0])
                )
        if "phone" in changes:
            digits = phone_digits(changes["phone"][1])
            others = [i for i in lookup.by_phone.get(digits, []) if i != cid]
            if len(digits) >= MIN_PHONE_DIGITS and others:
                return _(
                    "A customer with the same phone number already exists: {name} ({owner})."
                ).format(**self._who(others[0]))
        if "code" in changes and lookup.by_code.get(changes["code"][1], cid) != cid:
            other = lookup.info[lookup.by_code[changes["code"][1]]][2]
            return _("The code {code} belongs to {name} already.").format(
                code=changes["code"][1], name=other
            )
        return None

    def planned(self) -> None:
        """Planning is over: the existing customers' keys and the keys seen in the file are
        not needed by the writes (~90 MiB at 100k customers and rows, used by them instead)."""
        self.lookup = CustomerLookup()
        self.ctx.forget_customers()
        self.seen_key, self.seen_name, self.seen_phone, self.seen_code = {}, {}, {}, {}

    # --- writing ---------------------------------------------------------------------------

    def prepare(self, plans: list[RowPlan], checkpoint: Callable[[], None] | None = None) -> None:
        """Build a chunk's rows (pinyin keys included: the costly part) before its write
        transaction opens, so other PCs wait only for the inserts themselves (the engine
        does it on its worker thread; `checkpoint` is called every few hundred rows)."""
        self._prepared[id(plans)] = self._build(plans, checkpoint)

    def write(self, writer: Writer, plans: list[RowPlan]) -> None:
        built = self._prepared.pop(id(plans), None) or self._build(plans)
        rows, created, updates, contacts = built
        ids = writer.insert("customers", ENTITY, rows)
        for cid, plan in zip(ids, created, strict=True):
            if plan.values.get("contact"):
                contacts.append(_contact(cid, plan.values["contact"], True))
        writer.update("customers", ENTITY, updates)
        writer.insert("contacts", "contact", contacts)

    def _build(self, plans: list[RowPlan], checkpoint: Callable[[], None] | None = None) -> _Built:
        rows: list[dict[str, Any]] = []
        created: list[RowPlan] = []
        updates: list[Update] = []
        contacts: list[dict[str, Any]] = []
        now = self.ctx.stored.dt(self.ctx.now)
        for count, plan in enumerate(plans, 1):
            if checkpoint is not None and count % CHECKPOINT_ROWS == 0:
                checkpoint()
            if plan.action is RowAction.CREATE:
                rows.append(self._new_row(plan, now))
                created.append(plan)
            elif plan.action is RowAction.UPDATE:
                self._changed_row(plan, updates, contacts)
        return rows, created, updates, contacts

    def _new_row(self, plan: RowPlan, now: Any) -> dict[str, Any]:
        values = plan.values
        owner = self.owner_of[plan.line]
        public = owner == PUBLIC_POOL
        row = {column: values.get(key) for key, column in COLUMNS.items()}
        for column in DATE_COLUMNS:
            row[column] = self.ctx.stored.date(row[column])
        normalized = self.normalized_of[plan.line]
        row.update(
            derived_keys(values["name"], values.get("phone"), values.get("email"), normalized)
        )
        row.update(
            owner_id=None if public else owner,
            pool_status="public" if public else "private",
            pool_since=now if public else None,
            owned_since=None if public else now,
            archived=False,
        )
        return row

    def _changed_row(
        self, plan: RowPlan, updates: list[Update], contacts: list[dict[str, Any]]
    ) -> None:
        cid = plan.entity_id
        assert cid is not None
        row = self.existing[cid]
        new, _problem = self._new_columns(plan.values, cid)
        changed = changed_values(new, {column: row[_AT[column]] for column in new})
        values = {column: pair[1] for column, pair in changed.items()}
        if {"name", "phone", "email"} & values.keys():
            keys = derived_keys(
                values.get("name", row[_AT["name"]]),
                values.get("phone", row[_AT["phone"]]),
                values.get("email", row[_AT["email"]]),
            )
            values.update({k: v for k, v in keys.items() if v != row[_AT[k]]})
        if values:
            audit = {c: pair for c, pair in changed.items() if c != "owned_since"}
            updates.append(Update.of(cid, row, _AT, values, audit))
        if "contact" in plan.changes:
            first = not self.contact_names.get(cid)
            contacts.append(_contact(cid, plan.values["contact"], first))


_Built = tuple[list[dict[str, Any]], list[RowPlan], list[Update], list[dict[str, Any]]]


def _contact(customer_id: int, name: str, primary: bool) -> dict[str, Any]:
    return {"customer_id": customer_id, "name": name[:80], "is_primary": primary, "archived": False}


def _load_existing(session: Session) -> dict[int, tuple[Any, ...]]:
    """Every customer's stored columns the import compares, as driver tuples (stored form)."""
    return stored_rows(session, "customers", LOADED)


def _load_contact_names(session: Session) -> dict[int, set[str]]:
    found: dict[int, set[str]] = {}
    sql = "SELECT customer_id, name FROM contacts WHERE archived = ?"
    for customer_id, name in driver_rows(session, sql, (False,)):
        found.setdefault(customer_id, set()).add(fold(name))
    return found


class CustomersTarget:
    kind = ImportKind.CUSTOMERS
    entity = ENTITY
    permissions = ("customers.view", "customers.import")

    def begin(self, ctx: Context, session: Session) -> CustomersRun:
        return CustomersRun(ctx, session)


TARGET = CustomersTarget()
