"""`chanye.analytics.complexity` against the Growth Lab's Stata ground truth, hand-computed cases and errors.

The ground truth is py-ecomplexity's fixture set (Stata `ecomplexity` / `genproximity` output on 10 countries x
30 HS92 products x 2 years), copied under tests/fixtures/peer/py-ecomplexity by tools/curate_peer_fixtures.py.

Tolerances: every computed float column must satisfy |ours - stata| <= 1e-11 * max(1, |stata|) (absolute for
values up to 1 in magnitude, relative above, e.g. RCA); integers (M, diversity, ubiquity) must be equal; NaN
exactly where Stata left a blank. The observed worst error is about 2e-14 (the eigenvector), so 1e-11 is strict
yet leaves room for a different BLAS. `export_val` and `population` are inputs Stata stored as float32 and
exported with about 8 significant digits; they are compared at 1e-7 relative.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from chanye.analytics.complexity import (
    _knn_threshold,
    complexity,
    complexity_eigenvectors,
    complexity_outlook_gain,
    complexity_outlook_index,
    compute_year,
    density,
    diversity,
    eci_pci,
    fitness_complexity,
    presence,
    proximity_continuous,
    proximity_discrete,
    proximity_frame,
    rca,
    reflections,
    rpop,
    standardise,
    ubiquity,
)
from chanye.errors import InputError
from chanye.present.complexity import note_text

FIX = Path(__file__).parents[1] / "fixtures" / "peer" / "py-ecomplexity"
KEYS = ["year", "origin", "hs92"]
TOL = 1e-11
INT_COLUMNS = {"M", "binary_presence", "diversity", "ubiquity"}
FLOAT32_INPUTS = {"export_val", "population"}
COLS = {"location": "origin", "activity": "hs92", "value": "export_val", "year": "year"}


def _float32(series: pd.Series) -> pd.Series:
    """Round like Stata's float storage of the imported CSV."""
    return series.astype(np.float32).astype(np.float64)


@pytest.fixture(scope="module")
def trade() -> pd.DataFrame:
    df = pd.read_csv(FIX / "trade_data_sample.csv")
    return df.assign(export_val=_float32(df["export_val"]))


@pytest.fixture(scope="module")
def population() -> pd.DataFrame:
    df = pd.read_csv(FIX / "population_data_sample.csv")
    return df.assign(population=_float32(df["population"]))


@pytest.fixture(scope="module")
def manual(trade: pd.DataFrame) -> pd.DataFrame:
    mcp = pd.read_csv(FIX / "manual_mcp_sample.csv")
    return trade.merge(mcp, on=KEYS, validate="1:1")


def stata(name: str) -> pd.DataFrame:
    return pd.read_csv(FIX / name)


def assert_frame_matches(ours: pd.DataFrame, truth: pd.DataFrame, skip: tuple[str, ...] = ()) -> None:
    """Same rows in the same order (Stata sorts by year, origin, product), every column within tolerance."""
    assert len(ours) == len(truth)
    for key in KEYS:
        assert ours[key].tolist() == truth[key].tolist(), key
    for col in truth.columns:
        if col in KEYS or col in skip:
            continue
        expected = truth[col].to_numpy(dtype=float)
        got = ours["M" if col == "binary_presence" else col].to_numpy(dtype=float)
        assert np.array_equal(np.isnan(got), np.isnan(expected)), f"{col}: NaN pattern differs"
        ok = ~np.isnan(expected)
        diff = np.abs(got[ok] - expected[ok])
        if col in INT_COLUMNS:
            assert diff.max(initial=0) == 0, col
        elif col in FLOAT32_INPUTS:
            assert (diff <= 1e-7 * np.abs(expected[ok])).all(), col
        else:
            worst = (diff / np.maximum(1.0, np.abs(expected[ok]))).max(initial=0)
            assert worst <= TOL, f"{col}: worst scaled error {worst:.2e}"


# --- Stata ground truth ------------------------------------------------------------------------------------

