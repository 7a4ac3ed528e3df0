"""Name parts and text templates of the synthetic world.

Everything is fixed data (not Faker), so the same seed gives the same world whatever library
versions are installed, and every character is GBK-encodable (the Anhui platform writes GBK; a
test checks it). Templates use ``str.format`` fields.
"""

from __future__ import annotations

from dataclasses import dataclass

# --------------------------------------------------------------------------------------------------
# people

#: Common surnames, most frequent first (weights fall with the rank).
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
    "龚邵万钱严覃武戴莫孔向汤"
)
COMPOUND_SURNAMES = ("欧阳", "诸葛", "司马", "上官")

#: Characters of given names.
GIVEN_CHARS = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国文辉玲红飞鹏斌宇浩凯健俊帆帅旭宁龙林"
    "欢阳佳晨婷雪琳晶颖倩慧莉萍燕玉兰梅丹彬波峰亮成志新春海荣东永生云晓小金立德福祥瑞嘉怡欣悦"
    "雨思梓子轩涵宸博睿泽然一诺梦琪雯婧蕾璐昊铭毅鑫家天乐安康正彤妍茜薇蓉菲"
)

# --------------------------------------------------------------------------------------------------
# organisations

#: Characters of trade names (字号); a trade name is two different characters.
BRAND_CHARS = (
    "恒达华信鑫盛隆泰通汇德宏源瑞丰兴利昌祥和安康宇航创新科博远海天一诚正晶润嘉锦辉佳益金富荣明"
    "阳光启智联中大东方亚美捷迅辰星峰腾龙凯威豪百万合众友力成永长久汉唐江南北湖山川云蓝绿青鸿飞"
    "胜发旺昊晟鼎弘骏泓涛浩沃卓越尚优精艺雅聚元乾坤"
)

#: Characters of town and street names.
PLACE_CHARS = "东西南北青石桥湖山塘河港浦溪田龙凤金新安平太长永华阳花松柏梅竹洋泾庄林丰白马横"


@dataclass(frozen=True)
class Industry:
    word: str  # 精密机械
    scope: str  # 经营范围
    sector: str  # key into SECTOR_LICENCES / SECTOR_PENALTIES


INDUSTRIES: tuple[Industry, ...] = (
    Industry("精密机械", "精密机械零部件的研发、制造、销售；金属材料销售。", "manufacturing"),
    Industry("电子科技", "电子产品、电子元器件的研发、生产、销售；技术服务、技术开发。", "tech"),
    Industry("信息技术", "软件开发；信息系统集成服务；信息技术咨询服务；数据处理服务。", "tech"),
    Industry(
        "网络科技",
        "网络技术服务；软件开发；广告设计、代理；互联网销售（除销售需要许可的商品）。",
        "tech",
    ),
    Industry(
        "建设工程",
        "房屋建筑和市政基础设施项目工程总承包；建设工程施工；建筑劳务分包。",
        "construction",
    ),
    Industry(
        "贸易",
        "货物进出口；技术进出口；日用百货、五金产品、化工产品（不含许可类化工产品）销售。",
        "trade",
    ),
    Industry("食品", "食品生产；食品销售；农副产品销售。", "food"),
    Industry("餐饮管理", "餐饮服务；餐饮管理；食品销售（仅销售预包装食品）。", "catering"),
    Industry(
        "物流", "道路货物运输（不含危险货物）；国内货物运输代理；普通货物仓储服务。", "logistics"
    ),
    Industry(
        "化工",
        "化工产品生产（不含许可类化工产品）；化工产品销售（不含许可类化工产品）。",
        "chemical",
    ),
    Industry("纺织", "面料纺织加工；纺织品、针织品及原料销售。", "manufacturing"),
    Industry("服饰", "服装制造；服装服饰批发；服装服饰零售。", "trade"),
    Industry("医药", "药品批发；医疗器械经营；保健食品销售。", "pharma"),
    Industry("环保科技", "环保咨询服务；污水处理及其再生利用；固体废物治理。", "energy"),
    Industry("新材料", "新材料技术研发；高性能纤维及复合材料销售。", "manufacturing"),
    Industry("汽车零部件", "汽车零部件及配件制造；汽车零配件批发。", "manufacturing"),
    Industry("房地产开发", "房地产开发经营；物业管理；住房租赁。", "realestate"),
    Industry("物业管理", "物业管理；停车场服务；家政服务。", "realestate"),
    Industry("建材", "建筑材料销售；水泥制品制造；轻质建筑材料制造。", "construction"),
    Industry(
        "农业发展", "谷物种植；蔬菜种植；农业技术服务；农产品的生产、销售、加工。", "agriculture"
    ),
    Industry("文化传媒", "组织文化艺术交流活动；广告制作；广告发布；会议及展览服务。", "culture"),
    Industry("国际旅行社", "旅游业务；旅游咨询服务；票务代理服务。", "travel"),
    Industry("人力资源", "劳务派遣服务；人力资源服务；职业中介活动。", "hr"),
    Industry("生物科技", "生物技术推广服务；生物化工产品技术研发；第一类医疗器械销售。", "pharma"),
    Industry("包装材料", "包装材料及制品销售；塑料制品制造；纸制品制造。", "manufacturing"),
    Industry("印染", "面料印染加工；纺织品印染。", "chemical"),
    Industry("五金", "五金产品制造；五金产品批发；五金产品零售。", "trade"),
    Industry("家具", "家具制造；家具销售；家具安装和维修服务。", "manufacturing"),
    Industry("电器", "家用电器制造；家用电器销售；电气设备修理。", "manufacturing"),
    Industry("光电", "光电子器件制造；光电子器件销售；半导体照明器件制造。", "tech"),
    Industry("能源科技", "太阳能发电技术服务；储能技术服务；新能源原动设备销售。", "energy"),
    Industry("机电设备", "机电设备安装服务；通用设备制造（不含特种设备制造）。", "manufacturing"),
    Industry("供应链管理", "供应链管理服务；国内贸易代理；货物进出口。", "trade"),
    Industry("智能装备", "智能基础制造装备制造；工业机器人制造；软件开发。", "manufacturing"),
    Industry("客运", "道路旅客运输经营；道路货物运输（不含危险货物）。", "logistics"),
    Industry("酒店管理", "住宿服务；餐饮服务；酒店管理。", "hotel"),
    Industry("教育科技", "教育咨询服务（不含涉许可审批的教育培训活动）；软件开发。", "tech"),
    Industry("医疗器械", "第二类医疗器械销售；第二类医疗器械生产；医疗器械租赁。", "pharma"),
    Industry("船舶", "船舶制造；船舶修理；船舶销售。", "manufacturing"),
    Industry("金属制品", "金属制品研发；金属结构制造；金属表面处理及热处理加工。", "manufacturing"),
)

