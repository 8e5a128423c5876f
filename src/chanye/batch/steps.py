"""The batch steps' tables and the single-machine engine (``--engine duckdb``): the platform's own pure
functions over whole Parquet tables. `chanye.batch.spark` runs the same steps on Spark and must give equal
tables; the per-partition functions here (`validate_part`, `classify_part`, `chains_part`) are what both
engines call on rows, so a row's result never depends on the engine.

Tables (Parquet, one file or a folder of part files, under the input and output folders):

=============  ======  =======================================================================================
rows           in      raw registry rows: ``row_number`` (int) and one text column per header of the file
enterprises    in      ``uscc, name, city_code, district_code, industry_code, business_scope[, synthetic]``
figures        in      ``uscc, year, revenue, industrial_output, value_added, employees[, synthetic]`` (万元, 人)
tags           in      ``uscc, tag`` (optional)
links          in/out  ``uscc, node, method, evidence, confidence, code`` (classify; read by indicators)
valid          out     `VALID_COLUMNS`: the import's canonical rows, tags and warnings as JSON text
rejected       out     ``row_number, uscc, raw, reasons`` (raw cells and every reason as JSON text)
chain_links    out     ``uscc, chain, chain_node, role, method, evidence, confidence``
scale          out     `analytics.indicators.scale`'s long frame
structure      out     `analytics.indicators.structure`'s frame (district_share, hhi, lq, lq_registry)
complexity     out     ``year, location, activity, value, rca, M, density`` (district x 小类 revenue panel)
proximity      out     ``year, activity_1, activity_2, proximity``
=============  ======  =======================================================================================

Enterprises are keyed by USCC: a repeated USCC counts as its first row (as `indicators.scale` does). Which
row is first is the file's order within one Parquet file; across several part files Spark may read them in
another order than Arrow, so keep a USCC in one file (the store's export has each once).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from chanye.errors import InputError
from chanye.framework.model import Framework
from chanye.registry.fields import FIELDS, MEASURES
from chanye.registry.read import RawSheet
from chanye.registry.validate import Mapping, plan_columns, validate_sheet
from chanye.standards.regions import City

STEPS: tuple[str, ...] = ("validate", "classify", "chains", "indicators", "complexity")
INPUTS: tuple[str, ...] = ("rows", "enterprises", "figures", "tags", "links")
OUTPUTS: dict[str, tuple[str, ...]] = {
    "validate": ("valid", "rejected"),
    "classify": ("links",),
    "chains": ("chain_links",),
    "indicators": ("scale", "structure"),
    "complexity": ("complexity", "proximity"),
}

_TEXT = ("uscc", "name", "address", "business_scope", "industry_name", "city_code", "district_code",
         "industry_code_raw", "industry_code", "code_vintage")
VALID_COLUMNS: tuple[str, ...] = ("row_number", *_TEXT, "registered_capital", "founded", "year", *MEASURES,
                                  "tags", "warnings")
VALID_SCHEMA = pa.schema(
    [("row_number", pa.int64()), *((c, pa.string()) for c in _TEXT), ("registered_capital", pa.float64()),
     ("founded", pa.string()), ("year", pa.int64()), *((m, pa.float64()) for m in MEASURES),
     ("tags", pa.string()), ("warnings", pa.string())]
)
REJECTED_SCHEMA = pa.schema(
    [("row_number", pa.int64()), ("uscc", pa.string()), ("raw", pa.string()), ("reasons", pa.string())]
)
LINKS_SCHEMA = pa.schema(
    [("uscc", pa.string()), ("node", pa.string()), ("method", pa.string()), ("evidence", pa.string()),
     ("confidence", pa.float64()), ("code", pa.string())]
)
CHAIN_LINKS_SCHEMA = pa.schema(
    [("uscc", pa.string()), ("chain", pa.string()), ("chain_node", pa.string()), ("role", pa.string()),
     ("method", pa.string()), ("evidence", pa.string()), ("confidence", pa.float64())]
)
FIRM_COLUMNS: tuple[str, ...] = ("uscc", "name", "industry_code", "business_scope")

# The complexity panel: revenue (万元) of the city's firms by district x GB/T 4754 小类 x year.
PANEL_VALUE = "revenue"


# --- Parquet in and out ---------------------------------------------------------------------------------


def table_path(folder: str | Path, name: str) -> Path:
    """``folder/name.parquet`` (a file, or the folder of part files Spark writes)."""
    return Path(folder) / f"{name}.parquet"


def has_table(folder: str | Path, name: str) -> bool:
    return table_path(folder, name).exists()


def read_table(folder: str | Path, name: str, *, required: bool = True) -> pd.DataFrame | None:
    path = table_path(folder, name)
    if not path.exists():
        if required:
            raise InputError(f"输入目录缺少 {path.name} (missing input table {name})", hint=f"放在 {folder} 下")
        return None
    try:
        return pq.read_table(path).to_pandas()
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputError(f"无法读取 {path}: {exc} (cannot read Parquet)") from None


def write_table(frame: pd.DataFrame, folder: str | Path, name: str, schema: pa.Schema | None = None) -> Path:
    path = table_path(folder, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
    pq.write_table(table, path)
    return path


# --- validate ---------------------------------------------------------------------------------------------


def raw_headers(columns: Sequence[str]) -> list[str]:
    """The file's headers: every column of ``rows`` but ``row_number``."""
    return [c for c in columns if c != "row_number"]


