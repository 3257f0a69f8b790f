"""The validation runner: one feed's rows of one file through its GX suite, as rejections the ingest records.

One GX context per Validator (a run), created once; each file is a pandas batch (GX's SQL datasource on DuckDB
is broken, stack-facts.md). Rows are trimmed first (rules.md: white space and full-width spaces, blank = empty).
Row-level failures come from result format COMPLETE keyed by `source_row`; they become one Rejection per row
and broken rule. Before a result is kept (result_json, Data Docs) its row lists are dropped, so no raw value,
and no ID number in particular, leaves this module unmasked.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")  # no usage analytics from an office pipeline

import great_expectations as gx  # noqa: E402
from great_expectations.core.run_identifier import RunIdentifier  # noqa: E402
from great_expectations.data_context.types.base import ProgressBarsConfig  # noqa: E402
from great_expectations.data_context.types.resource_identifiers import (  # noqa: E402
    ExpectationSuiteIdentifier,
    ValidationResultIdentifier,
)

from .feeds import ID_NO, Feed  # noqa: E402
from .identifiers import mask  # noqa: E402
from .rules import merge_messages  # noqa: E402
from .suites import SUITES_DIR, load_suite  # noqa: E402

log = logging.getLogger(__name__)

# Every white space character Python knows, the full-width space U+3000 among them (rules.md, notes).
WHITESPACE = "".join(ch for ch in map(chr, range(0x3001)) if ch.isspace())

RESULT_FORMAT = {"result_format": "COMPLETE", "unexpected_index_column_names": ["source_row"],
                 "return_unexpected_index_query": False}
# What stays of each expectation's result once row lists (raw values) are dropped.
KEPT_RESULT_KEYS = ("element_count", "missing_count", "missing_percent", "unexpected_count", "unexpected_percent",
                    "unexpected_percent_nonmissing", "unexpected_percent_total")
DOCS_SITE = "credit_feeds"


@dataclass
class Rejection:
    source_row: int
    rule_id: str
    field: str | None
    value_masked: str | None
    message_zh: str


@dataclass
class ValidationOutcome:
    suite_name: str
    suite_version: str
    gx_version: str
    success: bool
    evaluated_at: dt.datetime   # UTC, naive
    rows_evaluated: int
    result_json: str            # GX result as JSON, row lists dropped
    rejections: list[Rejection]  # sorted by (source_row, rule_id)


def trim(values: pd.Series) -> pd.Series:
    """Raw text with leading/trailing white space removed, blank made empty, as a categorical column.

    Categorical on purpose: GX's pandas engine copies the whole frame several times per expectation, which
    for text (object) columns dominates the run time; copying category codes is cheap. Trimming works on the
    distinct values only.
    """
    codes, uniques = pd.factorize(values.to_numpy(dtype=object))   # empty (None/NaN) -> code -1
    texts = [u.strip(WHITESPACE) if isinstance(u, str) else str(u).strip(WHITESPACE) for u in uniques]
    if texts != list(uniques):
        # values that differ only in white space become one value
        remap, categories = pd.factorize(np.array(texts, dtype=object))
        codes = np.where(codes >= 0, remap[np.maximum(codes, 0)], -1)
    else:
        categories = uniques
    blank = np.flatnonzero(categories == "")
    if len(blank):
        codes = np.where(codes == blank[0], -1, codes - (codes > blank[0]))
        categories = np.delete(categories, blank[0])
    dtype = pd.CategoricalDtype(pd.Index(categories, dtype=object))
    return pd.Series(pd.Categorical.from_codes(codes, dtype=dtype, validate=False), index=values.index)


def prepare(feed: Feed, df: pd.DataFrame, missing_required: list[str]) -> pd.DataFrame:
    """The frame GX validates: source_row, submitted_at and the feed's fields trimmed; a required column the
    file lacks is left out, so that MISSING_COLUMN is GX's own finding and no other rule sees the column."""
    df = df.reset_index(drop=True)
    empty = pd.Series(pd.Categorical.from_codes(np.full(len(df), -1), categories=[]), index=df.index)
    out = {"source_row": df["source_row"].astype("int64"), "submitted_at": pd.to_datetime(df["submitted_at"])}
    for code in feed.codes:
        if code not in missing_required:
            out[code] = trim(df[code]) if code in df.columns else empty
    return pd.DataFrame(out)


