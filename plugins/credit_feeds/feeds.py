"""The feed registry: every feed of ../shared/spec/feeds.md described once.

Readers, Great Expectations suites, raw tables, staging models and docs are all driven from (or checked
against) these descriptions. Field codes are the national "双公示" v2 codes; `name_zh` is the Chinese header
units may use instead of the code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

# Field kinds. A kind decides which format rules apply to a field.
TEXT = "text"
ENUM = "enum"          # one value of `values`
MULTI_ENUM = "multi"   # one or more values of `values`, joined by ; ； or ,
DATE = "date"          # YYYY-MM-DD or YYYY/MM/DD
USCC = "uscc"          # 统一社会信用代码 (GB 32100-2015)
ID_NO = "id_no"        # 证件号码: checked as 身份证 when its type field says so
AMOUNT = "amount"      # decimal 万元
URL = "url"

# Length classes (rules.md, LENGTH): a name over 200 characters, a document number over 128, content over 4000.
NAME, DOC_NO, CONTENT = 200, 128, 4000

# Requirement flags.
R = "R"   # required
C = "C"   # required under a condition of rules.md (SUBJECT_ID, LEGAL_REP, amounts)
O = ""    # optional

ID_TYPE_RESIDENT = "身份证"
ID_TYPES = ("身份证", "护照号", "港澳居民来往内地通行证", "台湾居民来往大陆通行证", "外国人永久居留身份证")
SUBJECT_KINDS = ("法人及非法人组织", "自然人", "个体工商户")
INDIVIDUAL_BUSINESS_PLACEHOLDER = "00000000000000000X"

PENALTY_KINDS = (
    "警告", "通报批评", "罚款", "没收违法所得", "没收非法财物", "暂扣许可证件", "降低资质等级", "吊销许可证件",
    "限制开展生产经营活动", "责令停产停业", "责令关闭", "限制从业", "行政拘留", "其他",
    # names before the 2021 revision of the 行政处罚法 (stack-facts.md): both lists are accepted
    "暂扣或者吊销许可证", "暂扣或者吊销执照",
)
PENALTY_KIND_SEPARATORS = (";", "；", ",")
FINE_KIND = "罚款"
CONFISCATION_KINDS = ("没收违法所得", "没收非法财物")
LICENCE_REVOCATION_KINDS = ("暂扣许可证件", "吊销许可证件", "暂扣或者吊销许可证", "暂扣或者吊销执照")

# seed 000_…, item 18: matters that may not enter credit records without legislation
PROHIBITED_MATTERS = ("信访", "拆迁", "闯红灯", "不文明养犬", "欠缴物业费", "未执行垃圾分类")

COMMITMENT_TYPES = ("主动承诺型", "行业自律型", "审批替代型", "容缺受理型", "失信修复型", "证明事项型", "其他")
COMMITMENT_TYPE_SYNONYMS = {"主动型": "主动承诺型", "信用修复型": "失信修复型"}


@dataclass(frozen=True)
class Field:
    code: str
    name_zh: str
    required: str = O
    kind: str = TEXT
    values: tuple[str, ...] = ()
    max_length: int | None = None
    synonyms: dict[str, str] | None = None  # accepted spellings -> canonical value (ENUM only)

    @property
    def is_required(self) -> bool:
        return self.required == R


@dataclass(frozen=True)
class Feed:
    name: str                       # feed code used in file names, e.g. "license"
    name_zh: str
    fields: tuple[Field, ...]
    deadline_workdays: int | None   # feeds.md: working days after the decision; None = no timeliness
    event_date: str                 # the decision / event date (DATE_FUTURE, working-day lag)
    key_fields: tuple[str, ...]     # record key (DUPLICATE; corrections replace by this key); () = whole row
    doc_no_field: str | None = None
    subject_prefix: str | None = None   # "XK_", "CF_", "XZ_" for feeds carrying the subject block
    date_order: tuple[tuple[str, str], ...] = ()   # (later, earlier): later must not be before earlier
    prohibited_fields: tuple[str, ...] = ()
    authority_code_field: str | None = None       # issuing authority's USCC (concealment)
    authority_name_field: str | None = None
    subject_name_field: str | None = None
    subject_code_field: str | None = None
    action_type: str | None = None   # fixed 行为类别 of the five action feeds

    @property
    def table(self) -> str:
        """Name of the feed's table in `raw` and `staging` (SQL identifiers cannot hold '-')."""
        return self.name.replace("-", "_")

    @cached_property
    def by_code(self) -> dict[str, Field]:
        return {f.code: f for f in self.fields}

    @cached_property
    def header_map(self) -> dict[str, str]:
        """Header text (code or Chinese name) -> field code."""
        out: dict[str, str] = {}
        for f in self.fields:
            out[f.code] = f.code
            out.setdefault(f.name_zh, f.code)
        return out

    @property
    def codes(self) -> list[str]:
        return [f.code for f in self.fields]

    @property
    def required_codes(self) -> list[str]:
        return [f.code for f in self.fields if f.is_required]

    @property
    def conditional_codes(self) -> list[str]:
        return [f.code for f in self.fields if f.required == C]