# file -> options; population=True means "pass the population fixture".
CASES: dict[str, dict] = {
    "stata_ground_truth.csv": {},
    "stata_rca_05.csv": {"rca_threshold": 0.5},
    "stata_rca_2.csv": {"rca_threshold": 2.0},
    "stata_rpop_default.csv": {"presence": "rpop", "population": True},
    "stata_rpop_2.csv": {"presence": "rpop", "population": True, "rpop_threshold": 2.0},
    "stata_discrete_asymmetric.csv": {"proximity": "asymmetric"},
    "stata_continuous.csv": {"proximity": "continuous"},
    "stata_continuous_rpop.csv": {"presence": "rpop", "population": True, "proximity": "continuous"},
    "stata_knn_5.csv": {"knn": 5},
    "stata_knn_10.csv": {"knn": 10},
    "stata_knn_20.csv": {"knn": 20},
    "stata_rca_rpop_combined.csv": {"presence": "both", "population": True},
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_stata(name: str, trade: pd.DataFrame, population: pd.DataFrame) -> None:
    options = dict(CASES[name])
    if options.pop("population", False):
        options["population"] = population
    out = complexity(trade, **COLS, **options)
    assert_frame_matches(out, stata(name))


def test_matches_stata_manual_mcp(manual: pd.DataFrame) -> None:
    out = complexity(manual, **COLS, mcp="mcp")
    assert "rca" not in out.columns
    assert_frame_matches(out, stata("stata_manual_mcp.csv"))


def test_matches_stata_single_year(trade: pd.DataFrame) -> None:
    out = complexity(trade[trade["year"] == 1995], **COLS)
    assert_frame_matches(out, stata("stata_single_year_1995.csv"))


def test_degenerate_years_are_nan_with_reasons(trade: pd.DataFrame, population: pd.DataFrame) -> None:
    # rca(2): 2 locations have no product and 18-19 products no location; Stata leaves density, eci, pci, coi
    # and cog blank in every row (covered by test_matches_stata); the frame says why.
    notes = complexity(trade, **COLS, rca_threshold=2.0).attrs["notes"]
    assert notes == [
        ("eigenvector_undefined", {"locations": 2, "activities": 19, "year": 1995}),
        ("density_undefined", {"count": 30, "year": 1995}),
        ("eigenvector_undefined", {"locations": 2, "activities": 18, "year": 1996}),
        ("density_undefined", {"count": 30, "year": 1996}),
    ]
    assert type(notes[0][1]["year"]) is int  # a plain value (JSON), not numpy's
    assert note_text(notes[0]) == (
        "1995：2 个地区多样性为 0、19 个活动普遍性为 0，特征向量无定义：eci、pci、coi、cog 为 NaN（Stata 留空）"
    )
    assert note_text(notes[2], "en") == (
        "1996: 2 location(s) with zero diversity and 18 activity(ies) with zero ubiquity make the eigenvector "
        "undefined: eci, pci, coi, cog are NaN (Stata leaves them blank)"
    )
    assert note_text(notes[1], "en").startswith("1995: Density is undefined for 30 activity(ies)")
    rpop_notes = complexity(trade, **COLS, presence="rpop", population=population).attrs["notes"]
    assert rpop_notes == [
        ("dropped_locations_without_population", {"count": 1, "names": ["blx"], "more": 0, "year": year})
        for year in (1995, 1996)
    ]
    assert note_text(rpop_notes[0]) == "1995：去掉 1 个没有人口数据的地区：blx"
    assert note_text(rpop_notes[0], "en") == "1995: Dropped 1 location(s) without a positive population: blx"
    assert complexity(trade, **COLS).attrs["notes"] == []


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("stata_proximity_discrete_sym.csv", "discrete"),
        ("stata_proximity_discrete_asym.csv", "asymmetric"),
        ("stata_proximity_continuous.csv", "continuous"),
    ],
)
def test_proximity_matches_stata_genproximity(name: str, kind: str, trade: pd.DataFrame) -> None:
    truth = stata(name)  # no year column: rows 1-900 are 1995, rows 901-1800 are 1996
    out = proximity_frame(trade, **COLS, proximity=kind)
    assert list(out.columns) == ["hs92_1", "hs92_2", "proximity", "year"]
    assert out["year"].tolist() == [1995] * 900 + [1996] * 900
    assert out["hs92_1"].tolist() == truth["hs92_1"].tolist()
    assert out["hs92_2"].tolist() == truth["hs92_2"].tolist()
    assert np.abs(out["proximity"].to_numpy() - truth["proximity"].to_numpy()).max() <= TOL
    assert (out.loc[out["hs92_1"] == out["hs92_2"], "proximity"] == 0).all()


