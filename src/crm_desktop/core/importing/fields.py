"""The fields each kind of import can fill, with the header texts that mean them.

Synonyms hold the Chinese and English headers of hand-made sheets and the labels the program's
own lists and exports write (English msgid and its zh_CN translation), so an exported sheet maps
itself when imported again. `mapping.suggest_mapping` also accepts each field's label in both
languages, so a relabelled column in the catalogue still maps.

Field keys are what a person types in `crm import --mapping '{"B": "phone"}'`; kinds are
FieldSpec's ("base:<BaseDataKind>" is a base-data list matched by name or code).
"""

from __future__ import annotations

from crm_desktop.core.i18n import N_
from crm_desktop.core.importing.model import FieldSpec, ImportKind, MatchKey
from crm_desktop.core.models import BaseDataKind as K

F = FieldSpec

_REMARKS = ("备注", "说明", "备注信息", "附注", "Remarks", "Remark", "Notes", "Note", "Comment")
_EMAIL = ("电子邮箱", "邮箱", "电子邮件", "邮件", "Email", "E-mail", "Mail", "Email address")

CUSTOMER_FIELDS: tuple[FieldSpec, ...] = (
    F(
        "name",
        N_("Name"),
        "text",
        True,
        (
            "客户名称",
            "公司名称",
            "单位名称",
            "企业名称",
            "客户全称",
            "名称",
            "客户",
            "公司",
            "单位",
            "Customer Name",
            "Company",
            "Company Name",
            "Customer",
            "Name",
        ),
    ),
    F(
        "code",
        N_("Code"),
        "code",
        False,
        (
            "客户编码",
            "客户编号",
            "客户代码",
            "编码",
            "编号",
            "Customer Code",
            "Customer No",
            "Code",
        ),
    ),
    F("short_name", N_("Short name"), "text", False, ("简称", "客户简称", "Short name", "Abbr")),
    F(
        "type",
        N_("Type"),
        f"base:{K.CUSTOMER_TYPE}",
        False,
        ("客户类型", "类型", "客户类别", "Customer Type", "Type"),
    ),
    F("source", N_("Source"), f"base:{K.CUSTOMER_SOURCE}", False, ("客户来源", "来源", "Source")),
    F("industry", N_("Industry"), f"base:{K.INDUSTRY}", False, ("行业", "所属行业", "Industry")),
    F(
        "region",
        N_("Region"),
        f"base:{K.REGION}",
        False,
        ("地区", "区域", "所在地区", "所属区域", "片区", "Region", "Area"),
    ),
    F(
        "level",
        N_("Level"),
        f"base:{K.CUSTOMER_LEVEL}",
        False,
        ("客户等级", "等级", "级别", "客户级别", "Level", "Grade"),
    ),
    F(
        "address",
        N_("Address"),
        "text",
        False,
        ("地址", "公司地址", "详细地址", "联系地址", "通讯地址", "Address"),
    ),
    F(
        "phone",
        N_("Phone"),
        "phone",
        False,
        (
            "电话",
            "联系电话",
            "公司电话",
            "电话号码",
            "固定电话",
            "座机",
            "手机",
            "手机号",
            "Phone",
            "Tel",
            "Telephone",
            "Phone Number",
            "Mobile",
        ),
    ),
    F("email", N_("Email"), "email", False, _EMAIL),
    F(
        "website",
        N_("Website"),
        "text",
        False,
        ("网站", "网址", "公司网站", "主页", "Website", "Web"),
    ),
    F(
        "tax_id",
        N_("Tax ID"),
        "code",
        False,
        ("税号", "纳税人识别号", "统一社会信用代码", "信用代码", "Tax ID", "Tax Number"),
    ),
    F(
        "owner",
        N_("Owner"),
        "operator",
        False,
        (
            "负责人",
            "业务员",
            "销售员",
            "所属业务员",
            "客户经理",
            "归属人",
            "跟进人",
            "销售",
            "Owner",
            "Salesperson",
            "Sales Rep",
            "Account Manager",
        ),
    ),
    F(
        "next_followup_on",
        N_("Next follow-up"),
        "date",
        False,
        (
            "下次跟进日期",
            "下次跟进",
            "下次联系日期",
            "下次回访",
            "Next follow-up",
            "Next follow-up date",
        ),
    ),
    F("remarks", N_("Remarks"), "text", False, _REMARKS),
    F("tags", N_("Tags"), "text", False, ("标签", "Tags", "Tag")),
    F(
        "contact",
        N_("Contact"),
        "text",
        False,
        ("联系人", "联系人姓名", "主联系人", "Contact", "Contact person", "Contact Name"),
    ),
)

