"""Read an analyst's file (CSV in UTF-8 or GBK/GB18030, XLSX with every sheet, Parquet) into raw tables.

Each sheet becomes a `RawSheet`: the header (found among the first rows, below any title rows, with units
carried down from merged group headers such as "经营指标（万元）") and the data rows as text, each with its
row number in the file as a person sees it in Excel (1-based). Blank rows are counted, not kept.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from chanye.errors import InputError
from chanye.registry.fields import FIELDS, TAG_ALIASES
from chanye.registry.parse import split_header_unit, unit_info

HEADER_SCAN_ROWS = 15
# rows per chunk of a large CSV: memory follows the chunk, not the file. Two of DuckDB's row groups (122,880 rows
# each): a chunk of 250,000 left a partial row group per table that the store's checkpoint merged, 0.4-0.9 s
# after 1 M rows (issue 14)
CHUNK_ROWS = 245_760
_HEAD_BYTES = 1 << 20  # the start of a CSV that the header and delimiter are found in
# what Arrow's CSV reader reads at a time: it reads up to 32 blocks ahead, so 16 MiB blocks held 600-760 MB of a
# registry-like file while a chunk was validated; with 4 MiB ones the worker of an 8 M-row registry-like import
# peaked at 1.5 GB instead of 1.9 (2.8 GB of address space instead of 3.8), no slower (issue 14)
BLOCK_BYTES = 4 << 20
ENCODINGS = ("utf-8-sig", "gb18030")


@dataclass
class RawSheet:
    name: str
    headers: list[str]  # as in the file (after carrying group-header units down)
    data: pd.DataFrame  # object columns 0..n-1, values as text (None for empty cells)
    row_numbers: pd.Series  # 1-based row number in the file for each data row
    blank_rows: int = 0
    title: list[str] = field(default_factory=list)  # rows above the header (titles, notes)


def _norm_header(text: str) -> str:
    # NFKC folds full-width letters and brackets to ASCII, so "ＵＳＣＣ" and "USCC" are one header.
    return "".join(unicodedata.normalize("NFKC", str(text)).split()).lower()


def _alias_table() -> dict[str, str]:
    table = {}
    for f in FIELDS.values():
        for alias in (*f.aliases, f.zh, f.en, f.name):
            table[_norm_header(alias)] = f.name
    return table


ALIASES = _alias_table()
TAG_HEADERS = {_norm_header(k): v for k, v in TAG_ALIASES.items()}


def recognise(header: str) -> tuple[str | None, str | None]:
    """A header -> (field name or 'tag:<id>', unit from the header). ('营业收入(万元)' -> ('revenue', '万元'))."""
    clean, unit = split_header_unit(str(header))
    key = _norm_header(clean)
    if key in ALIASES:
        return ALIASES[key], unit
    if key in TAG_HEADERS:
        return f"tag:{TAG_HEADERS[key]}", unit
    return None, unit


def _cell_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float):
        if pd.isna(value):
            return None
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if hasattr(value, "isoformat") and not isinstance(value, str):
        return value.isoformat()[:10]
    text = str(value)
    return text if text.strip() else None


def _find_header(rows: list[list[object]], extra: frozenset[str] = frozenset()) -> int:
    """The row (0-based) among the first few with the most recognised headers (at least two); `extra` holds
    headers a mapping file names."""
    best, best_score = -1, 1
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        score = sum(
            1 for cell in row
            if cell is not None and (recognise(str(cell))[0] is not None or str(cell).strip() in extra)
        )
        if score > best_score:
            best, best_score = i, score
    return best


def _header(name: str, rows: list[list[object]], file_label: str, extra: frozenset[str]) -> tuple[int, list[str], list[str]]:
    """(header row index, headers, title lines) from the first rows of a sheet."""
    header_at = _find_header(rows, extra)
    if header_at < 0:
        where = f"{file_label}（{name}）" if name else file_label
        raise InputError(
            f"{where}: 前 {HEADER_SCAN_ROWS} 行中找不到可识别的表头 (no recognisable header row)",
            hint="表头应包含 统一社会信用代码、企业名称 等列，或用 --mapping 指定列名映射",
        )
    header_cells = [_cell_text(c) for c in rows[header_at]]
    while header_cells and header_cells[-1] is None:
        header_cells.pop()
    width = len(header_cells)
    # A merged group header above (e.g. "经营指标（万元）" spanning several columns) gives its unit to the
    # columns under it that state none; calamine and CSV put the merged value in the first cell only.
    # A title row above (one cell) is not a group header.
    above = rows[header_at - 1] if header_at > 0 else []
    if sum(1 for c in above if _cell_text(c) is not None) < 2:
        above = []
    carried: str | None = None
    headers = []
    for j in range(width):
        cell = _cell_text(above[j]) if j < len(above) else None
        if cell is not None:
            carried = split_header_unit(cell)[1]
        text = header_cells[j] or f"列{j + 1}"
        if carried and split_header_unit(text)[1] is None and _same_dimension(recognise(text)[0], carried):
            text = f"{text}（{carried}）"
        headers.append(text)
    titles = [" ".join(_cell_text(c) or "" for c in r).strip() for r in rows[:header_at]]
    return header_at, headers, [t for t in titles if t]


def _same_dimension(field_name: str | None, unit: str) -> bool:
    """Whether a group header's unit fits a column (万元 fits 营业收入, not 从业人员 or 成立日期)."""
    if field_name not in FIELDS or not FIELDS[field_name].unit:
        return False
    mine, theirs = unit_info(FIELDS[field_name].unit), unit_info(unit)
    return bool(mine and theirs and mine[0] == theirs[0])


