"""Any list of the program to an xlsx file: what the tab shows, as typed cells.

    export_list(db, actor, "customers", path, filters=CustomerFilter(region_id=3),
                columns=columns_for("customers", ["name", "phone"]), progress=progress)

The rows come page by page from the same list services the tabs read (`list_customers`,
`list_orders`, ...) with the same filter objects, so the data scope, the filters and the order
are exactly those of the list on screen. Exporting needs the list's view permission and its
export permission (`EXPORT_PERMISSIONS`); a finished export leaves one audit row
("<kind>.export") with the row count and the filters. Rows are streamed into the workbook
(`xlsx.WorkbookStream`); Cancel (progress returning False) raises `ImportCancelled` and leaves no
file. The header labels are the tabs' own column titles, which the importer maps back (round
trip: export customers, import the file with "update", nothing changes).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from functools import cache
from operator import attrgetter
from pathlib import Path
from typing import Any

from crm_desktop.core.actor import Actor
from crm_desktop.core.db.database import Database
from crm_desktop.core.errors import ValidationError
from crm_desktop.core.exporting.xlsx import MAX_ROWS, WorkbookStream, check_target
from crm_desktop.core.i18n import N_, NC_, _
from crm_desktop.core.importing.model import ImportCancelled, Progress
from crm_desktop.core.services.access import require

# Rows asked of the list service at a time. Customers are read by keyset (each page starts after
# the last row); the other services page with OFFSET, which rereads the rows before the page, so
# fewer, longer pages (100k customers by OFFSET: 12 s of queries, 35 s at pages of 2000).
PAGE = 10_000
PROGRESS_EVERY = 500  # rows between progress reports (and chances to cancel)
EXPORT_KINDS = ("customers", "contacts", "followups", "quotes", "orders", "receipts", "service")
EXPORT_PERMISSIONS = {
    "customers": "customers.export",
    "contacts": "customers.export",
    "followups": "customers.export",
    "quotes": "orders.export",
    "orders": "orders.export",
    "receipts": "receipts.export",
    "service": "service.export",
}
VIEW_PERMISSIONS = {
    "customers": "customers.view",
    "contacts": "customers.view",
    "followups": "followups.view",
    "quotes": "quotes.view",
    "orders": "orders.view",
    "receipts": "receipts.view",
    "service": "service.view",
}
KIND_TITLES = {
    "customers": N_("Customers"),
    "contacts": N_("Contacts"),
    "followups": N_("Follow-ups"),
    "quotes": N_("Quotes"),
    "orders": N_("Sales orders"),
    "receipts": N_("Receipts"),
    "service": N_("Service records"),
}


@dataclass(frozen=True)
class ExportColumn:
    """A column of an exported list. `key` is the list column's key (the row attribute read
    unless `value` computes the cell); `kind` types the cell as in `xlsx.SheetColumn`."""

    key: str
    label: str  # translated
    kind: str = "text"
    value: Callable[[Any], Any] | None = field(default=None, compare=False, repr=False)

    def read(self, row: Any) -> Any:
        if self.value is not None:
            return self.value(row)
        if isinstance(row, Mapping):
            return row.get(self.key)
        return getattr(row, self.key, None)


def may_export(actor: Actor, kind: str) -> bool:
    """Whether to offer the export (the service checks again, against the database)."""
    return actor.can(VIEW_PERMISSIONS[kind]) and actor.can(EXPORT_PERMISSIONS[kind])


def kind_title(kind: str) -> str:
    """The list's name as the person reads it (also the sheet's name)."""
    return _(KIND_TITLES[_known(kind)])


def default_columns(kind: str) -> list[ExportColumn]:
    """Every column the kind's tab shows, in the tab's order, labelled with the tab's titles."""
    return _COLUMNS[_known(kind)]()


def columns_for(kind: str, keys: Sequence[str]) -> list[ExportColumn]:
    """The export columns for list column keys in this order; keys without one are left out."""
    by_key = {column.key: column for column in default_columns(kind)}
    return [by_key[key] for key in keys if key in by_key]


