"""The speed-ups of analytics/chains.py keep the results: shared `firm_measures`, one `diagnose` call for
several chains, the per-template prefilter, and input with a USCC on several rows. Same hand-made chain and
20-firm registry as test_chains.py."""

from __future__ import annotations

import pandas as pd
import pytest

from chanye.analytics import chains as ac
from chanye.classify import chains as cc
from chanye.framework.chains import ChainTemplate

from .test_chains import CITY, chain, figures, firms, tags  # noqa: F401 (fixtures)


@pytest.fixture(scope="module")
def links(firms, chain) -> pd.DataFrame:  # noqa: F811
    return cc.link_enterprises(firms, chain)


def test_shared_measures_give_the_same_results(links, firms, figures, tags, chain) -> None:  # noqa: F811
    measures = ac.firm_measures(firms, figures, tags)
    assert measures.index.dtype == object and list(measures.index) == list(firms["uscc"])
    assert measures.loc["G4", "revenue"] == 30000 and bool(measures.loc["G4", "srdi"])
    args = (links, firms, figures, tags, chain)
    d = ac.diagnose(*args, CITY)
    pd.testing.assert_frame_equal(ac.diagnose(*args, CITY, measures=measures), d)
    pd.testing.assert_frame_equal(
        ac.leaders(links, firms, figures, chain, CITY, measures=measures), ac.leaders(links, firms, figures, chain, CITY)
    )
    pd.testing.assert_frame_equal(
        ac.recruitment_list(*args, d, CITY, measures=measures), ac.recruitment_list(*args, d, CITY)
    )
    pd.testing.assert_frame_equal(
        ac.expansion_list(*args, d, CITY, measures=measures), ac.expansion_list(*args, d, CITY)
    )


def test_measures_missing_a_firm_fill_it_with_nothing(firms, figures, tags) -> None:  # noqa: F811
    measures = ac.firm_measures(firms[firms["uscc"] != "G4"], figures, tags)
    filled = ac._measures(firms, figures, tags, 2023, measures=measures)
    assert (
        filled.loc["G4", "revenue"] == 0
        and not filled.loc["G4", "srdi"]
        and filled.loc["G4", "cagr_years"] == 0
    )


def test_one_diagnose_call_for_several_chains(links, firms, figures, tags, chain) -> None:  # noqa: F811
    other = ChainTemplate.model_validate({**chain.model_dump(), "id": "tiny-ev-2"})
    both = pd.concat([links, links.assign(chain="tiny-ev-2")], ignore_index=True)
    one = ac.diagnose(links, firms, figures, tags, chain, CITY)
    many = ac.diagnose(both, firms, figures, tags, [chain, other], CITY)
    assert list(many["chain"]) == ["tiny-ev"] * len(chain.nodes) + ["tiny-ev-2"] * len(chain.nodes)
    pd.testing.assert_frame_equal(many.iloc[: len(one)].reset_index(drop=True), one)
    pd.testing.assert_frame_equal(
        many.iloc[len(one) :].drop(columns="chain").reset_index(drop=True), one.drop(columns="chain")
    )


def test_firms_far_from_the_chain_are_cut_before_the_rules(firms, chain) -> None:  # noqa: F811
    prepared = cc._Prepared.of(firms)
    keep = cc._candidates(prepared, [chain])
    cut = set(firms.loc[~keep.to_numpy(), "uscc"])
    assert {"G9", "S4", "H4", "U3"} <= cut  # 投资管理 under 7212: no code, no word of the chain
    linked = set(cc.link_enterprises(firms, chain)["uscc"])
    assert not (linked & cut)
    assert "G7" in linked  # keyword only (自动驾驶), code 6513: kept by the word pass


def test_a_uscc_on_two_rows_keeps_its_first_link_per_node(firms, chain) -> None:  # noqa: F811
    doubled = pd.concat([firms, firms[firms["uscc"] == "G4"]], ignore_index=True)
    links = cc.link_enterprises(doubled, chain)
    assert not links.duplicated(["uscc", "chain", "chain_node"]).any()
    pd.testing.assert_frame_equal(links, cc.link_enterprises(firms, chain))


def test_several_templates_at_once_equal_one_at_a_time(firms, chain) -> None:  # noqa: F811
    other = ChainTemplate.model_validate({**chain.model_dump(), "id": "tiny-ev-2"})
    together = cc.link_enterprises(firms, [chain, other])
    first = cc.link_enterprises(firms, chain)
    second = cc.link_enterprises(firms, other)
    pd.testing.assert_frame_equal(together, pd.concat([first, second], ignore_index=True))
