"""The committed suite files are what the registry generates, GX can load them, and every rule of rules.md is
in the suites wherever it applies."""

from __future__ import annotations

import json
import re
from pathlib import Path

import great_expectations as gx
import pytest

from credit_feeds import suites
from credit_feeds.feeds import ENUM, FEEDS, ID_NO, MULTI_ENUM, USCC
from credit_feeds.rules import MALFORMED_LINE, RULES

RULES_MD = Path(__file__).resolve().parents[2] / "shared" / "spec" / "rules.md"


def expectations_of(feed_name: str) -> list[dict]:
    return json.loads(suites.suite_path(FEEDS[feed_name]).read_text(encoding="utf-8"))["expectations"]


def rule_ids(feed_name: str) -> set[str]:
    return {e["meta"]["rule_id"] for e in expectations_of(feed_name)}


@pytest.mark.parametrize("feed_name", list(FEEDS))
def test_committed_suite_is_what_the_registry_generates(feed_name):
    path = suites.suite_path(FEEDS[feed_name])
    assert path.read_text(encoding="utf-8") == suites.suite_json(FEEDS[feed_name]), \
        "run `python -m credit_feeds.suites` and commit expectations/"


def test_check_command_agrees():
    assert suites.main(["--check"]) == 0


def test_no_stray_suite_files():
    assert {p.stem for p in suites.SUITES_DIR.glob("*.json")} == set(FEEDS)


@pytest.mark.parametrize("feed_name", list(FEEDS))
def test_suite_file_is_stable_readable_json_gx_can_load(feed_name):
    text = suites.suite_path(FEEDS[feed_name]).read_text(encoding="utf-8")
    data = json.loads(text)
    assert text == json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    assert "\\u" not in text                    # Chinese stays readable
    assert '"id"' not in text                    # no random ids: the file only changes when the rules do
    suite = gx.ExpectationSuite(**data)
    assert suite.name == feed_name
    assert len(suite.expectations) == len(data["expectations"])


@pytest.mark.parametrize("feed_name", list(FEEDS))
def test_every_expectation_maps_back_to_rules_md(feed_name):
    feed = FEEDS[feed_name]
    for e in expectations_of(feed_name):
        meta = e["meta"]
        assert set(meta) == {"rule_id", "field", "message_zh"}
        assert meta["rule_id"] in RULES
        assert meta["message_zh"].startswith(RULES[meta["rule_id"]] + "：")
        if meta["field"] is not None:
            assert all(code in feed.by_code for code in meta["field"].split(","))


def test_rules_py_matches_rules_md():
    if not RULES_MD.exists():
        pytest.skip("the contract (../shared/spec/rules.md) is not next to this checkout")
    table = dict(re.findall(r"^\| `([A-Z_]+)` \|.*\| ([^|]+?) \|$", RULES_MD.read_text(encoding="utf-8"), re.M))
    assert table == RULES


def test_malformed_line_is_the_readers_not_a_suites():
    assert MALFORMED_LINE in RULES
    assert all(MALFORMED_LINE not in rule_ids(name) for name in FEEDS)


# rules.md, column "applies to"
SUBJECT_FEEDS = [name for name, feed in FEEDS.items() if feed.subject_prefix]


@pytest.mark.parametrize("feed_name", list(FEEDS))
def test_rules_for_all_feeds(feed_name):
    feed = FEEDS[feed_name]
    expected = {"MISSING_COLUMN", "REQUIRED", "DATE_FORMAT", "DATE_FUTURE", "DUPLICATE", "LENGTH"}
    if any(f.kind in (ENUM, MULTI_ENUM) for f in feed.fields):
        expected.add("ENUM")
    assert expected <= rule_ids(feed_name)


@pytest.mark.parametrize("feed_name", list(FEEDS))
def test_rules_for_some_feeds(feed_name):
    ids = rule_ids(feed_name)
    assert ("DATE_ORDER" in ids) == (feed_name in ("license", "penalty", "grading"))
    for rule in ("SUBJECT_ID", "LEGAL_REP", "ID_CHECKSUM"):
        assert (rule in ids) == (feed_name in SUBJECT_FEEDS)
    for rule in ("FINE_AMOUNT", "CONFISCATION_AMOUNT", "LICENCE_REVOKED"):
        assert (rule in ids) == (feed_name == "penalty")
    assert ("PROHIBITED_MATTER" in ids) == (feed_name in ("penalty", "joint-case"))
    assert ("URL" in ids) == (feed_name == "publicity")


@pytest.mark.parametrize("feed_name", list(FEEDS))
def test_field_rules_cover_every_field_they_apply_to(feed_name):
    feed = FEEDS[feed_name]
    by_rule: dict[str, set[str]] = {}
    for e in expectations_of(feed_name):
        by_rule.setdefault(e["meta"]["rule_id"], set()).add(e["meta"]["field"])
    assert by_rule.get("USCC_CHECKSUM", set()) == {f.code for f in feed.fields if f.kind == USCC}
    assert by_rule.get("ID_CHECKSUM", set()) == {f.code for f in feed.fields if f.kind == ID_NO}
    assert by_rule["REQUIRED"] == set(feed.required_codes) == by_rule["MISSING_COLUMN"]
    assert by_rule["LENGTH"] == {f.code for f in feed.fields if f.max_length}
    assert by_rule.get("PROHIBITED_MATTER", set()) == set(feed.prohibited_fields)
    assert by_rule["DATE_FUTURE"] == {feed.event_date}


def test_every_rule_is_in_some_suite():
    in_suites = set().union(*(rule_ids(name) for name in FEEDS))
    assert in_suites == set(RULES) - {MALFORMED_LINE}
