"""Name parts and phrases for the demo data generator (data, not user-interface strings).

Chinese company names are built as 城市 + 字号 + 行业 + 组织形式
(e.g. 天津绿海城五金制品有限责任公司); every part is a whole word, so its phrase-aware
pinyin can be computed once and cached.
"""

from __future__ import annotations

# fmt: off

# (city, province, area code, region index into the REGION base data: 0 North, 1 East, 2 South,
#  3 Central, 4 West China — the order setup.STARTER_BASE_DATA seeds them in)
CITIES: tuple[tuple[str, str, str, int], ...] = (
    ("北京", "北京市", "010", 0),
    ("天津", "天津市", "022", 0),
    ("石家庄", "河北省", "0311", 0),
    ("唐山", "河北省", "0315", 0),
    ("保定", "河北省", "0312", 0),
    ("太原", "山西省", "0351", 0),
    ("呼和浩特", "内蒙古自治区", "0471", 0),
    ("上海", "上海市", "021", 1),
    ("南京", "江苏省", "025", 1),
    ("苏州", "江苏省", "0512", 1),
    ("无锡", "江苏省", "0510", 1),
    ("杭州", "浙江省", "0571", 1),
    ("宁波", "浙江省", "0574", 1),
    ("温州", "浙江省", "0577", 1),
    ("合肥", "安徽省", "0551", 1),
    ("济南", "山东省", "0531", 1),
    ("青岛", "山东省", "0532", 1),
    ("福州", "福建省", "0591", 1),
    ("厦门", "福建省", "0592", 1),
    ("广州", "广东省", "020", 2),
    ("深圳", "广东省", "0755", 2),
    ("东莞", "广东省", "0769", 2),
    ("佛山", "广东省", "0757", 2),
    ("珠海", "广东省", "0756", 2),
    ("汕头", "广东省", "0754", 2),
    ("南宁", "广西壮族自治区", "0771", 2),
    ("海口", "海南省", "0898", 2),
    ("武汉", "湖北省", "027", 3),
    ("宜昌", "湖北省", "0717", 3),
    ("长沙", "湖南省", "0731", 3),
    ("郑州", "河南省", "0371", 3),
    ("洛阳", "河南省", "0379", 3),
    ("南昌", "江西省", "0791", 3),
    ("成都", "四川省", "028", 4),
    ("重庆", "重庆市", "023", 4),
    ("西安", "陕西省", "029", 4),
    ("昆明", "云南省", "0871", 4),
    ("贵阳", "贵州省", "0851", 4),
    ("兰州", "甘肃省", "0931", 4),
    ("银川", "宁夏回族自治区", "0951", 4),
    ("乌鲁木齐", "新疆维吾尔自治区", "0991", 4),
)

# 字号: trade names of two or three characters (some with polyphones: 长, 行, 重, 乐).
BRANDS: tuple[str, ...] = (
    "绿海城", "华盛", "鑫达", "宏远", "金泰", "恒通", "瑞丰", "永昌", "长城", "东方",
    "新华", "国泰", "中联", "天成", "润发", "众鑫", "佳禾", "博远", "德力", "汇通",
    "锦程", "万顺", "盛世", "凯旋", "银河", "海川", "联创", "正大", "和信", "同舟",
    "富源", "嘉和", "新锐", "兴业", "福临", "安泰", "恒昌", "腾飞", "宝利", "昌盛",
    "伟业", "星辰", "华美", "精诚", "立信", "卓越", "远航", "龙腾", "祥瑞", "明珠",
    "蓝天", "金桥", "宇通", "鸿运", "信达", "振华", "新世纪", "百川", "天禾", "合力",
    "华通", "泰和", "通达", "金太阳", "长虹", "乐华", "重远", "银行桥", "大地", "四海",
    "九州", "环宇", "红星", "金鼎", "鼎盛", "聚源", "广源", "裕丰", "润泽", "康达",
    "佳美", "美辰", "宏泰", "亿达", "诚信", "利民", "协力", "双赢", "万象", "天合",
    "锦绣", "恒大通", "华夏", "盈丰", "迅捷", "朗润", "博雅", "晨光", "青松", "紫荆",
)

