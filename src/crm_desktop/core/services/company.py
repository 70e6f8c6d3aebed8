"""The company profile printed on letterheads."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from crm_desktop.core.actor import Actor
from crm_desktop.core.db.database import Database
from crm_desktop.core.errors import NotInitialized, ValidationError
from crm_desktop.core.i18n import _
from crm_desktop.core.models import CompanyProfile
from crm_desktop.core.services import records
from crm_desktop.core.services.access import current_operator, require

FIELDS = (
    "name",
    "short_name",
    "address",
    "phone",
    "fax",
    "email",
    "website",
    "tax_id",
    "bank_name",
    "bank_account",
    "logo",
    "seal",
    "document_terms",
    "complaint_escalation_days",
)
MAX_ESCALATION_DAYS = 365
MAX_IMAGE_BYTES = 2 * 1024 * 1024


def get_profile(db: Database, actor: Actor) -> dict[str, Any]:
    with db.read() as session:
        current_operator(session, actor)
        profile = session.scalar(select(CompanyProfile).limit(1))
        if profile is None:
            raise NotInitialized(_("This database has not been set up yet."))
        return records.as_dict(profile, FIELDS)


def company_name(db: Database) -> str:
    """The name for the window title; readable before login."""
    with db.read() as session:
        return session.scalar(select(CompanyProfile.name).limit(1)) or ""


def _escalation_days(value: Any) -> int:
    """Whole days from 1 to a year: 0 would escalate every complaint the moment it is taken."""
    try:
        days = int(value)
    except (TypeError, ValueError):
        days = 0
    if isinstance(value, bool) or not 1 <= days <= MAX_ESCALATION_DAYS:
        raise ValidationError(
            _("Complaints escalate after 1 to {max} days.").format(max=MAX_ESCALATION_DAYS)
        )
    return days


def update_profile(db: Database, actor: Actor, version: int, values: dict[str, Any]) -> None:
    clean = {k: v for k, v in values.items() if k in FIELDS}
    records.required_text(clean, "name")
    for key in ("logo", "seal"):
        if clean.get(key) is not None and len(clean[key]) > MAX_IMAGE_BYTES:
            raise ValidationError(_("The image is larger than 2 MB; choose a smaller file."))
    if "complaint_escalation_days" in clean:
        clean["complaint_escalation_days"] = _escalation_days(clean["complaint_escalation_days"])
    with db.write(actor) as uow:
        require(uow.session, actor, "settings.company")
        profile = uow.session.scalar(select(CompanyProfile).limit(1))
        if profile is None:
            raise NotInitialized(_("This database has not been set up yet."))
        records.apply_changes(uow, profile, clean, expected_version=version, entity="company")
        uow.touched("company")
