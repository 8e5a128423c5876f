"""Complexity end to end (issue 14): read a long panel through Arrow, stream `analytics.complexity` one year at a
time, write Parquet or CSV straight from the arrays.

The files are the same as those of the pandas path they replace (`pd.read_csv(dtype=str)` -> `complexity()` ->
`DataFrame.to_parquet` / `export.csv_text`): same values, types, column order and pandas metadata, byte for byte
for CSV. Whatever the fast path cannot reproduce exactly (a CSV pyarrow cannot parse the way pandas does, text
cells that need quoting, column types other than text and numbers, XLSX or JSON output) takes the pandas path.

`open_panel` -> `run` (the CLI's path) does not import pandas at all for a CSV file that is clean, in or out:
the keys are factorised from Arrow dictionaries (`CodedPanel`) and the Parquet schema's pandas metadata is written
as pandas would write it. Anything it cannot check without pandas (a missing column, an empty key cell, text in
the value column, a population table) goes to the DataFrame, which gives the messages.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from chanye.analytics.complexity import CodedPanel, ComplexityStream, Note, complexity, complexity_stream
from chanye.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

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


@dataclass
class Panel:
    """A panel file as `open_panel` read it: its keys coded for the engine (`coded`; `table` then holds the Arrow
    columns, keys as dictionaries), or only what the pandas path needs (`frame()` reads it on first use)."""

    path: Path
    value: str
    table: pa.Table | None = None
    coded: CodedPanel | None = None
    labels: dict[str, pa.Array] = field(default_factory=dict)  # each coded key's sorted labels, as Arrow text
    _frame: pd.DataFrame | None = None

    def frame(self) -> pd.DataFrame:
        """The panel as `read_panel` gives it (text columns; the value column float64 where exact)."""
        if self._frame is None:
            self._frame = read_panel(self.path, numeric=(self.value,))
        return self._frame

    def distinct(self, column: str) -> int:
        """How many distinct values `column` has (1 if there is no such column): the years of a progress bar."""
        if column in self.labels:
            return len(self.labels[column])
        frame = self.frame()
        return int(frame[column].nunique()) if column in frame.columns else 1


def open_panel(path: Path, *, location: str, activity: str, value: str, year: str | None = None) -> Panel:
    """Read a CSV or Parquet panel for `run`. A CSV file that Arrow reads as pandas would, whose key columns have
    no empty cell and whose value column is all finite numbers, comes back coded, without pandas: Arrow's reader
    gives the keys as dictionaries, and the numbers are cast from text as `read_panel` casts them (the doubles
    `pd.to_numeric` gives). Anything else is read by `read_panel` when `run` asks for the frame."""
    if not path.is_file():
        raise InputError(f"文件不存在: {path} (no such file)")
    panel = Panel(path, value)
    keys = [location, activity] + ([year] if year is not None else [])
    header = _csv_header(path) if path.suffix.lower() in (".csv", ".txt") else None
    if header is None or len({*keys, value}) != len(keys) + 1 or any(c not in header for c in [*keys, value]):
        return panel  # Parquet, an odd CSV, a missing column...: read_panel and the engine's messages
    table = _arrow_csv(path, header, dict.fromkeys(keys, pa.dictionary(pa.int32(), pa.large_string())))
    if table is None or any(table[c].null_count for c in keys):
        return panel
    # The value column is cast from text as read_panel casts it (Arrow's CSV reader would also take " 1").
    table = _as_numbers(table, value)
    if not pa.types.is_float64(table.schema.field(value).type):
        return panel  # text, "nan", "inf", an empty cell: read_panel keeps it as text, the engine names it
    numbers = _numpy(table[value])
    coded = {}
    for key in keys:
        codes, labels = _factorise(table[key])
        panel.labels[key] = labels
        coded[key] = (codes, np.array(labels.to_pylist(), dtype=object))
    panel.table = table
    panel.coded = CodedPanel(columns=tuple(header), keys=coded, numbers={value: numbers}, rows=table.num_rows)
    return panel


def _factorise(column: pa.ChunkedArray) -> tuple[np.ndarray, pa.Array]:
    """Codes (int32, one per row) into a dictionary column's distinct values in ascending order, and those
    values: what `pd.factorize(sort=True)` gives for the text (Arrow sorts text by its UTF-8 bytes, which is the
    order of code points, Python's and pandas' order)."""
    if column.num_chunks == 0:
        return np.zeros(0, dtype=np.int32), pa.array([], type=column.type.value_type)
    column = column.unify_dictionaries()  # the CSV reader builds one dictionary per block
    first = column.chunk(0).dictionary
    order = pc.sort_indices(first)
    rank = np.empty(len(first), dtype=np.int32)
    rank[_view(order)] = np.arange(len(first), dtype=np.int32)
    indices = [_view(chunk.indices) for chunk in column.chunks]
    return rank[np.concatenate(indices) if len(indices) > 1 else indices[0]], first.take(order)


_NUMPY_TYPES = {pa.int32(): np.int32, pa.int64(): np.int64, pa.uint64(): np.uint64, pa.float64(): np.float64}


def _view(array: pa.Array) -> np.ndarray:
    """A numeric Arrow array without nulls as a numpy view of its buffer (Array.to_numpy imports pandas)."""
    assert array.null_count == 0
    dtype = np.dtype(_NUMPY_TYPES[array.type])
    return np.frombuffer(array.buffers()[1], dtype=dtype, count=len(array), offset=array.offset * dtype.itemsize)


def _numpy(column: pa.ChunkedArray) -> np.ndarray:
    """A column without nulls as one numpy array."""
    chunks = [_view(chunk) for chunk in column.chunks]
    return np.concatenate(chunks) if len(chunks) > 1 else chunks[0] if chunks else np.zeros(0)


def read_panel(path: Path, numeric: tuple[str, ...] = ()) -> pd.DataFrame:
    """A CSV or Parquet panel as a DataFrame of text columns (CSV), as `pd.read_csv(dtype=str,
    keep_default_na=False, na_values=[""])` reads it, but parsed by pyarrow's multi-threaded reader.

    Columns named in `numeric` come back as float64 where every cell parses as a finite number (the same
    doubles pandas' `to_numeric` gives); otherwise they stay text, so the engine names the first bad cell.
    """
    import pandas as pd

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


def _csv_header(path: Path) -> list[str] | None:
    """The CSV's column names, or None where pandas would rename them ("Unnamed: 0", "a.1") or cannot read them."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        try:
            header = next(csv.reader(handle))
        except (StopIteration, UnicodeDecodeError, csv.Error):
            return None
    if not header or any(not name for name in header) or len(set(header)) != len(header):
        return None
    return header


def _arrow_csv(path: Path, header: list[str] | None = None, types: dict[str, pa.DataType] | None = None
               ) -> pa.Table | None:
    """The CSV as text columns (but those given `types`), or None where pyarrow would read it differently from
    pandas (odd header, ragged rows, bad UTF-8) or a cell does not parse as its type: the caller then reads it
    with pandas, which gives its own errors."""
    from pyarrow import csv as pcsv

    header = header or _csv_header(path)
    if header is None:
        return None
    column_types = {**dict.fromkeys(header, pa.large_string()), **(types or {})}
    convert = pcsv.ConvertOptions(column_types=column_types, null_values=[""], strings_can_be_null=True,
                                  quoted_strings_can_be_null=True)
    # Quoted newlines need the slower quote-aware split into blocks; a file without any quote cannot have one
    # (an 8 ms scan on the benchmark's 40 MB, against 20% of the parse). Blocks of up to 8 MB: fewer per-block
    # dictionaries, still several blocks for the reader's threads.
    size = path.stat().st_size
    parse = pcsv.ParseOptions(newlines_in_values=_has_quote(path))
    read = pcsv.ReadOptions(block_size=max(1 << 20, min(8 << 20, size // 4)))
    try:
        table = pcsv.read_csv(path, read_options=read, parse_options=parse, convert_options=convert)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    return table if table.column_names == header else None


def _has_quote(path: Path) -> bool:
    import mmap

    with path.open("rb") as handle:
        if path.stat().st_size == 0:
            return False
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
            return data.find(b'"') >= 0


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
    panel: pd.DataFrame | Panel,
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
    whole output never sits in memory; the files equal the pandas path's (see the module docstring). A coded
    `Panel` (from `open_panel`) is computed and written without pandas.
    """
    fmt = output.suffix.lstrip(".").lower()
    keys = {"location": location, "activity": activity, "value": value, "year": year}
    if isinstance(panel, Panel):
        plain = options.get("population") is None and options.get("mcp") is None
        if panel.coded is not None and plain and fmt in ("parquet", "csv"):
            stream = complexity_stream(panel.coded, **keys, on_year=on_year, **options)
            source = _Source(stream, panel)
            if source.streamable(fmt):
                output.parent.mkdir(parents=True, exist_ok=True)
                _write(source, output, fmt)
                return ComplexityRun(rows=stream.rows, notes=list(stream.notes), streamed=True)
        panel = panel.frame()
    if fmt in ("parquet", "csv"):
        stream = complexity_stream(panel, **keys, on_year=on_year, **options)
        source = _Source(stream)
        if source.streamable(fmt):
            output.parent.mkdir(parents=True, exist_ok=True)
            _write(source, output, fmt)
            return ComplexityRun(rows=stream.rows, notes=list(stream.notes), streamed=True)
    from chanye.export import write_frame  # openpyxl: only for the formats that need it (same layer)

    result = complexity(panel, **keys, on_year=on_year, **options)
    write_frame(result, output)
    return ComplexityRun(rows=len(result), notes=list(result.attrs.get("notes", [])), streamed=False)


class _Source:
    """A stream with what the writers need beside its arrays: each key's labels and each carried-over column as
    Arrow arrays, taken from the DataFrame or, for a coded panel, from the Arrow table itself."""

    def __init__(self, stream: ComplexityStream, panel: Panel | None = None) -> None:
        self.stream, self.coded = stream, panel is not None
        if panel is not None:
            assert panel.table is not None
            self.labels = dict(panel.labels)
            self.extras = {c: panel.table[c].combine_chunks() for c in stream.extra}
            return
        self.labels = {stream.location: _label_array(stream.locs), stream.activity: _label_array(stream.acts)}
        if stream.years is not None:
            self.labels[stream.year] = _label_array(stream.years)  # type: ignore[index]
        self.extras = {c: pa.array(stream.panel[c]) for c in stream.extra}  # type: ignore[index]

    def streamable(self, fmt: str) -> bool:
        """Whether the arrays can be written exactly as pandas would write the frame."""
        if self.coded:
            # Every column is Arrow text but the value: only text that would need quoting in CSV stops it.
            return fmt == "parquet" or not any(_needs_quotes(a) for a in [*self.labels.values(), *self.extras.values()])
        return _streamable(self.stream, fmt)


def _needs_quotes(text: pa.Array) -> bool:
    return bool(pc.any(pc.match_substring_regex(text, "[,\"\n\r]")).as_py())


def _streamable(stream: ComplexityStream, fmt: str) -> bool:
    """Whether the arrays of a DataFrame's stream can be written exactly as pandas would write the frame."""
    import pandas as pd

    labels = [stream.locs, stream.acts] + ([stream.years] if stream.years is not None else [])
    extras = [stream.panel[c] for c in stream.extra]  # type: ignore[index]
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


def _arrow(values: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
    """A 1-D numpy array of numbers as an Arrow array without a copy, null where `mask` (pa.array would do the
    same, but its first call imports pandas to look for pandas objects)."""
    values = np.ascontiguousarray(values)
    validity, nulls = None, 0
    if mask is not None and (nulls := int(mask.sum())):
        validity = pa.py_buffer(np.packbits(~mask, bitorder="little"))
    return pa.Array.from_buffers(pa.from_numpy_dtype(values.dtype), len(values), [validity, pa.py_buffer(values)],
                                 null_count=nulls)


def _floats(values: np.ndarray) -> pa.Array:
    """Doubles with NaN as null, as pandas' to_parquet stores them (and its CSV writes an empty cell)."""
    return _arrow(values, np.isnan(values))


def _labels(labels: pa.Array, codes: np.ndarray, dictionary: bool) -> pa.Array:
    """The key column of a year: text labels as a dictionary array over the codes (no copy; Parquet writes the
    dictionary page directly), or taken into plain values (CSV, non-text labels)."""
    if dictionary and pa.types.is_large_string(labels.type) and codes.dtype == np.int32:
        return pa.DictionaryArray.from_arrays(_arrow(codes), labels)
    return pc.take(labels, _arrow(codes))


def _parts(source: _Source, dictionary: bool = False) -> Iterator[pa.Table]:
    """Each year of the stream as an Arrow table with the frame's column names and order (and its types, but
    for text keys as dictionaries when `dictionary`)."""
    stream = source.stream
    for part in stream:
        n = len(part)
        arrays: dict[str, pa.Array] = {}
        if stream.years is not None:
            year = np.full(n, part.year, dtype=np.int32)
            arrays[stream.year] = _labels(source.labels[stream.year], year, dictionary)  # type: ignore[index]
        arrays[stream.location] = _labels(source.labels[stream.location], part.loc_codes, dictionary)
        arrays[stream.activity] = _labels(source.labels[stream.activity], part.act_codes, dictionary)
        for name, values in part.columns.items():
            arrays[name] = _floats(values) if values.dtype.kind == "f" else _arrow(values)
        if stream.mcp is not None:
            arrays[stream.mcp] = _arrow(part.columns["M"].copy())
        if part.source is not None:
            missing = part.source < 0
            rows = _arrow(np.where(missing, 0, part.source), missing)
            for name, values in source.extras.items():
                arrays[name] = pc.take(values, rows)
        yield pa.table([arrays[c] for c in stream.columns], names=stream.columns)


def _write(source: _Source, output: Path, fmt: str) -> None:
    """Write the stream's years from a second thread: Arrow's writers release the GIL, so on two cores the
    encoding of one year overlaps the linear algebra of the next."""
    box: queue.Queue[pa.Table | None] = queue.Queue(maxsize=2)
    failed: list[BaseException] = []
    write_part = _parquet_writer(source, output) if fmt == "parquet" else _csv_writer(source.stream, output)

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
        for table in _parts(source, dictionary=fmt == "parquet"):
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
    import pandas as pd

    dtypes: dict[str, Any] = {c: np.float64 for c in stream.float_columns}
    dtypes.update(M=np.int8, diversity=np.int64, ubiquity=np.int64)
    if stream.mcp is not None:
        dtypes[stream.mcp] = np.int8
    if stream.years is not None:
        dtypes[stream.year] = stream.years.dtype  # type: ignore[index]
    dtypes[stream.location], dtypes[stream.activity] = stream.locs.dtype, stream.acts.dtype
    dtypes.update({c: stream.panel[c].dtype for c in stream.extra})  # type: ignore[index]
    empty = pd.DataFrame({c: pd.Series([], dtype=dtypes[c]) for c in stream.columns})
    empty.attrs = attrs or {}
    return pa.Schema.from_pandas(empty, preserve_index=False)


# What pandas' metadata says of the columns a coded panel's frame has: (pandas_type, numpy_type) by Arrow type
# (text columns are pandas' `str` dtype, whose Arrow type is large_string).
_PANDAS_TYPES = {pa.large_string(): ("object", "str"), pa.float64(): ("float64", "float64"),
                 pa.int8(): ("int8", "int8"), pa.int64(): ("int64", "int64")}


def _coded_schema(stream: ComplexityStream, attrs: dict[str, Any] | None = None) -> pa.Schema:
    """`_pandas_schema` of a coded panel's stream, built without pandas: the same fields and the same pandas
    metadata (`pa.Schema.from_pandas` writes it as this JSON; a test holds the two equal)."""
    from importlib.metadata import version

    types = {c: pa.float64() for c in stream.float_columns}
    types.update(M=pa.int8(), diversity=pa.int64(), ubiquity=pa.int64())
    if stream.mcp is not None:
        types[stream.mcp] = pa.int8()
    types.update({c: pa.large_string() for c in [stream.location, stream.activity, stream.year, *stream.extra] if c})
    fields = [pa.field(c, types[c]) for c in stream.columns]
    columns = [{"name": c, "field_name": c, "pandas_type": _PANDAS_TYPES[types[c]][0],
                "numpy_type": _PANDAS_TYPES[types[c]][1], "metadata": None} for c in stream.columns]
    meta: dict[str, Any] = {"index_columns": [], "column_indexes": [], "columns": columns, "attributes": attrs or {}}
    meta["creator"] = {"library": "pyarrow", "version": pa.__version__}
    meta["pandas_version"] = version("pandas")
    return pa.schema(fields, metadata={b"pandas": json.dumps(meta).encode("utf8")})


_PAGE_ROWS = 20_000


def _parquet_writer(source: _Source, output: Path) -> Callable[[pa.Table | None], None]:
    import pyarrow.parquet as pq

    stream = source.stream
    schema_of = _coded_schema if source.coded else _pandas_schema
    schema = schema_of(stream)
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
    # A page holds at most 20,000 rows (pyarrow's max_rows_per_page): handing the encoder a page at a time instead
    # of 1,024 values cuts the per-batch work (statistics of the text keys: a hash of the batch's dictionary codes,
    # a take and a min/max of its labels): a third of the writing's CPU on the benchmark. The pages, hence the bytes, stay
    # those of 1,024-value batches wherever 20,000 values fit the 1 MB page size (all but long carried-over text).
    writer = pq.ParquetWriter(output, written, use_dictionary=repeated, store_schema=False,
                              write_batch_size=_PAGE_ROWS)

    def write(table: pa.Table | None) -> None:
        if table is None:
            attrs = {"notes": stream.notes, "conventions": stream.conventions}
            final = schema_of(stream, attrs)
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
                quoted = pc.utf8_replace_slice(cells, start=0, stop=0, replacement="'")  # (pa.scalar imports pandas)
                columns.append(pc.if_else(risky, quoted, cells))
            else:
                columns.append(pc.cast(table.column(i), pa.string()))
        pcsv.write_csv(pa.table(columns, names=table.column_names), handle, options)

    return write
