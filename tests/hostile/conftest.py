"""Fixtures of the hostile-input suite: a landing zone, a real DuckDB warehouse, one GX Validator for all tests."""

from __future__ import annotations

import pytest

import builders as b
from credit_feeds.compliance import validate_pending
from credit_feeds.ingest import ingest
from credit_feeds.warehouse import connect, create_schemas


@pytest.fixture(scope="session")
def validator():
    from credit_feeds.validation import Validator

    return Validator()


@pytest.fixture
def zone(tmp_path):
    return b.make_zone(tmp_path)


@pytest.fixture
def con(tmp_path):
    c = connect(tmp_path / "warehouse.duckdb")
    create_schemas(c)
    yield c
    c.close()


@pytest.fixture
def month(zone, con, validator):
    """Ingest and validate the landing zone as the month's first two stages do, with ordinary files beside the
    hostile ones: those must come through untouched, whatever else the landing zone holds."""
    good = b.case_good(zone)

    def run():
        summary = ingest(zone, con)
        validate_pending(con, validator=validator)
        got = b.outcomes(con)
        for path, rows in zip(good, (5, 3)):
            assert (got[path].status, got[path].rows_accepted, got[path].rows_rejected) == ("loaded", rows, 0)
        return summary
    return run