#: Legal forms of enterprises: (suffix, entity form written in 企业类型, weight).
ENTERPRISE_FORMS: tuple[tuple[str, str, float], ...] = (
    ("有限公司", "有限责任公司（自然人投资或控股）", 0.55),
    ("有限责任公司", "有限责任公司", 0.25),
    ("股份有限公司", "股份有限公司（非上市、自然人投资或控股）", 0.10),
    ("集团有限公司", "有限责任公司", 0.05),
    ("（集团）有限公司", "有限责任公司", 0.05),
)

COOPERATIVE_WORDS = (
    "蔬菜",
    "水稻",
    "茶叶",
    "果蔬",
    "水产养殖",
    "农机",
    "苗木",
    "葡萄",
    "食用菌",
    "生猪养殖",
)

#: Shops of individual businesses: (name, sector).
SHOPS: tuple[tuple[str, str], ...] = (
    ("小吃店", "catering"),
    ("面馆", "catering"),
    ("早餐店", "catering"),
    ("饭店", "catering"),
    ("快餐店", "catering"),
    ("便利店", "retail_food"),
    ("超市", "retail_food"),
    ("水果店", "retail_food"),
    ("副食品店", "retail_food"),
    ("茶叶店", "retail_food"),
    ("烟酒店", "tobacco"),
    ("五金店", "retail"),
    ("服装店", "retail"),
    ("建材经营部", "retail"),
    ("手机店", "retail"),
    ("花店", "retail"),
    ("理发店", "service"),
    ("美容店", "service"),
    ("干洗店", "service"),
    ("家电维修部", "service"),
    ("汽车修理部", "service"),
    ("棋牌室", "entertainment"),
    ("网吧", "entertainment"),
    ("大药房", "pharmacy"),
)

#: Words of trade associations (行业协会).
ASSOCIATION_WORDS = (
    "软件",
    "物流",
    "餐饮",
    "建筑业",
    "汽车流通",
    "食品",
    "旅游",
    "家具",
    "纺织",
    "电子商务",
    "房地产",
    "环保产业",
    "医药",
    "人力资源服务",
    "信息化",
    "质量",
    "包装技术",
    "装饰",
    "美容美发",
    "集成电路",
    "光伏",
    "模具",
    "服装",
    "茶叶",
    "酒店",
    "物业管理",
    "机械工业",
    "化工",
    "印刷",
    "五金",
)
#: Home towns of chambers of commerce (异地商会).
HOMETOWNS = (
    "温州",
    "福建",
    "安徽",
    "江西",
    "湖南",
    "四川",
    "河南",
    "山东",
    "湖北",
    "广东",
    "宁波",
    "台州",
    "泉州",
    "莆田",
    "潮汕",
    "重庆",
    "陕西",
    "山西",
    "河北",
    "东北",
    "云南",
    "贵州",
    "广西",
    "甘肃",
)
DISCIPLINES = (
    "机械工程",
    "土木建筑",
    "计算机",
    "医学",
    "药学",
    "护理",
    "中医药",
    "统计",
    "会计",
    "法学",
    "心理",
    "历史",
    "教育",
    "体育科学",
    "林学",
    "农学",
    "水利",
    "测绘",
    "地理",
    "气象",
)
SOCIETIES = (
    "老年人体育",
    "志愿者",
    "书法家",
    "摄影家",
    "作家",
    "个体劳动者",
    "私营企业",
    "围棋",
    "钓鱼",
    "收藏家",
    "音乐家",
    "舞蹈家",
    "红十字",
    "残疾人福利",
    "退役军人",
    "青年创业",
    "民间文艺家",
)
NONPROFIT_PATTERNS = (
    "{brand}幼儿园",
    "{brand}职业培训学校",
    "{brand}社会工作服务中心",
    "{brand}养老服务中心",
    "{brand}艺术培训中心",
    "{brand}康复医院",
    "{brand}社区服务中心",
)
FOUNDATION_PATTERNS = ("{brand}慈善基金会", "{brand}教育基金会", "{brand}公益基金会")
PUBLIC_INSTITUTION_PATTERNS = (
    "{place}中学",
    "{place}小学",
    "{place}实验学校",
    "{place}社区卫生服务中心",
    "{place}幼儿园",
    "{place}农业技术推广站",
    "{place}水利站",
    "{place}文化站",
)
PUBLIC_ORGAN_PATTERNS = ("{place}镇人民政府", "{place}街道办事处")

ROAD_SUFFIXES = ("路", "路", "路", "街", "大道", "大街")

# --------------------------------------------------------------------------------------------------
# departments (deciding authorities)


@dataclass(frozen=True)
class Department:
    key: str
    domain: str  # domain code list
    abbr: str  # in document numbers: 苏市监罚〔2025〕1号
    city: str | None  # name at city level: {city}市场监督管理局; None: no city-level body
    province: str | None = None  # name at province level (非上海)
    county: str | None = None  # name at county level


# {c} city name, {p} province name, {k} county prefix (苏州市吴中区, 昆山市)
DEPARTMENTS: tuple[Department, ...] = (
    Department(
        "amr",
        "market_regulation",
        "市监",
        "{c}市场监督管理局",
        "{p}市场监督管理局",
        "{k}市场监督管理局",
    ),
    Department("eco", "ecology_environment", "环", "{c}生态环境局", "{p}生态环境厅"),
    Department("transport", "transport", "交", "{c}交通运输局", "{p}交通运输厅"),
    Department("culture", "culture_tourism", "文旅", "{c}文化广电和旅游局", "{p}文化和旅游厅"),
    Department(
        "hr", "human_resources", "人社", "{c}人力资源和社会保障局", "{p}人力资源和社会保障厅"
    ),
    Department("drug", "drug_regulation", "药监", None, "{p}药品监督管理局"),
    Department(
        "tax",
        "taxation",
        "税",
        "国家税务总局{c}税务局",
        "国家税务总局{p}税务局",
        "国家税务总局{k}税务局",
    ),
    Department("tax_inspection", "taxation", "税稽", "国家税务总局{c}税务局第一稽查局"),
    Department("court", "court", "法", "{c}中级人民法院", "{p}高级人民法院", "{k}人民法院"),
    Department("science", "science_technology", "科", "{c}科学技术局", "{p}科学技术厅"),
    Department("ndrc", "other", "发改", "{c}发展和改革委员会", "{p}发展和改革委员会"),
    Department("housing", "other", "建", "{c}住房和城乡建设局", "{p}住房和城乡建设厅"),
    Department("emergency", "other", "应急", "{c}应急管理局", "{p}应急管理厅"),
    Department("health", "other", "卫", "{c}卫生健康委员会", "{p}卫生健康委员会"),
    Department("police", "other", "公", "{c}公安局", None, "{k}公安局"),
    Department("approval", "other", "审批", "{c}行政审批局"),
    Department("tobacco", "other", "烟", "{c}烟草专卖局"),
    Department("education", "other", "教", "{c}教育局"),
    Department("comm", "other", "通信", None, "{p}通信管理局"),
    Department("customs", "other", "关", None),
)
DEPARTMENT_BY_KEY = {d.key: d for d in DEPARTMENTS}