def referenced_columns(kwargs: dict) -> set[str]:
    """The columns an expectation reads: its domain and the columns of its row condition."""
    cols = {kwargs[k] for k in ("column", "column_A", "column_B") if kwargs.get(k)}
    cols.update(kwargs.get("column_list") or [])

    def walk(cond) -> None:
        if isinstance(cond, dict):
            if isinstance(cond.get("column"), dict):
                cols.add(cond["column"]["name"])
            for sub in cond.get("conditions") or []:
                walk(sub)

    walk(kwargs.get("row_condition"))
    return cols


class Validator:
    """Validates feed files against the suites under expectations/, with one GX context for the whole run."""

    def __init__(self, data_docs_dir: Path | None = None):
        logging.getLogger("great_expectations").setLevel(logging.WARNING)
        self.data_docs_dir = Path(data_docs_dir).resolve() if data_docs_dir else None
        self.suites_dir = SUITES_DIR
        ctx = gx.get_context(mode="ephemeral")
        ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
        ctx.config.analytics_enabled = False
        ctx.variables.save()
        if self.data_docs_dir:
            self.data_docs_dir.mkdir(parents=True, exist_ok=True)
            ctx.add_data_docs_site(site_name=DOCS_SITE, site_config={
                "class_name": "SiteBuilder",
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
                "store_backend": {"class_name": "TupleFilesystemStoreBackend",
                                  "base_directory": str(self.data_docs_dir)},
            })
        self._context = ctx
        self._datasource = ctx.data_sources.add_pandas("credit_feeds")
        self._batch_definitions: dict[str, object] = {}
        self._suites: dict[str, tuple[gx.ExpectationSuite, dict, str]] = {}
        self._stored_results = 0

    # ------------------------------------------------------------------------------------------ set-up

    def _suite(self, feed: Feed) -> tuple[gx.ExpectationSuite, dict, str]:
        if feed.name not in self._suites:
            data, version = load_suite(feed, self.suites_dir)
            suite = self._context.suites.add(gx.ExpectationSuite(**data))
            self._suites[feed.name] = (suite, data, version)
        return self._suites[feed.name]

    def _batch_definition(self, feed: Feed):
        if feed.name not in self._batch_definitions:
            asset = self._datasource.add_dataframe_asset(name=feed.name)
            self._batch_definitions[feed.name] = asset.add_batch_definition_whole_dataframe("file")
        return self._batch_definitions[feed.name]

    # ------------------------------------------------------------------------------------------ validate

    def validate(self, feed: Feed, df: pd.DataFrame, missing_columns: set[str], batch_name: str) -> ValidationOutcome:
        evaluated_at = dt.datetime.now(dt.timezone.utc)
        suite, data, version = self._suite(feed)
        missing_required = [c for c in feed.required_codes if c in missing_columns or c not in df.columns]
        frame = prepare(feed, df, missing_required)

        if missing_required:
            # expectations that read a missing column cannot be checked: only MISSING_COLUMN speaks for it
            gone = set(missing_required)
            kept = [e for e in data["expectations"]
                    if e["type"] == "expect_column_to_exist" or not referenced_columns(e["kwargs"]) & gone]
            run_suite = gx.ExpectationSuite(name=suite.name, expectations=kept, meta=data.get("meta"))
        else:
            run_suite = suite
        batch = self._batch_definition(feed).get_batch(batch_parameters={"dataframe": frame})
        result = batch.validate(run_suite, result_format=RESULT_FORMAT)
        _raise_on_errors(result, feed)

        rejections = _rejections(feed, frame, result)
        _drop_row_lists(result)
        result.meta.update({"batch_name": batch_name, "feed": feed.name, "suite_version": version,
                            "rows_evaluated": len(frame), "run_id": RunIdentifier(run_name=batch_name,
                                                                                  run_time=evaluated_at),
                            "validation_time": evaluated_at})
        if self.data_docs_dir:
            self._store(result, suite.name, batch_name, evaluated_at)
        return ValidationOutcome(
            suite_name=suite.name,
            suite_version=version,
            gx_version=gx.__version__,
            success=bool(result.success),
            evaluated_at=evaluated_at.replace(tzinfo=None),
            rows_evaluated=len(frame),
            result_json=json.dumps(result.to_json_dict(), ensure_ascii=False, sort_keys=True, default=str),
            rejections=rejections,
        )

    # ------------------------------------------------------------------------------------------ Data Docs

    def _store(self, result, suite_name: str, batch_name: str, evaluated_at: dt.datetime) -> None:
        """Keep the (row-list-free) result in the context's store, where Data Docs are built from."""
        safe = re.sub(r"[^\w.-]+", "_", batch_name).strip("_") or "batch"
        key = ValidationResultIdentifier(
            expectation_suite_identifier=ExpectationSuiteIdentifier(name=suite_name),
            run_id=RunIdentifier(run_name=safe, run_time=evaluated_at),
            batch_identifier=safe,
        )
        self._context.validation_results_store.set(key, result)
        self._stored_results += 1

    def build_data_docs(self) -> Path | None:
        """Build GX Data Docs of every suite used and every validation of this run; the index page's path."""
        if not self.data_docs_dir:
            return None
        self._context.build_data_docs(site_names=[DOCS_SITE])
        return self.data_docs_dir / "index.html"


