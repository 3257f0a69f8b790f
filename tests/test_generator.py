"""The sample landing-zone generator: deterministic, every rule planted, files readable, valid rows really valid."""

from __future__ import annotations

import importlib.util
import json
import re
from collections import defaultdict
from pathlib import Path

import openpyxl
import pytest

from credit_feeds.feeds import FEEDS, ID_TYPE_RESIDENT, INDIVIDUAL_BUSINESS_PLACEHOLDER, USCC
from credit_feeds.identifiers import is_valid_resident_id, is_valid_uscc
from credit_feeds.readers import detect_encoding
from credit_feeds.rules import RULES

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "include" / "sample_feeds"
SAMPLE_MANIFEST = ROOT / "include" / "sample_feeds_expected.json"
SAMPLE_ARGS = {"month": "2022-06", "scale": 0.008, "seed": 1}   # what the committed sample was made with
SMALL = 0.002

_spec = importlib.util.spec_from_file_location("generate_sample_feeds", ROOT / "include" / "generate_sample_feeds.py")
gen = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gen)


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """A small landing zone, its manifest and every data row as planted."""
    out = tmp_path_factory.mktemp("gen") / "landing"
    rows = []
    manifest = gen.generate(out, "2022-06", SMALL, 7, on_row=lambda *row: rows.append(row))
    return out, manifest, rows


def test_same_arguments_give_the_same_bytes(small, tmp_path):
    out, manifest, _ = small
    again = gen.generate(tmp_path / "landing", "2022-06", SMALL, 7)
    assert tree(out) == tree(tmp_path / "landing")
    assert again == manifest


def test_committed_sample_is_what_the_generator_makes(tmp_path):
    manifest = gen.generate(tmp_path / "sample_feeds", **SAMPLE_ARGS)
    assert tree(tmp_path / "sample_feeds") == tree(SAMPLE)
    assert json.loads(SAMPLE_MANIFEST.read_text(encoding="utf-8")) == manifest


def test_every_rule_is_planted(small):
    _, manifest, _ = small
    assert set(manifest["rejections_by_rule"]) == set(RULES)
    assert all(n > 0 for n in manifest["rejections_by_rule"].values())
    assert manifest["malformed_lines"] == manifest["rejections_by_rule"]["MALFORMED_LINE"]


def test_files_decode_in_their_encodings_and_xlsx_opens(small):
    out, manifest, _ = small
    seen, units_per_export = set(), []
    for f in manifest["files"]:
        path = out / f["path"]
        if f["expected_status"] == "quarantined":
            continue
        seen.add((f["format"], f["encoding"]))
        if f["format"] == "csv":
            text = path.read_bytes().decode(f["encoding"])
            assert text.count("\n") == f["rows"] + 1
            assert detect_encoding(path) == f["encoding"]
        elif f["format"] == "xlsx":
            wb = openpyxl.load_workbook(path, read_only=True)
            assert sum(1 for _ in wb.worksheets[0].iter_rows()) == f["rows"] + 1
            wb.close()
        else:
            lines = path.read_text(encoding="utf-8").splitlines()
            assert len(lines) == f["rows"]
            units_per_export.append({json.loads(x)["unit_code"] for x in lines if x.endswith("}}")})
    assert {("csv", "utf-8"), ("csv", "utf-8-sig"), ("csv", "gbk"), ("csv", "gb18030"), ("xlsx", None),
            ("jsonl", "utf-8")} <= seen
    assert max(map(len, units_per_export)) > 1   # one export carries several units
    statuses = [f["expected_status"] for f in manifest["files"]]
    assert statuses.count("duplicate") == 1 and statuses.count("quarantined") == 4


def test_valid_rows_pass_the_identifier_checks(small):
    _, _, rows = small
    edge = defaultdict(int)
    for _path, _row, _unit, feed_name, rule, rec in rows:
        if rule is not None:
            continue
        feed = FEEDS[feed_name]
        for f in feed.fields:
            value = rec.get(f.code)
            if f.kind == USCC and value:
                assert is_valid_uscc(value), (feed_name, f.code, value)
                edge["uscc_" + value[0]] += 1
                edge["placeholder"] += value == INDIVIDUAL_BUSINESS_PLACEHOLDER
        for kind, number in (("XDR_ZJLX", "XDR_ZJHM"), ("FR_ZJLX", "FR_ZJHM")):
            p = feed.subject_prefix or ""
            if rec.get(p + kind) == ID_TYPE_RESIDENT:
                assert is_valid_resident_id(rec[p + number]), rec[p + number]
                edge["retired_area"] += rec[p + number][:6] in gen.RETIRED_AREAS
        if feed_name == "penalty":
            edge["fine_0.2"] += rec["CF_NR_FK"] == "0.2"
            edge["pre_2021_kind"] += "暂扣或者吊销" in rec["CF_CFLB"]
    for case in ("uscc_A", "uscc_N", "uscc_Y", "placeholder", "retired_area", "pre_2021_kind"):
        assert edge[case] > 0, case


def test_counts_and_gaps_follow_from_the_rows(small):
    out, manifest, rows = small
    loaded = {f["path"] for f in manifest["files"] if f["expected_status"] == "loaded"}
    per_unit = defaultdict(int)
    serials = defaultdict(set)
    doc = re.compile(r"^(.+?)[〔\[（](\d{4})[〕\]）](\d+)号$")
    for path, _row, unit, feed_name, _rule, rec in rows:
        assert path in loaded
        per_unit[unit, feed_name] += 1
        if feed_name in ("license", "penalty"):
            code_field = FEEDS[feed_name].authority_code_field
            m = doc.match(rec[FEEDS[feed_name].doc_no_field])
            serials[rec[code_field], m[1], int(m[2])].add(int(m[3]))
    assert {k: v["submitted"] for k, v in ((k, v) for u, feeds in manifest["units"].items()
                                            for k, v in (((u, f), x) for f, x in feeds.items()))} == dict(per_unit)
    gaps = sorted((code, prefix, n) for (code, prefix, _y), got in serials.items()
                  for n in range(min(got), max(got)) if n not in got)
    assert gaps == sorted((g["authority_code"], g["doc_prefix"], g["missing_serial"]) for g in manifest["doc_no_gaps"])
    for feeds in manifest["units"].values():
        for name, v in feeds.items():
            assert v["accepted"] <= v["submitted"]
            if FEEDS[name].deadline_workdays is None:
                assert v["timely"] is None and v["timeliness_base"] is None
            else:
                assert v["timely"] <= v["timeliness_base"] <= v["submitted"]