def test_every_fixture_file_is_covered() -> None:
    covered = set(CASES) | {
        "stata_manual_mcp.csv",
        "stata_single_year_1995.csv",
        "stata_continuous_knn_10.csv",
        "stata_proximity_discrete_sym.csv",
        "stata_proximity_discrete_asym.csv",
        "stata_proximity_continuous.csv",
    }
    assert {p.name for p in FIX.glob("stata_*.csv")} == covered


def test_continuous_knn_matches_stata_up_to_one_ulp(trade: pd.DataFrame) -> None:
    """`stata_continuous_knn_10.csv`: every column except density (and coi, which sums density) matches at
    1e-11; density matches too except where the k-th neighbour is decided by one ulp.

    Stata's knn threshold is max(t, -1) computed as (t - 1 + |t + 1|) / 2, which lands one ulp above the k-th
    largest proximity t for about half of all t in (0.25, 1): whether the k-th neighbour is kept then depends
    on the last bit of a correlation, and Stata's correlations differ from numpy's in that bit for a few
    products (the fixture README counts 4 products of 1996, 40 cells, against numpy's corrcoef). So, per year
    and product: either our density equals Stata's (1e-11), or (a) Stata's density is exactly the density over
    the top-k or the top-(k-1) neighbours, (b) moving t by one ulp flips the threshold test, i.e. the choice
    really hangs on one ulp, and (c) at most 4 products differ in all. coi is then checked by recomputing it
    from Stata's own density: it must match Stata's coi at 1e-11.
    """
    k = 10
    truth = stata("stata_continuous_knn_10.csv")
    out = complexity(trade, **COLS, proximity="continuous", knn=k)
    assert_frame_matches(out, truth, skip=("density", "coi"))
    differing = []
    for year in (1995, 1996):
        values = trade[trade["year"] == year].pivot(index="origin", columns="hs92", values="export_val")
        levels = rca(values.to_numpy())
        prox = proximity_continuous(levels)
        rows = (truth["year"] == year).to_numpy()
        n_loc, n_act = levels.shape
        theirs = truth.loc[rows, "density"].to_numpy().reshape(n_loc, n_act)
        ours = out.loc[rows, "density"].to_numpy().reshape(n_loc, n_act)
        for p in range(n_act):
            if np.abs(ours[:, p] - theirs[:, p]).max() <= TOL:
                continue
            differing.append((year, values.columns[p]))
            order = np.argsort(-prox[p], kind="stable")
            top = [levels[:, order[:j]] @ (prox[p, order[:j]] / prox[p, order[:j]].sum()) for j in (k, k - 1)]
            assert any(np.abs(theirs[:, p] - t).max() <= TOL for t in top), (year, p)
            t = np.sort(prox[p])[::-1][k - 1]
            decisions = {
                bool(_knn_threshold(np.array([v]))[0] > v)
                for v in (np.nextafter(t, -1), t, np.nextafter(t, 2))
            }
            assert decisions == {True, False}, (year, p)
        # coi from Stata's density with our eigenvector reproduces Stata's coi.
        M = out.loc[rows, "M"].to_numpy().reshape(n_loc, n_act)
        _, kp, _ = complexity_eigenvectors(M)
        coi_raw = (theirs * (1 - M)) @ kp
        mean, sd = standardise(coi_raw, n_act)
        expected = truth.loc[rows, "coi"].to_numpy().reshape(n_loc, n_act)[:, 0]
        assert np.abs((coi_raw - mean) / sd - expected).max() <= TOL
    assert len(differing) <= 4, differing


# --- hand-computed matrices ---------------------------------------------------------------------------------


