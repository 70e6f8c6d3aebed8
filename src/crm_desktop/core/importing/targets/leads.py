"""Leads: a list of prospects from a fair, a purchased list or a web form, one row per person.

The same rules as the leads form (core/services/leads.py) on plain tuples: the prospect's
company (or, without one, the person's name) is normalized like a customer name and compared,
together with its phone digits (six or more), with every customer and every lead of the firm;
a row like that is skipped as a duplicate in create mode ("A customer with the same name already
exists: …"), and a second row of the same prospect in the file is refused ("Same lead as row N").
The importer owns what they create unless an owner column names someone in their scope. Update
modes match the importer's own (visible) leads by the chosen key; converted leads stay as they are.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from crm_desktop.core.i18n import _
from crm_desktop.core.importing.model import ImportKind, ImportMode, MatchKey, RowAction, RowPlan
from crm_desktop.core.importing.targets.base import (
    PUBLIC_POOL,
    BaseRun,
    Context,
    Update,
    Writer,
    changed_values,
    driver_rows,
    spellings,
    stored_rows,
    too_long,
)
from crm_desktop.core.models import LeadStatus
from crm_desktop.core.search_keys import fold, normalized_name, phone_digits
from crm_desktop.core.services.leads import MANUAL_STATUSES, STATUS_LABELS, customer_name_of

ENTITY = "lead"
COLUMNS: dict[str, str] = {
    "name": "name",
    "company": "company",
    "title": "title",
    "phone": "phone",
    "email": "email",
    "source": "source_id",
    "campaign": "campaign_id",
    "owner": "owner_id",
    "status": "status",
    "remarks": "remarks",
}
FIELD_OF = {column: key for key, column in COLUMNS.items()}
LOADED = ("id", "version", *COLUMNS.values(), "normalized_company", "phone_digits")
_AT = {name: index for index, name in enumerate(LOADED)}
MIN_PHONE_DIGITS = 6


def _status_words() -> dict[str, str]:
    """Folded status texts a sheet may hold (code, English label, Chinese label) -> status."""
    words: dict[str, str] = {}
    for status in MANUAL_STATUSES:
        for text in {str(status), *spellings(STATUS_LABELS[status])}:
            words[fold(text)] = status
    return words


class LeadsRun(BaseRun):
    def __init__(self, ctx: Context, session: Session) -> None:
        self.ctx = ctx
        self.mode = ctx.request.mode
        self.key = ctx.request.key
        self.customers = ctx.customers(session)
        self.existing = stored_rows(session, "leads", LOADED, live_only=True)
        self.by_name: dict[str, list[int]] = {}
        self.by_phone: dict[str, list[int]] = {}
        for row in self.existing.values():
            if row[_AT["normalized_company"]]:
                self.by_name.setdefault(row[_AT["normalized_company"]], []).append(row[0])
            if row[_AT["phone_digits"]]:
                self.by_phone.setdefault(row[_AT["phone_digits"]], []).append(row[0])
        self.campaigns: dict[str, int] = {}
        for cid, cname in driver_rows(session, "SELECT id, name FROM campaigns"):
            self.campaigns.setdefault(fold(cname), cid)
        self.statuses = _status_words()
        self.seen_name: dict[str, int] = {}
        self.seen_phone: dict[str, int] = {}
        self.seen_id: dict[int, int] = {}
        self.columns_of: dict[int, dict[str, Any]] = {}  # line -> resolved columns

    # --- planning ------------------------------------------------------------------------------

    def plan(self, plan: RowPlan) -> None:
        values = plan.values
        nkey = normalized_name(customer_name_of(values.get("name"), values.get("company")))
        digits = phone_digits(values.get("phone"))
        phone_key = digits if len(digits) >= MIN_PHONE_DIGITS else ""
        if not nkey:
            return self.refuse(plan, _("The name has no letters or digits."))
        columns, problem = self._columns(values)
        if problem:
            return self.refuse(plan, problem)
        first = self.seen_name.get(nkey) or (phone_key and self.seen_phone.get(phone_key))
        if first:
            return self.refuse(plan, _("Same lead as row {line}.").format(line=first))
        wanted = nkey if self.key is MatchKey.NAME else phone_key
        matches = [] if self.mode is ImportMode.CREATE else self._matches(wanted)
        if matches:
            self._plan_update(plan, matches, columns)
        elif self.mode is ImportMode.UPDATE:
            return self.skip(plan, _("No lead matches; update mode creates nothing."))
        else:
            self._plan_create(plan, nkey, phone_key, columns)
        if plan.action in (RowAction.CREATE, RowAction.UPDATE, RowAction.UNCHANGED):
            self.seen_name.setdefault(nkey, plan.line)
            if phone_key:
                self.seen_phone.setdefault(phone_key, plan.line)
        return None

    def _columns(self, values: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
        new = {COLUMNS[k]: v for k, v in values.items() if k in COLUMNS and v is not None}
        problem = too_long("leads", {k: v for k, v in new.items() if isinstance(v, str)})
        if problem:
            return new, problem
        campaign = new.get("campaign_id")
        if campaign is not None:
            new["campaign_id"] = self.campaigns.get(fold(campaign))
            if new["campaign_id"] is None:
                return new, _("No campaign is named “{name}”.").format(name=campaign)
        status = new.get("status")
        if status is not None:
            new["status"] = self.statuses.get(fold(status))
            if new["status"] is None:
                return new, _("“{text}” is not a lead status.").format(text=status)
        owner = new.get("owner_id")
        if owner == PUBLIC_POOL:
            return new, _("A lead needs an owner; the public pool cannot own it.")
        if owner is not None and not self.ctx.in_scope(owner):
            return new, _("{name} is outside your data scope; you cannot give them leads.").format(
                name=self.ctx.operators.names.get(owner, owner)
            )
        return new, None

    def _matches(self, wanted: str) -> list[int]:
        if not wanted:
            return []
        table = self.by_name if self.key is MatchKey.NAME else self.by_phone
        return [i for i in table.get(wanted, []) if self.ctx.in_scope(self._owner(i))]

    def _owner(self, lead_id: int) -> int | None:
        return self.existing[lead_id][_AT["owner_id"]]

    def _plan_create(
        self, plan: RowPlan, nkey: str, phone_key: str, columns: dict[str, Any]
    ) -> None:
        lookup = self.customers
        if nkey in lookup.by_name:
            return self.skip(
                plan,
                _("A customer with the same name already exists: {name} ({owner}).").format(
                    **self._who(lookup.by_name[nkey][0])
                ),
            )
        if phone_key and phone_key in lookup.by_phone:
            return self.skip(
                plan,
                _("A customer with the same phone number already exists: {name} ({owner}).").format(
                    **self._who(lookup.by_phone[phone_key][0])
                ),
            )
        lead = (self.by_name.get(nkey) or self.by_phone.get(phone_key) or [None])[0]
        if lead is not None:
            row = self.existing[lead]
            message = _("A lead with the same name already exists: {name} ({owner}).")
            if nkey not in self.by_name:
                message = _("A lead with the same phone number already exists: {name} ({owner}).")
            owner = self.ctx.operators.names.get(row[_AT["owner_id"]], "-")
            shown = row[_AT["company"]] or row[_AT["name"]]
            return self.skip(plan, message.format(name=shown, owner=owner))
        columns.setdefault("owner_id", self.ctx.operator_id)
        columns.setdefault("status", LeadStatus.NEW)
        self.columns_of[plan.line] = columns
        plan.action = RowAction.CREATE
        return None

    def _who(self, customer_id: int) -> dict[str, str]:
        return self.customers.who(customer_id, self.ctx.operators.names)

    def _plan_update(self, plan: RowPlan, matches: list[int], columns: dict[str, Any]) -> None:
        if len(matches) > 1:
            return self.refuse(plan, _("Several leads match; match by another key."))
        lead_id = matches[0]
        row = self.existing[lead_id]
        if row[_AT["status"]] == LeadStatus.CONVERTED:
            return self.skip(plan, _("This lead was converted to a customer and cannot change."))
        if lead_id in self.seen_id:
            line = self.seen_id[lead_id]
            return self.refuse(plan, _("Same lead as row {line}.").format(line=line))
        changes = changed_values(columns, row_values(row))
        self.seen_id[lead_id] = plan.line
        self.columns_of[plan.line] = columns
        plan.entity_id = lead_id
        plan.action = RowAction.UPDATE if changes else RowAction.UNCHANGED
        plan.changes = {FIELD_OF[c]: pair for c, pair in changes.items()}
        return None

    # --- writing -------------------------------------------------------------------------------

    def write(self, writer: Writer, plans: list[RowPlan]) -> None:
        rows: list[dict[str, Any]] = []
        updates: list[Update] = []
        for plan in plans:
            new = dict(self.columns_of[plan.line])
            if "source_id" in new:
                new["source_id"] = plan.values.get("source")  # a created entry's real id
            if plan.action is RowAction.CREATE:
                row = {column: new.get(column) for column in COLUMNS.values()}
                row.update(_keys(row), archived=False)
                rows.append(row)
                continue
            assert plan.entity_id is not None
            old = self.existing[plan.entity_id]
            changes = changed_values(new, row_values(old))
            merged = row_values(old) | {c: pair[1] for c, pair in changes.items()}
            derived = _keys(merged)
            values = {c: pair[1] for c, pair in changes.items()}
            values.update({k: v for k, v in derived.items() if old[_AT[k]] != v})
            updates.append(Update.of(plan.entity_id, old, _AT, values, changes))
        writer.insert("leads", ENTITY, rows)
        writer.update("leads", ENTITY, [u for u in updates if u.values])


def row_values(row: tuple[Any, ...]) -> dict[str, Any]:
    return {column: row[_AT[column]] for column in COLUMNS.values()}


def _keys(row: dict[str, Any]) -> dict[str, Any]:
    """The derived duplicate keys, as leads._refresh_keys stores them."""
    return {
        "normalized_company": normalized_name(customer_name_of(row["name"], row["company"])),
        "phone_digits": phone_digits(row["phone"]) or None,
    }


class LeadsTarget:
    kind = ImportKind.LEADS
    entity = ENTITY
    permissions = ("leads.view", "leads.import")

    def begin(self, ctx: Context, session: Session) -> LeadsRun:
        return LeadsRun(ctx, session)


TARGET = LeadsTarget()
