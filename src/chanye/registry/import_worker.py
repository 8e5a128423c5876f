"""Parse an import file in a separate worker process with resource limits, so that no file can take the
server (or the CLI) down with it.

A crafted workbook can make the spreadsheet reader allocate gigabytes (a stray cell far away, a zip bomb) or
spin for minutes; calamine, the XLSX reader, aborts the whole process when an allocation fails. The import
therefore reads and validates the file in a worker started with the 'forkserver' context (a clean
single-threaded server process forks it, never the threaded web server; 'spawn' where forkserver is
missing). Before it reads, the worker limits itself:

- address space (RLIMIT_AS): what it has mapped after loading its libraries plus `max_memory`;
- CPU time (RLIMIT_CPU): `cpu_seconds` (and a wall clock of 4 x that, checked by the parent);
- file size (RLIMIT_FSIZE): `temp_bytes` for any file it writes (its output and its log);
- no core files; a private temporary directory (TMPDIR) that the parent removes whatever happens.

The worker hands the validated rows back as Parquet files in that directory (text cells as text, lists and
dicts as JSON, so nothing is unpickled from it) plus a small JSON manifest over a pipe; the parent loads
them and writes them in one transaction (`registry.ingest`). For an import (`staged`) the valid rows are
written already typed as the store's columns (`stage`), and the parent's DuckDB reads those files as they
are, without rebuilding a frame; each chunk's manifest goes over as soon as the chunk is written, so the
parent writes chunk k while the worker validates chunk k + 1. The temporary folders are named with the owning
process's id, so that the next import removes the ones an import killed outright left behind (`sweep_stale`).
When the worker dies or hits a limit, the import fails with `ImportLimitExceeded`, naming the limit, its value
and the variable that raises it, and nothing is written. Limits come from the environment (`ImportLimits.from_env`); docs/cli.md lists them.
"""

from __future__ import annotations

import errno
import json
import logging
import multiprocessing
import os
import re
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from chanye import errors
from chanye.errors import ChanyeError, InputError
from chanye.registry.fields import ENTERPRISE_COLUMNS, MEASURES
from chanye.registry.read import Irregular, RawSheet, iter_sheets, read_sheets
from chanye.registry.validate import ColumnPlan, Mapping, SeenKeys, Validated, validate_sheet
from chanye.standards.regions import City

try:
    import resource
except ImportError:  # not POSIX (Windows): no limits to set, the file is parsed in-process
    resource = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

Progress = Callable[[str, float], None]
# what the import stages of each name (`stage_rows`): a module-level function, or a functools.partial of one, so
# that it reaches the worker by name
NameTest = Callable[[pa.Array], np.ndarray]

_CPU_GRACE = 5  # seconds between SIGXCPU (soft limit) and SIGKILL (hard limit)
_WALL_FACTOR = 4  # a worker running longer than this x its CPU limit in wall-clock time is stopped
_MESSAGE_BYTES = 1 << 20  # the largest message the parent accepts from the worker
ENV = {"max_memory": "CHANYE_IMPORT_MAX_MEMORY", "cpu_seconds": "CHANYE_IMPORT_CPU_SECONDS",
       "temp_bytes": "CHANYE_IMPORT_TEMP_BYTES", "store_memory": "CHANYE_IMPORT_STORE_MEMORY"}


class ImportLimitExceeded(InputError):
    """The worker parsing an import hit a resource limit or died; nothing was written."""

    title = "导入超出资源上限 Import exceeded a resource limit"


# --------------------------------------------------------------------------------------------------------
# Limits
# --------------------------------------------------------------------------------------------------------

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$", re.IGNORECASE)


def parse_size(text: str, name: str) -> int:
    """'2147483648', '200M', '2G', '1.5GiB' -> bytes (K, M, G, T are powers of 1024)."""
    m = _SIZE.match(text)
    if not m:
        raise InputError(f"{name}={text[:40]!r}: 无法识别的大小 (not a size)", hint="写字节数或带单位，例如 2G、512M (bytes, or e.g. 2G)")
    return int(float(m.group(1)) * 1024 ** "_KMGT".index((m.group(2) or "_").upper()))


@dataclass(frozen=True)
class ImportLimits:
    """What one import's worker may use: `max_memory` bytes of address space beyond its loaded libraries,
    `cpu_seconds` of CPU time, `temp_bytes` per file it writes; and the store, while the import writes,
    `store_memory` bytes of DuckDB memory (it spills to the database's temp folder beyond: an 8 M-row import
    peaked at 3.4-3.6 GB without, 2.6 GB with the default)."""

    max_memory: int = 2 << 30
    cpu_seconds: int = 120
    temp_bytes: int = 2 << 30
    store_memory: int = 2 << 30

    @classmethod
    def from_env(cls) -> ImportLimits:
        """Defaults overridden by CHANYE_IMPORT_MAX_MEMORY, CHANYE_IMPORT_CPU_SECONDS, CHANYE_IMPORT_TEMP_BYTES
        and CHANYE_IMPORT_STORE_MEMORY (sizes in bytes or with K/M/G)."""
        values = asdict(cls())
        for key, name in ENV.items():
            text = os.environ.get(name, "").strip()
            if not text:
                continue
            if key == "cpu_seconds":
                if not text.isdigit() or int(text) < 1:
                    raise InputError(f"{name}={text[:40]!r}: 应为正整数秒数 (expected whole seconds)")
                values[key] = int(text)
            else:
                values[key] = parse_size(text, name)
        return cls(**values)


