"""The scope reader on the items of SAMR's 2021 catalogue draft (issue 11): how many it reads, and whether its best
class lies in the 门类 the catalogue files the item under. A measure of reach on real catalogue wording, not of
accuracy: the draft gives each item its 门类 only, no 小类, and files some items apart from the standard (食用农产品初加工
under C, where GB/T 4754-2017 has 0514 in A).

    .venv/bin/python benchmarks/catalogue_draft.py --items business-scopes-official.ts
    .venv/bin/python benchmarks/catalogue_draft.py --items business-scopes-official.ts \
        --coded benchmarks/data/coded_catalogue_draft.csv --misses 40

The draft's item list is not in this repository (no licence says it may be): a public web app holds it as a
TypeScript array, `zangji-dao/pailifang`, path `src/app/dashboard/base/applications/[id]/data/
business-scopes-official.ts`, commit e320ce48072c4ca8a588bcd3572748e45a6b3f55 (1,550 items, from
《经营范围规范表述目录（征求意见稿）》, 2021-03-15). `--items` takes that file, or a CSV of it with the columns id,
name, categoryCode. The items of the SAMR evaluation sample (../shared/data/eval/scopes, by item code or by their
text with brackets left out) are dropped unread, so the figures never touch an evaluation row.

`--coded` adds the 小类 a coder gave each item (`benchmarks/data/coded_catalogue_draft.csv`: id, code, also; three
helper agents coded a third each, blind, from the item's wording and the standard's class list, as for
`coder_agreement.py`) and measures how often the reader's best class is the coder's, or one the coder also
defends; `--misses N` lists N items where it is neither. The draft is no evaluation file, so its misses may be read.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pandas as pd

from chanye.classify.reader import ScopeReader
from chanye.standards import gbt4754

REPO = Path(__file__).resolve().parent.parent
SAMR = REPO.parent / "shared" / "data" / "eval" / "scopes" / "samr_catalog_sample_56.csv"
_RX_ITEM = re.compile(r"\{\s*id:\s*'([^']+)',\s*name:\s*'([^']*)',\s*category:\s*'[^']*',\s*categoryCode:\s*'([A-T])'")
_RX_BRACKETS = re.compile(r"[（(][^）)]*[）)]?")


def load_items(path: Path) -> pd.DataFrame:
    """id, name, categoryCode of every item, once each (the draft lists one item twice); a name broken over lines
    in the source is joined."""
    if path.suffix == ".csv":
        items = pd.read_csv(path, dtype=str)[["id", "name", "categoryCode"]]
    else:
        text = path.read_text(encoding="utf-8")
        items = pd.DataFrame([(i, n.replace("\n", ""), c) for i, n, c in _RX_ITEM.findall(text.replace("\r", ""))],
                             columns=["id", "name", "categoryCode"])
    return items.drop_duplicates().reset_index(drop=True)


def without_evaluation_items(items: pd.DataFrame) -> pd.DataFrame:
    """The items that are not items of the SAMR evaluation sample (by code, or by text with brackets left out)."""
    sample = pd.read_csv(SAMR, usecols=["scopeCode", "standardItem"], dtype=str)
    texts = {_RX_BRACKETS.sub("", t).strip() for t in sample["standardItem"]}
    held = items["id"].isin(set(sample["scopeCode"])) | items["name"].map(
        lambda t: _RX_BRACKETS.sub("", t).strip() in texts)
    return items[~held].reset_index(drop=True)


def measure(items: pd.DataFrame) -> dict:
    """Decisions (accept / review / empty: no word read) and the share whose best class lies in the item's 门类."""
    std = gbt4754.load()
    frame = ScopeReader().frame(items["name"].tolist())
    section = frame["code"].map(lambda c: std.get(c).section if isinstance(c, str) else None)
    same = section.to_numpy() == items["categoryCode"].to_numpy()
    decisions = frame["decision"].value_counts().to_dict()
    out = {"items": len(items), **{d: decisions.get(d, 0) for d in ("accept", "review", "empty")},
           "section_agrees": round(float(same.mean()), 3)}
    for d in ("accept", "review", "empty"):
        mask = (frame["decision"] == d).to_numpy()
        out[f"section_agrees_{d}"] = round(float(same[mask].mean()), 3) if mask.any() else None
    return out


def against_coder(items: pd.DataFrame, coded: pd.DataFrame) -> tuple[dict, pd.DataFrame]:
    """The reader's best class against a coder's (`coded`: id, code, also), over the items both have, and the
    items where the best class is none the coder gave."""
    std = gbt4754.load()
    both = items.merge(coded, on="id")
    frame = ScopeReader().frame(both["name"].tolist())
    best = frame["code"].fillna("").to_numpy()
    defended = [{c, *filter(None, a.split(";"))} for c, a in zip(both["code"], both["also"], strict=True)]
    same = best == both["code"].to_numpy()
    within = pd.Series([b in d for b, d in zip(best, defended, strict=True)])
    division = pd.Series([b[:2] in {d[:2] for d in ds} for b, ds in zip(best, defended, strict=True)])
    accept = (frame["decision"] == "accept").to_numpy()
    figures = {"items": len(both), "class_same": round(float(same.mean()), 3),
               "class_defended": round(float(within.mean()), 3), "division_defended": round(float(division.mean()), 3),
               "accept": int(accept.sum()), "class_defended_accept": round(float(within[accept].mean()), 3)}
    misses = both.assign(read=best, read_name=[std.get(b).name if b else "" for b in best],
                         decision=frame["decision"].to_numpy(), coder_name=both["code"].map(lambda c: std.get(c).name))
    return figures, misses[~within.to_numpy()].reset_index(drop=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=Path, required=True, help="business-scopes-official.ts, or a CSV of it")
    parser.add_argument("--coded", type=Path, help="a coder's 小类 for the items (id, code, also)")
    parser.add_argument("--misses", type=int, default=0, help="list this many items the reader reads otherwise")
    args = parser.parse_args()
    items = load_items(args.items)
    kept = without_evaluation_items(items)
    print(f"catalogue draft: {len(items)} items, {len(items) - len(kept)} of them items of the SAMR evaluation "
          f"sample (dropped unread), {len(kept)} read")
    print(", ".join(f"{k}={v}" for k, v in measure(kept).items()))
    if args.coded:
        figures, misses = against_coder(kept, pd.read_csv(args.coded, dtype=str, keep_default_na=False))
        print("against the coder: " + ", ".join(f"{k}={v}" for k, v in figures.items()))
        for m in misses.head(args.misses).itertuples():
            print(f"  {m.id} {m.name}: read {m.read} {m.read_name} ({m.decision}), coder {m.code} {m.coder_name}"
                  + (f" (also {m.also})" if m.also else ""))


if __name__ == "__main__":
    main()
