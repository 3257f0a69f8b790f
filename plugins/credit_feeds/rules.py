"""The compliance rules of ../shared/spec/rules.md: rule ID -> 中文说明, in the order rules.md lists them.

The one place the Chinese messages live: the suites put them into each expectation's `meta`, and the JSONL
reader imports MALFORMED_LINE's message from here.
"""

from __future__ import annotations

RULES: dict[str, str] = {
    "MISSING_COLUMN": "缺少必填字段列",
    "MALFORMED_LINE": "数据行格式错误",
    "REQUIRED": "必填项为空",
    "ENUM": "取值不在标准代码范围内",
    "DATE_FORMAT": "日期格式错误",
    "DATE_FUTURE": "决定日期晚于报送日期",
    "DATE_ORDER": "日期先后顺序错误",
    "SUBJECT_ID": "行政相对人证照信息与类别不符",
    "LEGAL_REP": "缺少法定代表人",
    "USCC_CHECKSUM": "统一社会信用代码校验错误",
    "ID_CHECKSUM": "身份证号码校验错误",
    "FINE_AMOUNT": "罚款金额缺失或错误",
    "CONFISCATION_AMOUNT": "没收金额缺失或错误",
    "LICENCE_REVOKED": "缺少暂扣或吊销证照名称及编号",
    "DUPLICATE": "同一批次内重复记录",
    "PROHIBITED_MATTER": "未经立法程序不得纳入信用记录的事项",
    "LENGTH": "字段长度超限",
    "URL": "网址格式错误",
}

# The one rule not checked by the suites: the JSONL reader (ingest.py) records it.
MALFORMED_LINE = "MALFORMED_LINE"

# Separates a rule's 中文说明 from the detail that follows it in a message ("必填项为空：XK_WSH（…）").
DETAIL_SEPARATOR = "："


def message_zh(rule_id: str) -> str:
    """The 中文说明 of a rule."""
    return RULES[rule_id]


def message(rule_id: str, detail: str | None = None) -> str:
    """The Chinese message of a rule, optionally followed by what exactly is wrong."""
    text = RULES[rule_id]
    return f"{text}{DETAIL_SEPARATOR}{detail}" if detail else text


def detail_of(rule_id: str, text: str) -> str:
    """The detail part of a message built by `message` ("" when there is none)."""
    prefix = RULES[rule_id] + DETAIL_SEPARATOR
    return text[len(prefix):] if text.startswith(prefix) else ""


def merge_messages(rule_id: str, messages: list[str]) -> str:
    """One message for several broken parts of one rule in one row: the details joined by '；'."""
    unique = list(dict.fromkeys(messages))
    if len(unique) == 1:
        return unique[0]
    details = [d for d in (detail_of(rule_id, m) for m in unique) if d]
    return message(rule_id, "；".join(details))