CONTACT_FIELDS: tuple[FieldSpec, ...] = (
    F(  # not required: a customer code column names the customer as well
        "customer",
        N_("Customer"),
        "customer",
        False,
        (
            "客户",
            "客户名称",
            "公司名称",
            "单位名称",
            "所属客户",
            "企业名称",
            "公司",
            "Customer",
            "Customer Name",
            "Company",
        ),
    ),
    F(
        "customer_code",
        N_("Customer code"),
        "code",
        False,
        ("客户编码", "客户编号", "客户代码", "Customer Code", "Customer No"),
    ),
    F(
        "name",
        N_("Name"),
        "text",
        True,
        ("姓名", "联系人", "联系人姓名", "名字", "Name", "Contact", "Contact Name"),
    ),
    F(
        "title",
        N_("Title"),
        "text",
        False,
        ("职务", "职位", "头衔", "Title", "Position", "Job Title"),
    ),
    F(
        "category",
        N_("Category"),
        f"base:{K.CONTACT_CATEGORY}",
        False,
        ("联系人类别", "类别", "联系人类型", "Category"),
    ),
    F(
        "phone",
        N_("Phone"),
        "phone",
        False,
        ("电话", "办公电话", "座机", "固定电话", "联系电话", "Phone", "Tel", "Office Phone"),
    ),
    F(
        "mobile",
        N_("Mobile"),
        "phone",
        False,
        ("手机", "手机号", "手机号码", "移动电话", "Mobile", "Cell", "Mobile Phone"),
    ),
    F("email", N_("Email"), "email", False, _EMAIL),
    F("wechat", N_("WeChat"), "text", False, ("微信", "微信号", "WeChat", "WeChat ID")),
    F("birthday", N_("Birthday"), "date", False, ("生日", "出生日期", "Birthday", "Date of Birth")),
    F(
        "is_primary",
        N_("Primary contact"),
        "bool",
        False,
        ("主联系人", "首要联系人", "是否主联系人", "Primary contact", "Primary"),
    ),
    F("remarks", N_("Remarks"), "text", False, _REMARKS),
)

PRODUCT_FIELDS: tuple[FieldSpec, ...] = (
    F(
        "code",
        N_("Code"),
        "code",
        True,
        (
            "产品编码",
            "编码",
            "产品编号",
            "物料编码",
            "商品编码",
            "货号",
            "编号",
            "代码",
            "Product Code",
            "Code",
            "SKU",
            "Item Code",
        ),
    ),
    F(
        "name",
        N_("Name"),
        "text",
        True,
        (
            "产品名称",
            "名称",
            "品名",
            "商品名称",
            "物料名称",
            "产品",
            "Product Name",
            "Name",
            "Product",
        ),
    ),
    F(
        "spec",
        N_("Specification"),
        "text",
        False,
        ("规格型号", "规格", "型号", "Specification", "Spec", "Model"),
    ),
    F("unit", N_("Unit"), f"base:{K.UNIT}", False, ("单位", "计量单位", "Unit", "UOM")),
    F(
        "category",
        N_("Category"),
        f"base:{K.PRODUCT_CATEGORY}",
        False,
        ("产品类别", "类别", "分类", "产品分类", "Category"),
    ),
    F(
        "unit_price",
        N_("Unit price"),
        "money",
        False,
        ("单价", "价格", "售价", "销售单价", "标准价", "Unit Price", "Price"),
    ),
    F("active", N_("Active"), "bool", False, ("启用", "是否启用", "Active", "Enabled")),
    F("remarks", N_("Remarks"), "text", False, _REMARKS),
)

