"""Classification throughput (and, with --accuracy, text-model accuracy) side by side with named baselines.

    .venv/bin/python benchmarks/classify_bench.py                 # throughput, single thread
    .venv/bin/python benchmarks/classify_bench.py --accuracy      # + top-1/top-3 accuracy (trains 2 models)
    .venv/bin/python benchmarks/classify_bench.py --rows 200000 --texts 20000   # a quicker run

Throughput, one thread (BLAS/OpenMP pinned to 1):
- classify_by_rules on N synthetic firms against the shipped 12218 pack, next to the bare pandas merge of
  their codes onto the expanded concordance (the floor any code join pays);
- ScopeClassifier.predict on M synthetic scopes (jieba's per-item cache cleared first), next to the char
  TF-IDF transform alone (the model's own fitted vectorizer).

Accuracy (synthetic 示例数据 scopes from chanye.classify.synthetic_scope, never real registrations):
- A: same generator, seeds unseen in training, class name included;
- B: held-out phrasing: no class name, only 说明 fragments + noise, classes that have a 说明;
- C: cross-source: a model seeded WITHOUT the 说明 (names only) on the B texts: words it never saw;
- D: the default model refitted with 20,000 labelled synthetic rows (another seed), on the B texts.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from chanye.classify import text as text_mod  # noqa: E402
from chanye.classify.codes import classify_by_rules, concordance_frame, normalise_codes  # noqa: E402
from chanye.classify.synthetic_scope import scopes_for_codes  # noqa: E402
from chanye.framework import load_pack  # noqa: E402
from chanye.standards import gbt4754  # noqa: E402


def best_of(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def synthetic_firms(n: int, framework, rng: np.random.Generator) -> pd.DataFrame:
    """n firms: 50% codes the pack claims, 40% other 小类, 5% blank, 5% invalid; scopes carry the partial
    rules' keywords for the claimed codes (half the time, as the generator decides)."""
    conc, rules = concordance_frame(framework)
    claimed = conc["code"].unique()
    every = np.array([c.code for c in gbt4754.load().classes("class")])
    kind = rng.random(n)
    codes = np.where(kind < 0.5, rng.choice(claimed, n), rng.choice(every, n)).astype(object)
    codes[(kind >= 0.90) & (kind < 0.95)] = None
    codes[kind >= 0.95] = "9999"
    keywords: dict[str, list[str]] = {}
    for row in conc[conc["scope"] == "partial"].itertuples():
        keywords.setdefault(row.code, []).extend(rules[row.rule].keywords)
    # Scopes for 50,000 distinct firms, reused: the generator is not what is being measured.
    m = min(n, 50_000)
    gen_codes = [c if c not in (None, "9999") else "7212" for c in codes[:m]]
    scopes = np.array(scopes_for_codes(gen_codes, rng, keywords), dtype=object)
    return pd.DataFrame(
        {
            "uscc": [f"91440101MA{i:08d}" for i in range(n)],
            "industry_code": codes,
            "business_scope": scopes[np.arange(n) % m],
            "name": [f"广州示例{i % 997}有限公司" for i in range(n)],
        }
    )


def bench_rules(n: int, repeat: int) -> None:
    framework = load_pack()
    firms = synthetic_firms(n, framework, np.random.default_rng(0))
    conc, _ = concordance_frame(framework)

    def baseline() -> None:
        firms[["uscc", "industry_code"]].merge(conc, left_on="industry_code", right_on="code", how="inner")

    classify_by_rules(firms.head(1000), framework)  # warm caches (standard, regexes)
    t_base = best_of(baseline, repeat)
    links = classify_by_rules(firms, framework)
    t_rules = best_of(lambda: classify_by_rules(firms, framework), repeat)
    t_norm = best_of(lambda: normalise_codes(firms["industry_code"]), repeat)
    print(f"## classify_by_rules, {n:,} firms, pack {framework.id} ({len(conc)} node x 小类 claims)")
    print(f"{'what':44s} {'seconds':>8s} {'rows/s':>12s} {'ratio':>6s}")
    print(f"{'baseline: pandas merge on code alone':44s} {t_base:8.2f} {n / t_base:12,.0f} {1.0:6.2f}")
    print(
        f"{'normalise_codes (part of the rules)':44s} {t_norm:8.2f} {n / t_norm:12,.0f} {t_norm / t_base:6.2f}"
    )
    print(
        f"{'classify_by_rules (merge + keywords)':44s} {t_rules:8.2f} {n / t_rules:12,.0f} {t_rules / t_base:6.2f}"
    )
    counts = links["method"].value_counts().to_dict()
    print(f"links: {len(links):,} ({counts})\n")


