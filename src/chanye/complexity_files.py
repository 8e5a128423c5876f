"""Complexity end to end (issue 14): read a long panel through Arrow, stream `analytics.complexity` one year at a
time, write Parquet or CSV straight from the arrays.

The files are the same as those of the pandas path they replace (`pd.read_csv(dtype=str)` -> `complexity()` ->
`DataFrame.to_parquet` / `export.csv_text`): same values, types, column order and pandas metadata, byte for byte
for CSV. Whatever the fast path cannot reproduce exactly (a CSV pyarrow cannot parse the way pandas does, text
cells that need quoting, column types other than text and numbers, XLSX or JSON output) takes the pandas path.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from chanye.analytics.complexity import ComplexityStream, Note, complexity, complexity_stream
from chanye.errors import InputError

# Cells starting with these open as formulas in Excel; `export.csv_text` prefixes an apostrophe (OWASP).
_FORMULA = r"^[=+\-@\t\r]"
_CSV_SPECIAL = (",", '"', "\n", "\r")


@dataclass(frozen=True)
class ComplexityRun:
    """What `run` wrote: rows, the engine's notes (codes with parameters) and whether the fast path wrote it."""

    rows: int
    notes: list[Note]
    streamed: bool


# --- reading --------------------------------------------------------------------------------------------------


def read_panel(path: Path, numeric: tuple[str, ...] = ()) -> pd.DataFrame:
    """A CSV or Parquet panel as a DataFrame of text columns (CSV), as `pd.read_csv(dtype=str,
    keep_default_na=False, na_values=[""])` reads it, but parsed by pyarrow's multi-threaded reader.

    Columns named in `numeric` come back as float64 where every cell parses as a finite number (the same
    doubles pandas' `to_numeric` gives); otherwise they stay text, so the engine names the first bad cell.
    """
    if not path.is_file():
        raise InputError(f"文件不存在: {path} (no such file)")
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return pd.read_parquet(path)
    if suffix not in (".csv", ".txt"):
        raise InputError(f"{path.name}: 面板只支持 CSV 或 Parquet (panel must be CSV or Parquet)")
    table = _arrow_csv(path)
    if table is None:
        return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    for name in numeric:
        if name in table.column_names:
            table = _as_numbers(table, name)
    return table.to_pandas()


def _arrow_csv(path: Path) -> pa.Table | None:
    """The CSV as text columns, or None where pyarrow would read it differently from pandas (odd header,
    ragged rows, bad UTF-8): the caller then reads it with pandas, which gives its own errors."""
    from pyarrow import csv as pcsv

    with path.open(encoding="utf-8-sig", newline="") as handle:
        try:
            header = next(csv.reader(handle))
        except (StopIteration, UnicodeDecodeError, csv.Error):
            return None
    # pandas renames empty and repeated names ("Unnamed: 0", "a.1"); leave those files to it.
    if not header or any(not name for name in header) or len(set(header)) != len(header):
        return None
    text = pa.large_string()
    convert = pcsv.ConvertOptions(column_types=dict.fromkeys(header, text), null_values=[""],
                                  strings_can_be_null=True, quoted_strings_can_be_null=True)
    try:
        table = pcsv.read_csv(path, parse_options=pcsv.ParseOptions(newlines_in_values=True),
                              convert_options=convert)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    return table if table.column_names == header else None


