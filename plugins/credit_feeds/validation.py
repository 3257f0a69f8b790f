"""The validation runner: one feed's rows of one file through its GX suite, as rejections the ingest records.

One GX context per Validator (a run), created once; each file is a pandas batch (GX's SQL datasource on DuckDB
is broken, stack-facts.md). Rows are trimmed first (rules.md: white space and full-width spaces, blank = empty).
Row-level failures come from result format COMPLETE keyed by `source_row`; they become one Rejection per row
and broken rule. Before a result is kept (result_json, Data Docs) its row lists are dropped, so no raw value,
and no ID number in particular, leaves this module unmasked.
"""

from __future__ import annotations

import datetime as dt
import itertools
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
from .identifiers import mask, mask_id_numbers  # noqa: E402
from .rules import merge_messages  # noqa: E402
from .suites import SUITES_DIR, load_suite  # noqa: E402

# Every white space character Python knows, the full-width space U+3000 among them (rules.md, notes).
WHITESPACE = "".join(ch for ch in map(chr, range(0x3001)) if ch.isspace())

# source_row is the frame's named index: GX then lists failing rows without a per-row lookup (its per-row
# path costs ~50 µs a row, a minute for a column of a million bad values); values are not listed at all.
RESULT_FORMAT = {"result_format": "COMPLETE", "unexpected_index_column_names": ["source_row"],
                 "exclude_unexpected_values": True, "return_unexpected_index_query": False}
# What stays of each expectation's result once row lists (raw values) are dropped.
KEPT_RESULT_KEYS = ("element_count", "missing_count", "missing_percent", "unexpected_count", "unexpected_percent",
                    "unexpected_percent_nonmissing", "unexpected_percent_total")