def export_list(
    db: Database,
    actor: Actor,
    kind: str,
    path: Path | str,
    *,
    filters: Any = None,
    columns: Sequence[ExportColumn] | None = None,
    search: str = "",
    progress: Progress | None = None,
    sort: tuple[str, bool] | None = None,
) -> int:
    """Write the list of `kind` that `filters` (the tab's filter object, a dict of its fields, or
    None) and `search` select to an xlsx file at `path`; return the number of rows written.

    `columns` default to `default_columns(kind)`; `sort` is the tab's (sort key, descending) for
    lists the service sorts. Refused (PermissionDenied) without the view or export permission,
    before anything is read or written.
    """
    spec = _services()[_known(kind)]
    target = Path(path)
    check_target(target)
    wanted = _filter(spec, filters, search)
    with db.read() as session:
        require(session, actor, VIEW_PERMISSIONS[kind])
        require(session, actor, EXPORT_PERMISSIONS[kind])
    chosen = list(columns) if columns is not None else default_columns(kind)
    if not chosen:
        raise ValidationError(_("Choose at least one column to export."))
    total = spec.count(db, actor, wanted)
    if total >= MAX_ROWS:
        raise ValidationError(
            _("{n} rows do not fit on an Excel sheet; narrow the filters.").format(n=f"{total:,}")
        )
    _report(progress, 0, total)
    with WorkbookStream(target) as book:
        sheet = book.sheet(kind_title(kind), chosen)
        for page in _pages(spec, db, actor, wanted, sort):
            read = _reader(chosen, page[0])
            for number, row in enumerate(page, start=1):
                sheet.add(read(row))
                if number % PROGRESS_EVERY == 0 or number == len(page):
                    _report(progress, sheet.rows, max(total, sheet.rows))
        book.save(lambda: _audit(db, actor, kind, sheet.rows, wanted, target.name))
    return sheet.rows


def filters_text(wanted: Any) -> str:
    """The filters that differ from the list's defaults, as `key=value` pairs for the audit."""
    default = type(wanted)()
    return ", ".join(
        f"{f.name}={value}"
        for f in fields(wanted)
        if (value := getattr(wanted, f.name)) != getattr(default, f.name)
    )


# --- internals -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Spec:
    """How to read one kind: its filter type and its service's list and count functions."""

    filter_type: Callable[..., Any]
    lister: Callable[..., Sequence[Any]]
    counter: Callable[..., int]
    entity: str  # for the audit row
    sortable: bool = True  # the lister takes sort= and descending=
    # Reads the whole list page after page (keyset paging) where the service offers it; the
    # lister with OFFSET otherwise (each page rereads the rows before it).
    walker: Callable[..., Iterable[Sequence[Any]]] | None = None

    def _sorting(self, sort: tuple[str, bool] | None) -> dict[str, Any]:
        if self.sortable and sort is not None:
            return {"sort": sort[0], "descending": sort[1]}
        return {}

    def count(self, db: Database, actor: Actor, wanted: Any) -> int:
        return self.counter(db, actor, wanted)

    def page(
        self, db: Database, actor: Actor, wanted: Any, sort: tuple[str, bool] | None, offset: int
    ) -> Sequence[Any]:
        return self.lister(db, actor, wanted, limit=PAGE, offset=offset, **self._sorting(sort))


def _known(kind: str) -> str:
    if kind not in EXPORT_KINDS:
        raise ValidationError(
            _("Unknown list “{kind}”; the lists are: {kinds}.").format(
                kind=kind, kinds=", ".join(EXPORT_KINDS)
            )
        )
    return kind


def _filter(spec: _Spec, filters: Any, search: str) -> Any:
    if filters is None:
        wanted = spec.filter_type()
    elif isinstance(filters, Mapping):
        wanted = spec.filter_type(**filters)
    elif isinstance(filters, spec.filter_type):  # type: ignore[arg-type]
        wanted = filters
    else:
        raise TypeError(f"{type(filters).__name__} is not a filter of this list")
    return replace(wanted, search=search.strip()) if search.strip() else wanted


