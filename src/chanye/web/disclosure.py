"""Disclosure control of the dashboard pages (issue 17 item 3): a page model, cached for everyone, as one viewer
may see it. Figures that `services.disclosure` withholds from this viewer become None (the templates show
"—" via `fmt`) and the model gains ``disclosure`` = {suppressed, own_district}, which puts the note under the
page. The same model answers the page's `.json` twin and its XLSX tables, so all three agree."""

from __future__ import annotations

import copy

from chanye.analytics.indicators import ALL_FIRMS
from chanye.services.access import Viewer


def for_viewer(ctx, page: str, model: dict, who: Viewer, *, node: str | None = None,
               adcode: str | None = None) -> dict:
    """`model` of `page` (clusters, overview, cluster, districts, district) with the figures this viewer may
    not see set to None. `node` (cluster page) and `adcode` (district page) name the page's subject."""
    if not who.needs_disclosure_control or model.get("year") is None:
        return model
    from chanye.web import models

    board = models.board(ctx)
    fw = ctx.framework
    year, city = int(model["year"]), fw.info.city
    root = next(n for n in fw.nodes if n.parent is None).id
    out = copy.deepcopy(model)
    hidden = 0

    def hide(row: dict, keys: list[str], node_id: str, area: str, growth: tuple[str, ...] = ()) -> None:
        nonlocal hidden
        if board.withheld(who, node_id, area, year):
            hidden += 1
            for key in keys:
                row[key] = None
        if board.withheld(who, node_id, area, year, growth=True):
            for key in growth:
                row[key] = None

    if page in ("clusters", "overview"):
        for row in out.get("clusters") or []:
            hide(row, ["value", "thousand_billion"], row["id"], city, ("growth",))
    elif page == "cluster" and node:
        for row in out["districts"]["rows"]:
            hide(row, ["value", "share", "lq"], node, row["code"], ("growth",))
        trend = out["trend"]
        for i, y in enumerate(trend["years"]):
            if board.withheld(who, node, city, int(y)):
                trend["values"][i] = None
                hidden += int(y) == year
            if board.withheld(who, node, city, int(y), growth=True):
                trend["yoy"][i] = None
    elif page == "districts":
        for row in out["rows"]:
            hide(row, ["revenue", "industrial_output"], ALL_FIRMS, row["code"], ("growth",))
            hide(row, ["system_revenue"], root, row["code"])
    elif page == "district" and adcode:
        for row in out["mix"]:
            hide(row, ["revenue", "value", "lq", "share"], row["id"], adcode, ("growth",))
        hide(out["totals"], ["revenue", "industrial_output"], ALL_FIRMS, adcode, ("growth",))
    out["disclosure"] = {"suppressed": hidden, "own_district": who.firm_district}
    return out
