"""Every table of the app, imported here so `Base.metadata` is complete for Alembic."""

from crm_desktop.core.models.base import Base, Editable
from crm_desktop.core.models.basedata import BASE_DATA_LABELS, BaseDataItem, BaseDataKind
from crm_desktop.core.models.company import CompanyProfile
from crm_desktop.core.models.customers import (
    Contact,
    Customer,
    FollowUp,
    FollowUpAnnotation,
    FollowUpMethod,
    PoolRules,
    PoolStatus,
    SavedFilter,
)
from crm_desktop.core.models.operators import DataScope, Operator, Role, RolePermission, Team
from crm_desktop.core.models.sales import (
    Contract,
    ContractOrder,
    DocumentStatus,
    Opportunity,
    OpportunityStatus,
    OrderLine,
    PaymentPlan,
    Product,
    Quote,
    QuoteLine,
    Receipt,
    ReceiptAllocation,
    SalesOrder,
)
from crm_desktop.core.models.service import ServiceKind, ServiceRecord, ServiceStatus
from crm_desktop.core.models.system import (
    Attachment,
    AuditEntry,
    ImportBatch,
    ImportChange,
    NumberingRule,
    Presence,
)

__all__ = [
    "BASE_DATA_LABELS",
    "Attachment",
    "AuditEntry",
    "Base",
    "BaseDataItem",
    "BaseDataKind",
    "CompanyProfile",
    "Contact",
    "Contract",
    "ContractOrder",
    "Customer",
    "DataScope",
    "DocumentStatus",
    "Editable",
    "FollowUp",
    "FollowUpAnnotation",
    "FollowUpMethod",
    "ImportBatch",
    "ImportChange",
    "NumberingRule",
    "Operator",
    "Opportunity",
    "OpportunityStatus",
    "OrderLine",
    "PaymentPlan",
    "PoolRules",
    "PoolStatus",
    "Presence",
    "Product",
    "Quote",
    "QuoteLine",
    "Receipt",
    "ReceiptAllocation",
    "Role",
    "RolePermission",
    "SalesOrder",
    "SavedFilter",
    "ServiceKind",
    "ServiceRecord",
    "ServiceStatus",
    "Team",
]
