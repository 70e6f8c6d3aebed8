"""Demo knowledge base articles: what a small trading firm's service desk writes down."""

from __future__ import annotations

from sqlalchemy import select

from crm_desktop.core.db.database import UnitOfWork
from crm_desktop.core.models import KnowledgeArticle
from crm_desktop.core.services import records
from crm_desktop.core.services.knowledge import ENTITY, search_text_of

# (title, category, tags, body)
ARTICLES: tuple[tuple[str, str, str, str], ...] = (
    (
        "退换货流程",
        "售后服务",
        "退货 换货 售后",
        "一、适用范围\n客户收货后7天内，商品未使用、包装完好，可申请无理由退货；"
        "15天内出现质量问题可申请换货。\n\n"
        "二、办理步骤\n1. 客户提供订单号、收货人和问题照片。\n"
        "2. 客服在系统中登记服务记录，类型选“售后”，并关联本文。\n"
        "3. 仓库收到退回商品后当天验货，验货合格后财务在3个工作日内原路退款。\n\n"
        "三、注意事项\n定制商品、已拆封的耗材不支持无理由退货。运费：质量问题由我方承担，"
        "其他原因由客户承担。",
    ),
    (
        "发票开具说明",
        "财务",
        "发票 增值税 开票",
        "普通发票：订单确认收款后开具，电子发票发送到客户预留邮箱。\n\n"
        "增值税专用发票：需要客户提供公司全称、税号、开户行及账号、注册地址和电话，"
        "信息须与营业执照一致。专票每月25日前申请，当月开具。\n\n"
        "发票信息有误需重开时，须先退回原发票（电子发票作红字冲销），再开具新票。"
        "跨月的专用发票请联系财务处理。",
    ),
    (
        "设备安装指南",
        "技术支持",
        "安装 上门 调试",
        "安装前准备\n确认现场电源为220V并有可靠接地，预留设备四周不少于50厘米的散热空间。"
        "请客户提前清理安装位置。\n\n"
        "安装步骤\n1. 开箱核对装箱单，拍照留存。\n2. 固定底座，调平。\n"
        "3. 接线前务必断电，按说明书接好电源线和信号线。\n"
        "4. 通电自检，指示灯变为绿色后进行试运行30分钟。\n\n"
        "完工后请客户在安装验收单上签字，并在服务记录中上传验收单照片。",
    ),
    (
        "常见故障排查",
        "技术支持",
        "故障 报修 维修",
        "设备无法开机：检查电源插座和保险丝；确认急停按钮已复位。\n\n"
        "指示灯红色闪烁：多为过热保护，断电冷却15分钟后重启；反复出现请检查散热风扇。\n\n"
        "运行噪音大：检查底座是否松动、皮带是否老化。\n\n"
        "显示错误代码E-05：传感器连接异常，重新插拔传感器线缆；仍无法解决请登记报修，"
        "由工程师上门检测。",
    ),
    (
        "客户投诉处理规范",
        "客户服务",
        "投诉 满意度 升级",
        "接到投诉后2小时内首次回复客户，记录投诉内容、诉求和联系人。\n\n"
        "投诉类服务记录超过3天未解决，系统会自动升级给处理人的主管。\n\n"
        "处理完毕关闭记录时，须回访客户并填写满意度（1-5分）和客户意见。"
        "对3分及以下的评价，主管须在一周内再次回访。",
    ),
    (
        "保修政策",
        "售后服务",
        "保修 质保 维修",
        "整机保修一年，主要部件（电机、控制板）保修三年，自签收之日起计算。\n\n"
        "以下情况不在免费保修范围：人为损坏、未按说明书使用、私自拆修、自然灾害。\n\n"
        "保修期外维修按配件成本加工时费收费，报价须经客户确认后再维修。",
    ),
    (
        "账期与催款流程",
        "财务",
        "账期 回款 催款 对账",
        "新客户默认款到发货；合作满半年且无逾期的客户，可由销售经理申请30天账期。\n\n"
        "到期前3天销售提醒客户付款；逾期7天发对账单；逾期30天暂停发货，并由销售经理跟进。\n\n"
        "收款后请在回款登记中核销对应订单，避免重复催款。",
    ),
    (
        "VPN远程协助操作说明",
        "技术支持",
        "远程 VPN 协助",
        "远程协助前，请客户安装公司提供的远程工具并告知识别码。\n\n"
        "连接后先确认客户同意再操作；涉及参数修改时，先截图保存原设置。\n\n"
        "协助结束后断开连接，并在服务记录的处理结果中写明做了哪些修改。",
    ),
)


def add_demo_articles(uow: UnitOfWork) -> int:
    """Add the demo articles once (a database that has articles keeps them); returns how many."""
    if uow.session.scalar(select(KnowledgeArticle.id).limit(1)) is not None:
        return 0
    for title, category, tags, body in ARTICLES:
        values = {"title": title, "category": category, "tags": tags, "body": body}
        records.create(
            uow,
            KnowledgeArticle,
            {**values, "search_text": search_text_of(title, tags, body)},
            entity=ENTITY,
        )
    return len(ARTICLES)