def size_text(n: int) -> str:
    """2 GiB = '2.0 GiB', 200 MiB = '200 MiB', 4096 = '4 KiB'."""
    if n >= 1 << 30:
        return f"{n / (1 << 30):.1f} GiB"
    return f"{n / (1 << 20):.0f} MiB" if n >= 1 << 20 else f"{n / 1024:.0f} KiB"


def limit_error(limit: str, limits: ImportLimits, file_label: str) -> ImportLimitExceeded:
    """The one message for a worker that hit `limit` (memory | cpu | temp)."""
    what = {
        "memory": (f"内存上限 {size_text(limits.max_memory)}", f"the memory limit of {size_text(limits.max_memory)}"),
        "cpu": (f"CPU 时间上限 {limits.cpu_seconds} 秒", f"the CPU time limit of {limits.cpu_seconds} s"),
        "temp": (f"临时磁盘上限 {size_text(limits.temp_bytes)}", f"the temporary disk limit of "
                                                            f"{size_text(limits.temp_bytes)}"),
    }[limit]
    name = ENV[{"memory": "max_memory", "cpu": "cpu_seconds", "temp": "temp_bytes"}[limit]]
    unit = "秒数 (seconds)" if limit == "cpu" else "字节数，可写 2G、512M (bytes, or e.g. 2G)"
    return ImportLimitExceeded(
        f"{file_label}: 解析文件时超出{' ' if what[0][0].isascii() else ''}{what[0]}，导入已取消，未写入任何数据 "
        f"(parsing the file exceeded {what[1]}; the import was cancelled and nothing was written)",
        hint=f"拆分文件或另存为 CSV 后再导入；确需更多资源时调高环境变量 {name}，单位为{unit} "
             f"(split the file, or raise {name})",
    )


# --------------------------------------------------------------------------------------------------------
# Parsing (in whichever process runs it)
# --------------------------------------------------------------------------------------------------------


def iter_parse(path: Path, mapping: Mapping, *, sheet: str | None, city: City, file_label: str,
               progress: Progress, stream: bool = True) -> Iterator[Validated]:
    """Read the file and validate it chunk by chunk (a large regular CSV; every other file one sheet at a
    time): the part of an import that touches the file. Chunks of one sheet come in order and share its name;
    a USCC repeated in a later chunk is quarantined as in a whole sheet. With `stream`, a CSV found irregular
    after its first chunks raises `read.Irregular` (start again with stream=False, which reads it whole)."""
    progress("reading", 0.0)
    if not stream:
        sheets = read_sheets(path, sheet=sheet, headers=set(mapping.columns))
        for i, raw in enumerate(sheets):
            progress("validating", (i + 0.5) / (len(sheets) + 1))
            yield validate_sheet(raw, mapping, city=city, file_label=file_label)
        return
    seen: SeenKeys | None = None
    name: str | None = None
    chunks = iter_sheets(path, sheet=sheet, headers=set(mapping.columns), first_rows=FIRST_ROWS)
    for i, raw in enumerate(_first_small(chunks)):
        if raw.name != name or seen is None:
            seen, name = SeenKeys(), raw.name
        progress("validating", 0.5 - 0.25 / (i + 1))
        yield validate_sheet(raw, mapping, city=city, file_label=file_label, seen=seen)


# The first chunks of a large file (a CSV's first two reads, or the first part of a sheet read whole): the import
# starts writing after half the usual wait, and the second chunk is ready before the first is written (a whole one
# kept the import waiting 0.15 s). One row group of DuckDB's, as the chunks after them are two (`read.CHUNK_ROWS`):
# each chunk's inserts then fill whole row groups, which the store's checkpoint would otherwise merge (issue 14).
FIRST_ROWS = 122_880


def _first_small(sheets: Iterator[RawSheet]) -> Iterator[RawSheet]:
    """The file's chunks with the first one split after `FIRST_ROWS` rows when it holds more than twice that:
    the import writes (and links) the first rows while the rest of the chunk is validated (issue 14). The two
    parts share the sheet's name and headers, as consecutive chunks of a sheet do; the blank rows count in the
    first."""
    for i, raw in enumerate(sheets):
        n = len(raw.data)
        if i or n <= 2 * FIRST_ROWS:
            yield raw
            continue
        for part, rows in ((0, slice(0, FIRST_ROWS)), (1, slice(FIRST_ROWS, n))):
            yield RawSheet(raw.name, raw.headers, raw.data.iloc[rows].reset_index(drop=True),
                           raw.row_numbers.iloc[rows].reset_index(drop=True), raw.blank_rows if part == 0 else 0,
                           raw.title)