# Sales history: one sheet row per order line; rows with the same order number form one order.
ORDER_FIELDS: tuple[FieldSpec, ...] = (
    F(
        "number",
        N_("Order number"),
        "code",
        False,
        (
            "订单号",
            "单号",
            "订单编号",
            "销售单号",
            "单据编号",
            "Order number",
            "Order No",
            "Number",
        ),
    ),
    F(
        "order_date",
        N_("Order date"),
        "date",
        True,
        ("订单日期", "日期", "下单日期", "销售日期", "单据日期", "Order date", "Date"),
    ),
    F(
        "customer",
        N_("Customer"),
        "customer",
        True,
        ("客户", "客户名称", "公司名称", "单位名称", "购买单位", "Customer", "Customer Name"),
    ),
    F(
        "salesperson",
        N_("Salesperson"),
        "operator",
        False,
        ("业务员", "销售员", "负责人", "经办人", "Salesperson", "Sales Rep"),
    ),
    F(
        "product",
        N_("Product code"),
        "product",
        False,
        ("产品编码", "产品编号", "物料编码", "货号", "编码", "Product code", "SKU", "Item Code"),
    ),
    F(
        "product_name",
        N_("Product"),
        "text",
        False,
        ("产品名称", "产品", "品名", "商品名称", "Product name", "Product", "Item"),
    ),
    F("unit", N_("Unit"), "text", False, ("单位", "计量单位", "Unit", "UOM")),
    F(
        "unit_price",
        N_("Unit price"),
        "money",
        False,
        ("单价", "价格", "售价", "销售单价", "Unit price", "Price"),
    ),
    F("quantity", N_("Quantity"), "decimal", False, ("数量", "销售数量", "Quantity", "Qty")),
    F("discount", N_("Discount"), "percent", False, ("折扣", "折扣率", "Discount")),
    F("amount", N_("Amount"), "money", False, ("金额", "销售金额", "小计", "Amount", "Line total")),
    F("remarks", N_("Remarks"), "text", False, _REMARKS),
)

# Leads: the person, their company and how to reach them; duplicates as the customers tab.
LEAD_FIELDS: tuple[FieldSpec, ...] = (
    F(
        "name",
        N_("Name"),
        "text",
        True,
        ("姓名", "联系人", "联系人姓名", "名字", "客户姓名", "Name", "Contact", "Contact Name"),
    ),
    F(
        "company",
        N_("Company"),
        "text",
        False,
        ("公司", "公司名称", "单位", "单位名称", "企业名称", "客户名称", "Company", "Company Name"),
    ),
    F("title", N_("Title"), "text", False, ("职务", "职位", "头衔", "Title", "Position")),
    F(
        "phone",
        N_("Phone"),
        "phone",
        False,
        ("电话", "手机", "手机号", "联系电话", "电话号码", "Phone", "Mobile", "Tel"),
    ),
    F("email", N_("Email"), "email", False, _EMAIL),
    F(
        "source",
        N_("Source"),
        f"base:{K.CUSTOMER_SOURCE}",
        False,
        ("线索来源", "来源", "客户来源", "Source", "Lead source"),
    ),
    F("campaign", N_("Campaign"), "text", False, ("市场活动", "活动", "活动名称", "Campaign")),
    F(
        "owner",
        N_("Owner"),
        "operator",
        False,
        ("负责人", "业务员", "销售员", "跟进人", "归属人", "Owner", "Salesperson", "Sales Rep"),
    ),
    F("status", N_("Status"), "text", False, ("状态", "线索状态", "Status", "Lead status")),
    F("remarks", N_("Remarks"), "text", False, _REMARKS),
)

FIELDS: dict[ImportKind, tuple[FieldSpec, ...]] = {
    ImportKind.CUSTOMERS: CUSTOMER_FIELDS,
    ImportKind.CONTACTS: CONTACT_FIELDS,
    ImportKind.PRODUCTS: PRODUCT_FIELDS,
    ImportKind.ORDERS: ORDER_FIELDS,
    ImportKind.LEADS: LEAD_FIELDS,
}

# The first key is the default (crm import --key, the wizard's preselection).
MATCH_KEYS: dict[ImportKind, tuple[MatchKey, ...]] = {
    ImportKind.CUSTOMERS: (MatchKey.NAME, MatchKey.PHONE, MatchKey.CODE),
    ImportKind.CONTACTS: (MatchKey.NAME, MatchKey.PHONE),  # within the row's customer
    ImportKind.PRODUCTS: (MatchKey.CODE, MatchKey.NAME),
    ImportKind.ORDERS: (MatchKey.CODE,),  # the order number
    ImportKind.LEADS: (MatchKey.NAME, MatchKey.PHONE),  # company (or person) / phone digits
}


def field_by_key(kind: ImportKind, key: str) -> FieldSpec | None:
    for spec in FIELDS[kind]:
        if spec.key == key:
            return spec
    return None