#: Shanghai is a province-level city: its bodies carry the city name only, some differently.
SHANGHAI_NAMES = {
    "drug": "上海市药品监督管理局",
    "comm": "上海市通信管理局",
    "court": "上海市第一中级人民法院",
}
#: The customs of each province.
CUSTOMS = {"31": "上海海关", "32": "南京海关", "33": "杭州海关", "34": "合肥海关"}

# --------------------------------------------------------------------------------------------------
# licences


@dataclass(frozen=True)
class LicenceTemplate:
    key: str
    department: str
    level: str  # province, city or county
    document: str  # 行政许可决定文书名称
    certificate: str  # 许可证书名称
    number: str  # pattern of the licence number
    content: str
    years: int | None  # validity; None: long-term (2099-12-31)
    license_type: str  # license_type code


LICENCES: dict[str, LicenceTemplate] = {
    t.key: t
    for t in (
        LicenceTemplate(
            "food_sale",
            "amr",
            "county",
            "食品经营许可决定书",
            "食品经营许可证",
            "JY1{div}{n8}",
            "预包装食品（含冷藏冷冻食品）销售；散装食品（不含散装熟食）销售",
            5,
            "普通",
        ),
        LicenceTemplate(
            "catering",
            "amr",
            "county",
            "食品经营许可决定书",
            "食品经营许可证",
            "JY2{div}{n8}",
            "热食类食品制售；冷食类食品制售",
            5,
            "普通",
        ),
        LicenceTemplate(
            "food_production",
            "amr",
            "city",
            "食品生产许可决定书",
            "食品生产许可证",
            "SC1{div}{n8}",
            "糕点；速冻食品；饮料",
            5,
            "普通",
        ),
        LicenceTemplate(
            "industrial_product",
            "amr",
            "province",
            "工业产品生产许可决定书",
            "全国工业产品生产许可证",
            "({pabbr})XK{n2}-{n3}-{n5}",
            "危险化学品包装物、容器；电线电缆",
            5,
            "普通",
        ),
        LicenceTemplate(
            "special_equipment",
            "amr",
            "city",
            "特种设备使用登记决定书",
            "特种设备使用登记证",
            "梯{div}{n6}",
            "电梯、叉车等特种设备使用登记",
            None,
            "登记",
        ),
        LicenceTemplate(
            "pollutant",
            "eco",
            "city",
            "排污许可决定书",
            "排污许可证",
            "{uscc}001V",
            "大气污染物、水污染物排放（按证排污）",
            5,
            "普通",
        ),
        LicenceTemplate(
            "eia",
            "eco",
            "city",
            "建设项目环境影响报告表审批意见",
            "",
            "{cabbr}环审〔{year}〕{n3}号",
            "建设项目环境影响报告表审批",
            5,
            "核准",
        ),
        LicenceTemplate(
            "road_transport",
            "transport",
            "city",
            "道路运输经营许可决定书",
            "道路运输经营许可证",
            "{pabbr}交运管许可{cabbr}字{div}{n6}号",
            "道路普通货物运输；货物专用运输（集装箱）",
            4,
            "普通",
        ),
        LicenceTemplate(
            "travel_agency",
            "culture",
            "province",
            "旅行社业务经营许可决定书",
            "旅行社业务经营许可证",
            "L-{pcode}-{n6}",
            "国内旅游业务和入境旅游业务",
            None,
            "特许",
        ),
        LicenceTemplate(
            "entertainment",
            "culture",
            "city",
            "娱乐经营许可决定书",
            "娱乐经营许可证",
            "{div}{n6}",
            "歌舞娱乐场所",
            2,
            "普通",
        ),
        LicenceTemplate(
            "internet_cafe",
            "culture",
            "city",
            "网络文化经营许可决定书",
            "网络文化经营许可证",
            "{pabbr}网文〔{year}〕{n4}-{n3}号",
            "互联网上网服务营业场所经营",
            3,
            "普通",
        ),
        LicenceTemplate(
            "labour_dispatch",
            "hr",
            "city",
            "劳务派遣经营许可决定书",
            "劳务派遣经营许可证",
            "{div}{year}{n5}",
            "劳务派遣经营",
            3,
            "普通",
        ),
        LicenceTemplate(
            "hr_service",
            "hr",
            "city",
            "人力资源服务许可决定书",
            "人力资源服务许可证",
            "{div}{year}{n4}",
            "职业中介活动；人力资源供求信息的收集和发布",
            None,
            "普通",
        ),
        LicenceTemplate(
            "drug_trade",
            "drug",
            "province",
            "药品经营许可决定书",
            "药品经营许可证",
            "{pabbr}AA{n7}",
            "中成药、化学药制剂、抗生素制剂、生化药品、生物制品",
            5,
            "普通",
        ),
        LicenceTemplate(
            "device_trade",
            "amr",
            "city",
            "医疗器械经营许可决定书",
            "医疗器械经营许可证",
            "{pabbr}{cabbr}药监械经营许{year}{n4}号",
            "第三类医疗器械经营",
            5,
            "普通",
        ),
        LicenceTemplate(
            "construction_qualification",
            "housing",
            "province",
            "建筑业企业资质核准决定书",
            "建筑业企业资质证书",
            "D{n9}",
            "建筑工程施工总承包三级；市政公用工程施工总承包三级",
            5,
            "核准",
        ),
        LicenceTemplate(
            "construction_permit",
            "housing",
            "city",
            "建筑工程施工许可决定书",
            "建筑工程施工许可证",
            "{div}{year}{n4}0101",
            "新建厂房及配套用房工程施工",
            None,
            "普通",
        ),
        LicenceTemplate(
            "safety_production",
            "emergency",
            "province",
            "安全生产许可决定书",
            "安全生产许可证",
            "（{pabbr}）WH安许证字〔{year}〕{n6}",
            "危险化学品生产",
            3,
            "普通",
        ),
        LicenceTemplate(
            "hazardous_chemicals",
            "emergency",
            "city",
            "危险化学品经营许可决定书",
            "危险化学品经营许可证",
            "{pabbr}{cabbr}危化经字〔{year}〕{n6}",
            "危险化学品经营（不带储存设施）",
            3,
            "普通",
        ),
        LicenceTemplate(
            "tobacco",
            "tobacco",
            "city",
            "烟草专卖零售许可决定书",
            "烟草专卖零售许可证",
            "{div}{n6}",
            "卷烟、雪茄烟零售",
            5,
            "特许",
        ),
        LicenceTemplate(
            "telecom",
            "comm",
            "province",
            "增值电信业务经营许可决定书",
            "增值电信业务经营许可证",
            "{pabbr}B2-{year}{n4}",
            "信息服务业务（仅限互联网信息服务）",
            5,
            "特许",
        ),
        LicenceTemplate(
            "private_school",
            "education",
            "city",
            "民办学校办学许可决定书",
            "民办学校办学许可证",
            "教民{div}{n9}号",
            "学前教育；非学历文化教育培训",
            5,
            "认可",
        ),
        LicenceTemplate(
            "medical_institution",
            "health",
            "city",
            "医疗机构执业许可决定书",
            "医疗机构执业许可证",
            "PDY{n5}{div}{n5}",
            "内科；外科；预防保健科；医学检验科",
            5,
            "普通",
        ),
    )
}