def parse_file(path: Path, mapping: Mapping, *, sheet: str | None, city: City, file_label: str,
               progress: Progress) -> list[Validated]:
    """Read every sheet of the file and validate it, one `Validated` per sheet."""
    try:
        chunks = list(iter_parse(path, mapping, sheet=sheet, city=city, file_label=file_label, progress=progress))
    except Irregular:
        chunks = list(iter_parse(path, mapping, sheet=sheet, city=city, file_label=file_label, progress=progress,
                                 stream=False))
    return merge_chunks(chunks)


def merge_chunks(chunks: list[Validated]) -> list[Validated]:
    """Consecutive chunks of one sheet joined into one `Validated`."""
    out: list[list[Validated]] = []
    for v in chunks:
        if out and out[-1][0].sheet == v.sheet and len(chunks) > 1:
            out[-1].append(v)
        else:
            out.append([v])
    merged = []
    for group in out:
        if len(group) == 1:
            merged.append(group[0])
            continue
        offsets = np.cumsum([0, *(len(v.core) for v in group[:-1])])
        first = group[0]

        def joined(frames: list[pd.DataFrame]) -> pd.DataFrame:  # empty chunks would blur the dtypes
            return pd.concat([f for f in frames if len(f)] or frames[:1], ignore_index=True)

        merged.append(Validated(
            first.sheet, joined([v.core for v in group]), joined([v.rejected for v in group]), first.plans,
            sum(v.blank_rows for v in group), first.has_figures,
            joined([v.tags.assign(position=v.tags["position"] + o) for v, o in zip(group, offsets, strict=True)]),
            joined([v.warnings.assign(position=v.warnings["position"] + o)
                    for v, o in zip(group, offsets, strict=True)])))
    return merged


def parse(path: Path, mapping: Mapping, *, sheet: str | None, city: City, file_label: str, progress: Progress,
          limits: ImportLimits | None) -> list[Validated]:
    """`parse_file` in a limited worker process (`limits`), or in this process (None, or no POSIX limits)."""
    if limits is None or resource is None:
        return parse_file(path, mapping, sheet=sheet, city=city, file_label=file_label, progress=progress)
    with parse_chunks(path, mapping, sheet=sheet, city=city, file_label=file_label, progress=progress,
                      limits=limits) as chunks:
        return merge_chunks(list(chunks))


@contextmanager
def parse_chunks(path: Path, mapping: Mapping, *, sheet: str | None, city: City, file_label: str,
                 progress: Progress, limits: ImportLimits | None, stream: bool = True,
                 staged: bool = False, name_test: NameTest | None = None
                 ) -> Iterator[Iterator[Validated | Staged]]:
    """The validated chunks of the file, one at a time (what the import writes from, so that memory follows
    the chunk): parsed by a limited worker (`limits`) or in this process (None); either way a CSV found
    irregular midway raises `read.Irregular` (start again with stream=False, which reads it whole). `staged`:
    the worker hands over `Staged` chunks (the valid rows typed for the store, never decoded here; what the
    import reads) as soon as each is written, so that the import writes chunk k while the worker validates
    chunk k + 1 (issue 14); else `Validated` ones (the preview's frames), once the worker has written them
    all. In this process the chunks are always `Validated`. `name_test`: the staged rows say what it says of each
    name (`stage_rows`)."""
    if limits is None or resource is None:
        yield iter_parse(path, mapping, sheet=sheet, city=city, file_label=file_label, progress=progress,
                         stream=stream)
        return
    tmp = private_folder("import")  # mode 0700: private to this user
    infos = _parse_in_worker(path, mapping, sheet=sheet, city=city, file_label=file_label, progress=progress,
                             limits=limits, tmp=tmp, staged=staged, stream=stream, name_test=name_test)
    try:
        yield ((_load_staged if staged else _load)(info, tmp) for info in infos)
    finally:
        infos.close()  # stops the worker if the import ended before it did (an error, a rollback)
        shutil.rmtree(tmp, ignore_errors=True)


# --------------------------------------------------------------------------------------------------------
# Private temporary folders, named by the process that owns them
# --------------------------------------------------------------------------------------------------------

_FOLDER = re.compile(r"^chanye-(?:stage|import)-(\d+)-")


def private_folder(kind: str) -> Path:
    """A new private folder (mode 0700) in the temporary directory, named chanye-<kind>-<pid>-...: an import
    killed outright (SIGKILL) cannot remove it, and the name tells the next import whose it was."""
    return Path(tempfile.mkdtemp(prefix=f"chanye-{kind}-{os.getpid()}-"))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: another user's live process
        return True
    return True


