"""τ-ARGUS as the reference implementation of disclosure control (issue 17), through PyPI `pytauargus` (a test-only
dependency): its native engine (the τ-ARGUS libraries with the HiGHS solver) runs on Linux without the Windows
τ-ARGUS program. Two uses:

- `tau_protect`: τ-ARGUS's own primary (``FREQ(3,10)|NK(1,85)|NK(2,90)``) and secondary (``OPT``) suppression of
  a node x district table built from per-firm contributions; statuses per (row, col) with ``total`` margins;
- `tau_audit`: τ-ARGUS's audit (its port of ``intervalle.exe``) of a pattern we give it: our complementary cells
  are marked secondary through an APRIORI file (``ML``), nothing is suppressed by τ-ARGUS itself, and the audit
  reports each suppressed cell's feasible interval and whether it is unsafe.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import pandas as pd

RULES = "FREQ(3,10)|NK(1,85)|NK(2,90)"  # the defaults of chanye.analytics.disclosure.DisclosureRules
TOTAL = "total"


def _key(value: object) -> str:
    """A code as τ-ARGUS writes it back (padded to the variable's width in its fixed-width files) -> ours."""
    text = str(value).strip()
    return TOTAL if text == "Total" else text


def tau_protect(micro: pd.DataFrame, workdir: Path, *, holding: str | None = None) -> tuple[dict, list[dict]]:
    """τ-ARGUS primary + OPT secondary suppression of `micro` (row, col, value per contribution): returns
    {(row, col): status letter} (U primary, M secondary, S safe, E empty, ...) and τ-ARGUS's audit of it."""
    from pytauargus import protect

    Path(workdir).mkdir(parents=True, exist_ok=True)
    with contextlib.chdir(workdir):  # its solver writes logs (CSPlogfile.txt, cspSCIP.*) into the current folder
        res = protect(micro, ["row", "col"], response="value", safety_rules=RULES, suppress="OPT(1)",
                      holding_var=holding, workdir=str(workdir))
        audit = res.engine.audit(0)
    tab = res.tables[0].dataframe()
    status = {(_key(r), _key(c)): s for r, c, s in zip(tab["row"], tab["col"], tab["status"], strict=True)}
    return status, _named(audit, tab)


def tau_audit(micro: pd.DataFrame, secondary: list[tuple[str, str]], workdir: Path, *,
              holding: str | None = None) -> tuple[dict, list[dict]]:
    """τ-ARGUS's audit of τ-ARGUS's primary cells plus our `secondary` cells (marked through APRIORI)."""
    from pytauargus import protect
    from pytauargus.engine import run_batch
    from pytauargus.result import TableResult

    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    res = protect(micro, ["row", "col"], response="value", safety_rules=RULES, suppress="OPT(1)",
                  holding_var=holding, workdir=str(workdir), run=False)
    hst = workdir / "ours.hst"
    hst.write_text("".join(f"{'Total' if r == TOTAL else r},{'Total' if c == TOTAL else c},ML\n"
                           for r, c in secondary), encoding="utf-8")
    out = workdir / "ours.tab"
    lines = [line.replace(res.files["tab1"], str(out))
             for line in Path(res.files["arb"]).read_text(encoding="utf-8").splitlines()
             if not line.startswith("<SUPPRESS>")]
    at = next(i for i, line in enumerate(lines) if line.startswith("<READMICRODATA>"))
    lines.insert(at + 1, f'<APRIORI> "{hst}",1,","')
    arb = workdir / "ours.arb"
    arb.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with contextlib.chdir(workdir):
        engine = run_batch(arb)
        audit = engine.audit(0)
    tab = TableResult(path=str(out), exp_vars=["row", "col"], response="value", is_freq=False).dataframe()
    status = {(_key(r), _key(c)): s for r, c, s in zip(tab["row"], tab["col"], tab["status"], strict=True)}
    return status, _named(audit, tab)


def _named(rows: list[dict], tab: pd.DataFrame) -> list[dict]:
    """Audit rows with the (row, col) of their cell (τ-ARGUS numbers cells in the order of its table)."""
    out = []
    for r in rows:
        cell = tab.iloc[r["cell"]]
        assert float(cell["value"]) == r["value"]  # the numbering is the table's order
        out.append({**r, "row": _key(cell["row"]), "col": _key(cell["col"])})
    return out
