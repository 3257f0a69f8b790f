"""The landing zone itself as an attacker shapes it: symbolic links, a named pipe, codes that look like paths,
control characters; and nothing derived from the input may name a path outside the output folder."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import openpyxl
import pytest

import builders as b
from builders import assert_every_byte_accounted, raw_rows, rules_by_row
from credit_feeds.audit_site import write_audit_site
from credit_feeds.ingest import ingest
from credit_feeds.landing import LandingZoneError, load_reference
from credit_feeds.returns import write_returns


def test_symlinks_are_never_followed_and_special_files_never_opened(zone, con, month, tmp_path):
    expected = b.case_symlinks(zone, tmp_path / "outside")
    month()   # a pipe opened for reading would block here forever
    got = assert_every_byte_accounted(con, zone, expected)
    reasons = {p: got[p].reason for p in expected if got[p].code == "SYMLINK"}
    assert any(str(tmp_path / "outside" / "secret.csv") in r for r in reasons.values())   # the reason names it
    # nothing behind a link reached the warehouse: not the file outside, not the folder outside
    everything = con.execute("SELECT string_agg(XK_NR || XK_WSH, '') FROM raw.license").fetchone()[0]
    assert "机密" not in everything and "191号" not in everything
    # the link to a file inside the landing zone is quarantined too; the file itself came in under its own path
    real = got[f"links/{b.name('jianghan', 'license', 192)}"]
    assert (real.status, real.rows_accepted) == ("loaded", 1)
    # quarantined links are attributed by their names, so the unit sees them in its rejection list
    assert {u for (u,) in con.execute("SELECT DISTINCT unit_code FROM audit.files WHERE reason LIKE 'SYMLINK%'")
            .fetchall()} == {"jianghan"}
    # a rerun finds the same entries and records nothing new
    assert ingest(zone, con).files_new == 0


def test_a_symlinked_landing_subfolder_to_outside_is_not_entered(zone, con, month, tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / b.name("jianghan", "license", 250)).write_text(b.license_csv([b.license_row(250)]), encoding="utf-8")
    os.symlink(outside, zone / "sftp")
    month()
    got = assert_every_byte_accounted(con, zone, {"sftp": ("quarantined", "SYMLINK")})
    assert not any(p.startswith("sftp/") for p in got)


def test_a_platform_code_that_is_a_path_stops_at_the_reference_file(zone):
    (zone / "_reference" / "platforms.csv").write_text(
        "platform_code,platform_name,owner_unit_code,connected_on\n../../evil,坏平台,jianghan,2022-06-01\n",
        encoding="utf-8")
    with pytest.raises(LandingZoneError, match="platform_code"):
        load_reference(zone)


def test_control_characters_reach_raw_and_the_rejection_list(zone, con, month, tmp_path):
    expected = b.case_control_characters(zone)
    month()
    got = assert_every_byte_accounted(con, zone, expected)
    f = got[b.name("jianghan", "license", 180)]
    assert raw_rows(con, f.file_id)[1]["XK_NR"] == "食品\x07经营\x00（含冷藏）"
    assert rules_by_row(con, f.file_id) == {2: {"ENUM"}}
    out = tmp_path / "out"
    [path] = write_returns(con, dt.date(2022, 6, 1), out)
    cells = [c.value for r in openpyxl.load_workbook(path)["打回清单"].iter_rows(min_row=2) for c in r]
    assert "XK_WSH=武江汉许\\x01〔2022〕181号" in " ".join(str(c) for c in cells)


def test_nothing_derived_from_input_names_a_path_outside_the_output_folder(zone, con, month, tmp_path):
    for case in (b.case_jsonl, b.case_names, b.case_one_megabyte_field, b.case_bad_xlsx):
        case(zone)
    b.case_symlinks(zone, tmp_path / "outside")
    month()
    out = tmp_path / "out"
    before = _tree(tmp_path, skip=out)
    returns = write_returns(con, dt.date(2022, 6, 1), out)
    write_audit_site(con, dt.date(2022, 6, 1), out)
    assert _tree(tmp_path, skip=out) == before   # nothing written beside the output folder
    written = [p for p in out.rglob("*") if p.is_file()]
    assert written and all(p.resolve().is_relative_to(out.resolve()) for p in written)
    # one rejection list per unit of the registry; the unit code of a JSONL line never names a file
    assert sorted(p.name for p in returns) == ["jianghan-2022-06.xlsx", "tax-2022-06.xlsx"]
    # the 1 MB document number fits in its cell
    ws = openpyxl.load_workbook(out / "returns" / "jianghan-2022-06.xlsx")["打回清单"]
    assert max(len(str(c.value or "")) for r in ws.iter_rows() for c in r) <= 32_767


def _tree(base: Path, skip: Path) -> set[str]:
    return {str(p) for p in base.rglob("*") if not p.is_relative_to(skip) and "warehouse.duckdb" not in p.name}
