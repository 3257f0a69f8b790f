"""Deterministic generator of a sample landing zone (../shared/spec/feeds.md) and its expected outcome.

    python include/generate_sample_feeds.py --out include/sample_feeds --month 2022-06 --scale 0.008 --seed 1

Volumes follow seed 001 (the June 2022 bulletin): `scale` × each unit's count per feed, at least 3 rows for a
unit-feed the seed shows as non-zero. Errors are planted on purpose, at most one broken rule per row, so the
manifest (`<out>_expected.json`, outside the landing zone) states exactly what the pipeline must find.
Same arguments -> byte-identical files. Files are written one row at a time (scale 1.0 is ~1.2M rows).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import random
import re
import zipfile
from collections import Counter, defaultdict
from pathlib import Path

import chinese_calendar
from openpyxl import Workbook

from credit_feeds.feeds import (ENUM, FEEDS, ID_TYPE_RESIDENT, INDIVIDUAL_BUSINESS_PLACEHOLDER, MULTI_ENUM, NAME,
                                TEXT, Feed)
from credit_feeds.identifiers import USCC_CHARSET, id_check_char, uscc_check_char

BJ = dt.timezone(dt.timedelta(hours=8))
FIXED_ZIP_TIME = (2022, 7, 1, 0, 0, 0)
FIXED_DOC_TIME = dt.datetime(2022, 7, 1, 0, 0, 0)

# --- units: 附件2 districts and 附件1 departments of seed 001 -------------------------------------------------
# code, unit_name (as the seed writes it), area code, short form used in document numbers, official prefix
DISTRICTS = [
    ("donghu-hitech", "东湖高新区", "420100", "东新", "武汉东湖新技术开发区"),
    ("qiaokou", "硚口区", "420104", "硚", "武汉市硚口区"),
    ("dongxihu", "东西湖区", "420112", "东西湖", "武汉市东西湖区"),
    ("jiangxia", "江夏区", "420115", "江夏", "武汉市江夏区"),
    ("jiangan", "江岸区", "420102", "岸", "武汉市江岸区"),
    ("hongshan", "洪山区", "420111", "洪", "武汉市洪山区"),
    ("caidian", "蔡甸区", "420114", "蔡", "武汉市蔡甸区"),
    ("jianghan", "江汉区", "420103", "江汉", "武汉市江汉区"),
    ("hanyang", "汉阳区", "420105", "阳", "武汉市汉阳区"),
    ("xinzhou", "新洲区", "420117", "新", "武汉市新洲区"),
    ("jingkai", "经开区", "420113", "经开", "武汉经济技术开发区"),
    ("huangpi", "黄陂区", "420116", "陂", "武汉市黄陂区"),
    ("wuchang", "武昌区", "420106", "昌", "武汉市武昌区"),
    ("qingshan", "青山区", "420107", "青", "武汉市青山区"),
    ("donghu-scenic", "东湖风景区", "420100", "东景", "武汉市东湖生态旅游风景区"),
]
# code, unit_name, doc-number abbreviation, official name ("" = "武汉" + unit_name)
DEPARTMENTS = [
    ("market-regulation", "市市场监督管理局", "市监", ""),
    ("transport", "市交通运输局", "交", ""),
    ("tax", "市税务局", "税", "国家税务总局武汉市税务局"),
    ("housing", "市住房保障和房屋管理局", "房", ""),
    ("human-resources", "市人社局", "人社", "武汉市人力资源和社会保障局"),
    ("health", "市卫健委", "卫", "武汉市卫生健康委员会"),
    ("natural-resources", "市自然资源和规划局", "自然", ""),
    ("urban-management", "市城管委", "城管", "武汉市城市管理委员会"),
    ("culture-tourism", "市文化和旅游局", "文旅", ""),
    ("commerce", "市商务局", "商", ""),
    ("urban-rural-construction", "市城乡建设局", "建", ""),
    ("meteorology", "市气象局", "气", ""),
    ("emergency-management", "市应急管理局", "应急", ""),
    ("civil-affairs", "市民政局", "民", ""),
    ("landscape-forestry", "市园林和林业局", "园林", ""),
    ("water-affairs", "市水务局", "水", ""),
    ("agriculture", "市农业农村局", "农", ""),
    ("justice", "市司法局", "司", ""),
    ("ethnic-religious-affairs", "市民宗委", "民宗", "武汉市民族宗教事务委员会"),
    ("civil-defence", "市民防办", "防", "武汉市人民防空办公室"),
    ("development-reform", "市发改委", "发改", "武汉市发展和改革委员会"),
    ("tobacco", "市烟草专卖局", "烟", ""),
    ("ecology-environment", "市生态环境局", "环", ""),
    ("statistics", "市统计局", "统", ""),
    ("data-bureau", "市公管办(市政务服务和大数据管理局)", "政务", "武汉市政务服务和大数据管理局"),
]

# Seed 001 counts per unit and feed; license/penalty as (count, compliance rate, timeliness rate).
# Where the seed's tables are ambiguous the text of the bulletin decides (e.g. all departments' penalties 100%);
# 市场监管's license count is printed "22203 3" (a stray footnote mark): 22203.
SEED: dict[str, dict[str, object]] = {
    "donghu-hitech": {"license": (967, .9928, 1), "penalty": (20, .95, 1), "enforcement": 3213, "inspection": 127988,
                      "other-action": 10109, "grading": 105, "basic-info": 6957, "commitment": 5520,
                      "fulfilment": 7773, "joint-case": 945},
    "qiaokou": {"license": (675, .9748, 1), "penalty": (42, .9286, .9744), "enforcement": 373, "inspection": 32743,
                "grading": 600, "commitment": 13254, "fulfilment": 17606, "joint-case": 3207},
    "dongxihu": {"license": (18057, .9962, 1), "penalty": (64, .7813, 1), "enforcement": 7643, "inspection": 1441,
                 "other-action": 1, "commitment": 28815, "fulfilment": 31232, "joint-case": 1674},
    "jiangxia": {"license": (677, .9601, 1), "penalty": (140, .7786, .6789), "enforcement": 228, "inspection": 440,
                 "other-action": 21878, "basic-info": 32, "commitment": 3828, "fulfilment": 15, "joint-case": 24},
    "jiangan": {"license": (1423, .9695, .997), "penalty": (41, .8048, .8667), "enforcement": 1536,
                "inspection": 11635, "other-action": 63, "basic-info": 9, "commitment": 29516, "fulfilment": 34289,
                "joint-case": 4018},
    "hongshan": {"license": (1306, .9847, .9977), "penalty": (18, 1, .8333), "enforcement": 5756, "inspection": 7501,
                 "grading": 69, "commitment": 13791, "fulfilment": 3834, "joint-case": 9380},
    "caidian": {"license": (646, .9721, .998), "penalty": (26, .8846, 1), "confirmation": 8, "inspection": 2338,
                "other-action": 11331, "commitment": 7624, "fulfilment": 1618},
    "jianghan": {"license": (491, .9369, 1), "penalty": (59, .8136, .875), "enforcement": 276, "inspection": 4896,
                 "other-action": 17, "commitment": 5592, "fulfilment": 20749, "joint-case": 1000},
    "hanyang": {"license": (1165, .9803, 1), "penalty": (57, .8246, .851), "enforcement": 12, "inspection": 2328,
                "other-action": 7, "grading": 400, "commitment": 166141, "fulfilment": 167578, "joint-case": 400},
    "xinzhou": {"license": (513, .9786, .998), "penalty": (17, .8235, .7857), "enforcement": 19, "inspection": 1602,
                "other-action": 1, "grading": 769, "commitment": 1610, "joint-case": 769},
    "jingkai": {"license": (1755, .9892, .9994), "penalty": (23, .8696, 1), "inspection": 560, "grading": 501,
                "commitment": 2799, "fulfilment": 65, "joint-case": 1269},
    "huangpi": {"license": (789, .9861, .9949), "penalty": (57, .9474, .9259), "enforcement": 3, "reward": 1,
                "inspection": 17, "grading": 676, "commitment": 19288, "fulfilment": 707, "joint-case": 6385},
    "wuchang": {"license": (1054, .9886, .9942), "penalty": (65, .9077, .9661), "grading": 8, "basic-info": 26,
                "commitment": 2655, "fulfilment": 683, "joint-case": 364},
    "qingshan": {"license": (316, .9747, 1), "penalty": (8, .625, 1), "inspection": 96, "commitment": 83,
                 "fulfilment": 2, "joint-case": 20},
    "donghu-scenic": {"license": (39, .9487, 1), "penalty": (4, .5, 1), "commitment": 84},
    "market-regulation": {"license": (22203, 1, 1), "penalty": (75244, 1, 1), "confirmation": 5, "inspection": 80,
                          "basic-info": 146704},
    "transport": {"license": (10567, 1, 1), "penalty": (3463, 1, 1), "enforcement": 63, "inspection": 5278,
                  "commitment": 100, "fulfilment": 100},
    "tax": {"license": (7074, .9989, 1), "penalty": (7052, 1, 1), "enforcement": 22},
    "housing": {"license": (3843, 1, 1), "penalty": (162, 1, 1), "adjudication": 117, "inspection": 2385,
                "grading": 1750, "commitment": 1, "fulfilment": 1},
    "human-resources": {"license": (1335, 1, 1), "penalty": (2, 1, 1), "grading": 348, "other-action": 66},
    "health": {"license": (491, .9978, 1), "penalty": (457, 1, .7692), "enforcement": 13, "adjudication": 2,
               "inspection": 19},
    "natural-resources": {"license": (283, 1, 1), "penalty": (283, 1, 1), "commitment": 3, "joint-case": 49},
    "urban-management": {"license": (126, 1, 1), "penalty": (34, 1, 1), "enforcement": 25, "inspection": 67,
                         "commitment": 19},
    "culture-tourism": {"license": (99, 1, 1), "penalty": (86, 1, 1), "enforcement": 7, "inspection": 6,
                        "commitment": 101, "joint-case": 1},
    "commerce": {"license": (31, 1, 1), "penalty": (13, 1, 1), "inspection": 18, "commitment": 5},
    "urban-rural-construction": {"license": (30, 1, 1), "penalty": (30, 1, 1)},
    "meteorology": {"license": (24, .8333, 1), "penalty": (6, 1, 1), "inspection": 9, "grading": 9},
    "emergency-management": {"license": (2, 1, 1), "penalty": (1, 1, 1), "inspection": 17},
    "civil-affairs": {"license": (12, 1, 1)},
    "landscape-forestry": {"license": (9, 1, 1)},
    "water-affairs": {"license": (8, 1, 1)},
    "agriculture": {"penalty": (5, 1, 1)},
    "justice": {"license": (5, 1, 1)},
    "ethnic-religious-affairs": {"confirmation": 4},
    "civil-defence": {"license": (3, 1, 1)},
    "development-reform": {"license": (1, 1, 1), "commitment": 6},
    "tobacco": {"penalty": (1, 1, 1)},
    "ecology-environment": {"license": (1, 1, 1)},
    "statistics": {"penalty": (1, 1, 0)},
    "data-bureau": {"commitment": 838},
}
# Feeds without seed figures: the compliance rate planted for districts (departments stay at 100%).
DEFAULT_DISTRICT_RATE = 0.97
PUBLICITY_ROWS = 3   # 附件3 (not scaled): every district monthly, some departments
PUBLICITY_UNITS = ("market-regulation", "development-reform", "transport", "tax")
ACTION_LATE_RATE = {"jiangxia": 0.2, "hongshan": 0.1, "jiangan": 0.05}   # five action feeds, 14-day deadline
MIN_ROWS = 3
MISSING_COLUMN_TARGET = ("donghu-scenic", "penalty", "CF_YJ")   # its rejected rows form one file lacking CF_YJ
EXTRA_COLUMN_TARGET = ("jianghan", "license")
FORCED_REJECTS = {("jiangan", "publicity"): 1}
PLATFORM_ROUTES = {("qingshan", "license"): "shenguan-linkage", ("civil-affairs", "license"): "shenguan-linkage",
                   ("data-bureau", "commitment"): "shenguan-linkage", ("caidian", "confirmation"): "caidian-bigdata",
                   ("caidian", "other-action"): "caidian-bigdata"}
# section 八 of seed 001: platforms connected this month (owner unit, name, code)
NEW_PLATFORMS = [
    ("data-bureau", "武汉市审管联动信息交互平台", "shenguan-linkage"), ("caidian", "蔡甸区大数据平台", "caidian-bigdata"),
    ("jingkai", "经开区政策兑现综合服务平台", "jingkai-policy"),
    ("dongxihu", "社会治理指挥中心信息化平台", "dongxihu-governance"),
    ("huangpi", "大数据平台", "huangpi-bigdata"), ("jiangan", "江岸区电子政务公共平台", "jiangan-egov"),
    ("hanyang", "汉阳楼宇招商信息平台", "hanyang-investment"), ("hanyang", "汉阳教育云平台", "hanyang-edu-cloud"),
]
OLD_PLATFORM_KINDS = [("信用信息共享平台", "credit"), ("行政审批系统", "approval"), ("执法办案系统", "enforcement"),
                      ("政务服务平台", "services")]
OLD_PLATFORMS = 27

# --- vocabulary (GB2312 characters only, so GBK files can hold every value) ------------------------------------
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红玉兰文辉斌波宇浩凯鹏飞俊峰琳婷雪梅晨欣怡子涵博宁健康亮晶佳琪瑶嘉欢乐思远宏鑫新春雨"
BRANDS = ["楚天", "江城", "汉江", "长江", "东湖", "鼎盛", "恒通", "华中", "九州", "金桥", "荆楚", "龟山", "晴川", "光谷",
          "天河", "鸿达", "瑞丰", "博雅", "顺安", "永泰", "新源", "宏图", "中南", "汇丰", "锦程", "卓越", "泰和", "盛世"]
TRADES = ["商贸", "科技", "建筑工程", "餐饮管理", "物流", "医药", "电子", "环保科技", "装饰工程", "食品", "文化传媒",
          "信息技术", "汽车服务", "物业管理", "生物科技", "建材", "教育咨询", "酒店管理", "机械设备", "农业开发"]
COMPANY_SUFFIX = ["有限公司", "有限公司", "有限责任公司", "股份有限公司"]
SHOPS = ["便利店", "小吃店", "五金店", "理发店", "餐馆", "水果店", "烟酒商行", "干洗店", "药店", "面馆", "超市"]
ROADS = ["解放大道", "中山大道", "建设大道", "发展大道", "武珞路", "珞喻路", "雄楚大道", "汉阳大道", "和平大道", "光谷大道",
         "江汉路", "京汉大道", "友谊大道", "沿江大道", "鹦鹉大道", "金银湖路", "文化大道", "民族大道", "关山大道"]
OTHER_ORGS = {"12": ["{a}第{n}中学", "{a}人民医院", "{a}疾病预防控制中心", "{a}图书馆"],
              "52": ["{a}{b}职业培训学校", "{a}{b}养老服务中心"], "31": ["湖北{b}律师事务所"],
              "A1": ["中国人民解放军中部战区总医院"], "N2": ["{a}{b}村股份经济合作社"], "Y1": ["武汉市{b}商会"]}
RETIRED_AREAS = ("420121", "420123", "422201")   # 汉阳县, 黄陂县, 孝感地区: retired codes still on old cards
PERSON_AREAS = ("420102", "420103", "420104", "420105", "420106", "420107", "420111", "420112", "420114",
                "420115", "420116", "420117", "421002", "429004", "430102", "411302")

LICENSES = [  # 文书名称, 许可类别, 证书名称, 许可内容
    ("食品经营许可决定书", "普通", "食品经营许可证", "准予食品经营许可，经营项目：预包装食品销售（含冷藏冷冻食品），热食类食品制售"),
    ("公共场所卫生许可决定书", "普通", "公共场所卫生许可证", "准予公共场所卫生许可，许可项目：住宿、美容美发"),
    ("建筑工程施工许可决定书", "普通", "建筑工程施工许可证", "准予建筑工程施工许可，建设规模约12000平方米"),
    ("道路运输经营许可决定书", "普通", "道路运输经营许可证", "准予从事道路普通货物运输经营"),
    ("准予设立登记通知书", "登记", "营业执照", "准予设立登记"),
    ("准予变更登记通知书", "登记", "营业执照", "准予变更登记，变更事项：住所、经营范围"),
    ("药品经营许可决定书", "普通", "药品经营许可证", "准予药品零售经营，经营范围：中成药、化学药制剂"),
    ("排水许可决定书", "普通", "城镇污水排入排水管网许可证", "准予向城镇排水设施排放污水"),
    ("燃气经营许可决定书", "特许", "燃气经营许可证", "准予瓶装燃气经营"),
    ("特种设备使用登记决定", "登记", "特种设备使用登记证", "准予电梯使用登记"),
    ("建设工程规划许可决定书", "核准", "建设工程规划许可证", "准予建设工程规划许可"),
    ("人力资源服务许可决定书", "认可", "人力资源服务许可证", "准予从事职业介绍、人才推荐服务"),
]
PENALTIES = [  # 违法行为类型, 违法事实, 处罚依据
    ("销售不符合食品安全标准的食品", "当事人经营的一批食品经抽样检验不合格，货值金额较小",
     "《中华人民共和国食品安全法》第一百二十四条第一款"),
    ("未取得食品经营许可从事食品经营", "当事人未取得食品经营许可证擅自从事餐饮服务", "《中华人民共和国食品安全法》第一百二十二条"),
    ("违法发布广告", "当事人在其微信公众号发布含有“最佳”“第一”用语的广告", "《中华人民共和国广告法》第五十七条"),
    ("未按规定进行安全生产教育培训", "当事人未对从业人员进行安全生产教育和培训", "《中华人民共和国安全生产法》第九十七条"),
    ("擅自占用城市道路", "当事人未经批准擅自占用人行道堆放建筑材料", "《城市道路管理条例》第四十二条"),
    ("违规排放污水", "当事人未取得排水许可向城镇排水设施排放污水", "《城镇排水与污水处理条例》第五十条"),
    ("超限运输", "当事人驾驶车辆超过公路限载标准行驶", "《公路安全保护条例》第六十六条"),
    ("未按期申报纳税", "当事人未按照规定期限办理纳税申报", "《中华人民共和国税收征收管理法》第六十二条"),
    ("无证行医", "当事人未取得医疗机构执业许可证擅自执业", "《医疗机构管理条例》第四十三条"),
    ("伪造统计资料", "当事人提供不真实的统计资料", "《中华人民共和国统计法》第四十一条"),
]
# 处罚类别 of valid rows; each needs what rules.md asks (罚款 -> CF_NR_FK > 0, 没收… -> CF_NR_WFFF ≥ 0, 暂扣/吊销 -> ZKDX)
PENALTY_KINDS_VALID = ["罚款", "罚款", "警告;罚款", "罚款;没收违法所得", "警告", "通报批评", "没收非法财物",
                       "罚款；吊销许可证件", "暂扣或者吊销执照", "暂扣或者吊销许可证,罚款", "责令停产停业"]
FINES = ["0.2", "0.05", "0.3", "0.5", "1", "2", "3.5", "5", "10", "0.15", "20"]
ACTIONS = {
    "enforcement": ["查封违法生产经营场所", "扣押涉嫌不合格产品一批", "冻结存款", "责令立即停止使用特种设备"],
    "confirmation": ["不动产登记确认", "工伤认定", "宗教活动场所登记确认", "残疾等级确认"],
    "adjudication": ["房屋租赁纠纷行政裁决", "土地权属争议行政裁决"],
    "reward": ["授予“诚信经营示范单位”称号", "表彰“守合同重信用”企业"],
    "inspection": ["“双随机、一公开”监督检查，未发现问题", "日常监督检查，责令限期整改", "专项检查，检查结果：合格"],
    "other-action": ["征收城镇土地使用税", "发放最低生活保障金", "国有土地上房屋征收补偿", "发放一次性创业补贴"],
}
ACTION_LETTER = {"enforcement": "强", "confirmation": "确", "adjudication": "裁", "reward": "奖", "inspection": "检",
                 "other-action": "征"}
OTHER_ACTION_TYPE = {"征收城镇土地使用税": "行政征收", "发放最低生活保障金": "行政给付",
                     "国有土地上房屋征收补偿": "行政补偿", "发放一次性创业补贴": "行政给付"}
COMMITMENT_MATTERS = ["申请食品经营许可，承诺所提交材料真实有效", "办理企业登记，承诺符合住所使用条件",
                      "申请信用修复，承诺不再发生同类失信行为", "申请政府补贴资金，承诺诚信使用", "告知承诺制办理建筑工程施工许可"]
COMMITMENT_TYPES_VALID = ["主动承诺型", "审批替代型", "容缺受理型", "失信修复型", "证明事项型", "行业自律型", "主动型"]
GRADING_DOMAINS = ["食品安全", "建筑市场", "纳税信用", "消防安全", "劳动保障", "道路运输", "物业服务"]
JOINT_CASES = [("守信激励", "A级纳税人", "在行政审批中给予“绿色通道”支持"), ("守信激励", "守合同重信用企业", "优先推荐参与评优评先"),
               ("失信惩戒", "失信被执行人", "限制参与政府采购和招标投标"), ("失信惩戒", "重大税收违法失信主体", "限制取得政府供应土地"),
               ("失信惩戒", "严重失信主体名单", "限制享受财政补贴政策")]
MEDIA = [("长江日报", "https://www.cjrbapp.cjn.cn/p/{n}.html"), ("湖北日报", "https://news.hubeidaily.net/pc/{n}.html"),
         ("搜狐网", "https://www.sohu.com/a/{n}_121106908"), ("信用中国（湖北武汉）", "https://credit.wuhan.gov.cn/xyww/{n}.html"),
         ("武汉晚报", "http://www.whwb.cn/news/{n}.html")]
TITLES = ["“诚信建设万里行”走进{a}社区", "{a}开展“信用进企业”宣传活动", "{a}举办诚信经营承诺签名活动",
          "“6·14信用记录关爱日”{a}在行动", "{a}发布诚信典型案例"]
BAD_ENUM = {"XK_XKLB": ["一般许可", "行政许可"], "XK_ZT": ["有效"], "CF_CFLB": ["警告;批评教育", "罚金"],
            "XZ_XWLB": ["行政收费"], "CN_LX": ["自愿承诺型"], "LY_JG": ["履约中"], "PJ_DJ": ["AAA", "A+"],
            "AL_LB": ["守信联合激励"], "FR_ZJLX": ["居民身份证", "二代身份证"]}
PROHIBITED_SAMPLES = ["不文明养犬", "闯红灯", "欠缴物业费", "信访", "未执行垃圾分类"]
BAD_URLS = ["www.sohu.com/a/578442{n}_121106908", "见“武汉信用”微信公众号", "ftp://files.example.cn/{n}.doc"]
RARE_CHAR = "䶮"   # outside GBK: a GB18030 file carrying it cannot be mistaken for GBK


# --- calendar ------------------------------------------------------------------------------------------------
_WORKDAY: dict[dt.date, bool] = {}


def is_workday(day: dt.date) -> bool:
    if day not in _WORKDAY:
        _WORKDAY[day] = chinese_calendar.is_workday(day)
    return _WORKDAY[day]


def lag_workdays(decision: dt.date, submitted: dt.date) -> int:
    """Working days d with decision < d <= submitted (warehouse.md)."""
    return sum(is_workday(decision + dt.timedelta(days=i)) for i in range(1, (submitted - decision).days + 1))


def decision_for_lag(submitted: dt.date, lag: int) -> dt.date:
    """The latest working day whose lag to `submitted` is `lag`."""
    day, count = submitted, 0
    while True:
        if count == lag and is_workday(day):
            return day
        count += is_workday(day)
        day -= dt.timedelta(days=1)


def fmt_date(day: dt.date, style: str) -> str:
    return day.strftime("%Y/%m/%d" if style == "/" else "%Y-%m-%d")


def bad_date(day: dt.date, rng: random.Random) -> str:
    """A decision date that is not a real date in an accepted format (DATE_FORMAT)."""
    return rng.choice([day.strftime("%Y.%m.%d"), f"{day.year}-02-30", day.strftime("%Y%m%d"),
                       f"{day.year}年{day.month}月{day.day}日", day.strftime("%m/%d/%Y"), f"{day.year}-13-{day.day:02d}"])


# --- identifiers -----------------------------------------------------------------------------------------------

def make_uscc(rng: random.Random, head: str, area: str) -> str:
    body = head + area + rng.choice(["MB1", "0", "7"] if head[0] == "1" else ["MA4", "MA49", "7", "0", "3"])
    body += "".join(rng.choice(USCC_CHARSET[:10] if len(body) < 14 else USCC_CHARSET) for _ in range(17 - len(body)))
    return body + uscc_check_char(body)


def break_uscc(rng: random.Random, code: str) -> str:
    kind = rng.randrange(4)
    if kind == 0:   # wrong check character
        return code[:17] + rng.choice([c for c in USCC_CHARSET if c != code[17]])
    if kind == 1:   # a letter outside the GB 32100 set
        return code[:10] + rng.choice("IOSVZ") + code[11:]
    if kind == 2:   # impossible 登记管理部门码 + 机构类别码
        body = "14" + code[2:17]
        return body + uscc_check_char(body)
    return code[:17]   # 17 characters


def make_id(rng: random.Random, area: str | None = None) -> str:
    birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(365 * 53))
    body = (area or rng.choice(PERSON_AREAS)) + birth.strftime("%Y%m%d") + f"{rng.randrange(1000):03d}"
    return body + id_check_char(body)


def break_id(rng: random.Random, number: str) -> str:
    kind = rng.randrange(3)
    if kind == 0:
        return number[:17] + rng.choice([c for c in "0123456789X" if c != number[17]])
    if kind == 1:   # 30 February
        body = number[:6] + number[6:10] + "0230" + number[14:17]
        return body + id_check_char(body)
    return number[:17]


def person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


class Unit:
    def __init__(self, code, name, kind, area, short, official, uscc):
        self.code, self.name, self.kind, self.area, self.short = code, name, kind, area, short
        self.official, self.uscc = official, uscc
        self.auths: dict[str, list[tuple[str, str, str, str]]] = {}   # family -> [(name, uscc, abbr, bracket)]


def build_units(rng: random.Random) -> list[Unit]:
    units = []
    for code, name, area, short, official in DISTRICTS:
        u = Unit(code, name, "district", area, short, official, make_uscc(rng, "11", area))
        bureau = {k: (official + full, make_uscc(rng, "11", area), short + abbr)
                  for k, full, abbr in (("scjg", "市场监督管理局", "市监"), ("sp", "行政审批局", "审批"),
                                        ("cg", "城市管理执法局", "城管"), ("wj", "卫生健康局", "卫"))}
        u.auths = {"license": [bureau["scjg"], bureau["sp"]], "penalty": [bureau["scjg"], bureau["cg"]],
                   "other": [bureau["scjg"], bureau["cg"], bureau["wj"]]}
        units.append(u)
    for code, name, abbr, official in DEPARTMENTS:
        official = official or "武汉" + name
        u = Unit(code, name, "department", "420100", abbr, official, make_uscc(rng, "11", "420100"))
        u.auths = {k: [(official, u.uscc, abbr)] for k in ("license", "penalty", "other")}
        units.append(u)
    brackets = ["〔{y}〕"] * 12 + ["[{y}]", "（{y}）"]
    for u in units:   # a few authorities write their year in other brackets (warehouse.md accepts them)
        u.auths = {k: [a + (rng.choice(brackets),) for a in v] for k, v in u.auths.items()}
    return units


def build_platforms(rng: random.Random, units: list[Unit], month: dt.date) -> list[tuple[str, str, str, str]]:
    """platform_code, platform_name, owner_unit_code, connected_on: 8 new this month (seed 001 section 八)."""
    out = []
    for owner, name, code in NEW_PLATFORMS:
        out.append((code, name, owner, month.replace(day=rng.randint(1, 28)).isoformat()))
    owners = rng.sample(units, OLD_PLATFORMS)
    for i, u in enumerate(owners):
        suffix, scode = OLD_PLATFORM_KINDS[i % len(OLD_PLATFORM_KINDS)]
        prefix = u.name if u.kind == "district" else "武汉" + u.name
        day = dt.date(2019, 1, 1) + dt.timedelta(days=rng.randrange((month - dt.date(2019, 1, 1)).days))
        out.append((f"{u.code}-{scode}", prefix + suffix, u.code, day.isoformat()))
    return sorted(out)


# --- rules planted per feed ------------------------------------------------------------------------------------

def _non_subject(feed: Feed):
    block = feed.subject_prefix or "\0"
    return [f for f in feed.fields if not f.code.startswith(block + "XDR_") and not f.code.startswith(block + "FR")]


def feed_rules(feed: Feed) -> list[str]:
    """Rule IDs a row of this feed can break, feed-specific ones first (they are rarest)."""
    codes = set(feed.codes)
    rules = ["FINE_AMOUNT", "CONFISCATION_AMOUNT", "LICENCE_REVOKED"] if "CF_NR_FK" in codes else []
    rules += ["PROHIBITED_MATTER"] * bool(feed.prohibited_fields)
    rules += ["URL"] * any(f.kind == "url" for f in feed.fields)
    rules += ["DATE_ORDER"] * bool(feed.date_order)
    rules += ["SUBJECT_ID", "LEGAL_REP", "ID_CHECKSUM"] if feed.subject_prefix else []
    rules += ["USCC_CHECKSUM"] * any(f.kind == "uscc" for f in feed.fields)
    rules += ["ENUM"] * bool(feed.subject_prefix or enum_field(feed))
    return rules + ["DUPLICATE", "REQUIRED", "DATE_FORMAT", "DATE_FUTURE", "LENGTH"]


def enum_field(feed: Feed) -> str | None:
    return next((f.code for f in _non_subject(feed) if f.kind in (ENUM, MULTI_ENUM) and f.code in BAD_ENUM), None)


def required_field(feed: Feed) -> str:
    """A required free-text field no other rule looks at (REQUIRED)."""
    skip = {feed.doc_no_field, feed.subject_name_field, feed.authority_name_field, *feed.prohibited_fields,
            *feed.key_fields}
    cands = [f for f in _non_subject(feed) if f.is_required and f.kind == TEXT and f.code not in skip]
    return max(cands, key=lambda f: (f.max_length or 0, feed.fields.index(f))).code


def length_field(feed: Feed) -> str:
    """A free-text field limited to NAME characters (LENGTH)."""
    skip = {feed.subject_name_field, feed.authority_name_field}
    return next(f.code for f in _non_subject(feed) if f.kind == TEXT and f.max_length == NAME and f.code not in skip)


def long_text(rng: random.Random, limit: int) -> str:
    text = ""
    while len(text) <= limit:
        text += rng.choice(["根据有关规定", "经审查符合条件", "依法予以办理", "相关材料齐全", "现场核查属实"]) + "，"
    return text[:limit + rng.randint(1, 30)]


# --- the generator -----------------------------------------------------------------------------------------------

class Generator:
    def __init__(self, out: Path, month: str, scale: float, seed: int, on_row=None):
        self.out, self.scale, self.on_row = out, scale, on_row
        self.month = dt.date.fromisoformat(month + "-01")
        self.year = self.month.year
        self.rng = random.Random(seed)
        self.units = build_units(self.rng)
        self.serial: dict[tuple[str, str], int] = {}
        self.commitment_units: dict[str, int] = {}
        self.issued: Counter = Counter()
        self.gap_plan: dict[tuple[str, str], tuple[int, int]] = {}
        self.gaps: list[dict] = []
        self.cursor: Counter = Counter()   # feed -> position in its rule cycle
        self.stats: dict = defaultdict(lambda: defaultdict(Counter))
        self.rejections: Counter = Counter()
        self.files: list[dict] = []
        self.month_days = [self.month + dt.timedelta(days=i) for i in range(31)
                           if (self.month + dt.timedelta(days=i)).month == self.month.month]

    # -- document numbers (consecutive per authority and prefix; planted gaps are listed in the manifest) --
    def doc_no(self, feed: Feed, unit: Unit, auth) -> str:
        name, code, abbr, bracket = auth
        if feed.name == "commitment":   # numbered per unit, whichever office took the commitment
            key = (unit.uscc, "CN")
        else:
            letter = {"license": "许", "penalty": "罚"}.get(feed.name) or ACTION_LETTER[feed.name]
            key = (code, "武" + abbr + letter)
        if key not in self.serial:
            self.serial[key] = self.rng.randint(1, 400)
        if key in self.gap_plan and self.gap_plan[key][0] == self.issued[key]:
            for _ in range(self.gap_plan[key][1]):
                self.gaps.append({"authority_code": code, "authority_name": name, "unit_code": unit.code,
                                  "feed": feed.name, "doc_prefix": key[1], "doc_year": self.year,
                                  "missing_serial": self.serial[key]})
                self.serial[key] += 1
        n = self.serial[key]
        self.serial[key] += 1
        self.issued[key] += 1
        if feed.name == "commitment":   # CN_BH is the record key: unique across units (a unit number in it)
            unit_no = self.commitment_units.setdefault(unit.code, len(self.commitment_units) + 1)
            return f"CN{unit.area}{self.year}{unit_no:02d}{n:06d}"
        return f"{key[1]}{bracket.format(y=self.year)}{n}号"

    def plan_gaps(self, feed: Feed, auths, counts: Counter) -> None:
        if feed.name not in ("license", "penalty"):
            return
        letter = "许" if feed.name == "license" else "罚"
        for i, (name, code, abbr, bracket) in enumerate(auths):
            if counts[i] >= 4 and self.rng.random() < 0.15:
                self.gap_plan[(code, "武" + abbr + letter)] = (self.rng.randint(1, counts[i] - 2),
                                                              1 + (self.rng.random() < 0.25))

    # -- names --
    def company(self, unit: Unit) -> str:
        rng = self.rng
        head = rng.choice(["武汉", "武汉", "湖北", "武汉市" + rng.choice(DISTRICTS)[1]])
        return head + rng.choice(BRANDS) + rng.choice(TRADES) + rng.choice(COMPANY_SUFFIX)

    def org(self, unit: Unit, head: str) -> str:
        district = unit.name if unit.kind == "district" else self.rng.choice(DISTRICTS)[1]
        tpl = self.rng.choice(OTHER_ORGS[head])
        return tpl.format(a="武汉市" + district, b=self.rng.choice(BRANDS), n=self.rng.randint(1, 80))

    def address(self, unit: Unit) -> str:
        district = unit.name if unit.kind == "district" else self.rng.choice(DISTRICTS)[1]
        return f"武汉市{district}{self.rng.choice(ROADS)}{self.rng.randint(1, 999)}号"

    # -- the subject block (行政相对人) and the rules on it --
    def subject(self, p: str, unit: Unit, rule: str | None) -> dict:
        rng = self.rng
        rec = {f"{p}{c}": "" for c in ("XDR_MC", "XDR_LB", "XDR_SHXYM", "XDR_GSZC", "XDR_ZZJG", "XDR_SWDJ",
                                       "XDR_SYDW", "XDR_SHZZ", "FRDB", "FR_ZJLX", "FR_ZJHM", "XDR_ZJLX", "XDR_ZJHM")}
        if rule in ("LEGAL_REP", "USCC_CHECKSUM", "ENUM"):
            kind = "org"
        elif rule == "ID_CHECKSUM":
            kind = rng.choice(["person", "person", "org"])
        else:
            kind = rng.choices(["org", "person", "shop"], [6, 2, 2])[0]
        if kind == "org":
            head = "91" if rng.random() < 0.88 else rng.choice(sorted(OTHER_ORGS))
            code = make_uscc(rng, head, unit.area)
            rec.update({p + "XDR_MC": self.company(unit) if head == "91" else self.org(unit, head),
                        p + "XDR_LB": "法人及非法人组织", p + "XDR_SHXYM": code, p + "FRDB": person(rng)})
            if rng.random() < 0.5 or rule in ("ENUM", "ID_CHECKSUM"):
                rec[p + "FR_ZJLX"], rec[p + "FR_ZJHM"] = ID_TYPE_RESIDENT, make_id(rng)
            if rule == "LEGAL_REP":
                rec[p + "FRDB"] = rec[p + "FR_ZJLX"] = rec[p + "FR_ZJHM"] = ""
            elif rule == "USCC_CHECKSUM":
                rec[p + "XDR_SHXYM"] = break_uscc(rng, code)
            elif rule == "ENUM":
                rec[p + "FR_ZJLX"] = rng.choice(BAD_ENUM["FR_ZJLX"])
            elif rule == "ID_CHECKSUM":
                rec[p + "FR_ZJHM"] = break_id(rng, rec[p + "FR_ZJHM"])
            elif rule == "SUBJECT_ID":
                rec[p + "XDR_SHXYM"] = ""
        elif kind == "person":
            rec.update({p + "XDR_MC": person(rng), p + "XDR_LB": "自然人"})
            roll = rng.random()
            if roll < 0.9 or rule == "ID_CHECKSUM":
                area = rng.choice(RETIRED_AREAS) if rng.random() < 0.08 else None
                rec[p + "XDR_ZJLX"], rec[p + "XDR_ZJHM"] = ID_TYPE_RESIDENT, make_id(rng, area)
            elif roll < 0.95:
                rec[p + "XDR_ZJLX"], rec[p + "XDR_ZJHM"] = "护照号", f"E{rng.randrange(10**8):08d}"
            else:
                rec[p + "XDR_ZJLX"], rec[p + "XDR_ZJHM"] = "港澳居民来往内地通行证", f"H{rng.randrange(10**8):08d}"
            if rule == "ID_CHECKSUM":
                rec[p + "XDR_ZJHM"] = break_id(rng, rec[p + "XDR_ZJHM"])
            elif rule == "SUBJECT_ID":
                if rng.random() < 0.5:
                    rec[p + rng.choice(["XDR_ZJHM", "XDR_ZJLX"])] = ""
                else:
                    rec[p + "XDR_SHXYM"] = make_uscc(rng, "91", unit.area)
        else:
            district = unit.name if unit.kind == "district" else rng.choice(DISTRICTS)[1]
            owner = person(rng)
            rec.update({p + "XDR_MC": f"{district}{owner[0]}记{rng.choice(SHOPS)}", p + "XDR_LB": "个体工商户",
                        p + "FRDB": owner})
            if rule == "SUBJECT_ID":
                pass   # neither a code nor a registration number
            elif rng.random() < 0.5:
                rec[p + "XDR_SHXYM"] = make_uscc(rng, "92", unit.area)
            else:
                rec[p + "XDR_SHXYM"] = INDIVIDUAL_BUSINESS_PLACEHOLDER
                rec[p + "XDR_GSZC"] = f"{unit.area}6{rng.randrange(10**8):08d}"
        return rec

    def event_date(self, feed: Feed, submitted: dt.date, rule: str | None, late: bool) -> dt.date:
        rng = self.rng
        if rule == "DATE_FUTURE":
            return submitted + dt.timedelta(days=rng.randint(1, 20))
        if feed.name == "basic-info":
            return submitted - dt.timedelta(days=rng.randint(30, 7000))
        deadline = feed.deadline_workdays
        if deadline is None:
            lag = rng.randint(0, 15)
        elif late:
            lag = deadline + rng.randint(1, 2 * deadline)
        else:
            lag = min(deadline, int(rng.triangular(0, deadline + 1, 2)))
        return decision_for_lag(submitted, lag)

    def record(self, feed: Feed, unit: Unit, auth, submitted: dt.date, rule: str | None, late: bool) -> dict:
        """One row as {field code: str | date}; valid unless `rule` names the one rule it breaks."""
        rng, y = self.rng, dt.timedelta(days=365)
        d = self.event_date(feed, submitted, rule, late)
        aname, acode = auth[0], auth[1]
        # ENUM is broken on the feed's own enumerated field when it has one, else on FR_ZJLX of the subject
        subject_rule = None if rule == "ENUM" and enum_field(feed) else rule
        rec = self.subject(feed.subject_prefix, unit, subject_rule) if feed.subject_prefix else {}
        if feed.name == "license":
            ws, lb, zs, nr = rng.choice(LICENSES)
            rec.update(XK_XKWS=ws, XK_WSH=self.doc_no(feed, unit, auth), XK_XKLB=lb, XK_XKZS=zs,
                       XK_XKBH=f"{'JY1' if '食品' in zs else zs[:2]}{unit.area}{rng.randrange(10**7):07d}",
                       XK_NR=nr, XK_JDRQ=d, XK_YXQZ=d,
                       XK_YXQZI=rng.choice([d + 5 * y, d + 3 * y, dt.date(2099, 12, 31)]), XK_XKJG=aname,
                       XK_XKJGDM=acode, XK_ZT="1", XK_LYDW=aname, XK_LYDWDM=acode, BZ="")
        elif feed.name == "penalty":
            wfxw, sy, yj = rng.choice(PENALTIES)
            natural = rec["CF_XDR_LB"] == "自然人"
            kinds = rng.choice(["罚款", "警告", "警告;罚款"] if natural else PENALTY_KINDS_VALID)
            fk = wfff = zkdx = ""
            if rule == "FINE_AMOUNT":
                kinds, fk = "罚款", rng.choice(["", "0", "-0.5", "五千元"])
            elif rule == "CONFISCATION_AMOUNT":
                kinds, wfff = "没收违法所得", rng.choice(["", "-0.3", "约两千元"])
            elif rule == "LICENCE_REVOKED":
                kinds = rng.choice(["吊销许可证件", "暂扣许可证件", "暂扣或者吊销许可证"])
            else:
                fk = rng.choice(FINES) if "罚款" in kinds else ""
                wfff = rng.choice(["0.1286", "0", "0.35", "1.2"]) if "没收" in kinds else ""
                zkdx = f"{rng.choice(LICENSES)[2]}（编号：JY{unit.area}{rng.randrange(10**7):07d}）" \
                    if ("吊销" in kinds or "暂扣" in kinds) else ""
            content = "给予" + kinds.replace(";", "、").replace("；", "、").replace(",", "、") + "的行政处罚"
            rec.update(CF_WSH=self.doc_no(feed, unit, auth), CF_WFXW=wfxw, CF_SY=sy, CF_YJ=yj, CF_CFLB=kinds,
                       CF_NR=content + (f"，罚款{fk}万元" if fk and rule != "FINE_AMOUNT" else ""), CF_NR_FK=fk,
                       CF_NR_WFFF=wfff, CF_NR_ZKDX=zkdx, CF_JDRQ=d, CF_YXQ=d + 3 * y,
                       CF_GSJZQ=rng.choice([d + y, ""]), CF_CFJG=aname, CF_CFJGDM=acode, CF_SJLY=aname,
                       CF_SJLYDM=acode, BZ="")
        elif feed.subject_prefix == "XZ_":
            nr = rng.choice(ACTIONS[feed.name])
            rec.update(XZ_WSH=self.doc_no(feed, unit, auth), XZ_XWLB=feed.action_type or OTHER_ACTION_TYPE[nr],
                       XZ_NR=nr, XZ_JDRQ=d, XZ_JG=aname, XZ_JGDM=acode, XZ_LYDW=unit.official, XZ_LYDWDM=unit.uscc)
        elif feed.name == "commitment":
            rec.update(CN_ZTMC=self.company(unit), CN_SHXYM=make_uscc(rng, "91", unit.area),
                       CN_LX=rng.choice(COMMITMENT_TYPES_VALID), CN_SX=rng.choice(COMMITMENT_MATTERS), CN_RQ=d,
                       CN_SLJG=aname, CN_SLJGDM=acode, CN_BH=self.doc_no(feed, unit, auth))
        elif feed.name == "fulfilment":
            rec.update(LY_CNBH=f"CN{unit.area}{self.year - rng.randint(0, 1)}{rng.randrange(1, 10**6):06d}",
                       LY_SHXYM=make_uscc(rng, "91", unit.area), LY_JG=rng.choice(["已履约"] * 8 + ["未履约", "部分履约"]),
                       LY_RQ=d, LY_HCJG=aname)
        elif feed.name == "grading":
            rec.update(PJ_ZTMC=self.company(unit), PJ_SHXYM=make_uscc(rng, "91", unit.area),
                       PJ_LY=rng.choice(GRADING_DOMAINS), PJ_DJ=rng.choice("AAABBBCD"), PJ_RQ=d, PJ_YXQZ=d + 2 * y,
                       PJ_JG=aname)
        elif feed.name == "basic-info":
            rec.update(JC_ZTMC=self.company(unit), JC_SHXYM=make_uscc(rng, "91", unit.area), JC_FRDB=person(rng),
                       JC_CLRQ=d, JC_ZCZB=rng.choice(["10", "50", "100", "200", "500", "1000", "30.5", ""]),
                       JC_DZ=self.address(unit), JC_DJJG=aname)
        elif feed.name == "joint-case":
            lb, mdlx, cs = rng.choice(JOINT_CASES)
            rec.update(AL_ZTMC=self.company(unit), AL_SHXYM=make_uscc(rng, "91", unit.area), AL_LB=lb, AL_MDLX=mdlx,
                       AL_CS=cs, AL_BM=aname, AL_RQ=d, AL_XG=rng.choice(["", "当事人已主动履行义务"]))
        elif feed.name == "publicity":
            media, url = rng.choice(MEDIA)
            rec.update(XC_MT=media, XC_BT=rng.choice(TITLES).format(a=unit.name),
                       XC_WZ=url.format(n=rng.randrange(10**8, 10**9)), XC_RQ=d)
        self.break_rule(feed, rec, rule, d)
        return rec

    def break_rule(self, feed: Feed, rec: dict, rule: str | None, d: dt.date) -> None:
        """Rules that live on one non-subject field (the subject block and amounts are broken where built)."""
        rng = self.rng
        if rule == "REQUIRED":
            rec[required_field(feed)] = rng.choice(["", "　", "  "])
        elif rule == "LENGTH":
            rec[length_field(feed)] = long_text(rng, NAME)
        elif rule == "DATE_FORMAT":
            rec[feed.event_date] = bad_date(d, rng)
        elif rule == "DATE_ORDER":
            later, earlier = feed.date_order[-1]
            rec[later] = rec[earlier] - dt.timedelta(days=rng.randint(1, 400))
        elif rule == "URL":
            rec["XC_WZ"] = rng.choice(BAD_URLS).format(n=rng.randrange(1000))
        elif rule == "PROHIBITED_MATTER":
            rec[feed.prohibited_fields[-1]] = f"当事人存在{rng.choice(PROHIBITED_SAMPLES)}行为，经查属实"
        elif rule == "ENUM" and enum_field(feed):
            rec[enum_field(feed)] = rng.choice(BAD_ENUM[enum_field(feed)])
        elif rule == "USCC_CHECKSUM" and not feed.subject_prefix:
            rec[feed.subject_code_field] = break_uscc(rng, rec[feed.subject_code_field])

    # -- how many rows, which of them break which rule, which are late --
    def plan(self, unit: Unit, feed: Feed) -> list[list] | None:
        rng, key = self.rng, (unit.code, feed.name)
        seed = SEED[unit.code].get(feed.name)
        fixed = feed.name == "publicity" and (unit.kind == "district" or unit.code in PUBLICITY_UNITS)
        if seed is None and not fixed:
            return None
        rate = DEFAULT_DISTRICT_RATE if unit.kind == "district" else 1.0
        timely_rate = 1 - ACTION_LATE_RATE.get(unit.code, 0) if feed.deadline_workdays == 14 else 1.0
        explicit = isinstance(seed, tuple)
        if explicit:
            seed, rate, timely_rate = seed
        n = PUBLICITY_ROWS if fixed else max(MIN_ROWS, round(seed * self.scale))
        if explicit and rate < 1:   # enough rows for the seed's rate to show (江汉区 93.69% needs ~16)
            n = min(range(n, max(n, 40) + 1),
                    key=lambda m: (abs(max(1, round(m * (1 - rate))) / m - (1 - rate)), m))
            rejected = max(1, round(n * (1 - rate)))
        else:
            rejected = round(n * (1 - rate))
        rejected = max(rejected, FORCED_REJECTS.get(key, 0))
        late = round(n * (1 - timely_rate))
        if timely_rate < 0.95:
            late = max(late, 1)
        specs = [[None, False, 0] for _ in range(n)]   # rule, late, authority index
        cycle = feed_rules(feed)
        for i in sorted(rng.sample(range(n), rejected)):
            if key == MISSING_COLUMN_TARGET[:2]:
                specs[i][0] = "MISSING_COLUMN"
                continue
            rule = cycle[self.cursor[feed.name] % len(cycle)]
            self.cursor[feed.name] += 1
            if rule == "DUPLICATE" and key in PLATFORM_ROUTES:   # duplicates are planted in uploaded files only
                rule = cycle[self.cursor[feed.name] % len(cycle)]
                self.cursor[feed.name] += 1
            specs[i][0] = rule
        valid = [i for i in range(n) if specs[i][0] is None]
        others = [i for i in range(n) if specs[i][0] is not None]
        for i in rng.sample(valid, min(late, len(valid))) + others[:max(0, late - len(valid))]:
            specs[i][1] = True
        auths = unit.auths[feed.name if feed.name in ("license", "penalty") else "other"]
        counts: Counter = Counter()
        for s in specs:
            s[2] = rng.randrange(len(auths))
            counts[s[2]] += s[0] != "DUPLICATE"
        self.plan_gaps(feed, auths, counts)
        return specs

    def submission_times(self, count: int) -> list[dt.datetime]:
        workdays = [d for d in self.month_days if is_workday(d)]
        days = sorted(self.rng.sample(workdays, count) if count <= len(workdays)
                      else [self.rng.choice(workdays) for _ in range(count)])
        out = []
        for d in days:
            t = dt.datetime.combine(d, dt.time(self.rng.randint(8, 19), self.rng.randrange(60), self.rng.randrange(60)))
            while t in out:
                t += dt.timedelta(minutes=7)
            out.append(t)
        return out

    def file_style(self, unit: Unit, feed: Feed, rows: int) -> dict:
        rng = self.rng
        fmt = rng.choices(["utf-8", "utf-8-sig", "gbk", "gb18030", "xlsx"], [35, 20, 15, 10, 20])[0]
        if fmt == "gb18030" and not (feed.subject_prefix or feed.name == "basic-info"):
            fmt = "gbk"
        if fmt == "xlsx" and rows > 30000:
            fmt = "utf-8"
        return {"format": "xlsx" if fmt == "xlsx" else "csv", "encoding": None if fmt == "xlsx" else fmt,
                "header": "zh" if rng.random() < 0.4 else "code", "shuffled": rng.random() < 0.2,
                "date_style": "/" if rng.random() < 0.15 else "-", "date_cells": fmt == "xlsx" and rng.random() < 0.5,
                "folder": rng.choice(["", f"{self.month:%Y-%m}/", f"sftp/{unit.code}/", f"sftp/{unit.code}/inbox/",
                                      f"uploads/{unit.kind}s/"])}

    # -- rows, counted as the pipeline must count them --
    def account(self, unit_code: str, feed: Feed, rec: dict, rule: str | None, submitted: dt.datetime) -> None:
        st = self.stats[unit_code][feed.name]
        st["submitted"] += 1
        st["accepted"] += rule is None
        if rule:
            self.rejections[rule] += 1
        event = rec.get(feed.event_date)
        if feed.deadline_workdays is not None and isinstance(event, dt.date) and event <= submitted.date():
            st["timeliness_base"] += 1
            st["timely"] += lag_workdays(event, submitted.date()) <= feed.deadline_workdays

    def emit_file(self, unit: Unit, feed: Feed, specs: list[list], submitted: dt.datetime, style: dict,
                  missing: str | None = None, extra: bool = False, folder: str | None = None) -> Path:
        """Write one unit upload, row by row."""
        rng = self.rng
        columns = [c for c in feed.codes if c != missing]
        if style["shuffled"]:
            rng.shuffle(columns)
        zh_count = Counter(f.name_zh for f in feed.fields)
        header = [feed.by_code[c].name_zh if style["header"] == "zh" and zh_count[feed.by_code[c].name_zh] == 1
                  else c for c in columns] + (["内部编号"] if extra else [])
        rel = f"{folder if folder is not None else style['folder']}{unit.code}__{feed.name}__{submitted:%Y%m%dT%H%M%S}"
        rel += ".xlsx" if style["format"] == "xlsx" else ".csv"
        sink = Sink(self.out / rel, style)
        sink.write(header)
        auths = unit.auths[feed.name if feed.name in ("license", "penalty") else "other"]
        last_valid, pending, rare_done, row_no = None, 0, style["encoding"] != "gb18030", 0

        def put(rec: dict, rule: str | None) -> None:
            nonlocal row_no
            row_no += 1
            sink.write([sink.cell(rec[c]) for c in columns] + ([f"NB{row_no:05d}"] if extra else []))
            self.account(unit.code, feed, rec, rule, submitted)
            if self.on_row:
                self.on_row(rel, row_no, unit.code, feed.name, rule, rec)

        for rule, late, auth_i in specs:
            if rule == "DUPLICATE":   # a second occurrence of an earlier valid row of this file
                if last_valid is None:
                    pending += 1
                else:
                    put(last_valid, rule)
                continue
            built = None if rule == "MISSING_COLUMN" else rule
            rec = self.record(feed, unit, auths[auth_i], submitted.date(), built, late)
            if built is None and not rare_done:
                rare_done = inject_rare(feed, rec)
            put(rec, rule)
            if rule is None:
                last_valid = rec
                for _ in range(pending):
                    put(rec, "DUPLICATE")
                pending = 0
        for _ in range(pending):   # no valid row to copy: break another rule instead
            put(self.record(feed, unit, auths[0], submitted.date(), "REQUIRED", False), "REQUIRED")
        sink.close()
        self.files.append({"path": rel, "expected_status": "loaded", "unit_code": unit.code, "feed": feed.name,
                           "platform_code": None, "format": style["format"],
                           "encoding": style["encoding"] if rare_done else "gbk", "header": style["header"],
                           "rows": row_no})
        return self.out / rel

    def emit_platform_row(self, platform: "PlatformSink", unit: Unit, feed: Feed, spec: list) -> None:
        rule, late, auth_i = spec
        day = self.rng.choice([d for d in self.month_days if is_workday(d)])
        submitted = dt.datetime.combine(day, dt.time(self.rng.randint(8, 20), self.rng.randrange(60)))
        auths = unit.auths[feed.name if feed.name in ("license", "penalty") else "other"]
        rec = self.record(feed, unit, auths[auth_i], day, rule, late)
        record = {c: fmt_date(v, "-") if isinstance(v, dt.date) else v for c, v in ((c, rec[c]) for c in feed.codes)}
        platform.write({"feed": feed.name, "unit_code": unit.code,
                        "submitted_at": submitted.replace(tzinfo=BJ).isoformat(), "record": record})
        self.account(unit.code, feed, rec, rule, submitted)
        if self.on_row:
            self.on_row(platform.rel, platform.lines, unit.code, feed.name, rule, rec)


def inject_rare(feed: Feed, rec: dict) -> bool:
    """Give one person a name character outside GBK, so the file is GB18030 beyond doubt."""
    p = feed.subject_prefix
    if p:
        field = p + ("XDR_MC" if rec[p + "XDR_LB"] == "自然人" else "FRDB")
    elif "JC_FRDB" in rec:
        field = "JC_FRDB"
    else:
        return False
    rec[field] = rec[field][0] + RARE_CHAR
    return True


class Sink:
    """A CSV (in its encoding) or XLSX file written row by row."""

    def __init__(self, path: Path, style: dict):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path, self.style = path, style
        if style["format"] == "xlsx":
            self.wb = Workbook(write_only=True)
            self.wb.properties.creator = "credit-feeds sample generator"
            self.wb.properties.created = self.wb.properties.modified = FIXED_DOC_TIME
            self.ws = self.wb.create_sheet("Sheet1")
        else:
            self.fh = path.open("w", encoding=style["encoding"], newline="")
            self.writer = csv.writer(self.fh)

    def cell(self, value):
        if isinstance(value, dt.date):
            return value if self.style["date_cells"] else fmt_date(value, self.style["date_style"])
        return value

    def write(self, row: list) -> None:
        (self.ws.append if self.style["format"] == "xlsx" else self.writer.writerow)(row)

    def close(self) -> None:
        if self.style["format"] != "xlsx":
            self.fh.close()
            return
        buf = io.BytesIO()
        self.wb.save(buf)
        write_fixed_zip(self.path, buf.getvalue())


def write_fixed_zip(path: Path, data: bytes) -> None:
    """Re-pack an XLSX with fixed entry times and document dates: same rows -> same bytes."""
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                stamp = FIXED_DOC_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
                body = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*", rb"\g<1>" + stamp, body)
            dst.writestr(zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME), body,
                         compress_type=zipfile.ZIP_DEFLATED)


class PlatformSink:
    """One platform export (JSONL), lines of several units and feeds, each with its own submitted_at."""

    def __init__(self, out: Path, code: str, pulled: dt.datetime):
        self.rel = f"platforms/{code}/platform__{code}__{pulled:%Y%m%dT%H%M%S}.jsonl"
        (out / self.rel).parent.mkdir(parents=True, exist_ok=True)
        self.code, self.fh, self.lines, self.malformed = code, (out / self.rel).open("w", encoding="utf-8"), 0, 0

    def write(self, obj: dict) -> None:
        self.fh.write(json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n")
        self.lines += 1

    def write_raw(self, text: str) -> None:
        self.fh.write(text + "\n")
        self.lines += 1
        self.malformed += 1


def malformed_lines(month: dt.date) -> list[str]:
    """Lines a platform sent broken (MALFORMED_LINE): cut JSON, not an object, unknown feed, bad time."""
    ts = f"{month:%Y-%m}-15T10:20:00+08:00"
    return [
        '{"feed":"license","unit_code":"qingshan","submitted_at":"' + ts + '","record":{"XK_XDR_MC":"武汉',
        '["license","qingshan"]',
        json.dumps({"feed": "credit-report", "unit_code": "qingshan", "submitted_at": ts, "record": {}},
                   ensure_ascii=False),
        json.dumps({"feed": "license", "unit_code": "qingshan", "submitted_at": f"{month:%Y/%m}/16 09:00",
                    "record": {"XK_XDR_MC": "武汉某公司"}}, ensure_ascii=False),
    ]


def run(self: Generator) -> dict:
    """Reference files, every unit's uploads, platform exports, special files; returns the manifest."""
    rng, out = self.rng, self.out
    write_csv(out / "_reference/reporting_units.csv", ["unit_code", "unit_name", "unit_kind", "uscc"],
              [(u.code, u.name, u.kind, u.uscc) for u in self.units])
    write_csv(out / "_reference/platforms.csv", ["platform_code", "platform_name", "owner_unit_code", "connected_on"],
              build_platforms(rng, self.units, self.month))
    pulled = dt.datetime.combine(self.month_days[-1], dt.time(23, 30))
    platforms = {code: PlatformSink(out, code, pulled) for code in sorted(set(PLATFORM_ROUTES.values()))}
    first_platform = platforms[PLATFORM_ROUTES[next(iter(PLATFORM_ROUTES))]]
    for unit in self.units:
        for feed in FEEDS.values():
            specs = self.plan(unit, feed)
            if not specs:
                continue
            key = (unit.code, feed.name)
            if key in PLATFORM_ROUTES:
                sink = platforms[PLATFORM_ROUTES[key]]
                for spec in specs:
                    self.emit_platform_row(sink, unit, feed, spec)
                    if sink is first_platform and sink.lines == 3:
                        for line in malformed_lines(self.month):
                            sink.write_raw(line)
                continue
            missing = MISSING_COLUMN_TARGET[2] if key == MISSING_COLUMN_TARGET[:2] else None
            if missing:   # the valid rows in one file, the rejected ones in a file lacking a required column
                chunks = [[s for s in specs if s[0] is None], [s for s in specs if s[0]]]
            else:
                parts = max(1 if len(specs) <= 20 else rng.choice([1, 2, 2, 3]), -(-len(specs) // 50000))
                size = -(-len(specs) // parts)
                chunks = [specs[i:i + size] for i in range(0, len(specs), size)]
            for i, (chunk, submitted) in enumerate(zip(chunks, self.submission_times(len(chunks)))):
                style = self.file_style(unit, feed, len(chunk))
                self.emit_file(unit, feed, chunk, submitted, style, missing=missing if i == 1 else None,
                               extra=key == EXTRA_COLUMN_TARGET and i == 0)
    for code, sink in platforms.items():
        sink.fh.close()
        self.rejections["MALFORMED_LINE"] += sink.malformed
        self.files.append({"path": sink.rel, "expected_status": "loaded", "unit_code": None, "feed": None,
                           "platform_code": code, "format": "jsonl", "encoding": "utf-8", "header": None,
                           "rows": sink.lines, "malformed_lines": sink.malformed})
    add_specials(self)
    return manifest(self)


def write_csv(path: Path, header: list[str], rows) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)


def add_specials(self: Generator) -> None:
    """An exact re-sent copy (duplicate) and files the pipeline must quarantine."""
    rng, out, month = self.rng, self.out, self.month
    # the pipeline keeps the first path in sorted order, so the original is one that sorts before "resend/"
    src = next((f for f in self.files if f["format"] == "csv" and f["feed"] == "publicity" and f["path"] < "resend/"),
               next(f for f in self.files if f["format"] == "csv"))
    copy = {**src, "path": "resend/" + Path(src["path"]).name}
    (out / copy["path"]).parent.mkdir(parents=True, exist_ok=True)
    (out / copy["path"]).write_bytes((out / src["path"]).read_bytes())
    first, second = sorted([src, copy], key=lambda f: f["path"])
    first["expected_status"], second["expected_status"] = "loaded", "duplicate"
    self.files.append(copy)

    def ts(day: int) -> str:
        return f"{month:%Y%m}{day:02d}T{rng.randint(8, 18):02d}{rng.randrange(60):02d}00"

    # rows of an unknown unit (汉南区 merged into 经开区): never received, so its serials leave no gaps anywhere
    ghost = Unit("hannan", "汉南区", "district", "420113", "汉南", "武汉市汉南区", make_uscc(rng, "11", "420113"))
    ghost.auths = {k: [("武汉市汉南区市场监督管理局", make_uscc(rng, "11", "420113"), "汉南市监", "〔{y}〕")]
                   for k in ("license", "penalty", "other")}
    license_feed = FEEDS["license"]
    style = {"format": "csv", "encoding": "utf-8", "date_style": "-", "date_cells": False}
    for rel, reason in ((f"{month:%Y-%m}/hannan__license__{ts(9)}.csv", "UNKNOWN_UNIT"),
                        (f"{month:%Y-%m}/江汉区{month.year}年{month.month}月行政许可信息（补报）.csv", "BAD_NAME")):
        sink = Sink(out / rel, style)
        sink.write(license_feed.codes)
        for _ in range(3):
            rec = self.record(license_feed, ghost, ghost.auths["license"][0], month.replace(day=15), None, False)
            sink.write([sink.cell(rec[c]) for c in license_feed.codes])
        sink.close()
        self.files.append(quarantined(rel, "hannan" if reason == "UNKNOWN_UNIT" else None,
                                      "license" if reason == "UNKNOWN_UNIT" else None, reason))
    rel = f"sftp/jianghan/jianghan__credit-report__{ts(20)}.csv"
    write_csv(out / rel, ["单位名称", "报送事项", "日期"], [("江汉区", "信用报告查询使用情况", f"{month:%Y-%m}-20")])
    self.files.append(quarantined(rel, "jianghan", "credit-report", "UNKNOWN_FEED"))
    rel = f"sftp/qingshan/qingshan__penalty__{ts(21)}.xlsx"
    (out / rel).parent.mkdir(parents=True, exist_ok=True)
    (out / rel).write_bytes("这不是Excel文件：上传中断\n".encode("utf-8") * 20)
    self.files.append(quarantined(rel, "qingshan", "penalty", "CORRUPT_XLSX"))


def quarantined(rel: str, unit: str | None, feed: str | None, reason: str) -> dict:
    return {"path": rel, "expected_status": "quarantined", "unit_code": unit, "feed": feed, "platform_code": None,
            "format": rel.rsplit(".", 1)[-1], "encoding": None, "header": None, "rows": 0, "reason": reason}


def manifest(self: Generator) -> dict:
    units = {}
    for code in sorted(self.stats):
        units[code] = {}
        for feed_name in sorted(self.stats[code]):
            st, timed = self.stats[code][feed_name], FEEDS[feed_name].deadline_workdays is not None
            units[code][feed_name] = {"submitted": st["submitted"], "accepted": st["accepted"],
                                      "timely": st["timely"] if timed else None,
                                      "timeliness_base": st["timeliness_base"] if timed else None}
    loaded = [f for f in self.files if f["expected_status"] == "loaded"]
    return {
        "month": f"{self.month:%Y-%m}", "scale": self.scale, "landing": self.out.name,
        "totals": {"files": len(self.files), "rows": sum(f["rows"] for f in loaded),
                   "accepted": sum(v["accepted"] for u in units.values() for v in u.values())},
        "files": sorted(self.files, key=lambda f: f["path"]),
        "units": units,
        "rejections_by_rule": dict(sorted(self.rejections.items())),
        "malformed_lines": self.rejections["MALFORMED_LINE"],
        "doc_no_gaps": sorted(self.gaps, key=lambda g: (g["authority_code"], g["doc_prefix"], g["missing_serial"])),
    }


def generate(out: Path, month: str = "2022-06", scale: float = 0.008, seed: int = 1, on_row=None) -> dict:
    """Write the landing zone `out` (emptied first) and return its manifest.

    on_row(path, source_row, unit_code, feed, rule, record) is called for every data row (rule None = valid)."""
    out = Path(out)
    if out.exists():
        for p in sorted(out.rglob("*"), reverse=True):
            p.unlink() if p.is_file() else p.rmdir()
    out.mkdir(parents=True, exist_ok=True)
    return run(Generator(out, month, scale, seed, on_row))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("include/sample_feeds"))
    ap.add_argument("--month", default="2022-06")
    ap.add_argument("--scale", type=float, default=0.008, help="share of the seed volumes (committed sample: 0.008)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--manifest", type=Path, help="default: <out>_expected.json next to the landing zone")
    args = ap.parse_args()
    data = generate(args.out, args.month, args.scale, args.seed)
    path = args.manifest or args.out.parent / f"{args.out.name}_expected.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{data['totals']['files']} files, {data['totals']['rows']} rows -> {args.out}; manifest {path}")


if __name__ == "__main__":
    main()