#: Sector → licence keys a subject of that sector may hold.
SECTOR_LICENCES: dict[str, tuple[str, ...]] = {
    "manufacturing": ("pollutant", "special_equipment", "industrial_product", "eia"),
    "tech": ("telecom", "special_equipment"),
    "construction": ("construction_qualification", "construction_permit", "safety_production"),
    "trade": ("food_sale", "hazardous_chemicals"),
    "food": ("food_production", "food_sale", "pollutant"),
    "catering": ("catering",),
    "logistics": ("road_transport", "special_equipment"),
    "chemical": ("safety_production", "hazardous_chemicals", "pollutant", "eia"),
    "pharma": ("drug_trade", "device_trade"),
    "realestate": ("construction_permit",),
    "agriculture": ("food_production", "pollutant"),
    "culture": ("entertainment", "telecom"),
    "travel": ("travel_agency",),
    "hr": ("labour_dispatch", "hr_service"),
    "energy": ("pollutant", "eia", "safety_production"),
    "hotel": ("catering", "entertainment"),
    "retail_food": ("food_sale",),
    "retail": ("food_sale",),
    "tobacco": ("tobacco", "food_sale"),
    "service": ("special_equipment",),
    "entertainment": ("internet_cafe", "entertainment"),
    "pharmacy": ("drug_trade",),
    "school": ("private_school",),
    "medical": ("medical_institution",),
    "none": (),
}

# --------------------------------------------------------------------------------------------------
# penalties


@dataclass(frozen=True)
class PenaltyTemplate:
    key: str
    department: str
    level: str  # city or county (the deciding body)
    domain: str  # domain code (may differ from the department's, e.g. product_quality)
    violation: str  # 违法行为类型
    facts: str  # 违法事实, fields {date} (2024年3月5日) and {month} (2024年3月)
    basis: str  # 处罚依据
    types: tuple[tuple[tuple[str, ...], float], ...]  # penalty type sets with weights
    fine: tuple[int, int]  # fine range in yuan (log-uniform)


def _t(*pairs: tuple[str, float]) -> tuple[tuple[tuple[str, ...], float], ...]:
    return tuple((tuple(codes.split(";")), w) for codes, w in pairs)