def bench_text(m: int, repeat: int) -> None:
    start = time.perf_counter()
    model = text_mod.default_model()
    print(
        f"## ScopeClassifier, {m:,} scopes (default model loaded/fitted in {time.perf_counter() - start:.1f} s)"
    )
    every = [c.code for c in gbt4754.load().classes("class")]
    rng = np.random.default_rng(1)
    codes = list(rng.choice(every, m))
    texts = pd.Series(scopes_for_codes(codes, rng))
    char = model.vectorizer_.transformer_list[0][1]
    cleaned = text_mod.clean_scopes(texts).tolist()

    def predict() -> None:
        text_mod._item_words.cache_clear()
        model.predict(texts)

    t_base = best_of(lambda: char.transform(cleaned), repeat)
    t_pred = best_of(predict, repeat)
    t_topk = best_of(lambda: model.top_k(texts, 3), repeat)
    print(f"{'what':44s} {'seconds':>8s} {'rows/s':>12s} {'ratio':>6s}")
    print(f"{'baseline: char TF-IDF transform alone':44s} {t_base:8.2f} {m / t_base:12,.0f} {1.0:6.2f}")
    print(
        f"{'predict (clean + char + jieba + SVM)':44s} {t_pred:8.2f} {m / t_pred:12,.0f} {t_pred / t_base:6.2f}"
    )
    print(f"{'top_k(k=3) with probabilities':44s} {t_topk:8.2f} {m / t_topk:12,.0f} {t_topk / t_base:6.2f}")
    print(f"target: >= 5,000 rows/s on one core: {'met' if m / t_pred >= 5000 else 'NOT met'}\n")


def _score(model, codes: list[str], texts: list[str]) -> str:
    top, prob = model.top_k(texts, 3)
    truth = np.asarray(codes, dtype=object)
    hit1 = top[:, 0] == truth
    sure = prob[:, 0] >= 0.5
    return (
        f"top1 {hit1.mean():.3f}  top3 {(top == truth[:, None]).any(axis=1).mean():.3f}  "
        f"p>=0.5 on {sure.mean():.0%} of rows, top1 there {hit1[sure].mean():.3f}"
    )


def bench_accuracy(n: int) -> None:
    std = gbt4754.load()
    every = [c.code for c in std.classes("class")]
    noted = [c.code for c in std.classes("class") if c.note]
    model = text_mod.default_model()
    rng = np.random.default_rng(2025)
    a_codes = list(rng.choice(every, n))
    a_texts = scopes_for_codes(a_codes, rng)
    b_codes = list(rng.choice(noted, n))
    b_texts = scopes_for_codes(b_codes, rng, use_name=False)
    print(f"## accuracy, {n:,} synthetic scopes per set, {len(every)} classes")
    print(f"A same generator, unseen seed, with name        : {_score(model, a_codes, a_texts)}")
    print(f"B held-out phrasing (说明 fragments + noise)     : {_score(model, b_codes, b_texts)}")

    seeds = text_mod.seed_documents()
    names_only = pd.DataFrame(
        {
            "text": [c.name for c in std.classes("class")]
            + [std.get(c.parent).name + c.name for c in std.classes("class")],
            "code": every * 2,
        }
    )
    cold = text_mod.ScopeClassifier().fit(names_only["text"], names_only["code"])
    print(f"C names-only model on B (no 说明 in training)    : {_score(cold, b_codes, b_texts)}")

    lrng = np.random.default_rng(77)
    l_codes = list(lrng.choice(every, 20_000))
    labelled = pd.DataFrame({"business_scope": scopes_for_codes(l_codes, lrng), "industry_code": l_codes})
    data = pd.concat([seeds, labelled.rename(columns={"business_scope": "text", "industry_code": "code"})])
    warm = text_mod.ScopeClassifier().fit(data["text"], data["code"])
    print(f"D + 20,000 labelled synthetic rows, on B          : {_score(warm, b_codes, b_texts)}\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="firms for classify_by_rules")
    parser.add_argument("--texts", type=int, default=100_000, help="scopes for ScopeClassifier.predict")
    parser.add_argument("--repeat", type=int, default=2, help="best of this many runs")
    parser.add_argument("--accuracy", action="store_true", help="also measure accuracy (trains two models)")
    parser.add_argument("--accuracy-rows", type=int, default=10_000)
    args = parser.parse_args()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"one thread; {os.cpu_count()} CPUs, load average {load} (other work slows every row alike)\n")
    bench_rules(args.rows, args.repeat)
    bench_text(args.texts, args.repeat)
    if args.accuracy:
        bench_accuracy(args.accuracy_rows)


if __name__ == "__main__":
    main()
