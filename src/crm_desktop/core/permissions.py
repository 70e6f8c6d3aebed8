"""Named permissions, the preset roles, and the data-scope rule.

A role is a set of these names. Services call `require()` with the permission an action needs;
the same check runs whether the call comes from a button, the CLI or a test.
"""

from __future__ import annotations

from dataclasses import dataclass

from crm_desktop.core.i18n import N_
from crm_desktop.core.models import DataScope


@dataclass(frozen=True)
class Permission:
    name: str
    label: str  # marked with N_, translated where shown
    group: str


def _p(name: str, label: str, group: str) -> Permission:
    return Permission(name, label, group)


G_CUSTOMERS, G_MARKETING, G_SALES, G_FINANCE, G_SERVICE, G_REPORTS, G_SETTINGS, G_SYSTEM = (
    N_("Customers"),
    N_("Marketing"),
    N_("Sales"),
    N_("Receipts"),
    N_("Service"),
    N_("Statistics"),
    N_("Settings"),
    N_("System"),
)

ALL_PERMISSIONS: tuple[Permission, ...] = (
    _p("customers.view", N_("View customers"), G_CUSTOMERS),
    _p("customers.create", N_("Create customers"), G_CUSTOMERS),
    _p("customers.edit", N_("Edit customers"), G_CUSTOMERS),
    _p("customers.archive", N_("Archive and restore customers"), G_CUSTOMERS),
    _p("customers.transfer", N_("Transfer customers between salespeople"), G_CUSTOMERS),
    _p("customers.pool", N_("Claim from and release to the public pool"), G_CUSTOMERS),
    _p("customers.import", N_("Import customers"), G_CUSTOMERS),
    _p("customers.export", N_("Export customers"), G_CUSTOMERS),
    _p("followups.view", N_("View follow-ups"), G_CUSTOMERS),
    _p("followups.create", N_("Record follow-ups"), G_CUSTOMERS),
    _p("followups.annotate", N_("Annotate follow-ups"), G_CUSTOMERS),
    _p("leads.view", N_("View leads"), G_MARKETING),
    _p("leads.edit", N_("Create, edit and convert leads"), G_MARKETING),
    _p("leads.import", N_("Import leads"), G_MARKETING),
    _p("campaigns.view", N_("View marketing campaigns"), G_MARKETING),
    _p("campaigns.edit", N_("Edit marketing campaigns"), G_MARKETING),
    _p("targets.view", N_("View sales targets"), G_SALES),
    _p("targets.edit", N_("Set sales targets"), G_SALES),
    _p("opportunities.view", N_("View opportunities"), G_SALES),
    _p("opportunities.edit", N_("Edit opportunities"), G_SALES),
    _p("quotes.view", N_("View quotes"), G_SALES),
    _p("quotes.edit", N_("Edit quotes"), G_SALES),
    _p("orders.view", N_("View sales orders"), G_SALES),
    _p("orders.create", N_("Create sales orders"), G_SALES),
    _p("orders.edit", N_("Edit sales orders"), G_SALES),
    _p("orders.approve", N_("Approve and cancel sales orders"), G_SALES),
    _p("orders.import", N_("Import sales history"), G_SALES),
    _p("orders.export", N_("Export quotes and sales orders"), G_SALES),
    _p("contracts.view", N_("View contracts"), G_SALES),
    _p("contracts.edit", N_("Edit contracts"), G_SALES),
    _p("receipts.view", N_("View receipts"), G_FINANCE),
    _p("receipts.create", N_("Record receipts"), G_FINANCE),
    _p("receipts.edit", N_("Edit and archive receipts"), G_FINANCE),
    _p("receipts.export", N_("Export receipts"), G_FINANCE),
    _p("service.view", N_("View service records"), G_SERVICE),
    _p("service.create", N_("Record service requests"), G_SERVICE),
    _p("service.edit", N_("Edit and close service records"), G_SERVICE),
    _p("service.export", N_("Export service records"), G_SERVICE),
    _p("kb.view", N_("Read the knowledge base"), G_SERVICE),
    _p("kb.edit", N_("Edit knowledge base articles"), G_SERVICE),
    _p("statistics.view", N_("View statistics"), G_REPORTS),
    _p("statistics.export", N_("Export statistics"), G_REPORTS),
    _p("settings.company", N_("Edit the company profile"), G_SETTINGS),
    _p("settings.basedata", N_("Edit base data lists"), G_SETTINGS),
    _p("settings.products", N_("Edit products"), G_SETTINGS),
    _p("settings.operators", N_("Manage operators and passwords"), G_SETTINGS),
    _p("settings.roles", N_("Edit roles and permissions"), G_SETTINGS),
    _p("settings.teams", N_("Edit teams"), G_SETTINGS),
    _p("settings.pool", N_("Edit the public pool rules"), G_SETTINGS),
    _p("audit.view", N_("View the audit log"), G_SYSTEM),
    _p("system.backup", N_("Back up the database"), G_SYSTEM),
    _p("system.demo", N_("Fill the database with demo data"), G_SYSTEM),
)