def sweep_stale(folder: str | Path | None = None) -> list[str]:
    """Remove the import folders (chanye-stage-<pid>-*, chanye-import-<pid>-*) in the temporary directory (or
    `folder`) whose process is gone, e.g. an import that was killed; the names removed. A live process's
    folders, another user's and names without a pid are left alone."""
    root = Path(folder or tempfile.gettempdir())
    removed = []
    try:
        entries = list(os.scandir(root))
    except OSError:
        return removed
    uid = os.getuid() if hasattr(os, "getuid") else None
    for entry in entries:
        m = _FOLDER.match(entry.name)
        if not m or int(m.group(1)) == os.getpid() or _alive(int(m.group(1))):
            continue
        try:
            if not entry.is_dir(follow_symlinks=False) or (uid is not None and entry.stat(follow_symlinks=False).st_uid != uid):
                continue
        except OSError:
            continue
        shutil.rmtree(entry.path, ignore_errors=True)
        removed.append(entry.name)
    return removed


# --------------------------------------------------------------------------------------------------------
# The parent's side
# --------------------------------------------------------------------------------------------------------

_CONTEXT: multiprocessing.context.BaseContext | None = None
_CONTEXT_LOCK = threading.Lock()


def context(preload: tuple[str, ...] = ()) -> multiprocessing.context.BaseContext:
    """The forkserver context with this module preloaded (each worker forks from a clean, single-threaded
    process that has pandas and the readers loaded already), or spawn where forkserver is missing; `preload`:
    more modules to load there (those of the functions the workers are given), if it is not started yet."""
    global _CONTEXT
    with _CONTEXT_LOCK:
        if _CONTEXT is None:
            if "forkserver" in multiprocessing.get_all_start_methods():
                ctx = multiprocessing.get_context("forkserver")
                ctx.set_forkserver_preload([__name__, "python_calamine", "chanye.registry.xlsx_guard", *preload])
            else:
                ctx = multiprocessing.get_context("spawn")
            _CONTEXT = ctx
        return _CONTEXT


def start_server(preload: tuple[str, ...] = ()) -> None:
    """Start the workers' server now, without waiting for it (forkserver: it loads its modules meanwhile, about
    half a second), so that an import's worker starts once the import has prepared (issue 14); `preload`: the
    modules of the functions its workers will be given. Nothing to do where the server runs already or the
    workers are spawned."""
    ctx = context(preload)
    if ctx.get_start_method() == "forkserver":
        from multiprocessing import forkserver

        forkserver.ensure_running()


def _module_of(fn: NameTest) -> str:
    return getattr(fn, "func", fn).__module__


