"""A customer's contacts: the people the salesperson talks to, one marked primary."""

from __future__ import annotations

from typing import Any

from crm_desktop.core.changes import Changes
from crm_desktop.core.i18n import _
from crm_desktop.ui.customers.detail_tabs import CustomerPage, inner_list
from crm_desktop.ui.widgets import Column, Field, FormDialog, ListAction, RecordListPage, prompts
from crm_desktop.ui.widgets.list_export import ListExport, attach_export


def contact_fields() -> list[Field]:
    return [
        Field("name", _("Name"), required=True),
        Field("title", _("Title")),
        Field("phone", _("Phone")),
        Field("mobile", _("Mobile")),
        Field("email", _("Email")),
        Field("wechat", _("WeChat")),
        # Text, not a date picker: most contacts have no known birthday, and a picker has no
        # empty value.
        Field("birthday", _("Birthday"), placeholder="YYYY-MM-DD"),
        Field("is_primary", _("Primary contact"), "bool"),
        Field("remarks", _("Remarks"), "multiline"),
    ]


def _shown(contact: dict[str, Any]) -> dict[str, Any]:
    birthday = contact.get("birthday")
    return {**contact, "birthday": birthday.isoformat() if birthday else ""}


def contacts_list(page: CustomerPage) -> RecordListPage:
    """Contacts with New/Edit/Remove (the buttons only for operators who edit customers)."""
    from crm_desktop.core.services import contacts

    ctx = page.ctx

    def load() -> list[dict[str, Any]]:
        return contacts.list_contacts(ctx.db, ctx.actor, page.customer_id)

    def saver(contact_id: int | None):  # type: ignore[no-untyped-def]
        def save(values: dict[str, Any], version: int | None) -> int:
            return contacts.save_contact(
                ctx.db, ctx.actor, page.customer_id, contact_id, version, values
            )

        return save

    def open_form(title: str, values: dict[str, Any], contact_id: int | None) -> FormDialog:
        def fresh() -> dict[str, Any]:
            return _shown(next(c for c in load() if c["id"] == contact_id))

        dialog = FormDialog(
            title,
            contact_fields(),
            values,
            saver(contact_id),
            reload=fresh if contact_id is not None else None,
            parent=page.parent,
        )
        dialog.setObjectName("contactDialog")
        dialog.accepted.connect(lambda: saved())
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    def saved() -> None:
        list_page.reload()
        ctx.notify(Changes.of("contacts"))

    def add() -> FormDialog:
        return open_form(_("New contact"), {}, None)

    def edit(row: dict[str, Any]) -> FormDialog:
        return open_form(_("Contact “{name}”").format(name=row["name"]), _shown(row), row["id"])

    def remove(row: dict[str, Any] | None) -> None:
        assert row is not None
        question = _("Remove the contact “{name}” from this customer?").format(name=row["name"])
        if not prompts.confirm(page.parent, _("Remove contact"), question):
            return
        contacts.remove_contact(ctx.db, ctx.actor, row["id"])
        saved()

    editable = page.can("customers.edit")
    list_page = inner_list(
        "contacts",
        [
            Column("name", _("Name"), width=110),
            Column("title", _("Title"), width=90),
            Column("phone", _("Phone"), width=110),
            Column("mobile", _("Mobile"), width=110),
            Column("email", _("Email"), width=150),
            Column("wechat", _("WeChat"), width=90),
            Column("birthday", _("Birthday"), "date", width=90),
            Column("is_primary", _("Primary"), "bool"),
        ],
        load,
        [ListAction("remove", _("Remove"), remove)] if editable else [],
        on_new=add if editable else None,
        on_edit=edit if editable else None,
        empty_text=_("No contacts yet. Add one with New.") if editable else _("No contacts yet."),
    )
    attach_export(  # the customer's contacts, named with the customer so the importer maps them
        list_page,
        ListExport(
            "contacts",
            ctx,
            lambda: contacts.ContactFilter(customer_id=page.customer_id),
            leading=("customer_name",),
        ),
    )
    return list_page