PENALTIES: dict[str, PenaltyTemplate] = {
    t.key: t
    for t in (
        PenaltyTemplate(
            "food_standard",
            "amr",
            "county",
            "food_drug",
            "经营不符合食品安全标准的食品",
            "当事人于{date}经营的食品经抽样检验，不符合食品安全国家标准，违反了《中华人民共和国食品安全法》第三十四条的规定。",
            "《中华人民共和国食品安全法》第一百二十四条第一款",
            _t(("罚款;没收违法所得", 0.6), ("罚款", 0.3), ("罚款;没收非法财物", 0.1)),
            (5_000, 200_000),
        ),
        PenaltyTemplate(
            "food_hygiene",
            "amr",
            "county",
            "food_drug",
            "食品经营过程不符合卫生规范",
            "经现场检查，当事人于{date}在经营场所内未按要求落实食品安全管理制度，违反了《中华人民共和国食品安全法》第三十三条的规定。",
            "《中华人民共和国食品安全法》第一百二十六条第一款",
            _t(("警告", 0.45), ("罚款", 0.45), ("警告;罚款", 0.1)),
            (2_000, 50_000),
        ),
        PenaltyTemplate(
            "food_no_licence",
            "amr",
            "county",
            "food_drug",
            "未取得食品经营许可从事食品经营活动",
            "当事人自{date}起未取得食品经营许可从事食品经营活动，违反了《中华人民共和国食品安全法》第三十五条第一款的规定。",
            "《中华人民共和国食品安全法》第一百二十二条第一款",
            _t(("罚款;没收违法所得", 0.7), ("罚款", 0.3)),
            (10_000, 100_000),
        ),
        PenaltyTemplate(
            "false_advertising",
            "amr",
            "county",
            "market_regulation",
            "发布虚假广告",
            "当事人于{date}在其网店页面发布含有虚假内容的广告，违反了《中华人民共和国广告法》第二十八条的规定。",
            "《中华人民共和国广告法》第五十五条第一款",
            _t(("罚款", 0.8), ("罚款;没收违法所得", 0.2)),
            (5_000, 300_000),
        ),
        PenaltyTemplate(
            "price_label",
            "amr",
            "county",
            "market_regulation",
            "未按规定明码标价",
            "当事人于{date}销售商品未按照规定明码标价，违反了《中华人民共和国价格法》第十三条第一款的规定。",
            "《中华人民共和国价格法》第四十二条",
            _t(("警告", 0.6), ("罚款", 0.4)),
            (500, 5_000),
        ),
        PenaltyTemplate(
            "product_quality",
            "amr",
            "city",
            "product_quality",
            "生产、销售不合格产品",
            "当事人于{date}生产、销售的产品经监督抽查不合格，违反了《中华人民共和国产品质量法》第十三条的规定。",
            "《中华人民共和国产品质量法》第四十九条",
            _t(("罚款;没收违法所得", 0.5), ("罚款", 0.4), ("责令停产停业;罚款", 0.1)),
            (10_000, 500_000),
        ),
        PenaltyTemplate(
            "special_equipment",
            "amr",
            "city",
            "market_regulation",
            "使用未经定期检验的特种设备",
            "当事人于{date}使用超过检验有效期的特种设备，违反了《中华人民共和国特种设备安全法》第四十条第三款的规定。",
            "《中华人民共和国特种设备安全法》第八十四条第一项",
            _t(
                ("罚款", 1.0),
            ),
            (30_000, 300_000),
        ),
        PenaltyTemplate(
            "annual_report_false",
            "amr",
            "county",
            "market_regulation",
            "年度报告隐瞒真实情况、弄虚作假",
            "当事人于{date}报送的年度报告中公示的信息隐瞒真实情况，违反了《企业信息公示暂行条例》第十条的规定。",
            "《企业信息公示暂行条例》第十八条",
            _t(("罚款", 0.7), ("警告", 0.3)),
            (2_000, 20_000),
        ),
        PenaltyTemplate(
            "air_emission",
            "eco",
            "city",
            "ecology_environment",
            "超标排放大气污染物",
            "经执法监测，当事人于{date}排放的大气污染物浓度超过排放标准，违反了《中华人民共和国大气污染防治法》第十八条的规定。",
            "《中华人民共和国大气污染防治法》第九十九条第二项",
            _t(("罚款", 0.8), ("责令停产停业;罚款", 0.2)),
            (100_000, 1_000_000),
        ),
        PenaltyTemplate(
            "hazardous_waste",
            "eco",
            "city",
            "ecology_environment",
            "未按规定贮存危险废物",
            "经现场检查，当事人于{date}将危险废物露天堆放，未采取防扬散、防流失、防渗漏措施，违反了《中华人民共和国固体废物污染环境防治法》第七十九条的规定。",
            "《中华人民共和国固体废物污染环境防治法》第一百一十二条第一款第六项",
            _t(
                ("罚款", 1.0),
            ),
            (100_000, 500_000),
        ),
        PenaltyTemplate(
            "eia_missing",
            "eco",
            "city",
            "ecology_environment",
            "建设项目未批先建",
            "当事人建设项目环境影响评价文件未经批准，于{date}擅自开工建设，违反了《中华人民共和国环境影响评价法》第二十五条的规定。",
            "《中华人民共和国环境影响评价法》第三十一条第一款",
            _t(
                ("罚款", 1.0),
            ),
            (50_000, 800_000),
        ),
        PenaltyTemplate(
            "overload",
            "transport",
            "city",
            "transport",
            "车辆超限运输",
            "当事人所属货运车辆于{date}在公路上超限运输，违反了《公路安全保护条例》第三十五条的规定。",
            "《公路安全保护条例》第六十四条",
            _t(
                ("罚款", 1.0),
            ),
            (500, 30_000),
        ),
        PenaltyTemplate(
            "no_transport_permit",
            "transport",
            "city",
            "transport",
            "未取得道路运输经营许可擅自从事道路运输经营",
            "当事人于{date}未取得道路运输经营许可，擅自从事道路普通货物运输经营，违反了《中华人民共和国道路运输条例》第二十四条的规定。",
            "《中华人民共和国道路运输条例》第六十三条",
            _t(("罚款;没收违法所得", 0.5), ("罚款", 0.5)),
            (10_000, 100_000),
        ),
        PenaltyTemplate(
            "travel_contract",
            "culture",
            "city",
            "culture_tourism",
            "旅行社未与旅游者签订书面旅游合同",
            "当事人于{date}组织旅游活动时未与旅游者签订书面旅游合同，违反了《中华人民共和国旅游法》第五十七条的规定。",
            "《中华人民共和国旅游法》第一百条第一项",
            _t(("罚款", 0.7), ("罚款;暂扣许可证件", 0.3)),
            (5_000, 50_000),
        ),
        PenaltyTemplate(
            "minors_internet",
            "culture",
            "city",
            "culture_tourism",
            "互联网上网服务营业场所接纳未成年人",
            "经检查，当事人于{date}在其经营场所内接纳未成年人进入，违反了《互联网上网服务营业场所管理条例》第二十一条的规定。",
            "《互联网上网服务营业场所管理条例》第三十一条",
            _t(("警告;罚款", 0.7), ("吊销许可证件", 0.3)),
            (2_000, 15_000),
        ),
        PenaltyTemplate(
            "labour_hours",
            "hr",
            "city",
            "human_resources",
            "违反工作时间和休息休假规定",
            "经劳动保障监察，当事人于{date}安排劳动者延长工作时间超过法定标准，违反了《中华人民共和国劳动法》第四十一条的规定。",
            "《劳动保障监察条例》第二十五条",
            _t(("警告", 0.3), ("罚款", 0.7)),
            (2_000, 50_000),
        ),
        PenaltyTemplate(
            "labour_dispatch",
            "hr",
            "city",
            "human_resources",
            "未经许可擅自经营劳务派遣业务",
            "当事人于{date}起未经许可擅自经营劳务派遣业务，违反了《中华人民共和国劳动合同法》第五十七条的规定。",
            "《中华人民共和国劳动合同法》第九十二条第一款",
            _t(
                ("罚款;没收违法所得", 1.0),
            ),
            (20_000, 200_000),
        ),
        PenaltyTemplate(
            "drug_storage",
            "drug",
            "province",
            "drug_regulation",
            "未按规定储存药品",
            "经检查，当事人于{date}未按照药品经营质量管理规范储存药品，违反了《中华人民共和国药品管理法》第五十三条的规定。",
            "《中华人民共和国药品管理法》第一百二十六条",
            _t(("警告;罚款", 0.6), ("罚款", 0.4)),
            (50_000, 500_000),
        ),
        PenaltyTemplate(
            "device_nonconforming",
            "amr",
            "city",
            "drug_regulation",
            "经营不符合强制性标准的医疗器械",
            "当事人于{date}经营的医疗器械不符合强制性标准，违反了《医疗器械监督管理条例》第五十五条的规定。",
            "《医疗器械监督管理条例》第八十六条第一项",
            _t(("罚款;没收违法所得", 0.6), ("罚款;没收非法财物", 0.4)),
            (20_000, 300_000),
        ),
        PenaltyTemplate(
            "tax_filing",
            "tax",
            "county",
            "taxation",
            "未按照规定期限办理纳税申报",
            "当事人未按照规定期限办理{month}所属期的纳税申报，违反了《中华人民共和国税收征收管理法》第二十五条第一款的规定。",
            "《中华人民共和国税收征收管理法》第六十二条",
            _t(
                ("罚款", 1.0),
            ),
            (200, 10_000),
        ),
        PenaltyTemplate(
            "invoice",
            "tax",
            "county",
            "taxation",
            "未按规定开具发票",
            "当事人于{date}发生经营业务时未按照规定开具发票，违反了《中华人民共和国发票管理办法》第十九条的规定。",
            "《中华人民共和国发票管理办法》第三十五条第一项",
            _t(("罚款;没收违法所得", 0.3), ("罚款", 0.7)),
            (500, 10_000),
        ),
        PenaltyTemplate(
            "construction_no_permit",
            "housing",
            "city",
            "other",
            "未取得施工许可证擅自施工",
            "当事人承建的工程项目未取得施工许可证，于{date}擅自开工建设，违反了《建筑工程施工许可管理办法》第三条的规定。",
            "《建筑工程施工许可管理办法》第十二条",
            _t(("罚款", 0.8), ("罚款;降低资质等级", 0.2)),
            (10_000, 300_000),
        ),
        PenaltyTemplate(
            "safety_training",
            "emergency",
            "city",
            "other",
            "未按规定对从业人员进行安全生产教育和培训",
            "经检查，当事人于{date}未如实记录安全生产教育和培训情况，违反了《中华人民共和国安全生产法》第二十八条的规定。",
            "《中华人民共和国安全生产法》第九十七条第三项",
            _t(("罚款", 0.8), ("警告;罚款", 0.2)),
            (10_000, 100_000),
        ),
        PenaltyTemplate(
            "hazchem_storage",
            "emergency",
            "city",
            "other",
            "未按规定储存危险化学品",
            "经检查，当事人于{date}将危险化学品储存在不符合国家标准要求的场所，违反了《危险化学品安全管理条例》第二十四条的规定。",
            "《危险化学品安全管理条例》第八十条第一款第五项",
            _t(("罚款", 0.7), ("责令停产停业;罚款", 0.2), ("吊销许可证件", 0.1)),
            (50_000, 200_000),
        ),
        PenaltyTemplate(
            "research_fraud",
            "science",
            "city",
            "science_technology",
            "科研项目申报材料弄虚作假",
            "当事人于{date}申报科技计划项目时提供虚假材料，违反了《科学技术进步法》第一百零八条的规定。",
            "《中华人民共和国科学技术进步法》第一百一十二条",
            _t(("警告", 0.5), ("通报批评", 0.5)),
            (0, 0),
        ),
        PenaltyTemplate(
            "medical_practice",
            "health",
            "city",
            "other",
            "使用非卫生技术人员从事医疗卫生技术工作",
            "经检查，当事人于{date}使用非卫生技术人员从事医疗卫生技术工作，违反了《医疗机构管理条例》第二十七条的规定。",
            "《医疗机构管理条例》第四十七条",
            _t(("警告;罚款", 0.6), ("罚款", 0.4)),
            (5_000, 50_000),
        ),
    )
}