def _body(frame: pd.DataFrame, first_row_number: int, width: int) -> tuple[pd.DataFrame, pd.Series, int, list[str]]:
    """Drop blank rows (counted), keep row numbers; cells beyond the header become extra columns.
    Blank and whitespace-only cells become missing; columns stay as they came (Arrow strings from CSV)."""
    empty = {}
    for col in frame.columns:
        series = frame[col]
        text = series.astype("str") if series.dtype == object else series
        missing = series.isna() | text.str.strip().eq("").fillna(True)
        empty[col] = missing.to_numpy(bool)
        if missing.any():
            frame[col] = series.where(~missing, None)
    extra = [c for c in frame.columns[width:] if not empty[c].all()]
    keep = [*frame.columns[:width], *extra]
    frame = frame[keep]
    filled = ~np.logical_and.reduce([empty[c] for c in keep]) if keep else np.zeros(len(frame), bool)
    numbers = np.arange(first_row_number, first_row_number + len(frame), dtype="int64")
    blank = int((~filled).sum())
    if blank:
        frame = frame[filled]
    frame = frame.reset_index(drop=True)
    frame.columns = range(frame.shape[1])
    return frame, pd.Series(numbers[filled]), blank, [f"列{width + i + 1}" for i in range(len(extra))]


def _sheet_from_rows(name: str, rows: list[list[object]], file_label: str, extra: frozenset[str]) -> RawSheet:
    header_at, headers, titles = _header(name, rows, file_label, extra)
    width = len(headers)
    wide = max([width, *(len(r) for r in rows[header_at + 1 :])])
    cells = [[_cell_text(c) for c in r] + [None] * (wide - len(r)) for r in rows[header_at + 1 :]]
    frame = pd.DataFrame(cells, columns=range(wide), dtype=object) if cells else pd.DataFrame(
        columns=range(width), dtype=object
    )
    data, numbers, blank, extra = _body(frame, header_at + 2, width)
    return RawSheet(name, headers + extra, data, numbers, blank, titles)


def _sniff(text: str) -> tuple[str, list[list[str]]]:
    """The delimiter (comma unless the start of `text` shows another) and the first rows, where the header is
    looked for; csv.Error for a malformed start."""
    try:
        delimiter = csv.Sniffer().sniff(text[:8192], delimiters=",\t;|").delimiter
    except csv.Error:
        delimiter = ","
    return delimiter, list(itertools.islice(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter),
                                            HEADER_SCAN_ROWS))