def check_headers(headers: Sequence[str], mapping: Mapping) -> None:
    """The whole-file checks of `validate_sheet` (a USCC and a name column), before any row is read."""
    sheet = RawSheet("", list(headers), pd.DataFrame(columns=range(len(headers)), dtype=object), pd.Series([]))
    targets = {p.target for p in plan_columns(sheet, mapping)}
    for required in ("uscc", "name"):
        if required not in targets:
            raise InputError(f"rows.parquet: 找不到“{FIELDS[required].zh}”列 (no {FIELDS[required].en} column)",
                             hint="检查表头，或用 --mapping 映射文件指定列名")


def uscc_header(headers: Sequence[str], mapping: Mapping) -> str:
    sheet = RawSheet("", list(headers), pd.DataFrame(columns=range(len(headers)), dtype=object), pd.Series([]))
    return next(p.header for p in plan_columns(sheet, mapping) if p.target == "uscc")


def _text_cells(frame: pd.DataFrame, headers: Sequence[str]) -> pd.DataFrame:
    """The raw cells as `registry.read` gives them: text, blank and whitespace-only cells missing."""
    data = {}
    for j, header in enumerate(headers):
        series = frame[header].astype(object)
        text = series.where(series.isna(), series.astype(str))
        blank = text.isna() | text.astype(str).str.strip().eq("")
        data[j] = text.where(~blank, None)
    return pd.DataFrame(data, index=range(len(frame)), dtype=object) if data else pd.DataFrame(index=range(len(frame)))


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def validate_part(frame: pd.DataFrame, headers: Sequence[str], mapping: Mapping,
                  city: City) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Validate raw rows (``row_number`` + headers) with the import's rules -> (valid, rejected) frames in
    `VALID_SCHEMA` / `REJECTED_SCHEMA`. Duplicates are found among these rows only: the caller passes every
    row of a USCC together, in row order."""
    frame = frame.reset_index(drop=True)
    sheet = RawSheet("", list(headers), _text_cells(frame, headers),
                     pd.Series(frame["row_number"].to_numpy(dtype="int64")))
    checked = validate_sheet(sheet, mapping, city=city, file_label="rows.parquet")
    rows = checked.rows
    valid = pd.DataFrame({"row_number": rows["row_number"].to_numpy(dtype="int64")})
    for column in _TEXT:
        valid[column] = rows[column].astype(object).where(rows[column].notna(), None).to_numpy()
    valid["registered_capital"] = pd.to_numeric(rows["registered_capital"], errors="coerce").astype("float64")
    founded = pd.to_datetime(rows["founded"], errors="coerce")
    valid["founded"] = founded.dt.strftime("%Y-%m-%d").astype(object).where(founded.notna(), None).to_numpy()
    valid["year"] = pd.array(pd.to_numeric(rows["year"], errors="coerce"), dtype="Int64")
    for m in MEASURES:
        valid[m] = pd.to_numeric(rows[m], errors="coerce").astype("float64").to_numpy()
    valid["tags"] = [_json(list(t)) for t in rows["tags"]]
    valid["warnings"] = [_json(w if isinstance(w, list) else []) for w in rows["warnings"]] if len(rows) else []
    rejected = pd.DataFrame({
        "row_number": checked.rejected["row_number"].to_numpy(dtype="int64"),
        "uscc": checked.rejected["uscc"].astype(object).where(checked.rejected["uscc"].notna(), None).to_numpy(),
        "raw": [_json(r) for r in checked.rejected["raw"]],
        "reasons": [_json(r) for r in checked.rejected["reasons"]],
    })
    return valid, rejected


def uscc_keys(frame: pd.DataFrame, header: str) -> pd.Series:
    """Each raw row's normalised USCC (the key duplicates are found by), None where it has none."""
    from chanye.registry import uscc

    cells = _text_cells(frame[[header]], [header])[0]
    return uscc.validate(cells).normalised.astype(object)