def _pages(
    spec: _Spec, db: Database, actor: Actor, wanted: Any, sort: tuple[str, bool] | None
) -> Any:
    if spec.walker is not None:
        yield from spec.walker(db, actor, wanted, page=PAGE, **spec._sorting(sort))
        return
    offset = 0
    while True:
        rows = spec.page(db, actor, wanted, sort, offset)
        if rows:
            yield rows
        if len(rows) < PAGE:
            return
        offset += len(rows)


def _reader(columns: Sequence[ExportColumn], sample: Any) -> Callable[[Any], Sequence[Any]]:
    """Reads a row's cells. Rows with every column as an attribute (the services' named
    tuples) are read in one `attrgetter` call, the rest column by column (`ExportColumn.read`)."""
    keys = [column.key for column in columns]
    if (
        isinstance(sample, Mapping)
        or any(column.value is not None for column in columns)
        or not all(hasattr(sample, key) for key in keys)
    ):
        return lambda row: [column.read(row) for column in columns]
    if len(keys) == 1:
        one = attrgetter(keys[0])
        return lambda row: (one(row),)
    return attrgetter(*keys)


def _report(progress: Progress | None, done: int, total: int) -> None:
    if progress is not None and not progress(done, total):
        raise ImportCancelled(_("Export cancelled; no file was written."))


def _audit(db: Database, actor: Actor, kind: str, rows: int, wanted: Any, target: str) -> None:
    """Check the export right once more and record that the list left the program."""
    filters = filters_text(wanted)
    with db.write(actor) as uow:
        require(uow.session, actor, EXPORT_PERMISSIONS[kind])
        uow.audit(
            f"{kind}.export",
            _services()[kind].entity,
            None,
            {"rows": (None, rows), "filters": (None, filters), "target": (None, target)},
            summary=f"{kind}: {rows} rows ({filters}) -> {target}"
            if filters
            else f"{kind}: {rows} rows -> {target}",
        )


@cache
def _services() -> dict[str, _Spec]:
    """The services, imported on first use (the CLI's parser imports this module)."""
    from crm_desktop.core.services import (
        contacts,
        customers,
        followups,
        orders,
        quotes,
        receipts,
        service_records,
    )

    return {
        "customers": _Spec(
            customers.CustomerFilter,
            customers.list_customers,
            customers.count_customers,
            "customer",
            walker=customers.iter_customers,
        ),
        "contacts": _Spec(
            contacts.ContactFilter,
            contacts.list_visible_contacts,
            contacts.count_visible_contacts,
            "contact",
            sortable=False,
        ),
        "followups": _Spec(
            followups.FollowUpFilter,
            followups.list_followups,
            followups.count_followups,
            "followup",
            sortable=False,  # newest first, the only order
        ),
        "quotes": _Spec(quotes.QuoteFilter, quotes.list_quotes, quotes.count_quotes, "quote"),
        "orders": _Spec(orders.OrderFilter, orders.list_orders, orders.count_orders, "order"),
        "receipts": _Spec(
            receipts.ReceiptFilter, receipts.list_receipts, receipts.count_receipts, "receipt"
        ),
        "service": _Spec(
            service_records.ServiceFilter,
            service_records.list_service_records,
            service_records.count_service_records,
            "service_record",
        ),
    }


# --- columns (the tabs' columns and titles) ------------------------------------------------------


def _labelled(labels: Mapping[Any, str]) -> Callable[[Any], str | None]:
    return lambda value: _(labels[value]) if value in labels else value


def _customer_columns() -> list[ExportColumn]:
    return [
        ExportColumn("name", _("Name")),
        ExportColumn("type_name", _("Type")),
        ExportColumn("source_name", _("Source")),
        ExportColumn("industry_name", _("Industry")),
        ExportColumn("region_name", _("Region")),
        ExportColumn("phone", _("Phone"), "code"),
        ExportColumn("owner_name", _("Owner")),  # empty for the public pool
        ExportColumn("last_followup_at", _("Last follow-up"), "datetime"),
        ExportColumn("next_followup_on", _("Next follow-up"), "date"),
        ExportColumn("level_name", _("Level")),
    ]


