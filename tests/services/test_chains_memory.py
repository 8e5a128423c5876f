"""Issue 14 item 2 (a server that stays small): the chains' cached inputs keep neither the yearly figures nor the
tags (the per-firm measures hold what the boards read), the firms without their business scopes once every
chain's links are stored, and the views are not kept beside the boards. Same results as computing from every
figure and tag, on the small demo."""

from __future__ import annotations

import pandas as pd
import pytest

from chanye.analytics import chains as ch
from chanye.registry import views
from chanye.registry.store import Store
from chanye.services import chains as svc
from chanye.services.platform import Platform


@pytest.fixture(scope="module")
def platform(demo_db) -> Platform:
    return Platform(demo_db)


def test_figures_between_reads_the_years_asked_for(demo_db) -> None:
    with Store(demo_db, read_only=True) as store:
        every = views.figures(store)
        some = views.figures_between(store, 2022, 2023, ("revenue", "rd_expense"))
        assert list(some.columns) == ["uscc", "year", "revenue", "rd_expense"]
        assert sorted(set(some["year"].tolist())) == [2022, 2023]
        assert len(some) == int(every["year"].isin([2022, 2023]).sum())
        assert views.figures_between(store, 0, -1).empty
        with pytest.raises(ValueError, match="unknown measures"):
            views.figures_between(store, 2022, 2023, ("profit",))
        firms = views.chain_firms(store, scopes=False)
        assert list(firms.columns) == ["uscc", "name", "city_code", "district_code", "industry_code"]
        assert len(firms) == len(views.chain_firms(store))


def test_inputs_keep_the_measures_not_the_figures(demo_db) -> None:
    with Store(demo_db, read_only=True) as store:
        framework = Platform(demo_db).framework
        inputs = svc.load_inputs(store, framework)
        assert inputs.year == 2024
        assert inputs.figures.empty and list(inputs.figures.columns) == ["uscc", "year", "revenue", "rd_expense"]
        assert inputs.tags.empty and list(inputs.tags.columns) == ["uscc", "tag"]
        assert "business_scope" not in inputs.firms.columns  # every chain's links are stored
        assert inputs.info.index is inputs.measures.index  # one USCC string per firm, shared
        assert list(inputs.info.columns) == ["name", "city_code", "district_code"]
        # the measures are those of every figure and tag
        full = ch.firm_measures(views.chain_firms(store), views.figures(store), views.tags(store), 2024)
        pd.testing.assert_frame_equal(inputs.measures, full)
        # and so is a chain's view: the same lists as from every figure and tag
        links = svc.read_chain_links(store, framework, "icv-nev", inputs)
        everything = svc.Inputs(views.chain_firms(store), views.figures(store), views.tags(store), inputs.synthetic,
                                2024, full, inputs.status)
        slim, whole = (svc.view(i, framework, "icv-nev", links=links) for i in (inputs, everything))
        for name in ("diagnosis", "leaders", "recruitment", "expansion"):
            pd.testing.assert_frame_equal(getattr(slim, name), getattr(whole, name))


def test_boards_are_kept_and_views_are_not(platform) -> None:
    board = platform.chain("icv-nev")
    assert platform.chain("icv-nev") is board  # cached
    kinds = {key[2] for key in platform._cache if len(key) > 2 and key[1] == "chains"}
    assert "board" in kinds and "view" not in kinds
    node_id = board.diagnosis.rows[0]["chain_node"]
    detail = platform.chain_node("icv-nev", node_id)
    # the same as from the whole view (its links, diagnosis and lists), as before views went uncached
    inputs = svc.inputs_of(platform)
    whole = svc.view(inputs, platform.framework, "icv-nev", links=svc.links_of(platform, "icv-nev"))
    expected = svc.node_detail(inputs, whole, board, node_id)
    assert detail == expected
    assert detail.total_firms > 0 and detail.firms.rows == expected.firms.rows