# --- classify and chains ------------------------------------------------------------------------------------


def firms_of(enterprises: pd.DataFrame) -> pd.DataFrame:
    """The enterprises linking reads, one row per USCC (its first), in input order."""
    missing = [c for c in ("uscc", "industry_code") if c not in enterprises.columns]
    if missing:
        raise InputError(f"enterprises.parquet 缺少列 {', '.join(missing)} (missing columns)")
    frame = enterprises[enterprises["uscc"].notna()].drop_duplicates("uscc", keep="first")
    out = pd.DataFrame({c: frame[c].astype(object).where(frame[c].notna(), None).to_numpy()
                        if c in frame.columns else None for c in FIRM_COLUMNS})
    return out


def classify_part(firms: pd.DataFrame, framework: Framework) -> pd.DataFrame:
    from chanye.classify.codes import classify_by_rules

    links = classify_by_rules(firms.reset_index(drop=True), framework)
    return links[list(LINKS_SCHEMA.names)].astype({"confidence": "float64"})


def chains_part(firms: pd.DataFrame, framework: Framework) -> pd.DataFrame:
    from chanye.classify.chains import link_enterprises

    chains = list(framework.chains)
    if not chains or firms.empty:
        return pd.DataFrame({c: pd.Series(dtype="float64" if c == "confidence" else object)
                             for c in CHAIN_LINKS_SCHEMA.names})
    links = link_enterprises(firms.reset_index(drop=True), chains)
    return links[list(CHAIN_LINKS_SCHEMA.names)].astype({"confidence": "float64"})


# --- indicators and complexity (whole tables) ----------------------------------------------------------------


def scale_inputs(enterprises: pd.DataFrame, figures: pd.DataFrame, tags: pd.DataFrame | None,
                 links: pd.DataFrame) -> tuple[pd.DataFrame, ...]:
    firms = enterprises[["uscc", "city_code", "district_code", *(["synthetic"] if "synthetic" in enterprises else [])]]
    tags = tags if tags is not None else pd.DataFrame({"uscc": pd.Series(dtype=object), "tag": pd.Series(dtype=object)})
    return firms, figures, tags, links[["uscc", "node"]]


def complexity_panel(enterprises: pd.DataFrame, figures: pd.DataFrame, city: str, digits: int = 4) -> pd.DataFrame:
    """location (district), activity (the code's first `digits` digits: 4 小类, 3 中类, 2 大类), year, value: the
    revenue of the city's firms with a district and a code, summed; firms counted by their first row."""
    firms = enterprises[enterprises["uscc"].notna()].drop_duplicates("uscc", keep="first")
    firms = firms[(firms["city_code"].astype(object) == city) & firms["district_code"].notna()
                  & firms["industry_code"].notna()]
    figs = figures[figures[PANEL_VALUE].notna()]
    joined = figs[["uscc", "year", PANEL_VALUE]].merge(
        firms[["uscc", "district_code", "industry_code"]], on="uscc", how="inner")
    joined["industry_code"] = joined["industry_code"].astype(str).str[:digits]
    panel = joined.groupby(["district_code", "industry_code", "year"], as_index=False)[PANEL_VALUE].sum()
    panel = panel.rename(columns={"district_code": "location", "industry_code": "activity", PANEL_VALUE: "value"})
    panel["year"] = panel["year"].astype("int64")
    return panel


COMPLEXITY_COLUMNS = ("year", "location", "activity", "value", "rca", "M", "density")


def complexity_tables(panel: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    from chanye.analytics.complexity import complexity, proximity_frame

    options = {"location": "location", "activity": "activity", "value": "value", "year": "year"}
    table = complexity(panel, **options)
    out = table[list(COMPLEXITY_COLUMNS)].astype({"M": "int64", "year": "int64"})
    prox = proximity_frame(panel, **options)[["year", "activity_1", "activity_2", "proximity"]]
    return out.reset_index(drop=True), prox.astype({"year": "int64"}).reset_index(drop=True)


# --- the single-machine engine ---------------------------------------------------------------------------------


@dataclass
class BatchRun:
    """What a run wrote: per step its seconds and per table its row count."""

    engine: str
    seconds: dict[str, float] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)


