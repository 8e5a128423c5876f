"""How far a careful coder gets on the evaluation files' own yardsticks (issue 11): the ceiling the BDCI and SAMR
targets sit under, and how often the scope reader reads a scope as such a coder does.

    .venv/bin/python benchmarks/coder_agreement.py

BDCI's `industryco` is the code a registry declared for the firm, not an annotation of its scope text; SAMR's
named codes are the catalogue's links. To tell how much of the reader's gap to them is reading and how much is
the yardstick, independent coders coded the same texts blind (`benchmarks/data/coded_bdci_100.csv`,
`coded_samr_56.csv`: id, coder, code, also). Each coder was a helper agent given one evaluation file's text
column only (BDCI's 经营范围, SAMR's item wording; no declared or named code, no reader, no vocabulary, no search)
and the standard's class list with its 说明, and wrote for every row the 小类 it would declare and up to three
(SAMR: six) others it would also defend. Neither the codes nor these figures feed the reader: they measure the
yardstick, as the evaluation rows measure the reader. Only aggregates are printed; no row is shown.
"""

from __future__ import annotations

import argparse
from itertools import combinations
from pathlib import Path

import pandas as pd

from chanye.classify import reader

REPO = Path(__file__).resolve().parent.parent
EVAL = REPO.parent / "shared" / "data" / "eval" / "scopes"
CODED = REPO / "benchmarks" / "data"


def load_coded(path: Path) -> pd.DataFrame:
    """One column of codes per coder and one of the codes it also defends (a set), indexed by row id."""
    coded = pd.read_csv(path, dtype=str, keep_default_na=False)
    wide = coded.pivot(index="id", columns="coder", values="code")
    also = coded.assign(also=[{c, *filter(None, a.split(";"))} for c, a in zip(coded["code"], coded["also"],
                                                                                strict=True)])
    return wide.join(also.pivot(index="id", columns="coder", values="also").add_suffix("+"))


def majority(codes: pd.DataFrame, digits: int) -> pd.Series:
    """The prefix (大类: 2 digits) most coders chose, per row; "" where no prefix has a majority."""
    prefixes = codes.apply(lambda col: col.str[:digits])
    top = prefixes.apply(lambda row: row.value_counts(), axis=1).fillna(0)
    best = top.idxmax(axis=1)
    return best.where(top.max(axis=1) > len(codes.columns) / 2, "")


def agreement(coded: pd.DataFrame, gold: pd.Series, best: pd.Series, suggested: pd.Series) -> dict:
    """Shares of rows, by 大类 (two digits) and 小类, between each coder, the coders' majority, the reader's best
    class and the gold code; `gold`, `best` and `suggested` (the set of the reader's suggestions) are indexed like
    `coded`."""
    coders = [c for c in coded.columns if not c.endswith("+")]
    out: dict[str, float | int] = {"rows": len(coded)}
    for c in coders:
        out[f"{c}_division"] = (coded[c].str[:2] == gold.str[:2]).mean()
        out[f"{c}_class"] = (coded[c] == gold).mean()
        out[f"{c}_class_defended"] = pd.Series([g in s for g, s in zip(gold, coded[c + "+"], strict=True)]).mean()
        out[f"{c}_division_defended"] = pd.Series([g[:2] in {d[:2] for d in s}
                                                   for g, s in zip(gold, coded[c + "+"], strict=True)]).mean()
        out[f"reader_vs_{c}_division"] = (best.str[:2] == coded[c].str[:2]).mean()
    for a, b in combinations(coders, 2):
        out[f"{a}_vs_{b}_division"] = (coded[a].str[:2] == coded[b].str[:2]).mean()
    major = majority(coded[coders], 2)
    out["majority_division"] = (major == gold.str[:2]).mean()
    out["reader_division"] = (best.str[:2] == gold.str[:2]).mean()
    out["reader_class"] = (best == gold).mean()
    out["reader_suggested_division"] = pd.Series([g[:2] in {c[:2] for c in s}
                                                  for g, s in zip(gold, suggested, strict=True)]).mean()
    out["reader_vs_majority_division"] = ((best.str[:2] == major) & (major != "")).mean()
    against = (major != "") & (major != gold.str[:2])
    out["coders_agree_against_gold"] = int(against.sum())
    out["reader_with_coders_there"] = int((best.str[:2] == major)[against].sum())
    return out


def any_named(coded: pd.DataFrame, named: pd.Series, best: pd.Series, suggested: pd.Series) -> dict:
    """SAMR's measure: the share of items whose chosen class is one the catalogue names, for each coder (and with
    the classes the coder also defends) and for the reader (and with its other suggestions); `named` and
    `suggested` hold a set per row."""
    coders = [c for c in coded.columns if not c.endswith("+")]
    out: dict[str, float | int] = {"rows": len(coded)}
    for c in coders:
        out[f"{c}_any_named"] = pd.Series([k in n for k, n in zip(coded[c], named, strict=True)]).mean()
        out[f"{c}_defended_any_named"] = pd.Series([bool(s & n) for s, n in zip(coded[c + "+"], named,
                                                                                 strict=True)]).mean()
    for a, b in combinations(coders, 2):
        out[f"{a}_vs_{b}_class"] = (coded[a] == coded[b]).mean()
    out["reader_any_named"] = pd.Series([b in n for b, n in zip(best, named, strict=True)]).mean()
    out["reader_suggested_any_named"] = pd.Series([bool(s & n) for s, n in zip(suggested, named,
                                                                               strict=True)]).mean()
    return out


def read(texts: pd.Series) -> tuple[pd.Series, pd.Series]:
    """The reader's best class ("" where it suggests none) and the set of its suggestions, per text."""
    readings = [reader.read_scope(t) for t in texts]
    best = [r.suggestions[0]["code"] if r.suggestions else "" for r in readings]
    suggested = [{s["code"] for s in r.suggestions} for r in readings]
    return pd.Series(best, index=texts.index, dtype=object), pd.Series(suggested, index=texts.index, dtype=object)


def _print(title: str, figures: dict) -> None:
    print(title)
    for key, value in figures.items():
        print(f"  {key:32} {value:.3f}" if isinstance(value, float) else f"  {key:32} {value}")


def main() -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    bdci = pd.read_csv(EVAL / "bdci_100.csv").set_index("id")
    coded = load_coded(CODED / "coded_bdci_100.csv").loc[bdci.index]
    gold = bdci["industryco"].astype(int).astype(str).str.zfill(4)
    _print("BDCI 100 (declared code; shares of the 100 rows, counts where named)", agreement(coded, gold, *read(bdci["opscope"])))
    samr = pd.read_csv(EVAL / "samr_catalog_sample_56.csv", dtype=str).set_index("scopeCode")
    coded = load_coded(CODED / "coded_samr_56.csv").loc[samr.index]
    named = samr["gb_codes_4digit"].map(lambda c: set(c.split(";")))
    _print("SAMR 56 (codes the catalogue names; shares of the 56 items)", any_named(coded, named, *read(samr["standardItem"])))


if __name__ == "__main__":
    main()