def test_a_nodes_and_a_firms_links_are_read_by_themselves(platform) -> None:
    every = svc.links_of(platform, "icv-nev")
    assert not any(key[1:3] == ("chains", "links") for key in platform._cache)  # stored links: not kept
    node_id = every["chain_node"].iloc[0]
    expected = every[every["chain_node"] == node_id].reset_index(drop=True)
    pd.testing.assert_frame_equal(svc.node_links(platform, "icv-nev", node_id), expected)
    uscc = every["uscc"].iloc[0]
    mine = svc.firm_links(platform, uscc)
    assert "icv-nev" in set(mine["chain"]) and set(mine["uscc"]) == {uscc}
    for chain in platform.framework.chains:  # chain by chain, the rows of that firm in links_of
        links = svc.links_of(platform, chain.id)
        pd.testing.assert_frame_equal(mine[mine["chain"] == chain.id].reset_index(drop=True),
                                      links[links["uscc"] == uscc].reset_index(drop=True))


def _dict_rows(frame: pd.DataFrame, place: str) -> list[dict]:
    """The list rows as dicts, as `services.chains._list_rows` built them before its compact rows (the reference)."""
    rows = []
    for r in frame.to_dict("records"):
        row = {
            "rank": int(r["rank"]), "name": r["name"], "uscc": r["uscc"], place: r[place],
            "chain_nodes": svc._list(r["chain_nodes"]), "node_statuses": svc._list(r["node_statuses"]),
            "score": svc._float(r["score"]), "revenue": svc._float(r["revenue_yi"]), "cagr": svc._pct(r["cagr"]),
            "cagr_years": int(r["cagr_years"]) if r["cagr_years"] else None, "tags": svc._list(r["tag_ids"]),
            "growth": svc._float(r["growth"]), "tag_score": svc._float(r["tags"]),
        }
        if place == "city_code":
            row.update(size=svc._float(r["size"]), connectivity=svc._float(r["connectivity"]),
                       linked_nodes=svc._list(r["linked_nodes"]), local_nodes=int(r["local_nodes"]))
        else:
            row.update(rd_intensity=svc._pct(r["rd_intensity"]), above_scale=bool(r["above_scale"]),
                       rd=svc._float(r["rd"]), scale=svc._float(r["scale"]), size=svc._float(r["size"]))
        rows.append(row)
    return rows


def test_list_rows_are_compact_and_read_like_the_dicts(platform) -> None:
    """Issue 14: the recruitment and expansion rows are `Row`s (one key dict per list, a tuple of values, equal
    id tuples shared), equal to the dicts they replace: same keys in the same order, same values and types."""
    board = platform.chain("icv-nev")
    inputs = svc.inputs_of(platform)
    whole = svc.view(inputs, platform.framework, "icv-nev", links=svc.links_of(platform, "icv-nev"))
    for t, frame, place in ((board.recruitment, whole.recruitment, "city_code"),
                            (board.expansion, whole.expansion, "district_code")):
        expected = _dict_rows(frame, place)
        assert len(t.rows) == len(expected) > 0
        assert all(type(r) is svc.Row for r in t.rows)
        for row, want in zip(t.rows, expected, strict=True):
            assert list(row) == list(want)
            assert [(k, type(v), v) for k, v in row.items()] == [(k, type(v), v) for k, v in want.items()]
            assert row == want and want == row
        assert t.frame().equals(pd.DataFrame(expected, columns=t.keys))
        # one tuple object per distinct list of ids
        distinct = {r["chain_nodes"] for r in t.rows}
        assert len({id(r["chain_nodes"]) for r in t.rows}) == len(distinct)


def test_row_is_a_read_only_mapping() -> None:
    row = svc.Row({"rank": 0, "name": 1, "tags": 2}, (3, "甲公司", ("srdi",)))
    assert row["name"] == "甲公司" and row.get("tags") == ("srdi",)
    assert row.get("uscc") is None and row.get("uscc", "-") == "-"
    assert "rank" in row and "uscc" not in row and len(row) == 3
    assert list(row) == ["rank", "name", "tags"] and list(row.values()) == [3, "甲公司", ("srdi",)]
    assert {**row, "city": "北京市"} == {"rank": 3, "name": "甲公司", "tags": ("srdi",), "city": "北京市"}
    assert dict(row) == {"rank": 3, "name": "甲公司", "tags": ("srdi",)} and row != {"rank": 3}
    assert repr(row) == "{'rank': 3, 'name': '甲公司', 'tags': ('srdi',)}"
    with pytest.raises(KeyError, match="uscc"):
        row["uscc"]
    with pytest.raises(TypeError, match="does not support item assignment"):
        row["rank"] = 4  # type: ignore[index]