DOCS_SITE = "credit_feeds"
# A rejection shows at most this many characters of a value, then its length: a 1 MB field must not be copied
# into audit.rejections and the units' rejection lists (a spreadsheet cell holds 32,767 characters at most).
SHOWN_MAX = 200


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

    Categorical on purpose: GX's pandas engine copies and fingerprints the whole frame, several times per
    expectation, which for text (object) columns dominates the run time; category codes are cheap to copy, and
    the custom expectations check each distinct value once.
    """
    # distinct raw values first (None / NaN -> -1), then each distinct value trimmed once: columns repeat a lot
    if isinstance(values.dtype, pd.CategoricalDtype):   # already distinct (trimmed once already, e.g.)
        raw_codes = values.cat.codes.to_numpy().astype(np.int64)
        distinct = values.cat.categories.to_numpy(dtype=object)
    else:
        raw = values.to_numpy(dtype=object)
        raw_codes, distinct = pd.factorize(raw, size_hint=len(raw))
    trimmed = np.array([v.strip(WHITESPACE) if type(v) is str else str(v).strip(WHITESPACE) for v in distinct],
                       dtype=object)
    trimmed_codes, categories = pd.factorize(trimmed)
    codes = np.where(raw_codes >= 0, trimmed_codes[np.maximum(raw_codes, 0)] if len(trimmed) else -1, -1)
    blank = np.flatnonzero(categories == "")
    if len(blank):
        codes = np.where(codes == blank[0], -1, codes - (codes > blank[0]))
        categories = np.delete(categories, blank[0])
    dtype = pd.CategoricalDtype(pd.Index(categories, dtype=object))
    return pd.Series(pd.Categorical.from_codes(codes, dtype=dtype, validate=False), index=values.index)


def prepare(feed: Feed, df: pd.DataFrame, columns: list[str], trimmed: bool = False) -> pd.DataFrame:
    """The frame GX validates: indexed by source_row, submitted_at and the given field columns, trimmed.

    A required column the file lacks is not among `columns`, so MISSING_COLUMN is GX's own finding and no
    other rule sees it; a field no expectation reads is left out too (less for GX to copy). `trimmed`: the field
    columns of `df` come from `trim` already (compliance reads them so).
    """
    index = pd.Index(df["source_row"].astype("int64").to_numpy(), name="source_row")
    if not index.is_unique:
        raise ValueError(f"source_row must be unique within one batch of feed {feed.name}")
    df = df.reset_index(drop=True)
    out = {"submitted_at": pd.to_datetime(df["submitted_at"]),
           # rows of several files are validated together; DUPLICATE's key begins with the file
           "file_id": trim(df["file_id"] if "file_id" in df.columns else pd.Series([""] * len(df), dtype=object))}
    for code in columns:
        if trimmed and code in df.columns:
            out[code] = df[code]
        else:
            out[code] = trim(df[code] if code in df.columns else pd.Series([None] * len(df), dtype=object))
    frame = pd.DataFrame(out)
    frame.index = index
    return frame


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

    def validate(self, feed: Feed, df: pd.DataFrame, missing_columns: set[str], batch_name: str,
                 trimmed: bool = False) -> ValidationOutcome:
        evaluated_at = dt.datetime.now(dt.timezone.utc)
        suite, data, version = self._suite(feed)
        gone = {c for c in feed.required_codes if c in missing_columns or c not in df.columns}
        if gone:
            # expectations that read a missing column cannot be checked: only MISSING_COLUMN speaks for it
            kept = [e for e in data["expectations"]
                    if e["type"] == "expect_column_to_exist" or not referenced_columns(e["kwargs"]) & gone]
            run_suite = gx.ExpectationSuite(name=suite.name, expectations=kept, meta=data.get("meta"))
        else:
            kept, run_suite = data["expectations"], suite
        read = set().union(*(referenced_columns(e["kwargs"]) for e in kept
                             if e["type"] != "expect_column_to_exist"))
        frame = prepare(feed, df, [c for c in feed.codes if c in read and c not in gone], trimmed)
        batch = self._batch_definition(feed).get_batch(batch_parameters={"dataframe": frame})
        try:
            result = batch.validate(run_suite, result_format=RESULT_FORMAT)
        finally:
            del batch
            self._forget_batches()
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

    def _forget_batches(self) -> None:
        """GX's execution engine keeps every batch it was given, and every metric it computed on it, for the
        context's lifetime: a month's batches would all stay in memory (3.4 GB at SF10). Results are kept; batches
        and their metrics are not needed again (each batch has its own id, so no later validation could use them)."""
        engine = self._datasource.get_execution_engine()
        engine.batch_manager.batch_data_cache.clear()
        engine.batch_manager.reset_batch_cache()
        cache = getattr(engine, "_metric_cache", None)   # GX 1.x: a plain dict when caching is on (the default)
        if isinstance(cache, dict):
            cache.clear()

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
    """The values a rejection shows for its field(s): trimmed, ID numbers masked (also inside other fields), several
    joined by ','."""
    if not fields or not all(code in frame.columns for code in fields.split(",")):
        return [None] * len(positions)  # no field (whole-row key) or a missing column
    columns = []
    for code in fields.split(","):
        values = [None if (v is None or v != v) else v for v in frame[code].take(positions).tolist()]
        if feed.by_code[code].kind == ID_NO:
            values = [mask(v) for v in values]
        else:   # an ID number typed into a name, free text or a code field is masked all the same
            values = [mask_id_numbers(v) for v in values]
        columns.append([_shortened(v) for v in values])
    if len(columns) == 1:
        return columns[0]
    return [None if all(v is None for v in row) else ",".join(v or "" for v in row) for row in zip(*columns)]


def _shortened(value: str | None) -> str | None:
    if value is None or len(value) <= SHOWN_MAX:
        return value
    return f"{value[:SHOWN_MAX]}…（共{len(value)}个字符）"


def _rejections(feed: Feed, frame: pd.DataFrame, result) -> list[Rejection]:
    """One Rejection per (row, broken rule); several fields breaking one rule in a row are joined (feed order)."""
    position = {code: i for i, code in enumerate(feed.codes)}
    broken: list[tuple[str, str | None, str]] = []          # (rule_id, field, message) per failed expectation
    rows_parts, which_parts, values = [], [], []
    for res in result.results:
        if res.success:
            continue
        meta = res.expectation_config.meta
        if res.expectation_config.type == "expect_column_to_exist":
            rows = frame.index.to_numpy()                     # a missing column: every row
        else:
            listed = res.result.get("unexpected_index_list") or [{"source_row": []}]
            rows = np.asarray(listed[0]["source_row"], dtype=np.int64)
        if not len(rows):
            continue
        field = meta.get("field")
        rows_parts.append(rows)
        which_parts.append(np.full(len(rows), len(broken)))
        values += _shown_values(feed, frame, field, frame.index.get_indexer(rows))
        broken.append((meta["rule_id"], field, meta["message_zh"]))
    if not broken:
        return []
    rows, which = np.concatenate(rows_parts), np.concatenate(which_parts)
    rule_rank = {rule: i for i, rule in enumerate(sorted({b[0] for b in broken}))}
    rank = np.array([rule_rank[b[0]] for b in broken])[which]
    field_rank = np.array([position.get((b[1] or "").split(",")[0], -1) for b in broken])[which]
    order = np.lexsort((field_rank, rank, rows)).tolist()   # by row, then rule, then field order

    rows_list, which_list = rows.tolist(), which.tolist()
    out = []
    for (row, rule), group in itertools.groupby(order, key=lambda i: (rows_list[i], broken[which_list[i]][0])):
        members = list(group)
        if len(members) == 1:                                # the usual case: one expectation, one rejection
            _, field, message_zh = broken[which_list[members[0]]]
            out.append(Rejection(row, rule, field, values[members[0]], message_zh))
        else:
            out.append(_merged(row, rule, [(broken[which_list[i]], values[i]) for i in members]))
    return out


def _merged(row: int, rule: str, parts: list[tuple[tuple[str, str | None, str], str | None]]) -> Rejection:
    fields, values = [], []
    for (_, field, _), value in parts:
        if field not in fields:
            fields.append(field)
            values.append(value)
    return Rejection(
        row, rule,
        ",".join(f for f in fields if f) or None,
        None if all(v is None for v in values) else ",".join(v or "" for v in values),
        merge_messages(rule, [message for (_, _, message), _ in parts]),
    )