def _csv_sheet(path: Path, extra: frozenset[str]) -> RawSheet:
    text = _decode(path.read_bytes(), path.name)
    try:
        delimiter, head = _sniff(text)
    except csv.Error as exc:
        raise InputError(f"{path.name}: CSV 格式错误: {exc} (malformed CSV)") from None
    header_at, headers, titles = _header("", [list(r) for r in head], path.name, extra)
    width = len(headers)
    fast = _arrow_body(text, delimiter, header_at, width)
    if fast is not None:
        data, numbers, blank, more = _body(fast, header_at + 2, width)
        return RawSheet("", headers + more, data, numbers, blank, titles)
    # Irregular files (blank lines, ragged rows): pandas' C parser; spare names absorb rows with extra cells.
    try:
        frame = pd.read_csv(
            io.StringIO(text, newline=""), sep=delimiter, header=None, skiprows=header_at + 1,
            names=range(width + 16), dtype=str, keep_default_na=False, na_values=[], skip_blank_lines=False,
            engine="c",
        )
    except (pd.errors.ParserError, ValueError) as exc:
        raise InputError(f"{path.name}: CSV 格式错误: {exc} (malformed CSV)", hint="检查引号与分隔符") from None
    data, numbers, blank, extra = _body(frame, header_at + 2, width)
    return RawSheet("", headers + extra, data, numbers, blank, titles)


def _csv_options(width: int, header_at: int, delimiter: str, irregular: list, block_size: int | None = None) -> dict:
    """Arrow CSV reader options for the body under a found header: every cell as text (never null), columns
    c0..c{width-1}; a ragged row is skipped and noted in `irregular` (the caller then reads the file row by row)."""
    import pyarrow as pa
    from pyarrow import csv as pacsv

    def note(row) -> str:
        irregular.append(row)
        return "skip"

    names = [f"c{j}" for j in range(width)]
    read = {"skip_rows": header_at + 1, "column_names": names} | ({"block_size": block_size} if block_size else {})
    return {
        "read_options": pacsv.ReadOptions(**read),
        "parse_options": pacsv.ParseOptions(delimiter=delimiter, ignore_empty_lines=False, newlines_in_values=True,
                                            invalid_row_handler=note),
        "convert_options": pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()),
                                                strings_can_be_null=False, quoted_strings_can_be_null=False),
    }


def _arrow_body(text: str, delimiter: str, header_at: int, width: int) -> pd.DataFrame | None:
    """The body of a regular CSV (every row as wide as the header, no blank line) via Arrow's multi-threaded
    reader; None for anything irregular, which the slower parser then reads row by row."""
    import pyarrow as pa
    from pyarrow import csv as pacsv

    irregular: list[object] = []
    try:
        table = pacsv.read_csv(pa.py_buffer(text.encode("utf-8")),
                               **_csv_options(width, header_at, delimiter, irregular))
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    if irregular:
        return None
    frame = table.to_pandas(types_mapper=lambda t: pd.ArrowDtype(t) if t == pa.string() else None)
    frame = frame.astype("str")
    frame.columns = range(width)
    return frame


class Irregular(Exception):
    """A streamed CSV turned out irregular (blank lines, ragged rows) after its first chunks: read it whole."""


def iter_sheets(path: str | Path, *, sheet: str | None = None, headers: set[str] | None = None,
                chunk_rows: int | None = None, first_rows: int | None = None) -> Iterator[RawSheet]:
    """`read_sheets`, in chunks of at most `chunk_rows` data rows (the first two of at most `first_rows`, when
    fewer) for a regular UTF-8 CSV (read by Arrow's
    streaming reader straight from the file, never decoded whole in Python); consecutive chunks of one sheet
    share its name and headers and carry their own row numbers. Other files come whole. Raises `Irregular`
    when a streamed CSV holds a row Arrow refuses after chunks were yielded (read the file whole instead)."""
    path = Path(path)
    extra = frozenset(headers or ())
    if path.suffix.lower() in (".csv", ".txt", ".tsv") and path.is_file():
        head = _utf8_head(path)
        if head is not None:
            chunk_rows = chunk_rows or CHUNK_ROWS
            yield from _csv_chunks(path, head, extra, chunk_rows, min(first_rows or chunk_rows, chunk_rows))
            return
    yield from read_sheets(path, sheet=sheet, headers=headers)


def _utf8_head(path: Path) -> str | None:
    """The first MiB of the file as text when it is UTF-8 (a BOM dropped), else None."""
    with path.open("rb") as fh:
        raw = fh.read(_HEAD_BYTES)
    try:
        return codecs.getincrementaldecoder("utf-8-sig")().decode(raw, final=len(raw) < _HEAD_BYTES)
    except UnicodeDecodeError:
        return None


