"""The scope reader on the items of SAMR's 2021 catalogue draft (issue 11): how many it reads, and whether its best
class lies in the 门类 the catalogue files the item under. A measure of reach on real catalogue wording, not of
accuracy: the draft gives each item its 门类 only, no 小类, and files some items apart from the standard (食用农产品初加工
under C, where GB/T 4754-2017 has 0514 in A).

    .venv/bin/python benchmarks/catalogue_draft.py --items business-scopes-official.ts

The draft's item list is not in this repository (no licence says it may be): a public web app holds it as a
TypeScript array, `zangji-dao/pailifang`, path `src/app/dashboard/base/applications/[id]/data/
business-scopes-official.ts`, commit e320ce48072c4ca8a588bcd3572748e45a6b3f55 (1,550 items, from
《经营范围规范表述目录（征求意见稿）》, 2021-03-15). `--items` takes that file, or a CSV of it with the columns id,
name, categoryCode. The items of the SAMR evaluation sample (../shared/data/eval/scopes, by item code or by their
text with brackets left out) are dropped unread, so the figures never touch an evaluation row.
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=Path, required=True, help="business-scopes-official.ts, or a CSV of it")
    args = parser.parse_args()
    items = load_items(args.items)
    kept = without_evaluation_items(items)
    print(f"catalogue draft: {len(items)} items, {len(items) - len(kept)} of them items of the SAMR evaluation "
          f"sample (dropped unread), {len(kept)} read")
    print(", ".join(f"{k}={v}" for k, v in measure(kept).items()))


if __name__ == "__main__":
    main()
