"""First run: the company, the preset roles, starter base data and the boss account.

There is no default password anywhere: the person creating the database chooses it.
"""

from __future__ import annotations

from sqlalchemy import func, select

from crm_desktop.core import password_store
from crm_desktop.core.actor import Actor
from crm_desktop.core.db.database import Database, UnitOfWork
from crm_desktop.core.errors import AlreadyInitialized, ValidationError
from crm_desktop.core.i18n import N_, _
from crm_desktop.core.models import (
    BaseDataItem,
    BaseDataKind,
    CompanyProfile,
    NumberingRule,
    Operator,
    Role,
    RolePermission,
)
from crm_desktop.core.passwords import hash_password
from crm_desktop.core.permissions import PRESET_ROLES
from crm_desktop.core.services.auth import actor_for

K = BaseDataKind

# Starter lists; translated into the language active at first run (they are data afterwards).
STARTER_BASE_DATA: dict[BaseDataKind, tuple[str, ...]] = {
    K.CUSTOMER_TYPE: (N_("Enterprise"), N_("Individual"), N_("Distributor"), N_("Government")),
    K.CUSTOMER_SOURCE: (
        N_("Referral"),
        N_("Exhibition"),
        N_("Website"),
        N_("Cold call"),
        N_("Existing customer"),
    ),
    K.INDUSTRY: (
        N_("Manufacturing"),
        N_("Trade"),
        N_("Construction"),
        N_("IT"),
        N_("Retail"),
        N_("Services"),
    ),
    K.REGION: (
        N_("North China"),
        N_("East China"),
        N_("South China"),
        N_("Central China"),
        N_("West China"),
    ),
    K.CONTACT_CATEGORY: (
        N_("Decision maker"),
        N_("Purchasing"),
        N_("Finance"),
        N_("Technical"),
        N_("Other"),
    ),
    K.PERSON_TYPE: (
        N_("Sales"),
        N_("Management"),
        N_("Finance"),
        N_("Service"),
        N_("Administration"),
    ),
    K.PAYMENT_METHOD: (
        N_("Bank transfer"),
        N_("Cash"),
        N_("WeChat Pay"),
        N_("Alipay"),
        N_("Cheque"),
    ),
    K.UNIT: (N_("pcs"), N_("set"), N_("box"), N_("kg"), N_("m"), N_("hour")),
    K.PRODUCT_CATEGORY: (N_("Products"), N_("Services"), N_("Parts")),
    K.SERVICE_CATEGORY: (N_("Installation"), N_("Repair"), N_("Training"), N_("Consultation")),
    K.OPPORTUNITY_STAGE: (
        N_("Initial contact"),
        N_("Needs analysis"),
        N_("Quotation"),
        N_("Negotiation"),
    ),
    K.CUSTOMER_LEVEL: (N_("A (key)"), N_("B (normal)"), N_("C (small)")),
    K.FOLLOWUP_CATEGORY: (
        N_("First contact"),
        N_("Needs discussion"),
        N_("Quote follow-up"),
        N_("Payment reminder"),
        N_("After-sales visit"),
    ),
}

NUMBERING: tuple[tuple[str, str], ...] = (
    ("order", "SO"),
    ("quote", "QT"),
    ("contract", "HT"),
    ("receipt", "SK"),
)


def is_initialized(db: Database) -> bool:
    with db.read() as session:
        return bool(session.scalar(select(func.count()).select_from(Operator)))


def initialize(
    db: Database, *, company_name: str, admin_code: str, admin_name: str, password: str
) -> Actor:
    """Create the company and its boss account; refuses on an initialized database."""
    company_name, admin_code = company_name.strip(), admin_code.strip()
    if not company_name:
        raise ValidationError(_("Enter the company name."))
    if not admin_code:
        raise ValidationError(_("Enter a user name for the administrator."))
    password_hash = hash_password(password)
    with db.write(None) as uow:
        if uow.session.scalar(select(func.count()).select_from(Operator)):
            raise AlreadyInitialized(_("This database has already been set up."))
        roles = _create_roles(uow)
        boss = Operator(
            code=admin_code,
            name=admin_name.strip() or admin_code,
            role=roles["boss"],
            data_scope="all",
            password_changed_at=db.clock.now(),
        )
        uow.session.add(boss)
        uow.session.flush()
        password_store.set_hash(uow.session, boss.id, password_hash)
        actor = actor_for(boss, db.pc_name)
        uow.session.info["actor_id"] = boss.id
        uow.session.add(CompanyProfile(name=company_name))
        _seed_base_data(uow)
        for kind, prefix in NUMBERING:
            uow.session.add(NumberingRule(kind=kind, prefix=prefix))
        uow.audit("system.init", "company", None, summary=company_name, actor=actor)
        uow.audit("operator.create", "operator", boss.id, {"code": (None, boss.code)}, actor=actor)
    return actor


def _create_roles(uow: UnitOfWork) -> dict[str, Role]:
    roles = {}
    for preset in PRESET_ROLES:
        role = Role(
            code=preset.code,
            name=_(preset.name),
            is_preset=True,
            default_scope=preset.scope,
            permissions=[RolePermission(permission=p) for p in sorted(preset.permissions)],
        )
        uow.session.add(role)
        roles[preset.code] = role
    uow.session.flush()
    return roles


def _seed_base_data(uow: UnitOfWork) -> None:
    for kind, names in STARTER_BASE_DATA.items():
        for index, name in enumerate(names, start=1):
            uow.session.add(
                BaseDataItem(kind=kind, code=f"{index:02d}", name=_(name), sort_order=index)
            )