def _csv_chunks(path: Path, head: str, extra: frozenset[str], chunk_rows: int, first_rows: int) -> Iterator[RawSheet]:
    import pyarrow as pa
    from pyarrow import csv as pacsv

    try:
        delimiter, first = _sniff(head)
    except csv.Error:  # the whole-file reader names the fault
        yield _csv_sheet(path, extra)
        return
    header_at, headers, titles = _header("", [list(r) for r in first], path.name, extra)
    width = len(headers)
    irregular: list[object] = []
    names = [f"c{j}" for j in range(width)]
    try:
        reader = pacsv.open_csv(path, **_csv_options(width, header_at, delimiter, irregular, block_size=BLOCK_BYTES))
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        yield _csv_sheet(path, extra)
        return
    start = header_at + 2  # the file row number of the next data row
    sent, chunks = False, 0
    pending: list = []
    pending_rows = 0

    def emit(batches: list) -> RawSheet:
        # Fresh contiguous arrays (no slices with offsets into the reader's blocks) for the byte-level parsers.
        table = pa.table({n: pa.concat_arrays([b.column(j) for b in batches]) if batches else pa.array([], pa.string())
                          for j, n in enumerate(names)})
        frame = table.to_pandas(types_mapper=lambda t: pd.ArrowDtype(t) if t == pa.string() else None).astype("str")
        frame.columns = range(width)
        data, numbers, blank, more = _body(frame, start, width)
        return RawSheet("", headers + more, data, numbers, blank, titles)

    while True:
        try:
            batch = reader.read_next_batch()
        except StopIteration:
            batch = None
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # e.g. not UTF-8 after the first MiB
            irregular.append(None)
        # a ragged row may be noted while the reader opens or at its last block, with no batch after it
        if irregular:
            if sent:
                raise Irregular(path.name)
            yield _csv_sheet(path, extra)
            return
        if batch is None:
            break
        pending.append(batch)
        pending_rows += batch.num_rows
        while pending_rows >= (size := chunk_rows if chunks >= 2 else first_rows):
            table = pa.Table.from_batches(pending)
            chunk, rest = table.slice(0, size), table.slice(size)
            yield emit(chunk.to_batches())
            sent, chunks = True, chunks + 1
            start += size
            pending, pending_rows = rest.to_batches(), rest.num_rows
    if pending_rows or not sent:
        yield emit(pending)


def _decode(raw: bytes, label: str) -> str:
    for encoding in ENCODINGS:
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InputError(f"{label}: 无法识别文件编码，请保存为 UTF-8 或 GBK (unknown text encoding)")


def read_sheets(path: str | Path, *, sheet: str | None = None, headers: set[str] | None = None) -> list[RawSheet]:
    """Every sheet of the file (or the one named), as raw text tables. `headers`: column names a mapping file
    declares, which count as recognised when looking for the header row."""
    extra = frozenset(headers or ())
    path = Path(path)
    if not path.is_file():
        raise InputError(f"文件不存在: {path} (no such file)")
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt", ".tsv"):
        return [_csv_sheet(path, extra)]
    if suffix in (".xlsx", ".xlsm", ".xls"):
        return _read_excel(path, sheet, extra)
    if suffix == ".parquet":
        frame = pd.read_parquet(path)
        rows = [list(frame.columns), *frame.itertuples(index=False, name=None)]
        return [_sheet_from_rows("", [list(r) for r in rows], path.name, extra)]
    raise InputError(f"{path.name}: 不支持的文件类型 {suffix} (unsupported file type)", hint="支持 CSV、XLSX、Parquet")


def _read_excel(path: Path, sheet: str | None, extra: frozenset[str]) -> list[RawSheet]:
    from python_calamine import CalamineWorkbook

    from chanye.registry.xlsx_guard import check_workbook

    check_workbook(path)  # before the reader allocates what a crafted file declares
    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for corrupt files
        raise InputError(f"{path.name}: 无法读取 Excel 文件: {exc} (unreadable workbook)") from None
    names = book.sheet_names
    if sheet is not None:
        if sheet not in names:
            raise InputError(f"{path.name}: 没有工作表 {sheet!r} (no such sheet)", hint=f"可选: {', '.join(names)}")
        names = [sheet]
    sheets = []
    for name in names:
        rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        if not any(any(_cell_text(c) for c in r) for r in rows):
            continue  # an empty sheet is not an error: workbooks often carry one
        sheets.append(_sheet_from_rows(name, rows, path.name, extra))
    if not sheets:
        raise InputError(f"{path.name}: 工作簿没有数据 (the workbook holds no data)")
    return sheets
