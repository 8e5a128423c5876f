"""The input-output engine against published results: the Eurostat manual's worked example (germany_1995, as
printed by iotables), the Spicosa Netherlands example, ONS's UK 2010 analytical tables (127 products, to
1e-9), pymrio on its own test MRIO (1e-9), and hand-worked examples for extraction and FLQ."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from chanye.analytics import io
from chanye.errors import InputError

PEER = Path(__file__).resolve().parents[1] / "fixtures" / "peer" / "iotables"
PRODUCTS = ["CPA_A", "CPA_B-E", "CPA_F", "CPA_G-I", "CPA_J-N", "CPA_O-T"]


def printed(values: list[float], decimals: int) -> tuple[list[float], float]:
    """Published values and half a unit of their last printed decimal."""
    return values, 0.5 * 10.0 ** -decimals


@pytest.fixture(scope="module")
def germany() -> pd.DataFrame:
    return pd.read_csv(PEER / "germany_1995_siot.csv").set_index("prod_na")


def germany_z_x(g: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    return g.loc[PRODUCTS, PRODUCTS].to_numpy(float), g.loc["P1", PRODUCTS].to_numpy(float)


def test_eurostat_input_coefficients_table_15_8(germany: pd.DataFrame) -> None:
    A = io.technical_coefficients(*germany_z_x(germany))
    expected = [[0.0258, 0.0236, 0.0000, 0.0011, 0.0010, 0.0015],
                [0.1806, 0.2822, 0.2613, 0.0761, 0.0173, 0.0597],
                [0.0097, 0.0068, 0.0158, 0.0098, 0.0339, 0.0180],
                [0.0811, 0.0674, 0.0578, 0.1378, 0.0156, 0.0413],
                [0.0828, 0.0890, 0.1263, 0.1218, 0.2790, 0.0672],
                [0.0353, 0.0139, 0.0071, 0.0208, 0.0217, 0.0434]]
    assert np.round(A, 4).tolist() == expected
    # Table 15.9: I − A
    assert np.round(np.eye(6) - A, 4)[[0, 1, 2, 1], [0, 1, 2, 2]].tolist() == [0.9742, 0.7178, 0.9842, -0.2613]


def test_eurostat_output_multipliers_printed_to_14_decimals(germany: pd.DataFrame) -> None:
    # Manual Tables 15.15 / 15.19, as iotables prints them: column sums of L with A rounded to 4 decimals.
    A = np.round(io.technical_coefficients(*germany_z_x(germany)), 4)
    values, tol = printed([1.70492243301356, 1.8414208680286, 1.81374666684297, 1.60371174683177,
                           1.59497385374824, 1.37837464728208], 14)
    assert np.abs(io.output_multipliers(A) - values).max() <= tol
    link = io.linkages(A)
    assert np.abs(link.backward_sum - values).max() <= tol
    assert np.round(io.leontief_inverse(A).sum(axis=0), 6).tolist() == [1.704922, 1.841421, 1.813747, 1.603712,
                                                                          1.594974, 1.378375]


def test_eurostat_leontief_inverse_table_15_10(germany: pd.DataFrame) -> None:
    L = io.leontief_inverse(io.technical_coefficients(*germany_z_x(germany)))
    assert np.round(np.diag(L)[:3], 4).tolist() == [1.0339, 1.4292, 1.0289]
    assert np.round(L[1, 2], 10) == 0.3961305092


def test_eurostat_forward_linkages_ghosh_table_15_20(germany: pd.DataFrame) -> None:
    Z = germany.loc[PRODUCTS, PRODUCTS].to_numpy(float)
    total_use = germany.loc[PRODUCTS, "TFU"].to_numpy(float)
    B = io.output_coefficients(Z, total_use)
    assert np.round(B, 4)[4, [0, 4]].tolist() == [0.0053, 0.2790]
    G = io.ghosh_inverse(np.round(B, 4))
    assert np.round(G.sum(axis=1), 6).tolist() == [2.112754, 1.690891, 1.355896, 1.584989, 2.104036, 1.210504]
    assert np.round(io.ghosh_inverse(B)[:, 0], 4).tolist() == [1.0339, 0.0118, 0.0037, 0.0103, 0.0117, 0.0043]


def test_eurostat_indicators_and_effects(germany: pd.DataFrame) -> None:
    Z, x = germany_z_x(germany)
    A = io.technical_coefficients(Z, x)
    gva = io.input_coefficients(germany.loc["B1G", PRODUCTS].to_numpy(float), x)
    assert np.round(gva, 7).tolist() == [0.4933728, 0.3659488, 0.4707703, 0.5766124, 0.5999044, 0.7172413]
    emp = io.input_coefficients(germany.loc["EMP", PRODUCTS].to_numpy(float), x)
    assert np.round(emp, 9).tolist() == [0.024960146, 0.007764168, 0.013175574, 0.017129483, 0.006148852,
                                         0.020054311]
    assert np.round(io.effects(A, gva), 4).tolist() == [0.8450, 0.7647, 0.8615, 0.9019, 0.9393, 0.9199]
    assert np.round(io.effects(A, emp), 4).tolist() == [0.0326, 0.0162, 0.0207, 0.0237, 0.0112, 0.0242]
    both = io.effects(A, np.vstack([gva, emp]))  # several rows in one solve
    assert np.allclose(both[1], io.effects(A, emp), rtol=0, atol=1e-15)


def test_netherlands_compensation_effects_and_type_i() -> None:
    nl = pd.read_csv(PEER / "netherlands_2000.csv").set_index("prod_na")
    sectors = list(nl.columns[:6])
    Z = nl.loc[sectors, sectors].to_numpy(float)
    x = nl.loc["output_bp", sectors].to_numpy(float)
    A = io.technical_coefficients(Z, x)
    d1 = io.input_coefficients(nl.loc["compensation_employees", sectors].to_numpy(float), x)
    values, tol = printed([0.263460690584793, 0.0987096155950127, 0.306073391401155, 0.211754725841364,
                           0.464852252639343, 0.493397111477055], 15)
    assert np.abs(io.effects(A, d1) - values).max() <= tol * 10  # 15 significant digits
    assert np.round(io.type_i_multipliers(A, d1), 6).tolist() == [2.465771, 2.333343, 1.839948, 2.372199,
                                                                  1.953034, 1.417132]


# --- ONS UK 2010: all 127 products to 1e-9 --------------------------------------------------------------------


@pytest.fixture(scope="module")
def uk() -> dict[str, pd.DataFrame]:
    read = {name: pd.read_csv(PEER / f"{name}.csv", dtype={"uk_row": str}).set_index("uk_row")
            for name in ("uk_2010_siot", "uk_2010_coefficients", "uk_2010_leontief_inverse", "uk_test_results")}
    return read


def test_ons_uk_2010_coefficients_inverse_and_multipliers(uk: dict[str, pd.DataFrame]) -> None:
    siot = uk["uk_2010_siot"]
    products = list(uk["uk_test_results"].index)
    assert len(products) == 127
    Z = siot.loc[products, products].to_numpy(float)
    x = siot.loc["Total output", products].to_numpy(float)
    A = io.technical_coefficients(Z, x)
    assert np.abs(A - uk["uk_2010_coefficients"].loc[products, products].to_numpy(float)).max() < 1e-9
    L = io.leontief_inverse(A)
    assert np.abs(L - uk["uk_2010_leontief_inverse"].loc[products, products].to_numpy(float)).max() < 1e-9
    published = uk["uk_test_results"]
    assert np.abs(io.output_multipliers(A) - published["Output multiplier"].to_numpy()).max() < 1e-9
    d1 = io.input_coefficients(siot.loc["Compensation of employees", products].to_numpy(float), x)
    gva_row = siot.loc[["Compensation of employees", "Gross Operating Surplus",
                        "Taxes less subsidies on production"], products].to_numpy(float).sum(axis=0)
    gva = io.input_coefficients(gva_row, x)
    assert np.abs(io.effects(A, d1) - published["Employment cost effects"].to_numpy()).max() < 1e-9
    assert np.abs(io.effects(A, gva) - published["GVA effects"].to_numpy()).max() < 1e-9
    assert np.abs(io.type_i_multipliers(A, d1) - published["Employment cost multiplier"].to_numpy()).max() < 1e-9
    assert np.abs(io.type_i_multipliers(A, gva) - published["GVA multiplier"].to_numpy()).max() < 1e-9
    # 68-2IMP (owner-occupiers' housing) pays no compensation: ONS publishes a multiplier of 0.
    assert io.type_i_multipliers(A, d1)[products.index("68-2IMP")] == 0.0
    ranks = pd.Series(io.output_multipliers(A)).rank(ascending=False, method="min").astype(int).tolist()
    assert ranks == published["output_multiplier_rank"].tolist()


# --- China 2018 (153 sectors): the io README's reference figures ------------------------------------------------


def test_china_2018_reference_linkages() -> None:
    from chanye.services.io import load_table

    t = load_table("china-2018-153")
    A = io.technical_coefficients(t.Z, t.x)
    link = io.linkages(A)
    ref = pd.read_csv(Path(__file__).resolve().parents[1] / "fixtures" / "io" / "china_2018_153_linkages.csv",
                      dtype={"code": str})
    assert np.abs(link.backward_sum - ref["L_colsum"]).max() < 5e-11
    assert np.abs(link.forward_sum - ref["L_rowsum"]).max() < 5e-11
    assert np.abs(link.backward - ref["backward_linkage"]).max() < 5e-11
    assert np.abs(link.forward - ref["forward_linkage"]).max() < 5e-11
    L = io.leontief_inverse(A)
    assert np.abs(np.diag(L) - ref["L_diag"]).max() < 5e-11
    assert round(float(L.sum()), 10) == 432.5853250975
    assert round(float(link.backward_sum.mean()), 10) == 2.8273550660
    order = np.argsort(-link.backward)[:5]
    assert [t.codes[i] for i in order] == ["090", "093", "091", "092", "094"]
    assert np.round(link.backward[order], 6).tolist() == [1.454792, 1.404513, 1.402981, 1.368735, 1.339966]
    order = np.argsort(-link.forward)[:5]
    assert [t.codes[i] for i in order] == ["100", "094", "001", "130", "135"]
    assert np.round(link.forward[order], 6).tolist() == [4.997964, 4.690612, 4.315279, 4.247298, 4.221229]
    assert round(float(link.forward.min()), 6) == 0.353687
    # L·f reproduces x (f = final use net of imports)
    assert np.abs(io.output_for(A, t.final_demand) / t.x - 1).max() < 1e-11


# --- pymrio parity on pymrio's own test MRIO --------------------------------------------------------------------


def test_pymrio_parity_on_its_test_mrio() -> None:
    pymrio = pytest.importorskip("pymrio")
    mrio = pymrio.load_test()
    Z, Y = mrio.Z.to_numpy(float), mrio.Y.to_numpy(float)
    x_ref = pymrio.calc_x(mrio.Z, mrio.Y).to_numpy(float).ravel()
    x = io.total_output(Z, Y)
    assert np.abs(x - x_ref).max() <= 1e-9 * np.abs(x_ref).max()
    A_ref = pymrio.calc_A(mrio.Z, x_ref).to_numpy(float)
    A = io.technical_coefficients(Z, x)
    assert np.abs(A - A_ref).max() < 1e-9
    L_ref = pymrio.calc_L(pd.DataFrame(A_ref)).to_numpy(float)
    assert np.abs(io.leontief_inverse(A) - L_ref).max() < 1e-9
    B_ref = pymrio.calc_B(mrio.Z, x_ref).to_numpy(float)
    assert np.abs(io.output_coefficients(Z, x) - B_ref).max() < 1e-9
    G_ref = pymrio.calc_G(pd.DataFrame(B_ref)).to_numpy(float)
    assert np.abs(io.ghosh_inverse(io.output_coefficients(Z, x)) - G_ref).max() < 1e-9
    for ext in (mrio.emissions, mrio.factor_inputs):
        F = ext.F.to_numpy(float)
        S_ref = pymrio.calc_S(ext.F, x_ref).to_numpy(float)
        M_ref = pymrio.calc_M(pd.DataFrame(S_ref), pd.DataFrame(L_ref)).to_numpy(float)
        S = F * np.where(x != 0, 1 / np.where(x != 0, x, 1), 0)[np.newaxis, :]
        assert np.abs(S - S_ref).max() < 1e-9
        M = io.effects(A, S)
        assert np.abs(M - M_ref).max() <= 1e-9 * max(1.0, np.abs(M_ref).max())
    assert np.abs(io.output_for(A, Y.sum(axis=1)) - x_ref).max() <= 1e-9 * np.abs(x_ref).max()


# --- hand-worked: linkages, key sectors, extraction -------------------------------------------------------------

# A 2-sector table worked by hand: A = [[0.2, 0.3], [0.4, 0.1]], I − A = [[0.8, -0.3], [-0.4, 0.9]],
# det = 0.72 − 0.12 = 0.6, L = [[1.5, 0.5], [2/3, 4/3]].
A2 = np.array([[0.2, 0.3], [0.4, 0.1]])


def test_two_sector_by_hand() -> None:
    assert np.allclose(io.leontief_inverse(A2), [[1.5, 0.5], [2 / 3, 4 / 3]], rtol=0, atol=1e-15)
    link = io.linkages(A2)
    # column sums 13/6 and 11/6 (mean 2): backward 13/12, 11/12; row sums 2 and 2: forward 1, 1
    assert np.allclose(link.backward, [13 / 12, 11 / 12], rtol=0, atol=1e-15)
    assert np.allclose(link.forward, [1.0, 1.0], rtol=0, atol=1e-15)
    assert io.key_sectors(link.backward, [1.2, 0.8]).tolist() == ["key", "weak"]
    assert io.key_sectors([0.9, 1.1], [1.1, 0.9]).tolist() == ["forward", "backward"]
    # weighted normalisation with weights (0.25, 0.75): weighted mean of (13/6, 11/6) = 23/12
    weighted = io.linkages(A2, weights=np.array([0.25, 0.75]))
    assert np.allclose(weighted.backward, [26 / 23, 22 / 23], rtol=0, atol=1e-15)
    # Ghosh forward linkage: rows of G = x̂^-1 L x̂, x = (10, 20): (1.5·10 + 0.5·20)/10 = 2.5,
    # (2/3·10 + 4/3·20)/20 = 5/3; mean 25/12 -> 1.2, 0.8
    ghosh = io.linkages(A2, x=np.array([10.0, 20.0]), forward_basis="ghosh")
    assert np.allclose(ghosh.forward_sum, [2.5, 5 / 3], rtol=0, atol=1e-15)
    assert np.allclose(ghosh.forward, [1.2, 0.8], rtol=0, atol=1e-15)


def test_extraction_closed_form_equals_deleting_each_sector() -> None:
    rng = np.random.default_rng(7)
    A = rng.uniform(0, 0.12, (6, 6))
    y = rng.uniform(10, 100, 6)
    x = io.output_for(A, y)
    fast = io.extraction_loss(A, x)
    slow = [io.extraction_loss_direct(A, y, j) for j in range(6)]
    assert np.allclose(fast, slow, rtol=1e-12, atol=0)
    # by hand on the 2-sector table with y = (1, 1): x = L·y = (2, 2); deleting sector 0 leaves
    # x̄_1 = 1/0.9 = 10/9, so T_0 = 4 − 10/9 = 26/9 = x_0·colsum_0/l_00 = 2·(13/6)/1.5
    assert np.isclose(io.extraction_loss(A2, np.array([2.0, 2.0]))[0], 26 / 9, rtol=0, atol=1e-14)


def test_errors_are_clear() -> None:
    with pytest.raises(InputError, match="must be square"):
        io.leontief_inverse(np.zeros((2, 3)))
    with pytest.raises(InputError, match="singular"):
        io.leontief_inverse(np.array([[1.0, 0.0], [0.0, 0.5]]))
    with pytest.raises(InputError, match="needs total output"):
        io.linkages(A2, forward_basis="ghosh")
    with pytest.raises(InputError, match="expected 2"):
        io.technical_coefficients(np.eye(2), np.ones(3))
    with pytest.raises(InputError, match="sum to 1"):
        io.linkages(A2, weights=np.array([0.5, 0.6]))


# --- FLQ regionalisation: a 3-sector example worked by hand ------------------------------------------------------


def test_flq_three_sectors_by_hand() -> None:
    # Nation: employment 100, 200, 700 (total 1000). Region: 20, 10, 70 (total 100).
    # SLQ = (0.2/0.1, 0.1/0.2, 0.7/0.7) = (2, 0.5, 1).
    # CILQ_ij = SLQ_i / SLQ_j off the diagonal, SLQ_i on it.
    # λ* = [log2(1 + 100/1000)]^0.3 = log2(1.1)^0.3 = exp(0.3·ln 0.1375035) = exp(-0.595222) = 0.551435
    national = np.array([100.0, 200.0, 700.0])
    regional = np.array([20.0, 10.0, 70.0])
    q = io.location_quotients(regional, national, delta=0.3)
    assert q.slq.tolist() == [2.0, 0.5, 1.0]
    assert np.allclose(q.cilq, [[2.0, 4.0, 2.0], [0.25, 0.5, 0.5], [0.5, 2.0, 1.0]], rtol=0, atol=1e-15)
    lam = np.log2(1.1) ** 0.3
    assert round(q.scale, 6) == 0.551435
    assert np.allclose(q.flq, q.cilq * lam, rtol=0, atol=1e-15)
    A = np.array([[0.10, 0.20, 0.05], [0.30, 0.10, 0.20], [0.10, 0.10, 0.10]])
    # FLQ min(·, 1): row 0: 2λ=1.1028→1, 4λ=2.2056→1, 2λ→1; row 1: 0.25λ, 0.5λ, 0.5λ; row 2: 0.5λ, 2λ→1, λ
    expected = np.array([[0.10, 0.20, 0.05],
                         [0.30 * 0.25 * lam, 0.10 * 0.5 * lam, 0.20 * 0.5 * lam],
                         [0.10 * 0.5 * lam, 0.10, 0.10 * lam]])
    assert np.allclose(io.regional_coefficients(A, q, "flq"), expected, rtol=0, atol=1e-15)
    # SLQ scales whole rows: row 1 by 0.5, rows 0 and 2 untouched
    assert np.allclose(io.regional_coefficients(A, q, "slq"), A * np.array([[1.0], [0.5], [1.0]]), rtol=0, atol=1e-15)
    # CILQ: row 1 by (0.25, 0.5, 0.5), row 2 by (0.5, 1, 1)
    assert np.allclose(io.regional_coefficients(A, q, "cilq"),
                       A * np.array([[1, 1, 1], [0.25, 0.5, 0.5], [0.5, 1, 1]]), rtol=0, atol=1e-15)
    # δ = 0 gives λ* = 1: FLQ = CILQ
    assert np.array_equal(io.location_quotients(regional, national, delta=0.0).flq, q.cilq)


def test_location_quotient_errors() -> None:
    with pytest.raises(InputError, match=r"delta must lie in \[0, 1\)"):
        io.location_quotients(np.ones(2), np.ones(2) * 2, delta=1.0)
    with pytest.raises(InputError, match="regional but no national"):
        io.location_quotients(np.array([1.0, 1.0]), np.array([0.0, 5.0]))
    with pytest.raises(InputError, match="unknown location-quotient method"):
        io.regional_coefficients(A2, io.location_quotients(np.ones(2), np.ones(2) * 2), "xlq")  # type: ignore[arg-type]


# --- 两业融合: shares, entropy weights, coupling coordination, by hand ------------------------------------------


def test_group_input_and_sales_shares_by_hand() -> None:
    Z = np.array([[1.0, 2.0, 0.0], [3.0, 4.0, 5.0], [0.0, 1.0, 2.0]])
    # inputs of each sector: 4, 7, 7; from sectors 1 and 2: 3, 5, 7
    assert np.allclose(io.group_input_shares(Z, np.array([[0, 1, 1]]), np.eye(3)), [[0.75, 5 / 7, 1.0]],
                       rtol=0, atol=1e-15)
    # half of sector 2 in the supplier group, buyers 0 and 1 together: (3 + 4 + 0.5·1) / (4 + 7)
    assert np.isclose(io.group_input_shares(Z, np.array([0, 1, 0.5]), np.array([1, 1, 0]))[0, 0], 7.5 / 11)
    # sector 1 sells 3 + 4 to sectors 0 and 1 out of output 20: 0.35
    x = np.array([10.0, 20.0, 5.0])
    assert np.isclose(io.group_sales_shares(Z, x, np.array([0, 1, 0]), np.array([1, 1, 0]))[0, 0], 0.35)
    with pytest.raises(InputError, match="need 3 columns"):
        io.group_input_shares(Z, np.ones((1, 2)), np.eye(3))


def test_normalisation_and_entropy_weights_by_hand() -> None:
    X = np.array([[1.0, 10.0], [2.0, 10.0], [4.0, 40.0]])
    assert io.minmax(X).tolist() == [[0.0, 0.0], [1 / 3, 0.0], [1.0, 1.0]]
    assert io.maxnorm(X).tolist() == [[0.25, 0.25], [0.5, 0.25], [1.0, 1.0]]
    # min-max column 0: p = (0, 1/4, 3/4), e = −(¼ln¼ + ¾ln¾)/ln 3 = 0.5118595, d = 0.4881405;
    # column 1: p = (0, 0, 1), e = 0, d = 1; w = d / 1.4881405
    w = io.entropy_weights(io.minmax(X))
    e0 = -(0.25 * np.log(0.25) + 0.75 * np.log(0.75)) / np.log(3)
    assert np.allclose(w, [(1 - e0) / (2 - e0), 1 / (2 - e0)], rtol=0, atol=1e-15)
    assert round(float(w[0]), 6) == 0.328020
    assert io.entropy_weights(np.ones((3, 2))).tolist() == [0.5, 0.5]  # nothing varies: equal weights
    with pytest.raises(InputError, match="non-negative indicators"):
        io.maxnorm(np.array([[-1.0]]))


def test_coupling_coordination_by_hand() -> None:
    # U1 = 0.4, U2 = 0.9: C = 2·√0.36 / 1.3 = 12/13, T = 0.65, D = √(12/13 · 0.65) = √0.6
    cc = io.coupling_coordination(np.array([0.4, 0.0, 0.5]), np.array([0.9, 0.0, 0.5]))
    assert np.allclose(cc.C, [12 / 13, 0.0, 1.0], rtol=0, atol=1e-15)
    assert np.allclose(cc.T, [0.65, 0.0, 0.5], rtol=0, atol=1e-15)
    assert np.allclose(cc.D, [np.sqrt(0.6), 0.0, np.sqrt(0.5)], rtol=0, atol=1e-15)
    # α = 0.6, β = 0.4: T = 0.24 + 0.36 = 0.6
    assert np.isclose(io.coupling_coordination(np.array([0.4]), np.array([0.9]), 0.6, 0.4).T[0], 0.6)
    assert io.coordination_level(np.array([0.0, 0.09, 0.1, 0.55, 0.7746, 0.9, 1.0])).tolist() == [
        "extreme_imbalance", "extreme_imbalance", "serious_imbalance", "barely_coordinated",
        "intermediate_coordination", "high_quality_coordination", "high_quality_coordination"]
    with pytest.raises(InputError, match="sum to 1"):
        io.coupling_coordination(np.array([0.4]), np.array([0.9]), 0.5, 0.6)