def _cpu_seconds_of(pid: int) -> float | None:
    """CPU time (user + system) a live process has used, from /proc; None where it cannot be read."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def _parse_in_worker(path: Path, mapping: Mapping, *, sheet: str | None, city: City, file_label: str,
                     progress: Progress, limits: ImportLimits, tmp: Path, staged: bool = False,
                     stream: bool = True, name_test: NameTest | None = None) -> Iterator[dict]:
    """Run the worker; the manifests of the chunks it wrote to `tmp` (which the caller removes): with `staged`
    each as soon as it is written (the worker goes on meanwhile), else all once the worker is done. A staged
    CSV found irregular after its first chunks raises `read.Irregular` (the caller starts again with
    stream=False). Closing the generator stops the worker."""
    ctx = context(() if name_test is None else (_module_of(name_test),))
    receiver, sender = ctx.Pipe(duplex=False)
    env = {k: v for k, v in os.environ.items() if k.startswith("CHANYE_")}  # the forkserver's may be older
    worker = ctx.Process(target=_work, name="chanye-import", daemon=True,
                         args=(sender, str(path), mapping, sheet, city, file_label, str(tmp), limits, env, staged,
                               stream, name_test))
    result: dict | None = None
    stopped = False  # the parent stopped it at the wall-clock deadline
    cpu_used = 0.0
    handed = False  # a chunk went to the import: its stage is "writing" from then on
    try:
        worker.start()
        sender.close()
        deadline = time.monotonic() + _WALL_FACTOR * limits.cpu_seconds
        while result is None:
            if receiver.poll(0.2):
                try:
                    message = json.loads(receiver.recv_bytes(_MESSAGE_BYTES))
                except (EOFError, OSError):  # the worker is gone (or sent something over-long)
                    break
                if message.get("kind") == "progress":
                    if not handed:
                        progress(str(message["stage"]), float(message["fraction"]))
                elif message.get("kind") == "chunk":
                    handed = True
                    paused = time.monotonic()
                    yield message["info"]  # the import writes it meanwhile
                    # the wall clock limits the worker, not the import's writes (its CPU limit holds throughout)
                    deadline += time.monotonic() - paused
                elif message.get("kind") == "irregular":
                    raise Irregular(file_label)
                else:
                    result = message
            elif not worker.is_alive():
                break
            cpu_used = max(cpu_used, _cpu_seconds_of(worker.pid or 0) or 0.0)
            if time.monotonic() > deadline:
                stopped = True
                worker.kill()
                break
        worker.join(30)
        if result is not None and result.get("kind") == "done":
            yield from result["sheets"]
            return
        raise _failure(result, worker.exitcode, stopped, cpu_used, limits, file_label, tmp)
    finally:
        receiver.close()
        if worker.is_alive():
            worker.kill()
            worker.join(10)


def _failure(result: dict | None, exitcode: int | None, stopped: bool, cpu_used: float, limits: ImportLimits,
             file_label: str, tmp: Path) -> ChanyeError:
    """The error for a worker that did not finish: its own report, else what its exit status says."""
    kind = (result or {}).get("kind")
    if kind == "error":  # a bad file: the reader's or validator's own message
        cls = getattr(errors, str(result["class"]), None)
        if not (isinstance(cls, type) and issubclass(cls, ChanyeError)):
            cls = InputError
        return cls(str(result["message"]), hint=result.get("hint"))
    if kind == "limit":
        return limit_error(str(result["limit"]), limits, file_label)
    head = _log_head(tmp).partition("\n")[0]  # e.g. 'memory allocation of 249600000 bytes failed'
    if head:
        log.info("import worker for %s exited with %s: %s", file_label, exitcode, head)
    signals = {-signal.SIGXCPU: "cpu", -signal.SIGXFSZ: "temp", -signal.SIGABRT: "memory", -signal.SIGSEGV: "memory",
               -signal.SIGBUS: "memory"}
    if stopped or (exitcode == -signal.SIGKILL and cpu_used >= limits.cpu_seconds - 1):
        return limit_error("cpu", limits, file_label)
    if exitcode in signals:  # under RLIMIT_AS a failed allocation aborts native code (calamine) or segfaults
        return limit_error(signals[exitcode], limits, file_label)
    if exitcode == -signal.SIGKILL:  # the kernel's out-of-memory killer
        return limit_error("memory", limits, file_label)
    detail = f"{result['type']}: {result['message']}" if kind == "crash" else f"exit status {exitcode}"
    return ImportLimitExceeded(
        f"{file_label}: 解析文件的进程意外结束 ({detail})，导入已取消，未写入任何数据 "
        "(the process parsing the file failed; nothing was written)",
        hint="检查文件格式，或另存为 CSV 后再导入；问题持续请报告维护者 (check the file; report if it persists)",
    )


def _log_head(tmp: Path, chars: int = 400) -> str:
    """The start of what the worker wrote to stderr (a native reader's abort message comes first)."""
    try:
        with (tmp / "stderr.log").open("rb") as fh:
            return fh.read(chars).decode("utf-8", "replace").strip()
    except OSError:
        return ""


# --------------------------------------------------------------------------------------------------------
# The worker's side
# --------------------------------------------------------------------------------------------------------


def _vm_size() -> int:
    """Bytes of address space this process has mapped now (0 where /proc is missing)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def _set_limit(which: int, soft: int, hard: int | None = None) -> None:
    """Lower a limit to `soft` (and `hard`, default the same), never above a hard limit already set."""
    hard = soft if hard is None else hard
    _, ceiling = resource.getrlimit(which)
    if ceiling != resource.RLIM_INFINITY:
        soft, hard = min(soft, ceiling), min(hard, ceiling)
    try:
        resource.setrlimit(which, (soft, hard))
    except (ValueError, OSError) as exc:  # e.g. RLIMIT_AS on macOS: parse anyway, and say so in the log
        log.warning("import worker: cannot set resource limit %s: %s", which, exc)


def restrict(limits: ImportLimits) -> None:
    """Apply `limits` to this process (the worker, before it opens the file)."""
    try:  # glibc gives each thread a 64 MB heap reservation; two arenas keep the address space honest
        import ctypes

        ctypes.CDLL(None).mallopt(-8, 2)  # M_ARENA_MAX
    except (OSError, AttributeError):
        pass
    # One thread: OpenBLAS's own threads spin for a while after each call (the USCC checks' matrix products), and
    # on a two-core machine that spin took about a fifth of the core the importing process writes on (issue 14)
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
    _set_limit(resource.RLIMIT_CORE, 0)
    _set_limit(resource.RLIMIT_AS, _vm_size() + limits.max_memory)
    _set_limit(resource.RLIMIT_CPU, limits.cpu_seconds, limits.cpu_seconds + _CPU_GRACE)
    _set_limit(resource.RLIMIT_FSIZE, limits.temp_bytes)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an over-size write then fails with EFBIG, reported as such


def _work(conn, path: str, mapping: Mapping, sheet: str | None, city: City, file_label: str, tmp: str,
          limits: ImportLimits, env: dict[str, str], staged: bool = False, stream: bool = True,
          name_test: NameTest | None = None) -> None:
    """The worker's body: limit itself, parse, write the frames to `tmp`, report over `conn` (JSON only).
    `staged`: each chunk's manifest goes over as soon as it is written (and a CSV found irregular midway is
    reported as such: the parent, which may have written its first chunks already, starts again with
    stream=False); else all of them at the end."""
    os.environ.update(env)
    os.environ["TMPDIR"] = tmp
    tempfile.tempdir = tmp
    log_fd = os.open(os.path.join(tmp, "stderr.log"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(log_fd, 2)  # a native reader's abort message goes to the log, which the parent logs
    os.close(log_fd)

    def send(message: dict) -> None:
        conn.send_bytes(json.dumps(message, ensure_ascii=False).encode("utf-8"))

    restrict(limits)

    def progress(stage: str, fraction: float) -> None:
        send({"kind": "progress", "stage": stage, "fraction": fraction})

    def save_all(stream: bool) -> list[dict]:
        # each chunk goes to disk as soon as it is validated: the worker holds one chunk at a time
        saved, offset = [], 0
        for i, v in enumerate(iter_parse(Path(path), mapping, sheet=sheet, city=city, file_label=file_label,
                                         progress=progress, stream=stream)):
            if staged:
                send({"kind": "chunk", "info": _save_staged(v, Path(tmp), i, offset, name_test)})
            else:
                saved.append(_save(v, Path(tmp), i))
            offset += len(v.core)
        return saved

    try:
        try:
            saved = save_all(stream)
        except Irregular:
            if staged:  # chunks went over already: the parent starts again
                send({"kind": "irregular"})
                return
            for f in Path(tmp).glob("*.parquet"):
                f.unlink()
            saved = save_all(False)
        send({"kind": "done", "sheets": saved})
    except MemoryError:
        send({"kind": "limit", "limit": "memory"})
    except ChanyeError as exc:
        send({"kind": "error", "class": type(exc).__name__, "message": exc.message, "hint": exc.hint})
    except OSError as exc:
        if exc.errno == errno.EFBIG or "File too large" in str(exc):
            send({"kind": "limit", "limit": "temp"})
        else:
            send(_crash(exc, path, tmp))
    except Exception as exc:  # a reader failing in an unforeseen way: reported, never a traceback
        send(_crash(exc, path, tmp))
    finally:
        conn.close()


def _crash(exc: Exception, path: str, tmp: str) -> dict:
    """An unforeseen error as a short report without the server's folders in it."""
    text = str(exc).replace(str(Path(path).parent) + os.sep, "").replace(tmp + os.sep, "")
    return {"kind": "crash", "type": type(exc).__name__, "message": text[:300]}