def _as_numbers(table: pa.Table, name: str) -> pa.Table:
    column = table[name]
    if column.null_count:
        return table
    try:
        numbers = pc.cast(column, pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return table
    # "nan" and "inf" parse, but pandas' path reports them; keep the text so the messages stay the same.
    if not pc.all(pc.is_finite(numbers)).as_py():
        return table
    return table.set_column(table.column_names.index(name), name, numbers)


# --- computing and writing ------------------------------------------------------------------------------------


def run(
    panel: pd.DataFrame,
    output: Path,
    *,
    location: str,
    activity: str,
    value: str,
    year: str | None = None,
    on_year: Callable[[Any], None] | None = None,
    **options: Any,
) -> ComplexityRun:
    """`analytics.complexity.complexity` of `panel`, written to `output` (CSV, Parquet, XLSX or JSON by suffix).

    Parquet and CSV are streamed a year at a time (a thread writes one year while the next is computed), so the
    whole output never sits in memory; the files equal the pandas path's (see the module docstring).
    """
    fmt = output.suffix.lstrip(".").lower()
    keys = {"location": location, "activity": activity, "value": value, "year": year}
    if fmt in ("parquet", "csv"):
        stream = complexity_stream(panel, **keys, on_year=on_year, **options)
        if _streamable(stream, fmt):
            output.parent.mkdir(parents=True, exist_ok=True)
            _write(stream, output, fmt)
            return ComplexityRun(rows=stream.rows, notes=list(stream.notes), streamed=True)
    from chanye.export import write_frame  # openpyxl: only for the formats that need it (same layer)

    result = complexity(panel, **keys, on_year=on_year, **options)
    write_frame(result, output)
    return ComplexityRun(rows=len(result), notes=list(result.attrs.get("notes", [])), streamed=False)


def _streamable(stream: ComplexityStream, fmt: str) -> bool:
    """Whether the arrays can be written exactly as pandas would write the frame."""
    labels = [stream.locs, stream.acts] + ([stream.years] if stream.years is not None else [])
    extras = [stream.panel[c] for c in stream.extra]
    if fmt == "parquet":
        # Text, numbers, dates...: Arrow types of their own. An object column's Arrow type depends on its values,
        # which an empty frame (the schema's template) does not have.
        return not any(values.dtype == object for values in [*labels, *extras])
    for values in [*labels, *extras]:
        kind = values.dtype.kind if isinstance(values.dtype, np.dtype) else None
        if kind in ("i", "u", "f"):
            continue
        if not pd.api.types.is_string_dtype(values.dtype):
            return False  # booleans, dates, categories...: pandas' own text for them
        text = pd.Series(values, copy=False).dropna()
        if not text.map(lambda v: isinstance(v, str)).all():
            return False
        if any(text.str.contains(ch, regex=False).any() for ch in _CSV_SPECIAL):
            return False  # quoting: leave it to pandas' csv writer
    return True


def _label_array(index: pd.Index) -> pa.Array:
    return pa.array(index.to_numpy() if index.dtype.kind in "iuf" else index.array)


def _labels(labels: pa.Array, codes: np.ndarray, dictionary: bool) -> pa.Array:
    """The key column of a year: text labels as a dictionary array over the codes (no copy; Parquet writes the
    dictionary page directly), or taken into plain values (CSV, non-text labels)."""
    if dictionary and pa.types.is_large_string(labels.type) and codes.dtype == np.int32:
        return pa.DictionaryArray.from_arrays(pa.array(codes), labels)
    return pc.take(labels, codes)


def _parts(stream: ComplexityStream, dictionary: bool = False) -> Iterator[pa.Table]:
    """Each year of the stream as an Arrow table with the frame's column names and order (and its types, but
    for text keys as dictionaries when `dictionary`)."""
    locs, acts = _label_array(stream.locs), _label_array(stream.acts)
    years = _label_array(stream.years) if stream.years is not None else None
    extras = {c: pa.array(stream.panel[c]) for c in stream.extra}
    for part in stream:
        n = len(part)
        arrays: dict[str, pa.Array] = {}
        if years is not None:
            arrays[stream.year] = _labels(years, np.full(n, part.year, dtype=np.int32), dictionary)  # type: ignore[index]
        arrays[stream.location] = _labels(locs, part.loc_codes, dictionary)
        arrays[stream.activity] = _labels(acts, part.act_codes, dictionary)
        for name, values in part.columns.items():
            # NaN becomes null, as pandas' to_parquet stores it (and its CSV writes an empty cell).
            arrays[name] = pa.array(values, from_pandas=True)
        if stream.mcp is not None:
            arrays[stream.mcp] = pa.array(part.columns["M"].copy())
        if part.source is not None:
            missing = part.source < 0
            rows = pa.array(np.where(missing, 0, part.source), mask=missing)
            for name, values in extras.items():
                arrays[name] = pc.take(values, rows)
        yield pa.table([arrays[c] for c in stream.columns], names=stream.columns)


def _write(stream: ComplexityStream, output: Path, fmt: str) -> None:
    """Write the stream's years from a second thread: Arrow's writers release the GIL, so on two cores the
    encoding of one year overlaps the linear algebra of the next."""
    box: queue.Queue[pa.Table | None] = queue.Queue(maxsize=2)
    failed: list[BaseException] = []
    write_part = _parquet_writer(stream, output) if fmt == "parquet" else _csv_writer(stream, output)

    def drain() -> None:
        while (table := box.get()) is not None:
            if not failed:
                try:
                    write_part(table)
                except BaseException as exc:  # re-raised in the caller's thread
                    failed.append(exc)
        try:
            write_part(None)
        except BaseException as exc:
            failed.append(exc)

    writer = threading.Thread(target=drain, name="complexity-writer", daemon=True)
    writer.start()
    try:
        for table in _parts(stream, dictionary=fmt == "parquet"):
            if failed:
                break
            box.put(table)
    finally:
        box.put(None)
        writer.join()
    if failed:
        raise failed[0]


def _pandas_schema(stream: ComplexityStream, attrs: dict[str, Any] | None = None) -> pa.Schema:
    """The schema, with its pandas metadata, that `DataFrame.to_parquet` writes for `complexity()`'s frame
    (whose `attrs` pyarrow copies into that metadata)."""
    dtypes: dict[str, Any] = {c: np.float64 for c in stream.float_columns}
    dtypes.update(M=np.int8, diversity=np.int64, ubiquity=np.int64)
    if stream.mcp is not None:
        dtypes[stream.mcp] = np.int8
    if stream.years is not None:
        dtypes[stream.year] = stream.years.dtype  # type: ignore[index]
    dtypes[stream.location], dtypes[stream.activity] = stream.locs.dtype, stream.acts.dtype
    dtypes.update({c: stream.panel[c].dtype for c in stream.extra})
    empty = pd.DataFrame({c: pd.Series([], dtype=dtypes[c]) for c in stream.columns})
    empty.attrs = attrs or {}
    return pa.Schema.from_pandas(empty, preserve_index=False)


def _parquet_writer(stream: ComplexityStream, output: Path) -> Callable[[pa.Table | None], None]:
    import pyarrow.parquet as pq

    schema = _pandas_schema(stream)
    # Dictionary pages only where values repeat (keys, per-location and per-activity columns); trying them
    # on the continuous columns costs a third of the writing and gains nothing.
    repeated = [c for c in stream.columns if c not in ("rca", "rpop", "density", "cog", stream.value)]
    # The stored Arrow schema carries pandas' DataFrame.attrs (the notes), complete only after the last year:
    # it is written at the end, the way pyarrow itself stores it (base64 of the IPC schema).
    # Text keys arrive as dictionary arrays (see _labels); the stored schema says large_string, as pandas'.
    keys = {stream.location, stream.activity, stream.year}
    fields = [pa.field(f.name, pa.dictionary(pa.int32(), f.type)) if f.name in keys and pa.types.is_large_string(
        f.type) else f for f in schema.remove_metadata()]
    written = pa.schema(fields)
    writer = pq.ParquetWriter(output, written, use_dictionary=repeated, store_schema=False)

    def write(table: pa.Table | None) -> None:
        if table is None:
            attrs = {"notes": stream.notes, "conventions": stream.conventions}
            final = _pandas_schema(stream, attrs)
            final = final.with_metadata({**final.metadata, b"PANDAS_ATTRS": json.dumps(attrs).encode()})
            stored = base64.b64encode(final.serialize().to_pybytes())
            writer.add_key_value_metadata({**final.metadata, b"ARROW:schema": stored})
            writer.close()
            return
        writer.write_table(table.cast(written))

    return write


def _csv_writer(stream: ComplexityStream, output: Path) -> Callable[[pa.Table | None], None]:
    """`export.csv_text` byte for byte: UTF-8 with BOM, pandas' header, numbers as Python's repr (DuckDB casts
    doubles to the same shortest round-trip text), NaN as an empty cell, formula-like text with an apostrophe."""
    from pyarrow import csv as pcsv

    from chanye.registry.arrow_text import DoubleText

    handle = output.open("wb")
    head = io.StringIO()
    csv.writer(head, lineterminator="\n").writerow(stream.columns)
    handle.write(("\ufeff" + head.getvalue()).encode("utf-8"))
    as_text = DoubleText()
    options = pcsv.WriteOptions(include_header=False, quoting_style="none")

    def write(table: pa.Table | None) -> None:
        if table is None:
            as_text.close()
            handle.close()
            return
        doubles = [c for c, t in zip(table.column_names, table.schema.types, strict=True) if pa.types.is_floating(t)]
        if doubles:
            texts = as_text(table.select(doubles))
        columns = []
        for i, (name, kind) in enumerate(zip(table.column_names, table.schema.types, strict=True)):
            if pa.types.is_floating(kind):
                columns.append(texts.column(doubles.index(name)))
            elif pa.types.is_string(kind) or pa.types.is_large_string(kind):
                cells = table.column(i)
                risky = pc.match_substring_regex(cells, _FORMULA)
                quoted = pc.binary_join_element_wise(pa.scalar("'", kind), cells, pa.scalar("", kind))
                columns.append(pc.if_else(risky, quoted, cells))
            else:
                columns.append(pc.cast(table.column(i), pa.string()))
        pcsv.write_csv(pa.table(columns, names=table.column_names), handle, options)

    return write