# (行业, index into the INDUSTRY base data: 0 Manufacturing, 1 Trade, 2 Construction, 3 IT,
#  4 Retail, 5 Services)
INDUSTRIES: tuple[tuple[str, int], ...] = (
    ("五金制品", 0),
    ("机械设备", 0),
    ("电子科技", 3),
    ("化工", 0),
    ("纺织", 0),
    ("建材", 2),
    ("食品", 4),
    ("物流", 5),
    ("贸易", 1),
    ("包装材料", 0),
    ("医疗器械", 1),
    ("汽车配件", 0),
    ("塑料制品", 0),
    ("家具", 4),
    ("信息技术", 3),
    ("环保科技", 3),
    ("建筑工程", 2),
    ("光电", 3),
    ("服饰", 4),
    ("农业科技", 5),
    ("印刷", 5),
    ("新能源", 0),
    ("电气", 0),
    ("模具", 0),
    ("钢铁", 0),
    ("餐饮管理", 5),
    ("文化传媒", 5),
    ("装饰工程", 2),
    ("精密仪器", 0),
    ("进出口", 1),
)

# (组织形式, weight, customer type index: 0 Enterprise, 1 Individual, 2 Distributor, 3 Government)
SUFFIXES: tuple[tuple[str, int, int], ...] = (
    ("有限公司", 50, 0),
    ("有限责任公司", 20, 0),
    ("股份有限公司", 8, 0),
    ("集团有限公司", 3, 0),
    ("贸易行", 6, 2),
    ("经营部", 8, 1),
    ("商行", 5, 2),
)

EN_FIRST: tuple[str, ...] = (
    "Pacific", "Blue River", "Northstar", "Golden Gate", "Silverline", "Evergreen", "Oakwood",
    "Harbor", "Summit", "Redwood", "Crystal", "Orient", "Eastwind", "Greenfield", "Highland",
    "Maple", "Sunrise", "Atlas", "Pioneer", "Lotus",
)
EN_TRADE: tuple[tuple[str, int], ...] = (
    ("Trading", 1),
    ("Electronics", 3),
    ("Machinery", 0),
    ("Logistics", 5),
    ("Packaging", 0),
    ("Textiles", 0),
    ("Foods", 4),
    ("Software", 3),
    ("Medical Supplies", 1),
    ("Engineering", 2),
)
EN_SUFFIXES: tuple[str, ...] = ("Co., Ltd.", "Ltd.", "Inc.", "Limited", "LLC", "Corp.")

DISTRICTS: tuple[str, ...] = (
    "高新区", "经济开发区", "工业园区", "新区", "开发区", "城南区", "城北区", "滨海新区",
)
ROADS: tuple[str, ...] = (
    "人民路", "解放路", "建设大道", "中山路", "长江路", "黄河道", "科技园路", "工业大道",
    "新华街", "和平路", "光明路", "振兴路", "创业路", "朝阳街",
)
EN_STREETS: tuple[str, ...] = (
    "Queen's Road Central, Hong Kong",
    "Orchard Road, Singapore",
    "Nathan Road, Kowloon, Hong Kong",
    "Century Avenue, Pudong, Shanghai",
    "Market Street, San Francisco",
    "King Street, Manchester",
)

SURNAMES: tuple[str, ...] = (
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高",
    "林", "何", "郭", "马", "罗", "梁", "宋", "郑", "谢", "韩", "唐", "冯", "于", "董", "萧",
    "程", "曹", "袁", "邓", "许", "傅", "沈", "曾", "彭", "吕", "欧阳", "司马",
)
GIVEN: tuple[str, ...] = (
    "伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰",
    "娟", "涛", "明", "超", "秀兰", "霞", "平", "刚", "桂英", "建华", "志强", "晓东",
    "海燕", "文博", "子涵", "雨萱", "浩然", "思远", "佳怡", "宇航", "俊杰", "欣怡", "建国", "红梅",
)
EN_GIVEN: tuple[str, ...] = (
    "John", "Mary", "David", "Linda", "Michael", "Susan", "James", "Emma", "Peter", "Grace",
    "Kevin", "Lily", "Tom", "Anna", "Eric", "Helen",
)
EN_FAMILY: tuple[str, ...] = (
    "Smith", "Johnson", "Brown", "Taylor", "Wilson", "Lee", "Wong", "Chan", "Miller", "Davis",
    "Clark", "Lewis",
)
TITLES: tuple[str, ...] = (
    "总经理", "采购经理", "采购专员", "财务主管", "技术总监", "办公室主任", "厂长", "老板",
    "副总经理", "项目经理",
)
EN_TITLES: tuple[str, ...] = (
    "CEO", "Purchasing Manager", "Buyer", "Finance Manager", "CTO", "Operations Director",
)

