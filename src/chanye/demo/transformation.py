"""示例数据: synthetic 数智化/绿色化 indicators (issue 13 §6) for a sample of the demo city's manufacturing firms,
for the demo's last two years. Its OWN seeded generator (never one of `demo.synthetic`'s), so every existing
demo figure stays the same; energy use is the firm's own demo figure (综合能源消费量), carbon a firm-specific
emission factor times it. Every row is flagged synthetic."""

from __future__ import annotations

import numpy as np
import pandas as pd

from chanye.framework import Framework
from chanye.registry import transformation as reg
from chanye.registry.store import Store

STREAM = 13  # the issue: a generator of its own, seeded (seed, 13)
SAMPLE = 0.4  # share of the city's manufacturing firms that report
SMART_P = (0.25, 0.35, 0.25, 0.11, 0.04)  # 智能制造能力成熟度 1–5
INTEGRATION_P = (0.30, 0.35, 0.20, 0.10, 0.05)


def generate(firm_years: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Rows for `reg.upsert`: a sample of the firms, their last two years; deterministic for a seed."""
    rng = np.random.default_rng([seed, STREAM])
    years = sorted(firm_years["year"].unique())[-2:]
    frame = firm_years[firm_years["year"].isin(years)]
    firms = np.array(sorted(frame["uscc"].unique()), dtype=object)
    chosen = firms[rng.random(len(firms)) < SAMPLE]
    n = len(chosen)
    level = rng.choice(5, size=n, p=SMART_P) + 1
    integration = (rng.choice(5, size=n, p=INTEGRATION_P) + 1).astype(float)
    integration[rng.random(n) < 0.2] = np.nan  # not assessed
    iip = rng.random(n) < 0.3 + 0.08 * (level - 1)
    workshop = rng.random(n) < 0.05 + 0.06 * (level - 1)
    factory = rng.random(n) < 0.02 + 0.05 * (level - 1)
    green = rng.random(n) < 0.08
    factor = rng.uniform(1.8, 2.6, n)  # t CO2 per tce, by the firm's fuel mix
    step = rng.random(n) < 0.15  # moved up a level in the later year
    gain = rng.random(n) < 0.1
    energy = frame.set_index(["uscc", "year"])["energy_use"]
    rows = []
    for k, uscc in enumerate(chosen):
        for later, year in enumerate(years):
            use = energy.get((uscc, year))
            use = None if use is None or pd.isna(use) else float(use)
            rows.append({
                "uscc": uscc, "year": int(year), "smart_level": int(min(5, level[k] + (step[k] and later))),
                "integration_level": None if np.isnan(integration[k]) else int(integration[k]),
                "iip_platform": bool(iip[k] or (gain[k] and later)), "digital_workshop": bool(workshop[k]),
                "smart_factory": bool(factory[k] or (step[k] and later and level[k] >= 3)),
                "green_factory": bool(green[k]), "energy_tce": use,
                "carbon_tco2": None if use is None else round(use * factor[k] * (0.97 if later else 1.0), 1),
            })
    return pd.DataFrame(rows, columns=["uscc", "year", *reg.COLUMNS])


def load_into(store: Store, framework: Framework, *, seed: int, batch: int) -> int:
    """Generate and upsert the sample inside the caller's transaction; the number of firm-years."""
    rows = generate(reg.manufacturing_firm_years(store, city=framework.city.code), seed)
    return reg.upsert(store, rows, batch, synthetic=True)[0]