def test_rca_presence_by_hand() -> None:
    X = np.array([[4.0, 0.0, 1.0], [0.0, 3.0, 1.0], [2.0, 2.0, 2.0]])
    # Row totals 5, 4, 6; column totals 6, 5, 4; total 15. RCA = (x / row) / (col / 15).
    expected = np.array([[2.0, 0.0, 0.75], [0.0, 2.25, 0.9375], [5 / 6, 1.0, 1.25]])
    assert np.allclose(rca(X), expected, rtol=1e-15, atol=0)
    # RCA[2, 1] is exactly 1: absent under Stata's strict test, present under PyPI's >=.
    assert presence(rca(X)).tolist() == [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
    assert presence(rca(X), strict=False).tolist() == [[1, 0, 0], [0, 1, 0], [0, 1, 1]]
    # RPOP: share of the activity / share of population (populations 1, 1, 2 -> shares 1/4, 1/4, 1/2).
    assert np.allclose(rpop(X, [1.0, 1.0, 2.0])[0], [(4 / 6) / 0.25, 0.0, (1 / 4) / 0.25])
    # "both": either test.
    both = presence(rca(X), rpop(X, [1.0, 1.0, 2.0]), rca_threshold=2.1, rpop_threshold=1.0)
    assert both.tolist() == [[1, 0, 0], [0, 1, 0], [0, 0, 0]]


NESTED = np.array([[1, 1, 1], [1, 1, 0], [1, 0, 0]])


def test_diversity_ubiquity_proximity_density_by_hand() -> None:
    assert diversity(NESTED).tolist() == [3, 2, 1]
    assert ubiquity(NESTED).tolist() == [3, 2, 1]
    # Co-occurrence C = M'M: C01 = 2, C02 = 1, C12 = 1; ubiquities 3, 2, 1.
    sym = proximity_discrete(NESTED)
    assert np.allclose(sym, [[0, 2 / 3, 1 / 3], [2 / 3, 0, 1 / 2], [1 / 3, 1 / 2, 0]], rtol=0, atol=1e-15)
    asym = proximity_discrete(NESTED, symmetric=False)  # C / ubiquity of the row activity
    assert np.allclose(asym, [[0, 2 / 3, 1 / 3], [1, 0, 1 / 2], [1, 1, 0]], rtol=0, atol=1e-15)
    # Location 2 has only activity 0. Around activity 1: phi10 / (phi10 + phi12) = (2/3) / (7/6) = 4/7;
    # around activity 2: phi20 / (phi20 + phi21) = (1/3) / (5/6) = 2/5.
    dens = density(NESTED, sym)
    assert dens[2, 1] == pytest.approx(4 / 7, abs=1e-15)
    assert dens[2, 2] == pytest.approx(2 / 5, abs=1e-15)
    # Continuous: column 1 = 2 x column 0 (corr 1 -> 1); column 2 vs 0: deviations (-1, 0, 1), (1, -1, 0),
    # corr -1/2 -> 0.25.
    levels = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 1.0], [3.0, 6.0, 2.0]])
    assert np.allclose(
        proximity_continuous(levels), [[0, 1, 0.25], [1, 0, 0.25], [0.25, 0.25, 0]], atol=1e-15
    )


def test_knn_threshold_quirk_by_hand() -> None:
    # max(t, -1) as (t - 1 + |t + 1|) / 2: exact for 0.5, one ulp above 0.6.
    assert _knn_threshold(np.array([0.5]))[0] == 0.5
    assert _knn_threshold(np.array([0.6]))[0] == np.nextafter(0.6, 1)
    prox = np.array([[0, 0.6, 0.6, 0.3], [0.6, 0, 0.2, 0.1], [0.6, 0.2, 0, 0.5], [0.3, 0.1, 0.5, 0]])
    levels = np.array([[0.0, 1.0, 0.0, 1.0], [0.0, 0.0, 1.0, 0.0]])
    d2 = density(levels, prox, knn=2)
    # Activity 0, k = 2: the 2nd largest proximity is 0.6 (tied), the threshold lands above it and both
    # neighbours drop; no weight is left, so the density is 0 (Stata's editmissing), not 0.5.
    assert d2[:, 0].tolist() == [0.0, 0.0]
    # Activity 2, k = 2: t = 0.5 is exact, neighbours 0 (0.6) and 3 (0.5) are kept: 0.5 / 1.1 for location 0.
    assert d2[0, 2] == pytest.approx(0.5 / 1.1, abs=1e-15)
    # Activity 0, k = 3: t = 0.3, threshold one ulp above, so only the two 0.6 neighbours: 0.6 / 1.2.
    assert density(levels, prox, knn=3)[0, 0] == pytest.approx(0.5, abs=1e-15)


