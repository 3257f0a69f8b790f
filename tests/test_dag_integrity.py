"""DAG integrity: the DAG files import (a cycle is an import error), set retries and tags, and stay thin; the pull DAGs
update the landing-zone Asset the monthly DAG is scheduled on."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

DAGS = Path(__file__).resolve().parents[1] / "dags"


@pytest.fixture(scope="module")
def bag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS))


def test_no_import_errors(bag):
    assert bag.import_errors == {}
    assert {"credit_feeds_monthly", "pull_platform_exports", "pull_drop_folders"} <= set(bag.dags)


def test_monthly_dag_shape(bag):
    dag = bag.dags["credit_feeds_monthly"]
    assert dag.tags and "credit-feeds" in dag.tags
    ids = {t.task_id for t in dag.tasks}
    assert ids == {"ingest_landing_zone", "validate_new_files", "dbt_build", "write_bulletin"}
    assert dag.get_task("validate_new_files").upstream_task_ids == {"ingest_landing_zone"}
    assert dag.get_task("dbt_build").upstream_task_ids == {"validate_new_files"}
    assert dag.get_task("write_bulletin").upstream_task_ids == {"dbt_build"}
    assert dag.max_active_tasks == 1  # DuckDB: one writer
    for t in dag.tasks:
        assert t.retries >= 1, t.task_id
        assert t.outlets, f"{t.task_id} produces no Asset"


def test_monthly_dag_is_scheduled_on_the_landing_zone(bag):
    from credit_feeds.assets import LANDING_ZONE

    condition = bag.dags["credit_feeds_monthly"].timetable.asset_condition
    assert [asset.uri for _, asset in condition.iter_assets()] == [LANDING_ZONE.uri]


@pytest.mark.parametrize("dag_id, listing, pull", [
    ("pull_platform_exports", "connected_platforms", "pull_platform"),
    ("pull_drop_folders", "unit_drop_folders", "copy_new_files"),
])
def test_pull_dag_shape(bag, dag_id, listing, pull):
    """A listing task, then one mapped pull per platform or folder, each updating the landing-zone Asset."""
    from credit_feeds.assets import LANDING_ZONE

    dag = bag.dags[dag_id]
    assert dag.tags and "credit-feeds" in dag.tags
    assert {t.task_id for t in dag.tasks} == {listing, pull}
    assert dag.get_task(pull).upstream_task_ids == {listing}
    assert dag.get_task(pull).is_mapped
    assert [a.uri for a in dag.get_task(pull).outlets] == [LANDING_ZONE.uri]
    assert dag.max_active_runs == 1  # one writer per cursor / registry
    assert set(dag.params) == {"landing", "state"}
    for t in dag.tasks:
        assert t.retries >= 1, t.task_id


def test_dag_files_are_thin():
    """DAG files import no heavy library at module level and hold no domain logic (everything is in plugins/)."""
    for path in DAGS.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top_imports = {a.name.split(".")[0] for n in tree.body if isinstance(n, ast.Import) for a in n.names}
        top_imports |= {n.module.split(".")[0] for n in tree.body if isinstance(n, ast.ImportFrom) and n.module}
        assert not top_imports & {"pandas", "duckdb", "great_expectations", "openpyxl", "docx", "matplotlib"}, path
        assert len(path.read_text(encoding="utf-8").splitlines()) < 150, path
