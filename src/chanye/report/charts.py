"""The report's charts, drawn with matplotlib from the rows of the table they sit next to: SVG for the PDF (vector,
text as outlines so no font travels with it) and PNG at 200 dpi for Word (which cannot show SVG without an
extension). matplotlib, not ECharts through node: the wheel then needs no node at runtime, and the charts use
the same Noto CJK files the PDF embeds (docs/report.md)."""

from __future__ import annotations

import functools
import io
import threading
from collections.abc import Sequence
from dataclasses import dataclass

from chanye.report import fonts

WIDTH = 6.3  # inches: the A4 text width (160 mm)
BLUE, GREY, ORANGE, RED, GREEN = "#2f5597", "#a6a6a6", "#ed7d31", "#c00000", "#548235"


@dataclass(frozen=True)
class Drawn:
    svg: str
    png: bytes


_SETUP = threading.Lock()


@functools.cache
def _setup() -> type:
    """matplotlib's Figure (no pyplot: its global state is not safe under the web server's threads), with the
    Noto CJK files registered once."""
    with _SETUP:
        import matplotlib
        from matplotlib import font_manager
        from matplotlib.figure import Figure

        for path in fonts.find().files:
            font_manager.fontManager.addfont(str(path))
        matplotlib.rcParams.update({
            "font.family": "sans-serif", "font.sans-serif": [fonts.SANS], "font.size": 8.5,
            "axes.unicode_minus": False, "svg.fonttype": "path", "svg.hashsalt": "chanye",
            "axes.spines.top": False, "axes.spines.right": False, "axes.titlesize": 9,
        })
        return Figure


def _figure(height: float):
    fig = _setup()(figsize=(WIDTH, height))
    return fig, fig.subplots()


def _done(fig) -> Drawn:
    fig.tight_layout()
    svg, png = io.StringIO(), io.BytesIO()
    fig.savefig(svg, format="svg", metadata={"Date": None})
    fig.savefig(png, format="png", dpi=200)
    return Drawn(svg.getvalue(), png.getvalue())


def _height(n: int) -> float:
    return min(9.0, max(2.2, 0.26 * n + 0.8))


def trend(years: Sequence[int], values: Sequence[float], unit: str, *, highlight: int | None = None) -> Drawn | None:
    """Columns of one figure over the years; the report's year in the darker colour."""
    if not years:
        return None
    fig, ax = _figure(2.6)
    colours = [BLUE if y == highlight else GREY for y in years]
    bars = ax.bar([str(y) for y in years], values, color=colours, width=0.6)
    ax.bar_label(bars, labels=[f"{v:,.0f}" for v in values], padding=2, fontsize=7.5)
    ax.set_ylabel(unit)
    ax.yaxis.set_major_formatter("{x:,.0f}")
    ax.margins(y=0.15)
    return _done(fig)


def bars(names: Sequence[str], values: Sequence[float | None], unit: str, *, line: float | None = None,
         line_label: str = "", highlight: Sequence[str] = ()) -> Drawn | None:
    """Horizontal bars, largest on top; an optional reference line (千亿)."""
    pairs = [(n, v) for n, v in zip(names, values, strict=True) if v is not None]
    if not pairs:
        return None
    fig, ax = _figure(_height(len(pairs)))
    labels = [n for n, _ in pairs][::-1]
    numbers = [v for _, v in pairs][::-1]
    colours = [ORANGE if n in highlight else BLUE for n in labels]
    drawn = ax.barh(labels, numbers, color=colours, height=0.65)
    ax.bar_label(drawn, labels=[f"{v:,.0f}" for v in numbers], padding=2, fontsize=7)
    if line is not None and max(numbers) >= line * 0.5:
        ax.axvline(line, color=RED, linewidth=0.8, linestyle="--")
        ax.text(line, len(labels) - 0.4, f" {line_label}", color=RED, fontsize=7, va="bottom")
    ax.set_xlabel(unit)
    ax.xaxis.set_major_formatter("{x:,.0f}")
    ax.margins(x=0.12, y=0.01)
    return _done(fig)


def stacked(names: Sequence[str], series: dict[str, Sequence[int]], unit: str) -> Drawn | None:
    """Horizontal stacked bars (strong, weak, missing links of each chain)."""
    if not names:
        return None
    fig, ax = _figure(_height(len(names)))
    labels = list(names)[::-1]
    left = [0] * len(labels)
    for (word, values), colour in zip(series.items(), (GREEN, ORANGE, RED), strict=False):
        numbers = list(values)[::-1]
        ax.barh(labels, numbers, left=left, color=colour, height=0.65, label=word)
        left = [a + b for a, b in zip(left, numbers, strict=True)]
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), fontsize=7.5, frameon=False, ncols=len(series))
    ax.xaxis.get_major_locator().set_params(integer=True)  # links are counted
    ax.set_xlabel(unit)
    ax.margins(y=0.01)
    return _done(fig)


def pairs(names: Sequence[str], first: Sequence[float | None], second: Sequence[float | None],
          words: tuple[str, str], unit: str) -> Drawn | None:
    """Two bars per row (a target and the latest value)."""
    rows = [(n, a or 0.0, b or 0.0) for n, a, b in zip(names, first, second, strict=True)]
    if not rows:
        return None
    fig, ax = _figure(_height(2 * len(rows)))
    ys = list(range(len(rows)))[::-1]
    ax.barh([y + 0.2 for y in ys], [r[1] for r in rows], height=0.38, color=GREY, label=words[0])
    ax.barh([y - 0.2 for y in ys], [r[2] for r in rows], height=0.38, color=BLUE, label=words[1])
    ax.set_yticks(ys, [r[0] for r in rows])
    ax.xaxis.set_major_formatter("{x:,.0f}")
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), fontsize=7.5, frameon=False, ncols=2)
    ax.set_xlabel(unit)
    return _done(fig)