def _subject_block(prefix: str) -> tuple[Field, ...]:
    p = prefix
    return (
        Field(f"{p}XDR_MC", "行政相对人名称", R, max_length=NAME),
        Field(f"{p}XDR_LB", "行政相对人类别", R, ENUM, SUBJECT_KINDS),
        Field(f"{p}XDR_SHXYM", "统一社会信用代码", C, USCC),
        Field(f"{p}XDR_GSZC", "工商注册号"),
        Field(f"{p}XDR_ZZJG", "组织机构代码"),
        Field(f"{p}XDR_SWDJ", "税务登记号"),
        Field(f"{p}XDR_SYDW", "事业单位证书号"),
        Field(f"{p}XDR_SHZZ", "社会组织登记证号"),
        Field(f"{p}FRDB", "法定代表人", C, max_length=NAME),
        Field(f"{p}FR_ZJLX", "法定代表人证件类型", O, ENUM, ID_TYPES),
        Field(f"{p}FR_ZJHM", "法定代表人证件号码", O, ID_NO),
        Field(f"{p}XDR_ZJLX", "证件类型", C, ENUM, ID_TYPES),
        Field(f"{p}XDR_ZJHM", "证件号码", C, ID_NO),
    )


LICENSE = Feed(
    name="license",
    name_zh="行政许可",
    fields=_subject_block("XK_") + (
        Field("XK_XKWS", "行政许可决定文书名称", R, max_length=NAME),
        Field("XK_WSH", "行政许可决定文书号", R, max_length=DOC_NO),
        Field("XK_XKLB", "许可类别", R, ENUM, ("普通", "特许", "认可", "核准", "登记", "其他")),
        Field("XK_XKZS", "许可证书名称", max_length=NAME),
        Field("XK_XKBH", "许可编号", max_length=DOC_NO),
        Field("XK_NR", "许可内容", R, max_length=CONTENT),
        Field("XK_JDRQ", "许可决定日期", R, DATE),
        Field("XK_YXQZ", "有效期自", R, DATE),
        Field("XK_YXQZI", "有效期至", R, DATE),
        Field("XK_XKJG", "许可机关", R, max_length=NAME),
        Field("XK_XKJGDM", "许可机关统一社会信用代码", R, USCC),
        Field("XK_ZT", "当前状态", R, ENUM, ("1", "2")),
        Field("XK_LYDW", "数据来源单位", R, max_length=NAME),
        Field("XK_LYDWDM", "数据来源单位统一社会信用代码", R, USCC),
        Field("BZ", "备注", max_length=CONTENT),
    ),
    deadline_workdays=7,
    event_date="XK_JDRQ",
    key_fields=("XK_WSH", "XK_XDR_SHXYM"),
    doc_no_field="XK_WSH",
    subject_prefix="XK_",
    date_order=(("XK_YXQZI", "XK_YXQZ"),),
    authority_code_field="XK_XKJGDM",
    authority_name_field="XK_XKJG",
    subject_name_field="XK_XDR_MC",
    subject_code_field="XK_XDR_SHXYM",
)