def test_eigenvectors_equal_the_textbook_eigenproblem() -> None:
    """The symmetric solve on the smaller side equals the second eigenvector of the non-symmetric Mpp."""
    rng = np.random.default_rng(7)
    for shape in ((12, 40), (40, 12)):
        M = (rng.random(shape) < 0.4).astype(float)
        M[M.sum(axis=1) == 0, 0] = 1
        M[0, M.sum(axis=0) == 0] = 1
        d, u = M.sum(axis=1), M.sum(axis=0)
        Mpp = (M / u[None, :] / d[:, None]).T @ M
        w, V = np.linalg.eig(Mpp)
        kp_ref = np.real(V[:, np.argsort(-np.real(w))[1]])
        kc_ref = (M @ kp_ref) / d
        kc_ref, kp_ref = (
            np.sign(np.corrcoef(d, kc_ref)[0, 1]) * kc_ref,
            np.sign(np.corrcoef(d, kc_ref)[0, 1]) * kp_ref,
        )
        eci, pci = eci_pci(M)
        mean, sd = kc_ref.mean(), np.std(np.repeat(kc_ref, shape[1]), ddof=1)
        assert np.allclose(eci, (kc_ref - mean) / sd, atol=1e-10)
        assert np.allclose(pci, (kp_ref - mean) / sd, atol=1e-10)
        assert np.corrcoef(eci, d)[0, 1] > 0


def test_coi_and_cog_follow_the_definition_in_loops() -> None:
    """Both matrix branches of COG (diagonal applied to either factor) equal Stata's formula term by term."""
    rng = np.random.default_rng(3)
    for shape in ((5, 8), (8, 5)):
        M = (rng.random(shape) < 0.5).astype(float)
        prox = rng.random((shape[1], shape[1]))
        np.fill_diagonal(prox, 0)
        dens = rng.random(shape)
        kp = rng.normal(size=shape[1])
        rows = prox.sum(axis=1)
        cog = np.array(
            [
                [
                    (1 - M[c, p]) * sum((1 - M[c, q]) * prox[q, p] * kp[q] / rows[q] for q in range(shape[1]))
                    for p in range(shape[1])
                ]
                for c in range(shape[0])
            ]
        )
        coi = np.array(
            [sum(dens[c, p] * (1 - M[c, p]) * kp[p] for p in range(shape[1])) for c in range(shape[0])]
        )
        assert np.allclose(complexity_outlook_gain(M, prox, kp), cog, rtol=1e-13, atol=1e-15)
        assert np.allclose(complexity_outlook_index(dens, M, kp), coi, rtol=1e-13, atol=1e-15)


def test_standardise_is_the_row_level_sample_sd() -> None:
    values = np.array([0.3, -1.2, 2.5, 0.0])
    mean, sd = standardise(values, 7)
    assert mean == pytest.approx(np.repeat(values, 7).mean())
    assert sd == pytest.approx(np.std(np.repeat(values, 7), ddof=1), rel=1e-14)


def test_fitness_complexity_nested_ranking_and_first_step() -> None:
    M = np.array([[1, 1, 1, 1], [1, 1, 1, 0], [1, 1, 0, 0], [1, 0, 0, 0]])
    # One iteration from F = Q = 1: F = diversity / mean = (4, 3, 2, 1) / 2.5; Q = (1 / ubiquity) / mean.
    first = fitness_complexity(M, max_iter=1)
    assert np.allclose(first.fitness, [1.6, 1.2, 0.8, 0.4], rtol=1e-15)
    assert np.allclose(first.complexity, np.array([1 / 4, 1 / 3, 1 / 2, 1]) / (25 / 48), rtol=1e-15)
    assert (first.iterations, first.converged) == (1, False)
    # Perfectly nested: fitness follows diversity, complexity follows rarity (the weakest fitness -> 0).
    res = fitness_complexity(M, max_iter=200)
    assert list(np.argsort(-res.fitness)) == [0, 1, 2, 3]
    assert list(np.argsort(-res.complexity)) == [3, 2, 1, 0]
    # The weakest location's fitness and the most common activity's complexity tend to 0 (no fixed point).
    assert res.fitness[3] < 1e-4 and res.complexity[0] < 1e-4 and not res.converged
    # Step 2 by hand: F' = M Q1 = (100, 52, 28, 12) / 25, mean 1.92; 1 / F1 = (5/8, 5/6, 5/4, 5/2), whose
    # column sums over M are (125, 65, 35, 15) / 24, so Q' = 24 / (125, 65, 35, 15), then divided by its mean.
    second = fitness_complexity(M, max_iter=2)
    assert np.allclose(second.fitness, np.array([100, 52, 28, 12]) / 25 / 1.92, rtol=1e-14)
    q = 24 / np.array([125, 65, 35, 15])
    assert np.allclose(second.complexity, q / q.mean(), rtol=1e-14)
    # Two separate blocks: a fixed point after one step.
    blocks = fitness_complexity(np.array([[1, 1, 0, 0], [0, 0, 1, 1]]), tol=1e-12)
    assert blocks.converged and blocks.iterations == 1
    assert blocks.fitness.tolist() == [1.0, 1.0] and blocks.complexity.tolist() == [1.0] * 4