#: Penalties on natural persons (the party is a person, not a subject).
PERSON_PENALTIES: dict[str, PenaltyTemplate] = {
    t.key: t
    for t in (
        PenaltyTemplate(
            "fight",
            "police",
            "county",
            "other",
            "殴打他人",
            "违法行为人于{date}因琐事与他人发生纠纷并殴打他人，致人轻微伤，违反了《中华人民共和国治安管理处罚法》第四十三条第一款的规定。",
            "《中华人民共和国治安管理处罚法》第四十三条第一款",
            _t(("行政拘留;罚款", 0.6), ("行政拘留", 0.4)),
            (200, 500),
        ),
        PenaltyTemplate(
            "unlicensed_trade",
            "amr",
            "county",
            "market_regulation",
            "无照经营",
            "违法行为人自{date}起未依法取得营业执照从事经营活动，违反了《无证无照经营查处办法》第二条的规定。",
            "《无证无照经营查处办法》第十三条",
            _t(("罚款;没收违法所得", 0.5), ("警告", 0.5)),
            (500, 10_000),
        ),
        PenaltyTemplate(
            "illegal_taxi",
            "transport",
            "city",
            "transport",
            "未取得道路运输经营许可从事网约车经营",
            "违法行为人于{date}驾驶未取得网络预约出租汽车运输证的车辆从事网约车经营，违反了《网络预约出租汽车经营服务管理暂行办法》第十三条的规定。",
            "《网络预约出租汽车经营服务管理暂行办法》第三十四条",
            _t(
                ("罚款", 1.0),
            ),
            (5_000, 30_000),
        ),
        PenaltyTemplate(
            "open_burning",
            "eco",
            "city",
            "ecology_environment",
            "露天焚烧产生烟尘污染的物质",
            "违法行为人于{date}在居民区露天焚烧垃圾，违反了《中华人民共和国大气污染防治法》第七十七条的规定。",
            "《中华人民共和国大气污染防治法》第一百一十九条第二款",
            _t(("罚款", 0.7), ("警告", 0.3)),
            (500, 2_000),
        ),
        PenaltyTemplate(
            "tax_person",
            "tax",
            "county",
            "taxation",
            "未按照规定期限办理个人所得税纳税申报",
            "违法行为人未按照规定期限办理{month}所属期个人所得税纳税申报，违反了《中华人民共和国个人所得税法》第十条的规定。",
            "《中华人民共和国税收征收管理法》第六十二条",
            _t(
                ("罚款", 1.0),
            ),
            (50, 2_000),
        ),
    )
}