# ---------------------------------------------------------------------------------------------- results


def _raise_on_errors(result, feed: Feed) -> None:
    """An expectation that raised has checked nothing: never let that pass as 'no rejections'."""
    for res in result.results:
        info = res.exception_info or {}
        infos = [info] if "raised_exception" in info else list(info.values())
        for i in infos:
            if i.get("raised_exception"):
                raise RuntimeError(f"GX expectation {res.expectation_config.type} on feed {feed.name} failed: "
                                   f"{i.get('exception_message')}")


def _drop_row_lists(result) -> None:
    for res in result.results:
        res.result = {k: res.result[k] for k in KEPT_RESULT_KEYS if k in (res.result or {})}


def _shown_values(feed: Feed, frame: pd.DataFrame, fields: str | None, positions: np.ndarray) -> list:
    """The values a rejection shows for its field(s): trimmed, ID numbers masked, several joined by ','."""
    if not fields or not all(code in frame.columns for code in fields.split(",")):
        return [None] * len(positions)  # no field (whole-row key) or a missing column
    columns = []
    for code in fields.split(","):
        values = [None if (v is None or v != v) else v for v in frame[code].take(positions).tolist()]
        if feed.by_code[code].kind == ID_NO:
            values = [mask(v) for v in values]
        columns.append(values)
    if len(columns) == 1:
        return columns[0]
    return [None if all(v is None for v in row) else ",".join(v or "" for v in row) for row in zip(*columns)]


def _rejections(feed: Feed, frame: pd.DataFrame, result) -> list[Rejection]:
    """One Rejection per (row, broken rule); several fields breaking one rule in a row are joined."""
    order = {code: i for i, code in enumerate(feed.codes)}
    row_index = pd.Index(frame["source_row"])
    parts: list[pd.DataFrame] = []
    for res in result.results:
        if res.success:
            continue
        meta = res.expectation_config.meta
        if res.expectation_config.type == "expect_column_to_exist":
            rows = frame["source_row"].to_numpy()
            positions = np.arange(len(frame))
        else:
            rows = np.array([d["source_row"] for d in res.result["unexpected_index_list"]], dtype=np.int64)
            positions = row_index.get_indexer(rows)
        if not len(rows):
            continue
        field = meta.get("field")
        parts.append(pd.DataFrame({
            "source_row": rows,
            "rule_id": meta["rule_id"],
            "field": field,
            "value": _shown_values(feed, frame, field, positions),
            "message": meta["message_zh"],
            "order": order.get((field or "").split(",")[0], -1),
        }))
    if not parts:
        return []
    table = pd.concat(parts, ignore_index=True).sort_values(["source_row", "rule_id", "order"], kind="stable")
    several = table.duplicated(["source_row", "rule_id"], keep=False).to_numpy()
    out = [Rejection(int(r), rule, f, v, m) for r, rule, f, v, m in
           table.loc[~several, ["source_row", "rule_id", "field", "value", "message"]].itertuples(index=False)]
    for (row, rule), group in table.loc[several].groupby(["source_row", "rule_id"], sort=False):
        fields, values, messages = [], [], []
        for f, v, m in group[["field", "value", "message"]].itertuples(index=False):
            if f not in fields:
                fields.append(f)
                values.append(v)
            messages.append(m)
        out.append(Rejection(
            int(row), rule,
            ",".join(f for f in fields if f) or None,
            None if all(v is None for v in values) else ",".join(v or "" for v in values),
            merge_messages(rule, messages),
        ))
    out.sort(key=lambda r: (r.source_row, r.rule_id))
    return out