PERMISSION_NAMES = frozenset(p.name for p in ALL_PERMISSIONS)


def _all(prefixes: tuple[str, ...]) -> frozenset[str]:
    return frozenset(p for p in PERMISSION_NAMES if p.startswith(prefixes))


def _views() -> frozenset[str]:
    return frozenset(p for p in PERMISSION_NAMES if p.endswith(".view"))


@dataclass(frozen=True)
class PresetRole:
    code: str
    name: str
    scope: DataScope
    permissions: frozenset[str]


SALES_WORK = frozenset(
    {
        "customers.view",
        "customers.create",
        "customers.edit",
        "customers.pool",
        "followups.view",
        "followups.create",
        "opportunities.view",
        "opportunities.edit",
        "quotes.view",
        "quotes.edit",
        "orders.view",
        "orders.create",
        "orders.edit",
        "contracts.view",
        "receipts.view",
        "service.view",
        "service.create",
        "statistics.view",
        "leads.view",
        "leads.edit",
        "campaigns.view",
        "targets.view",
        "kb.view",
    }
)

PRESET_ROLES: tuple[PresetRole, ...] = (
    PresetRole("boss", N_("Boss"), DataScope.ALL, PERMISSION_NAMES),
    PresetRole(
        "sales_manager",
        N_("Sales manager"),
        DataScope.TEAM,
        SALES_WORK
        | {
            "customers.archive",
            "customers.transfer",
            "customers.import",
            "customers.export",
            "orders.import",
            "orders.export",
            "receipts.export",
            "service.export",
            "followups.annotate",
            "orders.approve",
            "contracts.edit",
            "statistics.export",
            "leads.import",
            "campaigns.edit",
            "targets.edit",
        },
    ),
    PresetRole("salesperson", N_("Salesperson"), DataScope.OWN, SALES_WORK),
    PresetRole(
        "finance",
        N_("Finance"),
        DataScope.ALL,
        _views() - {"audit.view"}
        | _all(("receipts.",))
        | {
            "statistics.export",
            "customers.export",
            "orders.export",
            "service.export",
            "system.backup",
        },
    ),
    PresetRole(
        "service",
        N_("Service"),
        DataScope.ALL,
        frozenset({"customers.view", "followups.view", "followups.create", "products.view"})
        & PERMISSION_NAMES
        | _all(("service.", "kb.")),
    ),
    PresetRole("readonly", N_("Read-only"), DataScope.ALL, _views() - {"audit.view"}),
)

PRESETS_BY_CODE = {preset.code: preset for preset in PRESET_ROLES}
SCOPE_LABELS = {
    DataScope.OWN: N_("Own records"),
    DataScope.TEAM: N_("Team's records"),
    DataScope.ALL: N_("All records"),
}