def _order(steps: Sequence[str] | None) -> list[str]:
    chosen = list(steps or STEPS)
    unknown = [s for s in chosen if s not in STEPS]
    if unknown:
        raise InputError(f"未知步骤 {', '.join(unknown)} (unknown batch steps)", hint=f"可选: {', '.join(STEPS)}")
    return [s for s in STEPS if s in chosen]


def run_local(source: str | Path, target: str | Path, framework: Framework, *,
              steps: Sequence[str] | None = None, mapping: Mapping | None = None, activity_digits: int = 4,
              on_step: Callable[[str, float], None] | None = None) -> BatchRun:
    """Run `steps` (all by default, in `STEPS` order) on one machine: read Parquet from `source`, write to
    `target`. Later steps read a table an earlier one wrote (links) before the input's own. `activity_digits`:
    the complexity panel's activity level (4 小类, 3 中类, 2 大类)."""
    mapping = mapping or Mapping()
    run = BatchRun("duckdb")
    out = Path(target)
    out.mkdir(parents=True, exist_ok=True)

    def done(step: str, started: float, tables: dict[str, tuple[pd.DataFrame, pa.Schema | None]]) -> None:
        for name, (frame, schema) in tables.items():
            write_table(frame, out, name, schema)
            run.rows[name] = len(frame)
        run.seconds[step] = round(time.perf_counter() - started, 3)
        if on_step:
            on_step(step, run.seconds[step])

    for step in _order(steps):
        started = time.perf_counter()
        if step == "validate":
            rows = read_table(source, "rows")
            headers = raw_headers(rows.columns)
            check_headers(headers, mapping)
            valid, rejected = validate_part(rows, headers, mapping, framework.city)
            done(step, started, {"valid": (valid, VALID_SCHEMA), "rejected": (rejected, REJECTED_SCHEMA)})
        elif step in ("classify", "chains"):
            firms = firms_of(read_table(source, "enterprises"))
            if step == "classify":
                done(step, started, {"links": (classify_part(firms, framework), LINKS_SCHEMA)})
            else:
                done(step, started, {"chain_links": (chains_part(firms, framework), CHAIN_LINKS_SCHEMA)})
        elif step == "indicators":
            from chanye.analytics.indicators import scale, structure

            links = read_table(out, "links", required=False)
            if links is None:
                links = read_table(source, "links")
            inputs = scale_inputs(read_table(source, "enterprises"), read_table(source, "figures"),
                                  read_table(source, "tags", required=False), links)
            frame = scale(*inputs, framework, framework.city.code)
            frame["year"] = frame["year"].astype("int64")
            struct = structure(frame, framework)
            struct["year"] = struct["year"].astype("int64")
            done(step, started, {"scale": (frame, None), "structure": (struct, None)})
        else:
            panel = complexity_panel(read_table(source, "enterprises"), read_table(source, "figures"),
                                     framework.city.code, activity_digits)
            table, prox = complexity_tables(panel)
            done(step, started, {"complexity": (table, None), "proximity": (prox, None)})
    return run


def sort_for_compare(frame: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """A table in key order with a fresh index (engines write rows in different orders)."""
    return frame.sort_values(list(keys), kind="stable").reset_index(drop=True)


KEYS: dict[str, tuple[str, ...]] = {
    "valid": ("row_number",),
    "rejected": ("row_number",),
    "links": ("uscc", "node"),
    "chain_links": ("uscc", "chain", "chain_node"),
    "scale": ("scope", "node", "area_type", "area", "year", "metric"),
    "structure": ("node", "area_type", "area", "year", "metric", "indicator"),
    "complexity": ("year", "location", "activity"),
    "proximity": ("year", "activity_1", "activity_2"),
}


def nan_equal(a: np.ndarray, b: np.ndarray, tol: float = 1e-9) -> bool:
    """Numbers equal to `tol` (relative above 1), NaN where the other is NaN."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    same_nan = np.isnan(a) == np.isnan(b)
    close = np.abs(a - b) <= tol * np.maximum(1.0, np.abs(b))
    return bool(same_nan.all() and (close | np.isnan(a)).all())