PENALTY = Feed(
    name="penalty",
    name_zh="行政处罚",
    fields=_subject_block("CF_") + (
        Field("CF_WSH", "行政处罚决定书文号", R, max_length=DOC_NO),
        Field("CF_WFXW", "违法行为类型", R, max_length=NAME),
        Field("CF_SY", "违法事实", R, max_length=CONTENT),
        Field("CF_YJ", "处罚依据", R, max_length=CONTENT),
        Field("CF_CFLB", "处罚类别", R, MULTI_ENUM, PENALTY_KINDS),
        Field("CF_NR", "处罚内容", R, max_length=CONTENT),
        Field("CF_NR_FK", "罚款金额（万元）", C, AMOUNT),
        Field("CF_NR_WFFF", "没收违法所得、没收非法财物的金额（万元）", C, AMOUNT),
        Field("CF_NR_ZKDX", "暂扣或吊销证照名称及编号", C, max_length=NAME),
        Field("CF_JDRQ", "处罚决定日期", R, DATE),
        Field("CF_YXQ", "处罚有效期", R, DATE),
        Field("CF_GSJZQ", "公示截止期", O, DATE),
        Field("CF_CFJG", "处罚机关", R, max_length=NAME),
        Field("CF_CFJGDM", "处罚机关统一社会信用代码", R, USCC),
        Field("CF_SJLY", "数据来源单位", R, max_length=NAME),
        Field("CF_SJLYDM", "数据来源单位统一社会信用代码", R, USCC),
        Field("BZ", "备注", max_length=CONTENT),
    ),
    deadline_workdays=7,
    event_date="CF_JDRQ",
    key_fields=("CF_WSH", "CF_XDR_SHXYM"),
    doc_no_field="CF_WSH",
    subject_prefix="CF_",
    date_order=(("CF_GSJZQ", "CF_JDRQ"), ("CF_YXQ", "CF_JDRQ")),
    prohibited_fields=("CF_WFXW", "CF_SY"),
    authority_code_field="CF_CFJGDM",
    authority_name_field="CF_CFJG",
    subject_name_field="CF_XDR_MC",
    subject_code_field="CF_XDR_SHXYM",
)


OTHER_ACTION_TYPES = ("行政征收", "行政给付", "行政补偿")


def _action_feed(name: str, name_zh: str, deadline: int | None) -> Feed:
    other = name == "other-action"
    return Feed(
        name=name,
        name_zh=name_zh,
        fields=_subject_block("XZ_") + (
            Field("XZ_WSH", "决定文书号", R, max_length=DOC_NO),
            Field("XZ_XWLB", "行为类别", R if other else O, ENUM if other else TEXT,
                  OTHER_ACTION_TYPES if other else (), max_length=None if other else NAME),
            Field("XZ_NR", "行为内容", R, max_length=CONTENT),
            Field("XZ_JDRQ", "决定日期", R, DATE),
            Field("XZ_JG", "实施机关", R, max_length=NAME),
            Field("XZ_JGDM", "实施机关统一社会信用代码", R, USCC),
            Field("XZ_LYDW", "数据来源单位", R, max_length=NAME),
            Field("XZ_LYDWDM", "数据来源单位统一社会信用代码", R, USCC),
        ),
        deadline_workdays=deadline,
        event_date="XZ_JDRQ",
        key_fields=("XZ_WSH", "XZ_XDR_SHXYM"),
        doc_no_field="XZ_WSH",
        subject_prefix="XZ_",
        authority_code_field="XZ_JGDM",
        authority_name_field="XZ_JG",
        subject_name_field="XZ_XDR_MC",
        subject_code_field="XZ_XDR_SHXYM",
        action_type=None if other else name_zh,
    )


ENFORCEMENT = _action_feed("enforcement", "行政强制", 14)
CONFIRMATION = _action_feed("confirmation", "行政确认", 14)
ADJUDICATION = _action_feed("adjudication", "行政裁决", 14)
REWARD = _action_feed("reward", "行政奖励", 14)
INSPECTION = _action_feed("inspection", "行政监督检查", 14)
OTHER_ACTION = _action_feed("other-action", "其他行政行为", None)

COMMITMENT = Feed(
    name="commitment",
    name_zh="信用承诺",
    fields=(
        Field("CN_ZTMC", "承诺主体名称", R, max_length=NAME),
        Field("CN_SHXYM", "统一社会信用代码", R, USCC),
        Field("CN_LX", "承诺类型", R, ENUM, COMMITMENT_TYPES, synonyms=COMMITMENT_TYPE_SYNONYMS),
        Field("CN_SX", "承诺事项", R, max_length=CONTENT),
        Field("CN_RQ", "承诺日期", R, DATE),
        Field("CN_SLJG", "受理单位", R, max_length=NAME),
        Field("CN_SLJGDM", "受理单位统一社会信用代码", R, USCC),
        Field("CN_BH", "承诺书编号", R, max_length=DOC_NO),
    ),
    deadline_workdays=None,
    event_date="CN_RQ",
    key_fields=("CN_BH",),
    doc_no_field="CN_BH",
    subject_name_field="CN_ZTMC",
    subject_code_field="CN_SHXYM",
)