def test_reflections_by_hand() -> None:
    kc, kp = reflections(NESTED, 2)
    assert kc[0].tolist() == [3, 2, 1] and kp[0].tolist() == [3, 2, 1]
    # kc_1 = mean ubiquity of a location's activities: (3+2+1)/3, (3+2)/2, 3/1.
    assert kc[1].tolist() == [2.0, 2.5, 3.0]
    assert kp[1].tolist() == [2.0, 2.5, 3.0]  # mean diversity of an activity's locations
    # kc_2 = mean kp_1 of a location's activities: (2+2.5+3)/3, (2+2.5)/2, 2.
    assert kc[2].tolist() == [2.5, 2.25, 2.0]


def test_compute_year_with_a_given_m_equals_the_rca_route(trade: pd.DataFrame) -> None:
    X = trade[trade["year"] == 1995].pivot(index="origin", columns="hs92", values="export_val").to_numpy()
    via_rca = compute_year(X)
    given = compute_year(M=via_rca.M)
    for name in ("density", "eci", "pci", "coi", "cog"):
        assert np.array_equal(getattr(via_rca, name), getattr(given, name)), name


# --- the long-panel entry point ------------------------------------------------------------------------------


def _tiny() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "city": ["a", "a", "a", "b", "b", "c", "c", "c"],
            "ind": ["x", "y", "z", "x", "z", "x", "y", "z"],
            "v": [5.0, 1.0, 1.0, 1.0, 4.0, 1.0, 3.0, 2.0],
            "note": ["n1", "n2", "n3", "n4", "n5", "n6", "n7", "n8"],
        }
    )


def test_missing_pairs_are_filled_and_other_columns_carried() -> None:
    out = complexity(_tiny(), location="city", activity="ind", value="v")
    assert list(out.columns[:4]) == ["city", "ind", "v", "note"]
    assert list(out.columns[4:]) == [
        "rca",
        "M",
        "density",
        "eci",
        "pci",
        "diversity",
        "ubiquity",
        "coi",
        "cog",
    ]
    assert len(out) == 9  # 3 x 3: (b, y) was filled in with value 0, like Stata's fillin
    filled = out[(out["city"] == "b") & (out["ind"] == "y")].iloc[0]
    assert filled["v"] == 0 and pd.isna(filled["note"]) and filled["rca"] == 0
    assert out["note"].dropna().tolist() == ["n1", "n2", "n3", "n4", "n5", "n6", "n7", "n8"]
    # The same data with the missing pair given explicitly as 0 gives the same numbers.
    dense = pd.concat([_tiny().drop(columns="note"), pd.DataFrame({"city": ["b"], "ind": ["y"], "v": [0.0]})])
    again = complexity(dense, location="city", activity="ind", value="v")
    for col in ("rca", "density", "eci", "pci", "coi", "cog"):
        assert np.array_equal(out[col].to_numpy(), again[col].to_numpy(), equal_nan=True), col


def test_zero_rows_and_columns_are_dropped_with_a_note(trade: pd.DataFrame) -> None:
    extra = pd.DataFrame(
        {
            "year": [1995, 1995, 1995],
            "origin": ["zzz", "zzz", "aut"],
            "hs92": [1704, 1806, 9999],
            "export_val": 0.0,
        }
    )
    out = complexity(pd.concat([trade, extra], ignore_index=True), **COLS)
    assert_frame_matches(out, stata("stata_ground_truth.csv"))
    assert out.attrs["notes"] == [
        ("dropped_locations_zero", {"count": 1, "names": ["zzz"], "more": 0, "year": 1995}),
        ("dropped_activities_zero", {"count": 1, "names": ["9999"], "more": 0, "year": 1995}),
    ]