SECTOR_PENALTIES: dict[str, tuple[str, ...]] = {
    "manufacturing": (
        "air_emission",
        "hazardous_waste",
        "product_quality",
        "special_equipment",
        "safety_training",
        "eia_missing",
        "tax_filing",
        "labour_hours",
    ),
    "tech": (
        "false_advertising",
        "labour_hours",
        "tax_filing",
        "invoice",
        "annual_report_false",
        "research_fraud",
    ),
    "construction": (
        "construction_no_permit",
        "safety_training",
        "labour_hours",
        "tax_filing",
        "special_equipment",
    ),
    "trade": (
        "false_advertising",
        "price_label",
        "product_quality",
        "tax_filing",
        "invoice",
        "annual_report_false",
    ),
    "food": ("food_standard", "food_hygiene", "product_quality", "tax_filing", "air_emission"),
    "catering": ("food_hygiene", "food_standard", "food_no_licence", "price_label", "tax_filing"),
    "logistics": ("overload", "no_transport_permit", "special_equipment", "tax_filing"),
    "chemical": (
        "air_emission",
        "hazardous_waste",
        "hazchem_storage",
        "safety_training",
        "eia_missing",
    ),
    "pharma": ("drug_storage", "device_nonconforming", "false_advertising", "tax_filing"),
    "realestate": ("false_advertising", "construction_no_permit", "price_label", "tax_filing"),
    "agriculture": ("food_standard", "tax_filing", "hazardous_waste"),
    "culture": ("false_advertising", "minors_internet", "tax_filing"),
    "travel": ("travel_contract", "price_label", "tax_filing"),
    "hr": ("labour_dispatch", "labour_hours", "tax_filing"),
    "energy": ("air_emission", "safety_training", "hazardous_waste", "eia_missing"),
    "hotel": ("food_hygiene", "price_label", "tax_filing"),
    "retail_food": ("food_standard", "price_label", "food_hygiene", "tax_filing"),
    "retail": ("price_label", "product_quality", "invoice"),
    "tobacco": ("price_label", "food_standard", "invoice"),
    "service": ("price_label", "invoice", "special_equipment"),
    "entertainment": ("minors_internet", "price_label"),
    "pharmacy": ("drug_storage", "device_nonconforming", "price_label"),
    "school": ("price_label", "labour_hours"),
    "medical": ("medical_practice", "price_label"),
    "none": ("labour_hours", "tax_filing"),
}

CONFISCATED_GOODS = ("不合格产品", "违法生产的商品", "用于违法经营的工具", "侵权商品", "过期食品")

# --------------------------------------------------------------------------------------------------
# judgment defaulters, tax violators, lists, commitments, market records

DEFAULTER_OBLIGATIONS = (
    "被执行人应于判决生效之日起十日内支付申请执行人{creditor}货款人民币{amount}元及逾期付款利息。",
    "被执行人应于判决生效之日起十日内归还申请执行人{creditor}借款本金人民币{amount}元及利息。",
    "被执行人应支付申请执行人{creditor}工程款人民币{amount}元，并承担案件受理费。",
    "被执行人应于调解书生效之日起十五日内支付申请执行人{creditor}租金人民币{amount}元。",
    "被执行人应向申请执行人{creditor}支付劳动报酬人民币{amount}元及经济补偿金。",
)
DEFAULTER_BEHAVIOURS = (
    ("refuse_with_capacity", 0.55),
    ("property_report", 0.2),
    ("consumption_ban", 0.1),
    ("evade_execution", 0.07),
    ("obstruct_execution", 0.03),
    ("settlement_breach", 0.05),
)
CASE_TYPES = ("民初", "民初", "民初", "商初", "民特")

TAX_CASES: tuple[tuple[str, str, str, float], ...] = (
    (
        "tax_evasion",
        "通过在账簿上多列支出、少列收入等手段，少缴增值税、企业所得税等税款",
        "第六十三条第一款",
        0.4,
    ),
    ("false_vat_invoice", "在无真实交易的情况下虚开增值税专用发票", "第七十七条", 0.25),
    ("false_ordinary_invoice", "虚开增值税普通发票", "第七十七条", 0.1),
    (
        "evade_arrears",
        "欠缴应纳税款，采取转移或者隐匿财产的手段，妨碍税务机关追缴欠缴的税款",
        "第六十五条",
        0.1,
    ),
    ("export_rebate_fraud", "以假报出口等欺骗手段骗取国家出口退税款", "第六十六条第一款", 0.05),
    ("absconding", "未按规定申报纳税且走逃（失联）", "第六十四条第二款", 0.1),
)

#: Serious dishonesty lists: (list_domain, department, reason, basis, years, weight).
DISHONESTY_LISTS: tuple[tuple[str, str, str, str, int, float], ...] = (
    (
        "market_serious_violation",
        "amr",
        "因同一性质违法行为受到较重行政处罚，且一年内再次发生同类违法行为",
        "《市场监督管理严重违法失信名单管理办法》（国家市场监督管理总局令第44号）第二条",
        3,
        0.3,
    ),
    (
        "wage_arrears",
        "hr",
        "克扣、无故拖欠农民工工资达到认定拒不支付劳动报酬罪数额标准",
        "《拖欠农民工工资失信联合惩戒对象名单管理暂行办法》第五条",
        3,
        0.25,
    ),
    (
        "ecology_environment",
        "eco",
        "环境违法行为情节严重，被依法责令停产整治后拒不整改",
        "《企业环境信用评价办法（试行）》第二十二条",
        3,
        0.12,
    ),
    (
        "food_drug",
        "amr",
        "生产经营的食品存在严重安全问题，被依法吊销许可证件",
        "《市场监督管理严重违法失信名单管理办法》（国家市场监督管理总局令第44号）第九条",
        3,
        0.1,
    ),
    (
        "product_quality",
        "amr",
        "生产销售不合格产品，情节严重",
        "《市场监督管理严重违法失信名单管理办法》（国家市场监督管理总局令第44号）第十条",
        3,
        0.08,
    ),
    (
        "transport",
        "transport",
        "存在严重违法违规经营行为，被吊销道路运输经营许可",
        "《交通运输部关于进一步加强交通运输领域信用体系建设的通知》",
        3,
        0.07,
    ),
    (
        "culture_tourism",
        "culture",
        "旅游经营中发生重大安全事故，属于主要责任方",
        "《文化和旅游市场信用管理规定》第十一条",
        3,
        0.05,
    ),
    (
        "research_integrity",
        "science",
        "在科研项目申报中抄袭剽窃、弄虚作假，情节严重",
        "《科研失信行为调查处理规则》第三十一条",
        5,
        0.03,
    ),
)
DISHONESTY_EXIT = "列入期满且已履行相关义务、纠正失信行为的，可申请提前移出；移出须经认定部门审核。"