FULFILMENT = Feed(
    name="fulfilment",
    name_zh="履约践诺",
    fields=(
        Field("LY_CNBH", "承诺书编号", R, max_length=DOC_NO),
        Field("LY_SHXYM", "统一社会信用代码", R, USCC),
        Field("LY_JG", "履约结果", R, ENUM, ("已履约", "未履约", "部分履约")),
        Field("LY_RQ", "核查日期", R, DATE),
        Field("LY_HCJG", "核查单位", R, max_length=NAME),
    ),
    deadline_workdays=None,
    event_date="LY_RQ",
    key_fields=(),
    subject_code_field="LY_SHXYM",
)

GRADING = Feed(
    name="grading",
    name_zh="分级分类评价结果",
    fields=(
        Field("PJ_ZTMC", "主体名称", R, max_length=NAME),
        Field("PJ_SHXYM", "统一社会信用代码", R, USCC),
        Field("PJ_LY", "评价领域", R, max_length=NAME),
        Field("PJ_DJ", "信用等级", R, ENUM, ("A", "B", "C", "D")),
        Field("PJ_RQ", "评价日期", R, DATE),
        Field("PJ_YXQZ", "有效期至", R, DATE),
        Field("PJ_JG", "评价单位", R, max_length=NAME),
    ),
    deadline_workdays=None,
    event_date="PJ_RQ",
    key_fields=(),
    date_order=(("PJ_YXQZ", "PJ_RQ"),),
    subject_name_field="PJ_ZTMC",
    subject_code_field="PJ_SHXYM",
)

BASIC_INFO = Feed(
    name="basic-info",
    name_zh="基础信息",
    fields=(
        Field("JC_ZTMC", "主体名称", R, max_length=NAME),
        Field("JC_SHXYM", "统一社会信用代码", R, USCC),
        Field("JC_FRDB", "法定代表人", R, max_length=NAME),
        Field("JC_CLRQ", "成立日期", R, DATE),
        Field("JC_ZCZB", "注册资本（万元）", O, AMOUNT),
        Field("JC_DZ", "住所", R, max_length=NAME),
        Field("JC_DJJG", "登记机关", R, max_length=NAME),
    ),
    deadline_workdays=None,
    event_date="JC_CLRQ",
    key_fields=(),
    subject_name_field="JC_ZTMC",
    subject_code_field="JC_SHXYM",
)

JOINT_CASE = Feed(
    name="joint-case",
    name_zh="联合奖惩案例",
    fields=(
        Field("AL_ZTMC", "主体名称", R, max_length=NAME),
        Field("AL_SHXYM", "统一社会信用代码", R, USCC),
        Field("AL_LB", "类别", R, ENUM, ("守信激励", "失信惩戒")),
        Field("AL_MDLX", "名单类型", R, max_length=NAME),
        Field("AL_CS", "实施措施", R, max_length=CONTENT),
        Field("AL_BM", "实施部门", R, max_length=NAME),
        Field("AL_RQ", "实施日期", R, DATE),
        Field("AL_XG", "实施效果", max_length=CONTENT),
    ),
    deadline_workdays=None,
    event_date="AL_RQ",
    key_fields=(),
    prohibited_fields=("AL_CS",),
    subject_name_field="AL_ZTMC",
    subject_code_field="AL_SHXYM",
)

PUBLICITY = Feed(
    name="publicity",
    name_zh="诚信宣传活动",
    fields=(
        Field("XC_MT", "刊发媒体", R, max_length=NAME),
        Field("XC_BT", "稿件标题", R, max_length=NAME),
        Field("XC_WZ", "网址链接", R, URL, max_length=CONTENT),
        Field("XC_RQ", "活动日期", R, DATE),
    ),
    deadline_workdays=None,
    event_date="XC_RQ",
    key_fields=(),
)

FEEDS: dict[str, Feed] = {
    f.name: f
    for f in (LICENSE, PENALTY, ENFORCEMENT, CONFIRMATION, ADJUDICATION, REWARD, INSPECTION, OTHER_ACTION,
              COMMITMENT, FULFILMENT, GRADING, BASIC_INFO, JOINT_CASE, PUBLICITY)
}

def get_feed(name: str) -> Feed:
    return FEEDS[name]