# --------------------------------------------------------------------------------------------------------
# Frames through Parquet: exact dtypes, missing values and nested cells
# --------------------------------------------------------------------------------------------------------


def _encode(frame: pd.DataFrame, path: Path) -> dict:
    """Write `frame` to Parquet; object columns of text keep whether their blanks were None or NaN, other
    object columns (lists, dicts) go as JSON text. Returns what `_decode` needs."""
    kinds: dict[str, str] = {}
    out = {}
    for col in frame.columns:
        series = frame[col]
        kind = str(series.dtype)
        if series.dtype == object:
            missing = series.isna().to_numpy()
            is_none = np.equal(series.to_numpy()[missing], None)  # None or NaN, without a loop in Python
            blanks = set(np.unique(is_none).tolist())
            if pd.api.types.infer_dtype(series, skipna=True) in ("string", "empty") and len(blanks) <= 1:
                kind = "text:none" if blanks != {False} else "text:nan"
                series = series.astype(object).where(~missing, None)
            else:
                kind = "json"
                series = pd.Series([json.dumps(v, ensure_ascii=False) for v in series], index=series.index,
                                   dtype=object)
        kinds[str(col)] = kind
        out[str(col)] = series
    # a private file, read back once: compression would only cost time
    pd.DataFrame(out, index=frame.index).reset_index(drop=True).to_parquet(path, index=False, compression=None)
    return {"file": path.name, "kinds": kinds, "rows": len(frame)}


def _decode(info: dict, folder: Path) -> pd.DataFrame:
    frame = pd.read_parquet(folder / info["file"])
    for col, kind in info["kinds"].items():
        series = frame[col]
        if kind == "json":
            frame[col] = pd.Series([json.loads(v) for v in series], index=frame.index, dtype=object)
        elif kind.startswith("text:"):
            values = series.astype(object)
            frame[col] = values.where(series.notna(), None if kind == "text:none" else float("nan"))
        elif str(series.dtype) != kind:
            frame[col] = series.astype(kind)
    return frame[list(info["kinds"])] if info["kinds"] else pd.DataFrame(index=range(info["rows"]))


def _save(v: Validated, folder: Path, i: int) -> dict:
    return {"sheet": v.sheet, "blank_rows": v.blank_rows, "has_figures": bool(v.has_figures),
            "plans": [asdict(p) for p in v.plans],
            "core": _encode(v.core, folder / f"rows-{i}.parquet"),
            "tags": _encode(v.tags, folder / f"tags-{i}.parquet"),
            "warnings": _encode(v.warnings, folder / f"warnings-{i}.parquet"),
            "rejected": _encode(v.rejected, folder / f"rejected-{i}.parquet")}


