"""The rule IDs of ../shared/spec/rules.md with their Chinese text (中文说明). Rule IDs are stable.

The rules themselves live in the Great Expectations suites under expectations/ (their `meta` carries these IDs);
MALFORMED_LINE is the one rule decided by the JSONL reader, because such a line never becomes a record.
"""

from __future__ import annotations

MISSING_COLUMN = "MISSING_COLUMN"
MALFORMED_LINE = "MALFORMED_LINE"

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


def message_zh(rule_id: str) -> str:
    return RULES[rule_id]