def test_no_year_column_and_progress_callback(trade: pd.DataFrame) -> None:
    seen: list = []
    out = complexity(trade, **COLS, on_year=seen.append)
    assert seen == [1995, 1996]
    one = trade[trade["year"] == 1995].drop(columns="year")
    calls: list = []
    single = complexity(one, location="origin", activity="hs92", value="export_val", on_year=calls.append)
    assert calls == [None] and "year" not in single.columns
    assert np.array_equal(single["eci"].to_numpy(), out.loc[out["year"] == 1995, "eci"].to_numpy())


def test_population_without_a_year_column_is_used_for_every_year(
    trade: pd.DataFrame, population: pd.DataFrame
) -> None:
    by_year = complexity(trade, **COLS, presence="rpop", population=population)
    one_year = population[population["year"] == 1995].drop(columns="year")
    same = complexity(trade[trade["year"] == 1995], **COLS, presence="rpop", population=one_year)
    first = by_year[by_year["year"] == 1995].reset_index(drop=True)
    assert np.array_equal(same["rpop"].to_numpy(), first["rpop"].to_numpy())


def test_pypi_conventions_reproduce_the_pypi_package(trade: pd.DataFrame) -> None:
    ecx = pytest.importorskip("ecomplexity", reason="dev-only oracle: pip install ecomplexity==0.5.3")
    raw = pd.read_csv(FIX / "trade_data_sample.csv")
    names = {"time": "year", "loc": "origin", "prod": "hs92", "val": "export_val"}
    for options, theirs in (({}, {}), ({"proximity": "continuous"}, {"continuous": True})):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the oracle's own pandas deprecation warnings
            expected = ecx.ecomplexity(raw, names, check_logsupermodularity=False, verbose=False, **theirs)
        ours = complexity(raw, **COLS, conventions="pypi", **options)
        both = expected.merge(ours, on=KEYS, suffixes=("_pypi", ""))
        assert len(both) == len(ours) == 600
        assert (both["mcp"] == both["M"]).all()
        for col in ("rca", "density", "eci", "pci", "coi", "cog"):
            assert np.abs(both[f"{col}_pypi"] - both[col]).max() <= TOL, col


# --- errors ----------------------------------------------------------------------------------------------------

BASE = pd.DataFrame(
    {"city": ["a", "a", "b", "b"], "ind": ["x", "y", "x", "y"], "v": [1.0, 2.0, 3.0, 1.0], "yr": 2020}
)
ARGS = {"location": "city", "activity": "ind", "value": "v", "year": "yr"}
POP = pd.DataFrame({"city": ["a", "b"], "population": [1.0, 2.0]})
SECOND_YEAR = pd.DataFrame({"city": ["a", "b"], "ind": ["x", "y"], "v": [1.0, 0.0], "yr": 2021})