def _load(info: dict, folder: Path) -> Validated:
    return Validated(sheet=info["sheet"], core=_decode(info["core"], folder),
                     rejected=_decode(info["rejected"], folder), plans=[ColumnPlan(**p) for p in info["plans"]],
                     blank_rows=int(info["blank_rows"]), has_figures=bool(info["has_figures"]),
                     tags=_decode(info["tags"], folder), warnings=_decode(info["warnings"], folder))


# --------------------------------------------------------------------------------------------------------
# The typed stage (issue 14): the valid rows as the store's types, written once where the import reads them
# --------------------------------------------------------------------------------------------------------


@dataclass
class Staged:
    """A validated chunk as the import writes it: the valid rows typed as the store's columns in a Parquet
    file (`rows_file`: `stage_rows`; the import's upserts read it as it is, no frame is rebuilt from it), the
    (uscc, tag) pairs likewise, the warnings as an Arrow table and the rejected rows as `Validated.rejected`;
    staged with a name test, its firms with a declared code as the import links them (`firms_file`: `coded_firms`)
    and their distinct keys (`keys_file`: `stage_keys`)."""

    sheet: str
    plans: list[ColumnPlan]
    blank_rows: int
    has_figures: bool
    loaded: int
    rejected: pd.DataFrame
    warnings: pa.Table  # sheet, row_number, uscc, field, message
    rows_file: Path | None = None
    tags_file: Path | None = None
    keys_file: Path | None = None
    firms_file: Path | None = None


# Private files read back once, in full: compression, dictionaries and statistics would only cost time
# (writing 1 M rows: 0.75 s of CPU with Arrow's defaults, 0.29 s without). Row groups of DuckDB's own size: it
# inserts a file's row groups in parallel (a chunk in one row group took a third longer to insert, issue 14).
_PRIVATE = {"compression": "none", "use_dictionary": False, "write_statistics": False, "row_group_size": 122_880}


def stage(v: Validated, folder: Path, k: int, offset: int, name_test: NameTest | None = None) -> Staged:
    """Write chunk `k`'s valid rows (numbered from `offset` in the file; with `name_hit` given `name_test`, and
    its coded firms and their keys) and tags to `folder`."""
    loaded = len(v.core)
    rows_file = tags_file = keys_file = firms_file = None
    if loaded:
        rows_file = folder / f"stage-rows-{k:06d}.parquet"
        rows = stage_rows(v, offset, name_test)
        pq.write_table(rows, rows_file, **_PRIVATE)
        if name_test is not None:
            firms = coded_firms(rows)
            firms_file, keys_file = folder / f"stage-firms-{k:06d}.parquet", folder / f"stage-keys-{k:06d}.parquet"
            # the texts dictionary-encoded: DuckDB joins on them as on its own files' (EXISTS 3x faster than plain)
            pq.write_table(firms, firms_file, **{**_PRIVATE, "use_dictionary": list(KEY_COLUMNS)})
            pq.write_table(stage_keys(firms), keys_file, **_PRIVATE)
        if len(v.tags):
            positions = v.tags["position"].to_numpy()
            tags_file = folder / f"stage-tags-{k:06d}.parquet"
            pq.write_table(pa.table({
                "uscc": pa.array(v.core["uscc"].to_numpy(dtype=object)[positions], pa.string()),
                "tag": pa.array(v.tags["tag"].to_numpy(dtype=object), pa.string())}), tags_file, **_PRIVATE)
    return Staged(v.sheet, v.plans, v.blank_rows, bool(v.has_figures), loaded, v.rejected, _warning_table(v),
                  rows_file, tags_file, keys_file, firms_file)


def _warning_table(v: Validated) -> pa.Table:
    w = v.warnings
    positions = w["position"].to_numpy().astype("int64")
    return pa.table({
        "sheet": pa.array([v.sheet] * len(w), pa.string()),
        "row_number": pa.array(v.core["row_number"].to_numpy("int64")[positions], pa.int64()),
        "uscc": pa.array(v.core["uscc"].to_numpy(dtype=object)[positions], pa.string()),
        "field": pa.array(w["field"].to_numpy(dtype=object), pa.string()),
        "message": pa.array(w["reason"].to_numpy(dtype=object), pa.string()),
    })