#: Red lists: (list name, department, level, basis, years or None for long-term, weight).
RED_LISTS: tuple[tuple[str, str, str, str, int | None, float], ...] = (
    (
        "纳税信用A级纳税人",
        "tax",
        "city",
        "《纳税信用管理办法（试行）》（国家税务总局公告2014年第40号）",
        1,
        0.4,
    ),
    (
        "海关高级认证企业",
        "customs",
        "province",
        "《中华人民共和国海关注册登记和备案企业信用管理办法》",
        None,
        0.08,
    ),
    ("守合同重信用企业", "amr", "province", "《守合同重信用企业公示办法》", 2, 0.15),
    ("劳动保障守法诚信示范单位", "hr", "city", "《企业劳动保障守法诚信等级评价办法》", 3, 0.1),
    ("环保信用绿色企业", "eco", "city", "《企业环境信用评价办法（试行）》", 1, 0.1),
    ("交通运输信用AA级企业", "transport", "province", "《交通运输企业信用评价管理办法》", 1, 0.07),
    (
        "高新技术企业",
        "science",
        "province",
        "《高新技术企业认定管理办法》（国科发火〔2016〕32号）",
        3,
        0.1,
    ),
)

#: Commitments: (type, matter, content, department, weight).
COMMITMENTS: tuple[tuple[str, str, str, str, float], ...] = (
    (
        "审批替代型",
        "食品经营许可告知承诺",
        "申请人承诺已具备食品经营许可的条件，所提交材料真实有效，如有不实愿意承担相应法律责任。",
        "approval",
        0.3,
    ),
    (
        "审批替代型",
        "公共场所卫生许可告知承诺",
        "申请人承诺经营场所符合卫生规范和标准，从业人员持有效健康证明上岗。",
        "health",
        0.08,
    ),
    (
        "其他",
        "证明事项告知承诺",
        "申请人承诺所述事项真实、准确，愿意承担虚假承诺的法律责任。",
        "approval",
        0.14,
    ),
    (
        "主动型",
        "企业信用承诺书",
        "本单位承诺遵守法律法规，依法诚信经营，自觉接受政府、行业组织和社会公众的监督。",
        "ndrc",
        0.3,
    ),
    (
        "信用修复型",
        "信用修复承诺",
        "本单位已纠正失信行为、履行法定义务，承诺今后不再发生同类失信行为。",
        "ndrc",
        0.08,
    ),
    (
        "行业自律型",
        "行业自律承诺",
        "本单位承诺遵守行业自律公约，公平竞争，维护行业秩序。",
        "amr",
        0.1,
    ),
)

#: Market records: (reporter type, record type, content, amount range in yuan or None, weight).
MARKET_RECORDS: tuple[tuple[str, str, str, tuple[int, int] | None, float], ...] = (
    ("bank", "loan_overdue", "流动资金贷款逾期{days}天未归还", (100_000, 50_000_000), 0.35),
    ("bank", "contract_performance", "银行承兑汇票到期按时兑付", (500_000, 20_000_000), 0.1),
    (
        "credit_agency",
        "contract_performance",
        "未按合同约定期限支付货款",
        (50_000, 5_000_000),
        0.15,
    ),
    ("credit_agency", "industry_evaluation", "{year}年度企业信用等级评价", None, 0.1),
    ("trade_association", "industry_evaluation", "{year}年度行业信用评价", None, 0.1),
    (
        "trade_association",
        "industry_discipline",
        "违反行业自律公约，予以行业内通报批评",
        None,
        0.05,
    ),
    ("utility", "utility_arrears", "拖欠电费{months}个月", (2_000, 300_000), 0.15),
)
EVALUATION_GRADES = ("AAA", "AA", "A", "BBB", "BB")

#: Banks that report market records: (name pattern, where): {c} city name, {s} city short name.
BANKS = (
    "中国工商银行股份有限公司{s}分行",
    "中国农业银行股份有限公司{s}分行",
    "中国银行股份有限公司{s}分行",
    "中国建设银行股份有限公司{s}分行",
)
PROVINCE_BANKS = {
    "31": ("上海银行股份有限公司", "上海农村商业银行股份有限公司"),
    "32": ("江苏银行股份有限公司", "南京银行股份有限公司", "苏州银行股份有限公司"),
    "33": ("浙商银行股份有限公司", "杭州银行股份有限公司", "宁波银行股份有限公司"),
    "34": ("徽商银行股份有限公司",),
}
CREDIT_AGENCIES = {
    "31": ("上海长信征信服务有限公司", "上海诚达信用评估有限公司"),
    "32": ("江苏苏信信用管理有限公司", "江苏华安信用评估有限公司"),
    "33": ("浙江浙信信用评估有限公司", "浙江之信征信有限公司"),
    "34": ("安徽皖信信用管理有限公司", "安徽徽诚信用评估有限公司"),
}
UTILITIES = {
    "31": "国网上海市电力公司",
    "32": "国网江苏省电力有限公司",
    "33": "国网浙江省电力有限公司",
    "34": "国网安徽省电力有限公司",
}


def all_text() -> str:
    """Every fixed text of the pools (to check that all of it is GBK-encodable)."""
    parts: list[str] = [SURNAMES, *COMPOUND_SURNAMES, GIVEN_CHARS, BRAND_CHARS, PLACE_CHARS]
    parts += [i.word + i.scope for i in INDUSTRIES]
    parts += [f[0] + f[1] for f in ENTERPRISE_FORMS]
    parts += list(COOPERATIVE_WORDS) + [s for s, _ in SHOPS]
    parts += list(ASSOCIATION_WORDS + HOMETOWNS + DISCIPLINES + SOCIETIES)
    parts += list(NONPROFIT_PATTERNS + FOUNDATION_PATTERNS + PUBLIC_INSTITUTION_PATTERNS)
    parts += list(PUBLIC_ORGAN_PATTERNS + ROAD_SUFFIXES)
    for d in DEPARTMENTS:
        parts += [d.abbr, d.city or "", d.province or "", d.county or ""]
    parts += list(SHANGHAI_NAMES.values()) + list(CUSTOMS.values())
    for lt in LICENCES.values():
        parts += [lt.document, lt.certificate, lt.number, lt.content]
    for pt in (*PENALTIES.values(), *PERSON_PENALTIES.values()):
        parts += [pt.violation, pt.facts, pt.basis]
    parts += list(CONFISCATED_GOODS + DEFAULTER_OBLIGATIONS + CASE_TYPES)
    parts += [t[1] + t[2] for t in TAX_CASES]
    parts += [t[2] + t[3] for t in DISHONESTY_LISTS] + [DISHONESTY_EXIT]
    parts += [t[0] + t[3] for t in RED_LISTS]
    parts += [t[1] + t[2] for t in COMMITMENTS]
    parts += [t[2] for t in MARKET_RECORDS]
    parts += list(BANKS) + [b for v in PROVINCE_BANKS.values() for b in v]
    parts += [a for v in CREDIT_AGENCIES.values() for a in v] + list(UTILITIES.values())
    return "".join(parts)