ERRORS = [
    ("missing column", BASE.drop(columns="v"), {}, "输入缺少列 missing column(s): v"),
    (
        "duplicate keys",
        pd.concat([BASE, BASE.iloc[[1]]]),
        {},
        "键重复 duplicate keys (city, ind, yr): 1 组 key(s) appear more than once, e.g. (a, y, 2020)",
    ),
    (
        "negative",
        BASE.assign(v=[1.0, -2.0, 3.0, 1.0]),
        {},
        "列 v 含 1 个负值 column v has 1 negative value(s) (first: -2 at row 1)",
    ),
    (
        "non-numeric",
        BASE.assign(v=["1", "x", "3", "1"]),
        {},
        "列 v 含 1 个非数值 column v has 1 non-numeric value(s) (first: 'x' at row 1)",
    ),
    (
        "missing value",
        BASE.assign(v=[1.0, np.nan, 3.0, 1.0]),
        {},
        "列 v 有 1 个缺失值 column v has 1 missing value(s) (first at row 1)",
    ),
    (
        "infinite",
        BASE.assign(v=[1.0, np.inf, 3.0, 1.0]),
        {},
        "列 v 有 1 个无穷值 column v has 1 infinite value(s) (first at row 1)",
    ),
    (
        "all zero",
        BASE.assign(v=0.0),
        {},
        "列 v 全部为 0 column v is zero everywhere: 没有可计算的数据 nothing to compute",
    ),
    (
        "single location",
        BASE[BASE["city"] == "a"],
        {},
        "只有一个地区 only one location ('a'): 经济复杂度需要至少两个地区 economic complexity needs at least two "
        "locations",
    ),
    (
        "single location in a year",
        pd.concat([BASE, SECOND_YEAR]),
        {},
        "2021: 只有 1 个地区有数据 only 1 location(s) with data in 2021: 经济复杂度需要至少两个地区 economic "
        "complexity needs at least two locations",
    ),
    (
        "single activity",
        BASE[BASE["ind"] == "x"],
        {},
        "2020: 只有 1 个活动有数据 only 1 activity(ies) with data in 2020: 经济复杂度需要至少两个活动 economic "
        "complexity needs at least two activities",
    ),
    ("empty", BASE.iloc[:0], {}, "输入没有数据行 the panel has no rows"),
    (
        "missing key",
        BASE.assign(city=["a", None, "b", "b"]),
        {},
        "列 city 有 1 个缺失值 column city has 1 missing value(s) (first at row 1)",
    ),
    (
        "not binary mcp",
        BASE.assign(m=[0, 1, 2, 1]),
        {"mcp": "m"},
        "列 m 只能是 0 或 1 column m must be 0 or 1: 1 other value(s) (first: 2 at row 2)",
    ),
    (
        "unknown presence",
        BASE,
        {"presence": "rpca"},
        "presence 须为 must be one of rca, rpop, both, got 'rpca'",
    ),
    (
        "unknown proximity",
        BASE,
        {"proximity": "cont"},
        "proximity 须为 must be one of discrete, asymmetric, continuous, got 'cont'",
    ),
    ("knn 0", BASE, {"knn": 0}, "knn 须为正整数 knn must be a positive integer, got 0"),
    (
        "knn too large",
        BASE,
        {"knn": 3},
        "knn 必须是 1 到 2 之间的整数 knn must be an integer from 1 to 2, got 3",
    ),
    (
        "rpop without population",
        BASE,
        {"presence": "rpop"},
        "presence='rpop' 需要人口表 needs the population frame",
    ),
    (
        "both with continuous",
        BASE,
        {"presence": "both", "population": POP, "proximity": "continuous"},
        "连续邻近度只能用 RCA 或 RPOP 之一 continuous proximity uses one of RCA or RPOP: use presence='rca' or "
        "'rpop' (Stata refuses this combination too)",
    ),
    (
        "duplicate population",
        BASE,
        {"presence": "rpop", "population": pd.DataFrame({"city": ["a", "a"], "population": [1.0, 2.0]})},
        "人口表键重复 duplicate keys (city) in the population frame, e.g. (a)",
    ),
    (
        "pypi with knn",
        BASE,
        {"conventions": "pypi", "knn": 1},
        "conventions='pypi' 只支持对称或连续邻近度且不支持 knn conventions='pypi' supports symmetric discrete or "
        "continuous proximity without knn",
    ),
]


@pytest.mark.parametrize(("case", "panel", "options", "message"), ERRORS, ids=[e[0] for e in ERRORS])
def test_errors(case: str, panel: pd.DataFrame, options: dict, message: str) -> None:
    with pytest.raises(InputError, match=f"^{re.escape(message)}") as err:
        complexity(panel, **{**ARGS, **options})
    assert err.value.message == message


def test_error_hints() -> None:
    with pytest.raises(
        InputError, match=r"^列 v 有 1 个缺失值 .*（填 0 或删除这些行 fill them with 0 or drop the rows）$"
    ) as err:
        complexity(BASE.assign(v=[1.0, np.nan, 3.0, 1.0]), **ARGS)
    assert err.value.hint == "填 0 或删除这些行 fill them with 0 or drop the rows"
    with pytest.raises(InputError, match=r"^键重复 duplicate keys .*（先汇总 aggregate them first: ") as err:
        complexity(pd.concat([BASE, BASE.iloc[[1]]]), **ARGS)
    assert (
        err.value.hint
        == "先汇总 aggregate them first: panel.groupby(['city', 'ind', 'yr'], as_index=False).sum()"
    )
    with pytest.raises(InputError, match="panel must be a pandas DataFrame, got dict"):
        complexity(BASE.to_dict(), **ARGS)  # type: ignore[arg-type]
