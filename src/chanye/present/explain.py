"""The scope reader in words (issue 11): one scope's reading as terminal lines (`chanye classify --text`: the
items with their weights, the candidate classes with evidence, the decision against the threshold and the nodes
that follow), and how it did on a registry's own coded firms (`reader_check_lines`, after an import or
`chanye review run`).

The candidates' figure is their score share (`Reading.suggestions[*]["probability"]`), the decision's the
calibrated probability of the best class: two different numbers, so each is named for what it is."""

from __future__ import annotations

from chanye.present import labels


def _item_line(n: int, item: dict, lang: str) -> str:
    parts = [str(labels.code("scope_section", item["section"], lang)), str(labels.code("scope_verb", item["verb"], lang)),
             f"{item['weight']:.2f}"] + ([labels.word("explain_stock", lang)] if item["generic"] else [])
    if lang == "en":
        return f"  {n}. {item['text']} ({', '.join(parts)})"
    return f"  {n}. {item['text']}（{'，'.join(parts)}）"


def _decision(result: dict, lang: str) -> str:
    # three places: 0.4969 must not read as the threshold it falls short of
    numbers = {"p": f"{result['probability']:.3f}", "threshold": f"{result['threshold']:g}"}
    if result.get("code"):
        return labels.word("explain_code", lang).format(code=result["code"])
    curve = "" if not result.get("curve_rows") else labels.word("explain_own_curve", lang).format(
        rows=f"{result['curve_rows']:,}")
    if result["decision"] == "accept":
        return labels.word("explain_accept", lang).format(codes="、".join(result["accepted"]), **numbers) + curve
    if result["decision"] == "review":
        return labels.word("explain_review", lang).format(**numbers) + curve
    return labels.word("explain_nearest" if result["classes"] else "explain_empty", lang)


def explain_lines(result: dict, lang: str = "zh") -> list[str]:
    """`classify.explain.explain_text`'s result as lines of text (no markup)."""
    lines = [labels.word("explain_scope", lang).format(scope=result["clean_scope"]), labels.word("explain_items", lang)]
    lines += [_item_line(n, item, lang) for n, item in enumerate(result["items"], start=1)]
    nearest = any("similarity" in c for c in result["classes"])
    lines.append(labels.word("explain_classes_nearest" if nearest else "explain_classes", lang))
    if not result["classes"]:
        lines.append("  " + labels.word("explain_no_class", lang))
    for n, c in enumerate(result["classes"], start=1):
        figure = (f"{labels.word('explain_similarity', lang)} {c['similarity']:.2f}" if "similarity" in c
                  else f"{c['score']:.2f}")
        lines += [f"  {n}. {c['code']} {c['name']}  {figure}", f"     {c['evidence']}"]
    lines += [_decision(result, lang), labels.word("explain_nodes", lang)]
    if not result["links"]:
        lines.append("  " + labels.word("no_node", lang))
    for link in result["links"]:
        name = link["node_name"]["en" if lang == "en" else "zh"]
        lines.append(f"  -> {link['node']} {name}  [{labels.code('method', link['method'], lang)}] "
                     f"{labels.word('confidence', lang)} {link['confidence']:.2f}  {link['evidence']}")
    return lines


def _share(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def reader_check_lines(check: dict, lang: str = "zh") -> list[str]:
    """`classify.learned.OwnCurve.check()` in two sentences: how the reader did, how the curve changed."""
    shares = {k: _share(v) for k, v in check.items() if k != "rows"}
    return [labels.word("reader_check", lang).format(rows=f"{check['rows']:,}", division=shares["division_right"],
                                                     **shares),
            labels.word("reader_recalibrated", lang).format(**shares)]
