"""Links computed ahead for an import's chunk (issue 14), as the node and chain linking take them: computed per
distinct key (code, scope, name key) while the chunk's rows were written (`classify.chunk_links`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import pyarrow as pa


@dataclass(frozen=True)
class Ahead:
    """Links computed ahead for a chunk's keys (`keys`: code, scope, name_key), per key as `links`."""

    keys: pa.Table
    links: pa.Table


def with_ahead(ahead: Ahead, keys: pd.DataFrame, compute: Callable[[pd.DataFrame], pa.Table]) -> pa.Table:
    """The links computed ahead and those of `keys` (the keys it missed: none, as an import stages them)."""
    if not len(keys):
        return ahead.links
    return pa.concat_tables([ahead.links, compute(keys)], promote_options="default")
