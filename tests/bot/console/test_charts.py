"""The console's SVG charts: a legend shows the colours its bars are drawn in."""

from __future__ import annotations

import re

from bot.console import charts


def test_the_split_bars_legend_has_the_colours_of_the_bars() -> None:
    svg = str(
        charts.split_bars([("Paspor", 4, 2)], ("membantu", "kurang membantu"), "Umpan balik")
    )
    legend = re.findall(r'<rect [^>]*width="10" height="10" fill="(#[0-9a-f]{6})"/>', svg)
    bars = re.findall(r'<rect [^>]*fill="(#[0-9a-f]{6})"><title>Paspor', svg)
    assert legend == bars and len(set(bars)) == 2
    assert "Paspor, kurang membantu: 2" in svg and "4 / 2" in svg