def stage_rows(v: Validated, offset: int, name_test: NameTest | None = None) -> pa.Table:
    """The valid rows of a chunk as an Arrow table of the store's types; `position` numbers the rows of the
    whole file from `offset` (the last of two rows for one firm wins). Given `name_test`, `name_hit` is what it
    says of each name (the import's: whether the name may hold a word that links, `services.imports.EarlyLinks`;
    computed here, in the worker, off the importing process)."""
    core = v.core
    n = len(core)
    columns: dict[str, pa.Array] = {"position": pa.array(np.arange(offset, offset + n, dtype="int64"))}
    for c in ENTERPRISE_COLUMNS:
        if c == "registered_capital":
            columns[c] = pa.array(pd.to_numeric(core[c], errors="coerce").to_numpy("float64", na_value=np.nan),
                                  pa.float64(), from_pandas=True)
        elif c == "founded":
            columns[c] = pa.array(pd.to_datetime(core[c]).to_numpy("datetime64[ns]"), pa.timestamp("ns"),
                                  from_pandas=True).cast(pa.date32())
        else:
            columns[c] = _text(core[c])
    years = pd.to_numeric(core["year"], errors="coerce").to_numpy("float64", na_value=np.nan)
    columns["year"] = pa.array(years, pa.float64(), from_pandas=True).cast(pa.int64())
    for m in MEASURES:
        columns[m] = pa.array(pd.to_numeric(core[m], errors="coerce").to_numpy("float64", na_value=np.nan),
                              pa.float64(), from_pandas=True)
    columns["has_figures"] = pa.array(np.full(n, bool(v.has_figures)))
    if name_test is not None:
        columns["name_hit"] = pa.array(np.asarray(name_test(columns["name"]), dtype=bool))
    return pa.table(columns)


KEY_COLUMNS = ("code", "link_code", "scope", "name_key")


def coded_firms(rows: pa.Table) -> pa.Table:
    """A chunk's staged rows (`stage_rows`, with name_hit) that have a declared code, as the import links them:
    pos (place in the file), uscc, code, link_code (the code chain linking reads: the same), scope ('' for none),
    name_key (the name where name_hit, else '') and labelled (false): what
    `registry.classifications.stage_new_coded` stages of a chunk whose firms all went in as they are, in a store
    without analysts' labels. Made here, in the worker, from the table in hand: the importing process, the busier
    of the two, spent about 0.07 s a 245,760-row chunk copying them out of the stage file (issue 14)."""
    coded = rows.filter(pc.is_valid(rows["industry_code"]))
    return pa.table({"pos": coded["position"], "uscc": coded["uscc"], "code": coded["industry_code"],
                     "link_code": coded["industry_code"], "scope": pc.fill_null(coded["business_scope"], ""),
                     "name_key": pc.if_else(pc.fill_null(coded["name_hit"], False), coded["name"], ""),
                     "labelled": pa.array(np.zeros(coded.num_rows, dtype=bool))})


def stage_keys(firms: pa.Table) -> pa.Table:
    """The distinct keys (code, scope, name_key) of a chunk's coded firms (`coded_firms`), in the order they first
    come: what the import links them on (`services.imports.EarlyLinks`), a superset of the keys of those it stages
    (some are labelled, or not the last row of their USCC)."""
    return firms.select(["code", "scope", "name_key"]).group_by(["code", "scope", "name_key"],
                                                                use_threads=False).aggregate([])


def _text(series: pd.Series) -> pa.Array:
    """A column of text (or missing) as an Arrow string array; whole floats as '3911', as str() of the
    value otherwise (what the store made of such cells before)."""
    if isinstance(series.dtype, (pd.StringDtype, pd.ArrowDtype)) and getattr(series.dtype, "storage", "pyarrow") == "pyarrow":
        arr = pa.array(series.array)  # already Arrow: no Python strings on the way
        return (arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr).cast(pa.string())
    try:
        return pa.array(series.to_numpy(dtype=object), pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        values = [None if v is None or (isinstance(v, float) and v != v) else str(v) for v in series]
        return pa.array(values, pa.string())


def _save_staged(v: Validated, folder: Path, i: int, offset: int, name_test: NameTest | None = None) -> dict:
    s = stage(v, folder, i, offset, name_test)
    pq.write_table(s.warnings, folder / f"warnings-{i}.parquet", **_PRIVATE)
    return {"sheet": v.sheet, "blank_rows": v.blank_rows, "has_figures": s.has_figures,
            "plans": [asdict(p) for p in v.plans], "loaded": s.loaded,
            "rows_file": s.rows_file.name if s.rows_file else None,
            "tags_file": s.tags_file.name if s.tags_file else None,
            "keys_file": s.keys_file.name if s.keys_file else None,
            "firms_file": s.firms_file.name if s.firms_file else None,
            "warnings": f"warnings-{i}.parquet", "rejected": _encode(v.rejected, folder / f"rejected-{i}.parquet")}


def _load_staged(info: dict, folder: Path) -> Staged:
    return Staged(sheet=info["sheet"], plans=[ColumnPlan(**p) for p in info["plans"]],
                  blank_rows=int(info["blank_rows"]), has_figures=bool(info["has_figures"]),
                  loaded=int(info["loaded"]), rejected=_decode(info["rejected"], folder),
                  warnings=pq.read_table(folder / info["warnings"]),
                  rows_file=folder / info["rows_file"] if info["rows_file"] else None,
                  tags_file=folder / info["tags_file"] if info["tags_file"] else None,
                  keys_file=folder / info["keys_file"] if info["keys_file"] else None,
                  firms_file=folder / info["firms_file"] if info["firms_file"] else None)
