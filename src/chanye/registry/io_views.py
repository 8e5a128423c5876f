"""Registry figures for input-output regionalisation (issue 13): firm sizes summed by GB/T 4754 小类 for one
city and for every firm in the registry (the 'nation' of the location quotients). The IO-sector mapping is the
service's (`services.io`), through the shipped concordance."""

from __future__ import annotations

import pandas as pd

from chanye.registry.fields import MEASURES
from chanye.registry.store import Store


def class_sizes(store: Store, *, city: str, year: int, measure: str) -> pd.DataFrame:
    """One row per 小类 (declared code, else the predicted one) of `year`: `city_value` (the sum of `measure`
    over the firms of `city`), `all_value` (over every firm), `firms`, `city_firms`, and `synthetic` (any of
    the summed rows is demo data)."""
    if measure not in MEASURES:
        raise ValueError(f"unknown measure {measure!r}")
    return store.query(
        f"""
        SELECT coalesce(e.industry_code, e.predicted_code) AS gbt_code,
               sum(coalesce(y.{measure}, 0)) FILTER (WHERE e.city_code = ?) AS city_value,
               sum(coalesce(y.{measure}, 0)) AS all_value,
               count(*) FILTER (WHERE e.city_code = ?) AS city_firms,
               count(*) AS firms,
               bool_or(e.synthetic OR y.synthetic) AS synthetic
        FROM enterprises e JOIN enterprise_years y USING (uscc)
        WHERE y.year = ? AND coalesce(e.industry_code, e.predicted_code) IS NOT NULL
        GROUP BY 1 ORDER BY 1
        """,
        [city, city, int(year)],
    )


def latest_year(store: Store) -> int | None:
    """The latest year with figures, or None."""
    value = store.scalar("SELECT max(year) FROM enterprise_years")
    return None if value is None else int(value)


def division_panel(store: Store, *, city: str) -> pd.DataFrame:
    """The city's firms by district, year and GB/T 4754 大类 (the first two digits of the declared, else the
    predicted code): `firms`, and the sums of revenue, value_added and employees; `synthetic` as above."""
    return store.query(
        """
        SELECT e.district_code AS district, y.year AS year,
               substr(coalesce(e.industry_code, e.predicted_code), 1, 2) AS division,
               count(*) AS firms, sum(coalesce(y.revenue, 0)) AS revenue,
               sum(coalesce(y.value_added, 0)) AS value_added, sum(coalesce(y.employees, 0)) AS employees,
               bool_or(e.synthetic OR y.synthetic) AS synthetic
        FROM enterprises e JOIN enterprise_years y USING (uscc)
        WHERE e.city_code = ? AND coalesce(e.industry_code, e.predicted_code) IS NOT NULL
        GROUP BY ALL ORDER BY 1, 2, 3
        """,
        [city],
    )