def _contact_columns() -> list[ExportColumn]:
    return [
        ExportColumn("customer_name", _("Customer")),
        ExportColumn("name", _("Name")),
        ExportColumn("title", _("Title")),
        ExportColumn("phone", _("Phone"), "code"),
        ExportColumn("mobile", _("Mobile"), "code"),
        ExportColumn("email", _("Email")),
        ExportColumn("wechat", _("WeChat"), "code"),
        ExportColumn("birthday", _("Birthday"), "date"),
        ExportColumn("is_primary", _("Primary"), "bool"),
    ]


def _followup_columns() -> list[ExportColumn]:
    from crm_desktop.core.services.followups import METHOD_LABELS

    method = _labelled(METHOD_LABELS)
    return [
        ExportColumn("happened_at", _("Date"), "datetime"),
        ExportColumn("customer_name", _("Customer")),
        ExportColumn("contact_name", _("Contact")),
        ExportColumn("operator_name", _("Salesperson")),
        ExportColumn("method", _("Method"), value=lambda row: method(row.method)),
        ExportColumn("subject", _("Subject")),
        ExportColumn("content", _("Content")),
        ExportColumn("next_followup_on", _("Next follow-up"), "date"),
        ExportColumn("annotations", _("Annotations"), "number"),
        ExportColumn("unread_annotations", _("Unread"), "number"),
    ]


def _status(row: Any) -> str:
    from crm_desktop.core.services.sales_common import status_label

    return status_label(row.status)


def _quote_columns() -> list[ExportColumn]:
    return [
        ExportColumn("number", _("Number"), "code"),
        ExportColumn("revision", _("Rev."), "number"),
        ExportColumn("quote_date", _("Date"), "date"),
        ExportColumn("valid_until", _("Valid until"), "date"),
        ExportColumn("customer_name", _("Customer")),
        ExportColumn("status", _("Status"), value=_status),
        ExportColumn("total", _("Total"), "money"),
        ExportColumn("salesperson_name", _("Salesperson")),
    ]


def _order_columns() -> list[ExportColumn]:
    return [
        ExportColumn("number", _("Number"), "code"),
        ExportColumn("order_date", _("Date"), "date"),
        ExportColumn("customer_name", _("Customer")),
        ExportColumn("status", _("Status"), value=_status),
        ExportColumn("total", _("Total"), "money"),
        ExportColumn("received", _("Received"), "money"),
        ExportColumn("outstanding", _("Outstanding"), "money"),
        ExportColumn("salesperson_name", _("Salesperson")),
    ]


def _receipt_columns() -> list[ExportColumn]:
    return [
        ExportColumn("number", _("Number"), "code"),
        ExportColumn("received_on", _("Date"), "date"),
        ExportColumn("customer_name", _("Customer")),
        ExportColumn("payer", _("Payer")),
        ExportColumn("method_name", _("Method")),
        ExportColumn("amount", _("Amount"), "money"),
        ExportColumn("allocated", _("Allocated"), "money"),
        ExportColumn("unallocated", _("Unallocated"), "money"),
        ExportColumn("handler_name", _("Handler")),
    ]


def _service_columns() -> list[ExportColumn]:
    from crm_desktop.core.services.service_records import PRIORITY_LABELS, SERVICE_STATUS_LABELS

    priority, status = _labelled(PRIORITY_LABELS), _labelled(SERVICE_STATUS_LABELS)
    return [
        ExportColumn("accepted_at", _("Accepted at"), "datetime"),
        ExportColumn("customer_name", _("Customer")),
        ExportColumn("subject", _("Subject")),
        ExportColumn("category_name", _("Category")),
        ExportColumn("handler_name", _(NC_("service", "Handler"))),
        ExportColumn("priority", _("Priority"), value=lambda row: priority(row.priority)),
        ExportColumn("status", _("Status"), value=lambda row: status(row.status)),
        ExportColumn("resolved_at", _("Resolved at"), "datetime"),
    ]


_COLUMNS: dict[str, Callable[[], list[ExportColumn]]] = {
    "customers": _customer_columns,
    "contacts": _contact_columns,
    "followups": _followup_columns,
    "quotes": _quote_columns,
    "orders": _order_columns,
    "receipts": _receipt_columns,
    "service": _service_columns,
}
