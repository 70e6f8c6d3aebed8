"""The product catalogue used by quotes and orders."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from crm_desktop.core.actor import Actor
from crm_desktop.core.db.database import Database
from crm_desktop.core.errors import ValidationError
from crm_desktop.core.i18n import _
from crm_desktop.core.models import BaseDataItem, Product
from crm_desktop.core.money import to_money
from crm_desktop.core.services import records
from crm_desktop.core.services.access import current_operator, require

FIELDS = ("code", "name", "spec", "unit_id", "category_id", "unit_price", "active", "remarks")


def list_products(
    db: Database, actor: Actor, *, include_inactive: bool = True
) -> list[dict[str, Any]]:
    with db.read() as session:
        current_operator(session, actor)
        names = dict(session.execute(select(BaseDataItem.id, BaseDataItem.name)).all())
        query = select(Product).order_by(Product.code)
        if not include_inactive:
            query = query.where(Product.active)
        result = []
        for product in session.scalars(query):
            row = records.as_dict(product, FIELDS)
            row["unit_name"] = names.get(product.unit_id or 0, "")
            row["category_name"] = names.get(product.category_id or 0, "")
            result.append(row)
        return result


def save_product(
    db: Database, actor: Actor, product_id: int | None, version: int | None, values: dict[str, Any]
) -> int:
    clean = {k: v for k, v in values.items() if k in FIELDS}
    records.required_text(clean, "code", "name")
    if "unit_price" in clean:
        try:
            clean["unit_price"] = to_money(clean["unit_price"]) or to_money("0")
        except (ValueError, TypeError) as exc:
            raise ValidationError(_("The unit price is not a valid amount.")) from exc
        if clean["unit_price"] < 0:
            raise ValidationError(_("The unit price cannot be negative."))
    with db.write(actor) as uow:
        require(uow.session, actor, "settings.products")
        if "code" in clean:
            records.ensure_unique(
                uow.session,
                Product,
                Product.code == clean["code"],
                product_id,
                _("The product code “{code}” exists already.").format(code=clean["code"]),
            )
        product = records.save(
            uow, Product, product_id, version, clean, entity="product", what=_("Product")
        )
        uow.touched("products")
        return product.id