# (code, name, spec, unit index: 0 pcs 1 set 2 box 3 kg 4 m 5 hour, category index:
#  0 Products 1 Services 2 Parts, unit price in cents)
PRODUCTS: tuple[tuple[str, str, str, int, int, int], ...] = (
    ("P-1001", "不锈钢合页", "304 4寸", 0, 0, 1250),
    ("P-1002", "铜芯球阀", "DN25", 0, 0, 4680),
    ("P-1003", "内六角螺栓", "M8×30 100只", 2, 2, 3500),
    ("P-1004", "电动工具套装", "18V 锂电", 1, 0, 89900),
    ("P-1005", "工业吸尘器", "3000W 80L", 0, 0, 236000),
    ("P-1006", "LED 工矿灯", "150W IP65", 0, 0, 32800),
    ("P-1007", "PVC 电线管", "Φ20 3.8m", 4, 0, 690),
    ("P-1008", "镀锌角钢", "50×50×5", 3, 0, 520),
    ("P-1009", "变频器", "7.5kW 380V", 1, 0, 315000),
    ("P-1010", "液压油", "46# 18L", 2, 0, 42000),
    ("P-1011", "密封圈", "NBR 50只/盒", 2, 2, 2800),
    ("P-1012", "轴承", "6205-2RS", 0, 2, 1850),
    ("P-1013", "传感器", "PT100 0-200℃", 0, 0, 16800),
    ("P-1014", "PLC 控制器", "16入/16出", 1, 0, 268000),
    ("P-1015", "工业触摸屏", "10.1寸", 0, 0, 199000),
    ("P-1016", "气动接头", "PC8-02 10只", 2, 2, 1500),
    ("P-1017", "安全帽", "ABS 国标", 0, 0, 3900),
    ("P-1018", "劳保手套", "丁腈浸胶 12双", 2, 0, 4200),
    ("P-1019", "叉车电池", "48V 400Ah", 1, 0, 1280000),
    ("P-1020", "打包带", "PP 15kg", 3, 0, 980),
    ("S-2001", "设备安装服务", "含调试", 5, 1, 30000),
    ("S-2002", "年度维保合同", "12个月", 1, 1, 880000),
    ("S-2003", "操作培训", "半天", 5, 1, 60000),
    ("S-2004", "上门维修", "市区", 5, 1, 25000),
    ("E-3001", "Industrial Router", "4G LTE, 4 ports", 0, 0, 129900),
    ("E-3002", "Barcode Scanner", "2D, USB", 0, 0, 45900),
    ("E-3003", "Thermal Label Printer", "108 mm", 0, 0, 158000),
    ("E-3004", "Spare Parts Kit", "Model A/B", 1, 2, 36500),
)

FOLLOWUP_SUBJECTS: tuple[str, ...] = (
    "电话沟通新品报价",
    "上门拜访，了解采购需求",
    "微信发送产品资料",
    "确认发货时间",
    "回访使用情况",
    "催收尾款",
    "邀请参加展会",
    "讨论年度框架协议",
    "Sent the catalogue by email",
    "Call about the delivery schedule",
)
FOLLOWUP_CONTENTS: tuple[str, ...] = (
    "客户对价格比较敏感，希望再优惠 5%。",
    "采购经理出差，下周再联系。",
    "已发样品，客户试用后反馈良好。",
    "客户计划下季度扩产，需要增加设备。",
    "竞争对手报价更低，需要强调售后服务。",
    "老板很重视质量，约了技术交流。",
    "The buyer asked for a revised quote with shipping included.",
    "They are comparing three suppliers; decision expected this month.",
)
NEXT_ACTIONS: tuple[str, ...] = (
    "寄样品",
    "发正式报价",
    "约下周拜访",
    "跟进合同签署",
    "确认付款计划",
    "Send the revised quote",
)
ANNOTATIONS: tuple[str, ...] = (
    "跟进及时，注意价格底线。",
    "下次带技术一起去。",
    "这个客户重点跟，争取月底签单。",
    "先了解清楚决策人是谁。",
    "Please push for the order before month end.",
)
OPPORTUNITY_NAMES: tuple[str, ...] = (
    "年度采购项目",
    "新厂房设备采购",
    "生产线改造",
    "备品备件年度合同",
    "维保服务续约",
    "Warehouse automation project",
)
SERVICE_SUBJECTS: tuple[str, ...] = (
    "设备安装调试",
    "产品质量投诉",
    "使用培训",
    "咨询配件价格",
    "保修期内维修",
    "发货延迟投诉",
    "Request for a user manual",
)
SERVICE_RESULTS: tuple[str, ...] = (
    "已派工程师上门处理，客户确认正常。",
    "更换配件后问题解决。",
    "已补发货物并致歉。",
    "Explained the settings by phone; resolved.",
)
TEAMS: tuple[tuple[str, str], ...] = (
    ("demo-north", "华北销售部"),
    ("demo-east", "华东销售部"),
    ("demo-south", "华南销售部"),
    ("demo-ka", "Key Accounts"),
)
# fmt: on
